import type { TenantId } from '../config/tenantSettings';
import type { ReferralState } from '../domain/referralLifecycle';
import { inTransaction, type Pool } from '../store/postgres';
import { SyncQueue, type RecordKind } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';
import { resolveSourcesAhead } from './attribution';
import { syncOnce, type SyncOptions, type SyncRound, type SyncTarget } from './syncOnce';

export interface BackfillProgress {
  kind: RecordKind;
  /** Records of this kind that HubSpot holds as we last wrote them. */
  done: number;
  total: number;
}

export interface BackfillSummary {
  resumed: boolean;
  queued: Record<RecordKind, number>;
  round: SyncRound;
}

/** Keys queued per transaction (each advances the checkpoint). */
const QUEUE_CHUNK = 1000;

/**
 * Rounds in flight at once. A round is sequential (queue, database, then one upsert and one call per association
 * label), so one at a time leaves the rate limit partly unused while it waits on PostgreSQL and on answers; a few
 * keep the HubSpot client's limiter, which they share, always with a request waiting. pg-boss gives each round its
 * own jobs, as it does to several processes.
 */
const DEFAULT_CONCURRENT_ROUNDS = 4;

/**
 * Writes every referral and admission of a tenant to HubSpot: `referralynx sync --backfill`. Referrals are queued in
 * key order, a thousand per transaction with the checkpoint (backfill_runs) advanced in the same transaction, then
 * written; then admissions the same way, so each admission finds its referral's id and batches stay full. Killed at
 * any point (kill -9 included), a new run resumes from the checkpoint: what was queued is still queued (pg-boss), what
 * was written is skipped by its hash, and every write is an upsert by the EHR id, so there is no gap and no duplicate.
 * Before the referral rounds, the CRM records of all their sources are looked up at once (resolveSourcesAhead), so
 * the rounds spend their calls on writes alone.
 */
export async function backfill(
  options: SyncOptions & { tenantId: TenantId; onProgress?: (progress: BackfillProgress) => void; concurrentRounds?: number },
): Promise<BackfillSummary> {
  const { pool, tenantId } = options;
  const queue = options.queue ?? new SyncQueue(pool);
  const store = new SyncStore();
  const summary: BackfillSummary = {
    resumed: false,
    queued: { referral: 0, admission: 0 },
    round: { taken: 0, written: 0, unchanged: 0, failed: 0 },
  };
  for (const kind of ['referral', 'admission'] as const) {
    const run = await store.beginBackfill(pool, tenantId, kind);
    summary.resumed ||= run.resumed;
    let lastKey = run.lastKey;
    summary.queued[kind] = run.queued;
    for (;;) {
      const keys = await store.keysAfter(pool, tenantId, kind, lastKey, QUEUE_CHUNK);
      const last = keys.at(-1);
      if (last === undefined) break;
      await inTransaction(pool, async (client) => {
        await queue.enqueue(client, tenantId, kind, keys);
        await store.advanceBackfill(client, tenantId, kind, last, keys.length);
      });
      lastKey = last;
      summary.queued[kind] += keys.length;
    }
    const total = await store.recordCount(pool, tenantId, kind);
    const report = async () => {
      if (!options.onProgress) return;
      const written = await store.writtenCounts(pool, tenantId);
      options.onProgress({ kind, done: written[kind].written, total });
    };
    await report();
    if (kind === 'referral') {
      const target = await targetOf(options, tenantId);
      if (target) await inTransaction(pool, (client) => resolveSourcesAhead({ client, store, hubspot: target.hubspot, tenant: target.tenant }, referralChunks(pool, store, tenantId)));
    }
    const rounds = async () => {
      for (;;) {
        const round = await syncOnce({ ...options, queue, kinds: [kind] });
        summary.round.taken += round.taken;
        summary.round.written += round.written;
        summary.round.unchanged += round.unchanged;
        summary.round.failed += round.failed;
        await report();
        if (round.taken === 0) return;
      }
    };
    // Until nothing of this kind is waiting or being written, here or by a server process sharing the queue.
    for (;;) {
      const settled = await Promise.allSettled(Array.from({ length: options.concurrentRounds ?? DEFAULT_CONCURRENT_ROUNDS }, rounds));
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      const backlog = (await queue.backlog(pool, tenantId))[kind];
      // Jobs waiting to be retried that no refusal explains were given back by pg-boss after a process died holding
      // them: they are part of the backfill. Records HubSpot refused wait for their own retries (or `sync retry`).
      const refused = (await store.failures(pool, tenantId)).retrying[kind];
      const givenBack = Math.max(0, backlog.retrying - refused);
      if (backlog.due + backlog.active + givenBack === 0) break;
      // Jobs still taken: by a server process at work, or by a run killed mid-round, which pg-boss gives back once
      // they expire (two minutes); expiring them is part of its maintenance, run here rather than waited for.
      await queue.maintain();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await report();
    await store.finishBackfill(pool, tenantId, kind);
  }
  return summary;
}

async function targetOf(options: SyncOptions, tenantId: TenantId): Promise<SyncTarget | undefined> {
  if (typeof options.target === 'function') return options.target(tenantId);
  return options.target.tenant.tenantId === tenantId ? options.target : undefined;
}

/** Every referral of the tenant, a thousand at a time in key order. */
async function* referralChunks(pool: Pool, store: SyncStore, tenantId: TenantId): AsyncGenerator<ReferralState[]> {
  let lastKey = '';
  for (;;) {
    const keys = await store.keysAfter(pool, tenantId, 'referral', lastKey, QUEUE_CHUNK);
    if (keys.length === 0) return;
    yield [...(await store.states(pool, tenantId, 'referral', keys)).values()];
    lastKey = keys.at(-1) ?? lastKey;
  }
}
