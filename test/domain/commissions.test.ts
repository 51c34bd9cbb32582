import { nonAdmitVocabulary } from '../../src/domain/nonAdmitReasons';
import { DateTime } from 'luxon';
import { checkCommissionPlan, commissionPlanSchema, type CommissionPlan, type PayeeRoster } from '../../src/domain/commissionPlan';
import {
  commissionCents,
  computeCommissions,
  formatCents,
  type ClosedPeriod,
  type CommissionCase,
  type CommissionInput,
  type CommissionLine,
  type CommissionRun,
} from '../../src/domain/commissions';
import type { CanonicalEvent, EventOf, ReferralFacts } from '../../src/domain/events';
import { deriveCases } from '../../src/domain/referralLifecycle';
import type { BusinessLine, PayerCategory } from '../../src/domain/vocabulary';
import { event, patient } from '../support/events';

/**
 * The commission engine with hand-worked figures. The agency is in New York: EDT (UTC-4) until Sunday 2026-11-01,
 * EST (UTC-5) after. Owners 101, 102 and 103 are employed liaisons. Unless a test says otherwise the plan pays
 * $100.00 for a home health referral and $150.00 for hospice, counts at the start of care, credits the source
 * company's owner (101), and every referral comes from Mercy General, paid by Medicare fee-for-service (x1.0).
 * Referrals, admissions and their histories are derived from canonical events, as the store derives them.
 */

const NEW_YORK = 'America/New_York';
const roster: PayeeRoster = { employees: ['101', '102', '103'], admissionDeciders: [] };

function planOf(terms: Record<string, unknown> = {}): CommissionPlan {
  const check = checkCommissionPlan(
    {
      id: 'liaisons',
      version: 1,
      effectiveFrom: '2026-01-01',
      countingPoint: { kind: 'admitted' },
      lines: { home_health: { amountCents: 10000 }, hospice: { amountCents: 15000 } },
      credit: { rule: 'company_owner' },
      ...terms,
    },
    roster,
  );
  if (!check.ok) throw new Error(JSON.stringify(check.problems));
  return check.plan;
}

/** A local wall-clock time in New York as an instant with its offset. */
const local = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone: NEW_YORK }).toISO() ?? '';

type DischargeReason = EventOf<'admission.discharged'>['reason'];
type NonAdmitReason = EventOf<'referral.non_admitted'>['reason'];

/** One referral's course, as the EHR reports it. */
interface Course {
  key: string;
  receivedAt: string;
  /** null: not recorded. */
  line?: BusinessLine | null;
  payer?: PayerCategory | null;
  marketerId?: string;
  acceptedAt?: string;
  scheduled?: { at: string; date: string };
  nonAdmitted?: { at: string; reason: NonAdmitReason };
  soc?: { date: string; at: string; firstVisitAt?: string };
  discharge?: { date: string; reason: DischargeReason; at: string };
  dischargeCancelledAt?: string;
}

function eventsOf(course: Course): CanonicalEvent[] {
  const patientHash = patient(course.key);
  const referralKey = course.key;
  const admissionKey = `A-${course.key}`;
  const facts: ReferralFacts = { receivedAt: course.receivedAt, referringOrganization: { name: 'Mercy General' } };
  if (course.line !== null) facts.businessLine = course.line ?? 'home_health';
  if (course.payer !== null) facts.payerCategory = course.payer ?? 'medicare_ffs';
  if (course.marketerId) facts.marketerId = course.marketerId;
  const events = [event({ kind: 'referral.received', referralKey, patientHash, occurredAt: course.receivedAt, facts })];
  if (course.acceptedAt) events.push(event({ kind: 'referral.accepted', referralKey, patientHash, occurredAt: course.acceptedAt }));
  if (course.scheduled) {
    events.push(event({ kind: 'soc.scheduled', referralKey, patientHash, occurredAt: course.scheduled.at, scheduledSocDate: course.scheduled.date }));
  }
  if (course.nonAdmitted) {
    events.push(event({ kind: 'referral.non_admitted', referralKey, patientHash, occurredAt: course.nonAdmitted.at, reason: course.nonAdmitted.reason }));
  }
  if (course.soc) {
    const { date, at, firstVisitAt } = course.soc;
    events.push(event({ kind: 'admission.admitted', admissionKey, referralKey, patientHash, occurredAt: at, socDate: date, firstVisitAt: firstVisitAt ?? at }));
  }
  if (course.discharge) {
    const { date, reason, at } = course.discharge;
    events.push(event({ kind: 'admission.discharged', admissionKey, patientHash, occurredAt: at, dischargeDate: date, reason }));
  }
  if (course.dischargeCancelledAt) events.push(event({ kind: 'discharge.cancelled', admissionKey, patientHash, occurredAt: course.dischargeCancelledAt }));
  return events;
}

/** Received at 08:00 on the day of its start of care, first visit at `time` that day. */
const admitted = (key: string, socDate: string, more: Partial<Course> = {}, time = '10:00'): Course => ({
  key,
  receivedAt: local(socDate, '08:00'),
  soc: { date: socDate, at: local(socDate, time) },
  ...more,
});

function casesOf(courses: Course[], more: Record<string, Partial<CommissionCase>> = {}): CommissionCase[] {
  const { referrals, admissions } = deriveCases(courses.flatMap(eventsOf));
  return referrals.map((referral) => ({
    referral,
    admission: admissions.find((a) => a.admissionKey === referral.admissionKey),
    owners: { companyOwnerId: '101' },
    ...more[referral.referralKey],
  }));
}

