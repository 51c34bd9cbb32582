import { Presets, SingleBar } from 'cli-progress';
import type { SourceObjectType } from '../../src/domain/attribution';
import { formatCents } from '../../src/domain/commissions';
import { dataModelSchema } from '../../src/hubspot/provision';
import type { Pool } from '../../src/store/postgres';
import { SyncQueue } from '../../src/store/syncQueue';
import { SyncStore } from '../../src/store/syncStore';
import type { Tenant } from '../../src/store/tenants';
import { backfill, type BackfillProgress } from '../../src/sync/backfill';
import { commissionStanding } from '../../src/sync/commissions';
import { syncTarget } from '../../src/sync/syncOnce';
import { shareHubSpotBudget } from '../../src/sync/budgetShare';
import { mapSource } from '../../src/sync/sourceMapping';
import { retryRefused, syncStatus } from '../../src/sync/status';
import type { AppServices } from '../services';
import { StartupError } from '../services';
import { provision } from '../start';

type Say = (line?: string) => void;

export async function printStatus(say: Say, pool: Pool, tenant: Tenant, feeds: Record<string, number>, json: boolean): Promise<void> {
  const sync = await syncStatus(pool, tenant.tenantId);
  const commissions = await commissionStanding(pool, tenant.tenantId);
  if (json) {
    say(JSON.stringify({ portal: tenant.tenantId, feeds, sync, commissions }, null, 2));
    return;
  }
  say(`Portal ${tenant.tenantId}`);
  say(
    `  Feeds   ${feeds.messages} messages, ${feeds.events} events: ${feeds.referrals} referrals, ${feeds.admissions} admissions; ` +
      `${feeds.quarantined} in quarantine`,
  );
  for (const k of sync.kinds) {
    say(
      `  Sync    ${k.kind}s: ${k.written} in HubSpot (last ${k.lastWrittenAt ? k.lastWrittenAt.toISOString() : 'never'}), ` +
        `${k.due} queued (oldest ${k.lagSeconds} s), ${k.active} being written, ${k.retrying} retrying, ${k.dead} dead letters`,
    );
  }
  const writers = sync.writers.length;
  say(
    writers === 0
      ? '  Writers none running: start the server (`referralynx start`) to send the queue to HubSpot'
      : `  Writers ${writers} process${writers === 1 ? '' : 'es'} sharing the portal's HubSpot budget equally: ${sync.writers.map((w) => w.description).join('; ')}`,
  );
  say(
    commissions.plan
      ? `  Commissions plan ${commissions.plan.id} v${commissions.plan.version}; last computed ${commissions.lastRunAt ? `${commissions.lastRunAt.toISOString()} in ${((commissions.lastRunMs ?? 0) / 1000).toFixed(1)} s` : 'never'}; ` +
          `closed through ${commissions.closedThrough ?? 'no month yet'}; open months ${commissions.openLines} line${commissions.openLines === 1 ? '' : 's'}, ${formatCents(commissions.openCents)}`
      : '  Commissions no plan saved (`referralynx commissions plan save <file>`)',
  );
  for (const e of sync.errors) say(`  ${e.dead ? 'dead' : 'error'}   ${e.kind} ${e.key} after ${e.attempts} attempts: ${e.error}`);
}

export async function syncRetry(say: Say, pool: Pool, tenant: Tenant): Promise<void> {
  const count = await retryRefused(pool, tenant.tenantId);
  say(`${count} refused record${count === 1 ? '' : 's'} queued again: the server sends them within seconds.`);
}

