import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { Ingestor } from '../../src/ehr/ingest';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { CommissionStore } from '../../src/store/commissionStore';
import { EhrStore } from '../../src/store/ehrStore';
import { migrate } from '../../src/store/migrate';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { CommissionRefusal, closePeriod, recomputeCommissions, recomputeCommissionsIfChanged, savePlan, saveRoster } from '../../src/sync/commissions';
import { renderStatementPdf, statementCsv, statementJson, toStatement } from '../../src/sync/commissionStatement';
import { syncUntilIdle, syncTarget, type SyncTarget } from '../../src/sync/syncOnce';
import { runCli } from '../support/cli';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * Commissions end to end on a small agency in New York, every amount worked out by hand from the plan below.
 *
 * Plan v1: counts at admission (SOC); home health $100, hospice $150; Medicare Advantage x0.8; from a payee's 2nd
 * counted referral of a month, x1.5; a home health admission hospitalized within 30 days of counting is clawed back;
 * credit to the EHR marketer's owner. Owners: Maria 71000101 (MKT-1), James 71000102 (MKT-2), Dana 71000104 (MKT-4,
 * leads intake: decides admission).
 *
 * October 2026:
 * - R1 Maria, home health, Medicare FFS, SOC 10-05: her 1st of October, $100 x1.0 x1.0 = $100.00.
 * - R2 Maria, home health, Medicare Advantage, SOC 10-20: her 2nd, $100 x0.8 x1.5 = $120.00.
 * - R5 James, home health, commercial, SOC 10-12: his 1st, $100.00.
 * - R3 Dana, hospice, SOC 10-10: ineligible, she decides admission (AKS).
 * - R4 James, received 10-28, not admitted yet: not yet eligible, and no admission record.
 * October pays $320.00: Maria $220.00, James $100.00.
 */

const MARIA = '71000101';
const JAMES = '71000102';
const DANA = '71000104';
const ZONE = 'America/New_York';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenant: Tenant;
let ingestor: Ingestor;
let target: SyncTarget;
let queue: SyncQueue;
const store = new CommissionStore();

const plan = {
  id: 'liaisons',
  version: 1,
  effectiveFrom: '2026-01-01',
  countingPoint: { kind: 'admitted' },
  clawback: { windowDays: 30, triggers: ['hospitalization'] },
  lines: { home_health: { amountCents: 10000 }, hospice: { amountCents: 15000, clawback: { windowDays: 30, triggers: ['non_billable'] } } },
  payerWeights: { medicare_advantage: 0.8 },
  tiers: [{ fromCount: 2, multiplier: 1.5 }],
  credit: { rule: 'marketer' },
};

let message = 0;
async function push(events: Array<Record<string, unknown>>): Promise<void> {
  message += 1;
  const result = await ingestor.message('json', JSON.stringify({ messageId: `m${message}`, events }), 'test');
  expect(result.status).toBe('accepted');
}

const referral = (key: string, patient: string, receivedAt: string, facts: Record<string, unknown>) => ({
  kind: 'referral.received',
  occurredAt: receivedAt,
  patient: { id: patient },
  referralKey: key,
  facts: { receivedAt, referralDate: receivedAt.slice(0, 10), referringOrganization: { name: 'Mercy General' }, ...facts },
});
const admitted = (key: string, referralKey: string, patient: string, socDate: string) => ({
  kind: 'admission.admitted',
  occurredAt: `${socDate}T15:00:00Z`,
  patient: { id: patient },
  admissionKey: key,
  referralKey,
  socDate,
  firstVisitAt: `${socDate}T15:00:00Z`,
});

const admissionRecords = async () => {
  const page = await hubspot.request(
    {
      method: 'GET',
      path: `/crm/v3/objects/${model.admissionObjectTypeId}`,
      qs: { properties: 'rlx_ehr_id,rlx_commission_status,rlx_commission_reason,rlx_commission_amount,rlx_commission_payee,rlx_commission_split,rlx_commission_period,rlx_commission_plan_id,rlx_commission_plan_version' },
    },
    z.object({ results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) })) }),
  );
  return new Map(page.results.map((r) => [r.properties.rlx_ehr_id ?? '', r.properties]));
};

