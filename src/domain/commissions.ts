import { DateTime, IANAZone } from 'luxon';
import {
  clawbackFor,
  countingPointFor,
  countingPointText,
  daysInCareRequired,
  hospiceLengthOfStayProblems,
  payeeProblems,
  type ClawbackTrigger,
  type CommissionPlan,
  type CountingPoint,
  type PayeeRoster,
} from './commissionPlan';
import type { AdmissionState, ReferralState } from './referralLifecycle';
import { defaultNonAdmitVocabulary, nonAdmitTerms, type NonAdmitVocabulary } from './nonAdmitReasons';
import { businessLines, payerCategories, type BusinessLine, type CommissionStatus } from './vocabulary';

/**
 * The commission engine (issue #8, part 2): from referrals and admissions as derived now, who owns them, the plan's
 * versions, the tenant's zone and the periods already closed, to commission lines per payee per period, and where
 * each referral stands. Pure and deterministic: the same input gives the same lines with the same ids, so it is run
 * again whenever anything changes, and its lines replace the open periods' lines.
 *
 * The rules, in the order they apply:
 * - A referral counts on its plan's counting point (commissionPlan.ts), as a local date in the tenant's zone; its
 *   period is that date's month (YYYY-MM). The version in effect on the counting date applies: of the versions, the
 *   one whose own counting point falls on a day it is in effect (the highest version number when several are in
 *   effect that day); of several such, the earliest counting date. A version change can leave a referral counting
 *   under none (a later counting point under a version that had ended): it is ineligible, and says why.
 * - A date-based counting point (first billable period, retained) counts only once that date is reached at `asOf`.
 * - Credit goes to the owners of the plan's credit rule. Each one is checked against the roster when it is credited:
 *   an owner who is not an employee, or who decides admission, is not paid (AKS, commissionPlan.ts); the others
 *   keep their own share, which is not shared out again.
 * - Tiers count per payee per period: the payee's referrals counted in the month, in counting order (date, then
 *   time when known, then referral key), each counting once for each payee credited on it, clawed back or not; the
 *   n-th takes the multiplier of the highest step n has reached in its own plan version.
 * - Amount = line amount x payer weight x tier multiplier x share, in integer cents, rounded half away from zero,
 *   once per line (a 50/50 split of an odd amount pays each half rounded up: one cent more than the whole).
 * - Clawback: a trigger of the plan's clawback on the day of counting or up to windowDays days after it takes each
 *   payee's line back in full, as a negative line in the month the trigger became known (its status change in the
 *   EHR, or billing's finding), never a month before the line was earned. The window runs from the day it happened
 *   (a discharge's date); a discharge cancelled in the EHR no longer triggers anything.
 * - Closed periods: every month up to the latest closed one is closed; a month skipped was closed with nothing
 *   issued. Lines issued in closed periods come out exactly as they were. For each line key (referral, payee, earned
 *   or clawback), what the facts now call for is compared with what the closed periods issued; any difference is
 *   a correction in the first open period (the month after the latest closed one). A key never issued whose period
 *   is open is simply its line. Referrals not among the cases keep their issued lines untouched.
 */

/** Owner ids from source attribution (src/domain/attribution.ts), per referral. */
export interface CaseOwners {
  companyOwnerId?: string;
  contactOwnerId?: string;
  /** The owner the tenant's marketer mapping gives the referral's EHR marketer. */
  marketerOwnerId?: string;
}

export interface CommissionCase {
  referral: ReferralState;
  /** The referral's admission (referral.admissionKey), when it has one. */
  admission?: AdmissionState;
  owners: CaseOwners;
  /** The source as the CRM names it; the EHR's name when absent. */
  sourceName?: string;
  /** When billing found the admission cannot be billed, and why (event admission.non_billable, from billing's feed). */
  nonBillable?: { at: string; reason: string };
}

export type CommissionLineKind = 'earned' | 'clawback' | 'correction';

