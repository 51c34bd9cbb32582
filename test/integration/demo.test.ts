import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoAgency } from '../../src/demo/agency';
import { DEMO_OWNERS, demoCommissionPlan, demoPayeeRoster } from '../../src/demo/commissions';
import { checkCommissionPlan } from '../../src/domain/commissionPlan';
import { agencyCsvExport, agencyHl7Feed } from '../../src/demo/emit';
import { Ingestor } from '../../src/ehr/ingest';
import { EhrStore } from '../../src/store/ehrStore';
import { TenantRepository } from '../../src/store/tenants';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('demo');
});
afterAll(async () => {
  await dropTestDatabase(db);
});

describe('the demo agency', () => {
  const agency = generateDemoAgency({ until: '2026-11-27', months: 2, referralsPerMonth: 60, timeZone: 'America/Chicago' });

  it('is the same for the same seed', () => {
    const again = generateDemoAgency({ until: '2026-11-27', months: 2, referralsPerMonth: 60, timeZone: 'America/Chicago' });
    expect(again.referrals.map((r) => [r.referralKey, r.outcome, r.receivedAt])).toEqual(
      agency.referrals.map((r) => [r.referralKey, r.outcome, r.receivedAt]),
    );
    expect(agency.sources.length).toBeGreaterThanOrEqual(40);
  });

  it('has a commission plan its roster accepts, with Dana (intake) marked as deciding admissions', () => {
    const check = checkCommissionPlan(demoCommissionPlan, demoPayeeRoster);
    expect(check.ok).toBe(true);
    expect(demoPayeeRoster.admissionDeciders).toEqual([DEMO_OWNERS.dana]);
    // Nobody outside the sandbox's five owners is ever named.
    expect([...demoPayeeRoster.employees].sort()).toEqual(['71000101', '71000102', '71000103', '71000104', '71000105']);
  });

  it('flows through the HL7 and CSV adapters into the referral state its story says, with nothing quarantined', async () => {
    const tenant = await new TenantRepository(db.pool).ensure(31337);
    await new TenantRepository(db.pool).updateSettings(31337, { timeZone: 'America/Chicago' });
    const store = new EhrStore(db.pool);
    const ingestor = await Ingestor.forTenant(store, { ...tenant, settings: { ...tenant.settings, timeZone: 'America/Chicago' } });
    const reasons: string[] = [];
    for (const message of agencyHl7Feed(agency)) {
      const result = await ingestor.message('hl7v2', message.text, 'demo');
      if (result.status === 'quarantined') reasons.push(result.reason);
    }
    expect(reasons).toEqual([]);
    // The HL7 feed alone: every referral received, the cancelled ones cancelled, the admitted ones admitted with
    // their start of care and source; non-admits are only in the EHR's report, so they are still "received".
    const fromHl7 = new Map((await store.listReferrals(31337)).map((r) => [r.referralKey, r]));
    expect(fromHl7.size).toBe(agency.referrals.length);
    for (const r of agency.referrals) {
      const state = fromHl7.get(r.referralKey);
      const expected = r.outcome === 'admitted' ? 'admitted' : r.outcome === 'cancelled' ? 'cancelled' : 'received';
      expect([r.referralKey, state?.status]).toEqual([r.referralKey, expected]);
      expect(state?.facts.referringPractitioner?.npi).toBe(r.clinician.npi);
      expect(state?.facts.payerCategory).toBe(r.payerCategory);
    }
    const admissions = await store.listAdmissions(31337);
    expect(admissions).toHaveLength(agency.referrals.filter((r) => r.admissionKey).length);
    expect(admissions.filter((a) => a.status !== 'active').length).toBe(agency.referrals.filter((r) => r.dischargeDate).length);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-demo-'));
    const file = path.join(dir, 'referral-log.csv');
    fs.writeFileSync(file, agencyCsvExport(agency));
    const csv = await ingestor.csvFile(file, 'generic');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(csv.reasons).toEqual({});

    const referrals = new Map((await store.listReferrals(31337)).map((r) => [r.referralKey, r]));
    expect(referrals.size).toBe(agency.referrals.length);
    const expectedStatus = { admitted: 'admitted', non_admitted: 'non_admitted', cancelled: 'cancelled', pending: 'received' } as const;
    for (const r of agency.referrals) {
      const state = referrals.get(r.referralKey);
      expect([r.referralKey, state?.status]).toEqual([r.referralKey, r.outcome === 'pending' ? expect.stringMatching(/received|pending_intake/) : expectedStatus[r.outcome]]);
      if (r.outcome === 'non_admitted') expect(state?.nonAdmitReason).toBe(r.nonAdmitReason);
      if (r.outcome === 'admitted') expect([state?.socDate, state?.facts.referringOrganization?.npi]).toEqual([r.socDate, r.source.npi]);
    }
  }, 120_000);
});
