import { DateTime } from 'luxon';
import type { BusinessCalendar } from './businessTime';
import { MESSAGE_FOR_SOURCE, type FollowUpSettings, type TaskIntent } from './followUps';
import { defaultNonAdmitVocabulary, listedNonAdmitReason, nonAdmitTerms, type NonAdmitVocabulary } from './nonAdmitReasons';
import { counted, hoursText } from './plainWords';
import { hoursToStartOfCare, type ReferralState } from './referralLifecycle';
import { timelyInitiation } from './timelyInitiation';
import { businessLines, type BusinessLine } from './vocabulary';

/**
 * Partner summaries (issue #5, "close the loop"): per referral source, what became of the referrals it sent in a week
 * or a month, in figures and in words its liaison can send. Pure: the source's referrals (as derived now), the
 * period and the tenant's zone go in; the summary, its text and the liaison's task come out.
 *
 * A referral belongs to the period in which the agency received it (its local date in the tenant's zone), and is
 * counted as it stands now: admitted, non-admitted, cancelled, or pending (any other status). Conversion is
 * admitted / (admitted + non-admitted) (DESIGN.md): pending and cancelled referrals are shown apart, never counted
 * as lost or won.
 */

export type SummaryEvery = FollowUpSettings['partnerSummary']['every'];

/** A week (Monday to Sunday) or a calendar month: local dates, both inclusive. */
export interface SummaryPeriod {
  every: SummaryEvery;
  from: string;
  to: string;
}

/** How many periods the chart shows, the summary's own the last: half a year of months, two months of weeks. */
export const SERIES_LENGTH: Readonly<Record<SummaryEvery, number>> = { month: 6, week: 8 };

export interface PartnerSummary {
  period: SummaryPeriod;
  /** Received in the period. */
  referrals: number;
  /** Of those, started care. */
  admitted: number;
  nonAdmitted: number;
  /** Most frequent first, each with the words the source reads. */
  nonAdmitReasons: Array<{ reason: string; words: string; count: number }>;
  /** Neither admitted, non-admitted nor cancelled yet. */
  pending: number;
  cancelled: number;
  /** Of the cancelled, those the source withdrew. */
  cancelledBySource: number;
  /** admitted / (admitted + non-admitted); undefined when neither happened. */
  conversion: number | undefined;
  /** Median hours from referral received to the first visit, of those admitted (to a tenth of an hour). */
  medianHoursToStartOfCare: number | undefined;
  /** How many admitted referrals the median is taken over (those whose first visit time is known). */
  hoursMeasured: number;
  /** CMS timely initiation of the home health starts; rate = timely / (timely + notTimely), missing left out. */
  timelyInitiation: { timely: number; notTimely: number; missing: number; rate: number | undefined };
  /** The business lines of the period's referrals, in vocabulary order. */
  businessLines: BusinessLine[];
  /** Referrals received and, of them, admitted, per period: SERIES_LENGTH periods ending with this one. */
  series: Array<{ from: string; to: string; referrals: number; admitted: number }>;
}

/** Names for the text and the PDF: how the agency signs, and the source as the CRM names it. */
export interface PartnerSummaryNames {
  agency: string | undefined;
  source: string;
}

const day = (date: string) => {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone: 'utc' }) : undefined;
  if (!parsed?.isValid) throw new RangeError(`a date must be YYYY-MM-DD, got '${date}'`);
  return parsed;
};
const isoDate = (value: DateTime) => value.toFormat('yyyy-MM-dd');

/** The week (Monday to Sunday) or calendar month a local date falls in. */
export function periodContaining(every: SummaryEvery, date: string): SummaryPeriod {
  const unit = every === 'week' ? 'week' : 'month';
  const start = day(date).startOf(unit);
  return { every, from: isoDate(start), to: isoDate(start.endOf(unit)) };
}

export function previousPeriod(period: SummaryPeriod): SummaryPeriod {
  return periodContaining(period.every, isoDate(day(period.from).minus({ days: 1 })));
}

