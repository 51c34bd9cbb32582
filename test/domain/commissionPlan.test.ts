import { checkCommissionPlan, commissionPlanSchema, type PayeeRoster, type PlanCheck } from '../../src/domain/commissionPlan';

/**
 * Commission plans and their refusal under the Anti-Kickback Statute (DESIGN.md, commissions). The agency's roster:
 * owners 101, 102 and 103 are employees (liaisons); 104 is an employed intake nurse who decides admission; 900 is
 * not an employee (a referral source's discharge planner who got a HubSpot login, say).
 */

const roster: PayeeRoster = { employees: ['101', '102', '103', '104'], admissionDeciders: ['104'] };

const plan = {
  id: 'liaisons',
  version: 1,
  effectiveFrom: '2026-01-01',
  countingPoint: { kind: 'admitted' },
  lines: { home_health: { amountCents: 10000 } },
  credit: { rule: 'company_owner' },
};

function problemsOf(check: PlanCheck) {
  if (check.ok) throw new Error('expected the plan to be refused');
  return check.problems;
}

describe('a commission plan', () => {
  it('is accepted with its defaults written out: every payer x1.0, no tiers, no clawback', () => {
    const check = checkCommissionPlan(plan, roster);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.plan.payerWeights).toEqual({
      medicare_ffs: 1,
      medicare_advantage: 1,
      medicaid_managed: 1,
      medicaid_ffs: 1,
      commercial: 1,
      va_military: 1,
      self_pay: 1,
      other: 1,
    });
    expect(check.plan.tiers).toEqual([]);
    expect(check.plan.clawback).toEqual({ windowDays: 0, triggers: [] });
  });

  it('takes settings as text (CLI) as well as numbers: weights, tiers and amounts are coerced', () => {
    const parsed = commissionPlanSchema.parse({
      ...plan,
      version: '2',
      lines: { home_health: { amountCents: '10000' } },
      payerWeights: { medicare_advantage: '0.8' },
      tiers: [{ fromCount: '11', multiplier: '1.25' }],
    });
    expect(parsed).toMatchObject({ version: 2, lines: { home_health: { amountCents: 10000 } }, tiers: [{ fromCount: 11, multiplier: 1.25 }] });
    expect(parsed.payerWeights.medicare_advantage).toBe(0.8);
  });

  it('accepts splits of 33.33 + 33.33 + 33.34: compared in hundredths, they are exactly 100', () => {
    const splits = [
      { ownerId: '101', percent: 33.33 },
      { ownerId: '102', percent: 33.33 },
      { ownerId: '103', percent: 33.34 },
    ];
    expect(checkCommissionPlan({ ...plan, credit: { rule: 'splits', splits } }, roster).ok).toBe(true);
  });

  it('refuses a malformed plan with every form problem and its path', () => {
    const problems = problemsOf(
      checkCommissionPlan(
        {
          ...plan,
          lines: { home_health: { amountCents: 100.5, perDayCents: 500 } },
          payerWeights: { commercial: 1.23456 },
          tiers: [
            { fromCount: 11, multiplier: 1.25 },
            { fromCount: 6, multiplier: 1.1 },
          ],
          credit: {
            rule: 'splits',
            splits: [
              { ownerId: '101', percent: 60 },
              { ownerId: '102', percent: 30 },
            ],
          },
        },
        roster,
      ),
    );
    expect(problems.every((p) => p.rule === 'plan_form')).toBe(true);
    expect(problems.map((p) => p.path.join('.')).sort()).toEqual([
      'credit.splits',
      'lines.home_health',
      'lines.home_health.amountCents',
      'payerWeights.commercial',
      'tiers',
    ]);
    // An amount per day of care is not a term the plan knows: it is refused as an unknown key.
    expect(problems.find((p) => p.path.join('.') === 'lines.home_health')?.message).toMatch(/perDayCents/);
    expect(problems.find((p) => p.path.join('.') === 'credit.splits')?.message).toBe('Plan form: credit.splits percentages must sum to 100');
  });

  it('refuses an end before its start (checked once the fields themselves are well formed)', () => {
    const problems = problemsOf(checkCommissionPlan({ ...plan, effectiveTo: '2025-12-31' }, roster));
    expect(problems).toEqual([{ rule: 'plan_form', path: ['effectiveTo'], message: 'Plan form: effectiveTo must be on or after effectiveFrom' }]);
  });

  it('refuses paying a non-employee, and names the bona fide employee safe harbor', () => {
    const problems = problemsOf(
      checkCommissionPlan(
        {
          ...plan,
          credit: {
            rule: 'splits',
            splits: [
              { ownerId: '101', percent: 60 },
              { ownerId: '900', percent: 40 },
            ],
          },
        },
        roster,
      ),
    );
    expect(problems).toEqual([
      {
        rule: 'aks_employees_only',
        path: ['credit', 'splits', 1, 'ownerId'],
        message:
          "Anti-Kickback Statute, bona fide employee safe harbor (42 CFR 1001.952(i)): commissions are paid only to the agency's own employees. Split payee 900 is not marked as an employee of the agency.",
      },
    ]);
  });

  it("refuses a marketer mapping that names a non-employee's owner id", () => {
    const problems = problemsOf(checkCommissionPlan({ ...plan, credit: { rule: 'marketer', marketerOwners: { 'MKT-1': '101', 'MKT-7': '900' } } }, roster));
    expect(problems.map((p) => [p.rule, p.path])).toEqual([['aks_employees_only', ['credit', 'marketerOwners', 'MKT-7']]]);
    expect(problems[0]?.message).toMatch(/^Anti-Kickback Statute, bona fide employee safe harbor.*Marketer MKT-7's owner 900 is not marked as an employee/);
  });

  it('refuses paying a clinician who decides admission, even an employed one', () => {
    const problems = problemsOf(
      checkCommissionPlan(
        {
          ...plan,
          credit: {
            rule: 'splits',
            splits: [
              { ownerId: '101', percent: 50 },
              { ownerId: '104', percent: 50 },
            ],
          },
        },
        roster,
      ),
    );
    expect(problems).toEqual([
      {
        rule: 'aks_admission_deciders',
        path: ['credit', 'splits', 1, 'ownerId'],
        message:
          'Anti-Kickback Statute: no pay for referrals to a clinician who decides whether a patient is admitted. Split payee 104 is marked as a clinician who decides admission.',
      },
    ]);
  });

  it('refuses hospice terms that depend on length of stay: retained days and a clawback when the patient leaves care', () => {
    const problems = problemsOf(
      checkCommissionPlan(
        {
          ...plan,
          countingPoint: { kind: 'retained', days: 60 },
          clawback: { windowDays: 30, triggers: ['discharge', 'non_billable'] },
          lines: { home_health: { amountCents: 10000 }, hospice: { amountCents: 15000 } },
        },
        roster,
      ),
    );
    expect(problems.map((p) => [p.rule, p.path.join('.')])).toEqual([
      ['aks_hospice_length_of_stay', 'countingPoint'],
      ['aks_hospice_length_of_stay', 'clawback.triggers'],
    ]);
    expect(problems[0]?.message).toBe(
      'Anti-Kickback Statute: hospice pay never depends on how long the patient stays. Counting hospice at "retained 60 days" pays only when the patient stays 60 days. Count hospice when the referral is received, accepted or admitted (lines.hospice.countingPoint).',
    );
    expect(problems[1]?.message).toMatch(/A clawback on discharge within 30 days takes hospice pay back when the patient's stay is short/);
  });

  it("refuses hospice's own first billable period: 30 days in care is a length of stay", () => {
    const problems = problemsOf(
      checkCommissionPlan({ ...plan, lines: { home_health: { amountCents: 10000 }, hospice: { amountCents: 15000, countingPoint: { kind: 'first_billable_period' } } } }, roster),
    );
    expect(problems.map((p) => [p.rule, p.path.join('.')])).toEqual([['aks_hospice_length_of_stay', 'lines.hospice.countingPoint']]);
    expect(problems[0]?.message).toMatch(/"first billable 30-day period" pays only when the patient stays 30 days/);
  });

  it('accepts retained days and discharge clawbacks for home health when hospice has its own terms, or is not paid at all', () => {
    const homeHealthOnly = { ...plan, countingPoint: { kind: 'retained', days: 60 }, clawback: { windowDays: 30, triggers: ['discharge', 'transfer'] } };
    expect(checkCommissionPlan(homeHealthOnly, roster).ok).toBe(true);
    const both = {
      ...homeHealthOnly,
      lines: {
        home_health: { amountCents: 10000 },
        hospice: { amountCents: 15000, countingPoint: { kind: 'admitted' }, clawback: { windowDays: 30, triggers: ['non_billable'] } },
      },
    };
    expect(checkCommissionPlan(both, roster).ok).toBe(true);
  });

  it('returns every AKS problem at once', () => {
    const problems = problemsOf(
      checkCommissionPlan(
        {
          ...plan,
          lines: { hospice: { amountCents: 15000, countingPoint: { kind: 'retained', days: 90 } } },
          credit: {
            rule: 'splits',
            splits: [
              { ownerId: '900', percent: 50 },
              { ownerId: '104', percent: 50 },
            ],
          },
        },
        roster,
      ),
    );
    expect(problems.map((p) => [p.rule, p.path.join('.')])).toEqual([
      ['aks_employees_only', 'credit.splits.0.ownerId'],
      ['aks_admission_deciders', 'credit.splits.1.ownerId'],
      ['aks_hospice_length_of_stay', 'lines.hospice.countingPoint'],
    ]);
  });
});
