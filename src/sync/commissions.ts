import { nonAdmitReasonsOf } from '../config/tenantSettings';
import { DateTime } from 'luxon';
import { checkCommissionPlan, payeeRosterSchema, type PayeeRoster, type PlanProblem } from '../domain/commissionPlan';
import { computeCommissions, formatCents, nextPeriod, PERIOD, type CommissionCase, type CommissionLine, type CommissionOutcome } from '../domain/commissions';
import { CommissionStore, type NamedCommissionLine, type StoredCase } from '../store/commissionStore';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import type { SyncQueue } from '../store/syncQueue';
import type { Tenant } from '../store/tenants';
import { referralNameOf } from './records';

/**
 * Commissions in the sync (issue #8, parts 1 and 3): the tenant's plan and roster are kept in PostgreSQL; the engine
 * (src/domain/commissions.ts) is run on every referral with its admission and owners; the open periods' lines are
 * kept for statements; each admission's commission properties are kept beside its outcome, and an admission whose
 * properties changed is queued for the admission sync, which writes them with the record's other properties (so
 * HubSpot gets them only when they changed, 100 records per call).
 *
 * A run is cheap to repeat and runs under the tenant's advisory lock, so one process does it at a time: after
 * referrals, admissions, their owners, the plan or the roster change, and once a day (the server looks every minute:
 * recomputeCommissionsIfChanged), and on `referralynx commissions run`.
 */

const store = new CommissionStore();

/** The commission properties of Admission records (src/hubspot/dataModel.ts). */
export const COMMISSION_PROPERTIES = [
  'rlx_commission_status',
  'rlx_commission_reason',
  'rlx_commission_amount',
  'rlx_commission_payee',
  'rlx_commission_split',
  'rlx_commission_period',
  'rlx_commission_plan_id',
  'rlx_commission_plan_version',
] as const;

/** HubSpot text properties hold far more; a reason is a sentence or two, and a report column should stay readable. */
const REASON_MAX = 1000;

/** "125.00", "-12.50": dollars with two decimals, as a currency property and a CSV take them. */
export const dollars = (cents: number) => formatCents(cents).replace(/[$,]/g, '');

/**
 * An admission's commission properties from where its referral stands and the run's lines. Amount is what the
 * admission pays now across its payees (net of a clawback: 0.00 once clawed back), in dollars; blank when it has not
 * counted. A split credit names the payee with the largest share (the first of the plan's on a tie) and lists every
 * payee's share in rlx_commission_split: "71000101 $60.00; 71000102 $40.00". Per-payee payroll is the statement's.
 */
export function toCommissionProperties(outcome: CommissionOutcome, lines: readonly CommissionLine[]): Record<string, string> {
  const counted = outcome.status === 'earned' || outcome.status === 'clawed_back';
  const earned = new Map<string, number>();
  for (const line of lines) {
    if (line.referralKey !== outcome.referralKey || !line.key.startsWith('earned:')) continue;
    earned.set(line.payeeOwnerId, (earned.get(line.payeeOwnerId) ?? 0) + line.amountCents);
  }
  const shares = outcome.payeeOwnerIds.map((ownerId) => ({ ownerId, cents: earned.get(ownerId) ?? 0 }));
  const largest = shares.reduce<(typeof shares)[number] | undefined>((best, share) => (!best || share.cents > best.cents ? share : best), undefined);
  return {
    rlx_commission_status: outcome.status,
    rlx_commission_reason: outcome.reason.length > REASON_MAX ? `${outcome.reason.slice(0, REASON_MAX - 1)}…` : outcome.reason,
    rlx_commission_amount: counted ? dollars(outcome.amountCents) : '',
    rlx_commission_payee: counted ? (largest?.ownerId ?? '') : '',
    rlx_commission_split: counted && shares.length > 1 ? shares.map((s) => `${s.ownerId} $${dollars(s.cents)}`).join('; ') : '',
    rlx_commission_period: outcome.period ?? '',
    rlx_commission_plan_id: outcome.planId ?? '',
    rlx_commission_plan_version: outcome.planVersion === undefined ? '' : String(outcome.planVersion),
  };
}

/**
 * The commission properties of these admissions for the admission sync: each one's as last computed; blank for an
 * admission that is no longer its referral's (cancelled, or another admission took its place) once the referral's
 * commissions were computed, so the record stops saying it earned anything and payroll reports do not count it twice.
 * Admissions of a tenant without a plan get none, and their records are left as they are.
 */
