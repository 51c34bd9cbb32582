/**
 * A sync worker in a process of its own, as a second server process would run one: waits for "go" on stdin (so that
 * several start together), then loops syncOnce against DATABASE_URL and the HubSpot at HUBSPOT_BASE_URL until nothing
 * is queued, due or being written by anyone, and prints what it did as one JSON line: {"taken":…,"written":…,
 * "unchanged":…,"failed":…} (the SyncRound totals of its rounds).
 *
 * Env: DATABASE_URL, HUBSPOT_BASE_URL, HUBSPOT_ACCESS_TOKEN, PORTAL_ID, REQUESTS_PER_10S; NOW (an ISO instant) fixes the
 * moment the follow-up rules are evaluated at, so a test's tasks do not depend on the day it runs.
 */
import readline from 'node:readline';
import { HubSpot } from '../../src/hubspot/client';
import { dataModelSchema } from '../../src/hubspot/provision';
import { createPool } from '../../src/store/postgres';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository } from '../../src/store/tenants';
import { syncOnce, syncTarget, type SyncRound } from '../../src/sync/syncOnce';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const pool = createPool(required('DATABASE_URL'), 4);
  const portalId = Number(required('PORTAL_ID'));
  const hubspot = new HubSpot({
    baseUrl: required('HUBSPOT_BASE_URL'),
    accessToken: required('HUBSPOT_ACCESS_TOKEN'),
    requestsPer10s: Number(process.env.REQUESTS_PER_10S ?? 190),
    searchRequestsPerSecond: Number(process.env.REQUESTS_PER_10S ?? 5),
  });
  const tenant = await new TenantRepository(pool).find(portalId);
  if (!tenant) throw new Error(`portal ${portalId} is not registered`);
  const model = dataModelSchema.parse((await new TenantRepository(pool).readDataModel(portalId)).dataModel);
  const target = syncTarget({ tenant, hubspot, model });
  const queue = new SyncQueue(pool);
  const now = process.env.NOW ? Date.parse(process.env.NOW) : undefined;
  const clock = now === undefined ? undefined : { now: () => now, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

  console.log('ready');
  await new Promise<void>((resolve) => {
    readline.createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim() === 'go') resolve();
    });
  });

  const total: SyncRound = { taken: 0, written: 0, unchanged: 0, failed: 0 };
  for (;;) {
    const round = await syncOnce({ pool, queue, target, ...(clock ? { clock } : {}) });
    total.taken += round.taken;
    total.written += round.written;
    total.unchanged += round.unchanged;
    total.failed += round.failed;
    if (round.taken > 0) continue;
    // The other worker may hold jobs whose commit queues more (admissions of referrals written for the first time).
    const backlog = await queue.backlog(pool, portalId);
    if (Object.values(backlog).every((kind) => kind.due + kind.active === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(JSON.stringify(total));
  await pool.end();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
