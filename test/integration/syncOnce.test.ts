import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { generateDemoAgency } from '../../src/demo/agency';
import { toHl7Messages } from '../../src/demo/emit';
import { Ingestor } from '../../src/ehr/ingest';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { EhrStore } from '../../src/store/ehrStore';
import { migrate } from '../../src/store/migrate';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { SyncQueue } from '../../src/store/syncQueue';
import { syncOnce, syncTarget, type SyncTarget } from '../../src/sync/syncOnce';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenant: Tenant;
let ingestor: Ingestor;
let target: SyncTarget;
// The records alone: the follow-up and scorecard jobs the rounds queue are other tests' subject.
const sync = () => syncOnce({ pool: harness.db.pool, target, kinds: ['referral', 'admission'] });
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/external/hl7v2', name), 'utf8');

beforeAll(async () => {
  harness = await startTestSandbox('sync_once');
  await migrate(harness.db.pool);
  // Retries a second or two after a failure instead of 30 s, so the crash test need not wait.
  await SyncQueue.install(harness.db.pool, { retryDelaySeconds: 1 });
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(harness.sandbox.portalId);
  await tenants.updateSettings(harness.sandbox.portalId, { timeZone: 'America/Chicago' });
  const found = await tenants.find(harness.sandbox.portalId);
  if (!found) throw new Error('tenant not registered');
  tenant = found;
  ingestor = await Ingestor.forTenant(new EhrStore(harness.db.pool), tenant);
  target = syncTarget({ tenant, hubspot, model });
});
afterAll(async () => {
  await harness.close();
});

const referrals = async () => {
  const page = await hubspot.request(
    { method: 'GET', path: `/crm/v3/objects/${model.referralObjectTypeId}`, qs: { properties: 'rlx_ehr_id,rlx_referral_name,rlx_status,hs_pipeline_stage,rlx_received_at' } },
    z.object({ results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) })) }),
  );
  return page.results;
};

/** The records a record is associated to, with the labels of each association. */
const linked = async (fromType: string, fromId: string, toType: string) =>
  (
    await hubspot.request(
      { method: 'GET', path: `/crm/v4/objects/${fromType}/${fromId}/associations/${toType}` },
      z.object({
        results: z.array(
          z.object({ toObjectId: z.union([z.string(), z.number()]), associationTypes: z.array(z.object({ label: z.string().nullable().optional() }).loose()) }).loose(),
        ),
      }),
    )
  ).results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.label).filter(Boolean)]);

