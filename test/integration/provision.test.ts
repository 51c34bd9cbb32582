import { startSandbox, type RunningSandbox } from '../../server/sandbox';
import {
  createObjectSchema,
  createProperty,
  createPropertyGroup,
  listAssociationLabels,
  listObjectSchemas,
  listPipelines,
  listProperties,
} from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { admissionObject, referralObject } from '../../src/hubspot/dataModel';
import { z } from 'zod';
import { provisionDataModel } from '../../src/hubspot/provision';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
const running: RunningSandbox[] = [];

beforeAll(async () => {
  db = await createTestDatabase('provision');
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await dropTestDatabase(db);
});

/** Each scenario gets a portal of its own in the same database. */
async function portal(portalId: number) {
  const sandbox = await startSandbox({ pool: db.pool, port: 0, portalId });
  running.push(sandbox);
  return { sandbox, hubspot: new HubSpot({ baseUrl: sandbox.url, accessToken: 'token' }) };
}

describe('provisioning the data model', () => {
  it('creates everything in an empty portal, then a second run makes no write call', async () => {
    const { sandbox, hubspot } = await portal(101);
    const first = await provisionDataModel(hubspot);
    const writesSeenBySandbox = sandbox.stats().writes;
    expect(first.writeCalls).toBe(writesSeenBySandbox);
    // 2 schemas (each made with its company/contact associations) + admission -> referral association; a Referralynx
    // group on Referral, Admission, companies, contacts and tasks (5); one batch of missing properties on each (5);
    // search/display settings on both schemas (2); the pipeline with its stages (1); 4 association labels; the
    // tasks <-> Referral association definition (1).
    expect(first.writeCalls).toBe(21);
    expect(first.warnings).toEqual([]);
    expect(first.changes.map((c) => `${c.action} ${c.target}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^created custom object Referral \(2-\d+\)$/),
        expect.stringMatching(/^created custom object Admission \(2-\d+\)$/),
        'created pipeline "Referral intake" with 7 stages',
        expect.stringMatching(/^created association label "Referral source"/),
        expect.stringMatching(/^created association label "Referring clinician"/),
        expect.stringMatching(/^created association label "Admitted from referral"/),
        expect.stringMatching(/^created 14 properties on companies: rlx_referrals_30d, .*rlx_npi, rlx_source_id$/),
        expect.stringMatching(/^created 14 properties on contacts: /),
        'created property group "Referralynx" on tasks',
        'created 2 properties on tasks: rlx_task_key, rlx_follow_up_rule',
        'created association Referral -> tasks',
      ]),
    );

    // What a manager will find in the portal.
    const schemas = await listObjectSchemas(hubspot);
    const referral = schemas.find((s) => s.name === 'rlx_referral');
    expect(referral?.labels).toMatchObject({ singular: 'Referral', plural: 'Referrals' });
    expect(referral?.primaryDisplayProperty).toBe('rlx_referral_name');
    expect(referral?.searchableProperties).toEqual(expect.arrayContaining(['rlx_referral_name', 'rlx_ehr_id']));
    const referralProperties = await listProperties(hubspot, first.model.referralObjectTypeId);
    expect(referralProperties.find((p) => p.name === 'rlx_ehr_id')?.hasUniqueValue).toBe(true);
    expect(referralProperties.find((p) => p.name === 'rlx_status')?.options?.map((o) => o.value)).toEqual([
      'received',
      'pending_intake',
      'accepted',
      'soc_scheduled',
      'admitted',
      'non_admitted',
      'cancelled',
    ]);
    const [pipeline] = await listPipelines(hubspot, first.model.referralObjectTypeId);
    expect(pipeline?.stages.map((s) => s.label)).toEqual([
      'Received',
      'Pending intake',
      'Accepted',
      'SOC scheduled',
      'Admitted',
      'Non-admitted',
      'Cancelled',
    ]);
    expect(first.model.referralStageIds.admitted).toBe(pipeline?.stages[4]?.id);
    const labels = await listAssociationLabels(hubspot, first.model.referralObjectTypeId, '0-2');
    expect(labels.find((l) => l.label === 'Referral source')?.typeId).toBe(first.model.associationTypeIds.referral_to_company);

    // Follow-up tasks: their key and rule properties in the Referralynx group, and the types they are associated with.
    const taskProperties = new Map((await listProperties(hubspot, 'tasks')).map((p) => [p.name, p]));
    expect(taskProperties.get('rlx_task_key')).toMatchObject({
      label: 'Referralynx follow-up key',
      type: 'string',
      fieldType: 'text',
      groupName: 'referralynx',
      hasUniqueValue: false,
    });
    expect(taskProperties.get('rlx_follow_up_rule')).toMatchObject({
      label: 'Referralynx follow-up rule',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'referralynx',
    });
    expect(taskProperties.get('rlx_follow_up_rule')?.options?.map((o) => `${o.value}: ${o.label}`)).toEqual([
      'new_referral: New referral',
      'first_referral: First referral from a source',
      'non_admit: Non-admit explained',
      'start_of_care: Start of care update',
      'stalled_referral: Stalled referral',
      'check_in: Account check-in',
      'dormant_source: Dormant source',
      'noe_overdue: Hospice NOE not accepted',
      'partner_summary: Partner summary',
      'pilot_at_risk: Pilot at risk',
    ]);
    const taskToReferral = await listAssociationLabels(hubspot, '0-27', first.model.referralObjectTypeId);
    expect(taskToReferral).toEqual([{ category: 'USER_DEFINED', typeId: first.model.associationTypeIds.task_to_referral, label: null }]);
    expect(first.model.associationTypeIds).toMatchObject({ task_to_company: 192, task_to_contact: 204 });
    expect(first.model.associationCategories).toMatchObject({
      task_to_company: 'HUBSPOT_DEFINED',
      task_to_contact: 'HUBSPOT_DEFINED',
      task_to_referral: 'USER_DEFINED',
      referral_to_company: 'USER_DEFINED',
    });

    // Commissions on Admission records: the payee is a HubSpot-user property, the amount a currency.
    const admissionProperties = new Map((await listProperties(hubspot, first.model.admissionObjectTypeId)).map((p) => [p.name, p]));
    expect(admissionProperties.get('rlx_commission_payee')).toMatchObject({
      type: 'enumeration',
      fieldType: 'select',
      externalOptions: true,
      referencedObjectType: 'OWNER',
      groupName: 'referralynx',
    });
    expect(admissionProperties.get('rlx_commission_amount')).toMatchObject({ type: 'number', numberDisplayHint: 'currency' });
    expect(admissionProperties.get('rlx_commission_status')?.options?.map((o) => `${o.value}: ${o.label}`)).toEqual([
      'not_yet_eligible: Not yet eligible',
      'earned: Earned',
      'clawed_back: Clawed back',
      'ineligible: Ineligible',
    ]);
    expect(['rlx_commission_reason', 'rlx_commission_split', 'rlx_commission_period', 'rlx_commission_plan_id'].map((name) => admissionProperties.get(name)?.type)).toEqual([
      'string',
      'string',
      'string',
      'string',
    ]);
    expect(admissionProperties.get('rlx_commission_plan_version')?.type).toBe('number');

    sandbox.resetStats();
    const second = await provisionDataModel(hubspot);
    expect(second.changes).toEqual([]);
    expect(second.writeCalls).toBe(0);
    expect(sandbox.stats().writes).toBe(0);
    expect(second.model).toEqual(first.model);
  });

  it('completes a portal someone edited by hand, keeping their changes', async () => {
    const { hubspot } = await portal(102);
    // An administrator got there first: an NPI property under their own label and group, a tier property with
    // their own option, and a "last referral date" kept as text.
    await createPropertyGroup(hubspot, 'companies', { name: 'provider_data', label: 'Provider data' });
    await createProperty(hubspot, 'companies', {
      name: 'rlx_npi',
      label: 'Provider NPI',
      type: 'string',
      fieldType: 'text',
      groupName: 'provider_data',
    });
    await createProperty(hubspot, 'companies', {
      name: 'rlx_account_tier',
      label: 'Tier',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'provider_data',
      options: [
        { label: 'Platinum', value: 'platinum', displayOrder: 0 },
        { label: 'A', value: 'A', displayOrder: 1 },
      ],
    });
    await createProperty(hubspot, 'companies', {
      name: 'rlx_last_referral_date',
      label: 'Last referral',
      type: 'string',
      fieldType: 'text',
      groupName: 'provider_data',
    });

    const result = await provisionDataModel(hubspot);
    const companies = await listProperties(hubspot, 'companies');
    const byName = new Map(companies.map((p) => [p.name, p]));
    expect(byName.get('rlx_npi')).toMatchObject({ label: 'Provider NPI', groupName: 'provider_data', type: 'string' });
    expect(byName.get('rlx_account_tier')?.label).toBe('Tier');
    expect(byName.get('rlx_account_tier')?.options?.map((o) => o.value)).toEqual(['platinum', 'A', 'B', 'C', 'D']);
    expect(byName.get('rlx_last_referral_date')?.type).toBe('string');
    expect(byName.get('rlx_referrals_30d')?.groupName).toBe('referralynx');
    expect(result.changes.map((c) => c.target)).toEqual(
      expect.arrayContaining(['companies.rlx_account_tier: 3 options added', expect.stringMatching(/^11 properties on companies: /)]),
    );
    expect(result.warnings).toEqual([expect.stringMatching(/^companies\.rlx_last_referral_date is a string property in HubSpot, Referralynx expects date/)]);

    const again = await provisionDataModel(hubspot);
    expect(again.writeCalls).toBe(0);
    expect(again.warnings).toHaveLength(1);
  });

  it('completes a Referral object made by an earlier install that lacks properties and display settings', async () => {
    const { hubspot } = await portal(103);
    // Earlier versions required the EHR id too, so intake could not create a Referral by hand.
    const earlierRequired = ['rlx_referral_name', 'rlx_ehr_id'];
    await createObjectSchema(hubspot, {
      ...referralObject,
      requiredProperties: earlierRequired,
      properties: referralObject.properties
        .filter((p) => earlierRequired.includes(p.name))
        .map(({ groupName: _group, ...property }) => property),
      searchableProperties: ['rlx_referral_name'],
      secondaryDisplayProperties: [],
    });
    const result = await provisionDataModel(hubspot);
    const targets = result.changes.map((c) => `${c.action} ${c.target}`);
    expect(targets.some((t) => t.startsWith('created custom object Referral'))).toBe(false);
    expect(targets).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^created custom object Admission/),
        expect.stringMatching(/^completed 12 properties on Referral: rlx_status, /),
        'completed Referral search and display properties: rlx_ehr_id, rlx_status, rlx_business_line, rlx_received_at',
        'completed Referral: rlx_ehr_id no longer required',
      ]),
    );
    const referral = (await listObjectSchemas(hubspot)).find((s) => s.name === 'rlx_referral');
    expect(referral?.requiredProperties).toEqual(['rlx_referral_name']);
    expect((await provisionDataModel(hubspot)).writeCalls).toBe(0);
    expect(referral?.searchableProperties).toEqual(['rlx_referral_name', 'rlx_ehr_id']);
    expect(referral?.secondaryDisplayProperties).toEqual(['rlx_status', 'rlx_business_line', 'rlx_received_at']);
  });

  it('adds the commission properties to an Admission object made before commissions, and its payee takes only owners', async () => {
    const { hubspot } = await portal(104);
    const before = admissionObject.properties.filter((p) => !p.name.startsWith('rlx_commission_'));
    await createObjectSchema(hubspot, {
      ...admissionObject,
      properties: before.map(({ groupName: _group, ...property }) => property),
      secondaryDisplayProperties: [],
    });
    const result = await provisionDataModel(hubspot);
    expect(result.changes.map((c) => `${c.action} ${c.target}`)).toContain(
      'completed 8 properties on Admission: rlx_commission_status, rlx_commission_reason, rlx_commission_amount, rlx_commission_payee, ' +
        'rlx_commission_split, rlx_commission_period, rlx_commission_plan_id, rlx_commission_plan_version',
    );
    expect((await provisionDataModel(hubspot)).writeCalls).toBe(0);

    const create = (payee: string) =>
      hubspot.request(
        {
          method: 'POST',
          path: `/crm/v3/objects/${result.model.admissionObjectTypeId}`,
          body: { properties: { rlx_admission_name: 'Admission 2026-10-05', rlx_ehr_id: `A-${payee}`, rlx_commission_payee: payee, rlx_commission_amount: '120.00' } },
        },
        z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }).loose(),
      );
    // 71000101 is one of the sandbox's owners (Maria); 12345 is nobody in the portal.
    expect((await create('71000101')).properties).toMatchObject({ rlx_commission_payee: '71000101', rlx_commission_amount: '120' });
    await expect(create('12345')).rejects.toThrow(/12345 was not one of the allowed options/);
  });
});
