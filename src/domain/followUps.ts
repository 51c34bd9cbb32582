import { DateTime } from 'luxon';
import { z } from 'zod';
import type { BusinessCalendar } from './businessTime';
import { hoursToStartOfCare, type AdmissionState, type ReferralState } from './referralLifecycle';
import { defaultNonAdmitVocabulary, nonAdmitTerms, type NonAdmitVocabulary } from './nonAdmitReasons';
import { hoursText } from './plainWords';
import { businessLines, closedReferralStatuses, followUpRules, type BusinessLine, type FollowUpRule } from './vocabulary';

/**
 * Follow-up rules (issue #5): which HubSpot tasks a referral or an admission calls for, for whom, when they are due,
 * and what they say. Pure: the referral's state, who the owners are, the tenant's rules and calendar, and the moment
 * of evaluation go in; task intents come out. Each intent carries a dedupe key that depends only on what it is about
 * (the rule and the referral, admission or source), so evaluating again, after a replayed feed, a restart or in a
 * second worker, yields the same key and the store creates the task once.
 */

export type { FollowUpRule };

/** The rule's name as managers read it in HubSpot's reports (the rlx_follow_up_rule option labels). */
export function followUpRuleLabel(rule: FollowUpRule): string {
  return followUpRules.find((r) => r.value === rule)?.label ?? rule;
}

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:mm, e.g. 10:00');
/** Settings arrive as text from the CLI (`--set followUps.nonAdmit.enabled=false`) and as JSON from the database. */
const enabled = z.union([z.boolean(), z.stringbool()]).default(true);

/**
 * A tenant's follow-up rules, with defaults an agency can keep. Stored in tenant settings (`followUps`).
 * - businessHours: the agency's working day, with the tenant's time zone and holiday calendar (DESIGN.md, US federal
 *   holidays by default), for every due time counted in business days or hours.
 * - skipOlderThanDays: a task whose due time passed longer ago than this is not created: loading last year's feed
 *   (a backfill, the demo) raises no tasks for long-finished referrals.
 */
