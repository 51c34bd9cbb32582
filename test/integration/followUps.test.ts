import { z } from 'zod';
import type { Clock } from '../../src/clock';
import type { CanonicalEvent } from '../../src/domain/events';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { EhrStore } from '../../src/store/ehrStore';
import { FollowUpStore } from '../../src/store/followUpStore';
import { migrate } from '../../src/store/migrate';
import { inTransaction } from '../../src/store/postgres';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { reconcileTasks, sweepAccountFollowUps, sweepFollowUps } from '../../src/sync/followUps';
import { hubspotEventEffects } from '../../src/sync/hubspotEvents';
import { syncTarget, syncUntilIdle, type SyncTarget } from '../../src/sync/syncOnce';
import { event, patient } from '../support/events';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * Follow-up tasks end to end against the sandbox: EHR events in, the sync round deciding tasks, the task round
 * creating them in HubSpot with their associations, and their outcome coming back. The agency is in New York
 * (EST, UTC-5, in November 2026) and works 08:00-17:00 Monday to Friday.
 */

// The sandbox's seeded owners (server/sandbox/catalog.ts).
const MARIA = '71000101';
const JAMES = '71000102';
const PRIYA = '71000103';
const DANA = '71000104';
const MERCY_NPI = '1234567893';
const PATEL_NPI = '1245319599';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenants: TenantRepository;
let store: EhrStore;
let queue: SyncQueue;
let company: string;
let contact: string;
const portal = () => harness.sandbox.portalId;
const followUps = new FollowUpStore();

beforeAll(async () => {
  harness = await startTestSandbox('follow_ups');
  await migrate(harness.db.pool);
  // Retries a second after a failure instead of 30 s, so the crash test need not wait.
  await SyncQueue.install(harness.db.pool, { retryDelaySeconds: 1 });
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(portal(), 'Sunrise Home Health & Hospice');
  await tenants.updateSettings(portal(), {
    timeZone: 'America/New_York',
    marketerOwners: { 'MKT-101': 'maria.alvarez@sunrise-care.example' },
    followUps: { ...(await tenants.find(portal()))!.settings.followUps, intakeOwner: 'dana.whitfield@sunrise-care.example' },
  });
  store = new EhrStore(harness.db.pool);
  company = await create('companies', { name: 'Mercy General Hospital', rlx_npi: MERCY_NPI, hubspot_owner_id: JAMES });
  contact = await create('contacts', { firstname: 'Anita', lastname: 'Patel', rlx_npi: PATEL_NPI });
  // An earlier referral from Mercy General (a year ago, admitted): the referrals below are not its first.
  await record('REF-4000', [
    received('REF-4000', '2025-11-03T10:00:00-05:00', { marketerId: 'MKT-101' }),
    { kind: 'referral.non_admitted', referralKey: 'REF-4000', reason: 'other', occurredAt: '2025-11-04T10:00:00-05:00' },
  ]);
});
afterAll(async () => {
  await harness.close();
});

async function create(objectType: string, properties: Record<string, string>): Promise<string> {
  return (await hubspot.request({ method: 'POST', path: `/crm/v3/objects/${objectType}`, body: { properties } }, z.object({ id: z.string() }))).id;
}

type Draft = Parameters<typeof event>[0];

function received(key: string, at: string, facts: Partial<Extract<CanonicalEvent, { kind: 'referral.received' }>['facts']> = {}): Draft {
  return {
    kind: 'referral.received',
    referralKey: key,
    occurredAt: at,
    facts: {
      receivedAt: at,
      businessLine: 'home_health',
      referringOrganization: { name: 'Mercy General Hospital', npi: MERCY_NPI },
      referringPractitioner: { familyName: 'Patel', givenName: 'Anita', suffix: 'MD', npi: PATEL_NPI },
      ...facts,
    },
  };
}

async function record(key: string, drafts: Draft[]): Promise<void> {
  const events = drafts.map((draft, i) => event({ ...draft, patientHash: patient(key), eventId: `${key}-${i}` } as Draft));
  await store.recordMany(portal(), [{ outcome: { ok: true, messageKey: `msg-${key}-${drafts.length}`, events }, input: { format: 'json', feed: 'test', payload: '{}' } }]);
}