const sync = () => syncUntilIdle({ pool: harness.db.pool, queue, target, kinds: ['referral', 'admission'] });

beforeAll(async () => {
  harness = await startTestSandbox('commissions');
  await migrate(harness.db.pool);
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  const tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(harness.sandbox.portalId);
  await tenants.updateSettings(harness.sandbox.portalId, { timeZone: ZONE, marketerOwners: { 'MKT-1': MARIA, 'MKT-2': JAMES, 'MKT-4': DANA } });
  tenant = (await tenants.find(harness.sandbox.portalId))!;
  ingestor = await Ingestor.forTenant(new EhrStore(harness.db.pool), tenant);
  target = syncTarget({ tenant, hubspot, model });

  const hh = { businessLine: 'home_health' };
  await push([
    referral('R1', 'p1', '2026-10-01T14:00:00Z', { ...hh, payerCategory: 'medicare_ffs', marketerId: 'MKT-1' }),
    admitted('A1', 'R1', 'p1', '2026-10-05'),
    referral('R2', 'p2', '2026-10-15T14:00:00Z', { ...hh, payerCategory: 'medicare_advantage', marketerId: 'MKT-1' }),
    admitted('A2', 'R2', 'p2', '2026-10-20'),
    referral('R3', 'p3', '2026-10-08T14:00:00Z', { businessLine: 'hospice', payerCategory: 'medicare_ffs', marketerId: 'MKT-4' }),
    admitted('A3', 'R3', 'p3', '2026-10-10'),
    referral('R4', 'p4', '2026-10-28T14:00:00Z', { ...hh, payerCategory: 'commercial', marketerId: 'MKT-2' }),
    referral('R5', 'p5', '2026-10-09T14:00:00Z', { ...hh, payerCategory: 'commercial', marketerId: 'MKT-2' }),
    admitted('A5', 'R5', 'p5', '2026-10-12'),
  ]);
  // The records and their owners (the attribution the commissions credit) in HubSpot first.
  await sync();
}, 60_000);
afterAll(async () => {
  await harness.close();
});

describe('a commission plan, stored per portal', () => {
  it('is refused with every problem and the rule it breaks: paying a non-employee, hospice pay tied to length of stay', async () => {
    await saveRoster(harness.db.pool, tenant, { employees: [MARIA, JAMES, DANA], admissionDeciders: [DANA] });
    const bad = {
      ...plan,
      credit: { rule: 'splits', splits: [{ ownerId: MARIA, percent: 50 }, { ownerId: '71000105', percent: 50 }] },
      lines: { hospice: { amountCents: 15000, countingPoint: { kind: 'retained', days: 60 } } },
    };
    const refused = await savePlan(harness.db.pool, tenant, bad).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CommissionRefusal);
    expect((refused as CommissionRefusal).problems.map((p) => [p.rule, p.path.join('.')])).toEqual([
      ['aks_employees_only', 'credit.splits.1.ownerId'],
      ['aks_hospice_length_of_stay', 'lines.hospice.countingPoint'],
      // The hospice line no longer has its own clawback, so the plan's (hospitalization within 30 days) applies to it.
      ['aks_hospice_length_of_stay', 'clawback.triggers'],
    ]);
    expect(await store.planVersions(harness.db.pool, tenant.tenantId)).toEqual([]);
  });

  it('saving makes the next version; another plan id is refused', async () => {
    expect(await savePlan(harness.db.pool, tenant, plan)).toEqual({ planId: 'liaisons', version: 1 });
    await expect(savePlan(harness.db.pool, tenant, { ...plan, id: 'other' })).rejects.toThrow(/This portal's plan is "liaisons"/);
    const versions = await store.planVersions(harness.db.pool, tenant.tenantId);
    expect(versions.map((v) => [v.id, v.version, v.effectiveFrom])).toEqual([['liaisons', 1, '2026-01-01']]);
  });

  it('the CLI prints each refused problem with its rule and exits non-zero', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-plan-'));
    const file = path.join(dir, 'plan.json');
    fs.writeFileSync(file, JSON.stringify({ ...plan, credit: { rule: 'splits', splits: [{ ownerId: '71000105', percent: 100 }] } }));
    const cli = runCli(['commissions', 'plan', 'save', file], { DATABASE_URL: harness.db.url });
    const code = await cli.exit();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).not.toBe(0);
    expect(cli.output()).toContain('The plan is refused (1 problem).');
    expect(cli.output()).toMatch(/\[aks_employees_only\] credit\.splits\.0\.ownerId: Anti-Kickback Statute, bona fide employee safe harbor .*Split payee 71000105 is not marked as an employee/);
    expect((await store.planVersions(harness.db.pool, tenant.tenantId)).map((v) => v.version)).toEqual([1]);
  }, 30_000);
});