export interface CommissionLine {
  /** Stable: `<key>:<period>`, or `correction:<key>:<period>`. */
  id: string;
  /** What the line is about, the same in every period: `earned|clawback:<referralKey>:<ownerId>`. */
  key: string;
  kind: CommissionLineKind;
  /** YYYY-MM, the local month. */
  period: string;
  payeeOwnerId: string;
  amountCents: number;
  referralKey: string;
  admissionKey?: string;
  planId: string;
  planVersion: number;
  /** The local date of what the line is for: the counting date, or the date of the clawback's trigger. */
  date: string;
  explanation: string;
}

export interface ClosedPeriod {
  /** YYYY-MM. */
  period: string;
  /** The lines issued in it, as the engine gave them when it was closed. */
  lines: readonly CommissionLine[];
}

export interface CommissionOutcome {
  referralKey: string;
  admissionKey?: string;
  status: CommissionStatus;
  reason: string;
  planId?: string;
  planVersion?: number;
  countingDate?: string;
  /** The month it counted in. */
  period?: string;
  payeeOwnerIds: string[];
  /** What the facts call for now, net of any clawback, across payees. */
  amountCents: number;
}

export interface CommissionInput {
  /** The versions of one plan, each accepted by checkCommissionPlan. */
  planVersions: readonly CommissionPlan[];
  roster: PayeeRoster;
  cases: readonly CommissionCase[];
  /** IANA, e.g. 'America/New_York'. */
  timeZone: string;
  /** The moment of the run: date-based counting points count once reached, triggers once known. */
  asOf: Date;
  closedPeriods: readonly ClosedPeriod[];
  /** The tenant's non-admit reasons, for the words of a referral that will never count; the defaults when not given. */
  nonAdmitReasons?: NonAdmitVocabulary;
}

export interface CommissionRun {
  /** Closed periods' lines as issued, open periods' lines, corrections; by period, payee, date, then counting order. */
  lines: CommissionLine[];
  /** One per case, by referral key. */
  outcomes: CommissionOutcome[];
}

// ---------------------------------------------------------------------------------------------------------------
// Dates, periods and money

/** A period is a local month, YYYY-MM. */
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

function localDate(instant: string | Date, zone: string): string {
  const time = typeof instant === 'string' ? DateTime.fromISO(instant, { zone }) : DateTime.fromJSDate(instant, { zone });
  if (!time.isValid) throw new RangeError(`an instant must be ISO 8601 with its offset, got '${String(instant)}'`);
  return time.toFormat('yyyy-MM-dd');
}

const day = (date: string) => DateTime.fromISO(date, { zone: 'utc' });
const addDays = (date: string, days: number) => day(date).plus({ days }).toFormat('yyyy-MM-dd');
const daysFrom = (from: string, to: string) => Math.round(day(to).diff(day(from), 'days').days);
const periodOf = (date: string) => date.slice(0, 7);
export const nextPeriod = (period: string) => day(`${period}-01`).plus({ months: 1 }).toFormat('yyyy-MM');
const monthText = (period: string) => day(`${period}-01`).toFormat('LLLL yyyy');

/** "$1,250.00", "-$125.00". */
export function formatCents(cents: number): string {
  const abs = Math.abs(cents);
  const dollars = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

const signedCents = (cents: number) => (cents > 0 ? `+${formatCents(cents)}` : formatCents(cents));
/** "x1.0", "x1.25", "x0.8". */
const times = (factor: number) => `x${Number.isInteger(factor) ? factor.toFixed(1) : String(factor)}`;
const ordinal = (n: number) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
};
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
/** By code units, not by locale: the order (and so a tier's n-th) must not change with the server's locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function roundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = (2n * magnitude + denominator) / (2n * denominator);
  return negative ? -rounded : rounded;
}

/**
 * cents x weight x multiplier x percent / 100, exactly: weights and multipliers have at most 4 decimal places and
 * percentages 2 (the plan schema's limits), so all four are integers once scaled, and BigInt keeps the product exact.
 */
