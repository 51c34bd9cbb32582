import { z } from 'zod';
import type { Clock } from '../../src/clock';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { migrate } from '../../src/store/migrate';
import { inTransaction } from '../../src/store/postgres';
import { ScorecardStore } from '../../src/store/scorecardStore';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { syncOnce, syncTarget } from '../../src/sync/syncOnce';
import { referralFact } from '../support/facts';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * The scorecard metrics in SQL on a small dataset, every value worked out by hand, and their write-back to HubSpot.
 * The agency is in New York (EST, UTC-5 in November; EDT before 11-01) and "today" is Friday 2026-11-27: a window of
 * N days holds the referrals received on the N local days ending today (age 0 to N-1).
 */

const NEW_YORK = 'America/New_York';
const TODAY = '2026-11-27';
let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenant: Tenant;
let queue: SyncQueue;
let mercy: string;
const store = new ScorecardStore();

const fact = (referralKey: string, fields: Parameters<typeof referralFact>[2]) => referralFact(referralKey, mercy, fields);

// Mercy General's referrals. Ages are local days before 11-27.
const facts = () => [
  // Age 1 (Thursday 11-26 10:00 EST). Admitted 20 h later, on time.
  fact('R1', { receivedAt: '2026-11-26T15:00:00Z', status: 'admitted', hoursToSoc: 20, timelyInitiation: 'timely', payerCategory: 'medicare_ffs', contactId: 'K1' }),
  // Age 7. Admitted after 30 h, late by CMS's measure.
  fact('R2', { receivedAt: '2026-11-20T14:00:00Z', status: 'admitted', hoursToSoc: 30, timelyInitiation: 'not_timely', payerCategory: 'medicare_advantage', contactId: 'K1' }),
  // Age 12, hospice, not admitted for insurance.
  fact('R3', { receivedAt: '2026-11-15T14:00:00Z', status: 'non_admitted', nonAdmitReason: 'insurance_not_accepted', payerCategory: 'commercial', businessLine: 'hospice' }),
  // 2026-11-27T04:30Z is 11-26 23:30 in New York: age 1, not 0. Pending.
  fact('R4', { receivedAt: '2026-11-27T04:30:00Z', status: 'received' }),
  // Age 38 (10-20, EDT): admitted after 50 h, timely initiation missing (no referral date).
  fact('R5', { receivedAt: '2026-10-20T14:00:00Z', status: 'admitted', hoursToSoc: 50, timelyInitiation: 'missing' }),
  // Age 87: cancelled by the source.
  fact('R6', { receivedAt: '2026-09-01T14:00:00Z', status: 'cancelled' }),
  // Age 321: not admitted, outside the service area.
  fact('R7', { receivedAt: '2026-01-10T15:00:00Z', status: 'non_admitted', nonAdmitReason: 'outside_service_area' }),
  // Age 422: outside every window, but still "a referral".
  fact('R8', { receivedAt: '2025-10-01T14:00:00Z', status: 'admitted', hoursToSoc: 10 }),
  // Another source's referral: never counted for Mercy.
  fact('X1', { receivedAt: '2026-11-25T14:00:00Z', status: 'admitted', hoursToSoc: 99, companyId: 'other-company' }),
];

const at = (iso: string): Clock => ({ now: () => Date.parse(iso), sleep: async () => undefined });