describe('commissions on Admission records', () => {
  it("a computed admission's properties arrive in HubSpot with the hand-worked amount", async () => {
    const run = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-11-10T17:00:00Z'));
    expect(run?.byStatus).toEqual({ earned: 3, ineligible: 1, not_yet_eligible: 1, clawed_back: 0 });
    // A1, A2, A3 and A5: R4 has no admission to carry its status.
    expect(run?.queued).toBe(4);
    expect(await sync()).toMatchObject({ written: 4, failed: 0 });

    const records = await admissionRecords();
    expect(records.get('A2')).toMatchObject({
      rlx_commission_status: 'earned',
      rlx_commission_amount: '120',
      rlx_commission_payee: MARIA,
      rlx_commission_period: '2026-10',
      rlx_commission_plan_id: 'liaisons',
      rlx_commission_plan_version: '1',
    });
    expect(records.get('A1')).toMatchObject({ rlx_commission_status: 'earned', rlx_commission_amount: '100', rlx_commission_payee: MARIA });
    expect(records.get('A5')).toMatchObject({ rlx_commission_status: 'earned', rlx_commission_amount: '100', rlx_commission_payee: JAMES });
    expect(records.get('A3')?.rlx_commission_status).toBe('ineligible');
    expect(records.get('A3')?.rlx_commission_reason).toContain(`${DANA} is marked as a clinician who decides admission`);
    expect(records.get('A3')?.rlx_commission_amount ?? null).toBeNull();
  });

  it('a second run writes nothing', async () => {
    harness.sandbox.resetStats();
    const again = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-11-10T17:00:00Z'));
    expect(again?.queued).toBe(0);
    expect(await sync()).toEqual({ taken: 0, written: 0, unchanged: 0, failed: 0 });
    expect(harness.sandbox.stats().writes).toBe(0);
    // The server's minute cron: nothing the engine reads changed since, so it does not even compute...
    expect(await recomputeCommissionsIfChanged(harness.db.pool, queue, tenant, new Date('2026-11-10T17:01:00Z'))).toBeUndefined();
    // ...until the agency's next day (midnight in New York is 05:00 UTC), when the calendar alone may change things.
    expect(await recomputeCommissionsIfChanged(harness.db.pool, queue, tenant, new Date('2026-11-11T04:59:00Z'))).toBeUndefined();
    expect(await recomputeCommissionsIfChanged(harness.db.pool, queue, tenant, new Date('2026-11-11T05:00:00Z'))).toMatchObject({ queued: 0 });
  });

  it('after a change, waits ten times as long as the last run took before running again (a large portal, a live feed)', async () => {
    // As if the last run, at 11-11 12:00 UTC, had taken 30 s: the next one after a change comes 300 s after it.
    const last = await store.lastRun(harness.db.pool, tenant.tenantId);
    await store.recordRun(harness.db.pool, tenant.tenantId, new Date('2026-11-11T12:00:00Z'), last!.watermark, 30_000);
    await push([referral('R6', 'p6', '2026-11-11T12:01:00Z', { businessLine: 'home_health', payerCategory: 'commercial', marketerId: 'MKT-2' })]);
    expect(await recomputeCommissionsIfChanged(harness.db.pool, queue, tenant, new Date('2026-11-11T12:04:59Z'))).toBeUndefined();
    const run = await recomputeCommissionsIfChanged(harness.db.pool, queue, tenant, new Date('2026-11-11T12:05:00Z'));
    // R6 is received, not admitted: not yet eligible, nothing to write.
    expect(run).toMatchObject({ referrals: 6, queued: 0 });
    expect(run?.byStatus.not_yet_eligible).toBe(2);
    // That run was quick: the spacing is its own length again, not the 30 s of before.
    expect((await store.lastRun(harness.db.pool, tenant.tenantId))?.tookMs).toBeLessThan(30_000);
  });
});

