import { nonAdmitReasonsOf } from '../config/tenantSettings';
import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import {
  duePartnerSummaryPeriods,
  latestReferralOf,
  partnerSummaryFollowUp,
  partnerSummaryText,
  SERIES_LENGTH,
  seriesOf,
  summarizePartner,
  type SummaryPeriod,
} from '../domain/partnerSummary';
import { pilotProgress, progressLines } from '../domain/pilots';
import { FollowUpStore } from '../store/followUpStore';
import { PilotStore } from '../store/pilotStore';
import { PartnerSummaryStore, type AttributedReferral, type PartnerSummaryDraft } from '../store/partnerSummaryStore';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import type { SyncQueue } from '../store/syncQueue';
import { agencyNameOf, calendarOf, keepFollowUps } from './followUps';
import type { SyncTarget } from './syncOnce';

/**
 * Partner summaries (issue #5): when a week or a month is over (the first business day after it, at
 * followUps.partnerSummary.at), each source that sent referrals in it gets its summary (src/domain/partnerSummary.ts),
 * kept in partner_summaries with a token for its PDF, and its liaison an email task to send it: the task is decided
 * and queued like every follow-up (FollowUpStore.decide and the task queue), in the same transaction, so the task
 * round creates it once. Cron fires every 15 minutes in every process; one does the work (an advisory lock), and a
 * summary already made for a source and period is never made again.
 */

const followUps = new FollowUpStore();
const summaries = new PartnerSummaryStore();
const pilots = new PilotStore();

/**
 * The pilots with a company that ran during the period, as the summary says them: where each stood at the end of the
 * period (or now, for one still running), e.g. 'Our pilot "Same-day starts": 90% of admissions start care within 24
 * hours: 92% (23 of 25), on track.'
 */
async function pilotSentences(client: PoolClient, tenantId: number, companyId: string, period: SummaryPeriod, timeZone: string): Promise<string[]> {
  const running = (await pilots.list(client, tenantId, companyId)).filter((p) => p.periodStart <= period.to && p.periodEnd >= period.from);
  const sentences: string[] = [];
  for (const pilot of running) {
    const asOf = pilot.periodEnd < period.to ? pilot.periodEnd : period.to;
    const progress = pilotProgress(pilot, await pilots.facts(client, tenantId, pilot, timeZone, asOf), asOf);
    sentences.push(`Our pilot "${pilot.name}": ${progressLines(progress).join('; ')}.`);
  }
  return sentences;
}

export const PARTNER_SUMMARY_PATH = '/partner-summaries';

export interface PartnerSummaryLinks {
  /** The server's public origin (PUBLIC_BASE_URL): the task links the PDF there; else it names the CLI command. */
  publicBaseUrl?: string | undefined;
}

/** 32 random bytes: a link nobody can guess, to a page meant for one source. */
export function newSummaryToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function summaryPdfUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}${PARTNER_SUMMARY_PATH}/${token}.pdf`;
}

/** The summaries and tasks of one period: returns how many tasks are new. */
async function preparePeriod(
  client: PoolClient,
  queue: SyncQueue,
  target: SyncTarget,
  due: { period: SummaryPeriod; dueAt: Date },
  links: PartnerSummaryLinks,
): Promise<number> {
  const { tenant } = target;
  const { timeZone } = tenant.settings;
  const { period, dueAt } = due;
  const first = seriesOf(period, SERIES_LENGTH[period.every])[0] ?? period;
  const localMidnight = (date: string) => DateTime.fromISO(date, { zone: timeZone }).startOf('day').toJSDate();
  const referrals = await summaries.attributedReferrals(client, tenant.tenantId, {
    from: localMidnight(first.from),
    before: localMidnight(DateTime.fromISO(period.to, { zone: 'utc' }).plus({ days: 1 }).toFormat('yyyy-MM-dd')),
    firstDate: first.from,
    lastDate: period.to,
  });
  const bySource = new Map<string, AttributedReferral[]>();
  for (const referral of referrals) bySource.set(referral.sourceRef, [...(bySource.get(referral.sourceRef) ?? []), referral]);

  const agency = agencyNameOf(tenant);
  const made: Array<PartnerSummaryDraft & { referralKey: string; ownerId: string | undefined; pilots: string[] }> = [];
  for (const [sourceRef, attributed] of bySource) {
    const states = attributed.map((a) => a.state);
    // The source's latest referral of the period gives its name, its liaison, and the record the task hangs on; a
    // source with none in the period (only in the chart's earlier ones) gets no summary.
    const newest = latestReferralOf(states, period, timeZone);
    const latest = attributed.find((a) => a.state.referralKey === newest?.referralKey);
    if (!latest) continue;
    const summary = summarizePartner(states, period, timeZone, nonAdmitReasonsOf(tenant.settings));
    const sourceName = latest.state.facts.referringOrganization?.name ?? 'Referral source';
    const pilotLines = latest.companyId ? await pilotSentences(client, tenant.tenantId, latest.companyId, period, timeZone) : [];
    made.push({
      sourceRef,
      sourceName,
      agencyName: agency,
      summary,
      pilots: pilotLines,
      text: partnerSummaryText(summary, { agency }, pilotLines),
      token: newSummaryToken(),
      referralKey: latest.state.referralKey,
      ownerId: latest.ownerId ?? undefined,
    });
  }
  const kept = await summaries.keep(client, tenant.tenantId, made);
  const intents = made.flatMap((draft) => {
    const summaryId = kept.get(draft.sourceRef);
    if (summaryId === undefined) return [];
    return [
      partnerSummaryFollowUp({
        summary: draft.summary,
        names: { agency, source: draft.sourceName },
        sourceRef: draft.sourceRef,
        referralKey: draft.referralKey,
        ownerId: draft.ownerId,
        pdf: links.publicBaseUrl
          ? { url: summaryPdfUrl(links.publicBaseUrl, draft.token) }
          : { command: `\`referralynx summaries pdf ${summaryId} --out summary.pdf\`` },
        dueAt,
        pilots: draft.pilots,
      }),
    ];
  });
  return keepFollowUps(client, queue, tenant.tenantId, intents);
}

/**
 * Makes the partner summaries due at `now` (those whose period ended at most followUps.skipOlderThanDays ago, so a
 * server started on a year of history sends no backlog) and decides their tasks. Returns the number of new tasks, or
 * undefined when another process is doing it.
 */
export async function preparePartnerSummaries(
  pool: Pool,
  queue: SyncQueue,
  target: SyncTarget,
  now: Date,
  links: PartnerSummaryLinks = {},
): Promise<number | undefined> {
  const { tenant } = target;
  const due = duePartnerSummaryPeriods(tenant.settings.followUps, calendarOf(tenant), tenant.settings.timeZone, now);
  if (due.length === 0) return 0;
  return inTransaction(pool, async (client) => {
    if (!(await followUps.tryLock(client, tenant.tenantId, 'partner-summaries'))) return undefined;
    let made = 0;
    for (const period of due) made += await preparePeriod(client, queue, target, period, links);
    return made;
  });
}