function run(planVersions: CommissionPlan[], cases: CommissionCase[], asOf: string, more: Partial<CommissionInput> = {}): CommissionRun {
  return computeCommissions({ planVersions, roster, cases, timeZone: NEW_YORK, asOf: new Date(asOf), closedPeriods: [], ...more });
}

/** [period, payee, kind, referral, cents]: what a payroll reader checks first. */
const brief = (lines: readonly CommissionLine[]) => lines.map((l) => [l.period, l.payeeOwnerId, l.kind, l.referralKey, l.amountCents]);
const outcomeOf = (result: CommissionRun, key: string) => result.outcomes.find((o) => o.referralKey === key);
const close = (result: CommissionRun, period: string): ClosedPeriod => ({ period, lines: result.lines.filter((l) => l.period === period) });

describe('money', () => {
  it('multiplies exactly and rounds half away from zero, once per line', () => {
    // 50 cents x 1.15 = 57.5 cents -> 58. In floating point 50 * 1.15 is 57.49999999999999, which would round to 57.
    expect(commissionCents(50, 1.15, 1, 100)).toBe(58);
    // 10001 cents x 50% = 5000.5 -> 5001; 333 x 1.5 = 499.5 -> 500; 10000 x 33.33% = 3333.
    expect(commissionCents(10001, 1, 1, 50)).toBe(5001);
    expect(commissionCents(333, 1, 1.5, 100)).toBe(500);
    expect(commissionCents(10000, 1, 1, 33.33)).toBe(3333);
    // -1 x 0.5 = -0.5 -> -1: away from zero, not up.
    expect(commissionCents(-1, 0.5, 1, 100)).toBe(-1);
    expect([formatCents(123456), formatCents(-12500), formatCents(5), formatCents(0)]).toEqual(['$1,234.56', '-$125.00', '$0.05', '$0.00']);
  });
});

describe('counting points', () => {
  // R1: received Friday 2026-10-02 14:00, accepted Saturday the 3rd 10:00, started care Monday the 5th (first visit
  // 11:00, the admission entered 18:00).
  const r1: Course = {
    key: 'R1',
    receivedAt: local('2026-10-02', '14:00'),
    acceptedAt: local('2026-10-03', '10:00'),
    soc: { date: '2026-10-05', at: local('2026-10-05', '18:00'), firstVisitAt: local('2026-10-05', '11:00') },
  };
  const countedOn = (countingPoint: unknown, courses: Course[], asOf: string) => run([planOf({ countingPoint, lines: { home_health: { amountCents: 10000 } } })], casesOf(courses), asOf);

  it('received: the local date the referral arrived', () => {
    const { lines } = countedOn({ kind: 'received' }, [r1], '2026-10-31T12:00:00-04:00');
    expect(lines).toEqual([
      expect.objectContaining({
        id: 'earned:R1:101:2026-10',
        period: '2026-10',
        date: '2026-10-02',
        amountCents: 10000,
        admissionKey: 'A-R1',
        explanation: 'Referral received 2026-10-02 from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00',
      }),
    ]);
  });

  it('accepted: the acceptance, or scheduling the start of care when the EHR sends no acceptance', () => {
    // R2 goes from received (the 6th) straight to SOC scheduled on Wednesday the 7th: that is its acceptance.
    const r2: Course = { key: 'R2', receivedAt: local('2026-10-06', '09:00'), scheduled: { at: local('2026-10-07', '10:00'), date: '2026-10-09' } };
    const { lines } = countedOn({ kind: 'accepted' }, [r1, r2], '2026-10-31T12:00:00-04:00');
    expect(lines.map((l) => [l.referralKey, l.date, l.explanation])).toEqual([
      ['R1', '2026-10-03', 'Referral accepted 2026-10-03 from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00'],
      ['R2', '2026-10-07', 'Referral accepted 2026-10-07 from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00'],
    ]);
  });

  it('admitted: the start of care date (M0030), not the day the admission was entered', () => {
    const { lines } = countedOn({ kind: 'admitted' }, [r1], '2026-10-31T12:00:00-04:00');
    expect(lines.map((l) => [l.period, l.date, l.explanation])).toEqual([
      ['2026-10', '2026-10-05', 'Admission of 2026-10-05 from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00'],
    ]);
  });

  it('first billable period: 30 days after the start of care, in that later month, once reached', () => {
    // SOC 2026-10-05 + 30 days: October has 31 days, so the 5th + 26 is October 31 and 4 more is November 4.
    const before = countedOn({ kind: 'first_billable_period' }, [r1], '2026-11-03T20:00:00-05:00');
    expect(before.lines).toEqual([]);
    expect(outcomeOf(before, 'R1')).toMatchObject({ status: 'not_yet_eligible', reason: 'counts on 2026-11-04, if the patient is still in care' });
    const after = countedOn({ kind: 'first_billable_period' }, [r1], '2026-11-10T12:00:00-05:00');
    expect(after.lines.map((l) => [l.period, l.date, l.amountCents, l.explanation])).toEqual([
      [
        '2026-11',
        '2026-11-04',
        10000,
        'First 30-day period complete on 2026-11-04 (admission of 2026-10-05) from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00',
      ],
    ]);
    expect(outcomeOf(after, 'R1')).toMatchObject({ status: 'earned', countingDate: '2026-11-04', period: '2026-11' });
  });

  it('first billable period: a discharge before day 30 means it never counts', () => {
    const discharged = { ...r1, discharge: { date: '2026-11-02', reason: 'goals_met' as const, at: local('2026-11-02', '15:00') } };
    const result = countedOn({ kind: 'first_billable_period' }, [discharged], '2026-11-10T12:00:00-05:00');
    expect(result.lines).toEqual([]);
    expect(outcomeOf(result, 'R1')).toMatchObject({
      status: 'ineligible',
      reason: 'discharged (goals met) 2026-11-02, before first billable 30-day period (2026-11-04, 30 days after the start of care of 2026-10-05)',
    });
  });

  it('retained N days: N days after the start of care, if not discharged before', () => {
    // 2026-10-05 + 60: 26 days to October 31, 30 more to November 30 (56), 4 more: December 4.
    const kept = countedOn({ kind: 'retained', days: 60 }, [r1], '2026-12-04T12:00:00-05:00');
    expect(brief(kept.lines)).toEqual([['2026-12', '101', 'earned', 'R1', 10000]]);
    expect(kept.lines[0]?.explanation).toBe('60 days retained on 2026-12-04 (admission of 2026-10-05) from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00');
    const left = countedOn({ kind: 'retained', days: 60 }, [{ ...r1, discharge: { date: '2026-11-20', reason: 'moved', at: local('2026-11-20', '12:00') } }], '2026-12-10T12:00:00-05:00');
    expect(left.lines).toEqual([]);
    expect(outcomeOf(left, 'R1')?.reason).toBe('discharged (moved) 2026-11-20, before retained 60 days (2026-12-04, 60 days after the start of care of 2026-10-05)');
  });

  it('a referral short of its counting point is not yet eligible; one that will never reach it is ineligible, with the reason', () => {
    const waiting: Course = { key: 'R3', receivedAt: local('2026-10-12', '09:00'), acceptedAt: local('2026-10-12', '11:00') };
    const lost: Course = { key: 'R4', receivedAt: local('2026-10-13', '09:00'), nonAdmitted: { at: local('2026-10-14', '09:00'), reason: 'insurance_not_accepted' } };
    const result = countedOn({ kind: 'admitted' }, [waiting, lost], '2026-10-31T12:00:00-04:00');
    expect(result.lines).toEqual([]);
    expect(result.outcomes.map((o) => [o.referralKey, o.status, o.reason])).toEqual([
      ['R3', 'not_yet_eligible', 'not admitted yet'],
      ['R4', 'ineligible', 'not admitted (insurance not accepted / no authorization)'],
    ]);
  });

  it("says why a referral never counts in the agency's label for its non-admit reason", () => {
    const lost: Course = { key: 'R5', receivedAt: local('2026-10-13', '09:00'), nonAdmitted: { at: local('2026-10-14', '09:00'), reason: 'no_caregiver' } };
    const nonAdmitReasons = nonAdmitVocabulary([{ value: 'no_caregiver', label: 'No caregiver at home' }]);
    const result = run([planOf({ countingPoint: { kind: 'admitted' } })], casesOf([lost]), '2026-10-31T12:00:00-04:00', { nonAdmitReasons });
    expect(outcomeOf(result, 'R5')).toMatchObject({ status: 'ineligible', reason: 'not admitted (no caregiver at home)' });
    // A tenant whose list lacks it: "other".
    expect(outcomeOf(run([planOf({ countingPoint: { kind: 'admitted' } })], casesOf([lost]), '2026-10-31T12:00:00-04:00'), 'R5')?.reason).toBe('not admitted (other)');
  });
});