describe('closing a month', () => {
  it('refuses a month not over in the portal zone, and months out of order', async () => {
    // 2026-11-01 03:30 UTC is still October 31 in New York.
    await expect(closePeriod(harness.db.pool, queue, tenant, '2026-10', new Date('2026-11-01T03:30:00Z'))).rejects.toThrow(
      '2026-10 is not over yet in America/New_York: it can be closed from 2026-11-01 on.',
    );
    await expect(closePeriod(harness.db.pool, queue, tenant, '2026-11', new Date('2026-12-05T17:00:00Z'))).rejects.toThrow(
      'Periods are closed in order: close 2026-10 first',
    );
    await expect(closePeriod(harness.db.pool, queue, tenant, 'October', new Date('2026-12-05T17:00:00Z'))).rejects.toThrow(/YYYY-MM/);
  });

  it('issues the month; a clawback known later lands in the next open month and the closed lines stay as issued', async () => {
    const closed = await closePeriod(harness.db.pool, queue, tenant, '2026-10', new Date('2026-11-10T17:00:00Z'));
    expect(closed).toEqual({ period: '2026-10', lines: 3, totalCents: 32000, payees: 2 });
    const issued = await store.periodLines(harness.db.pool, tenant.tenantId, '2026-10');
    expect(issued.closed).toBe(true);

    // A2 hospitalized 11-03, 14 days after it counted (10-20): within the 30-day window, known in November.
    await push([{ kind: 'admission.discharged', occurredAt: '2026-11-03T16:00:00Z', patient: { id: 'p2' }, admissionKey: 'A2', dischargeDate: '2026-11-03', reason: 'hospitalized' }]);
    // A changed admission (and a later day): the cron's check computes again.
    const run = await recomputeCommissionsIfChanged(harness.db.pool, queue, tenant, new Date('2026-11-20T17:00:00Z'));
    expect(run?.byStatus.clawed_back).toBe(1);
    expect(run?.lines.map((l) => [l.period, l.payeeOwnerId, l.kind, l.amountCents])).toEqual([['2026-11', MARIA, 'clawback', -12000]]);
    expect(run?.lines[0]?.explanation).toBe(
      'Clawback of the admission of 2026-10-20 from Mercy General: hospitalized 2026-11-03, 14 days after it counted, within the 30-day window = -$120.00',
    );
    expect(await store.periodLines(harness.db.pool, tenant.tenantId, '2026-10')).toEqual(issued);
    // And the database refuses to touch them, whatever the code does.
    await expect(harness.db.pool.query("UPDATE commission_issued_lines SET line = line WHERE period = '2026-10'")).rejects.toThrow(/never changed or removed/);

    await sync();
    expect((await admissionRecords()).get('A2')).toMatchObject({ rlx_commission_status: 'clawed_back', rlx_commission_amount: '0' });
    // November is not over on 11-20; October is already closed.
    await expect(closePeriod(harness.db.pool, queue, tenant, '2026-10', new Date('2026-12-05T17:00:00Z'))).rejects.toThrow('2026-10 is already closed');
    await expect(closePeriod(harness.db.pool, queue, tenant, '2026-12', new Date('2027-01-05T17:00:00Z'))).rejects.toThrow(
      'Periods are closed in order: close 2026-11 first',
    );
  });
});