/** `count` periods, oldest first, the last of them `period`. */
export function seriesOf(period: SummaryPeriod, count: number): SummaryPeriod[] {
  const periods = [period];
  while (periods.length < count) periods.unshift(previousPeriod(periods[0] as SummaryPeriod));
  return periods;
}

/** When a period's summary is due: the first business day after it, at `at` (local 'HH:mm'). */
export function periodDueAt(period: SummaryPeriod, calendar: BusinessCalendar, timeZone: string, at: string): Date {
  const lastDay = DateTime.fromISO(period.to, { zone: timeZone }).set({ hour: 12 });
  return calendar.nextBusinessDayAt(lastDay.toJSDate(), at);
}

/**
 * The periods whose summaries are due at `now`: due no later than now and no longer ago than skipOlderThanDays, so
 * a server that was down catches up on the last few, and one started on a year of history makes none of the past.
 */
export function duePartnerSummaryPeriods(
  settings: FollowUpSettings,
  calendar: BusinessCalendar,
  timeZone: string,
  now: Date,
): Array<{ period: SummaryPeriod; dueAt: Date }> {
  const { enabled, every, at } = settings.partnerSummary;
  if (!enabled) return [];
  const due: Array<{ period: SummaryPeriod; dueAt: Date }> = [];
  // The period under way is never due; the one before it may not be yet (Monday 08:00, due at 09:00).
  for (let period = previousPeriod(periodContaining(every, calendar.localDate(now))); ; period = previousPeriod(period)) {
    const dueAt = periodDueAt(period, calendar, timeZone, at);
    if (dueAt.getTime() > now.getTime()) continue;
    if (now.getTime() - dueAt.getTime() > settings.skipOlderThanDays * 86_400_000) break;
    due.push({ period, dueAt });
  }
  return due;
}

/** The local date the agency received a referral: its receipt in the tenant's zone, else its referral date. */
export function receivedOn(referral: Pick<ReferralState, 'facts'>, timeZone: string): string | undefined {
  const { receivedAt, referralDate } = referral.facts;
  const received = receivedAt ? DateTime.fromISO(receivedAt, { setZone: true }).setZone(timeZone) : undefined;
  return received?.isValid ? isoDate(received) : referralDate;
}

const within = (date: string | undefined, period: Pick<SummaryPeriod, 'from' | 'to'>) => date !== undefined && date >= period.from && date <= period.to;

/**
 * The source's latest referral of the period (by the day received, then the moment, then the key, so that equal ones
 * always give the same): its owner is the liaison who sends the summary, and its record the one the task hangs on.
 */
export function latestReferralOf(referrals: readonly ReferralState[], period: SummaryPeriod, timeZone: string): ReferralState | undefined {
  const moment = (r: ReferralState) => Date.parse(r.facts.receivedAt ?? '') || 0;
  return referrals
    .map((referral) => ({ referral, on: receivedOn(referral, timeZone) }))
    .filter(({ on }) => within(on, period))
    .sort((a, b) => (b.on ?? '').localeCompare(a.on ?? '') || moment(b.referral) - moment(a.referral) || b.referral.referralKey.localeCompare(a.referral.referralKey))[0]
    ?.referral;
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return Math.round(value * 10) / 10;
}

const rankIn = (list: NonAdmitVocabulary, value: string) => list.findIndex((reason) => reason.value === value);

/**
 * One source's summary of `period`, from its referrals (those outside the period feed the chart's earlier bars). The
 * reasons are the tenant's (a reason its list lacks counts as "other"), in their words.
 */