export function commissionCents(cents: number, weight: number, multiplier: number, percent: number): number {
  const scaled = (value: number, places: number) => BigInt(Math.round(value * 10 ** places));
  const numerator = BigInt(cents) * scaled(weight, 4) * scaled(multiplier, 4) * scaled(percent, 2);
  return Number(roundHalfAwayFromZero(numerator, 10n ** 12n));
}

// ---------------------------------------------------------------------------------------------------------------
// Words

const lineWords = (line: BusinessLine) => businessLines.find((l) => l.value === line)?.label.toLowerCase() ?? line;
const payerWords = (payer: string | undefined) =>
  payer === undefined ? 'payer not recorded' : (payerCategories.find((p) => p.value === payer)?.label ?? payer);
const statusWords: Record<CommissionStatus, string> = {
  not_yet_eligible: 'not yet eligible',
  earned: 'earned',
  clawed_back: 'clawed back',
  ineligible: 'ineligible',
};
const dischargeWords: Record<NonNullable<AdmissionState['dischargeReason']>, string> = {
  goals_met: 'discharged (goals met)',
  transferred: 'transferred',
  hospitalized: 'hospitalized',
  expired: 'discharged (expired)',
  revoked: 'discharged (revoked)',
  moved: 'discharged (moved)',
  other: 'discharged',
};

// ---------------------------------------------------------------------------------------------------------------
// When a referral counts

type Counting =
  | { state: 'counted'; date: string; at: number | undefined; what: string }
  | { state: 'pending'; reason: string }
  | { state: 'never'; reason: string };

/** Why a referral that has not reached its counting point will never reach it, or what it waits for. */
function notThere(referral: ReferralState, waitingFor: string, nonAdmitReasons: NonAdmitVocabulary): Counting {
  if (referral.status === 'non_admitted') {
    const reason = referral.nonAdmitReason === undefined ? undefined : nonAdmitTerms(nonAdmitReasons, referral.nonAdmitReason).label.toLowerCase();
    return { state: 'never', reason: `not admitted${reason ? ` (${reason})` : ''}` };
  }
  if (referral.status === 'cancelled') {
    return { state: 'never', reason: `cancelled${referral.cancelledBy === 'source' ? ' by the source' : referral.cancelledBy === 'agency' ? ' by the agency' : ''}` };
  }
  return { state: 'pending', reason: waitingFor };
}

interface Trigger {
  trigger: ClawbackTrigger;
  /** When it happened (a discharge's date), local. */
  date: string;
  /** When it became known: the instant of the status change, or of billing's finding. */
  knownAt: string;
  words: string;
}

/**
 * The discharge that stands now, if any: a discharge cancelled in the EHR (ADT A13) returned the admission to
 * active and no longer counts. It became known with the first status change after the admission was last active.
 */
function standingDischarge(admission: AdmissionState, zone: string): Trigger | undefined {
  if (admission.status !== 'discharged' && admission.status !== 'transferred' && admission.status !== 'expired') return undefined;
  const first = admission.history[admission.history.findLastIndex((change) => change.status === 'active') + 1];
  if (!first) return undefined;
  const reason = admission.dischargeReason ?? 'other';
  return {
    trigger: reason === 'transferred' ? 'transfer' : reason === 'hospitalized' ? 'hospitalization' : 'discharge',
    date: admission.dischargeDate ?? localDate(first.at, zone),
    knownAt: first.at,
    words: dischargeWords[reason],
  };
}