describe('statements', () => {
  const names = new Map([
    [MARIA, 'Maria Alvarez'],
    [JAMES, 'James Okafor'],
  ]);
  const october = async () => {
    const { closed, lines } = await store.periodLines(harness.db.pool, tenant.tenantId, '2026-10');
    return toStatement('2026-10', closed, lines, names);
  };

  it('CSV: one row per line with a header, amounts in dollars, referrals named by date, source and line', async () => {
    expect(statementCsv(await october()).split('\r\n')).toEqual([
      'period,payee_owner_id,payee,line_id,kind,date,referral,plan_id,plan_version,amount,explanation',
      `2026-10,${MARIA},Maria Alvarez,earned:R1:${MARIA}:2026-10,earned,2026-10-05,Referral 2026-10-01 · Mercy General · Home health,liaisons,1,100.00,` +
        '"Admission of 2026-10-05 from Mercy General: home health $100.00, Medicare fee-for-service x1.0, tier 1 x1.0 (1st counted in October 2026) = $100.00"',
      `2026-10,${MARIA},Maria Alvarez,earned:R2:${MARIA}:2026-10,earned,2026-10-20,Referral 2026-10-15 · Mercy General · Home health,liaisons,1,120.00,` +
        '"Admission of 2026-10-20 from Mercy General: home health $100.00, Medicare Advantage x0.8, tier 2 x1.5 (2nd counted in October 2026) = $120.00"',
      `2026-10,${JAMES},James Okafor,earned:R5:${JAMES}:2026-10,earned,2026-10-12,Referral 2026-10-09 · Mercy General · Home health,liaisons,1,100.00,` +
        '"Admission of 2026-10-12 from Mercy General: home health $100.00, Commercial x1.0, tier 1 x1.0 (1st counted in October 2026) = $100.00"',
      '',
    ]);
  });

  it('JSON: totals per payee, for one payee when asked', async () => {
    const all = JSON.parse(statementJson(await october())) as { closed: boolean; payees: Array<{ ownerId: string; total: string; totalCents: number }> };
    expect(all.closed).toBe(true);
    expect(all.payees.map((p) => [p.ownerId, p.total, p.totalCents])).toEqual([
      [MARIA, '220.00', 22000],
      [JAMES, '100.00', 10000],
    ]);
    const { closed, lines } = await store.periodLines(harness.db.pool, tenant.tenantId, '2026-11', MARIA);
    const november = JSON.parse(statementJson(toStatement('2026-11', closed, lines, names))) as { closed: boolean; payees: Array<{ total: string; clawbacks: string }> };
    expect(november).toMatchObject({ closed: false, payees: [{ total: '-120.00', clawbacks: '-120.00' }] });
  });

  it('PDF: one page per payee', async () => {
    const pdf = await renderStatementPdf({ statement: await october(), agencyName: 'Sunrise', preparedAt: new Date('2026-11-10T17:00:00Z'), timeZone: ZONE }, { compress: false });
    const text = pdf.toString('latin1');
    expect(text.match(/\/Type \/Page\b/g)).toHaveLength(2);
    const one = await renderStatementPdf({ statement: toStatement('2026-10', true, (await store.periodLines(harness.db.pool, tenant.tenantId, '2026-10', JAMES)).lines, names), preparedAt: new Date(), timeZone: ZONE });
    expect(one.toString('latin1').match(/\/Type \/Page\b/g)).toHaveLength(1);
  });
});

