import { z } from 'zod';
import { calendarDate } from './events';
import { businessLines, payerCategories, type BusinessLine, type PayerCategory } from './vocabulary';

/**
 * A commission plan (issue #8, part 1): when a referral counts, what it pays, for whom. A tenant writes its plan
 * once and changes it by adding a version with a later effectiveFrom; the engine (commissions.ts) applies, to each
 * referral, the version in effect on the day it counts.
 *
 * The plan is checked against the Anti-Kickback Statute before it is accepted (DESIGN.md, commissions): it may pay
 * only the agency's own employees (the bona fide employee safe harbor), never a clinician who decides admission,
 * and no hospice term may depend on how long the patient stays. checkCommissionPlan returns every problem at once,
 * each with its path in the plan and a message that names the rule it breaks.
 *
 * What the plan cannot express at all, so it never needs refusing: a payee who is not a HubSpot owner (a referral
 * source is a company or a contact, never an owner id), an amount per day of care, a tier counted in anything but
 * referrals.
 */

/** A HubSpot owner id: a user of the agency's portal. The only kind of payee a plan can name. */
export const ownerId = z.string().trim().regex(/^\d{1,20}$/, 'must be a HubSpot owner id (digits)');

const hasPlaces = (places: number) => (value: number) => {
  const scaled = value * 10 ** places;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
};

/** Integer cents, up to $100,000 for one referral. */
const cents = z.coerce.number().int('must be whole cents').min(0).max(10_000_000);
/** A payer weight or tier multiplier: exact to 4 decimal places, so the engine can multiply without float error. */
const factor = z.coerce.number().min(0).max(10).refine(hasPlaces(4), 'must have at most 4 decimal places');

/**
 * When a referral counts:
 * - received, accepted: the referral's own status change (accepted also when it went straight to SOC scheduled or
 *   admitted: an EHR may never send an acceptance);
 * - admitted: the start of care date (OASIS M0030);
 * - first_billable_period: 30 days after the start of care, when the patient was not discharged before that day;
 * - retained: N days after the start of care, likewise.
 */
export const countingPointSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('received') }).strict(),
  z.object({ kind: z.literal('accepted') }).strict(),
  z.object({ kind: z.literal('admitted') }).strict(),
  z.object({ kind: z.literal('first_billable_period') }).strict(),
  z.object({ kind: z.literal('retained'), days: z.coerce.number().int().min(1).max(365) }).strict(),
]);
export type CountingPoint = z.infer<typeof countingPointSchema>;

/** A home health payment period under PDGM is 30 days. */
export const FIRST_BILLABLE_PERIOD_DAYS = 30;

/** The days after the start of care a counting point waits for, for those that wait for any. */
export function daysInCareRequired(point: CountingPoint): number | undefined {
  if (point.kind === 'first_billable_period') return FIRST_BILLABLE_PERIOD_DAYS;
  if (point.kind === 'retained') return point.days;
  return undefined;
}

export function countingPointText(point: CountingPoint): string {
  switch (point.kind) {
    case 'received':
      return 'referral received';
    case 'accepted':
      return 'referral accepted';
    case 'admitted':
      return 'admitted (start of care)';
    case 'first_billable_period':
      return `first billable ${FIRST_BILLABLE_PERIOD_DAYS}-day period`;
    case 'retained':
      return `retained ${point.days} days`;
  }
}

/**
 * What takes a commission back when it happens within the window after the referral counted. The three discharge
 * triggers are disjoint, by the discharge's reason: `transfer` (to another agency or facility), `hospitalization`,
 * and `discharge` for every other reason (goals met, death, revocation, a move, other). `non_billable`: billing
 * found the admission cannot be billed.
 */
export const clawbackTriggers = ['discharge', 'transfer', 'hospitalization', 'non_billable'] as const;
export type ClawbackTrigger = (typeof clawbackTriggers)[number];

/** Triggers that fire when the patient leaves care: for hospice, a clawback on them ties pay to length of stay. */
const leavingCareTriggers: ReadonlySet<ClawbackTrigger> = new Set(['discharge', 'transfer', 'hospitalization']);

export const clawbackSchema = z
  .object({
    /** Days after the counting date (that day is day 0) in which a trigger takes the commission back, both ends included. */
    windowDays: z.coerce.number().int().min(0).max(365).default(0),
    triggers: z
      .array(z.enum(clawbackTriggers))
      .max(clawbackTriggers.length)
      .refine((list) => new Set(list).size === list.length, 'must not name a trigger twice')
      .default([]),
  })
  .strict();
export type Clawback = z.infer<typeof clawbackSchema>;

/** What a business line pays, and where it departs from the plan's counting point and clawback. */
const lineTermsSchema = z
  .object({
    amountCents: cents,
    countingPoint: countingPointSchema.optional(),
    clawback: clawbackSchema.optional(),
  })
  .strict();