function countingEvent(c: CommissionCase, point: CountingPoint, zone: string, nonAdmitReasons: NonAdmitVocabulary): Counting {
  const { referral, admission } = c;
  switch (point.kind) {
    case 'received': {
      const at = referral.facts.receivedAt ?? referral.history[0]?.at;
      if (!at) return { state: 'pending', reason: 'no time of receipt recorded' };
      const date = localDate(at, zone);
      return { state: 'counted', date, at: Date.parse(at), what: `referral received ${date}` };
    }
    case 'accepted': {
      // An EHR may go straight to SOC scheduled or admitted without an acceptance: either means it was accepted.
      const change = referral.history.find((h) => h.status === 'accepted' || h.status === 'soc_scheduled' || h.status === 'admitted');
      if (!change) return notThere(referral, 'not accepted yet', nonAdmitReasons);
      const date = localDate(change.at, zone);
      return { state: 'counted', date, at: Date.parse(change.at), what: `referral accepted ${date}` };
    }
    case 'admitted':
    case 'first_billable_period':
    case 'retained': {
      const soc = admission?.socDate;
      if (referral.status !== 'admitted' || !admission || admission.status === 'cancelled' || !soc) return notThere(referral, 'not admitted yet', nonAdmitReasons);
      const admitted = `admission of ${soc}`;
      const days = daysInCareRequired(point);
      if (days === undefined) {
        // OASIS M0030 is the agency's local date; the first visit only orders starts of care on the same day.
        const at = admission.firstVisitAt ?? admission.history.find((h) => h.status === 'active')?.at;
        return { state: 'counted', date: soc, at: at ? Date.parse(at) : undefined, what: admitted };
      }
      const date = addDays(soc, days);
      const discharge = standingDischarge(admission, zone);
      if (discharge && discharge.date < date) {
        return { state: 'never', reason: `${discharge.words} ${discharge.date}, before ${countingPointText(point)} (${date}, ${days} days after the start of care of ${soc})` };
      }
      const what = point.kind === 'retained' ? `${days} days retained on ${date} (${admitted})` : `first ${days}-day period complete on ${date} (${admitted})`;
      return { state: 'counted', date, at: undefined, what };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Versions, payees, the decision per referral

/** Highest version first, so the first one in effect on a day is the one that applies. */
function orderVersions(versions: readonly CommissionPlan[]): CommissionPlan[] {
  const ids = new Set(versions.map((v) => v.id));
  if (ids.size > 1) throw new RangeError(`plan versions must be of one plan, got plans ${[...ids].join(', ')}`);
  const numbers = versions.map((v) => v.version);
  if (new Set(numbers).size !== numbers.length) throw new RangeError(`plan versions must be numbered once each, got ${numbers.join(', ')}`);
  return [...versions].sort((a, b) => b.version - a.version);
}

function versionInEffect(versions: readonly CommissionPlan[], date: string): CommissionPlan | undefined {
  return versions.find((v) => v.effectiveFrom <= date && (v.effectiveTo === undefined || date <= v.effectiveTo));
}

interface Credited {
  ownerId: string;
  percent: number;
  as: string;
}

function creditedOwners(plan: CommissionPlan, c: CommissionCase): { owners: Credited[]; nobody?: string } {
  const credit = plan.credit;
  switch (credit.rule) {
    case 'marketer': {
      const marketerId = c.referral.facts.marketerId;
      if (!marketerId) return { owners: [], nobody: 'the EHR names no marketer' };
      const mapped = credit.marketerOwners && Object.hasOwn(credit.marketerOwners, marketerId) ? credit.marketerOwners[marketerId] : undefined;
      const owner = mapped ?? c.owners.marketerOwnerId;
      if (!owner) return { owners: [], nobody: `marketer ${marketerId} is mapped to no owner` };
      return { owners: [{ ownerId: owner, percent: 100, as: `Marketer ${marketerId}'s owner` }] };
    }
    case 'company_owner':
      return c.owners.companyOwnerId
        ? { owners: [{ ownerId: c.owners.companyOwnerId, percent: 100, as: 'The source company owner' }] }
        : { owners: [], nobody: 'the referral source company has no owner' };
    case 'contact_owner':
      return c.owners.contactOwnerId
        ? { owners: [{ ownerId: c.owners.contactOwnerId, percent: 100, as: 'The referring contact owner' }] }
        : { owners: [], nobody: 'the referring clinician contact has no owner' };
    case 'splits':
      return { owners: credit.splits.map((split) => ({ ownerId: split.ownerId, percent: split.percent, as: 'Split payee' })) };
  }
}

interface Counted {
  case: CommissionCase;
  plan: CommissionPlan;
  line: BusinessLine;
  date: string;
  at: number | undefined;
  what: string;
  source: string;
  payees: Credited[];
  /** Why a credited owner is not paid. */
  unpaid: string[];
  weight: number;
}

type Decision = { counted: Counted } | { outcome: Omit<CommissionOutcome, 'referralKey' | 'admissionKey'> };

const notCounted = (status: CommissionStatus, reason: string, plan?: CommissionPlan): Decision => ({
  outcome: { status, reason, payeeOwnerIds: [], amountCents: 0, ...(plan ? { planId: plan.id, planVersion: plan.version } : {}) },
});

function decide(
  c: CommissionCase,
  versions: readonly CommissionPlan[],
  roster: PayeeRoster,
  zone: string,
  asOfDate: string,
  nonAdmitReasons: NonAdmitVocabulary,
): Decision {
  const line = c.referral.facts.businessLine;
  if (!line) return notCounted('ineligible', 'business line not recorded');
  // A hospice term tied to length of stay is never applied, even from a plan that slipped past checkCommissionPlan.
  const usable = (plan: CommissionPlan) => plan.lines[line] !== undefined && (line !== 'hospice' || hospiceLengthOfStayProblems(plan).length === 0);

  let chosen: { plan: CommissionPlan; counting: Extract<Counting, { state: 'counted' }> } | undefined;
  for (const plan of versions) {
    if (!usable(plan)) continue;
    const counting = countingEvent(c, countingPointFor(plan, line), zone, nonAdmitReasons);
    if (counting.state !== 'counted' || counting.date > asOfDate || versionInEffect(versions, counting.date) !== plan) continue;
    if (!chosen || counting.date < chosen.counting.date) chosen = { plan, counting };
  }

  if (!chosen) {
    // Say why by the version in effect now (else the newest): the plan the agency runs today.
    const plan = versionInEffect(versions, asOfDate) ?? versions[0];
    if (!plan) return notCounted('ineligible', 'no commission plan');
    const terms = plan.lines[line];
    if (!terms) return notCounted('ineligible', `plan ${plan.id} v${plan.version} pays nothing for ${lineWords(line)}`, plan);
    if (!usable(plan)) return notCounted('ineligible', hospiceLengthOfStayProblems(plan).map((p) => p.message).join(' '), plan);
    const point = countingPointFor(plan, line);
    const counting = countingEvent(c, point, zone, nonAdmitReasons);
    if (counting.state === 'never') return notCounted('ineligible', counting.reason, plan);
    if (counting.state === 'pending') return notCounted('not_yet_eligible', counting.reason, plan);
    if (counting.date > asOfDate) {
      const inCare = daysInCareRequired(point) !== undefined ? ', if the patient is still in care' : '';
      return notCounted('not_yet_eligible', `counts on ${counting.date}${inCare}`, plan);
    }
    const then = versionInEffect(versions, counting.date);
    return notCounted(
      'ineligible',
      `counted ${counting.date} by v${plan.version}'s rule (${countingPointText(point)}), but ${then ? `v${then.version}` : 'no version'} of plan ${plan.id} was in effect that day`,
      plan,
    );
  }

  const { plan, counting } = chosen;
  const credited = creditedOwners(plan, c);
  if (credited.owners.length === 0) return notCounted('ineligible', `nobody to credit: ${credited.nobody ?? 'no owner'}`, plan);
  const payees: Credited[] = [];
  const unpaid: string[] = [];
  for (const owner of credited.owners) {
    const problems = payeeProblems(owner.ownerId, roster, [], owner.as);
    if (problems.length === 0) payees.push(owner);
    else unpaid.push(...problems.map((p) => p.message));
  }
  if (payees.length === 0) return notCounted('ineligible', unpaid.join(' '), plan);
  const payer = c.referral.facts.payerCategory;
  const weight = payer ? plan.payerWeights[payer] : 1;
  if (weight === 0) return notCounted('ineligible', `plan ${plan.id} v${plan.version} weighs ${payerWords(payer)} ${times(0)}`, plan);
  const source = c.sourceName ?? c.referral.facts.referringOrganization?.name ?? 'a source not recorded';
  return { counted: { case: c, plan, line, date: counting.date, at: counting.at, what: counting.what, source, payees, unpaid, weight } };
}

// ---------------------------------------------------------------------------------------------------------------
// Lines

/** Counting date, then time when known (a date-only count after the timed ones of its day), then referral key. */
const compareCounting = (a: Counted, b: Counted) =>
  byText(a.date, b.date) ||
  (a.at ?? Number.MAX_SAFE_INTEGER) - (b.at ?? Number.MAX_SAFE_INTEGER) ||
  byText(a.case.referral.referralKey, b.case.referral.referralKey);

function tierOf(plan: CommissionPlan, n: number): { tier: number; multiplier: number } {
  let tier = { tier: 1, multiplier: 1 };
  plan.tiers.forEach((step, i) => {
    if (n >= step.fromCount) tier = { tier: i + 2, multiplier: step.multiplier };
  });
  return tier;
}

function lineOf(item: Counted, kind: 'earned' | 'clawback', payee: string, period: string, date: string, amountCents: number, explanation: string): CommissionLine {
  const key = `${kind}:${item.case.referral.referralKey}:${payee}`;
  return {
    id: `${key}:${period}`,
    key,
    kind,
    period,
    payeeOwnerId: payee,
    amountCents,
    referralKey: item.case.referral.referralKey,
    ...(item.case.admission ? { admissionKey: item.case.admission.admissionKey } : {}),
    planId: item.plan.id,
    planVersion: item.plan.version,
    date,
    explanation,
  };
}

/** Each payee's counted referrals of a month in counting order: the n-th takes its version's tier for n. */
function earnedLines(counted: readonly Counted[]): Map<Counted, CommissionLine[]> {
  const groups = new Map<string, Array<{ item: Counted; payee: Credited }>>();
  for (const item of counted) {
    for (const payee of item.payees) {
      const group = `${payee.ownerId}|${periodOf(item.date)}`;
      const members = groups.get(group) ?? [];
      members.push({ item, payee });
      groups.set(group, members);
    }
  }
  const lines = new Map<Counted, CommissionLine[]>();
  for (const members of groups.values()) {
    members.sort((a, b) => compareCounting(a.item, b.item));
    members.forEach(({ item, payee }, i) => {
      const { plan } = item;
      const base = plan.lines[item.line]?.amountCents ?? 0;
      const { tier, multiplier } = tierOf(plan, i + 1);
      const amount = commissionCents(base, item.weight, multiplier, payee.percent);
      const period = periodOf(item.date);
      const terms = [
        `${lineWords(item.line)} ${formatCents(base)}`,
        `${payerWords(item.case.referral.facts.payerCategory)} ${times(item.weight)}`,
        ...(plan.tiers.length > 0 ? [`tier ${tier} ${times(multiplier)} (${ordinal(i + 1)} counted in ${monthText(period)})`] : []),
        ...(payee.percent !== 100 ? [`${payee.percent}% split`] : []),
      ];
      const explanation = `${capitalized(item.what)} from ${item.source}: ${terms.join(', ')} = ${formatCents(amount)}`;
      const ofItem = lines.get(item) ?? [];
      ofItem.push(lineOf(item, 'earned', payee.ownerId, period, item.date, amount, explanation));
      lines.set(item, ofItem);
    });
  }
  return lines;
}

/** The first trigger of the plan's clawback within its window that is known at asOf, if any. */
function clawbackTrigger(item: Counted, zone: string, asOf: Date): Trigger | undefined {
  const { windowDays, triggers } = clawbackFor(item.plan, item.line);
  const candidates: Trigger[] = [];
  const discharge = item.case.admission ? standingDischarge(item.case.admission, zone) : undefined;
  if (discharge) candidates.push(discharge);
  const nonBillable = item.case.nonBillable;
  if (nonBillable) {
    candidates.push({ trigger: 'non_billable', date: localDate(nonBillable.at, zone), knownAt: nonBillable.at, words: `found not billable (${nonBillable.reason})` });
  }
  return candidates
    .filter((t) => triggers.includes(t.trigger) && Date.parse(t.knownAt) <= asOf.getTime())
    .filter((t) => {
      const days = daysFrom(item.date, t.date);
      return days >= 0 && days <= windowDays;
    })
    .sort((a, b) => Date.parse(a.knownAt) - Date.parse(b.knownAt))[0];
}

/** The month the trigger became known, and never before the month the line it takes back was earned in. */
function clawbackPeriod(item: Counted, trigger: Trigger, zone: string): string {
  const known = periodOf(localDate(trigger.knownAt, zone));
  const earned = periodOf(item.date);
  return known > earned ? known : earned;
}

function clawbackLines(item: Counted, earned: readonly CommissionLine[], trigger: Trigger, zone: string): CommissionLine[] {
  const period = clawbackPeriod(item, trigger, zone);
  const days = daysFrom(item.date, trigger.date);
  const { windowDays } = clawbackFor(item.plan, item.line);
  return earned.map((line) =>
    lineOf(
      item,
      'clawback',
      line.payeeOwnerId,
      period,
      trigger.date,
      -line.amountCents,
      `Clawback of the ${item.what} from ${item.source}: ${trigger.words} ${trigger.date}, ${days} day${days === 1 ? '' : 's'} after it counted, within the ${windowDays}-day window = ${formatCents(-line.amountCents)}`,
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Closed periods

interface Books {
  /** The latest closed period: it and every month before it are closed. */
  closedThrough: string | undefined;
  issued: CommissionLine[];
}

function readBooks(closed: readonly ClosedPeriod[]): Books {
  const issued: CommissionLine[] = [];
  let closedThrough: string | undefined;
  for (const { period, lines } of closed) {
    if (!PERIOD.test(period)) throw new RangeError(`a period must be YYYY-MM, got '${period}'`);
    for (const line of lines) {
      if (line.period !== period) throw new RangeError(`line ${line.id} is of ${line.period}, not of the closed period ${period}`);
      issued.push(line);
    }
    if (closedThrough === undefined || period > closedThrough) closedThrough = period;
  }
  return { closedThrough, issued };
}

/**
 * The run's lines: issued lines as they were, open periods' lines, and for each key where the closed periods issued
 * something other than what the facts now call for, one correction in the first open period.
 */
function settle(desired: readonly CommissionLine[], books: Books, outcomes: ReadonlyMap<string, CommissionOutcome>): CommissionLine[] {
  const { closedThrough } = books;
  if (closedThrough === undefined) return [...desired];
  const firstOpen = nextPeriod(closedThrough);
  const issued = new Map<string, CommissionLine[]>();
  for (const line of books.issued) {
    const ofKey = issued.get(line.key) ?? [];
    ofKey.push(line);
    issued.set(line.key, ofKey);
  }
  const wanted = new Map(desired.map((line) => [line.key, line]));

  const lines = [...books.issued];
  for (const key of [...new Set([...wanted.keys(), ...issued.keys()])].sort(byText)) {
    const now = wanted.get(key);
    const before = (issued.get(key) ?? []).sort((a, b) => byText(a.period, b.period) || byText(a.id, b.id));
    const last = before[before.length - 1];
    if (!last) {
      if (now && now.period > closedThrough) {
        lines.push(now);
        continue;
      }
    }
    const like = now ?? last;
    if (!like) continue;
    const outcome = outcomes.get(like.referralKey);
    // Only the referrals of this run are judged: a line of a referral left out stays as it was issued.
    if (!outcome) continue;
    const issuedCents = before.reduce((sum, line) => sum + line.amountCents, 0);
    const correction = (now?.amountCents ?? 0) - issuedCents;
    if (correction === 0) continue;
    let explanation: string;
    if (!last && now) explanation = `Late for ${now.period}, which is closed: ${now.explanation}`;
    else if (last && now) explanation = `Correction: ${now.explanation}; ${formatCents(issuedCents)} issued through ${last.period}, so ${signedCents(correction)}`;
    else explanation = `Reversal: ${last?.explanation ?? key}, issued through ${last?.period ?? ''}, no longer holds (now ${statusWords[outcome.status]}: ${outcome.reason}): ${signedCents(correction)}`;
    lines.push({ ...like, id: `correction:${key}:${firstOpen}`, kind: 'correction', period: firstOpen, amountCents: correction, explanation });
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------

export function computeCommissions(input: CommissionInput): CommissionRun {
  const zone = input.timeZone;
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`timeZone must be an IANA time zone such as 'America/New_York', got '${zone}'`);
  if (Number.isNaN(input.asOf.getTime())) throw new RangeError('asOf must be a valid Date');
  const versions = orderVersions(input.planVersions);
  const books = readBooks(input.closedPeriods);
  const asOfDate = localDate(input.asOf, zone);

  const cases = [...input.cases].sort((a, b) => byText(a.referral.referralKey, b.referral.referralKey));
  cases.forEach((c, i) => {
    if (i > 0 && cases[i - 1]?.referral.referralKey === c.referral.referralKey) throw new RangeError(`referral ${c.referral.referralKey} is given twice`);
  });

  const outcomes = new Map<string, CommissionOutcome>();
  const counted: Counted[] = [];
  for (const c of cases) {
    const decision = decide(c, versions, input.roster, zone, asOfDate, input.nonAdmitReasons ?? defaultNonAdmitVocabulary);
    if ('counted' in decision) counted.push(decision.counted);
    else {
      outcomes.set(c.referral.referralKey, {
        referralKey: c.referral.referralKey,
        ...(c.admission ? { admissionKey: c.admission.admissionKey } : {}),
        ...decision.outcome,
      });
    }
  }

  // In counting order, so that lines of the same day read in the order they counted (the 10th before the 11th).
  counted.sort(compareCounting);
  const desired: CommissionLine[] = [];
  const earnedByCase = earnedLines(counted);
  for (const item of counted) {
    const earned = earnedByCase.get(item) ?? [];
    const trigger = clawbackTrigger(item, zone, input.asOf);
    const clawedBack = trigger ? clawbackLines(item, earned, trigger, zone) : [];
    desired.push(...earned, ...clawedBack);
    const { windowDays, triggers } = clawbackFor(item.plan, item.line);
    const windowEnd = addDays(item.date, windowDays);
    const reason = trigger
      ? `clawed back in ${clawbackPeriod(item, trigger, zone)}: ${trigger.words} ${trigger.date}`
      : [
          `counted ${item.date} (${item.what}) under plan ${item.plan.id} v${item.plan.version}`,
          ...(triggers.length > 0 && windowEnd >= asOfDate ? [`clawback window open until ${windowEnd}`] : []),
          ...item.unpaid,
        ].join('; ');
    outcomes.set(item.case.referral.referralKey, {
      referralKey: item.case.referral.referralKey,
      ...(item.case.admission ? { admissionKey: item.case.admission.admissionKey } : {}),
      status: trigger ? 'clawed_back' : 'earned',
      reason,
      planId: item.plan.id,
      planVersion: item.plan.version,
      countingDate: item.date,
      period: periodOf(item.date),
      payeeOwnerIds: item.payees.map((p) => p.ownerId),
      amountCents: [...earned, ...clawedBack].reduce((sum, line) => sum + line.amountCents, 0),
    });
  }

  // A stable sort: within a day, closed lines keep the order they were issued in, open ones their counting order.
  const lines = settle(desired, books, outcomes).sort((a, b) => byText(a.period, b.period) || byText(a.payeeOwnerId, b.payeeOwnerId) || byText(a.date, b.date));
  return { lines, outcomes: [...outcomes.values()].sort((a, b) => byText(a.referralKey, b.referralKey)) };
}
