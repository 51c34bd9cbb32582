import type { SourceObjectType } from '../domain/attribution';
import { hoursToStartOfCare, type ReferralState } from '../domain/referralLifecycle';
import { toScorecard, toScorecardProperties, type Scorecard } from '../domain/scorecard';
import { timelyInitiation } from '../domain/timelyInitiation';
import { batchUpdate } from '../hubspot/api';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import { ScorecardStore, type ReferralFact } from '../store/scorecardStore';
import type { SyncJob, SyncQueue } from '../store/syncQueue';
import { SyncStore, type AttributionDecision } from '../store/syncStore';
import type { Tenant } from '../store/tenants';
import type { SyncRound, SyncTarget } from './syncOnce';
import { DateTime } from 'luxon';

/**
 * Scorecards on referral-source companies and referring clinicians (issue #6). The metrics are SQL aggregates over
 * referral_facts, a row per referral as the sync last wrote it; src/domain/scorecard.ts turns them into the numbers
 * and the HubSpot properties. Incrementally: the referral round saves its referrals' facts and refreshes the
 * scorecards of their companies and clinicians in its transaction; a scorecard whose properties changed is queued
 * (hubspot-scorecards) and the scorecard round writes only the changed values, 100 records per call. Nightly, every
 * scorecard is computed again in one pass (days since the last referral move every day).
 */

const store = new ScorecardStore();
const syncStore = new SyncStore();
const OBJECT_TYPES: readonly SourceObjectType[] = ['companies', 'contacts'];

/** The facts the metrics count for a referral, with the company and clinician it is attributed to. */
export function toReferralFact(state: ReferralState, decision: AttributionDecision | undefined, timeZone: string): ReferralFact | undefined {
  const receivedAt = state.facts.receivedAt ?? state.history[0]?.at;
  if (!receivedAt) return undefined;
  return {
    referralKey: state.referralKey,
    companyId: decision?.companyId ?? null,
    contactId: decision?.contactId ?? null,
    receivedAt,
    status: state.status,
    businessLine: state.facts.businessLine ?? null,
    payerCategory: state.facts.payerCategory ?? null,
    nonAdmitReason: state.status === 'non_admitted' ? (state.nonAdmitReason ?? null) : null,
    hoursToSoc: hoursToStartOfCare(state) ?? null,
    timelyInitiation: timelyInitiation(state, timeZone) ?? null,
    serviceZip: state.facts.serviceZip ?? null,
  };
}

const todayIn = (timeZone: string, now: Date) => DateTime.fromJSDate(now, { zone: timeZone }).toISODate() ?? now.toISOString().slice(0, 10);

const jobKey = (objectType: SourceObjectType, id: string) => `${objectType}:${id}`;

/**
 * Computes the scorecards of these companies or contacts (all of them when `ids` is undefined), saves them, and
 * returns the job keys of those whose properties differ from what HubSpot was last sent.
 */
async function refresh(client: PoolClient | Pool, tenant: Tenant, objectType: SourceObjectType, now: Date, ids?: readonly string[]): Promise<string[]> {
  const { timeZone } = tenant.settings;
  const counts = await store.counts(client, tenant.tenantId, objectType, timeZone, todayIn(timeZone, now), ids);
  const scorecards = [...counts].map(([hubspotId, c]) => ({ hubspotId, metrics: toScorecard(c, tenant.settings.scorecard, todayIn(timeZone, now)) }));
  await store.saveScorecards(client, tenant.tenantId, objectType, scorecards);
  const written = await store.written(client, tenant.tenantId, objectType, scorecards.map((s) => s.hubspotId));
  return scorecards
    .filter(({ hubspotId, metrics }) => Object.keys(changedProperties(metrics, written.get(hubspotId))).length > 0)
    .map(({ hubspotId }) => jobKey(objectType, hubspotId));
}