describe('amounts', () => {
  it('payer weights: by payer category, x1.0 for a category the plan leaves out and for an unrecorded payer; x0 pays nothing', () => {
    const plan = planOf({ payerWeights: { medicare_advantage: 0.8, commercial: 1.15, self_pay: 0 } });
    const result = run(
      [plan],
      casesOf([
        admitted('W-MA', '2026-10-06', { payer: 'medicare_advantage' }),
        admitted('W-COM', '2026-10-07', { payer: 'commercial', line: 'hospice' }),
        admitted('W-FFS', '2026-10-08'),
        admitted('W-SELF', '2026-10-09', { payer: 'self_pay' }),
        admitted('W-NONE', '2026-10-13', { payer: null }),
      ]),
      '2026-10-31T12:00:00-04:00',
    );
    // MA: $100.00 x 0.8 = $80.00. Commercial hospice: $150.00 x 1.15 = $172.50. FFS: x1.0 = $100.00.
    // No payer recorded: x1.0 = $100.00. Self-pay x0: no line.
    expect(result.lines.map((l) => [l.referralKey, l.amountCents, l.explanation])).toEqual([
      ['W-MA', 8000, 'Admission of 2026-10-06 from Mercy General: home health $100.00, Medicare Advantage x0.8 = $80.00'],
      ['W-COM', 17250, 'Admission of 2026-10-07 from Mercy General: hospice $150.00, Commercial x1.15 = $172.50'],
      ['W-FFS', 10000, 'Admission of 2026-10-08 from Mercy General: home health $100.00, Medicare fee-for-service x1.0 = $100.00'],
      ['W-NONE', 10000, 'Admission of 2026-10-13 from Mercy General: home health $100.00, payer not recorded x1.0 = $100.00'],
    ]);
    expect(outcomeOf(result, 'W-SELF')).toMatchObject({ status: 'ineligible', reason: 'plan liaisons v1 weighs Self-pay x0.0', amountCents: 0 });
  });

  it('a tier boundary inside a month: from the 11th counted admission of the month x1.25, the 11th onward, per payee', () => {
    const plan = planOf({ tiers: [{ fromCount: 11, multiplier: 1.25 }] });
    const courses: Course[] = [];
    for (let d = 1; d <= 9; d += 1) courses.push(admitted(`T0${d}`, `2026-10-0${d}`));
    // Two starts on the 10th: T10b's first visit at 09:00 comes before T10a's at 15:00, whatever their keys.
    courses.push(admitted('T10a', '2026-10-10', {}, '15:00'), admitted('T10b', '2026-10-10', {}, '09:00'), admitted('T11', '2026-10-11'));
    // November starts the count again; owner 102's first October admission is its own first.
    courses.push(admitted('T12', '2026-11-02'), admitted('U01', '2026-10-20'));
    const result = run([plan], casesOf(courses, { U01: { owners: { companyOwnerId: '102' } } }), '2026-11-05T12:00:00-05:00');

    // Owner 101 in October: T01-T09 are 1st-9th, T10b 10th: $100.00 each; T10a 11th and T11 12th: $100.00 x 1.25 = $125.00.
    const october101 = result.lines.filter((l) => l.period === '2026-10' && l.payeeOwnerId === '101');
    expect(october101.map((l) => [l.referralKey, l.amountCents])).toEqual([
      ['T01', 10000], ['T02', 10000], ['T03', 10000], ['T04', 10000], ['T05', 10000], ['T06', 10000], ['T07', 10000], ['T08', 10000], ['T09', 10000],
      ['T10b', 10000],
      ['T10a', 12500],
      ['T11', 12500],
    ]);
    // 10 x $100.00 + 2 x $125.00 = $1,250.00.
    expect(october101.reduce((sum, l) => sum + l.amountCents, 0)).toBe(125000);
    expect(october101.find((l) => l.referralKey === 'T10b')?.explanation).toBe(
      'Admission of 2026-10-10 from Mercy General: home health $100.00, Medicare fee-for-service x1.0, tier 1 x1.0 (10th counted in October 2026) = $100.00',
    );
    expect(october101.find((l) => l.referralKey === 'T10a')?.explanation).toBe(
      'Admission of 2026-10-10 from Mercy General: home health $100.00, Medicare fee-for-service x1.0, tier 2 x1.25 (11th counted in October 2026) = $125.00',
    );
    expect(brief(result.lines.filter((l) => l.referralKey === 'T12' || l.referralKey === 'U01'))).toEqual([
      ['2026-10', '102', 'earned', 'U01', 10000],
      ['2026-11', '101', 'earned', 'T12', 10000],
    ]);
  });

  it('split credit: fixed percentages of the weighted amount, each rounded on its own line', () => {
    const plan = planOf({
      payerWeights: { medicare_advantage: 0.8 },
      credit: { rule: 'splits', splits: [{ ownerId: '101', percent: 60 }, { ownerId: '102', percent: 40 }] },
    });
    const result = run([plan], casesOf([admitted('S1', '2026-10-12', { payer: 'medicare_advantage' })]), '2026-10-31T12:00:00-04:00');
    // $100.00 x 0.8 = $80.00; 60% = $48.00 to 101, 40% = $32.00 to 102.
    expect(result.lines.map((l) => [l.payeeOwnerId, l.amountCents, l.explanation])).toEqual([
      ['101', 4800, 'Admission of 2026-10-12 from Mercy General: home health $100.00, Medicare Advantage x0.8, 60% split = $48.00'],
      ['102', 3200, 'Admission of 2026-10-12 from Mercy General: home health $100.00, Medicare Advantage x0.8, 40% split = $32.00'],
    ]);
    expect(outcomeOf(result, 'S1')).toMatchObject({ status: 'earned', payeeOwnerIds: ['101', '102'], amountCents: 8000 });

    // $100.01 split 50/50: 5000.5 cents each, rounded half away from zero to $50.01: the pair is one cent over the whole.
    const odd = planOf({ lines: { home_health: { amountCents: 10001 } }, credit: { rule: 'splits', splits: [{ ownerId: '101', percent: 50 }, { ownerId: '102', percent: 50 }] } });
    expect(run([odd], casesOf([admitted('S2', '2026-10-12')]), '2026-10-31T12:00:00-04:00').lines.map((l) => l.amountCents)).toEqual([5001, 5001]);
  });

  it('split credit with tiers: a split referral counts once toward each of its payees', () => {
    const plan = planOf({
      tiers: [{ fromCount: 2, multiplier: 1.5 }],
      credit: { rule: 'splits', splits: [{ ownerId: '101', percent: 50 }, { ownerId: '102', percent: 50 }] },
    });
    const result = run([plan], casesOf([admitted('S4', '2026-10-05'), admitted('S5', '2026-10-06')]), '2026-10-31T12:00:00-04:00');
    // Each payee: S4 is its 1st, $100.00 x 50% = $50.00; S5 its 2nd, $100.00 x 1.5 x 50% = $75.00.
    expect(brief(result.lines)).toEqual([
      ['2026-10', '101', 'earned', 'S4', 5000],
      ['2026-10', '101', 'earned', 'S5', 7500],
      ['2026-10', '102', 'earned', 'S4', 5000],
      ['2026-10', '102', 'earned', 'S5', 7500],
    ]);
  });

  it('split credit: a payee who is no longer an employee is not paid; the others keep their own share', () => {
    const plan = planOf({ credit: { rule: 'splits', splits: [{ ownerId: '101', percent: 60 }, { ownerId: '102', percent: 40 }] } });
    const result = run([plan], casesOf([admitted('S3', '2026-10-12')]), '2026-10-31T12:00:00-04:00', { roster: { employees: ['101', '103'], admissionDeciders: [] } });
    // 60% of $100.00 = $60.00 to 101; 102's 40% is not paid to anyone.
    expect(brief(result.lines)).toEqual([['2026-10', '101', 'earned', 'S3', 6000]]);
    expect(outcomeOf(result, 'S3')?.reason).toMatch(/Anti-Kickback Statute, bona fide employee safe harbor .* Split payee 102 is not marked as an employee of the agency\.$/);
  });
});

