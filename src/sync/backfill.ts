import type { TenantId } from '../config/tenantSettings';
import { inTransaction } from '../store/postgres';
import { SyncQueue, type RecordKind } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';
import { syncOnce, type SyncOptions, type SyncRound } from './syncOnce';

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
 * Writes every referral and admission of a tenant to HubSpot: `referralynx sync --backfill`. Referrals are queued in
 * key order, a thousand per transaction with the checkpoint (backfill_runs) advanced in the same transaction, then
 * written; then admissions the same way, so each admission finds its referral's id and batches stay full. Killed at
 * any point (kill -9 included), a new run resumes from the checkpoint: what was queued is still queued (pg-boss), what
 * was written is skipped by its hash, and every write is an upsert by the EHR id, so there is no gap and no duplicate.
 */
export async function backfill(
  options: SyncOptions & { tenantId: TenantId; onProgress?: (progress: BackfillProgress) => void },
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
    // Until nothing of this kind is waiting or being written, here or by a server process sharing the queue.
    for (;;) {
      const round = await syncOnce({ ...options, queue, kinds: [kind] });
      summary.round.taken += round.taken;
      summary.round.written += round.written;
      summary.round.unchanged += round.unchanged;
      summary.round.failed += round.failed;
      await report();
      if (round.taken > 0) continue;
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
