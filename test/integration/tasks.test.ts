import {
  batchCreate,
  batchRead,
  createTasks,
  findTasksByKey,
  readAssociations,
  readTasks,
  reassignTasks,
  TasksNotReassignedError,
  type TaskInput,
  type TaskOutcome,
} from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { associationCategoryOf, provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/** Owners seeded in every sandbox portal (server/sandbox/catalog.ts SEED_OWNERS). */
const MARIA = '71000101';
const JAMES = '71000102';
const PRIYA = '71000103';

const BATCH_CREATE = 'POST /crm/v3/objects/{objectType}/batch/create';
const BATCH_UPDATE = 'POST /crm/v3/objects/{objectType}/batch/update';
const SEARCH = 'POST /crm/v3/objects/{objectType}/search';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let companyIds: string[];
let contactIds: string[];
let referralIds: string[];

beforeAll(async () => {
  harness = await startTestSandbox('tasks');
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const ids = async (objectType: string, records: Array<Record<string, string>>) =>
    (await batchCreate(hubspot, objectType, records.map((properties) => ({ properties }))))
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((record) => record.id);
  companyIds = await ids('companies', [{ name: 'Mercy General' }, { name: "St. Luke's SNF" }, { name: 'Harbor Family Practice' }]);
  contactIds = await ids('contacts', [
    { firstname: 'Anita', lastname: 'Rao' },
    { firstname: 'Tom', lastname: 'Becker' },
    { firstname: 'Lena', lastname: 'Ortiz' },
  ]);
  referralIds = await ids(
    model.referralObjectTypeId,
    Array.from({ length: 150 }, (_, i) => ({ rlx_referral_name: `Referral 2026-11-27 · source ${i % 3} · Home health` })),
  );
});
afterAll(async () => {
  await harness.close();
});

const ehrId = (i: number) => `EHR-${String(i).padStart(4, '0')}`;

/** Referral i came from company i % 3, sent by contact i % 3, whose liaison is owner `owner`. */
function followUp(
  rule: string,
  i: number,
  overrides: { owner?: string; referralId?: string } = {},
): TaskInput {
  const source = i % 3;
  return {
    key: `${rule}:${ehrId(i)}`,
    properties: {
      hs_task_subject: `Thank the source for referral ${ehrId(i)}`,
      hs_task_body: 'Call the case manager: referral received, intake under way.',
      hs_timestamp: '2026-11-27T20:00:00.000Z',
      hs_task_type: 'CALL',
      hs_task_priority: 'HIGH',
      hs_task_status: 'NOT_STARTED',
      hubspot_owner_id: overrides.owner ?? MARIA,
      rlx_follow_up_rule: rule,
    },
    associations: [
      {
        toObjectType: 'companies',
        toId: companyIds[source] ?? '',
        associationTypeId: model.associationTypeIds.task_to_company ?? 0,
        category: associationCategoryOf(model, 'task_to_company'),
      },
      {
        toObjectType: 'contacts',
        toId: contactIds[source] ?? '',
        associationTypeId: model.associationTypeIds.task_to_contact ?? 0,
        category: associationCategoryOf(model, 'task_to_contact'),
      },
      {
        toObjectType: model.referralObjectTypeId,
        toId: overrides.referralId ?? referralIds[i] ?? '',
        associationTypeId: model.associationTypeIds.task_to_referral ?? 0,
        category: associationCategoryOf(model, 'task_to_referral'),
      },
    ],
  };
}

const idOf = (outcome: TaskOutcome | undefined): string => (outcome?.ok ? outcome.id : 'not created');

describe('follow-up tasks in HubSpot', () => {
  let created: TaskOutcome[];
  const newReferralTasks = Array.from({ length: 150 }, (_, i) => i);

  it('creates 150 new-referral tasks in two calls, each with its key and its source, clinician and referral', async () => {
    harness.sandbox.resetStats();
    created = await createTasks(
      hubspot,
      newReferralTasks.map((i) => followUp('new_referral', i)),
    );
    // 100 inputs per batch: 100 + 50.
    expect(harness.sandbox.stats().byRoute[BATCH_CREATE]).toBe(2);
    expect(created.map((o) => [o.key, o.ok])).toEqual(newReferralTasks.map((i) => [`new_referral:${ehrId(i)}`, true]));
    const taskIds = created.map(idOf);
    expect(new Set(taskIds).size).toBe(150);

    const stored = await batchRead(hubspot, 'tasks', taskIds, ['rlx_task_key', 'rlx_follow_up_rule', 'hubspot_owner_id']);
    expect(stored.map((t) => [t.id, t.properties.rlx_task_key, t.properties.rlx_follow_up_rule])).toEqual(
      newReferralTasks.map((i) => [taskIds[i], `new_referral:${ehrId(i)}`, 'new_referral']),
    );

    // Read back through the v4 associations API: exactly one record of each kind, with the type it was created with.
    const toCompanies = await readAssociations(hubspot, 'tasks', 'companies', taskIds);
    const toContacts = await readAssociations(hubspot, 'tasks', 'contacts', taskIds);
    const toReferrals = await readAssociations(hubspot, 'tasks', model.referralObjectTypeId, taskIds);
    for (const i of newReferralTasks) {
      const task = taskIds[i] ?? '';
      expect([i, toCompanies.get(task)]).toEqual([i, [{ toId: companyIds[i % 3], typeIds: [192] }]]);
      expect([i, toContacts.get(task)]).toEqual([i, [{ toId: contactIds[i % 3], typeIds: [204] }]]);
      expect([i, toReferrals.get(task)]).toEqual([
        i,
        [{ toId: referralIds[i], typeIds: [model.associationTypeIds.task_to_referral] }],
      ]);
    }
    // And the liaison finds the task on the Referral record (HubSpot writes the inverse direction too).
    const onReferral = await readAssociations(hubspot, model.referralObjectTypeId, 'tasks', [referralIds[7] ?? '']);
    expect(onReferral.get(referralIds[7] ?? '')?.map((a) => a.toId)).toEqual([taskIds[7]]);
  });

  it('finds tasks by their keys, 100 keys a search, and no task whose key was not asked for', async () => {
    const asked = [...newReferralTasks.slice(0, 120).map((i) => `new_referral:${ehrId(i)}`), 'new_referral:EHR-9999'];
    harness.sandbox.resetStats();
    const found = await findTasksByKey(hubspot, asked);
    // 121 keys: a search of 100 and one of 21, each a single page.
    expect(harness.sandbox.stats().byRoute[SEARCH]).toBe(2);
    expect([...found.entries()].sort()).toEqual(
      newReferralTasks
        .slice(0, 120)
        .map((i) => [`new_referral:${ehrId(i)}`, idOf(created[i])])
        .sort(),
    );
  });

  it('creates the good tasks of a batch and reports the one with an unknown owner and the one with a missing referral', async () => {
    const batch = [
      followUp('check_in', 0),
      followUp('check_in', 1, { owner: '99999999' }),
      followUp('check_in', 2, { referralId: '987654321' }),
      followUp('check_in', 3),
    ];
    harness.sandbox.resetStats();
    const outcomes = await createTasks(hubspot, batch);
    expect(harness.sandbox.stats().log.map((entry) => entry.status)).toEqual([207]);
    expect(outcomes.map((o) => [o.key, o.ok])).toEqual([
      ['check_in:EHR-0000', true],
      ['check_in:EHR-0001', false],
      ['check_in:EHR-0002', false],
      ['check_in:EHR-0003', true],
    ]);
    const [, badOwner, missingReferral] = outcomes;
    expect(badOwner?.ok === false && badOwner.error).toMatchObject({ category: 'VALIDATION_ERROR', message: expect.stringMatching(/99999999/) });
    expect(missingReferral?.ok === false && missingReferral.error).toMatchObject({
      category: 'VALIDATION_ERROR',
      message: expect.stringMatching(/987654321/),
    });

    const found = await findTasksByKey(hubspot, batch.map((t) => t.key));
    expect([...found.keys()].sort()).toEqual(['check_in:EHR-0000', 'check_in:EHR-0003']);
  });

  it('reads a task a liaison completed with its completion date, and leaves out one that was deleted', async () => {
    const outcomes = await createTasks(hubspot, [
      followUp('stalled_referral', 10, { owner: PRIYA }),
      followUp('stalled_referral', 11, { owner: PRIYA }),
      followUp('stalled_referral', 12, { owner: PRIYA }),
    ]);
    const [open, deleted, completed] = outcomes.map(idOf);
    // In HubSpot: the liaison deletes one task and completes another.
    expect((await harness.call('DELETE', `/crm/v3/objects/tasks/${deleted}`)).status).toBe(204);
    const done = await harness.call('PATCH', `/crm/v3/objects/tasks/${completed}`, {
      properties: { hs_task_status: 'COMPLETED', hs_task_completion_date: '2026-12-02T16:30:00.000Z' },
    });
    expect(done.status).toBe(200);

    const states = await readTasks(hubspot, [open ?? '', deleted ?? '', completed ?? '']);
    expect(states.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
      { id: open, status: 'NOT_STARTED', ownerId: PRIYA, completedAt: null },
      { id: completed, status: 'COMPLETED', ownerId: PRIYA, completedAt: new Date('2026-12-02T16:30:00.000Z') },
    ]);
  });

  it('reassigns 150 tasks to the new owner of their source in two calls', async () => {
    const taskIds = created.map(idOf);
    harness.sandbox.resetStats();
    await reassignTasks(
      hubspot,
      taskIds.map((id) => ({ id, ownerId: JAMES })),
    );
    expect(harness.sandbox.stats().byRoute[BATCH_UPDATE]).toBe(2);
    const states = await readTasks(hubspot, taskIds);
    expect(states).toHaveLength(150);
    expect(new Set(states.map((s) => s.ownerId))).toEqual(new Set([JAMES]));
  });

  it('skips a task deleted in the meantime, and reports an owner HubSpot does not know after reassigning the rest', async () => {
    const [first, second, third] = created.map(idOf);
    await harness.call('DELETE', `/crm/v3/objects/tasks/${first}`);
    await expect(reassignTasks(hubspot, [{ id: first ?? '', ownerId: PRIYA }])).resolves.toBeUndefined();

    const refused = await reassignTasks(hubspot, [
      { id: second ?? '', ownerId: '99999999' },
      { id: third ?? '', ownerId: PRIYA },
    ]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TasksNotReassignedError);
    expect((refused as TasksNotReassignedError).failures.map((f) => f.id)).toEqual([second]);
    const states = await readTasks(hubspot, [second ?? '', third ?? '']);
    expect(states.map((s) => [s.id, s.ownerId]).sort()).toEqual([
      [second, JAMES],
      [third, PRIYA],
    ]);
  });
});