export function summarizePartner(
  referrals: readonly ReferralState[],
  period: SummaryPeriod,
  timeZone: string,
  nonAdmitReasons: NonAdmitVocabulary = defaultNonAdmitVocabulary,
): PartnerSummary {
  const received = referrals.map((referral) => ({ referral, on: receivedOn(referral, timeZone) }));
  const inPeriod = received.filter(({ on }) => within(on, period)).map(({ referral }) => referral);
  const admitted = inPeriod.filter((r) => r.status === 'admitted');
  const nonAdmitted = inPeriod.filter((r) => r.status === 'non_admitted');
  const cancelled = inPeriod.filter((r) => r.status === 'cancelled');

  const reasons = new Map<string, number>();
  for (const referral of nonAdmitted) {
    const reason = listedNonAdmitReason(nonAdmitReasons, referral.nonAdmitReason ?? 'other');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const hours = admitted.flatMap((r) => hoursToStartOfCare(r) ?? []);
  const outcomes = admitted.map((r) => timelyInitiation(r, timeZone));
  const timely = outcomes.filter((o) => o === 'timely').length;
  const notTimely = outcomes.filter((o) => o === 'not_timely').length;
  const lines = new Set(inPeriod.flatMap((r) => r.facts.businessLine ?? []));

  return {
    period,
    referrals: inPeriod.length,
    admitted: admitted.length,
    nonAdmitted: nonAdmitted.length,
    nonAdmitReasons: [...reasons]
      .sort(([a, m], [b, n]) => n - m || rankIn(nonAdmitReasons, a) - rankIn(nonAdmitReasons, b))
      .map(([reason, count]) => ({ reason, words: nonAdmitTerms(nonAdmitReasons, reason).words, count })),
    pending: inPeriod.length - admitted.length - nonAdmitted.length - cancelled.length,
    cancelled: cancelled.length,
    cancelledBySource: cancelled.filter((r) => r.cancelledBy === 'source').length,
    conversion: admitted.length + nonAdmitted.length > 0 ? admitted.length / (admitted.length + nonAdmitted.length) : undefined,
    medianHoursToStartOfCare: median(hours),
    hoursMeasured: hours.length,
    timelyInitiation: {
      timely,
      notTimely,
      missing: outcomes.filter((o) => o === 'missing').length,
      rate: timely + notTimely > 0 ? timely / (timely + notTimely) : undefined,
    },
    businessLines: businessLines.map((line) => line.value).filter((line) => lines.has(line)),
    series: seriesOf(period, SERIES_LENGTH[period.every]).map(({ from, to }) => {
      const bucket = received.filter(({ on }) => within(on, { from, to }));
      return { from, to, referrals: bucket.length, admitted: bucket.filter(({ referral }) => referral.status === 'admitted').length };
    }),
  };
}

/** "October 2026", "the week of October 5, 2026": the period as a title. */
export function periodTitle(period: SummaryPeriod): string {
  return period.every === 'month' ? day(period.from).toFormat('LLLL yyyy') : `the week of ${day(period.from).toFormat('LLLL d, yyyy')}`;
}

/** "October 1 – 31, 2026", "September 28 – October 4, 2026", "December 28, 2026 – January 3, 2027". */
export function periodRange(period: SummaryPeriod): string {
  const [from, to] = [day(period.from), day(period.to)];
  if (from.year !== to.year) return `${from.toFormat('LLLL d, yyyy')} – ${to.toFormat('LLLL d, yyyy')}`;
  if (from.month !== to.month) return `${from.toFormat('LLLL d')} – ${to.toFormat('LLLL d, yyyy')}`;
  return `${from.toFormat('LLLL d')} – ${to.toFormat('d, yyyy')}`;
}

const isAre = (count: number, singular: string, plural: string) => `${count} ${count === 1 ? singular : plural}`;

/**
 * The message for the source, e.g. "In October, you sent us 12 referrals; 9 started care, a median of 26 hours after
 * your referral; 8 of 9 on time by CMS's measure; 2 were not admitted: insurance not accepted (1), outside our
 * service area (1); 1 is pending." Counts, reasons and a median only: no date, name or detail of any one referral,
 * so a count of 1 tells the source nothing it did not know when it sent that patient.
 */
export function partnerSummaryText(summary: PartnerSummary, names: Pick<PartnerSummaryNames, 'agency'>, pilots: readonly string[] = []): string {
  const { period } = summary;
  const when = period.every === 'month' ? day(period.from).toFormat('LLLL') : `the week of ${day(period.from).toFormat('LLLL d')}`;
  const parts = [`In ${when}, you sent us ${summary.referrals === 0 ? 'no referrals' : counted(summary.referrals, 'referral')}`];
  if (summary.admitted > 0) {
    const hours = summary.medianHoursToStartOfCare;
    const after =
      hours === undefined ? '' : summary.admitted === 1 && summary.hoursMeasured === 1 ? `, ${hoursText(hours)} after your referral` : `, a median of ${hoursText(hours)} after your referral`;
    parts.push(`${summary.admitted} started care${after}`);
  }
  const { timely, notTimely } = summary.timelyInitiation;
  if (timely + notTimely > 0) parts.push(`${timely} of ${timely + notTimely} on time by CMS's measure`);
  if (summary.nonAdmitted > 0) {
    // Hospice calls a non-admit "not taken under care" (DESIGN.md); a source that sent only hospice referrals reads that.
    const outcome = summary.businessLines.length === 1 && summary.businessLines[0] === 'hospice' ? 'not taken under care' : 'not admitted';
    const reasons =
      summary.nonAdmitReasons.length === 1 && summary.nonAdmitted === 1
        ? summary.nonAdmitReasons[0]?.words
        : summary.nonAdmitReasons.map((r) => `${r.words} (${r.count})`).join(', ');
    parts.push(`${isAre(summary.nonAdmitted, 'was', 'were')} ${outcome}: ${reasons}`);
  }
  if (summary.pending > 0) parts.push(`${isAre(summary.pending, 'is', 'are')} pending`);
  if (summary.cancelled > 0) {
    const bySource = summary.cancelledBySource;
    const request = bySource === summary.cancelled ? ' at your request' : bySource > 0 ? ` (${bySource} at your request)` : '';
    parts.push(`${isAre(summary.cancelled, 'was', 'were')} cancelled${request}`);
  }
  // Pilot projects with the source (src/domain/pilots.ts), as their progress lines.
  const pilotText = pilots.length > 0 ? ` ${pilots.join(' ')}` : '';
  return `${parts.join('; ')}.${pilotText} Thank you for your referrals.${names.agency ? ` — ${names.agency}` : ''}`;
}

/** What the liaison's task needs besides the summary: who, about which records, and where the PDF is. */
export interface PartnerSummaryTaskInput {
  summary: PartnerSummary;
  names: PartnerSummaryNames;
  /** The source's stable reference (src/domain/attribution.ts): one summary per source and period. */
  sourceRef: string;
  /** A HubSpot task is associated with the Referral record: the source's latest referral of the period. */
  referralKey: string;
  /** The source's liaison; undefined leaves the task unassigned, in the portal's task queue. */
  ownerId: string | undefined;
  /** Where the liaison gets the one-page PDF: a link, or the command that writes it on the server. */
  pdf: { url: string } | { command: string };
  /** The progress of pilot projects with the source, one sentence each (src/domain/pilots.ts). */
  pilots?: readonly string[];
  dueAt: Date;
}

/** The liaison's task: an email to the source with the text and the PDF, keyed by source and period. */
export function partnerSummaryFollowUp(input: PartnerSummaryTaskInput): TaskIntent {
  const { summary, names } = input;
  const title = periodTitle(summary.period);
  const started = summary.admitted > 0 ? `, ${summary.admitted} started care` : '';
  return {
    key: `partner_summary:${input.sourceRef}:${summary.period.from}`,
    rule: 'partner_summary',
    type: 'EMAIL',
    priority: 'MEDIUM',
    subject: `Send ${names.source} its summary of ${title}: ${counted(summary.referrals, 'referral')}${started}`,
    body: [
      `Send ${names.source} the summary of its referrals in ${title} (${periodRange(summary.period)}), with the one-page PDF.`,
      '',
      MESSAGE_FOR_SOURCE,
      `"${partnerSummaryText(summary, names, input.pilots)}"`,
      '',
      'url' in input.pdf ? `PDF: ${input.pdf.url}` : `PDF: on the server, run ${input.pdf.command}`,
    ].join('\n'),
    dueAt: input.dueAt,
    role: 'liaison',
    ownerId: input.ownerId,
    referralKey: input.referralKey,
    withCompany: true,
    withContact: false,
  };
}