export type LineTerms = z.infer<typeof lineTermsSchema>;

const linesSchema = z
  .object(Object.fromEntries(businessLines.map((line) => [line.value, lineTermsSchema.optional()])) as Record<BusinessLine, z.ZodOptional<typeof lineTermsSchema>>)
  .strict()
  .refine((lines) => Object.values(lines).some((terms) => terms !== undefined), 'must pay at least one business line');

/** Every payer category, 1.0 unless the plan says otherwise; 0 pays nothing for that payer. */
const payerWeightsSchema = z
  .object(Object.fromEntries(payerCategories.map((payer) => [payer.value, factor.default(1)])) as Record<PayerCategory, z.ZodDefault<typeof factor>>)
  .strict()
  .prefault({});

/**
 * Accelerators by count, per payee and per period: from the `fromCount`-th referral a payee has counted in the month
 * onward, the amount is multiplied by `multiplier` (the highest step reached applies). Steps are tier 2, 3, … in
 * order; tier 1 (x1.0) is everything below the first step.
 */
const tiersSchema = z
  .array(z.object({ fromCount: z.coerce.number().int().min(2).max(10_000), multiplier: factor.refine((m) => m > 0, 'must be more than 0') }).strict())
  .max(20)
  .refine((steps) => steps.every((step, i) => i === 0 || step.fromCount > (steps[i - 1]?.fromCount ?? 0)), 'steps must go up in fromCount')
  .default([]);

const percent = z.coerce.number().gt(0).max(100).refine(hasPlaces(2), 'must have at most 2 decimal places');

/**
 * Who is credited:
 * - marketer: the EHR's marketer id on the referral, mapped to an owner by `marketerOwners` here, else by the
 *   tenant's marketer mapping (the attribution the engine is given);
 * - company_owner, contact_owner: the owner of the referral source company, or of the referring clinician's contact;
 * - splits: fixed owners with fixed percentages summing to 100.
 */
export const creditSchema = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('marketer'), marketerOwners: z.record(z.string().trim().min(1).max(100), ownerId).optional() }).strict(),
  z.object({ rule: z.literal('company_owner') }).strict(),
  z.object({ rule: z.literal('contact_owner') }).strict(),
  z
    .object({
      rule: z.literal('splits'),
      splits: z
        .array(z.object({ ownerId, percent }).strict())
        .min(1)
        .max(20)
        // Compared in hundredths of a percent: 33.33 + 33.33 + 33.34 is 100 exactly, not 100.00000000000001.
        .refine((splits) => splits.reduce((sum, split) => sum + Math.round(split.percent * 100), 0) === 10_000, 'percentages must sum to 100')
        .refine((splits) => new Set(splits.map((split) => split.ownerId)).size === splits.length, 'must not name an owner twice'),
    })
    .strict(),
]);
export type Credit = z.infer<typeof creditSchema>;

export const commissionPlanSchema = z
  .object({
    /** The plan's stable id; its versions share it. */
    id: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be letters, digits, - or _ (up to 64)'),
    version: z.coerce.number().int().min(1),
    name: z.string().trim().min(1).max(200).optional(),
    /** Local dates in the tenant's zone, both included; an open end runs until a later version takes over. */
    effectiveFrom: calendarDate,
    effectiveTo: calendarDate.optional(),
    countingPoint: countingPointSchema,
    clawback: clawbackSchema.prefault({}),
    lines: linesSchema,
    payerWeights: payerWeightsSchema,
    tiers: tiersSchema,
    credit: creditSchema,
  })
  .strict()
  .refine((plan) => plan.effectiveTo === undefined || plan.effectiveTo >= plan.effectiveFrom, {
    message: 'must be on or after effectiveFrom',
    path: ['effectiveTo'],
  });
export type CommissionPlan = z.infer<typeof commissionPlanSchema>;

/** The counting point and clawback that apply to a business line: its own, else the plan's. */
export function countingPointFor(plan: CommissionPlan, line: BusinessLine): CountingPoint {
  return plan.lines[line]?.countingPoint ?? plan.countingPoint;
}

export function clawbackFor(plan: CommissionPlan, line: BusinessLine): Clawback {
  return plan.lines[line]?.clawback ?? plan.clawback;
}

/**
 * Who may be paid: the owners the tenant marks as its employees, and, among them or not, the clinicians who decide
 * whether a patient is admitted (intake nurses, medical directors), who may never be paid for referrals.
 */
export const payeeRosterSchema = z
  .object({
    employees: z.array(ownerId).default([]),
    admissionDeciders: z.array(ownerId).default([]),
  })
  .strict();
export type PayeeRoster = z.infer<typeof payeeRosterSchema>;