export const followUpSettingsSchema = z.object({
  businessHours: z
    .object({
      dayStart: clockTime.default('08:00'),
      dayEnd: clockTime.default('17:00'),
      workdays: z
        .preprocess(
          (value) => (typeof value === 'string' ? value.split(',').map((day) => Number(day.trim())) : value),
          z.array(z.number().int().min(1).max(7)).min(1),
        )
        .default([1, 2, 3, 4, 5]),
    })
    .prefault({}),
  skipOlderThanDays: z.coerce.number().min(0).max(60).default(3),
  /** Who works the intake queue: an owner id or a user's email. Stalled referrals and NOE warnings go there too. */
  intakeOwner: z.string().trim().min(1).max(200).optional(),
  newReferral: z.object({ enabled }).prefault({}),
  firstReferral: z.object({ enabled, at: clockTime.default('10:00') }).prefault({}),
  nonAdmit: z.object({ enabled }).prefault({}),
  startOfCare: z.object({ enabled, at: clockTime.default('10:00') }).prefault({}),
  stalledReferral: z.object({ enabled, afterBusinessHours: z.coerce.number().positive().max(80).default(3) }).prefault({}),
  /** Account check-ins: days between check-ins by the company's tier (rlx_account_tier), counted from its last activity. */
  checkIn: z
    .object({
      enabled,
      everyDays: z
        .object({
          A: z.coerce.number().int().min(1).max(365).default(14),
          B: z.coerce.number().int().min(1).max(365).default(30),
          C: z.coerce.number().int().min(1).max(365).default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Dormant sources: no referral for `gapMultiple` times the source's median gap between referrals and at least
   * `minDays`, for a source with at least `minReferrals` referrals (fewer give no usual interval to speak of).
   */
  dormantSource: z
    .object({
      enabled,
      gapMultiple: z.coerce.number().min(1).max(10).default(2),
      minDays: z.coerce.number().int().min(1).max(365).default(21),
      minReferrals: z.coerce.number().int().min(3).max(100).default(3),
    })
    .prefault({}),
  /** Hospice: the Notice of Election must be accepted within 5 calendar days of election; warn on this day after it. */
  noe: z.object({ enabled, warnOnDay: z.coerce.number().int().min(1).max(5).default(4) }).prefault({}),
  /**
   * Each source's summary of a week (Monday to Sunday) or a calendar month, for its liaison to send: due the first
   * business day after the period, at `at` (src/domain/partnerSummary.ts).
   */
  partnerSummary: z.object({ enabled, every: z.enum(['week', 'month']).default('month'), at: clockTime.default('09:00') }).prefault({}),
});
export type FollowUpSettings = z.infer<typeof followUpSettingsSchema>;
export const defaultFollowUpSettings: FollowUpSettings = followUpSettingsSchema.parse({});

export type TaskType = 'CALL' | 'EMAIL' | 'TODO';
export type TaskPriority = 'HIGH' | 'MEDIUM' | 'LOW';
/** Whose task it is: the referral's liaison (the attribution chain of src/domain/attribution.ts) or intake. */
/** Account tasks go to the company's owner. */
export type OwnerRole = 'liaison' | 'intake' | 'company';

export interface TaskIntent {
  key: string;
  rule: FollowUpRule;
  type: TaskType;
  priority: TaskPriority;
  subject: string;
  body: string;
  dueAt: Date;
  role: OwnerRole;
  /** Undefined when the role has nobody: the task is created unassigned, in the portal's task queue. */
  ownerId: string | undefined;
  /** The referral it is about (and associated with); undefined for account tasks (check-ins, dormant sources). */
  referralKey: string | undefined;
  admissionKey?: string;
  /** The company of an account task; a referral's task finds its company through the referral's attribution. */
  companyId?: string;
  /** What the task is associated with in HubSpot, besides the referral record. */
  withCompany: boolean;
  withContact: boolean;
}

/** What the rules need to know besides the referral: names for the text, and who is who. */
export interface FollowUpContext {
  /** How the agency signs its messages to sources (the agencyName setting); unsigned when unknown. */
  agencyName: string | undefined;
  /** The referral source as the CRM names it, e.g. "Mercy General Hospital". */
  sourceName: string | undefined;
  /** The source's stable reference (src/domain/attribution.ts), for the one thank-you per source. */
  sourceRef: string | undefined;
  /** The referring clinician, e.g. "Dr. Anita Patel". */
  clinicianName: string | undefined;
  /** This referral is the first the agency received from its source. */
  firstFromSource: boolean;
  owners: { liaison: string | undefined; intake: string | undefined };
  /** The tenant's non-admit reasons (tenant settings); Referralynx's defaults when not given. */
  nonAdmitReasons?: NonAdmitVocabulary;
}

const lineWords = (line: BusinessLine | undefined) => businessLines.find((l) => l.value === line)?.label.toLowerCase();

/** The text of a day in the tenant's zone, e.g. "November 25". */
function dayText(calendar: BusinessCalendar, instant: Date, timeZone: string): string {
  return DateTime.fromISO(calendar.localDate(instant), { zone: timeZone }).toFormat('LLLL d');
}

/** The line of a task's body after which comes, quoted on one line, the message the liaison sends the source. */
export const MESSAGE_FOR_SOURCE = 'Message for the source:';

/** The message for the source a task's body carries, without its quotes; undefined when it carries none. */
export function messageForSource(body: string): string | undefined {
  const lines = body.split('\n');
  const at = lines.indexOf(MESSAGE_FOR_SOURCE);
  const quoted = at >= 0 ? lines[at + 1] : undefined;
  return quoted?.replace(/^"(.*)"$/, '$1') || undefined;
}

/** What closes the loop on a referral that reached an outcome: the rule whose task carries it, and the message. */
export interface CloseTheLoop {
  rule: Extract<FollowUpRule, 'non_admit' | 'start_of_care'>;
  message: string;
}

/**
 * The message that tells a source how its referral ended: why it was not admitted, with an offer, or when care
 * started and how soon after the referral. The non-admit call and the start-of-care update carry it, and the referral
 * card shows it; undefined while the referral has no such outcome.
 */
export function closeTheLoopMessage(
  referral: ReferralState,
  agencyName: string | undefined,
  calendar: BusinessCalendar,
  timeZone: string,
  nonAdmitReasons: NonAdmitVocabulary = defaultNonAdmitVocabulary,
): CloseTheLoop | undefined {
  const receivedAt = referral.facts.receivedAt ? new Date(referral.facts.receivedAt) : undefined;
  if (!receivedAt) return undefined;
  const received = dayText(calendar, receivedAt, timeZone);
  const sign = agencyName ? ` — ${agencyName}` : '';
  if (referral.status === 'non_admitted' && referral.nonAdmitReason) {
    const terms = nonAdmitTerms(nonAdmitReasons, referral.nonAdmitReason);
    return {
      rule: 'non_admit',
      message: `Thank you for your referral of ${received}. We were not able to admit your patient: ${terms.words}. ${terms.offer}${sign}`,
    };
  }
  const hours = hoursToStartOfCare(referral);
  if (referral.status === 'admitted' && referral.firstVisitAt && hours !== undefined) {
    const line = lineWords(referral.facts.businessLine);
    const seen = dayText(calendar, new Date(referral.firstVisitAt), timeZone);
    return {
      rule: 'start_of_care',
      message: `Thank you for your referral of ${received}. Our team saw your patient on ${seen}, ${hoursText(hours)} after we received it, and ${line ? `${line} care` : 'care'} has started.${sign}`,
    };
  }
  return undefined;
}

/**
 * The tasks a referral calls for at `now`: an alert to the liaison when it arrives, a thank-you call for a source's
 * first referral, a call the same business day to explain a non-admit, the start-of-care update the next business
 * day, and an escalation once when it has had no status change for N business hours after receipt.
 */
export function referralFollowUps(
  referral: ReferralState,
  context: FollowUpContext,
  settings: FollowUpSettings,
  calendar: BusinessCalendar,
  timeZone: string,
  now: Date,
): TaskIntent[] {
  const receivedAt = referral.facts.receivedAt ? new Date(referral.facts.receivedAt) : undefined;
  if (!receivedAt) return [];
  const source = context.sourceName ?? 'the referral source';
  const line = lineWords(referral.facts.businessLine);
  const received = dayText(calendar, receivedAt, timeZone);
  const us = context.agencyName ?? 'us';
  const sign = context.agencyName ? ` — ${context.agencyName}` : '';
  const intents: TaskIntent[] = [];
  const add = (intent: Omit<TaskIntent, 'referralKey' | 'ownerId' | 'role'> & { role: 'liaison' | 'intake' }) => {
    // A task due long ago (last year's referrals loaded by a backfill) is history, not work.
    if (now.getTime() - intent.dueAt.getTime() > settings.skipOlderThanDays * 86_400_000) return;
    intents.push({ ...intent, referralKey: referral.referralKey, ownerId: context.owners[intent.role] });
  };
  const closed = closedReferralStatuses.includes(referral.status);

  if (settings.newReferral.enabled && !closed) {
    add({
      key: `new_referral:${referral.referralKey}`,
      rule: 'new_referral',
      type: 'TODO',
      priority: 'HIGH',
      subject: `New referral from ${source}${line ? ` · ${line}` : ''}`,
      body: [
        `${source} sent ${line ? `a ${line}` : 'a'} referral, received ${received} at ${DateTime.fromJSDate(receivedAt, { zone: timeZone }).toFormat('h:mm a')}.`,
        'Check that intake has what it needs, and let the source know it is in good hands.',
      ].join('\n'),
      dueAt: receivedAt,
      role: 'liaison',
      withCompany: true,
      withContact: true,
    });
  }

  if (settings.firstReferral.enabled && context.firstFromSource && context.sourceRef) {
    add({
      key: `first_referral:${context.sourceRef}`,
      rule: 'first_referral',
      type: 'CALL',
      priority: 'MEDIUM',
      subject: `Thank-you call: first referral from ${source}`,
      body: [
        `${source} sent its first referral to ${us} on ${received}.`,
        `Call ${context.clinicianName ?? 'the referring contact'} to thank them and say how referrals reach you.`,
        '',
        MESSAGE_FOR_SOURCE,
        `"Thank you for your first referral to ${us}. We will keep you posted on how your patient is doing.${sign}"`,
      ].join('\n'),
      dueAt: calendar.nextBusinessDayAt(receivedAt, settings.firstReferral.at),
      role: 'liaison',
      withCompany: true,
      withContact: true,
    });
  }

  const nonAdmitReasons = context.nonAdmitReasons ?? defaultNonAdmitVocabulary;
  const loop = closeTheLoopMessage(referral, context.agencyName, calendar, timeZone, nonAdmitReasons);
  const nonAdmitted = referral.history.find((change) => change.status === 'non_admitted');
  if (settings.nonAdmit.enabled && loop?.rule === 'non_admit' && nonAdmitted && referral.nonAdmitReason) {
    const words = nonAdmitTerms(nonAdmitReasons, referral.nonAdmitReason).words;
    const outcome = referral.facts.businessLine === 'hospice' ? 'not taken under care' : 'not admitted';
    add({
      key: `non_admit:${referral.referralKey}`,
      rule: 'non_admit',
      type: 'CALL',
      priority: 'HIGH',
      subject: `Call ${source}: referral of ${received} ${outcome} (${words})`,
      body: [
        `Call ${context.clinicianName ?? 'the referring contact'} at ${source} today to explain, and offer an alternative.`,
        '',
        MESSAGE_FOR_SOURCE,
        `"${loop.message}"`,
      ].join('\n'),
      dueAt: calendar.endOfBusinessDay(new Date(nonAdmitted.at)),
      role: 'liaison',
      withCompany: true,
      withContact: true,
    });
  }

  const hours = hoursToStartOfCare(referral);
  const seenAt = referral.firstVisitAt ? new Date(referral.firstVisitAt) : undefined;
  if (settings.startOfCare.enabled && loop?.rule === 'start_of_care' && seenAt && hours !== undefined) {
    add({
      key: `start_of_care:${referral.referralKey}`,
      rule: 'start_of_care',
      type: 'EMAIL',
      priority: 'MEDIUM',
      subject: `Send SOC update to ${source}: seen ${hoursText(hours)} after referral`,
      body: [
        `Send ${context.clinicianName ?? 'the referring contact'} at ${source} the start-of-care update.`,
        '',
        MESSAGE_FOR_SOURCE,
        `"${loop.message}"`,
      ].join('\n'),
      dueAt: calendar.nextBusinessDayAt(seenAt, settings.startOfCare.at),
      role: 'liaison',
      withCompany: true,
      withContact: true,
    });
  }

  // Stalled: still at its first status (no change at all) N business hours after it was received.
  const stalledAt = calendar.addBusinessHours(receivedAt, settings.stalledReferral.afterBusinessHours);
  if (settings.stalledReferral.enabled && !closed && referral.history.length <= 1 && now.getTime() >= stalledAt.getTime()) {
    const after = `${settings.stalledReferral.afterBusinessHours} business hour${settings.stalledReferral.afterBusinessHours === 1 ? '' : 's'}`;
    const roles: Array<'liaison' | 'intake'> = context.owners.intake !== undefined && context.owners.intake === context.owners.liaison ? ['liaison'] : ['intake', 'liaison'];
    for (const role of roles) {
      if (role === 'intake' && context.owners.intake === undefined) continue;
      add({
        key: `stalled_referral:${referral.referralKey}:${role}`,
        rule: 'stalled_referral',
        type: 'TODO',
        priority: 'HIGH',
        subject: `Stalled referral from ${source}: no update ${after} after receipt`,
        body: [
          `The ${line ? `${line} ` : ''}referral ${source} sent on ${received} has had no status change in ${after}.`,
          role === 'intake' ? 'Move it forward in the EHR, or record why it waits.' : 'Check with intake, and tell the source where it stands.',
        ].join('\n'),
        dueAt: stalledAt,
        role,
        withCompany: true,
        withContact: false,
      });
    }
  }
  return intents;
}

/**
 * Hospice: the Notice of Election must be accepted within 5 calendar days of the election (DESIGN.md); on day
 * `warnOnDay` after the election (the election date is day 0) with no acceptance, intake is told, else the liaison.
 */
export function admissionFollowUps(
  admission: AdmissionState,
  context: FollowUpContext,
  settings: FollowUpSettings,
  timeZone: string,
  now: Date,
): TaskIntent[] {
  if (!settings.noe.enabled || !admission.electionDate || admission.noeAcceptedDate || !admission.referralKey) return [];
  if (admission.status === 'cancelled') return [];
  const election = DateTime.fromISO(admission.electionDate, { zone: timeZone });
  const warnOn = election.plus({ days: settings.noe.warnOnDay });
  if (now.getTime() < warnOn.startOf('day').toMillis()) return [];
  // The deadline is in calendar days, weekends included: due the end of the working day of the warning day itself.
  const [hour = 17, minute = 0] = settings.businessHours.dayEnd.split(':').map(Number);
  const dueAt = warnOn.set({ hour, minute }).toJSDate();
  if (now.getTime() - dueAt.getTime() > settings.skipOlderThanDays * 86_400_000) return [];
  const deadline = election.plus({ days: 5 }).toFormat('LLLL d');
  const role: OwnerRole = context.owners.intake !== undefined ? 'intake' : 'liaison';
  return [
    {
      key: `noe_overdue:${admission.admissionKey}`,
      rule: 'noe_overdue',
      type: 'TODO',
      priority: 'HIGH',
      subject: `Hospice NOE not accepted: elected ${election.toFormat('LLLL d')}, due by ${deadline}`,
      body: [
        `The Notice of Election for the hospice admission from ${context.sourceName ?? 'the referral source'} (elected ${election.toFormat('LLLL d')}) is not accepted yet${admission.noeSubmittedDate ? ` (submitted ${DateTime.fromISO(admission.noeSubmittedDate).toFormat('LLLL d')})` : ' and not submitted'}.`,
        `Medicare requires it within 5 calendar days of the election, by ${deadline}; when it is late, the days before it is filed are not paid.`,
      ].join('\n'),
      dueAt,
      role,
      ownerId: context.owners[role],
      referralKey: admission.referralKey,
      admissionKey: admission.admissionKey,
      withCompany: true,
      withContact: false,
    },
  ];
}

const DAY_MS = 86_400_000;

/** Whole days from one local date to another (both YYYY-MM-DD). */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** A referral source as the account rules see it. */
export interface SourceAccount {
  /** The source's stable reference (src/domain/attribution.ts). */
  sourceRef: string;
  sourceName: string;
  companyId: string;
  /** Who owns the account: the company's owner. */
  ownerId: string | undefined;
  /** The local dates (YYYY-MM-DD) it sent referrals on, any order, repeats allowed. */
  referralDates: readonly string[];
}

/**
 * A source gone quiet: no referral for well over its usual interval (`gapMultiple` times its median gap between
 * referral days, and at least `minDays`). One task per quiet spell: the key holds the date of the last referral, so
 * the next referral ends the spell and a later one starts a new one.
 */
export function dormantSourceFollowUps(source: SourceAccount, settings: FollowUpSettings, calendar: BusinessCalendar, now: Date): TaskIntent[] {
  const rule = settings.dormantSource;
  const days = [...new Set(source.referralDates)].sort();
  if (!rule.enabled || days.length < rule.minReferrals) return [];
  const gaps = days.slice(1).map((day, i) => daysBetween(days[i] as string, day));
  const usual = median(gaps);
  const quietAfter = Math.max(Math.ceil(rule.gapMultiple * usual), rule.minDays);
  const last = days[days.length - 1] as string;
  const today = calendar.localDate(now);
  const quiet = daysBetween(last, today);
  if (quiet < quietAfter) return [];
  const lastText = DateTime.fromISO(last).toFormat('LLLL d');
  return [
    {
      key: `dormant_source:${source.sourceRef}:${last}`,
      rule: 'dormant_source',
      type: 'CALL',
      priority: 'MEDIUM',
      subject: `Dormant source: no referral from ${source.sourceName} in ${quiet} days (usually every ${Math.round(usual)})`,
      body: [
        `${source.sourceName} usually refers every ${Math.round(usual)} day${Math.round(usual) === 1 ? '' : 's'}; its last referral was on ${lastText}.`,
        'Call to check in: ask how their last patients did with us, and what would help them refer again.',
      ].join('\n'),
      // Due the day the spell became long enough to notice, at the end of that business day.
      dueAt: calendar.endOfBusinessDay(DateTime.fromISO(last, { zone: calendar.timeZone }).plus({ days: quietAfter }).toJSDate()),
      role: 'company',
      ownerId: source.ownerId,
      referralKey: undefined,
      companyId: source.companyId,
      withCompany: true,
      withContact: false,
    },
  ];
}

/**
 * The local date an account's next check-in falls due (the company's rlx_next_checkin_due): its last activity plus
 * its tier's cadence, today when it was never contacted; undefined for a D account, one without a tier, or with
 * check-ins turned off.
 */
export function checkInDueDay(
  account: { tier: string | undefined; lastActivityAt: Date | undefined },
  settings: FollowUpSettings,
  calendar: BusinessCalendar,
  now: Date,
): string | undefined {
  const tier = account.tier === 'A' || account.tier === 'B' || account.tier === 'C' ? account.tier : undefined;
  if (!settings.checkIn.enabled || !tier) return undefined;
  if (!account.lastActivityAt) return calendar.localDate(now);
  return DateTime.fromISO(calendar.localDate(account.lastActivityAt)).plus({ days: settings.checkIn.everyDays[tier] }).toISODate() ?? undefined;
}

/**
 * An account check-in by tier: A, B and C accounts every 14, 30 and 60 days (configurable), counted from the last
 * activity logged on the company (a call, meeting or email: HubSpot's "Last Contacted") or the last check-in task
 * completed, whichever is later; a D account (dormant or new) or one without a tier has no cadence. One task per
 * cycle: its key holds the date it fell due.
 */
export function checkInFollowUps(
  account: { companyId: string; sourceName: string; ownerId: string | undefined; tier: string | undefined; lastActivityAt: Date | undefined },
  settings: FollowUpSettings,
  calendar: BusinessCalendar,
  now: Date,
): TaskIntent[] {
  const rule = settings.checkIn;
  const dueDay = checkInDueDay(account, settings, calendar, now);
  const tier = account.tier as 'A' | 'B' | 'C';
  if (!dueDay || dueDay > calendar.localDate(now)) return [];
  const every = rule.everyDays[tier];
  const lastDay = account.lastActivityAt ? calendar.localDate(account.lastActivityAt) : undefined;
  const since = lastDay ? `last contact ${DateTime.fromISO(lastDay).toFormat('LLLL d')}` : 'no contact logged yet';
  return [
    {
      key: `check_in:${account.companyId}:${dueDay}`,
      rule: 'check_in',
      type: 'CALL',
      priority: 'LOW',
      subject: `Check in with ${account.sourceName} (tier ${tier}, every ${every} days; ${since})`,
      body: [
        `${account.sourceName} is a tier ${tier} account: the agency checks in every ${every} days.`,
        'Log the call or visit on the company so the next check-in is counted from it.',
      ].join('\n'),
      dueAt: calendar.endOfBusinessDay(DateTime.fromISO(dueDay, { zone: calendar.timeZone }).set({ hour: 12 }).toJSDate()),
      role: 'company',
      ownerId: account.ownerId,
      referralKey: undefined,
      companyId: account.companyId,
      withCompany: true,
      withContact: false,
    },
  ];
}