const at = (iso: string): Clock => ({ now: () => Date.parse(iso), sleep: async () => undefined });

async function target(): Promise<SyncTarget> {
  const tenant = (await tenants.find(portal())) as Tenant;
  return syncTarget({ tenant, hubspot, model });
}

const sync = async (now: string) => syncUntilIdle({ pool: harness.db.pool, queue, target: await target(), clock: at(now) });

const taskSchema = z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }).loose();
const TASK_PROPERTIES = 'hs_task_subject,hs_task_body,hs_task_type,hs_task_priority,hs_timestamp,hubspot_owner_id,hs_task_status,rlx_task_key,rlx_follow_up_rule';

/** Every task in the sandbox whose key starts with `prefix`. */
async function tasks(prefix: string) {
  const page = await hubspot.request(
    { method: 'GET', path: '/crm/v3/objects/tasks', qs: { properties: TASK_PROPERTIES, limit: '100' } },
    z.object({ results: z.array(taskSchema) }).loose(),
  );
  return page.results.filter((task) => (task.properties.rlx_task_key ?? '').startsWith(prefix));
}

const associated = async (taskId: string, toType: string) =>
  (
    await hubspot.request(
      { method: 'GET', path: `/crm/v4/objects/tasks/${taskId}/associations/${toType}` },
      z.object({ results: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]) }).loose()) }),
    )
  ).results.map((r) => String(r.toObjectId));

const referralId = async (key: string) =>
  (await harness.db.pool.query("SELECT hubspot_id FROM hubspot_records WHERE record_kind = 'referral' AND record_key = $1", [key])).rows[0]?.hubspot_id as string;

