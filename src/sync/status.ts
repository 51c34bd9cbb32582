import type { TenantId } from '../config/tenantSettings';
import { HubSpotClientStore, type HubSpotClientRow } from '../store/hubspotClients';
import { inTransaction, type Pool } from '../store/postgres';
import { FollowUpStore } from '../store/followUpStore';
import { ScorecardStore } from '../store/scorecardStore';
import { SyncQueue, type QueueKind } from '../store/syncQueue';
import { SyncStore, type SyncFailure } from '../store/syncStore';
import { LIVE_SECONDS } from './budgetShare';

export interface SyncStatus {
  kinds: Array<{
    kind: QueueKind;
    /** Queued and due now. */
    due: number;
    /** Being written by a worker right now. */
    active: number;
    /** Refused, waiting to be tried again. */
    retrying: number;
    /** Refused on every try: waiting for `referralynx sync retry`. */
    dead: number;
    /** How long the oldest queued record has waited. */
    lagSeconds: number;
    written: number;
    lastWrittenAt: Date | null;
  }>;
  errors: SyncFailure[];
  /** The processes spending the portal's HubSpot budget now, each taking an equal part (src/sync/budgetShare.ts). */
  writers: HubSpotClientRow[];
}

/** Backlog, lag, refusals and dead letters of a tenant's sync, for `referralynx status` and the settings page. */
export async function syncStatus(pool: Pool, tenantId: TenantId, queue = new SyncQueue(pool)): Promise<SyncStatus> {
  const store = new SyncStore();
  const backlog = await queue.backlog(pool, tenantId);
  const failures = await store.failures(pool, tenantId);
  const written = {
    ...(await store.writtenCounts(pool, tenantId)),
    task: await new FollowUpStore().writtenCount(pool, tenantId),
    scorecard: await new ScorecardStore().writtenCount(pool, tenantId),
  };
  return {
    kinds: (['referral', 'admission', 'task', 'scorecard'] as const).map((kind) => ({
      kind,
      due: backlog[kind].due,
      active: backlog[kind].active,
      retrying: failures.retrying[kind],
      dead: failures.dead[kind],
      lagSeconds: backlog[kind].lagSeconds,
      written: written[kind].written,
      lastWrittenAt: written[kind].lastWrittenAt,
    })),
    errors: failures.recent,
    writers: await new HubSpotClientStore(pool).live(tenantId, LIVE_SECONDS),
  };
}

/** Queues every refused and dead-lettered record again, to be sent at the next round; returns how many. */
export async function retryRefused(pool: Pool, tenantId: TenantId, queue = new SyncQueue(pool)): Promise<number> {
  return inTransaction(pool, async (client) => {
    const taken = await new SyncStore().takeFailures(client, tenantId);
    for (const kind of ['referral', 'admission', 'task'] as const) {
      await queue.enqueue(client, tenantId, kind, taken.filter((t) => t.kind === kind).map((t) => t.key));
    }
    return taken.length;
  });
}
