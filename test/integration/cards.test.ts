import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { buildApp } from '../../server/app';
import { cardRoutes } from '../../server/routes/cards';
import type { Clock } from '../../src/clock';
import type { CanonicalEvent } from '../../src/domain/events';
import { scorecardSettingsSchema, toScorecard } from '../../src/domain/scorecard';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { signHubSpotRequest } from '../../src/hubspot/signature';
import { createLogger } from '../../src/logger';
import { EhrStore } from '../../src/store/ehrStore';
import { FollowUpStore } from '../../src/store/followUpStore';
import { migrate } from '../../src/store/migrate';
import { inTransaction } from '../../src/store/postgres';
import { ScorecardStore, type ReferralFact } from '../../src/store/scorecardStore';
import { SyncQueue } from '../../src/store/syncQueue';
import { SyncStore } from '../../src/store/syncStore';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { sweepAccountFollowUps } from '../../src/sync/followUps';
import { hubspotEventEffects } from '../../src/sync/hubspotEvents';
import { preparePartnerSummaries } from '../../src/sync/partnerSummaries';
import { syncTarget, syncUntilIdle } from '../../src/sync/syncOnce';
import { event, patient } from '../support/events';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * The card API as HubSpot's hubspot.fetch calls it: signed requests to the app, on Mercy General Hospital's referrals
 * fed through the EHR store and synced to the sandbox. They are the referrals of test/integration/scorecards.test.ts,
 * so the scorecard's figures are the ones worked out by hand there. The agency is in New York (EST, UTC-5 in November;
 * EDT before 11-01), and "now" is Friday 2026-11-27 12:00 EST, the day after Thanksgiving.
 */

const SECRET = 'app-client-secret-for-cards';
const ORIGIN = 'https://referralynx.example.com';
const NOW = '2026-11-27T17:00:00Z';
const MERCY_NPI = '1234567893';
const JAMES = '71000102';
const OTHER_PORTAL = 62515;
const SERVICE_ZIP = '10458';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenants: TenantRepository;
let queue: SyncQueue;
let mercy: string;
let url: string;
const nowMs = Date.parse(NOW);
const servers: Server[] = [];
const logLines: string[] = [];
/** Every card answer's body, checked at the end for anything of a patient. */
const answered: string[] = [];
const portal = () => harness.sandbox.portalId;
const clock: Clock = { now: () => nowMs, sleep: async () => undefined };
const at = (iso: string): Clock => ({ now: () => Date.parse(iso), sleep: async () => undefined });

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
      serviceZip: SERVICE_ZIP,
      ...facts,
    },
  };
}

const admitted = (key: string, socDate: string, firstVisitAt: string): Draft => ({
  kind: 'admission.admitted',
  admissionKey: `A-${key}`,
  referralKey: key,
  socDate,
  firstVisitAt,
  occurredAt: firstVisitAt,
});

async function record(key: string, drafts: Draft[]): Promise<void> {
  const events = drafts.map((draft, i) => event({ ...draft, patientHash: patient(key), eventId: `${key}-${i}` } as Draft));
  await new EhrStore(harness.db.pool).recordMany(portal(), [
    { outcome: { ok: true, messageKey: `msg-${key}`, events }, input: { format: 'json', feed: 'test', payload: '{}' } },
  ]);
}

async function target() {
  return syncTarget({ tenant: (await tenants.find(portal())) as Tenant, hubspot, model });
}