describe('credit and the Anti-Kickback Statute at run time', () => {
  it('marketer: the plan maps the EHR marketer id, else the tenant mapping does; nobody mapped is ineligible', () => {
    const plan = planOf({ credit: { rule: 'marketer', marketerOwners: { 'MKT-1': '103' } } });
    const result = run(
      [plan],
      casesOf(
        [
          admitted('M1', '2026-10-05', { marketerId: 'MKT-1' }),
          admitted('M2', '2026-10-06', { marketerId: 'MKT-2' }),
          admitted('M3', '2026-10-07', { marketerId: 'MKT-3' }),
          admitted('M4', '2026-10-08'),
        ],
        { M2: { owners: { marketerOwnerId: '102' } } },
      ),
      '2026-10-31T12:00:00-04:00',
    );
    expect(brief(result.lines)).toEqual([
      ['2026-10', '102', 'earned', 'M2', 10000],
      ['2026-10', '103', 'earned', 'M1', 10000],
    ]);
    expect(result.outcomes.filter((o) => o.status === 'ineligible').map((o) => [o.referralKey, o.reason])).toEqual([
      ['M3', 'nobody to credit: marketer MKT-3 is mapped to no owner'],
      ['M4', 'nobody to credit: the EHR names no marketer'],
    ]);
  });

  it('contact owner: the referring clinician contact owner', () => {
    const plan = planOf({ credit: { rule: 'contact_owner' } });
    const result = run([plan], casesOf([admitted('K1', '2026-10-05')], { K1: { owners: { companyOwnerId: '101', contactOwnerId: '102' } } }), '2026-10-31T12:00:00-04:00');
    expect(brief(result.lines)).toEqual([['2026-10', '102', 'earned', 'K1', 10000]]);
  });

  it('an owner credited by rule who is not an employee, or who decides admission, is not paid, and the outcome names the rule', () => {
    const result = run(
      [planOf()],
      casesOf([admitted('N1', '2026-10-05'), admitted('N2', '2026-10-06')], { N1: { owners: { companyOwnerId: '900' } }, N2: { owners: { companyOwnerId: '104' } } }),
      '2026-10-31T12:00:00-04:00',
      { roster: { employees: ['101', '104'], admissionDeciders: ['104'] } },
    );
    expect(result.lines).toEqual([]);
    expect(result.outcomes.map((o) => [o.referralKey, o.status, o.reason])).toEqual([
      [
        'N1',
        'ineligible',
        "Anti-Kickback Statute, bona fide employee safe harbor (42 CFR 1001.952(i)): commissions are paid only to the agency's own employees. The source company owner 900 is not marked as an employee of the agency.",
      ],
      [
        'N2',
        'ineligible',
        'Anti-Kickback Statute: no pay for referrals to a clinician who decides whether a patient is admitted. The source company owner 104 is marked as a clinician who decides admission.',
      ],
    ]);
  });

  it('never applies a hospice length-of-stay term, even from a plan that was not checked', () => {
    // Parsed without checkCommissionPlan: counting hospice at 60 days retained would be refused there.
    const unchecked = commissionPlanSchema.parse({
      id: 'liaisons',
      version: 1,
      effectiveFrom: '2026-01-01',
      countingPoint: { kind: 'retained', days: 60 },
      lines: { home_health: { amountCents: 10000 }, hospice: { amountCents: 15000 } },
      credit: { rule: 'company_owner' },
    });
    const result = run([unchecked], casesOf([admitted('H1', '2026-09-01', { line: 'hospice' }), admitted('H2', '2026-09-01')]), '2026-11-15T12:00:00-05:00');
    // H2 (home health): 2026-09-01 + 60 days = 2026-10-31 (29 days to September 30, 31 more), counted then.
    expect(brief(result.lines)).toEqual([['2026-10', '101', 'earned', 'H2', 10000]]);
    expect(outcomeOf(result, 'H1')).toMatchObject({ status: 'ineligible' });
    expect(outcomeOf(result, 'H1')?.reason).toMatch(/^Anti-Kickback Statute: hospice pay never depends on how long the patient stays\. Counting hospice at "retained 60 days"/);
  });

  it('a business line the plan does not pay, or none recorded, is ineligible with the reason', () => {
    const result = run([planOf()], casesOf([admitted('P1', '2026-10-05', { line: 'palliative' }), admitted('P2', '2026-10-06', { line: null })]), '2026-10-31T12:00:00-04:00');
    expect(result.outcomes.map((o) => [o.referralKey, o.status, o.reason])).toEqual([
      ['P1', 'ineligible', 'plan liaisons v1 pays nothing for palliative'],
      ['P2', 'ineligible', 'business line not recorded'],
    ]);
  });
});

