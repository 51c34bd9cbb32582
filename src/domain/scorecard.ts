import { DateTime } from 'luxon';
import { z } from 'zod';
import type { MonthCounts } from './cards';
import type { accountTiers } from './vocabulary';

export type AccountTier = (typeof accountTiers)[number]['value'];

/**
 * A referral source's scorecard (issue #6): what the SQL aggregates counted, turned into the numbers a manager reads
 * (conversion, trend, tier) and into the HubSpot properties provisioned on companies and contacts. Pure.
 *
 * Windows are the last 30, 90 and 365 days in the agency's time zone, today included. Conversion is admitted over
 * admitted plus non-admitted among the referrals received in the window that reached one of those outcomes; pending
 * and cancelled referrals are counted apart and never as lost or won (DESIGN.md).
 */

/**
 * The tier rule: the fewest referrals in the last 90 days for tiers A, B and C; below C's, D (dormant or new). The
 * trend guard: fewer referrals than `trendMinReferrals` across the two 30-day periods say "too few to tell".
 */
export const scorecardSettingsSchema = z.object({
  tiers: z
    .object({
      A: z.coerce.number().int().min(1).default(12),
      B: z.coerce.number().int().min(1).default(4),
      C: z.coerce.number().int().min(1).default(1),
    })
    .prefault({})
    .refine((t) => t.A > t.B && t.B >= t.C, { message: 'tier thresholds must fall from A to C' }),
  trendMinReferrals: z.coerce.number().int().min(2).max(1000).default(10),
});
export type ScorecardSettings = z.infer<typeof scorecardSettingsSchema>;

export const WINDOWS = [30, 90, 365] as const;
export type WindowDays = (typeof WINDOWS)[number];

/** What SQL counts for one window (src/store/scorecardStore.ts). */
export interface WindowCounts {
  referrals: number;
  admitted: number;
  nonAdmitted: number;
  /** Neither admitted, non-admitted nor cancelled yet. */
  pending: number;
  cancelled: number;
  medianHoursToSoc: number | null;
  p90HoursToSoc: number | null;
  timely: number;
  notTimely: number;
  /** Non-admits by reason, payer categories and business lines of the window's referrals. */
  nonAdmitReasons: Record<string, number>;
  payers: Record<string, number>;
  businessLines: Record<string, number>;
}

/** A window with nothing in it. */
export function emptyWindowCounts(): WindowCounts {
  return {
    referrals: 0,
    admitted: 0,
    nonAdmitted: 0,
    pending: 0,
    cancelled: 0,
    medianHoursToSoc: null,
    p90HoursToSoc: null,
    timely: 0,
    notTimely: 0,
    nonAdmitReasons: {},
    payers: {},
    businessLines: {},
  };
}

/** What SQL counts for one company or contact. */
export interface ScorecardCounts {
  windows: Record<WindowDays, WindowCounts>;
  /** Referrals received 31 to 60 days ago (the trend's "30 before"). */
  previous30: number;
  /** The local date of the latest referral. */
  lastReferralDate: string | null;
  /** Median days between the local dates it referred on, over the last 365 days; null with fewer than 2 gaps. */
  usualIntervalDays: number | null;
  /**
   * Referrals, admitted and not admitted per local month, for the month of `today` and the 11 before it (months
   * without a referral left out), oldest first: the company card's chart, kept with the scorecard so the card does
   * not count a busy source's year on every view.
   */
  monthly: MonthCounts[];
}

export type Trend = 'up' | 'flat' | 'down' | 'too_few';

export interface WindowScore extends WindowCounts {
  /** Admitted / (admitted + non-admitted), 0 to 1; null when none reached an outcome. */
  conversion: number | null;
  /** Timely / (timely + not timely), missing cases left out; null when none was measured. */
  timelyRate: number | null;
}

export interface Scorecard {
  windows: Record<WindowDays, WindowScore>;
  previous30: number;
  trend: Trend;
  tier: AccountTier;
  lastReferralDate: string | null;
  daysSinceLastReferral: number | null;
  usualIntervalDays: number | null;
  /** As in ScorecardCounts; absent from scorecards computed before it was kept. */
  monthly?: MonthCounts[];
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/**
 * Last 30 days against the 30 before. Referral counts are taken as Poisson counts: the difference is significant when
 * |a - b| / sqrt(a + b) reaches 1.96 (about 95%). Below `minReferrals` in all, no claim is made.
 */
export function referralTrend(last30: number, previous30: number, minReferrals: number): Trend {
  const total = last30 + previous30;
  if (total < minReferrals) return 'too_few';
  const z = (last30 - previous30) / Math.sqrt(total);
  if (z >= 1.96) return 'up';
  if (z <= -1.96) return 'down';
  return 'flat';
}

export function accountTier(referrals90: number, tiers: ScorecardSettings['tiers']): AccountTier {
  if (referrals90 >= tiers.A) return 'A';
  if (referrals90 >= tiers.B) return 'B';
  if (referrals90 >= tiers.C) return 'C';
  return 'D';
}

export function toScorecard(counts: ScorecardCounts, settings: ScorecardSettings, today: string): Scorecard {
  const windows = Object.fromEntries(
    WINDOWS.map((days) => {
      const w = counts.windows[days];
      return [days, { ...w, conversion: ratio(w.admitted, w.admitted + w.nonAdmitted), timelyRate: ratio(w.timely, w.timely + w.notTimely) }];
    }),
  ) as Record<WindowDays, WindowScore>;
  const last = counts.lastReferralDate;
  return {
    windows,
    previous30: counts.previous30,
    trend: referralTrend(counts.windows[30].referrals, counts.previous30, settings.trendMinReferrals),
    tier: accountTier(counts.windows[90].referrals, settings.tiers),
    lastReferralDate: last,
    daysSinceLastReferral: last ? Math.round(DateTime.fromISO(today).diff(DateTime.fromISO(last), 'days').days) : null,
    usualIntervalDays: counts.usualIntervalDays,
    monthly: counts.monthly,
  };
}

/** A rate for a number property in HubSpot's percentage format, which shows the stored fraction times 100 (0.875 as 87.5%). */
const rate = (value: number | null) => (value === null ? '' : String(Math.round(value * 1000) / 1000));
const oneDecimal = (value: number | null) => (value === null ? '' : String(Math.round(value * 10) / 10));

/**
 * The scorecard as the properties provisioned on companies and contacts (src/hubspot/dataModel.ts). Unknown values
 * are empty, so a value that no longer holds is cleared in HubSpot. The next check-in is written by the account rules, which know the last contact.
 */
export function toScorecardProperties(scorecard: Scorecard): Record<string, string> {
  const w30 = scorecard.windows[30];
  const w90 = scorecard.windows[90];
  return {
    rlx_referrals_30d: String(w30.referrals),
    rlx_referrals_90d: String(w90.referrals),
    rlx_admissions_30d: String(w30.admitted),
    rlx_admissions_90d: String(w90.admitted),
    rlx_conversion_rate_90d: rate(w90.conversion),
    rlx_median_hours_to_soc_90d: oneDecimal(w90.medianHoursToSoc),
    rlx_timely_initiation_rate_90d: rate(w90.timelyRate),
    rlx_last_referral_date: scorecard.lastReferralDate ?? '',
    rlx_days_since_last_referral: scorecard.daysSinceLastReferral === null ? '' : String(scorecard.daysSinceLastReferral),
    rlx_referral_trend: scorecard.trend,
    rlx_account_tier: scorecard.tier,
  };
}