describe('syncing referrals to HubSpot', () => {
  it('an HL7 referral becomes one Referral record at the right stage, named without patient data', async () => {
    expect((await ingestor.message('hl7v2', fixture('REF-I12-01.hl7'), 'mllp')).status).toBe('accepted');
    const round = await sync();
    expect(round).toEqual({ taken: 1, written: 1, unchanged: 0, failed: 0 });
    const [record, ...others] = await referrals();
    expect(others).toEqual([]);
    // RF1-6 226839; RF1-7 2022-01-25; PRD-10 GOOD HEALTH HOSPITAL; no business line in the message.
    expect(record?.properties).toMatchObject({
      rlx_ehr_id: '226839',
      rlx_referral_name: 'Referral 2022-01-25 · GOOD HEALTH HOSPITAL · Unspecified',
      rlx_status: 'received',
      hs_pipeline_stage: model.referralStageIds.received,
    });
    expect(JSON.stringify(record)).not.toMatch(/EVERYMAN|ADAM|PATID1234|19610615/);
  });

  it('a second round writes nothing, and a cancellation moves the same record to Cancelled', async () => {
    harness.sandbox.resetStats();
    expect(await sync()).toEqual({ taken: 0, written: 0, unchanged: 0, failed: 0 });
    expect(harness.sandbox.stats().writes).toBe(0);

    await ingestor.message('hl7v2', fixture('REF-I14-01.hl7'), 'mllp');
    expect(await sync()).toEqual({ taken: 1, written: 1, unchanged: 0, failed: 0 });
    const all = await referrals();
    expect(all).toHaveLength(1);
    expect(all[0]?.properties).toMatchObject({ rlx_status: 'cancelled', hs_pipeline_stage: model.referralStageIds.cancelled });
  });

  it('a crash between HubSpot answering and the commit leaves the work queued, and the retry creates no duplicate', async () => {
    await ingestor.message('hl7v2', fixture('REF-I12-01.hl7').replace('226839^EPIC', '900001^EPIC').replace('|MSG00112|', '|MSG9001|'), 'mllp');
    await harness.db.pool.query(`
      CREATE OR REPLACE FUNCTION crash_now() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'process killed'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER crash BEFORE INSERT OR UPDATE ON hubspot_records FOR EACH ROW EXECUTE FUNCTION crash_now();`);
    await expect(sync()).rejects.toThrow('process killed');
    await harness.db.pool.query('DROP TRIGGER crash ON hubspot_records');
    // HubSpot has the record already; the queue still has the work, given back to be retried a second or two later.
    expect((await referrals()).map((r) => r.properties.rlx_ehr_id).sort()).toEqual(['226839', '900001']);
    let retried = await sync();
    for (let waited = 0; retried.taken === 0 && waited < 10_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      retried = await sync();
    }
    expect(retried).toEqual({ taken: 1, written: 1, unchanged: 0, failed: 0 });
    expect((await referrals()).map((r) => r.properties.rlx_ehr_id).sort()).toEqual(['226839', '900001']);
  });

  it('associates a referral to its source company, found by NPI, with the "Referral source" label', async () => {
    const company = await hubspot.request(
      { method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Good Health Hospital', rlx_npi: '1234567893' } } },
      z.object({ id: z.string() }),
    );
    // The fixture's referral, its source (PRD-10) now carrying an NPI (XON.7 = NPI, XON.10 = the number).
    const withNpi = fixture('REF-I12-01.hl7')
      .replace('226839^EPIC', '900002^EPIC')
      .replace('|MSG00112|', '|MSG9002|')
      .replace('|GOOD HEALTH HOSPITAL|', '|GOOD HEALTH HOSPITAL^^^^^^NPI^^^1234567893|');
    const withUnknownNpi = withNpi.replace('900002^EPIC', '900003^EPIC').replace('|MSG9002|', '|MSG9003|').replace('1234567893', '1245319599');
    await ingestor.message('hl7v2', withNpi, 'mllp');
    await ingestor.message('hl7v2', withUnknownNpi, 'mllp');
    harness.sandbox.resetStats();
    expect(await sync()).toEqual({ taken: 2, written: 2, unchanged: 0, failed: 0 });
    // One search for both source NPIs, one by name for the NPI no company has (the clinician, POWELL, has no NPI and
    // was looked up by name in the first test: a miss is kept an hour), one for Referral records typed by hand (no
    // creation webhook has come: the first referral with a matched source asks), one upsert, one association call.
    expect(harness.sandbox.stats().byRoute).toMatchObject({
      'POST /crm/v3/objects/{objectType}/search': 3,
      'POST /crm/v3/objects/{objectType}/batch/upsert': 1,
      'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create': 1,
    });

    const byKey = new Map((await referrals()).map((r) => [r.properties.rlx_ehr_id, r.id]));
    expect(await linked(model.referralObjectTypeId, byKey.get('900002') ?? '', 'companies')).toEqual([[company.id, ['Referral source']]]);
    expect(await linked(model.referralObjectTypeId, byKey.get('900003') ?? '', 'companies')).toEqual([]);
    const { rows } = await harness.db.pool.query(
      "SELECT source_ref, hubspot_id, method FROM source_matches WHERE object_type = 'companies' AND npi IS NOT NULL ORDER BY npi",
    );
    expect(rows).toEqual([
      { source_ref: 'npi:1234567893', hubspot_id: company.id, method: 'npi' },
      { source_ref: 'npi:1245319599', hubspot_id: null, method: 'none' },
    ]);
  });

  it('links the referring clinician, and an admission to its referral and source', async () => {
    const agency = generateDemoAgency({ until: '2026-11-27', months: 1, referralsPerMonth: 30 });
    const story = agency.referrals.find((r) => r.outcome === 'admitted' && !r.dischargeDate);
    if (!story) throw new Error('the demo month has no open admission');
    const create = (objectType: string, properties: Record<string, string>) =>
      hubspot.request({ method: 'POST', path: `/crm/v3/objects/${objectType}`, body: { properties } }, z.object({ id: z.string() }));
    const source = await create('companies', { name: story.source.name, rlx_npi: story.source.npi });
    const clinician = await create('contacts', { firstname: story.clinician.givenName, lastname: story.clinician.familyName, rlx_npi: story.clinician.npi });
    for (const message of toHl7Messages(story)) expect((await ingestor.message('hl7v2', message.text, 'mllp')).status).toBe('accepted');
    await sync();

    const idOf = async (kind: 'referral' | 'admission', key: string) =>
      (await harness.db.pool.query('SELECT hubspot_id FROM hubspot_records WHERE record_kind = $1 AND record_key = $2', [kind, key])).rows[0]
        ?.hubspot_id as string;
    const referralId = await idOf('referral', story.referralKey);
    const admissionId = await idOf('admission', story.admissionKey ?? '');
    expect(await linked(model.referralObjectTypeId, referralId, 'contacts')).toEqual([[clinician.id, ['Referring clinician']]]);
    expect(await linked(model.referralObjectTypeId, referralId, 'companies')).toEqual([[source.id, ['Referral source']]]);
    expect(await linked(model.admissionObjectTypeId, admissionId, model.referralObjectTypeId)).toEqual([[referralId, ['Admitted from referral']]]);
    expect(await linked(model.admissionObjectTypeId, admissionId, 'companies')).toEqual([[source.id, ['Referral source']]]);
  });
});