async function serve(options: { appSecret?: string } = {}): Promise<string> {
  const app = buildApp({
    logger: createLogger({ destination: new Writable({ write: (chunk, _e, done) => void (logLines.push(String(chunk)), done()) }) }),
    readiness: [],
    rawBodyRoutes: [
      {
        path: '/cards',
        router: cardRoutes({
          pool: harness.db.pool,
          tenantFor: async (portalId) => (portalId === portal() || portalId === OTHER_PORTAL ? tenants.find(portalId) : undefined),
          appSecret: 'appSecret' in options ? options.appSecret : SECRET,
          publicBaseUrl: ORIGIN,
          clock,
          hubspot,
        }),
      },
    ],
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Call {
  method?: 'GET' | 'POST' | 'PUT';
  body?: string;
  /** Who HubSpot says is asking: the portal (and user) it appends to the URL. */
  portalId?: number;
  sign?: boolean;
  secret?: string;
  timestamp?: number;
  /** Changes the URL after signing, as a tampering proxy would. */
  tamper?: (pathAndQuery: string) => string;
  base?: string;
}

/** A request as hubspot.fetch makes it: portalId, userId, userEmail and appId in the query, signed over the full URL. */
async function card(path: string, options: Call = {}) {
  const method = options.method ?? 'GET';
  const query = `portalId=${options.portalId ?? portal()}&userId=4401&userEmail=maria.alvarez%40sunrise-care.example&appId=900`;
  const pathAndQuery = `/cards${path}?${query}`;
  const timestamp = String(options.timestamp ?? nowMs);
  const body = options.body ?? '';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.sign ?? true) {
    headers['x-hubspot-signature-v3'] = signHubSpotRequest(options.secret ?? SECRET, { method, uri: `${ORIGIN}${pathAndQuery.replace('%40', '@')}`, rawBody: body, timestamp });
    headers['x-hubspot-request-timestamp'] = timestamp;
  }
  const sent = options.tamper ? options.tamper(pathAndQuery) : pathAndQuery;
  const response = await fetch(`${options.base ?? url}${sent}`, { method, headers, ...(method === 'GET' ? {} : { body }) });
  const text = await response.text();
  answered.push(text);
  return { status: response.status, body: JSON.parse(text) as AnyBody };
}
// Answers are pinned with expect(); typing each would restate the assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyBody = any;

const referralId = async (key: string) =>
  (await harness.db.pool.query("SELECT hubspot_id FROM hubspot_records WHERE tenant_id = $1 AND record_kind = 'referral' AND record_key = $2", [portal(), key]))
    .rows[0]?.hubspot_id as string;

const companyProperty = async (name: string) =>
  (
    await hubspot.request(
      { method: 'GET', path: `/crm/v3/objects/companies/${mercy}`, qs: { properties: name } },
      z.object({ properties: z.record(z.string(), z.string().nullable()) }).loose(),
    )
  ).properties[name];

beforeAll(async () => {
  harness = await startTestSandbox('cards');
  await migrate(harness.db.pool);
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(portal(), 'Sunrise Home Health & Hospice');
  await tenants.updateSettings(portal(), { timeZone: 'America/New_York' });
  mercy = (
    await hubspot.request(
      { method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Mercy General Hospital', rlx_npi: MERCY_NPI, hubspot_owner_id: JAMES } } },
      z.object({ id: z.string() }),
    )
  ).id;

  // Mercy's referrals (test/integration/scorecards.test.ts). Ages are local days before 11-27.
  // R1, age 1: received Thursday 11-26 10:00 EST, seen 20 h later; SOC the day after the referral date: timely.
  await record('R1', [received('R1', '2026-11-26T15:00:00Z', { referralDate: '2026-11-26', payerCategory: 'medicare_ffs' }), admitted('R1', '2026-11-27', '2026-11-27T11:00:00Z')]);
  // R2, age 7: seen after 30 h, a day after the physician-ordered SOC date: not timely.
  await record('R2', [
    received('R2', '2026-11-20T14:00:00Z', { physicianOrderedSocDate: '2026-11-20', payerCategory: 'medicare_advantage' }),
    admitted('R2', '2026-11-21', '2026-11-21T20:00:00Z'),
  ]);
  // R3, age 12: hospice, not taken under care for insurance.
  await record('R3', [
    received('R3', '2026-11-15T14:00:00Z', { businessLine: 'hospice', payerCategory: 'commercial' }),
    { kind: 'referral.non_admitted', referralKey: 'R3', reason: 'insurance_not_accepted', occurredAt: '2026-11-16T15:00:00Z' },
  ]);
  // R4: 04:30Z on 11-27 is 23:30 on 11-26 in New York, age 1. Pending.
  await record('R4', [received('R4', '2026-11-27T04:30:00Z')]);
  // R5, age 38 (EDT): seen after 50 h, SOC 3 days after the referral, discharge unknown: timely initiation missing.
  await record('R5', [received('R5', '2026-10-20T14:00:00Z', { inpatientDischargeIn14Days: 'unknown' }), admitted('R5', '2026-10-23', '2026-10-22T16:00:00Z')]);
  // R6: 03:30Z on 09-01 is 23:30 on 08-31 in New York: age 88, an August referral. Cancelled by the source.
  await record('R6', [received('R6', '2026-09-01T03:30:00Z'), { kind: 'referral.cancelled', referralKey: 'R6', cancelledBy: 'source', occurredAt: '2026-09-02T14:00:00Z' }]);
  // R7, age 321: not admitted, outside the service area.
  await record('R7', [
    received('R7', '2026-01-10T15:00:00Z'),
    { kind: 'referral.non_admitted', referralKey: 'R7', reason: 'outside_service_area', occurredAt: '2026-01-11T15:00:00Z' },
  ]);
  // R8, age 422: outside every window and the 12 months.
  await record('R8', [received('R8', '2025-10-01T14:00:00Z'), admitted('R8', '2025-10-01', '2025-10-02T00:00:00Z')]);
  await syncUntilIdle({ pool: harness.db.pool, queue, target: await target(), clock: at(NOW) });

  // Another portal served by the same server, with a company and a referral of its own.
  await tenants.ensure(OTHER_PORTAL, 'Another agency');
  const scorecards = new ScorecardStore();
  await scorecards.saveFacts(harness.db.pool, OTHER_PORTAL, [
    { referralKey: 'X1', companyId: 'company-of-another-portal', contactId: null, receivedAt: '2026-11-25T14:00:00Z', status: 'admitted', businessLine: 'home_health', payerCategory: null, nonAdmitReason: null, hoursToSoc: 99, timelyInitiation: null },
  ]);
  const counts = await scorecards.counts(harness.db.pool, OTHER_PORTAL, 'companies', 'America/New_York', '2026-11-27');
  await scorecards.saveScorecards(
    harness.db.pool,
    OTHER_PORTAL,
    'companies',
    [...counts].map(([hubspotId, c]) => ({ hubspotId, metrics: toScorecard(c, scorecardSettingsSchema.parse({}), '2026-11-27') })),
  );
  await new SyncStore().markWritten(harness.db.pool, OTHER_PORTAL, 'referral', [{ key: 'X1', hubspotId: '990001', hash: 'h' }]);

  // A busy source of this portal, known by its facts alone (no scorecard yet): twelve referrals, one a day.
  await scorecards.saveFacts(
    harness.db.pool,
    portal(),
    Array.from({ length: 12 }, (_, i): ReferralFact => ({
      referralKey: `B${i + 1}`,
      companyId: 'busy-source',
      contactId: null,
      receivedAt: `2026-11-${String(10 + i).padStart(2, '0')}T15:00:00Z`,
      status: 'received',
      businessLine: 'palliative',
      payerCategory: null,
      nonAdmitReason: null,
      hoursToSoc: null,
      timelyInitiation: null,
    })),
  );
  url = await serve();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await harness.close();
});

describe('signed requests', () => {
  it('refuses a request unsigned, signed with another secret, stale, or whose URL was changed after signing: 401 with the error shape', async () => {
    expect(await card(`/company/${mercy}`, { sign: false })).toEqual({
      status: 401,
      body: { error: { code: 'invalid_signature', message: 'Request refused: the x-hubspot-signature-v3 header is missing.' } },
    });
    expect(await card(`/company/${mercy}`, { secret: 'not-the-app-secret' })).toEqual({
      status: 401,
      body: { error: { code: 'invalid_signature', message: 'Request refused: the signature does not match.' } },
    });
    expect(await card(`/company/${mercy}`, { timestamp: nowMs - 5 * 60_000 - 1 })).toEqual({
      status: 401,
      body: { error: { code: 'invalid_signature', message: 'Request refused: the request timestamp is more than five minutes old.' } },
    });
    // Signed for this portal, sent for another: the portal is part of what HubSpot signed.
    const tampered = await card(`/company/${mercy}`, { tamper: (u) => u.replace(`portalId=${portal()}`, `portalId=${OTHER_PORTAL}`) });
    expect(tampered).toEqual({ status: 401, body: { error: { code: 'invalid_signature', message: 'Request refused: the signature does not match.' } } });
    const post = await card(`/company/${mercy}/check-ins`, { method: 'POST', body: '{}', sign: false });
    expect(post.status).toBe(401);
    expect(await new FollowUpStore().lastCheckIn(harness.db.pool, portal(), mercy)).toBeNull();
  });

  it('answers 503 when the app secret is not configured, and 403 for a portal this server does not serve', async () => {
    const unconfigured = await serve({ appSecret: undefined });
    expect(await card(`/company/${mercy}`, { base: unconfigured })).toEqual({
      status: 503,
      body: {
        error: { code: 'cards_not_configured', message: 'The card API is not configured on this server: set HUBSPOT_APP_SECRET and PUBLIC_BASE_URL.' },
      },
    });
    expect(await card(`/company/${mercy}`, { portalId: 777 })).toEqual({
      status: 403,
      body: { error: { code: 'portal_not_served', message: 'This server does not serve HubSpot portal 777.' } },
    });
  });

  it("answers a record of another portal exactly like one that does not exist: 404, and nothing of it", async () => {
    const missingCompany = await card('/company/no-such-company');
    expect(missingCompany).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'No referral source with this id in this portal.' } } });
    expect(await card('/company/company-of-another-portal')).toEqual(missingCompany);
    expect(await card(`/company/${mercy}`, { portalId: OTHER_PORTAL })).toEqual(missingCompany);
    expect(await card('/company/company-of-another-portal/check-ins', { method: 'POST', body: '{}' })).toEqual(missingCompany);
    expect(await card('/company/company-of-another-portal/partner-update', { method: 'POST' })).toEqual(missingCompany);

    const missingReferral = await card('/referral/123456789');
    expect(missingReferral).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'No referral with this id in this portal.' } } });
    expect(await card('/referral/990001')).toEqual(missingReferral);
    expect(await card(`/referral/${await referralId('R1')}`, { portalId: OTHER_PORTAL })).toEqual(missingReferral);
    // The other portal sees its own.
    expect((await card('/company/company-of-another-portal', { portalId: OTHER_PORTAL })).status).toBe(200);
  });
});

