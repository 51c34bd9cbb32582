import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { TenantId } from '../config/tenantSettings';
import type { HubSpot } from '../hubspot/client';
import { describeErrorSafely, type Logger } from '../logger';
import { HubSpotClientStore } from '../store/hubspotClients';
import type { Pool } from '../store/postgres';

/** How often a process announces itself. */
export const ANNOUNCE_EVERY_MS = 5_000;
/** A process not heard from in three announcements is no longer counted: it was killed. */
export const LIVE_SECONDS = (3 * ANNOUNCE_EVERY_MS) / 1000;

export interface BudgetShare {
  /** Processes sharing the budget at the last announcement, this one included. */
  parts(): number;
  /** Stops announcing and withdraws at once, so the others take up this process's part at their next announcement. */
  close(): Promise<void>;
}

/**
 * Makes this process take its part of the portal's HubSpot budget: HubSpot allows an app 190 requests per rolling
 * 10 s per portal, however many processes make them. Every process that writes to the portal (each server process,
 * and `sync --backfill` beside them) announces itself in PostgreSQL every 5 s and divides the budget by the number
 * announced within the last 15 s.
 *
 * The count is right within one announcement of a change. A process that starts counts the others before its first
 * call, but they learn of it up to 5 s later, and a killed process keeps its part for up to 15 s: the first case can
 * overshoot for a few seconds, which HubSpot answers with 429s that the client waits out and retries; the second only
 * leaves budget unused.
 */
export async function shareHubSpotBudget(options: {
  pool: Pool;
  tenantId: TenantId;
  hubspot: HubSpot;
  /** What this process is (server, backfill), shown by `referralynx status`. */
  role: string;
  logger?: Logger;
  everyMs?: number;
  liveSeconds?: number;
}): Promise<BudgetShare> {
  const store = new HubSpotClientStore(options.pool);
  const clientId = randomUUID();
  const description = `${options.role} on ${os.hostname()} (pid ${process.pid})`;
  const liveSeconds = options.liveSeconds ?? LIVE_SECONDS;
  let parts = 1;
  const announce = async () => {
    parts = await store.announce(options.tenantId, clientId, description, liveSeconds);
    options.hubspot.shareBudget(parts);
  };
  await announce();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= announce()
      // The database being away for a moment changes nothing: the last share stands until the next announcement.
      .catch((error: unknown) => options.logger?.warn({ error: describeErrorSafely(error) }, 'could not announce this process for its HubSpot budget share'))
      .finally(() => {
        running = undefined;
      });
  }, options.everyMs ?? ANNOUNCE_EVERY_MS);
  timer.unref();
  return {
    parts: () => parts,
    close: async () => {
      clearInterval(timer);
      await running;
      await store.withdraw(options.tenantId, clientId);
    },
  };
}
