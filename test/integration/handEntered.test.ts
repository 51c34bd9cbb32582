import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { buildApp } from '../../server/app';
import { hubspotWebhookRoutes } from '../../server/routes/hubspotWebhooks';
import { SyncQueue } from '../../src/store/syncQueue';
import { hubspotEventEffects } from '../../src/sync/hubspotEvents';
import { systemClock } from '../../src/clock';
import { batchUpsert } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { signHubSpotRequest } from '../../src/hubspot/signature';
import { createLogger } from '../../src/logger';
import { migrate } from '../../src/store/migrate';
import { inTransaction } from '../../src/store/postgres';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { adoptHandEnteredReferrals, type AdoptionCandidate } from '../../src/sync/handEntered';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

const SECRET = 'app-client-secret-for-tests';
const ORIGIN = 'https://referralynx.example.com';
let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenant: Tenant;
let server: Server;
let url: string;
let mercy: string;
let stJude: string;

const idSchema = z.object({ id: z.string() }).loose();
const createCompany = async (name: string) =>
  (await hubspot.request({ method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name } } }, idSchema)).id;

/** What intake does in HubSpot: a Referral record without an EHR id, linked to its source (the default association). */
async function createByHand(properties: Record<string, string>, companyId: string): Promise<string> {
  const { id } = await hubspot.request(
    { method: 'POST', path: `/crm/v3/objects/${model.referralObjectTypeId}`, body: { properties: { rlx_referral_name: 'Phone referral', ...properties } } },
    idSchema,
  );
  await hubspot.request(
    { method: 'PUT', path: `/crm/v4/objects/${model.referralObjectTypeId}/${id}/associations/default/companies/${companyId}` },
    z.unknown(),
  );
  return id;
}

const referralRecords = async () =>
  (
    await hubspot.request(
      { method: 'GET', path: `/crm/v3/objects/${model.referralObjectTypeId}`, qs: { properties: 'rlx_ehr_id,rlx_referral_name,rlx_status' } },
      z.object({ results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) })) }),
    )
  ).results.map((r) => ({ id: r.id, ehrId: r.properties.rlx_ehr_id ?? null, name: r.properties.rlx_referral_name }));

const adopt = (candidates: AdoptionCandidate[]) =>
  inTransaction(harness.db.pool, (client) => adoptHandEnteredReferrals({ client, hubspot, tenant, model, candidates }));