function changedProperties(scorecard: Scorecard, written: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(toScorecardProperties(scorecard)).filter(([name, value]) => written?.[name] !== value));
}

/**
 * In the referral round's transaction: the facts of the referrals it handled, and a scorecard job for each company
 * and clinician whose referrals it wrote (one job per record however many rounds touch it: pg-boss's singleton key).
 */
export async function recordReferralFacts(
  client: PoolClient,
  queue: SyncQueue,
  tenant: Tenant,
  states: readonly ReferralState[],
  writtenKeys: ReadonlySet<string>,
): Promise<void> {
  if (states.length === 0) return;
  const decisions = await syncStore.decisions(client, tenant.tenantId, states.map((s) => s.referralKey));
  const facts = states.flatMap((state) => toReferralFact(state, decisions.get(state.referralKey), tenant.settings.timeZone) ?? []);
  await store.saveFacts(client, tenant.tenantId, facts);
  const touched = facts.filter((fact) => writtenKeys.has(fact.referralKey));
  const keys = OBJECT_TYPES.flatMap((objectType) =>
    [...new Set(touched.flatMap((fact) => (objectType === 'companies' ? fact.companyId : fact.contactId) ?? []))].map((id) => jobKey(objectType, id)),
  );
  await queue.enqueue(client, tenant.tenantId, 'scorecard', keys);
}

/**
 * Every scorecard of the tenant computed again in one pass, under an advisory lock so one process does it; those
 * whose properties changed are queued for HubSpot. Returns how many were queued, or undefined when another process
 * holds the lock.
 */
export async function recomputeScorecards(pool: Pool, queue: SyncQueue, tenant: Tenant, now: Date): Promise<number | undefined> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [
      `scorecards:${tenant.tenantId}`,
    ]);
    if (rows[0]?.locked !== true) return undefined;
    let queued = 0;
    for (const objectType of OBJECT_TYPES) {
      const keys = await refresh(client, tenant, objectType, now);
      await queue.enqueue(client, tenant.tenantId, 'scorecard', keys);
      queued += keys.length;
    }
    return queued;
  });
}

/**
 * One round of scorecard jobs, in the caller's transaction: the scorecards of up to 100 companies and clinicians
 * computed again from their facts, and only the changed properties written, 100 records per call.
 */
export async function syncScorecardJobs(client: PoolClient, queue: SyncQueue, target: SyncTarget, jobs: readonly SyncJob[], round: SyncRound, now: Date): Promise<void> {
  const { tenant, hubspot } = target;
  for (const objectType of OBJECT_TYPES) {
    const mine = jobs.filter((job) => job.key.startsWith(`${objectType}:`));
    if (mine.length === 0) continue;
    const ids = mine.map((job) => job.key.slice(objectType.length + 1));
    await refresh(client, tenant, objectType, now, ids);
    const written = await store.written(client, tenant.tenantId, objectType, ids);
    const changes: Array<{ id: string; properties: Record<string, string> }> = [];
    for (const id of ids) {
      const saved = await store.scorecard(client, tenant.tenantId, objectType, id);
      if (!saved) continue;
      const changed = changedProperties(saved.metrics as Scorecard, written.get(id));
      if (Object.keys(changed).length > 0) changes.push({ id, properties: changed });
    }
    const outcomes = changes.length > 0 ? await batchUpdate(hubspot, objectType, changes) : [];
    const ok = new Set(outcomes.filter((o) => o.ok).map((o) => o.input.id));
    // A record HubSpot no longer has (deleted, merged away) is let go: the webhook or the next match deals with it.
    await store.markWritten(client, tenant.tenantId, objectType, changes.filter((c) => ok.has(c.id)).map((c) => ({ hubspotId: c.id, properties: c.properties })));
    await queue.complete(client, 'scorecard', mine.map((job) => job.id));
    round.written += ok.size;
    round.unchanged += mine.length - changes.length;
    round.failed += changes.length - ok.size;
  }
}