describe('the tenant time zone', () => {
  it('an SOC at 23:30 local on October 31, 03:30 on November 1 in UTC, counts in October', () => {
    const z1: Course = { key: 'Z1', receivedAt: '2026-10-31T12:00:00Z', soc: { date: '2026-10-31', at: '2026-11-01T03:30:00Z' } };
    const result = run([planOf()], casesOf([z1]), '2026-11-02T12:00:00Z');
    expect(brief(result.lines)).toEqual([['2026-10', '101', 'earned', 'Z1', 10000]]);
  });

  it('a referral received at 23:30 local on the 31st counts in October, one at 00:30 on the 1st in November; in UTC both would be November', () => {
    const courses: Course[] = [
      { key: 'Z2', receivedAt: '2026-11-01T03:30:00Z' },
      { key: 'Z3', receivedAt: '2026-11-01T04:30:00Z' },
    ];
    const plan = planOf({ countingPoint: { kind: 'received' } });
    const newYork = run([plan], casesOf(courses), '2026-11-02T12:00:00Z');
    // 03:30Z is 23:30 EDT on October 31; 04:30Z is 00:30 EDT on November 1 (EDT lasts until 06:00Z that day).
    expect(newYork.lines.map((l) => [l.referralKey, l.date, l.period])).toEqual([
      ['Z2', '2026-10-31', '2026-10'],
      ['Z3', '2026-11-01', '2026-11'],
    ]);
    const utc = run([plan], casesOf(courses), '2026-11-02T12:00:00Z', { timeZone: 'UTC' });
    expect(utc.lines.map((l) => [l.referralKey, l.period])).toEqual([
      ['Z2', '2026-11'],
      ['Z3', '2026-11'],
    ]);
  });

  it('a clawback known at 23:30 local on November 30, 04:30 on December 1 in UTC, is November’s', () => {
    const plan = planOf({ clawback: { windowDays: 60, triggers: ['transfer'] }, lines: { home_health: { amountCents: 10000 } } });
    const z1: Course = {
      key: 'Z1',
      receivedAt: '2026-10-31T12:00:00Z',
      soc: { date: '2026-10-31', at: '2026-11-01T03:30:00Z' },
      discharge: { date: '2026-11-30', reason: 'transferred', at: '2026-12-01T04:30:00Z' },
    };
    const result = run([plan], casesOf([z1]), '2026-12-02T12:00:00Z');
    // October 31 to November 30 is 30 days, inside the 60-day window.
    expect(brief(result.lines)).toEqual([
      ['2026-10', '101', 'earned', 'Z1', 10000],
      ['2026-11', '101', 'clawback', 'Z1', -10000],
    ]);
  });
});

