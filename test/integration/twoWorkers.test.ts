import { z } from 'zod';
import { generateDemoAgency } from '../../src/demo/agency';
import { agencyHl7Feed } from '../../src/demo/emit';
import { Ingestor } from '../../src/ehr/ingest';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { EhrStore } from '../../src/store/ehrStore';
import { migrate } from '../../src/store/migrate';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository } from '../../src/store/tenants';
import { seedSources } from '../../server/demo';
import { runTypeScript, type CliProcess } from '../support/cli';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * DESIGN.md: several server processes can run the sync against one database, and nothing is written twice. Two OS
 * processes share one queue and one CRM here, as two servers behind a load balancer would.
 */

// Far above what two workers send, so that neither waits on the rate limit and both get work from the start.
const REQUESTS_PER_10S = 100_000;

let harness: SandboxHarness;
let model: DataModel;
const agency = generateDemoAgency({ until: '2026-11-27', months: 4, referralsPerMonth: 150 });
const referralKeys = agency.referrals.map((r) => r.referralKey).sort();
const admissionKeys = agency.referrals.flatMap((r) => (r.admissionKey ? [r.admissionKey] : [])).sort();

beforeAll(async () => {
  harness = await startTestSandbox('two_workers', { requestsPer10s: REQUESTS_PER_10S, searchRequestsPerSecond: REQUESTS_PER_10S });
  const pool = harness.db.pool;
  await migrate(pool);
  await SyncQueue.install(pool, { retryDelaySeconds: 1 });
  const hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN, requestsPer10s: REQUESTS_PER_10S });
  model = (await provisionDataModel(hubspot)).model;
  const tenants = new TenantRepository(pool);
  const tenant = await tenants.ensure(harness.sandbox.portalId);
  await tenants.saveDataModel(tenant.tenantId, { dataModel: model });
  await seedSources(hubspot, agency);
  const ingestor = await Ingestor.forTenant(new EhrStore(pool), tenant);
  for (const message of agencyHl7Feed(agency)) await ingestor.message('hl7v2', message.text, 'mllp');
}, 60_000);
afterAll(async () => {
  await harness.close();
});

const roundSchema = z.object({ taken: z.number(), written: z.number(), unchanged: z.number(), failed: z.number() });

