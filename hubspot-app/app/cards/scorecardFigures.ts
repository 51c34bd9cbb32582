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

/** Two-sided 95%: an arrow says the change is unlikely to be chance, as the server's referral trend does. */
const Z95 = 1.96;
/** Fewer cases than these in the year (counts, medians) or on either side (shares), and no arrow is drawn. */
const MIN_CASES = 10;
const MIN_SHARE_CASES = 5;

const pct = (share: number) => `${Math.round(share * 100)}%`;
const arrow = (up: boolean, higherIsBetter: boolean, value: string): Trend => ({ direction: up ? 'increase' : 'decrease', color: up === higherIsBetter ? 'green' : 'red', value });

/**
 * A count in the window's `days` against the rest of the year: were the year's `yearTotal` spread evenly, the window
 * would hold days/365 of them; the arrow shows when its count is that far off (binomial, 95%).
 */
function countTrend(inWindow: number, yearTotal: number, days: number, higherIsBetter: boolean): Trend | undefined {
  if (yearTotal < MIN_CASES) return undefined;
  const p = days / 365;
  const z = (inWindow - yearTotal * p) / Math.sqrt(yearTotal * p * (1 - p));
  if (Math.abs(z) < Z95) return undefined;
  const restPerWindow = Math.round(((yearTotal - inWindow) * days) / (365 - days));
  return arrow(z > 0, higherIsBetter, `${inWindow} vs about ${restPerWindow} per ${days} days the rest of the year`);
}

/** A share in the window against the rest of the year's (two-proportion test, 95%). */
function shareTrend(part: number, whole: number, yearPart: number, yearWhole: number, higherIsBetter: boolean): Trend | undefined {
  const restPart = yearPart - part;
  const restWhole = yearWhole - whole;
  if (whole < MIN_SHARE_CASES || restWhole < MIN_SHARE_CASES) return undefined;
  const pooled = yearPart / yearWhole;
  if (pooled === 0 || pooled === 1) return undefined;
  const z = (part / whole - restPart / restWhole) / Math.sqrt(pooled * (1 - pooled) * (1 / whole + 1 / restWhole));
  if (Math.abs(z) < Z95) return undefined;
  return arrow(z > 0, higherIsBetter, `${pct(part / whole)} vs ${pct(restPart / restWhole)} the rest of the year`);
}

/** Median hours against the year's: only on enough admissions on both sides and a change of a tenth or more. */
function medianTrend(window: WindowScore, year: WindowScore): Trend | undefined {
  const [now, then] = [window.medianHoursToSoc, year.medianHoursToSoc];
  if (now === null || then === null || then === 0 || window.admitted < MIN_CASES || year.admitted - window.admitted < MIN_CASES) return undefined;
  const change = (now - then) / then;
  if (Math.abs(change) < 0.1) return undefined;
  return arrow(change > 0, false, `${Math.round(now)} h vs ${Math.round(then)} h over the year`);
}

/**
 * The other figures' arrows: the window against the rest of the year, shown only when the difference is unlikely to
 * be chance (a source that sent three referrals gets no arrow for them). None for the 365-day window itself.
 */
export function windowTrends(scorecard: Scorecard, days: WindowDays): Record<'admissions' | 'conversion' | 'medianHoursToSoc' | 'timelyRate', Trend | undefined> {
  const w: WindowScore = scorecard.windows[days];
  const year = scorecard.windows['365'];
  if (days === '365') return { admissions: undefined, conversion: undefined, medianHoursToSoc: undefined, timelyRate: undefined };
  return {
    admissions: countTrend(w.admitted, year.admitted, DAYS[days], true),
    conversion: shareTrend(w.admitted, w.admitted + w.nonAdmitted, year.admitted, year.admitted + year.nonAdmitted, true),
    medianHoursToSoc: medianTrend(w, year),
    timelyRate: shareTrend(w.timely, w.timely + w.notTimely, year.timely, year.timely + year.notTimely, true),
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