describe('clawbacks and closed periods', () => {
  const plan = planOf({ clawback: { windowDays: 30, triggers: ['transfer', 'hospitalization'] }, lines: { home_health: { amountCents: 10000 } } });
  const c1 = admitted('C1', '2026-10-20');
  const hospitalized = { date: '2026-11-05', reason: 'hospitalized' as const, at: local('2026-11-05', '16:00') };

  it('a clawback crossing a closed period: October stays as paid, November takes the money back, December puts it back when the discharge is cancelled', () => {
    // October: C1 started care on the 20th: $100.00 earned, the clawback window open until 2026-11-19 (20 + 30).
    const october = run([plan], casesOf([c1]), local('2026-10-31', '20:00'));
    expect(brief(october.lines)).toEqual([['2026-10', '101', 'earned', 'C1', 10000]]);
    expect(outcomeOf(october, 'C1')?.reason).toBe('counted 2026-10-20 (admission of 2026-10-20) under plan liaisons v1; clawback window open until 2026-11-19');
    const octoberClosed = close(october, '2026-10');

    // November: hospitalized on the 5th, 16 days after the 20th (11 to October 31, 5 more): inside the 30-day window.
    const november = run([plan], casesOf([{ ...c1, discharge: hospitalized }]), local('2026-11-10', '12:00'), { closedPeriods: [octoberClosed] });
    expect(november.lines[0]).toBe(octoberClosed.lines[0]);
    expect(brief(november.lines)).toEqual([
      ['2026-10', '101', 'earned', 'C1', 10000],
      ['2026-11', '101', 'clawback', 'C1', -10000],
    ]);
    expect(november.lines[1]).toMatchObject({
      id: 'clawback:C1:101:2026-11',
      date: '2026-11-05',
      explanation: 'Clawback of the admission of 2026-10-20 from Mercy General: hospitalized 2026-11-05, 16 days after it counted, within the 30-day window = -$100.00',
    });
    expect(outcomeOf(november, 'C1')).toMatchObject({ status: 'clawed_back', reason: 'clawed back in 2026-11: hospitalized 2026-11-05', amountCents: 0 });

    // December: the discharge is cancelled in the EHR (A13). October and November stay as issued; December pays the
    // $100.00 back: +100 - 100 + 100 = $100.00, what the admission now earns.
    const cancelled = { ...c1, discharge: hospitalized, dischargeCancelledAt: local('2026-12-02', '09:00') };
    const december = run([plan], casesOf([cancelled]), local('2026-12-03', '12:00'), { closedPeriods: [octoberClosed, close(november, '2026-11')] });
    expect(brief(december.lines)).toEqual([
      ['2026-10', '101', 'earned', 'C1', 10000],
      ['2026-11', '101', 'clawback', 'C1', -10000],
      ['2026-12', '101', 'correction', 'C1', 10000],
    ]);
    expect(december.lines[2]?.id).toBe('correction:clawback:C1:101:2026-12');
    expect(december.lines[2]?.explanation).toBe(
      'Reversal: Clawback of the admission of 2026-10-20 from Mercy General: hospitalized 2026-11-05, 16 days after it counted, within the 30-day window = -$100.00, issued through 2026-11, no longer holds (now earned: counted 2026-10-20 (admission of 2026-10-20) under plan liaisons v1): +$100.00',
    );
    expect(outcomeOf(december, 'C1')).toMatchObject({ status: 'earned', amountCents: 10000 });
  });

  it('a clawback that happened in a month already closed is taken in the first open month', () => {
    // C4 started care October 5 and was transferred October 25 (20 days later), but the feed delivered the discharge
    // after October was closed: the October run did not know it.
    const c4 = admitted('C4', '2026-10-05');
    const october = run([plan], casesOf([c4]), local('2026-10-31', '20:00'));
    const late = run([plan], casesOf([{ ...c4, discharge: { date: '2026-10-25', reason: 'transferred', at: local('2026-10-25', '12:00') } }]), local('2026-11-04', '12:00'), {
      closedPeriods: [close(october, '2026-10')],
    });
    expect(brief(late.lines)).toEqual([
      ['2026-10', '101', 'earned', 'C4', 10000],
      ['2026-11', '101', 'correction', 'C4', -10000],
    ]);
    expect(late.lines[1]).toMatchObject({
      id: 'correction:clawback:C4:101:2026-11',
      explanation:
        'Late for 2026-10, which is closed: Clawback of the admission of 2026-10-05 from Mercy General: transferred 2026-10-25, 20 days after it counted, within the 30-day window = -$100.00',
    });
  });

  it('only the plan’s triggers inside the window claw back', () => {
    const result = run(
      [plan],
      casesOf([
        // 2026-10-20 + 31 days = 2026-11-20: one day past the window.
        admitted('C2', '2026-10-20', { discharge: { date: '2026-11-20', reason: 'transferred', at: local('2026-11-20', '12:00') } }),
        // Goals met is a "discharge" trigger, which this plan does not name.
        admitted('C3', '2026-10-20', { discharge: { date: '2026-10-30', reason: 'goals_met', at: local('2026-10-30', '12:00') } }),
      ]),
      local('2026-11-25', '12:00'),
    );
    expect(brief(result.lines)).toEqual([
      ['2026-10', '101', 'earned', 'C2', 10000],
      ['2026-10', '101', 'earned', 'C3', 10000],
    ]);
  });

  it('non-billable, as billing reports it, claws back within the window', () => {
    const billing = planOf({ clawback: { windowDays: 45, triggers: ['non_billable'] } });
    const result = run(
      [billing],
      casesOf([admitted('B1', '2026-10-05')], { B1: { nonBillable: { at: local('2026-11-12', '10:00'), reason: 'no signed plan of care' } } }),
      local('2026-11-15', '12:00'),
    );
    // October 5 to November 12: 26 + 12 = 38 days, inside 45.
    expect(brief(result.lines)).toEqual([
      ['2026-10', '101', 'earned', 'B1', 10000],
      ['2026-11', '101', 'clawback', 'B1', -10000],
    ]);
    expect(result.lines[1]?.explanation).toBe(
      'Clawback of the admission of 2026-10-05 from Mercy General: found not billable (no signed plan of care) 2026-11-12, 38 days after it counted, within the 45-day window = -$100.00',
    );
  });

  it('a late admission in a closed month moves the tier boundary: the closed month stays as paid, the differences come next month', () => {
    const tiered = planOf({ tiers: [{ fromCount: 3, multiplier: 1.5 }] });
    const onTime = [admitted('L05', '2026-10-05'), admitted('L10', '2026-10-10'), admitted('L15', '2026-10-15')];
    // October as closed: L05 1st $100.00, L10 2nd $100.00, L15 3rd $150.00 = $350.00.
    const october = run([tiered], casesOf(onTime), local('2026-10-31', '20:00'));
    expect(october.lines.map((l) => l.amountCents)).toEqual([10000, 10000, 15000]);
    // L03 (SOC October 3) reaches the server in November. October now reads: L03 1st $100, L05 2nd $100, L10 3rd
    // $150, L15 4th $150 = $500. Paid $350: November gets L03 late +$100 and L10 +$50 (3rd now, tier 2).
    const november = run([tiered], casesOf([admitted('L03', '2026-10-03'), ...onTime]), local('2026-11-05', '12:00'), { closedPeriods: [close(october, '2026-10')] });
    expect(brief(november.lines)).toEqual([
      ['2026-10', '101', 'earned', 'L05', 10000],
      ['2026-10', '101', 'earned', 'L10', 10000],
      ['2026-10', '101', 'earned', 'L15', 15000],
      ['2026-11', '101', 'correction', 'L03', 10000],
      ['2026-11', '101', 'correction', 'L10', 5000],
    ]);
    expect(november.lines[4]?.explanation).toBe(
      'Correction: Admission of 2026-10-10 from Mercy General: home health $100.00, Medicare fee-for-service x1.0, tier 2 x1.5 (3rd counted in October 2026) = $150.00; $100.00 issued through 2026-10, so +$50.00',
    );
    expect(november.lines.reduce((sum, l) => sum + l.amountCents, 0)).toBe(50000);
  });

  it('a month before the latest closed one is closed too, even if it was never named', () => {
    // September was never closed by name; with October closed, a September start learned in November is paid late.
    const result = run([planOf()], casesOf([admitted('E1', '2026-09-28')]), local('2026-11-05', '12:00'), { closedPeriods: [{ period: '2026-10', lines: [] }] });
    expect(brief(result.lines)).toEqual([['2026-11', '101', 'correction', 'E1', 10000]]);
    expect(result.lines[0]?.explanation).toMatch(/^Late for 2026-09, which is closed: Admission of 2026-09-28/);
  });

  it('a referral left out of the run keeps its issued lines untouched', () => {
    const october = run([planOf()], casesOf([admitted('O1', '2026-10-05')]), local('2026-10-31', '20:00'));
    const later = run([planOf()], [], local('2026-11-05', '12:00'), { closedPeriods: [close(october, '2026-10')] });
    expect(later.lines).toEqual(october.lines);
  });
});

