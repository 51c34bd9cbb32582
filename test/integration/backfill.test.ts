import { execSync } from 'node:child_process';
import { z } from 'zod';
import { generateDemoAgency } from '../../src/demo/agency';
import { toHl7Messages } from '../../src/demo/emit';
import { Ingestor } from '../../src/ehr/ingest';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { EhrStore } from '../../src/store/ehrStore';
import { migrate } from '../../src/store/migrate';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository } from '../../src/store/tenants';
import { runCli } from '../support/cli';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;

beforeAll(async () => {
  harness = await startTestSandbox('backfill');
  await migrate(harness.db.pool);
  // A killed run's jobs come back after 3 s instead of two minutes.
  await SyncQueue.install(harness.db.pool, { expireInSeconds: 3, retryDelaySeconds: 1 });
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const tenant = await new TenantRepository(harness.db.pool).ensure(harness.sandbox.portalId);
  await new TenantRepository(harness.db.pool).saveDataModel(tenant.tenantId, { dataModel: model });
  const ingestor = await Ingestor.forTenant(new EhrStore(harness.db.pool), tenant);
  const agency = generateDemoAgency({ until: '2026-11-27', months: 2, referralsPerMonth: 150 });
  for (const story of agency.referrals) {
    for (const message of toHl7Messages(story)) await ingestor.message('hl7v2', message.text, 'file');
  }
  // What ingestion queued is dropped: the backfill alone must bring everything over.
  await harness.db.pool.query('DELETE FROM pgboss.job');
}, 120_000);
afterAll(async () => {
  await harness.close();
});

const count = async (sql: string) => Number((await harness.db.pool.query(sql)).rows[0]?.n);

/** Every record of an object type in the sandbox, as EHR ids. */
async function ehrIds(objectType: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await hubspot.request(
      { method: 'GET', path: `/crm/v3/objects/${objectType}`, qs: { limit: 100, properties: 'rlx_ehr_id', ...(after ? { after } : {}) } },
      z.object({
        results: z.array(z.object({ properties: z.record(z.string(), z.string().nullable()) }).loose()),
        paging: z.object({ next: z.object({ after: z.string() }).loose().optional() }).loose().optional(),
      }),
    );
    ids.push(...page.results.map((r) => r.properties.rlx_ehr_id ?? ''));
    after = page.paging?.next?.after;
  } while (after);
  return ids;
}

describe('sync --backfill', () => {
  it('killed with SIGKILL halfway, a second run resumes: every record once, none missing', async () => {
    const referrals = await count('SELECT count(*) AS n FROM referrals');
    const admissions = await count('SELECT count(*) AS n FROM admissions');
    expect(referrals).toBeGreaterThan(250);
    // Slow enough (4 calls a second) to be caught in the middle.
    const env = {
      DATABASE_URL: harness.db.url,
      HUBSPOT_ACCESS_TOKEN: SANDBOX_TOKEN,
      HUBSPOT_API_BASE_URL: harness.sandbox.url,
      HUBSPOT_REQUESTS_PER_10S: '40',
    };
    const first = runCli(['sync', '--backfill'], env);
    for (let waited = 0; (await count("SELECT count(*) AS n FROM hubspot_records WHERE record_kind = 'referral'")) === 0; waited += 100) {
      if (waited > 60_000) throw new Error(`the backfill wrote nothing in a minute:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // tsx runs the CLI in a node process of its own: kill that one (and tsx) the way a crash would, with no warning.
    execSync(`pkill -KILL -P ${first.child.pid}`);
    first.child.kill('SIGKILL');
    await first.exit();
    const halfway = await count('SELECT count(*) AS n FROM hubspot_records');
    expect(halfway).toBeLessThan(referrals + admissions);

    const second = runCli(['sync', '--backfill'], env);
    expect(await second.exit()).toBe(0);
    expect(second.output()).toContain('Resumed the backfill an earlier run left unfinished.');

    const referralIds = await ehrIds(model.referralObjectTypeId);
    const admissionIds = await ehrIds(model.admissionObjectTypeId);
    expect(referralIds).toHaveLength(referrals);
    expect(new Set(referralIds).size).toBe(referrals);
    expect(admissionIds).toHaveLength(admissions);
    expect(new Set(admissionIds).size).toBe(admissions);
    expect(await count('SELECT count(*) AS n FROM hubspot_records')).toBe(referrals + admissions);
    expect(await count('SELECT count(*) AS n FROM backfill_runs WHERE finished_at IS NULL')).toBe(0);
  }, 180_000);
});