describe('a new version of the plan', () => {
  it('is saved as version 2 and applies from its start: months already counted keep their terms', async () => {
    const raised = { ...plan, version: 7, effectiveFrom: '2026-12-01', lines: { ...plan.lines, home_health: { amountCents: 20000 } } };
    // The file's version number is not the store's: saving adds the next one.
    expect(await savePlan(harness.db.pool, tenant, raised)).toEqual({ planId: 'liaisons', version: 2 });
    expect((await store.planVersions(harness.db.pool, tenant.tenantId)).map((v) => [v.version, v.effectiveFrom, v.lines.home_health?.amountCents])).toEqual([
      [1, '2026-01-01', 10000],
      [2, '2026-12-01', 20000],
    ]);
    const before = await store.periodLines(harness.db.pool, tenant.tenantId, '2026-10');
    const run = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-02T17:00:00Z'));
    // Nothing counted in December: the same November clawback, nothing to write.
    expect(run?.lines.map((l) => [l.period, l.amountCents, l.planVersion])).toEqual([['2026-11', -12000, 1]]);
    expect(run?.queued).toBe(0);
    expect(await store.periodLines(harness.db.pool, tenant.tenantId, '2026-10')).toEqual(before);
  });
});

describe('an admission cancelled or replaced in the EHR', () => {
  it("clears the commission of the admission that no longer stands; the one that took its place carries it", async () => {
    // R5 (James, home health, commercial): A5 is cancelled on 11-21 and the patient admitted again as A5b, SOC 11-22.
    // R5 now counts at 11-22 under plan v1 (v2 starts 12-01), James's 1st of November: $100 x1.0 x1.0 = $100.00.
    await push([{ kind: 'admission.cancelled', occurredAt: '2026-11-21T15:00:00Z', patient: { id: 'p5' }, admissionKey: 'A5' }, admitted('A5b', 'R5', 'p5', '2026-11-22')]);
    await sync();
    const run = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-02T18:00:00Z'));
    // A5b's properties are new and A5's are cleared: both records are queued.
    expect(run?.queued).toBe(2);
    await sync();
    const records = await admissionRecords();
    expect(records.get('A5b')).toMatchObject({ rlx_commission_status: 'earned', rlx_commission_amount: '100', rlx_commission_payee: JAMES, rlx_commission_plan_version: '1' });
    // Without this, the cancelled A5 would still say "earned $100" and a payroll report would pay James twice.
    const cancelled = records.get('A5');
    for (const name of ['rlx_commission_status', 'rlx_commission_amount', 'rlx_commission_payee', 'rlx_commission_period', 'rlx_commission_plan_id']) {
      expect([null, '']).toContain(cancelled?.[name] ?? null);
    }

    // The next run has nothing more to clear or write.
    const again = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-02T18:05:00Z'));
    expect(again?.queued).toBe(0);
    expect(await sync()).toEqual({ taken: 0, written: 0, unchanged: 0, failed: 0 });
  });
});

describe('referralynx status', () => {
  it('says where commissions stand: the plan, the last run, the month closed through, the open months', async () => {
    // Plan v2 saved; October closed. Open: November's clawback of A2, -$120.00. R5's move to A5b changes nothing
    // issued: its line (James, $100.00) is what October issued for it, so there is no correction.
    const cli = runCli(['status'], { DATABASE_URL: harness.db.url });
    expect(await cli.exit()).toBe(0);
    expect(cli.output()).toMatch(/Commissions plan liaisons v2; last computed 2026-12-02T18:05:00\.000Z in \d+\.\d s; closed through 2026-10; open months 1 line, -\$120\.00/);
  });
});