describe('GET /cards/company/:companyId', () => {
  it("returns Mercy General's scorecard with the hand-worked figures, the 12 local months, and the non-admits in plain words", async () => {
    const { status, body } = await card(`/company/${mercy}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ companyId: mercy, timeZone: 'America/New_York', today: '2026-11-27', pilots: { items: [], truncated: false } });
    // 30 days: R1, R2, R3, R4; hours 20 and 30: median 25, p90 29; 2 admitted of 3 with an outcome.
    expect(body.scorecard.windows['30']).toEqual({
      referrals: 4,
      admitted: 2,
      nonAdmitted: 1,
      pending: 1,
      cancelled: 0,
      medianHoursToSoc: 25,
      p90HoursToSoc: 29,
      timely: 1,
      notTimely: 1,
      nonAdmitReasons: { insurance_not_accepted: 1 },
      payers: { medicare_ffs: 1, medicare_advantage: 1, commercial: 1 },
      businessLines: { home_health: 3, hospice: 1 },
      conversion: 2 / 3,
      timelyRate: 0.5,
    });
    // 90 days adds R5 (50 h) and R6 (cancelled): median 30, p90 46; 3 of 4.
    expect(body.scorecard.windows['90']).toMatchObject({ referrals: 6, admitted: 3, nonAdmitted: 1, pending: 1, cancelled: 1, medianHoursToSoc: 30, p90HoursToSoc: 46, conversion: 0.75 });
    expect(body.scorecard.windows['365']).toMatchObject({ referrals: 7, admitted: 3, nonAdmitted: 2, nonAdmitReasons: { insurance_not_accepted: 1, outside_service_area: 1 } });
    // Referral days in the year: 01-10, 08-31, 10-20, 11-15, 11-20, 11-26; gaps 233, 50, 26, 5, 6: median 26.
    expect(body.scorecard).toMatchObject({ trend: 'too_few', tier: 'B', lastReferralDate: '2026-11-26', daysSinceLastReferral: 1, usualIntervalDays: 26 });

    expect(body.nonAdmitReasons['30']).toEqual([
      { reason: 'insurance_not_accepted', label: 'Insurance not accepted / no authorization', words: 'insurance not accepted', count: 1 },
    ]);
    expect(body.nonAdmitReasons['365'].map((line: AnyBody) => [line.words, line.count])).toEqual([
      ['insurance not accepted', 1],
      ['outside our service area', 1],
    ]);

    // December 2025 to November 2026 in New York: R6 (09-01 03:30Z) is an August referral; R8 (2025-10) is too old.
    const month = (m: string, referrals: number, admitted: number, nonAdmitted: number) => ({ month: m, referrals, admitted, nonAdmitted });
    expect(body.monthly).toEqual([
      month('2025-12', 0, 0, 0),
      month('2026-01', 1, 0, 1),
      month('2026-02', 0, 0, 0),
      month('2026-03', 0, 0, 0),
      month('2026-04', 0, 0, 0),
      month('2026-05', 0, 0, 0),
      month('2026-06', 0, 0, 0),
      month('2026-07', 0, 0, 0),
      month('2026-08', 1, 0, 0),
      month('2026-09', 0, 0, 0),
      month('2026-10', 1, 1, 0),
      month('2026-11', 4, 2, 1),
    ]);
  });

  it('lists the latest referrals by name, newest first, with hours to SOC and timely initiation, and the open tasks', async () => {
    const { body } = await card(`/company/${mercy}`);
    expect(body.recentReferrals.truncated).toBe(false);
    expect(body.recentReferrals.items.map((r: AnyBody) => [r.name, r.status, r.receivedOn, r.hoursToSoc, r.timelyInitiation])).toEqual([
      ['Referral 2026-11-26 · Mercy General Hospital · Home health', 'received', '2026-11-26', null, null],
      ['Referral 2026-11-26 · Mercy General Hospital · Home health', 'admitted', '2026-11-26', 20, 'timely'],
      ['Referral 2026-11-20 · Mercy General Hospital · Home health', 'admitted', '2026-11-20', 30, 'not_timely'],
      ['Referral 2026-11-15 · Mercy General Hospital · Hospice', 'non_admitted', '2026-11-15', null, null],
      ['Referral 2026-10-20 · Mercy General Hospital · Home health', 'admitted', '2026-10-20', 50, 'missing'],
      ['Referral 2026-08-31 · Mercy General Hospital · Home health', 'cancelled', '2026-08-31', null, null],
      ['Referral 2026-01-10 · Mercy General Hospital · Home health', 'non_admitted', '2026-01-10', null, null],
      ['Referral 2025-10-01 · Mercy General Hospital · Home health', 'admitted', '2025-10-01', 10, 'timely'],
    ]);
    expect(body.recentReferrals.items[1]).toMatchObject({
      hubspotId: await referralId('R1'),
      statusLabel: 'Admitted',
      businessLine: 'home_health',
      businessLineLabel: 'Home health',
      timelyInitiationLabel: 'Timely',
    });
    expect(body.recentReferrals.items[3]).toMatchObject({ nonAdmitReason: 'insurance_not_accepted', nonAdmitReasonLabel: 'Insurance not accepted / no authorization' });

    // R4's alert (received 11-26 23:30), its escalation (3 business hours into Friday: 11:00 EST) and R1's SOC
    // update (the business day after Friday's first visit, Monday 10:00 EST), all owned by the company's owner.
    expect(body.openTasks.truncated).toBe(false);
    expect(body.openTasks.items.map((t: AnyBody) => [t.rule, t.ruleLabel, t.dueAt, t.ownerId])).toEqual([
      ['new_referral', 'New referral', '2026-11-27T04:30:00.000Z', JAMES],
      ['stalled_referral', 'Stalled referral', '2026-11-27T16:00:00.000Z', JAMES],
      ['start_of_care', 'Start of care update', '2026-11-30T15:00:00.000Z', JAMES],
    ]);
    expect(body.openTasks.items.every((t: AnyBody) => /^\d+$/.test(t.hubspotTaskId))).toBe(true);
    expect(body.partnerSummaries).toEqual({ items: [], truncated: false });
  });

  it("moves a referral's open tasks with its attribution: R4 mapped to another source takes its alert and escalation along", async () => {
    const syncStore = new SyncStore();
    const decision = (await syncStore.decisions(harness.db.pool, portal(), ['R4'])).get('R4');
    expect(decision?.companyId).toBe(mercy);
    const rules = async (companyId: string) => (await new FollowUpStore().openTasksOfCompany(harness.db.pool, portal(), companyId, 26)).map((t) => t.rule);
    await syncStore.saveDecisions(harness.db.pool, portal(), [{ ...decision!, companyId: '7008' }]);
    expect(await rules('7008')).toEqual(['new_referral', 'stalled_referral']);
    expect((await card(`/company/${mercy}`)).body.openTasks.items.map((t: AnyBody) => t.rule)).toEqual(['start_of_care']);
    await syncStore.saveDecisions(harness.db.pool, portal(), [decision!]);
    expect(await rules('7008')).toEqual([]);
    expect(await rules(mercy)).toEqual(['new_referral', 'stalled_referral', 'start_of_care']);
  });

  it('caps a busy source at its 10 latest referrals and says so; a source without a scorecard yet has none', async () => {
    const { status, body } = await card('/company/busy-source');
    expect(status).toBe(200);
    expect(body.scorecard).toBeNull();
    expect(body.recentReferrals.truncated).toBe(true);
    expect(body.recentReferrals.items.map((r: AnyBody) => r.receivedOn)).toEqual(
      ['21', '20', '19', '18', '17', '16', '15', '14', '13', '12'].map((d) => `2026-11-${d}`),
    );
    expect(body.recentReferrals.items[0].name).toBe('Referral 2026-11-21 · Unknown source · Palliative');
    expect(body.monthly.at(-1)).toEqual({ month: '2026-11', referrals: 12, admitted: 0, nonAdmitted: 0 });
  });
});

describe('GET /cards/company/:companyId, partner summaries', () => {
  it("lists the source's latest summaries with their text and PDF link", async () => {
    // Monday 11-02 10:00 EST: October's summaries are due (the first business day after it, at 09:00).
    await preparePartnerSummaries(harness.db.pool, queue, await target(), new Date('2026-11-02T15:00:00Z'), { publicBaseUrl: ORIGIN });
    const { body } = await card(`/company/${mercy}`);
    expect(body.partnerSummaries.truncated).toBe(false);
    expect(body.partnerSummaries.items).toHaveLength(1);
    const [october] = body.partnerSummaries.items;
    expect(october).toMatchObject({
      period: { every: 'month', from: '2026-10-01', to: '2026-10-31' },
      title: 'October 2026',
      sourceName: 'Mercy General Hospital',
      referrals: 1,
      admitted: 1,
      // R5: seen 50 hours after the referral, said in days; its timely initiation is missing, so no "on time".
      text: 'In October, you sent us 1 referral; 1 started care, 2 days after your referral. Thank you for your referrals. — Sunrise Home Health & Hospice',
    });
    expect(october.pdfPath).toMatch(/^\/partner-summaries\/[A-Za-z0-9_-]{43}\.pdf$/);
    expect(october.pdfUrl).toBe(`${ORIGIN}${october.pdfPath}`);
  });
});

describe('GET /cards/referral/:referralId', () => {
  it("gives an admitted referral's status history in local time, its hours and timely initiation, and the SOC message its task carries", async () => {
    const id = await referralId('R1');
    const { status, body } = await card(`/referral/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      referralId: id,
      name: 'Referral 2026-11-26 · Mercy General Hospital · Home health',
      status: 'admitted',
      companyId: mercy,
      contactId: null,
      hoursToSoc: 20,
      timelyInitiation: 'timely',
      timelyInitiationLabel: 'Timely',
      nonAdmit: null,
    });
    expect(body.statusHistory).toEqual({
      items: [
        { status: 'received', label: 'Received', at: '2026-11-26T10:00:00.000-05:00', local: '2026-11-26 10:00' },
        { status: 'admitted', label: 'Admitted', at: '2026-11-27T06:00:00.000-05:00', local: '2026-11-27 06:00' },
      ],
      truncated: false,
    });
    expect(body.closeTheLoop).toMatchObject({
      rule: 'start_of_care',
      ruleLabel: 'Start of care update',
      from: 'task',
      message:
        'Thank you for your referral of November 26. Our team saw your patient on November 27, 20 hours after we received it, and home health care has started. — Sunrise Home Health & Hospice',
      task: { status: 'open', dueAt: '2026-11-30T15:00:00.000Z', ownerId: JAMES },
    });
    expect(body.closeTheLoop.task.hubspotTaskId).toMatch(/^\d+$/);
  });

  it('composes the non-admit message now for a referral whose task was never made (it ended before the rules would act)', async () => {
    const { body } = await card(`/referral/${await referralId('R3')}`);
    expect(body.statusHistory.items.map((s: AnyBody) => [s.status, s.local])).toEqual([
      ['received', '2026-11-15 09:00'],
      ['non_admitted', '2026-11-16 10:00'],
    ]);
    expect(body).toMatchObject({
      status: 'non_admitted',
      hoursToSoc: null,
      timelyInitiation: null,
      nonAdmit: {
        reason: 'insurance_not_accepted',
        label: 'Insurance not accepted / no authorization',
        words: 'insurance not accepted',
        offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
        outcome: 'not taken under care',
      },
      closeTheLoop: {
        rule: 'non_admit',
        from: 'composed',
        task: null,
        message:
          "Thank you for your referral of November 15. We were not able to admit your patient: insurance not accepted. We can suggest an agency in the patient's plan network, or go over other ways to cover care. — Sunrise Home Health & Hospice",
      },
    });
  });

  it('has nothing to tell the source while the referral is pending', async () => {
    const { body } = await card(`/referral/${await referralId('R4')}`);
    expect(body).toMatchObject({ status: 'received', closeTheLoop: null, nonAdmit: null });
  });
});