export async function admissionCommissionProperties(
  queryable: PoolClient | Pool,
  tenantId: Tenant['tenantId'],
  admissions: ReadonlyArray<{ admissionKey: string; referralKey?: string }>,
): Promise<Map<string, Record<string, string>>> {
  const computed = await store.admissionProperties(queryable, tenantId, admissions.map((a) => a.admissionKey));
  const orphans = admissions.filter((a) => !computed.has(a.admissionKey) && a.referralKey !== undefined);
  const counted = await store.referralsWithOutcome(queryable, tenantId, orphans.map((a) => a.referralKey as string));
  const blank = Object.fromEntries(COMMISSION_PROPERTIES.map((name) => [name, '']));
  for (const admission of orphans) if (counted.has(admission.referralKey as string)) computed.set(admission.admissionKey, blank);
  return computed;
}

/** The engine's view of a stored referral: the marketer's owner is the attribution's owner when chosen by marketer. */
function toCommissionCase(stored: StoredCase): CommissionCase {
  return {
    referral: stored.referral,
    ...(stored.admission ? { admission: stored.admission } : {}),
    // Billing's finding, from the feed (event admission.non_billable): the plans' non_billable clawback.
    ...(stored.admission?.nonBillable ? { nonBillable: stored.admission.nonBillable } : {}),
    owners: {
      ...(stored.companyOwnerId ? { companyOwnerId: stored.companyOwnerId } : {}),
      ...(stored.contactOwnerId ? { contactOwnerId: stored.contactOwnerId } : {}),
      ...(stored.ownerMethod === 'marketer' && stored.ownerId ? { marketerOwnerId: stored.ownerId } : {}),
    },
  };
}

export interface CommissionRunSummary {
  /** False when the tenant has no plan yet: nothing is computed. */
  planned: boolean;
  referrals: number;
  /** Lines of the open periods. */
  openLines: number;
  byStatus: Record<CommissionOutcome['status'], number>;
  /** Admissions queued because their commission properties changed. */
  queued: number;
  /** The open periods' lines, with their referrals' names. */
  lines: NamedCommissionLine[];
}

/** One run inside the caller's transaction, which holds the tenant's commission lock. */
async function runLocked(client: PoolClient, queue: SyncQueue, tenant: Tenant, now: Date): Promise<CommissionRunSummary> {
  const started = performance.now();
  const { tenantId } = tenant;
  const watermark = await store.latestChange(client, tenantId);
  const versions = await store.planVersions(client, tenantId);
  const summary: CommissionRunSummary = {
    planned: versions.length > 0,
    referrals: 0,
    openLines: 0,
    byStatus: { not_yet_eligible: 0, earned: 0, clawed_back: 0, ineligible: 0 },
    queued: 0,
    lines: [],
  };
  if (versions.length === 0) {
    await store.recordRun(client, tenantId, now, watermark);
    return summary;
  }
  const closed = await store.closedPeriods(client, tenantId);
  const stored = await store.cases(client, tenantId);
  const run = computeCommissions({
    planVersions: versions.map(({ savedAt: _savedAt, ...plan }) => plan),
    roster: await store.roster(client, tenantId),
    cases: stored.map(toCommissionCase),
    timeZone: tenant.settings.timeZone,
    asOf: now,
    closedPeriods: closed,
    nonAdmitReasons: nonAdmitReasonsOf(tenant.settings),
  });

  const closedThrough = closed[closed.length - 1]?.period;
  const names = new Map(stored.map((c) => [c.referral.referralKey, referralNameOf(c.referral, tenant.settings.timeZone)]));
  const open = run.lines
    .filter((line) => closedThrough === undefined || line.period > closedThrough)
    .map((line) => ({ ...line, referralName: names.get(line.referralKey) ?? `Referral ${line.referralKey}` }));
  await store.replaceOpenLines(client, tenantId, closedThrough, open);

  const linesOf = new Map<string, CommissionLine[]>();
  for (const line of run.lines) linesOf.set(line.referralKey, [...(linesOf.get(line.referralKey) ?? []), line]);
  const changed = await store.saveOutcomes(
    client,
    tenantId,
    run.outcomes.map((outcome) => ({
      outcome,
      ...(outcome.admissionKey ? { properties: toCommissionProperties(outcome, linesOf.get(outcome.referralKey) ?? []) } : {}),
    })),
  );
  await queue.enqueue(client, tenantId, 'admission', changed);
  await store.recordRun(client, tenantId, now, watermark, performance.now() - started);
  for (const outcome of run.outcomes) summary.byStatus[outcome.status] += 1;
  return { ...summary, referrals: run.outcomes.length, openLines: open.length, queued: changed.length, lines: open };
}