describe('a plan change mid-period', () => {
  it('each referral takes the version in effect on its counting date; the tier counts the whole month', () => {
    const v1 = planOf({ effectiveTo: '2026-10-14', lines: { home_health: { amountCents: 10000 } } });
    const v2 = planOf({ version: 2, effectiveFrom: '2026-10-15', lines: { home_health: { amountCents: 12000 } }, tiers: [{ fromCount: 3, multiplier: 1.5 }] });
    const result = run(
      [v1, v2],
      casesOf([admitted('V08', '2026-10-08'), admitted('V14', '2026-10-14'), admitted('V15', '2026-10-15'), admitted('V20', '2026-10-20')]),
      local('2026-10-31', '20:00'),
    );
    // V08 and V14 under v1: $100.00 each. V15 and V20 under v2 at $120.00, and they are owner 101's 3rd and 4th of
    // October (the two under v1 count too): tier 2, $120.00 x 1.5 = $180.00 each. October: $560.00.
    expect(result.lines.map((l) => [l.referralKey, l.planVersion, l.amountCents])).toEqual([
      ['V08', 1, 10000],
      ['V14', 1, 10000],
      ['V15', 2, 18000],
      ['V20', 2, 18000],
    ]);
    expect(result.lines[2]?.explanation).toBe(
      'Admission of 2026-10-15 from Mercy General: home health $120.00, Medicare fee-for-service x1.0, tier 2 x1.5 (3rd counted in October 2026) = $180.00',
    );
  });

  it('an open-ended version gives way to a higher version from its start', () => {
    const v1 = planOf({ lines: { home_health: { amountCents: 10000 } } });
    const v2 = planOf({ version: 2, effectiveFrom: '2026-10-15', lines: { home_health: { amountCents: 12000 } } });
    const result = run([v2, v1], casesOf([admitted('V14', '2026-10-14'), admitted('V15', '2026-10-15')]), local('2026-10-31', '20:00'));
    expect(result.lines.map((l) => [l.referralKey, l.planVersion, l.amountCents])).toEqual([
      ['V14', 1, 10000],
      ['V15', 2, 12000],
    ]);
  });

  it('when the counting point changes, a referral counts by the version in effect on its own counting date, or by none', () => {
    const homeHealth = { home_health: { amountCents: 10000 } };
    const v1 = planOf({ effectiveTo: '2026-10-14', countingPoint: { kind: 'first_billable_period' }, lines: homeHealth });
    const v2 = planOf({ version: 2, effectiveFrom: '2026-10-15', countingPoint: { kind: 'admitted' }, lines: homeHealth });
    const result = run(
      [v1, v2],
      casesOf([admitted('Q1', '2026-10-01'), admitted('Q2', '2026-09-10'), admitted('Q3', '2026-10-16')]),
      local('2026-11-15', '12:00'),
    );
    // Q2: SOC September 10 + 30 = October 10 (20 days to September 30, 10 more), under v1, which is in effect then.
    // Q3: SOC October 16 under v2 (v1's day 30 would be November 15, when v2 is in effect).
    // Q1: v1 would count it on October 31 (v2's time), v2 on October 1 (v1's time): neither applies.
    expect(result.lines.map((l) => [l.referralKey, l.planVersion, l.date])).toEqual([
      ['Q2', 1, '2026-10-10'],
      ['Q3', 2, '2026-10-16'],
    ]);
    expect(outcomeOf(result, 'Q1')).toMatchObject({
      status: 'ineligible',
      reason: "counted 2026-10-01 by v2's rule (admitted (start of care)), but v1 of plan liaisons was in effect that day",
    });
  });
});