/** The rules a plan can break; every problem names one. */
export const planRules = {
  plan_form: 'Plan form',
  aks_employees_only:
    "Anti-Kickback Statute, bona fide employee safe harbor (42 CFR 1001.952(i)): commissions are paid only to the agency's own employees",
  aks_admission_deciders: 'Anti-Kickback Statute: no pay for referrals to a clinician who decides whether a patient is admitted',
  aks_hospice_length_of_stay: 'Anti-Kickback Statute: hospice pay never depends on how long the patient stays',
} as const;
export type PlanRule = keyof typeof planRules;

export interface PlanProblem {
  path: Array<string | number>;
  rule: PlanRule;
  /** Starts with the rule's words, then says what in the plan breaks it. */
  message: string;
}

const problem = (rule: PlanRule, path: Array<string | number>, detail: string): PlanProblem => ({
  rule,
  path,
  message: `${planRules[rule]}. ${detail}`,
});

/**
 * Why an owner cannot be paid, as problems (none when they can): not marked as an employee, or marked as a clinician
 * who decides admission (both when both). The engine asks the same for every owner it credits.
 */
export function payeeProblems(owner: string, roster: PayeeRoster, path: Array<string | number>, as: string): PlanProblem[] {
  const problems: PlanProblem[] = [];
  if (!roster.employees.includes(owner)) {
    problems.push(problem('aks_employees_only', path, `${as} ${owner} is not marked as an employee of the agency.`));
  }
  if (roster.admissionDeciders.includes(owner)) {
    problems.push(problem('aks_admission_deciders', path, `${as} ${owner} is marked as a clinician who decides admission.`));
  }
  return problems;
}

/**
 * The hospice terms that tie pay to length of stay: counting at the first billable period or after N days retained
 * (pay only if the patient lives or stays that long), and a clawback when the patient leaves care within a window
 * (pay taken back when the stay is short). A hospice clawback may be triggered by non-billable only.
 */
export function hospiceLengthOfStayProblems(plan: CommissionPlan): PlanProblem[] {
  if (!plan.lines.hospice) return [];
  const problems: PlanProblem[] = [];
  const point = countingPointFor(plan, 'hospice');
  const days = daysInCareRequired(point);
  if (days !== undefined) {
    const path = plan.lines.hospice.countingPoint ? ['lines', 'hospice', 'countingPoint'] : ['countingPoint'];
    problems.push(
      problem(
        'aks_hospice_length_of_stay',
        path,
        `Counting hospice at "${countingPointText(point)}" pays only when the patient stays ${days} days. Count hospice when the referral is received, accepted or admitted (lines.hospice.countingPoint).`,
      ),
    );
  }
  const clawback = clawbackFor(plan, 'hospice');
  const leaving = clawback.triggers.filter((trigger) => leavingCareTriggers.has(trigger));
  if (leaving.length > 0) {
    const path = plan.lines.hospice.clawback ? ['lines', 'hospice', 'clawback', 'triggers'] : ['clawback', 'triggers'];
    problems.push(
      problem(
        'aks_hospice_length_of_stay',
        path,
        `A clawback on ${leaving.join(', ')} within ${clawback.windowDays} days takes hospice pay back when the patient's stay is short. A hospice clawback may be triggered by non_billable only (lines.hospice.clawback).`,
      ),
    );
  }
  return problems;
}

export type PlanCheck = { ok: true; plan: CommissionPlan } | { ok: false; problems: PlanProblem[] };

/**
 * Parses a plan and checks it against the Anti-Kickback Statute for this tenant's roster. A plan that is not well
 * formed is refused with all its form problems (effectiveTo against effectiveFrom is compared once both fields are
 * well formed: zod runs a check across fields only then); a well-formed plan with every AKS problem at once: each named owner
 * (split payees, the plan's marketer mapping) must be an employee and not an admission decider, and no hospice term
 * may depend on length of stay. Owners credited by rule (company owner, contact owner, the tenant's marketer
 * mapping) are known only per referral: the engine checks each one it credits.
 */
export function checkCommissionPlan(input: unknown, roster: PayeeRoster): PlanCheck {
  const parsed = commissionPlanSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        rule: 'plan_form',
        path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
        message: `${planRules.plan_form}: ${issue.path.join('.') || 'plan'} ${issue.message}`,
      })),
    };
  }
  const plan = parsed.data;
  const problems: PlanProblem[] = [];
  if (plan.credit.rule === 'splits') {
    plan.credit.splits.forEach((split, i) => problems.push(...payeeProblems(split.ownerId, roster, ['credit', 'splits', i, 'ownerId'], 'Split payee')));
  }
  if (plan.credit.rule === 'marketer') {
    for (const [marketerId, owner] of Object.entries(plan.credit.marketerOwners ?? {})) {
      problems.push(...payeeProblems(owner, roster, ['credit', 'marketerOwners', marketerId], `Marketer ${marketerId}'s owner`));
    }
  }
  problems.push(...hospiceLengthOfStayProblems(plan));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plan };
}