beforeAll(async () => {
  harness = await startTestSandbox('scorecards');
  await migrate(harness.db.pool);
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(harness.sandbox.portalId);
  tenant = (await tenants.find(harness.sandbox.portalId))!;
  mercy = (await hubspot.request({ method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Mercy General Hospital' } } }, z.object({ id: z.string() })))
    .id;
  await store.saveFacts(harness.db.pool, tenant.tenantId, facts());
});
afterAll(async () => {
  await harness.close();
});

describe('scorecard metrics in SQL', () => {
  it('counts each window, with pending and cancelled apart, median and p90 hours, timely initiation and the mixes', async () => {
    const counts = (await store.counts(harness.db.pool, tenant.tenantId, 'companies', NEW_YORK, TODAY, [mercy])).get(mercy);
    // 30 days: R1, R2, R3, R4. Admitted R1 and R2: median of 20 and 30 is 25; p90 is 20 + 0.9 x 10 = 29.
    expect(counts?.windows[30]).toEqual({
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
    });
    // 90 days adds R5 and R6. Hours 20, 30, 50: median 30; p90 at position 0.9 x 2 = 1.8: 30 + 0.8 x 20 = 46.
    expect(counts?.windows[90]).toMatchObject({ referrals: 6, admitted: 3, nonAdmitted: 1, pending: 1, cancelled: 1, medianHoursToSoc: 30, p90HoursToSoc: 46, timely: 1, notTimely: 1 });
    // 365 days adds R7 (R8 is 422 days old).
    expect(counts?.windows[365]).toMatchObject({ referrals: 7, admitted: 3, nonAdmitted: 2, nonAdmitReasons: { insurance_not_accepted: 1, outside_service_area: 1 } });
    // R5 is the only referral 30-59 days old. The last referral day is 11-26 (R1, and R4 in local time).
    // Referral days in the last year: 01-10, 09-01, 10-20, 11-15, 11-20, 11-26; gaps 234, 49, 26, 5, 6: median 26.
    expect(counts).toMatchObject({ previous30: 1, lastReferralDate: '2026-11-26', usualIntervalDays: 26 });
    // The card's months, December 2025 to November 2026 in New York, those with a referral: R7 in January; R6 in
    // September (09-01 10:00 EDT); R5 in October, admitted; R1 to R4 in November (R4, 11-27 04:30Z, is 11-26 23:30). R8
    // (October 2025) is before December.
    expect(counts?.monthly).toEqual([
      { month: '2026-01', referrals: 1, admitted: 0, nonAdmitted: 1 },
      { month: '2026-09', referrals: 1, admitted: 0, nonAdmitted: 0 },
      { month: '2026-10', referrals: 1, admitted: 1, nonAdmitted: 0 },
      { month: '2026-11', referrals: 4, admitted: 2, nonAdmitted: 1 },
    ]);
  });

  it('per clinician too, and only for what the caller asks', async () => {
    const contacts = await store.counts(harness.db.pool, tenant.tenantId, 'contacts', NEW_YORK, TODAY);
    expect([...contacts.keys()]).toEqual(['K1']);
    expect(contacts.get('K1')?.windows[30]).toMatchObject({ referrals: 2, admitted: 2, medianHoursToSoc: 25 });
    expect([...(await store.counts(harness.db.pool, tenant.tenantId, 'companies', NEW_YORK, TODAY)).keys()].sort()).toEqual([mercy, 'other-company'].sort());
  });
});

describe('scorecard write-back', () => {
  const company = async () =>
    (
      await hubspot.request(
        {
          method: 'GET',
          path: `/crm/v3/objects/companies/${mercy}`,
          qs: { properties: 'rlx_referrals_30d,rlx_referrals_90d,rlx_admissions_30d,rlx_admissions_90d,rlx_conversion_rate_90d,rlx_median_hours_to_soc_90d,rlx_timely_initiation_rate_90d,rlx_last_referral_date,rlx_days_since_last_referral,rlx_referral_trend,rlx_account_tier' },
        },
        z.object({ properties: z.record(z.string(), z.string().nullable()) }).loose(),
      )
    ).properties;
  const round = (now: string) =>
    inTransaction(harness.db.pool, (client) => queue.enqueue(client, tenant.tenantId, 'scorecard', [`companies:${mercy}`])).then(() =>
      syncOnce({ pool: harness.db.pool, queue, target: syncTarget({ tenant, hubspot, model }), kinds: ['scorecard'], clock: at(now) }),
    );

  it("writes the company's scorecard properties, then nothing while nothing changed, then only what changed", async () => {
    expect(await round('2026-11-27T17:00:00Z')).toMatchObject({ taken: 1, written: 1 });
    expect(await company()).toMatchObject({
      rlx_referrals_30d: '4',
      rlx_referrals_90d: '6',
      rlx_admissions_30d: '2',
      rlx_admissions_90d: '3',
      // 3 admitted of the 4 that reached an outcome; 1 timely of the 2 measured.
      rlx_conversion_rate_90d: '0.75',
      rlx_median_hours_to_soc_90d: '30',
      rlx_timely_initiation_rate_90d: '0.5',
      rlx_last_referral_date: '2026-11-26',
      rlx_days_since_last_referral: '1',
      // 4 in the last 30 days and 1 before: 5, under the guard of 10.
      rlx_referral_trend: 'too_few',
      // 6 in 90 days: B (4 to 11).
      rlx_account_tier: 'B',
    });

    harness.sandbox.resetStats();
    expect(await round('2026-11-27T18:00:00Z')).toMatchObject({ taken: 1, written: 0, unchanged: 1 });
    expect(harness.sandbox.stats().writes).toBe(0);

    // The next day: one more day since the last referral, and R2's 30-day window still holds (age 8).
    expect(await round('2026-11-28T17:00:00Z')).toMatchObject({ written: 1 });
    expect(await company()).toMatchObject({ rlx_days_since_last_referral: '2', rlx_referrals_30d: '4' });
  });
});