describe('GET /cards/settings', () => {
  it('shows the feeds and the sync as `referralynx status` does, the follow-up rules, the non-admit reasons and the calendar', async () => {
    const { status, body } = await card('/settings');
    expect(status).toBe(200);
    expect(body.feeds).toEqual({ messages: 8, events: 15, referrals: 8, admissions: 4, quarantined: 0 });
    const kind = (name: string) => body.sync.kinds.find((k: AnyBody) => k.kind === name);
    expect(kind('referral')).toMatchObject({ written: 8, due: 0, dead: 0 });
    expect(kind('admission')).toMatchObject({ written: 4, due: 0, dead: 0 });
    expect(kind('task')).toMatchObject({ written: 3 });
    expect(body.sync.errors).toEqual([]);
    expect(body.followUps).toMatchObject({ nonAdmit: { enabled: true }, checkIn: { enabled: true, everyDays: { A: 14, B: 30, C: 60 } } });
    expect(body.nonAdmitReasons).toHaveLength(11);
    // The agency has set no reason of its own: the first default, with what a source reads and is offered.
    expect(body.nonAdmitReasons[0]).toEqual({
      value: 'insurance_not_accepted',
      label: 'Insurance not accepted / no authorization',
      words: 'insurance not accepted',
      offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
      isDefault: true,
      reworded: false,
    });
    expect(body).toMatchObject({ timeZone: 'America/New_York', holidayCalendar: 'US' });
  });
});