describe('follow-up tasks in HubSpot', () => {
  it('a non-admit for insurance creates exactly one call task for the source owner, due the same business day, with the reason in the subject', async () => {
    await record('REF-5001', [
      received('REF-5001', '2026-11-23T09:00:00-05:00', { marketerId: 'MKT-101' }),
      { kind: 'referral.non_admitted', referralKey: 'REF-5001', reason: 'insurance_not_accepted', occurredAt: '2026-11-23T11:30:00-05:00' },
    ]);
    await sync('2026-11-23T16:31:00Z');
    const created = await tasks('non_admit:REF-5001');
    expect(created).toHaveLength(1);
    expect(created[0]?.properties).toMatchObject({
      hs_task_subject: 'Call Mercy General Hospital: referral of November 23 not admitted (insurance not accepted)',
      hs_task_type: 'CALL',
      hs_task_priority: 'HIGH',
      hs_task_status: 'NOT_STARTED',
      hubspot_owner_id: MARIA,
      rlx_follow_up_rule: 'non_admit',
    });
    // Monday 11-23, the same business day, ends 17:00 EST = 22:00Z.
    expect(new Date(Number(created[0]?.properties.hs_timestamp) || String(created[0]?.properties.hs_timestamp)).toISOString()).toBe('2026-11-23T22:00:00.000Z');
    const id = created[0]!.id;
    expect(await associated(id, 'companies')).toEqual([company]);
    expect(await associated(id, 'contacts')).toEqual([contact]);
    expect(await associated(id, model.referralObjectTypeId)).toEqual([await referralId('REF-5001')]);
    // No other task for it: it was closed (non-admitted) when first seen, and is not the source's first referral.
    expect((await tasks('')).filter((t) => t.properties.rlx_task_key?.includes('REF-5001')).map((t) => t.properties.rlx_task_key)).toEqual(['non_admit:REF-5001']);
    // No patient data in what HubSpot holds.
    expect(JSON.stringify(created)).not.toMatch(/patient-hash|REF-4000/);
  });

  it('a replayed feed and a worker restarted between HubSpot answering and the commit create no duplicate task', async () => {
    // The replay: the same events again, and the referral queued again as a restart would leave it.
    await record('REF-5001', [
      received('REF-5001', '2026-11-23T09:00:00-05:00', { marketerId: 'MKT-101' }),
      { kind: 'referral.non_admitted', referralKey: 'REF-5001', reason: 'insurance_not_accepted', occurredAt: '2026-11-23T11:30:00-05:00' },
    ]);
    await inTransaction(harness.db.pool, (client) => queue.enqueue(client, portal(), 'referral', ['REF-5001']));
    await sync('2026-11-23T16:40:00Z');
    expect(await tasks('non_admit:REF-5001')).toHaveLength(1);

    // A crash after HubSpot created the task, before our commit recorded its id.
    await record('REF-5002', [
      received('REF-5002', '2026-11-23T10:00:00-05:00', { marketerId: 'MKT-101' }),
      { kind: 'referral.non_admitted', referralKey: 'REF-5002', reason: 'outside_service_area', occurredAt: '2026-11-23T12:00:00-05:00' },
    ]);
    await harness.db.pool.query(`
      CREATE OR REPLACE FUNCTION crash_now() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'process killed'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER crash BEFORE UPDATE ON follow_up_tasks FOR EACH ROW WHEN (NEW.hubspot_id IS NOT NULL) EXECUTE FUNCTION crash_now();`);
    await expect(sync('2026-11-23T17:01:00Z')).rejects.toThrow('process killed');
    await harness.db.pool.query('DROP TRIGGER crash ON follow_up_tasks');
    expect(await tasks('non_admit:REF-5002')).toHaveLength(1);
    // The job comes back a second later; the retry finds the task by its key instead of creating another.
    for (let waited = 0; waited < 10_000; waited += 250) {
      await sync('2026-11-23T17:02:00Z');
      if ((await followUps.tasks(harness.db.pool, portal(), ['non_admit:REF-5002'])).get('non_admit:REF-5002')?.hubspotId) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const [task] = await tasks('non_admit:REF-5002');
    expect((await tasks('non_admit:REF-5002')).map((t) => t.id)).toEqual([task!.id]);
    expect((await followUps.tasks(harness.db.pool, portal(), ['non_admit:REF-5002'])).get('non_admit:REF-5002')?.hubspotId).toBe(task!.id);
  });

  it('a stalled referral escalates once, to intake and to the liaison', async () => {
    // Received Tuesday 11-24 09:00 EST; 3 business hours later is 12:00 EST = 17:00Z.
    await record('REF-5003', [received('REF-5003', '2026-11-24T09:00:00-05:00', { marketerId: 'MKT-101' })]);
    await sync('2026-11-24T14:05:00Z');
    expect((await tasks('new_referral:REF-5003')).map((t) => t.properties.hubspot_owner_id)).toEqual([MARIA]);
    const sweep = async (now: string) => sweepFollowUps(harness.db.pool, queue, await target(), new Date(now));
    expect(await sweep('2026-11-24T16:59:00Z')).toBe(0);
    expect(await sweep('2026-11-24T17:00:00Z')).toBe(2);
    expect(await sweep('2026-11-24T18:00:00Z')).toBe(0);
    await sync('2026-11-24T18:00:00Z');
    const stalled = await tasks('stalled_referral:REF-5003');
    expect(stalled.map((t) => [t.properties.rlx_task_key, t.properties.hubspot_owner_id]).sort()).toEqual([
      ['stalled_referral:REF-5003:intake', DANA],
      ['stalled_referral:REF-5003:liaison', MARIA],
    ]);
  });

  it("follows the company's new owner: the open tasks of its referrals are reassigned", async () => {
    // No marketer on this referral: it belongs to the company's owner, James.
    await record('REF-5004', [received('REF-5004', '2026-11-24T10:00:00-05:00')]);
    await sync('2026-11-24T15:01:00Z');
    const [alert] = await tasks('new_referral:REF-5004');
    expect(alert?.properties.hubspot_owner_id).toBe(JAMES);
    await hubspot.request({ method: 'PATCH', path: `/crm/v3/objects/companies/${company}`, body: { properties: { hubspot_owner_id: PRIYA } } }, z.unknown());
    await inTransaction(harness.db.pool, (client) => hubspotEventEffects(queue).companyOwnerChanged(client, portal(), company, PRIYA));
    await sync('2026-11-24T15:10:00Z');
    expect((await tasks('new_referral:REF-5004')).map((t) => t.properties.hubspot_owner_id)).toEqual([PRIYA]);
  });

  it("checks in on a tier A account 14 days after its last contact, once, owned by the company's owner", async () => {
    await hubspot.request(
      { method: 'PATCH', path: `/crm/v3/objects/companies/${company}`, body: { properties: { rlx_account_tier: 'A', notes_last_contacted: '2026-11-10T15:00:00.000Z' } } },
      z.unknown(),
    );
    const sweep = async (now: string) => sweepAccountFollowUps(harness.db.pool, queue, await target(), new Date(now));
    // Due Tuesday 11-24; on Monday nothing. Mercy's referral days (2025-11-03, 2026-11-23, 2026-11-24) make it no dormant source.
    expect(await sweep('2026-11-23T15:00:00Z')).toBe(0);
    expect(await sweep('2026-11-27T15:00:00Z')).toBe(1);
    expect(await sweep('2026-11-27T16:00:00Z')).toBe(0);
    // The company shows when its check-in falls due: 11-10 plus 14 days.
    const due = await hubspot.request(
      { method: 'GET', path: `/crm/v3/objects/companies/${company}`, qs: { properties: 'rlx_next_checkin_due' } },
      z.object({ properties: z.record(z.string(), z.string().nullable()) }).loose(),
    );
    expect(due.properties.rlx_next_checkin_due).toBe('2026-11-24');
    await sync('2026-11-27T16:00:00Z');
    const [checkIn, ...others] = await tasks(`check_in:${company}:`);
    expect(others).toEqual([]);
    expect(checkIn?.properties).toMatchObject({ rlx_task_key: `check_in:${company}:2026-11-24`, hubspot_owner_id: PRIYA, hs_task_type: 'CALL' });
    expect(await associated(checkIn!.id, 'companies')).toEqual([company]);
    expect(await associated(checkIn!.id, model.referralObjectTypeId)).toEqual([]);

    // The account changes hands: its open check-in goes with it.
    await hubspot.request({ method: 'PATCH', path: `/crm/v3/objects/companies/${company}`, body: { properties: { hubspot_owner_id: JAMES } } }, z.unknown());
    await inTransaction(harness.db.pool, (client) => hubspotEventEffects(queue).companyOwnerChanged(client, portal(), company, JAMES));
    await sync('2026-11-27T16:10:00Z');
    expect((await tasks(`check_in:${company}:`)).map((t) => t.properties.hubspot_owner_id)).toEqual([JAMES]);
  });

  it('knows when a liaison completes or deletes a task in HubSpot, and reports completion per rule and owner', async () => {
    const [nonAdmit] = await tasks('non_admit:REF-5001');
    const [stalledIntake] = await tasks('stalled_referral:REF-5003:intake');
    await hubspot.request({ method: 'PATCH', path: `/crm/v3/objects/tasks/${nonAdmit!.id}`, body: { properties: { hs_task_status: 'COMPLETED' } } }, z.unknown());
    await hubspot.request({ method: 'DELETE', path: `/crm/v3/objects/tasks/${stalledIntake!.id}` }, z.unknown());
    const changed = await reconcileTasks(harness.db.pool, await target());
    expect(changed).toBe(2);
    const kept = await followUps.tasks(harness.db.pool, portal(), ['non_admit:REF-5001', 'stalled_referral:REF-5003:intake']);
    expect(kept.get('non_admit:REF-5001')).toMatchObject({ status: 'completed' });
    expect(kept.get('non_admit:REF-5001')?.completedAt).toBeInstanceOf(Date);
    expect(kept.get('stalled_referral:REF-5003:intake')).toMatchObject({ status: 'deleted', completedAt: null });
    // Asked again, nothing has changed.
    expect(await reconcileTasks(harness.db.pool, await target())).toBe(0);

    const lines = await followUps.completion(harness.db.pool, portal(), new Date('2026-01-01T00:00:00Z'));
    const line = (rule: string, owner: string) => lines.find((l) => l.rule === rule && l.ownerId === owner);
    // Maria: the two non-admit calls (REF-5001 completed, REF-5002 open and past due: Monday 17:00 has passed).
    expect(line('non_admit', MARIA)).toMatchObject({ created: 2, completed: 1, overdue: 1, deleted: 0 });
    // Dana (intake): REF-5003's escalation, deleted; and REF-5004's (received Tuesday 10:00, never moved), raised when
    // the company's new owner made the sync write REF-5004 again on 11-27, long after its 3 business hours.
    expect(line('stalled_referral', DANA)).toMatchObject({ created: 2, completed: 0, deleted: 1 });
  });
});