/**
 * Computes the tenant's commissions now (see the module comment); undefined when another process is computing them.
 */
export async function recomputeCommissions(pool: Pool, queue: SyncQueue, tenant: Tenant, now: Date): Promise<CommissionRunSummary | undefined> {
  return inTransaction(pool, async (client) => {
    if (!(await store.tryLock(client, tenant.tenantId))) return undefined;
    return runLocked(client, queue, tenant, now);
  });
}

/**
 * After a change, the next run waits this many times as long as the last one took: a run over every referral of a
 * large portal takes seconds (`npm run bench:commissions`), and a feed that changes something every minute must not
 * keep the server computing commissions. At most a tenth of its time goes to them; HubSpot's values follow within a
 * minute on a small portal, within ten times a run's length on a large one.
 */
export const COMMISSION_RUN_SPACING = 10;

/**
 * The server's check, every minute: computes again when something the engine reads changed since the last run (and
 * the last run is COMMISSION_RUN_SPACING times its length behind), when the last run was on an earlier local day
 * (date-based counting points and clawback windows move with the calendar: the day's first minute does it, and a day
 * missed while the server was down is made up at start), or when nothing was ever computed. Returns the run, or
 * undefined when there was nothing to do yet or another process is on it.
 */
export async function recomputeCommissionsIfChanged(pool: Pool, queue: SyncQueue, tenant: Tenant, now: Date): Promise<CommissionRunSummary | undefined> {
  const last = await store.lastRun(pool, tenant.tenantId);
  const day = (at: Date) => DateTime.fromJSDate(at, { zone: tenant.settings.timeZone }).toISODate();
  if (last && day(last.ranAt) === day(now)) {
    if (now.getTime() - last.ranAt.getTime() < COMMISSION_RUN_SPACING * last.tookMs) return undefined;
    if ((await store.latestChange(pool, tenant.tenantId)) <= last.watermark) return undefined;
  }
  return recomputeCommissions(pool, queue, tenant, now);
}

/** Where a portal's commissions stand, for `referralynx status`. */
export interface CommissionStanding {
  /** The latest plan version saved; null without a plan (nothing is computed). */
  plan: { id: string; version: number } | null;
  lastRunAt: Date | null;
  lastRunMs: number | null;
  /** The latest closed month (YYYY-MM). */
  closedThrough: string | null;
  /** Lines of the open months, and what they pay in all. */
  openLines: number;
  openCents: number;
}

