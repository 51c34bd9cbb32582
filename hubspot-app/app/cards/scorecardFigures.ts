import type { CompanyCard, PilotLine, PilotStatus, Scorecard, WindowDays, WindowScore } from '@referralynx/hubspot-shared';

/** The figures the company cards show, worked out from the scorecard the server sent. Pure. */

export const WINDOW_OPTIONS: Array<{ label: string; value: WindowDays }> = [
  { label: 'Last 30 days', value: '30' },
  { label: 'Last 90 days', value: '90' },
  { label: 'Last 365 days', value: '365' },
];

export interface Trend {
  direction: 'increase' | 'decrease';
  /** Green when the change is good news for the agency, red when it is not. */
  color: 'green' | 'red';
  value: string;
}

const DAYS: Record<WindowDays, number> = { '30': 30, '90': 90, '365': 365 };

/**
 * Referrals: the server's test of the last 30 days against the 30 before (src/domain/scorecard.ts, significant at
 * about 95%), so an arrow means a real change; too few referrals or no significant change, no arrow.
 */
export function referralTrend(scorecard: Scorecard): Trend | undefined {
  if (scorecard.trend !== 'up' && scorecard.trend !== 'down') return undefined;
  const last30 = scorecard.windows['30'].referrals;
  const value = `${last30} vs ${scorecard.previous30} in the 30 days before`;
  return scorecard.trend === 'up' ? { direction: 'increase', color: 'green', value } : { direction: 'decrease', color: 'red', value };
}

/** Below this change against the year, a window's figure is shown without an arrow. */
const MIN_CHANGE = 0.05;

/**
 * The other figures: the window against the last 365 days (per day for counts, as a share or hours for the rest).
 * No arrow for the 365-day window itself, or where either side is unknown.
 */
function againstYear(current: number | null, year: number | null, kind: 'count' | 'share' | 'hours', higherIsBetter: boolean): Trend | undefined {
  if (current === null || year === null) return undefined;
  const change = kind === 'share' ? current - year : year === 0 ? (current > 0 ? 1 : 0) : (current - year) / year;
  if (Math.abs(change) < MIN_CHANGE) return undefined;
  const up = change > 0;
  const value = kind === 'share' ? `${Math.round(Math.abs(change) * 100)} points vs 365 days` : `${Math.round(Math.abs(change) * 100)}% vs 365 days`;
  return { direction: up ? 'increase' : 'decrease', color: up === higherIsBetter ? 'green' : 'red', value };
}

export function windowTrends(scorecard: Scorecard, days: WindowDays): Record<'admissions' | 'conversion' | 'medianHoursToSoc' | 'timelyRate', Trend | undefined> {
  const w: WindowScore = scorecard.windows[days];
  const year = scorecard.windows['365'];
  if (days === '365') return { admissions: undefined, conversion: undefined, medianHoursToSoc: undefined, timelyRate: undefined };
  return {
    admissions: againstYear(w.admitted / DAYS[days], year.admitted / 365, 'count', true),
    conversion: againstYear(w.conversion, year.conversion, 'share', true),
    medianHoursToSoc: againstYear(w.medianHoursToSoc, year.medianHoursToSoc, 'hours', false),
    timelyRate: againstYear(w.timelyRate, year.timelyRate, 'share', true),
  };
}

/** CMS counts a start of care timely within 2 days of the referral (DESIGN.md): 48 hours when no pilot sets a target. */
export const DEFAULT_SOC_TARGET_HOURS = 48;

/** The hours-to-SOC target: the tightest `soc_within_hours` standard of a pilot under way, else 48 hours. */
export function socTarget(pilots: PilotLine[]): { hours: number; source: string } {
  const running = pilots.filter((p) => p.status === 'on_track' || p.status === 'at_risk');
  const standards = running.flatMap((pilot) => pilot.standards.filter((s) => s.metric === 'soc_within_hours' && s.hours !== undefined).map((s) => ({ pilot, hours: s.hours as number })));
  const tightest = standards.sort((a, b) => a.hours - b.hours)[0];
  return tightest ? { hours: tightest.hours, source: `pilot "${tightest.pilot.name}"` } : { hours: DEFAULT_SOC_TARGET_HOURS, source: 'CMS timely initiation, 2 days' };
}

export const PILOT_STATUS_VARIANT: Record<PilotStatus, 'default' | 'info' | 'success' | 'warning' | 'danger'> = {
  not_started: 'default',
  on_track: 'info',
  at_risk: 'warning',
  met: 'success',
  missed: 'danger',
};

/** A progress bar's colour for a standard: green met, amber at risk, red missed; HubSpot's default otherwise. */
export const progressVariant = (status: PilotStatus): 'success' | 'warning' | 'danger' | undefined =>
  status === 'met' ? 'success' : status === 'at_risk' ? 'warning' : status === 'missed' ? 'danger' : undefined;

/** The 12-month chart's rows: one per month and series, as HubSpot's BarChart groups them by colour. */
export function monthlyRows(monthly: CompanyCard['monthly'], label: (month: string) => string): Array<{ month: string; series: string; count: number }> {
  return monthly.flatMap((m) => [
    { month: label(m.month), series: 'Referrals', count: m.referrals },
    { month: label(m.month), series: 'Admissions', count: m.admitted },
  ]);
}

export const TIER_WORDS: Record<string, string> = {
  A: 'A · top source',
  B: 'B · regular source',
  C: 'C · occasional source',
  D: 'D · dormant or new',
};