describe("billing's finding: the non_billable clawback", () => {
  it('takes a hospice commission back in the month billing found the admission not billable, within the window', async () => {
    // R7 Maria, hospice, Medicare FFS, SOC 11-05: her 1st counted in November under v1, $150 x1.0 x1.0 = $150.00.
    // Billing finds it not billable on 11-20, 15 days after it counted: within hospice's 30-day non_billable window.
    await push([
      referral('R7', 'p7', '2026-11-03T14:00:00Z', { businessLine: 'hospice', payerCategory: 'medicare_ffs', marketerId: 'MKT-1' }),
      admitted('A7', 'R7', 'p7', '2026-11-05'),
    ]);
    // The referral's owner (its marketer's) is decided as the sync writes it.
    await sync();
    const earned = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-03T17:00:00Z'));
    expect(earned?.lines.filter((l) => l.referralKey === 'R7').map((l) => [l.period, l.payeeOwnerId, l.kind, l.amountCents])).toEqual([['2026-11', MARIA, 'earned', 15000]]);

    await push([{ kind: 'admission.non_billable', occurredAt: '2026-11-20T16:00:00Z', patient: { id: 'p7' }, admissionKey: 'A7', reason: 'No signed plan of care' }]);
    const run = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-03T17:05:00Z'));
    expect(run?.lines.filter((l) => l.referralKey === 'R7').map((l) => [l.period, l.payeeOwnerId, l.kind, l.amountCents])).toEqual([
      ['2026-11', MARIA, 'earned', 15000],
      ['2026-11', MARIA, 'clawback', -15000],
    ]);
    expect(run?.lines.find((l) => l.referralKey === 'R7' && l.kind === 'clawback')?.explanation).toContain('found not billable (No signed plan of care)');
    await sync();
    expect((await admissionRecords()).get('A7')).toMatchObject({ rlx_commission_status: 'clawed_back', rlx_commission_amount: '0', rlx_commission_payee: MARIA });

    // A second finding changes nothing: the first one stands.
    await push([{ kind: 'admission.non_billable', occurredAt: '2026-11-25T16:00:00Z', patient: { id: 'p7' }, admissionKey: 'A7', reason: 'Eligibility denied' }]);
    const again = await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-03T17:10:00Z'));
    expect(again?.queued).toBe(0);
    expect(again?.lines.find((l) => l.referralKey === 'R7' && l.kind === 'clawback')?.explanation).toContain('No signed plan of care');
  });
});

describe('an open month after a run', () => {
  it("holds only the lines the facts still call for: a line whose admission was cancelled leaves it, the others stay as they were", async () => {
    // R8 James, home health, commercial, SOC 11-10: his 1st counted in November, $100.00.
    await push([referral('R8', 'p8', '2026-11-08T14:00:00Z', { businessLine: 'home_health', payerCategory: 'commercial', marketerId: 'MKT-2' }), admitted('A8', 'R8', 'p8', '2026-11-10')]);
    await sync();
    await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-04T17:00:00Z'));
    const november = async () => (await store.periodLines(harness.db.pool, tenant.tenantId, '2026-11')).lines.map((l) => [l.referralKey, l.kind, l.amountCents]);
    const before = await november();
    expect(before).toContainEqual(['R8', 'earned', 10000]);
    // R5 now counts on 11-22 (A5b): James's 2nd of November after R8, so x1.5 = $150.00 where October issued $100.00
    // for it: a correction of +$50.00 in the first open month.
    expect(before).toContainEqual(['R5', 'correction', 5000]);

    await push([{ kind: 'admission.cancelled', occurredAt: '2026-12-04T15:00:00Z', patient: { id: 'p8' }, admissionKey: 'A8' }]);
    await recomputeCommissions(harness.db.pool, queue, tenant, new Date('2026-12-04T17:05:00Z'));
    // R8's line is gone, and with it R5's correction (R5 is James's 1st again: $100.00, as issued). A2's clawback and
    // R7's two lines are there as before.
    expect(await november()).toEqual(before.filter(([key, kind]) => key !== 'R8' && !(key === 'R5' && kind === 'correction')));
    expect(await november()).toEqual(
      expect.arrayContaining([
        ['R2', 'clawback', -12000],
        ['R7', 'earned', 15000],
        ['R7', 'clawback', -15000],
      ]),
    );
  });
});
