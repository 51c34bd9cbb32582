import fs from 'node:fs';
import path from 'node:path';
import { Ingestor } from '../../src/ehr/ingest';
import { propertySchema, updateProperty } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { EhrStore } from '../../src/store/ehrStore';
import { migrate } from '../../src/store/migrate';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { syncOnce, syncTarget, type SyncTarget } from '../../src/sync/syncOnce';
import { runCli } from '../support/cli';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenant: Tenant;
let target: SyncTarget;
const sync = () => syncOnce({ pool: harness.db.pool, target });

beforeAll(async () => {
  harness = await startTestSandbox('sync_status');
  await migrate(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  tenant = await new TenantRepository(harness.db.pool).ensure(harness.sandbox.portalId);
  target = syncTarget({ tenant, hubspot, model });
  const ingestor = await Ingestor.forTenant(new EhrStore(harness.db.pool), tenant);
  const i12 = fs.readFileSync(path.join(__dirname, '../fixtures/external/hl7v2/REF-I12-01.hl7'), 'utf8');
  await ingestor.message('hl7v2', i12, 'mllp');
});
afterAll(async () => {
  await harness.close();
});

async function cli(args: string[]) {
  const run = runCli(args, { DATABASE_URL: harness.db.url });
  await run.exit();
  return run.output();
}

describe('sync status, errors and dead letters', () => {
  it('a record HubSpot refuses is retried later, shown with the reason, dead-lettered after 8 refusals, and sent again on retry', async () => {
    // Someone removed the "Received" option from the status property in HubSpot: the referral cannot be written.
    const properties = await hubspot.request(
      { method: 'GET', path: `/crm/v3/properties/${model.referralObjectTypeId}/rlx_status` },
      propertySchema,
    );
    const withoutReceived = (properties.options ?? []).filter((o) => o.value !== 'received');
    await updateProperty(hubspot, model.referralObjectTypeId, 'rlx_status', { options: withoutReceived });

    expect(await sync()).toEqual({ taken: 1, written: 0, unchanged: 0, failed: 1 });
    let status = await cli(['status']);
    expect(status).toMatch(/referrals: 0 in HubSpot \(last never\), 0 queued \(oldest \d+ s\), 0 being written, 1 retrying, 0 dead letters/);
    expect(status).toMatch(/error {3}referral 226839 after 1 attempts: .*received/);

    // Six more refusals, told to pg-boss directly rather than waited for (30 s doubling), and the retry due now: the
    // eighth refusal makes it a dead letter, no longer tried on its own.
    await harness.db.pool.query("UPDATE pgboss.job SET retry_count = 6, start_after = now() WHERE name = 'hubspot-referrals' AND state = 'retry'");
    expect(await sync()).toEqual({ taken: 1, written: 0, unchanged: 0, failed: 1 });
    status = await cli(['status']);
    expect(status).toContain('0 retrying, 1 dead letters');
    expect(status).toMatch(/dead {3}referral 226839 after 8 attempts: .*received/);
    expect(await sync()).toEqual({ taken: 0, written: 0, unchanged: 0, failed: 0 });

    // The option is put back, and the administrator retries.
    await updateProperty(hubspot, model.referralObjectTypeId, 'rlx_status', { options: properties.options ?? [] });
    expect(await cli(['sync', 'retry'])).toContain('1 refused record queued again');
    expect(await sync()).toEqual({ taken: 1, written: 1, unchanged: 0, failed: 0 });
    expect(await cli(['status'])).toContain('referrals: 1 in HubSpot');
  });
});