describe('two sync workers over one database', () => {
  it('write every referral and admission exactly once between them, each doing part of the work', async () => {
    // The demo's four months: every referral has a record to write, and so has every admission.
    expect(referralKeys.length).toBeGreaterThanOrEqual(550);
    expect(admissionKeys.length).toBeGreaterThan(200);
    const counts = await new EhrStore(harness.db.pool).counts(harness.sandbox.portalId);
    expect(counts).toMatchObject({ referrals: referralKeys.length, admissions: admissionKeys.length, quarantined: 0 });

    const env = {
      DATABASE_URL: harness.db.url,
      HUBSPOT_BASE_URL: harness.sandbox.url,
      HUBSPOT_ACCESS_TOKEN: SANDBOX_TOKEN,
      PORTAL_ID: String(harness.sandbox.portalId),
      REQUESTS_PER_10S: String(REQUESTS_PER_10S),
      // The demo runs until 11-27: its last days' referrals call for follow-up tasks at this moment.
      NOW: '2026-11-27T20:00:00Z',
    };
    const workers: CliProcess[] = [0, 1].map(() => runTypeScript('test/support/syncWorker.ts', [], env, { stdin: true }));
    // Both are connected and have read the tenant before either takes a job: they start together.
    await Promise.all(workers.map((worker) => worker.waitFor(/^ready$/m)));
    harness.sandbox.resetStats();
    for (const worker of workers) worker.child.stdin?.write('go\n');
    expect(await Promise.all(workers.map((worker) => worker.exit()))).toEqual([0, 0]);
    const rounds = workers.map((worker) => roundSchema.parse(JSON.parse(worker.output().trim().split('\n').at(-1) ?? '')));

    // Each wrote some records; none failed.
    for (const round of rounds) {
      expect(round.written).toBeGreaterThan(0);
      expect(round.failed).toBe(0);
    }

    // The CRM holds one record per EHR id of each kind: none missing, none twice.
    const { rows: stored } = await harness.db.pool.query<{ object_type_id: string; key: string; object_id: string }>(
      `SELECT object_type_id, properties->>'rlx_ehr_id' AS key, object_id::text
       FROM crm_sandbox.objects WHERE portal_id = $1 AND object_type_id = ANY($2::text[]) AND NOT archived`,
      [harness.sandbox.portalId, [model.referralObjectTypeId, model.admissionObjectTypeId]],
    );
    const keysOf = (type: string) => stored.filter((r) => r.object_type_id === type).map((r) => r.key).sort();
    expect(keysOf(model.referralObjectTypeId)).toEqual(referralKeys);
    expect(keysOf(model.admissionObjectTypeId)).toEqual(admissionKeys);

    // hubspot_records: one row per record, naming the CRM record that holds it.
    const { rows: recorded } = await harness.db.pool.query<{ record_kind: string; record_key: string; hubspot_id: string }>(
      'SELECT record_kind, record_key, hubspot_id FROM hubspot_records WHERE tenant_id = $1',
      [harness.sandbox.portalId],
    );
    expect(recorded.filter((r) => r.record_kind === 'referral').map((r) => r.record_key).sort()).toEqual(referralKeys);
    expect(recorded.filter((r) => r.record_kind === 'admission').map((r) => r.record_key).sort()).toEqual(admissionKeys);
    const crmId = new Map(stored.map((r) => [`${r.object_type_id}:${r.key}`, r.object_id]));
    const typeOf = { referral: model.referralObjectTypeId, admission: model.admissionObjectTypeId } as Record<string, string>;
    expect(recorded.filter((r) => crmId.get(`${typeOf[r.record_kind]}:${r.record_key}`) !== r.hubspot_id)).toEqual([]);

    // Every admission is associated to its referral, even one taken by a worker while the other was still writing
    // its referral (it is queued again when the referral is written).
    const { rows: links } = await harness.db.pool.query<{ admission: string; referral: string }>(
      `SELECT a.properties->>'rlx_ehr_id' AS admission, r.properties->>'rlx_ehr_id' AS referral
       FROM crm_sandbox.associations l
       JOIN crm_sandbox.objects a ON a.portal_id = l.portal_id AND a.object_type_id = l.from_object_type_id AND a.object_id = l.from_object_id
       JOIN crm_sandbox.objects r ON r.portal_id = l.portal_id AND r.object_type_id = l.to_object_type_id AND r.object_id = l.to_object_id
       WHERE l.portal_id = $1 AND l.from_object_type_id = $2 AND l.to_object_type_id = $3 AND l.type_id = $4`,
      [harness.sandbox.portalId, model.admissionObjectTypeId, model.referralObjectTypeId, model.associationTypeIds.admission_to_referral],
    );
    const expectedLinks = agency.referrals.flatMap((r) => (r.admissionKey ? [`${r.admissionKey}->${r.referralKey}`] : [])).sort();
    expect(links.map((l) => `${l.admission}->${l.referral}`).sort()).toEqual(expectedLinks);

    // Follow-up tasks: the ones the rules decided are in the CRM once each, by key, whichever worker created them.
    const { rows: decided } = await harness.db.pool.query<{ task_key: string; hubspot_id: string | null }>(
      'SELECT task_key, hubspot_id FROM follow_up_tasks WHERE tenant_id = $1 ORDER BY task_key',
      [harness.sandbox.portalId],
    );
    expect(decided.length).toBeGreaterThan(0);
    expect(decided.filter((task) => task.hubspot_id === null)).toEqual([]);
    const { rows: crmTasks } = await harness.db.pool.query<{ key: string; object_id: string }>(
      `SELECT properties->>'rlx_task_key' AS key, object_id::text FROM crm_sandbox.objects
       WHERE portal_id = $1 AND object_type_id = '0-27' AND NOT archived ORDER BY 1`,
      [harness.sandbox.portalId],
    );
    expect(crmTasks.map((task) => task.key)).toEqual(decided.map((task) => task.task_key));
    expect(crmTasks.map((task) => task.object_id)).toEqual(decided.map((task) => task.hubspot_id));
  }, 60_000);
});