describe('re-running', () => {
  it('the same input gives the same lines with the same ids, whatever the order of the cases', () => {
    // Hospice has its own clawback: one on transfer would tie hospice pay to length of stay.
    const plan = planOf({
      tiers: [{ fromCount: 2, multiplier: 1.1 }],
      clawback: { windowDays: 30, triggers: ['transfer'] },
      lines: { home_health: { amountCents: 10000 }, hospice: { amountCents: 15000, clawback: { windowDays: 30, triggers: ['non_billable'] } } },
    });
    const courses = [
      admitted('D1', '2026-10-05'),
      admitted('D2', '2026-10-05', { discharge: { date: '2026-10-20', reason: 'transferred', at: local('2026-10-20', '09:00') } }),
      admitted('D3', '2026-10-07', { line: 'hospice' }),
    ];
    const cases = casesOf(courses);
    const first = run([plan], cases, local('2026-10-31', '20:00'));
    expect(run([plan], cases, local('2026-10-31', '20:00'))).toEqual(first);
    expect(run([plan], [...cases].reverse(), local('2026-10-31', '20:00'))).toEqual(first);
    expect(new Set(first.lines.map((l) => l.id)).size).toBe(first.lines.length);
    // D1 and D2 both start on the 5th at 10:00: by key, D1 is 1st ($100.00), D2 2nd ($110.00, clawed back 15 days
    // later); D3 is 3rd: hospice $150.00 x 1.1 = $165.00.
    expect(brief(first.lines)).toEqual([
      ['2026-10', '101', 'earned', 'D1', 10000],
      ['2026-10', '101', 'earned', 'D2', 11000],
      ['2026-10', '101', 'earned', 'D3', 16500],
      ['2026-10', '101', 'clawback', 'D2', -11000],
    ]);
  });

  it('refuses input it cannot read rather than guess', () => {
    const cases = casesOf([admitted('X1', '2026-10-05')]);
    expect(() => run([planOf()], cases, '2026-10-31T12:00:00Z', { timeZone: 'Eastern' })).toThrow(/IANA time zone/);
    expect(() => run([planOf()], [...cases, ...cases], '2026-10-31T12:00:00Z')).toThrow(/given twice/);
    expect(() => run([planOf(), planOf({ id: 'other' })], cases, '2026-10-31T12:00:00Z')).toThrow(/of one plan/);
    expect(() => run([planOf()], cases, '2026-10-31T12:00:00Z', { closedPeriods: [{ period: '2026-13', lines: [] }] })).toThrow(/YYYY-MM/);
  });
});