/** `referralynx sync --backfill`: everything in the database to HubSpot, with a progress bar; resumable. */
export async function syncBackfill(say: Say, services: AppServices): Promise<void> {
  let saved = await services.tenants.readDataModel(services.tenant.tenantId);
  if (!saved.dataModel) {
    await provision(services);
    saved = await services.tenants.readDataModel(services.tenant.tenantId);
  }
  const model = dataModelSchema.parse(saved.dataModel);
  const queue = new SyncQueue(services.pool);
  await queue.start();
  // Beside running server processes, the backfill takes its part of the portal's budget, and they theirs.
  const share = await shareHubSpotBudget({ pool: services.pool, tenantId: services.tenant.tenantId, hubspot: services.hubspot, role: 'backfill', logger: services.logger });
  if (share.parts() > 1) say(`  ${share.parts()} processes share this portal's HubSpot budget: this one takes ${services.hubspot.requestsPer10s()} requests per 10 s.`);
  const bar = new SingleBar(
    {
      format: '  {kind} [{bar}] {percentage}% | {value}/{total} | {speed}/s | ETA {eta_formatted}',
      etaBuffer: 30,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let current: BackfillProgress['kind'] | undefined;
  let started = { at: Date.now(), done: 0 };
  const onProgress = (progress: BackfillProgress) => {
    if (progress.kind !== current) {
      if (current) bar.stop();
      current = progress.kind;
      started = { at: Date.now(), done: progress.done };
      bar.start(progress.total, progress.done, { kind: `${progress.kind}s`.padEnd(10), speed: '0' });
    }
    const seconds = (Date.now() - started.at) / 1000;
    bar.update(progress.done, { speed: seconds > 0 ? ((progress.done - started.done) / seconds).toFixed(1) : '0' });
  };
  try {
    const summary = await backfill({
      pool: services.pool,
      queue,
      tenantId: services.tenant.tenantId,
      target: syncTarget({ tenant: services.tenant, hubspot: services.hubspot, model }),
      onProgress,
    });
    bar.stop();
    if (summary.resumed) say('  Resumed the backfill an earlier run left unfinished.');
    say(
      `  Backfill done: ${summary.round.written} records written, ${summary.round.unchanged} already up to date, ` +
        `${summary.round.failed} refused (see \`referralynx status\`).`,
    );
  } finally {
    bar.stop();
    await queue.stop();
    await share.close();
  }
}

const objectTypeOf = (text: string): SourceObjectType => {
  if (text === 'company' || text === 'companies') return 'companies';
  if (text === 'contact' || text === 'contacts') return 'contacts';
  throw new StartupError(`A source is a company or a contact, not "${text}".`);
};

export async function sourcesUnmatched(say: Say, pool: Pool, tenant: Tenant, json: boolean): Promise<void> {
  const unmatched = await new SyncStore().unmatchedSources(pool, tenant.tenantId);
  if (json) {
    say(JSON.stringify(unmatched, null, 2));
    return;
  }
  if (unmatched.length === 0) {
    say('Every referral source and clinician seen so far is matched to a HubSpot record.');
    return;
  }
  for (const s of unmatched) {
    say(`${s.objectType === 'companies' ? 'company' : 'contact'}  ${s.ref}`);
    say(`    ${s.displayName}${s.place ? `, ${s.place}` : ''}: ${s.referrals} referral${s.referrals === 1 ? '' : 's'}`);
    say(`    ${s.reason}`);
    if (s.candidateId) say(`    best candidate: ${s.candidateName ?? '?'} (id ${s.candidateId}, confidence ${s.confidence?.toFixed(2) ?? '?'})`);
  }
  say(`${unmatched.length} unmatched. Map one with: referralynx sources map <company|contact> "<reference>" <HubSpot record id>`);
}

/** An administrator's mapping of a source to a record (src/sync/sourceMapping.ts). */
export async function sourcesMap(say: Say, services: AppServices, type: string, ref: string, hubspotId: string): Promise<void> {
  const objectType = objectTypeOf(type);
  const mapped = await mapSource(services, services.tenant.tenantId, { objectType, ref, hubspotId, on: new Date() });
  const word = objectType === 'companies' ? 'company' : 'contact';
  if (!mapped.ok) {
    throw new StartupError(
      mapped.reason === 'unknown_source'
        ? `No ${type} with reference "${ref}" has been seen: see \`referralynx sources unmatched\`.`
        : `HubSpot has no ${word} with id ${hubspotId}.`,
    );
  }
  say(`${mapped.displayName} is now ${word} ${hubspotId}; ${mapped.referrals} referral${mapped.referrals === 1 ? '' : 's'} queued to be linked.`);
}

export async function sourcesExplain(say: Say, pool: Pool, tenant: Tenant, referralKey: string): Promise<void> {
  const decision = (await new SyncStore().decisions(pool, tenant.tenantId, [referralKey])).get(referralKey);
  if (!decision) throw new StartupError(`Referral ${referralKey} has not been attributed yet (it is attributed when it is synced).`);
  say(`Referral ${referralKey} (decided ${decision.decidedAt?.toISOString() ?? '?'})`);
  say(`  Source company    ${decision.companyId ?? 'none'}: ${decision.companyReason}`);
  say(`  Clinician         ${decision.contactId ?? 'none'}: ${decision.contactReason}`);
  say(`  Owner             ${decision.ownerId ?? 'none'} (${decision.ownerMethod}): ${decision.ownerReason}`);
}
