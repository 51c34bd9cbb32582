import { z } from 'zod';
import type { Clock } from '../../src/clock';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { migrate } from '../../src/store/migrate';
import { PilotStore } from '../../src/store/pilotStore';
import { ScorecardStore } from '../../src/store/scorecardStore';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { reviewPilots } from '../../src/sync/pilots';
import { syncTarget, syncUntilIdle } from '../../src/sync/syncOnce';
import { referralFact } from '../support/facts';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * A pilot with a source measured on its referral facts: scope (business line, ZIPs) and period in the agency's time
 * zone (New York, EST in November), and a task when a standard is at risk. Every figure is worked out by hand.
 */

const JAMES = '71000102';
let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenant: Tenant;
let queue: SyncQueue;
let company: string;
const pilots = new PilotStore();

const fact = (referralKey: string, fields: Parameters<typeof referralFact>[2]) => referralFact(referralKey, company, { serviceZip: '30301', ...fields });

beforeAll(async () => {
  harness = await startTestSandbox('pilots');
  await migrate(harness.db.pool);
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(harness.sandbox.portalId);
  tenant = (await tenants.find(harness.sandbox.portalId))!;
  company = (
    await hubspot.request(
      { method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Mercy General Hospital', hubspot_owner_id: JAMES } } },
      z.object({ id: z.string() }),
    )
  ).id;
  await new ScorecardStore().saveFacts(harness.db.pool, tenant.tenantId, [
    // 09:00 EST, first visit 14:00 the same day: within 24 hours, and a same-day start before noon.
    fact('P1', { receivedAt: '2026-11-02T14:00:00Z', status: 'admitted', hoursToSoc: 5 }),
    // 10:30 EST, first visit 06:30 the next day: within 24 hours, not the same day.
    fact('P2', { receivedAt: '2026-11-03T15:30:00Z', status: 'admitted', hoursToSoc: 20, serviceZip: '30302' }),
    // 13:00 EST, after noon: not in the same-day standard; 30 hours.
    fact('P3', { receivedAt: '2026-11-04T18:00:00Z', status: 'admitted', hoursToSoc: 30 }),
    // 09:00 EST, 40 hours; 09:00 EST, 26 hours (11:00 the next day).
    fact('P4', { receivedAt: '2026-11-05T14:00:00Z', status: 'admitted', hoursToSoc: 40 }),
    fact('P5', { receivedAt: '2026-11-06T14:00:00Z', status: 'admitted', hoursToSoc: 26 }),
    fact('P6', { receivedAt: '2026-11-09T14:00:00Z', status: 'non_admitted', nonAdmitReason: 'patient_declined' }),
    // Outside the scope: another ZIP, hospice, and before the period (10-31 in New York).
    fact('Q1', { receivedAt: '2026-11-02T14:00:00Z', status: 'admitted', hoursToSoc: 1, serviceZip: '99999' }),
    fact('Q2', { receivedAt: '2026-11-02T14:00:00Z', status: 'admitted', hoursToSoc: 1, businessLine: 'hospice' }),
    fact('Q3', { receivedAt: '2026-11-01T03:00:00Z', status: 'admitted', hoursToSoc: 1 }),
  ]);
});
afterAll(async () => {
  await harness.close();
});

describe('pilot projects', () => {
  it('measure their standards on the referrals in scope and period, and raise one task when a standard is at risk', async () => {
    const pilot = await pilots.create(harness.db.pool, tenant.tenantId, {
      name: 'Faster starts in Midtown',
      companyId: company,
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
      businessLine: 'home_health',
      serviceZips: ['30301', '30302'],
      standards: [
        { metric: 'soc_within_hours', hours: 24, target: 0.9 },
        { metric: 'same_day_soc_before_noon', target: 0.8 },
        { metric: 'conversion', target: 0.75 },
      ],
    });
    const facts = await pilots.facts(harness.db.pool, tenant.tenantId, pilot, 'America/New_York', '2026-11-20');
    // Admitted P1-P5: hours 5, 20, 30, 40, 26. Before noon: P1, P2, P4, P5, of which P1 the same day. P6 not admitted.
    expect(facts).toEqual({ admitted: 5, nonAdmitted: 1, timely: 0, notTimely: 0, beforeNoon: { met: 1, of: 4 }, hoursToSoc: expect.arrayContaining([5, 20, 30, 40, 26]) });
    expect(facts.hoursToSoc).toHaveLength(5);

    const target = syncTarget({ tenant, hubspot, model });
    // Within 24 hours: 2 of 5, under 90% on 5 cases: at risk. Same day: 1 of 4, only 4 cases: on track. Admitted 5 of 6.
    expect(await reviewPilots(harness.db.pool, queue, target, new Date('2026-11-20T15:00:00Z'))).toBe(1);
    expect(await reviewPilots(harness.db.pool, queue, target, new Date('2026-11-20T16:00:00Z'))).toBe(0);
    const [reviewed] = await pilots.list(harness.db.pool, tenant.tenantId, company);
    expect(reviewed?.progress?.status).toBe('at_risk');
    expect(reviewed?.progress?.standards.map((s) => [s.met, s.of, s.status])).toEqual([
      [2, 5, 'at_risk'],
      [1, 4, 'on_track'],
      [5, 6, 'on_track'],
    ]);

    await syncUntilIdle({ pool: harness.db.pool, queue, target, clock: { now: () => Date.parse('2026-11-20T16:00:00Z'), sleep: async () => undefined } satisfies Clock });
    const { rows } = await harness.db.pool.query<{ key: string; owner: string; subject: string }>(
      `SELECT properties->>'rlx_task_key' AS key, properties->>'hubspot_owner_id' AS owner, properties->>'hs_task_subject' AS subject
       FROM crm_sandbox.objects WHERE portal_id = $1 AND object_type_id = '0-27' AND NOT archived`,
      [harness.sandbox.portalId],
    );
    expect(rows).toEqual([
      { key: `pilot_at_risk:${pilot.pilotId}:0`, owner: JAMES, subject: 'Pilot at risk with Mercy General Hospital: 90% of admissions start care within 24 hours' },
    ]);
  });
});