async function announce(objectId: string, eventId: number) {
  const body = JSON.stringify([
    {
      eventId,
      subscriptionId: 5001,
      portalId: tenant.tenantId,
      appId: 900,
      occurredAt: Date.now() - 1_000,
      subscriptionType: 'object.creation',
      objectTypeId: model.referralObjectTypeId,
      objectId: Number(objectId),
      attemptNumber: 0,
      changeSource: 'CRM_UI',
    },
  ]);
  const timestamp = String(Date.now());
  const signature = signHubSpotRequest(SECRET, { method: 'POST', uri: `${ORIGIN}/webhooks/hubspot`, rawBody: body, timestamp });
  const response = await fetch(`${url}/webhooks/hubspot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    body,
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

beforeAll(async () => {
  harness = await startTestSandbox('hand_entered');
  await migrate(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(harness.sandbox.portalId);
  await tenants.updateSettings(harness.sandbox.portalId, { timeZone: 'America/Chicago' });
  tenant = (await tenants.find(harness.sandbox.portalId)) as Tenant;
  mercy = await createCompany('Mercy General');
  stJude = await createCompany('St. Jude Medical Center');
  const app = buildApp({
    logger: createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) }),
    readiness: [],
    rawBodyRoutes: [
      {
        path: '/webhooks/hubspot',
        router: hubspotWebhookRoutes({
          pool: harness.db.pool,
          tenantFor: async (portalId) =>
            portalId === tenant.tenantId ? { tenantId: tenant.tenantId, referralObjectTypeId: model.referralObjectTypeId } : undefined,
          appSecret: SECRET,
          publicBaseUrl: ORIGIN,
          handlers: hubspotEventEffects(new SyncQueue(harness.db.pool)),
          clock: systemClock,
        }),
      },
    ],
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await harness.close();
});

describe('Referral records created by hand in HubSpot', () => {
  it('without webhooks, the portal is searched for them, and a matching EHR referral adopts one', async () => {
    const byPhone = await createByHand({ rlx_referral_date: '2026-11-20' }, mercy);
    harness.sandbox.resetStats();
    const adopted = await adopt([{ key: 'EHR-100', companyId: mercy, receivedDate: '2026-11-20', businessLine: null }]);
    expect(adopted).toEqual(new Map([['EHR-100', byPhone]]));
    // One search (no Referral webhook ever received), one batch read and one association read, one batch update.
    expect(harness.sandbox.stats().byRoute).toMatchObject({
      'POST /crm/v3/objects/{objectType}/search': 1,
      'POST /crm/v3/objects/{objectType}/batch/read': 1,
      'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read': 1,
      'POST /crm/v3/objects/{objectType}/batch/update': 1,
    });
    expect(await referralRecords()).toEqual([{ id: byPhone, ehrId: 'EHR-100', name: 'Phone referral' }]);
  });

  it('announced by a signed webhook, is adopted by the matching EHR referral only, and the upsert updates it', async () => {
    const byPhone = await createByHand({ rlx_referral_date: '2026-11-27', rlx_business_line: 'home_health' }, mercy);
    expect(await announce(byPhone, 1)).toEqual({ status: 200, body: { processed: 1, duplicates: 0, ignored: 0 } });

    harness.sandbox.resetStats();
    const adopted = await adopt([
      { key: 'EHR-201', companyId: stJude, receivedDate: '2026-11-27', businessLine: 'home_health' }, // another source
      { key: 'EHR-202', companyId: mercy, receivedDate: '2026-11-26', businessLine: 'home_health' }, // another day
      { key: 'EHR-203', companyId: mercy, receivedDate: '2026-11-27', businessLine: 'hospice' }, // another line
      { key: 'EHR-204', companyId: mercy, receivedDate: '2026-11-27', businessLine: 'home_health' },
    ]);
    expect(adopted).toEqual(new Map([['EHR-204', byPhone]]));
    // A Referral webhook has been received: no search any more.
    expect(harness.sandbox.stats().byRoute['POST /crm/v3/objects/{objectType}/search']).toBeUndefined();

    // The sync's upsert by rlx_ehr_id now writes the EHR referral onto the hand-made record.
    const [outcome] = await batchUpsert(hubspot, model.referralObjectTypeId, 'rlx_ehr_id', [
      { id: 'EHR-204', properties: { rlx_referral_name: 'Referral 2026-11-27 · Mercy General · Home health', rlx_status: 'accepted' } },
    ]);
    expect(outcome).toMatchObject({ ok: true, object: { id: byPhone } });
    const records = await referralRecords();
    expect(records.filter((r) => r.ehrId === 'EHR-204')).toEqual([
      { id: byPhone, ehrId: 'EHR-204', name: 'Referral 2026-11-27 · Mercy General · Home health' },
    ]);
    expect(records).toHaveLength(2);
  });

  it('is never adopted twice: a second EHR referral of that source and day gets none, the first keeps its own', async () => {
    harness.sandbox.resetStats();
    const adopted = await adopt([
      { key: 'EHR-204', companyId: mercy, receivedDate: '2026-11-27', businessLine: 'home_health' },
      { key: 'EHR-205', companyId: mercy, receivedDate: '2026-11-27', businessLine: 'home_health' },
    ]);
    const byPhone = (await referralRecords()).find((r) => r.ehrId === 'EHR-204')?.id;
    expect(adopted).toEqual(new Map([['EHR-204', byPhone]]));
    expect(harness.sandbox.stats().writes).toBe(0);
    const { rows } = await harness.db.pool.query('SELECT claimed_key FROM hand_entered_referrals WHERE claimed_key IS NOT NULL ORDER BY 1');
    expect(rows).toEqual([{ claimed_key: 'EHR-100' }, { claimed_key: 'EHR-204' }]);
  });

  it('pairs two hand-made records of one source and day with two EHR referrals, oldest record first', async () => {
    const first = await createByHand({ rlx_referral_date: '2026-11-28' }, stJude);
    const second = await createByHand({ rlx_referral_date: '2026-11-28' }, stJude);
    await announce(first, 2);
    await announce(second, 3);
    const adopted = await adopt([
      { key: 'EHR-301', companyId: stJude, receivedDate: '2026-11-28', businessLine: 'hospice' },
      { key: 'EHR-302', companyId: stJude, receivedDate: '2026-11-28', businessLine: 'hospice' },
    ]);
    expect(adopted).toEqual(
      new Map([
        ['EHR-301', first],
        ['EHR-302', second],
      ]),
    );
  });
});
