import { DateTime } from 'luxon';
import { pilotStatusWords, standardText, type PilotDefinition, type PilotProgress, type PilotStandard, type PilotStatus } from './pilots';
import { listedNonAdmitReason, nonAdmitTerms, type NonAdmitVocabulary } from './nonAdmitReasons';
import { referralName } from './plainWords';
import type { StatusChange } from './referralLifecycle';
import { businessLines, referralStatuses, timelyInitiationOutcomes } from './vocabulary';

/**
 * What the UI-extension cards show, shaped from what the store read (issue #6, part 5). Pure: rows, the tenant's zone
 * and today go in; plain data a card renders comes out. Nothing of a patient: a referral is its name (date, source,
 * business line), its status and its measures.
 */

/** A source's referrals received in one local month (YYYY-MM), and of them those admitted and not admitted. */
export interface MonthCounts {
  month: string;
  referrals: number;
  admitted: number;
  nonAdmitted: number;
}

const labelIn = (list: ReadonlyArray<{ value: string; label: string }>, value: string | null | undefined) =>
  value === null || value === undefined ? null : (list.find((entry) => entry.value === value)?.label ?? value);

/** A local month (YYYY-MM) and the instants it begins and ends at in the tenant's zone. */
export interface LocalMonth {
  month: string;
  from: Date;
  before: Date;
}

/**
 * The `count` months ending with the one `today` (a local YYYY-MM-DD) falls in, oldest first, each with the instants
 * it spans in `timeZone` (a month that holds a change of daylight saving time is an hour shorter or longer).
 */
export function lastMonths(today: string, count: number, timeZone: string): LocalMonth[] {
  const month = DateTime.fromISO(today, { zone: timeZone }).startOf('month');
  if (!month.isValid) throw new RangeError(`today must be a date as YYYY-MM-DD and the zone an IANA zone, got '${today}' in '${timeZone}'`);
  return Array.from({ length: count }, (_, i) => {
    const start = month.minus({ months: count - 1 - i });
    return { month: start.toFormat('yyyy-MM'), from: start.toJSDate(), before: start.plus({ months: 1 }).toJSDate() };
  });
}

/** One entry per month asked for, zero where the source sent nothing. */
export function monthlySeries(counts: readonly MonthCounts[], months: readonly LocalMonth[]): MonthCounts[] {
  const byMonth = new Map(counts.map((c) => [c.month, c]));
  return months.map(({ month }) => byMonth.get(month) ?? { month, referrals: 0, admitted: 0, nonAdmitted: 0 });
}

export interface NonAdmitLine {
  reason: string;
  /** The agency's label, as HubSpot's property shows it. */
  label: string;
  /** The words a source reads (src/domain/plainWords.ts). */
  words: string;
  count: number;
}

/**
 * Non-admits by reason, most frequent first (ties in the tenant's list order), in the tenant's labels and plain words.
 * Counts of a reason the list lacks are the "other" line's.
 */
export function nonAdmitBreakdown(reasons: Readonly<Record<string, number>>, nonAdmitReasons: NonAdmitVocabulary): NonAdmitLine[] {
  const counts = new Map<string, number>();
  for (const [reason, count] of Object.entries(reasons)) {
    const listed = listedNonAdmitReason(nonAdmitReasons, reason);
    counts.set(listed, (counts.get(listed) ?? 0) + count);
  }
  const rank = (reason: string) => nonAdmitReasons.findIndex((r) => r.value === reason);
  return [...counts]
    .filter(([, count]) => count > 0)
    .sort(([a, m], [b, n]) => n - m || rank(a) - rank(b))
    .map(([reason, count]) => {
      const terms = nonAdmitTerms(nonAdmitReasons, reason);
      return { reason, label: terms.label, words: terms.words, count };
    });
}

export interface StatusMoment {
  status: string;
  label: string;
  /** The moment in the tenant's zone, with its offset, e.g. 2026-11-26T10:00:00.000-05:00. */
  at: string;
  /** The local date and time, e.g. "2026-11-26 10:00". */
  local: string;
}

/** A referral's status history in the tenant's zone, oldest first. */
export function statusHistory(history: ReadonlyArray<StatusChange<string>>, timeZone: string): StatusMoment[] {
  return history.map((change) => {
    const at = DateTime.fromISO(change.at, { setZone: true }).setZone(timeZone);
    return { status: change.status, label: labelIn(referralStatuses, change.status) ?? change.status, at: at.toISO() ?? change.at, local: at.toFormat('yyyy-MM-dd HH:mm') };
  });
}

