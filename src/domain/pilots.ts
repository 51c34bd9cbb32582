import { z } from 'zod';
import { calendarDate } from './events';
import { businessLine } from './events';

/**
 * Pilot projects with a referral source (issue #6): a period, a scope (business line, service-area ZIPs) and
 * standards, each a metric with a target share, e.g. "90% of admissions start care within 24 hours". Progress is
 * computed from the same referral facts as the scorecards; the status says whether the pilot is on track, at risk,
 * met or missed. Pure.
 */

const share = z.coerce.number().gt(0).max(1);

export const pilotStandardSchema = z.discriminatedUnion('metric', [
  /** Admissions whose first visit came within `hours` of the referral. */
  z.object({ metric: z.literal('soc_within_hours'), hours: z.coerce.number().positive().max(240), target: share }).strict(),
  /** Admitted referrals received before noon (local) whose first visit was the same local day. */
  z.object({ metric: z.literal('same_day_soc_before_noon'), target: share }).strict(),
  /** Admitted / (admitted + non-admitted). */
  z.object({ metric: z.literal('conversion'), target: share }).strict(),
  /** CMS timely initiation: timely / (timely + not timely). */
  z.object({ metric: z.literal('timely_initiation'), target: share }).strict(),
]);
export type PilotStandard = z.infer<typeof pilotStandardSchema>;

export const pilotSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    companyId: z.string().trim().regex(/^\d+$/, 'must be a HubSpot company id'),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    businessLine: businessLine.optional(),
    /** Five-digit ZIPs of the service area the pilot covers; they stay on the server (a ZIP is PHI under Safe Harbor). */
    serviceZips: z.array(z.string().regex(/^\d{5}$/, 'must be a 5-digit ZIP code')).max(200).optional(),
    standards: z.array(pilotStandardSchema).min(1).max(10),
  })
  .strict()
  .refine((pilot) => pilot.periodEnd >= pilot.periodStart, { message: 'the period must end on or after its start', path: ['periodEnd'] });
export type PilotDefinition = z.infer<typeof pilotSchema>;

/** How many cases meet a standard, of how many it applies to. */
export interface StandardCount {
  met: number;
  of: number;
}

/** What the facts of the pilot's scope and period so far say (src/store/pilotStore.ts). */
export interface PilotFacts {
  admitted: number;
  nonAdmitted: number;
  timely: number;
  notTimely: number;
  /** Admitted referrals received before noon, and those of them seen the same local day. */
  beforeNoon: StandardCount;
  /** Hours from referral to first visit of each admission. */
  hoursToSoc: readonly number[];
}

/** The facts of a pilot whose period has not begun: nothing to measure yet. */
export const NO_PILOT_FACTS: PilotFacts = Object.freeze({ admitted: 0, nonAdmitted: 0, timely: 0, notTimely: 0, beforeNoon: { met: 0, of: 0 }, hoursToSoc: [] });

export type PilotStatus = 'not_started' | 'on_track' | 'at_risk' | 'met' | 'missed';

/** A status as the cards and the partner summary say it. */
export const pilotStatusWords: Readonly<Record<PilotStatus, string>> = {
  not_started: 'not started',
  on_track: 'on track',
  at_risk: 'at risk',
  met: 'met',
  missed: 'missed',
};

export interface StandardProgress extends StandardCount {
  text: string;
  target: number;
  /** met / of, null while it applies to no case. */
  value: number | null;
  status: PilotStatus;
}

export interface PilotProgress {
  status: PilotStatus;
  standards: StandardProgress[];
}

/** Under this many cases, a standard below its target is not yet "at risk": one late start in three says little. */
export const MIN_CASES_FOR_RISK = 5;

const pct = (share: number) => `${Math.round(share * 100)}%`;

export function standardText(standard: PilotStandard): string {
  switch (standard.metric) {
    case 'soc_within_hours':
      return `${pct(standard.target)} of admissions start care within ${standard.hours} hours`;
    case 'same_day_soc_before_noon':
      return `${pct(standard.target)} same-day start of care for referrals received before noon`;
    case 'conversion':
      return `${pct(standard.target)} of referrals admitted`;
    case 'timely_initiation':
      return `${pct(standard.target)} timely initiation of care`;
  }
}

export function standardCount(standard: PilotStandard, facts: PilotFacts): StandardCount {
  switch (standard.metric) {
    case 'soc_within_hours':
      return { met: facts.hoursToSoc.filter((hours) => hours <= standard.hours).length, of: facts.hoursToSoc.length };
    case 'same_day_soc_before_noon':
      return facts.beforeNoon;
    case 'conversion':
      return { met: facts.admitted, of: facts.admitted + facts.nonAdmitted };
    case 'timely_initiation':
      return { met: facts.timely, of: facts.timely + facts.notTimely };
  }
}

/**
 * Progress on each standard and the pilot's status on `today` (a local date). Before the period: not started. After
 * it: each standard met or missed by its final share (one with no case is missed: nothing showed it), and the pilot
 * met only when all are. During it: a standard below target on at least MIN_CASES_FOR_RISK cases is at risk, and so
 * is the pilot; otherwise on track.
 */
export function pilotProgress(pilot: Pick<PilotDefinition, 'periodStart' | 'periodEnd' | 'standards'>, facts: PilotFacts, today: string): PilotProgress {
  const over = today > pilot.periodEnd;
  const standards = pilot.standards.map((standard): StandardProgress => {
    const count = standardCount(standard, facts);
    const value = count.of > 0 ? count.met / count.of : null;
    const reached = value !== null && value >= standard.target;
    const status: PilotStatus =
      today < pilot.periodStart ? 'not_started' : over ? (reached ? 'met' : 'missed') : !reached && count.of >= MIN_CASES_FOR_RISK ? 'at_risk' : 'on_track';
    return { ...count, text: standardText(standard), target: standard.target, value, status };
  });
  const status: PilotStatus =
    today < pilot.periodStart
      ? 'not_started'
      : over
        ? standards.every((s) => s.status === 'met')
          ? 'met'
          : 'missed'
        : standards.some((s) => s.status === 'at_risk')
          ? 'at_risk'
          : 'on_track';
  return { status, standards };
}

/** One line per standard for the partner summary and the task: "92% of 25 admissions ... (goal 90%): on track". */
export function progressLines(progress: PilotProgress): string[] {
  return progress.standards.map((s) => `${s.text}: ${s.value === null ? 'no case yet' : `${pct(s.value)} (${s.met} of ${s.of})`}, ${pilotStatusWords[s.status]}`);
}