export async function commissionStanding(pool: Pool, tenantId: Tenant['tenantId']): Promise<CommissionStanding> {
  const [versions, last, standing] = await Promise.all([store.planVersions(pool, tenantId), store.lastRun(pool, tenantId), store.standing(pool, tenantId)]);
  const latest = versions[versions.length - 1];
  return {
    plan: latest ? { id: latest.id, version: latest.version } : null,
    lastRunAt: last?.ranAt ?? null,
    lastRunMs: last?.tookMs ?? null,
    ...standing,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Plans, roster, closing

/** A request the store refuses, with every reason: the CLI prints them and exits non-zero. */
export class CommissionRefusal extends Error {
  constructor(
    message: string,
    readonly problems: readonly PlanProblem[] = [],
  ) {
    super(message);
    this.name = 'CommissionRefusal';
  }
}

/**
 * Saves a plan as the tenant's next version, after checking it against the Anti-Kickback Statute for the tenant's
 * roster (checkCommissionPlan). The version number is the store's: one more than the latest (a `version` in the file
 * is replaced). A tenant has one plan: its versions share the first one's id.
 */
export async function savePlan(pool: Pool, tenant: Tenant, input: unknown): Promise<{ planId: string; version: number }> {
  return inTransaction(pool, async (client) => {
    await store.lock(client, tenant.tenantId);
    const versions = await store.planVersions(client, tenant.tenantId);
    const latest = versions[versions.length - 1];
    const version = (latest?.version ?? 0) + 1;
    const candidate = input !== null && typeof input === 'object' && !Array.isArray(input) ? { ...input, version } : input;
    const check = checkCommissionPlan(candidate, await store.roster(client, tenant.tenantId));
    if (!check.ok) throw new CommissionRefusal(`The plan is refused (${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}).`, check.problems);
    if (latest && check.plan.id !== latest.id) {
      throw new CommissionRefusal(
        `This portal's plan is "${latest.id}": save the new terms as a version of it (id "${latest.id}" and an effectiveFrom), so earlier referrals keep the terms they counted under.`,
      );
    }
    await store.savePlanVersion(client, tenant.tenantId, check.plan);
    return { planId: check.plan.id, version };
  });
}

/** Replaces the payee roster; a roster that would leave a saved plan paying someone it may not is refused. */
export async function saveRoster(pool: Pool, tenant: Tenant, input: unknown): Promise<PayeeRoster> {
  const parsed = payeeRosterSchema.safeParse(input);
  if (!parsed.success) {
    throw new CommissionRefusal(`The roster is refused:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || 'roster'}: ${i.message}`).join('\n')}`);
  }
  return inTransaction(pool, async (client) => {
    await store.lock(client, tenant.tenantId);
    const versions = await store.planVersions(client, tenant.tenantId);
    const problems = versions.flatMap(({ savedAt: _savedAt, ...plan }) => {
      const check = checkCommissionPlan(plan, parsed.data);
      return check.ok ? [] : check.problems.map((p) => ({ ...p, message: `Plan ${plan.id} v${plan.version}: ${p.message}` }));
    });
    if (problems.length > 0) throw new CommissionRefusal('The roster is refused: the saved plan names owners it would no longer allow.', problems);
    await store.saveRoster(client, tenant.tenantId, parsed.data);
    return parsed.data;
  });
}


export interface ClosedSummary {
  period: string;
  lines: number;
  totalCents: number;
  payees: number;
}

/**
 * Closes a month: its lines, computed afresh, are issued and never change again; what later facts call for goes
 * into the next open month (the engine's corrections and clawbacks). Only a month that is over in the tenant's zone,
 * and only in order: the month after the latest closed one, or, for the first close, no later than the earliest
 * month with a line.
 */
export async function closePeriod(pool: Pool, queue: SyncQueue, tenant: Tenant, period: string, now: Date): Promise<ClosedSummary> {
  if (!PERIOD.test(period)) throw new CommissionRefusal(`A period is a month as YYYY-MM (e.g. 2026-10), not "${period}".`);
  const zone = tenant.settings.timeZone;
  const thisMonth = DateTime.fromJSDate(now, { zone }).toFormat('yyyy-MM');
  if (period >= thisMonth) {
    const end = DateTime.fromISO(`${period}-01`, { zone }).endOf('month');
    throw new CommissionRefusal(`${period} is not over yet in ${zone}: it can be closed from ${end.plus({ days: 1 }).toISODate() ?? ''} on.`);
  }
  return inTransaction(pool, async (client) => {
    await store.lock(client, tenant.tenantId);
    const closed = await store.closedPeriods(client, tenant.tenantId);
    const latest = closed[closed.length - 1]?.period;
    if (latest !== undefined && period <= latest) throw new CommissionRefusal(`${period} is already closed (periods are closed through ${latest}).`);
    if (latest !== undefined && period !== nextPeriod(latest)) {
      throw new CommissionRefusal(`Periods are closed in order: close ${nextPeriod(latest)} first (the latest closed is ${latest}).`);
    }
    const run = await runLocked(client, queue, tenant, now);
    if (!run.planned) throw new CommissionRefusal('There is no commission plan yet: save one with `referralynx commissions plan save <file>`.');
    const earliest = run.lines.reduce<string | undefined>((min, line) => (min === undefined || line.period < min ? line.period : min), undefined);
    if (latest === undefined && earliest !== undefined && period > earliest) {
      throw new CommissionRefusal(`Periods are closed in order: close ${earliest} first (its lines are the earliest not yet issued).`);
    }
    const lines = run.lines.filter((line) => line.period === period);
    await store.closePeriod(client, tenant.tenantId, period, lines);
    return { period, lines: lines.length, totalCents: lines.reduce((sum, l) => sum + l.amountCents, 0), payees: new Set(lines.map((l) => l.payeeOwnerId)).size };
  });
}