describe('POST /cards/company/:companyId/check-ins', () => {
  it('logs a check-in: the next one falls due a tier B cadence later, on the card and in what the account rules write', async () => {
    // Last contacted October 1: the account rules make October 31 the next check-in, and raise the task.
    await hubspot.request({ method: 'PATCH', path: `/crm/v3/objects/companies/${mercy}`, body: { properties: { notes_last_contacted: '2026-10-01T15:00:00.000Z' } } }, z.unknown());
    expect(await companyProperty('rlx_account_tier')).toBe('B');
    await sweepAccountFollowUps(harness.db.pool, queue, await target(), new Date(NOW));
    expect(await companyProperty('rlx_next_checkin_due')).toBe('2026-10-31');
    const before = await card(`/company/${mercy}`);
    expect(before.body.checkIn).toEqual({ enabled: true, lastCheckInAt: null, nextDue: '2026-10-31' });
    expect(before.body.openTasks.items.map((t: AnyBody) => t.rule)).toContain('check_in');

    const note = 'Met the discharge planner about Jane Roe, 10458';
    const logged = await card(`/company/${mercy}/check-ins`, { method: 'POST', body: JSON.stringify({ note }) });
    // Friday 11-27 plus 30 days.
    expect(logged).toEqual({ status: 200, body: { companyId: mercy, checkedInAt: '2026-11-27T17:00:00.000Z', tier: 'B', nextCheckInDue: '2026-12-27' } });
    const after = await card(`/company/${mercy}`);
    expect(after.body.checkIn).toEqual({ enabled: true, lastCheckInAt: '2026-11-27T17:00:00.000Z', nextDue: '2026-12-27' });

    // The account rules count from it: the company's next check-in moves in HubSpot, and no task is raised.
    const raised = await sweepAccountFollowUps(harness.db.pool, queue, await target(), new Date('2026-11-27T18:00:00Z'));
    expect(raised).toBe(0);
    expect(await companyProperty('rlx_next_checkin_due')).toBe('2026-12-27');

    // The note is kept with the check-in, and written to no log.
    const kept = await harness.db.pool.query('SELECT note, user_id FROM check_ins WHERE tenant_id = $1 AND company_id = $2', [portal(), mercy]);
    expect(kept.rows).toEqual([{ note, user_id: '4401' }]);
    expect(logLines.join('')).not.toContain('Jane Roe');
    expect(logLines.join('')).not.toContain('maria.alvarez');
  });

  it('refuses a bad body with 400 and the error shape, logging nothing', async () => {
    const tooLong = await card(`/company/${mercy}/check-ins`, { method: 'POST', body: JSON.stringify({ note: 'x'.repeat(501) }) });
    expect(tooLong).toEqual({
      status: 400,
      body: {
        error: { code: 'invalid_request', message: 'The request does not have the expected shape.', errors: [{ path: 'note', message: 'a note is at most 500 characters' }] },
      },
    });
    expect(await card(`/company/${mercy}/check-ins`, { method: 'POST', body: '{"note": 5}' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', errors: [{ path: 'note' }] } } });
    expect(await card(`/company/${mercy}/check-ins`, { method: 'POST', body: '{"notes": "typo"}' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await card(`/company/${mercy}/check-ins`, { method: 'POST', body: '{"note": ' })).toEqual({
      status: 400,
      body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } },
    });
    expect(await card(`/company/${mercy}/partner-update`, { method: 'POST', body: '{"period": "year"}' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const rows = await harness.db.pool.query('SELECT count(*)::int AS n FROM check_ins WHERE tenant_id = $1', [portal()]);
    expect(rows.rows[0].n).toBe(1);
  });

  it("follows the company when it is merged into another in HubSpot", async () => {
    const checkedIn = await new FollowUpStore().lastCheckIn(harness.db.pool, portal(), mercy);
    await inTransaction(harness.db.pool, (client) => hubspotEventEffects(queue).companiesMerged(client, portal(), 'merged-into', [mercy]));
    expect(await new FollowUpStore().lastCheckIn(harness.db.pool, portal(), 'merged-into')).toEqual(checkedIn);
    await inTransaction(harness.db.pool, (client) => hubspotEventEffects(queue).companiesMerged(client, portal(), mercy, ['merged-into']));
  });
});

describe('POST /cards/company/:companyId/partner-update', () => {
  it("writes the partner update for November so far, as the month's summary will say it", async () => {
    expect(await card(`/company/${mercy}/partner-update`, { method: 'POST' })).toEqual({
      status: 200,
      body: {
        companyId: mercy,
        period: { every: 'month', from: '2026-11-01', to: '2026-11-30' },
        title: 'November 2026',
        asOf: '2026-11-27',
        referrals: 4,
        // R1 and R2 started care after 20 and 30 hours; R1 on time, R2 not; R3 not admitted; R4 pending.
        text:
          "In November, you sent us 4 referrals; 2 started care, a median of 25 hours after your referral; 1 of 2 on time by CMS's measure; 1 was not admitted: insurance not accepted; 1 is pending. Thank you for your referrals. — Sunrise Home Health & Hospice",
      },
    });
  });
});

describe('pilots on the company card', () => {
  // Mercy's home-health referrals in November, local time: R1 received Thursday 11-26 10:00, seen 20 h later (11-27);
  // R2 received Friday 11-20 09:00, seen 30 h later (11-21); R4 received 11-26 23:30, pending. R3 is hospice.
  const standards = [
    { metric: 'soc_within_hours', hours: 24, target: 0.9 },
    { metric: 'same_day_soc_before_noon', target: 0.5 },
    { metric: 'conversion', target: 0.8 },
  ];
  const definition = { name: 'Faster starts from the 4th floor', periodStart: '2026-11-01', periodEnd: '2026-12-31', businessLine: 'home_health', serviceZips: [SERVICE_ZIP], standards };
  let pilotId: number;

  it('starts a pilot from the card and measures it now: two cases are too few to be at risk, whatever the shares', async () => {
    const started = await card(`/company/${mercy}/pilots`, { method: 'POST', body: JSON.stringify(definition) });
    expect(started.status).toBe(200);
    pilotId = started.body.pilot.pilotId;
    expect(started.body.pilot).toEqual({
      pilotId,
      name: 'Faster starts from the 4th floor',
      periodStart: '2026-11-01',
      periodEnd: '2026-12-31',
      businessLine: 'home_health',
      businessLineLabel: 'Home health',
      serviceZips: [SERVICE_ZIP],
      status: 'on_track',
      statusLabel: 'On track',
      standards: [
        // 20 h is within 24, 30 h is not: 1 of 2, below 90% but on 2 cases (fewer than 5).
        { ...standards[0], text: '90% of admissions start care within 24 hours', met: 1, of: 2, value: 0.5, status: 'on_track', statusLabel: 'On track' },
        // Both were received before noon; neither was seen the same day.
        { ...standards[1], text: '50% same-day start of care for referrals received before noon', met: 0, of: 2, value: 0, status: 'on_track', statusLabel: 'On track' },
        // 2 admitted, none not admitted (R3 is hospice, outside the scope); R4 is pending.
        { ...standards[2], text: '80% of referrals admitted', met: 2, of: 2, value: 1, status: 'on_track', statusLabel: 'On track' },
      ],
      reviewedAt: null,
    });
    const { body } = await card(`/company/${mercy}`);
    expect(body.pilots).toEqual({ items: [started.body.pilot], truncated: false });
  });

  it('changes a pilot: ended on 11-25, it is settled on what came by then, R2 alone', async () => {
    const changed = await card(`/company/${mercy}/pilots/${pilotId}`, { method: 'PUT', body: JSON.stringify({ ...definition, periodEnd: '2026-11-25' }) });
    expect(changed.status).toBe(200);
    expect(changed.body.pilot).toMatchObject({ pilotId, periodEnd: '2026-11-25', status: 'missed', statusLabel: 'Missed' });
    expect(changed.body.pilot.standards.map((s: AnyBody) => [s.met, s.of, s.status])).toEqual([
      [0, 1, 'missed'],
      [0, 1, 'missed'],
      [1, 1, 'met'],
    ]);
    expect((await card(`/company/${mercy}`)).body.pilots.items.map((p: AnyBody) => [p.pilotId, p.status])).toEqual([[pilotId, 'missed']]);
  });

  it('refuses a pilot that does not hold together, with every reason, and saves nothing', async () => {
    const bad = await card(`/company/${mercy}/pilots`, {
      method: 'POST',
      body: JSON.stringify({ ...definition, periodEnd: '2026-10-01', serviceZips: ['104'], standards: [{ metric: 'conversion', target: 1.5 }] }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.errors.map((e: AnyBody) => e.path).sort()).toEqual(['periodEnd', 'serviceZips.0', 'standards.0.target']);
    const noStandards = await card(`/company/${mercy}/pilots`, { method: 'POST', body: JSON.stringify({ ...definition, standards: [] }) });
    expect(noStandards).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', errors: [{ path: 'standards' }] } } });
    const backwards = await card(`/company/${mercy}/pilots`, { method: 'POST', body: JSON.stringify({ ...definition, periodEnd: '2026-10-01' }) });
    expect(backwards).toMatchObject({ status: 400, body: { error: { errors: [{ path: 'periodEnd', message: 'the period must end on or after its start' }] } } });
    expect(await card(`/company/${mercy}/pilots`, { method: 'POST', body: '[1]' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const rows = await harness.db.pool.query('SELECT count(*)::int AS n FROM pilots WHERE tenant_id = $1', [portal()]);
    expect(rows.rows[0].n).toBe(1);
  });

  it("answers a pilot of another company, another portal's company or an unknown one as not found, changing nothing", async () => {
    const body = JSON.stringify(definition);
    // Another source of this portal, with a referral of its own.
    await new ScorecardStore().saveFacts(harness.db.pool, portal(), [
      { referralKey: 'S1', companyId: '7007', contactId: null, receivedAt: '2026-11-24T14:00:00Z', status: 'received', businessLine: 'home_health', payerCategory: null, nonAdmitReason: null, hoursToSoc: null, timelyInitiation: null },
    ]);
    expect(await card(`/company/7007/pilots/${pilotId}`, { method: 'PUT', body })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await card(`/company/${mercy}/pilots/999999`, { method: 'PUT', body })).toMatchObject({ status: 404 });
    expect(await card('/company/company-of-another-portal/pilots', { method: 'POST', body })).toMatchObject({ status: 404 });
    expect(await card(`/company/${mercy}/pilots/${pilotId}`, { method: 'PUT', body, portalId: OTHER_PORTAL })).toMatchObject({ status: 404 });
    const kept = await harness.db.pool.query('SELECT company_id, period_end::text AS period_end FROM pilots WHERE tenant_id = $1', [portal()]);
    expect(kept.rows).toEqual([{ company_id: mercy, period_end: '2026-11-25' }]);
  });
});

describe('minimum necessary', () => {
  it('no answer carries a patient hash, the five-digit service ZIP, or the check-in note', async () => {
    expect(answered.length).toBeGreaterThan(20);
    // A pilot's service area is the agency's (it was given in the form), not a patient's: it alone may name ZIPs.
    const all = answered.join('\n').replace(/"serviceZips":\[[^\]]*\]/g, '');
    for (const key of ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8']) expect(all).not.toContain(patient(key));
    expect(all).not.toContain(SERVICE_ZIP);
    expect(all).not.toMatch(/"[a-z]*zip"\s*:/i);
    expect(all).not.toContain('Jane Roe');
  });
});

describe('the settings page: reads beyond `referralynx status`, and its writes', () => {
  const BAYSIDE = { objectType: 'companies' as const, ref: 'name:bayside snf|bronx ny', displayName: 'Bayside SNF', place: 'Bronx, NY' };

  beforeAll(async () => {
    // A source the sync could not match (no NPI, no record by that name), and two records HubSpot refused.
    await new SyncStore().saveSourceMatches(harness.db.pool, portal(), [
      { ...BAYSIDE, npi: null, hubspotId: null, ownerId: null, method: 'none', confidence: null, reason: 'no company with this NPI or a close name', candidateId: null, candidateName: null },
    ]);
    await new SyncStore().recordFailures(harness.db.pool, portal(), [
      { kind: 'referral', key: 'R7', attempts: 8, error: 'PROPERTY_DOESNT_EXIST', dead: true },
      { kind: 'admission', key: 'A-R1', attempts: 2, error: 'rate limited', dead: false },
    ]);
  });

  it('lists each feed with its last message and quarantine, the dead letters, and the unmatched sources', async () => {
    const { status, body } = await card('/settings');
    expect(status).toBe(200);
    // Every referral of this file came in one message each, on the feed "test".
    expect(body.feedStatus).toEqual({ items: [{ format: 'json', feed: 'test', messages: 8, lastMessageAt: expect.any(String), quarantined: 0 }], truncated: false });
    expect(body.deadLetters).toBe(1);
    expect(body.sync.errors.map((e: AnyBody) => [e.kind, e.key, e.dead])).toEqual([
      ['referral', 'R7', true],
      ['admission', 'A-R1', false],
    ]);
    expect(body.unmatchedSources).toEqual({
      items: [
        {
          objectType: 'companies',
          ref: BAYSIDE.ref,
          displayName: 'Bayside SNF',
          place: 'Bronx, NY',
          npi: null,
          referrals: 0,
          reason: 'no company with this NPI or a close name',
          candidateId: null,
          candidateName: null,
          confidence: null,
        },
      ],
      truncated: false,
    });
  });

  it('queues every refused record again on retry, as `referralynx sync retry` does', async () => {
    expect(await card('/settings/sync-retry', { method: 'POST', body: '{"all": true}' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await card('/settings/sync-retry', { method: 'POST' })).toEqual({ status: 200, body: { queued: 2 } });
    const { body } = await card('/settings');
    expect(body.deadLetters).toBe(0);
    expect(body.sync.errors).toEqual([]);
    expect(body.sync.kinds.find((k: AnyBody) => k.kind === 'referral').due).toBeGreaterThanOrEqual(1);
  });

  it('saves follow-up rules, the time zone and the holiday calendar, keeping the rules not sent, and answers what is saved', async () => {
    const before = (await tenants.find(portal()))?.settings as Tenant['settings'];
    const saved = await card('/settings', {
      method: 'PUT',
      body: JSON.stringify({ followUps: { checkIn: { enabled: true, everyDays: { A: 7, B: 21, C: 45 } }, stalledReferral: { enabled: false, afterBusinessHours: 4 } }, timeZone: 'America/Chicago', holidayCalendar: 'US-TX' }),
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      timeZone: 'America/Chicago',
      holidayCalendar: 'US-TX',
      followUps: { checkIn: { enabled: true, everyDays: { A: 7, B: 21, C: 45 } }, stalledReferral: { enabled: false, afterBusinessHours: 4 }, nonAdmit: before.followUps.nonAdmit },
    });
    const after = (await tenants.find(portal()))?.settings as Tenant['settings'];
    expect(after).toEqual({ ...before, timeZone: 'America/Chicago', holidayCalendar: 'US-TX', followUps: { ...before.followUps, checkIn: { enabled: true, everyDays: { A: 7, B: 21, C: 45 } }, stalledReferral: { enabled: false, afterBusinessHours: 4 } } });
    await tenants.updateSettings(portal(), { timeZone: before.timeZone, holidayCalendar: before.holidayCalendar, followUps: before.followUps });
  });

  it('refuses a setting the tenant schema refuses, naming it, and saves nothing', async () => {
    const before = (await tenants.find(portal()))?.settings;
    const refused = await card('/settings', { method: 'PUT', body: JSON.stringify({ timeZone: 'Mars/Olympus', followUps: { checkIn: { enabled: true, everyDays: { A: 0 } } } }) });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.errors).toEqual(
      expect.arrayContaining([
        { path: 'timeZone', message: 'must be an IANA time zone such as America/New_York' },
        expect.objectContaining({ path: 'followUps.checkIn.everyDays.A' }),
      ]),
    );
    expect(await card('/settings', { method: 'PUT', body: '{"phiMode": "sensitive-properties"}' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    // A misspelt rule or parameter is refused, not dropped: it would otherwise be "saved" and do nothing.
    const misspelt = await card('/settings', { method: 'PUT', body: JSON.stringify({ followUps: { nonAdmitt: { enabled: false }, checkIn: { enabled: true, everyDay: { A: 7 } } } }) });
    expect(misspelt).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'The request does not have the expected shape.',
          // In the order of the settings they fall in (the rules' order, then keys that are none).
          errors: [
            { path: 'followUps.checkIn.everyDay', message: 'not a setting' },
            { path: 'followUps.nonAdmitt', message: 'not a setting' },
          ],
        },
      },
    });
    expect((await tenants.find(portal()))?.settings).toEqual(before);
  });

  it('maps an unmatched source to a HubSpot company, checking the company exists; the source leaves the list', async () => {
    expect(await card('/settings/sources/map', { method: 'POST', body: JSON.stringify({ objectType: 'companies', ref: 'name:nowhere', hubspotId: mercy }) })).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'No referral source with this reference has been seen in this portal.' } },
    });
    expect(await card('/settings/sources/map', { method: 'POST', body: JSON.stringify({ objectType: 'companies', ref: BAYSIDE.ref, hubspotId: '999999999' }) })).toEqual({
      status: 422,
      body: { error: { code: 'unknown_record', message: 'HubSpot has no company with id 999999999.' } },
    });
    expect(await card('/settings/sources/map', { method: 'POST', body: JSON.stringify({ objectType: 'companies', ref: BAYSIDE.ref, hubspotId: 'abc' }) })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', errors: [{ path: 'hubspotId', message: 'must be a HubSpot record id' }] } },
    });
    const bayside = (
      await hubspot.request({ method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Bayside SNF', hubspot_owner_id: JAMES } } }, z.object({ id: z.string() }))
    ).id;
    expect(await card('/settings/sources/map', { method: 'POST', body: JSON.stringify({ objectType: 'companies', ref: BAYSIDE.ref, hubspotId: bayside }) })).toEqual({
      status: 200,
      body: { objectType: 'companies', ref: BAYSIDE.ref, hubspotId: bayside, displayName: 'Bayside SNF', referralsQueued: 0 },
    });
    expect((await card('/settings')).body.unmatchedSources).toEqual({ items: [], truncated: false });
    expect(await new SyncStore().sourceMatch(harness.db.pool, portal(), 'companies', BAYSIDE.ref)).toMatchObject({ hubspotId: bayside, ownerId: JAMES, method: 'mapping' });
  });

  it('refuses the writes unsigned', async () => {
    expect((await card('/settings', { method: 'PUT', body: '{"timeZone": "UTC"}', sign: false })).status).toBe(401);
    expect((await card('/settings/sync-retry', { method: 'POST', sign: false })).status).toBe(401);
  });
});