/** A referral as the company card lists it. */
export interface ReferralLine {
  /** "Referral 2026-11-25 · Mercy General Hospital · Home health", as the HubSpot record is named. */
  name: string;
  /** The HubSpot Referral record, once the sync has written it. */
  hubspotId: string | null;
  status: string;
  statusLabel: string;
  businessLine: string | null;
  businessLineLabel: string | null;
  /** The local date the agency received it. */
  receivedOn: string;
  hoursToSoc: number | null;
  /** timely, not_timely or missing (CMS); null without a start of care, or for hospice and palliative care. */
  timelyInitiation: string | null;
  timelyInitiationLabel: string | null;
  nonAdmitReason: string | null;
  nonAdmitReasonLabel: string | null;
}

/** A referral as the cards list it: what the metrics count, its name's parts and its HubSpot record; no patient detail. */
export interface ListedReferral {
  referralKey: string;
  /** The HubSpot Referral record, once the sync has written it. */
  hubspotId: string | null;
  status: string;
  businessLine: string | null;
  /** The local date (YYYY-MM-DD) it was received, in the zone asked for. */
  receivedOn: string;
  /** OASIS M0104, when the EHR gave it. */
  referralDate: string | null;
  sourceName: string | null;
  hoursToSoc: number | null;
  timelyInitiation: string | null;
  nonAdmitReason: string | null;
}

/** A referral as the company card lists it, its non-admit reason in the tenant's label. */
export function toReferralLine(referral: ListedReferral, nonAdmitReasons: NonAdmitVocabulary): ReferralLine {
  return {
    // The day the sync names it by: the referral date (M0104) when the EHR gave one, else the day it was received.
    name: referralName(referral.referralDate ?? referral.receivedOn, referral.sourceName ?? undefined, referral.businessLine ?? undefined),
    hubspotId: referral.hubspotId,
    status: referral.status,
    statusLabel: labelIn(referralStatuses, referral.status) ?? referral.status,
    businessLine: referral.businessLine,
    businessLineLabel: labelIn(businessLines, referral.businessLine),
    receivedOn: referral.receivedOn,
    hoursToSoc: referral.hoursToSoc,
    timelyInitiation: referral.timelyInitiation,
    timelyInitiationLabel: labelIn(timelyInitiationOutcomes, referral.timelyInitiation),
    nonAdmitReason: referral.nonAdmitReason,
    nonAdmitReasonLabel: referral.nonAdmitReason === null ? null : nonAdmitTerms(nonAdmitReasons, referral.nonAdmitReason).label,
  };
}

/** The later of two local dates (YYYY-MM-DD); either may be missing. */
export function laterDay(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a >= b ? a : b;
}

/** A pilot project as the company card shows it: its definition (to edit it) and its progress on each standard. */
export interface PilotLine {
  pilotId: number;
  name: string;
  periodStart: string;
  periodEnd: string;
  businessLine: string | null;
  businessLineLabel: string | null;
  /** The service area the pilot covers: the agency's, not a patient's. */
  serviceZips: string[];
  status: PilotStatus;
  statusLabel: string;
  standards: Array<PilotStandard & { text: string; met: number; of: number; value: number | null; status: PilotStatus; statusLabel: string }>;
  /** When the hourly review last saved its progress (and raised its at-risk tasks); the progress shown is as of now. */
  reviewedAt: string | null;
}

const statusLabel = (status: PilotStatus) => pilotStatusWords[status].charAt(0).toUpperCase() + pilotStatusWords[status].slice(1);

export function toPilotLine(pilot: PilotDefinition & { pilotId: number; reviewedAt: Date | null }, progress: PilotProgress): PilotLine {
  return {
    pilotId: pilot.pilotId,
    name: pilot.name,
    periodStart: pilot.periodStart,
    periodEnd: pilot.periodEnd,
    businessLine: pilot.businessLine ?? null,
    businessLineLabel: labelIn(businessLines, pilot.businessLine),
    serviceZips: pilot.serviceZips ?? [],
    status: progress.status,
    statusLabel: statusLabel(progress.status),
    standards: pilot.standards.map((standard, i) => {
      const measured = progress.standards[i];
      const status = measured?.status ?? progress.status;
      return {
        ...standard,
        text: measured?.text ?? standardText(standard),
        met: measured?.met ?? 0,
        of: measured?.of ?? 0,
        value: measured?.value ?? null,
        status,
        statusLabel: statusLabel(status),
      };
    }),
    reviewedAt: pilot.reviewedAt?.toISOString() ?? null,
  };
}
