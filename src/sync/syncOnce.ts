import { nonAdmitReasonsOf, type TenantId } from '../config/tenantSettings';
import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import { associateWithLabel, batchUpsert } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';
import { EHR_ID_PROPERTY } from '../hubspot/dataModel';
import type { DataModel } from '../hubspot/provision';
import { HubSpotApiError, HubSpotUnavailableError } from '../hubspot/errors';
import { describeErrorSafely } from '../logger';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import { SyncQueue, type QueueKind, type RecordKind, type SyncJob } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';
import type { Tenant } from '../store/tenants';
import { systemClock, type Clock } from '../clock';
import { attributeReferrals } from './attribution';
import { admissionCommissionProperties } from './commissions';
import { decideReferralFollowUps, syncTaskJobs } from './followUps';
import { recordReferralFacts, syncScorecardJobs } from './scorecards';
import { adoptHandEnteredReferrals, receivedDateOf } from './handEntered';
import { OwnerDirectory } from './owners';
import { propertiesHash, toAdmissionProperties, toReferralProperties, type HubSpotProperties } from './records';

export interface SyncRound {
  /** Jobs taken from the queue. */
  taken: number;
  written: number;
  unchanged: number;
  failed: number;
}

/** Where a tenant's records go: its portal, its data model, its owners. */
export interface SyncTarget {
  tenant: Tenant;
  hubspot: HubSpot;
  model: DataModel;
  owners: OwnerDirectory;
}

/** An association a record should have: to which object, and under which label (association type id). */
interface Link {
  toObjectType: string;
  toId: string;
  typeId: number;
}

interface Planned {
  key: string;
  properties: HubSpotProperties;
  links: Link[];
  hash: string;
}

export interface SyncOptions {
  pool: Pool;
  /** Default: a SyncQueue on the pool. */
  queue?: SyncQueue;
  /** One tenant's target, or a lookup for many (OAuth installs). */
  target: SyncTarget | ((tenantId: TenantId) => Promise<SyncTarget | undefined>);
  /** Jobs per kind and round: one batch upsert. Default 100 (HubSpot's batch limit). */
  batchSize?: number;
  /** The kinds this round takes; default all: referrals, then admissions, follow-up tasks and scorecards. */
  kinds?: readonly QueueKind[];
  /** The moment the follow-up rules are evaluated at. Default the system clock. */
  clock?: Clock;
}

/** A target for one tenant, with an owner directory of its own. */
export function syncTarget(options: { tenant: Tenant; hubspot: HubSpot; model: DataModel; owners?: OwnerDirectory }): SyncTarget {
  return { ...options, owners: options.owners ?? new OwnerDirectory(options.hubspot) };
}

/**
 * One round of the sync: up to `batchSize` queued referrals, then admissions, each kind in one transaction and one
 * batch upsert by the EHR id (HubSpot's unique rlx_ehr_id), so a record is never created twice, whether the round is
 * repeated, crashes between HubSpot's answer and the commit, or runs in several processes at once (pg-boss gives a
 * record's job to one worker at a time). Records whose properties, owner and associations hash to what was last
 * written are not sent.
 *
 * A referral is associated to its source company ("Referral source") and referring clinician ("Referring
 * clinician") and owned by the attribution chain (src/sync/attribution.ts); an admission to its referral ("Admitted
 * from referral") and the referral's source, owned like its referral.
 */
export async function syncOnce(options: SyncOptions): Promise<SyncRound> {
  const queue = options.queue ?? new SyncQueue(options.pool);
  const round: SyncRound = { taken: 0, written: 0, unchanged: 0, failed: 0 };
  const resolve =
    typeof options.target === 'function'
      ? options.target
      : async (tenantId: TenantId) => (tenantId === (options.target as SyncTarget).tenant.tenantId ? (options.target as SyncTarget) : undefined);

  for (const kind of options.kinds ?? (['referral', 'admission', 'task', 'scorecard'] as const)) {
    const jobs = await queue.fetch(kind, options.batchSize ?? 100);
    round.taken += jobs.length;
    const byTenant = new Map<TenantId, SyncJob[]>();
    for (const job of jobs) byTenant.set(job.tenantId, [...(byTenant.get(job.tenantId) ?? []), job]);
    for (const [tenantId, tenantJobs] of byTenant) {
      const target = await resolve(tenantId);
      if (!target) {
        await queue.fail(options.pool, kind, tenantJobs.map((j) => j.id), `no HubSpot connection for portal ${tenantId} in this process`);
        round.failed += tenantJobs.length;
        continue;
      }
      try {
        const now = new Date((options.clock ?? systemClock).now());
        await inTransaction(options.pool, (client) =>
          kind === 'task'
            ? syncTaskJobs(options.pool, client, queue, target, tenantJobs, round)
            : kind === 'scorecard'
              ? syncScorecardJobs(client, queue, target, tenantJobs, round, now)
              : syncJobs(client, queue, target, kind, tenantJobs, round, now),
        );
      } catch (error) {
        // Nothing of the round was committed: its jobs are given back, to be tried again after a delay.
        const reason = reasonOf(error);
        await queue.fail(options.pool, kind, tenantJobs.map((j) => j.id), reason);
        await new SyncStore().recordFailures(options.pool, tenantId, tenantJobs.map((job) => failureOf(job, reason)));
        round.failed += tenantJobs.length;
        throw error;
      }
    }
  }
  return round;
}

/**
 * Why a round failed, fit for `referralynx status`: HubSpot's errors are our own wording around HubSpot's message;
 * any other error only by its type and code, since a library's message can quote the data it choked on.
 */
function reasonOf(error: unknown): string {
  if (error instanceof HubSpotApiError || error instanceof HubSpotUnavailableError) return error.message;
  const safe = describeErrorSafely(error);
  return `${safe.type}${safe.code ? ` (${safe.code})` : ''} while writing to HubSpot`;
}

function failureOf(job: SyncJob, error: string) {
  return { kind: job.kind, key: job.key, attempts: job.attempt, error, dead: job.last };
}

async function syncJobs(client: PoolClient, queue: SyncQueue, target: SyncTarget, kind: RecordKind, jobs: SyncJob[], round: SyncRound, now: Date): Promise<void> {
  const { tenant, hubspot, model } = target;
  const store = new SyncStore();
  const tenantId = tenant.tenantId;
  const objectType: Record<RecordKind, string> = { referral: model.referralObjectTypeId, admission: model.admissionObjectTypeId };
  const label = (key: string): number | undefined => model.associationTypeIds[key];
  const keys = jobs.map((job) => job.key);
  const jobOf = new Map(jobs.map((job) => [job.key, job]));
  const requeue: Array<{ kind: RecordKind; keys: string[] }> = [];

  const states = await store.states(client, tenantId, kind, keys);
  let plans: Planned[];
  if (kind === 'referral') {
    const referrals = [...states.values()] as ReferralState[];
    const nonAdmitReasons = nonAdmitReasonsOf(tenant.settings);
    const attribution = await attributeReferrals({ client, store, hubspot, tenant, owners: target.owners }, referrals);
    requeue.push({ kind: 'referral', keys: attribution.ownerMoved });
    plans = referrals.map((state) => {
      const found = attribution.byReferral.get(state.referralKey);
      const links: Link[] = [];
      const sourceType = label('referral_to_company');
      const clinicianType = label('referral_to_contact');
      if (found?.company && sourceType !== undefined) links.push({ toObjectType: '0-2', toId: found.company.id, typeId: sourceType });
      if (found?.contact && clinicianType !== undefined) links.push({ toObjectType: '0-1', toId: found.contact.id, typeId: clinicianType });
      const owner = found?.decision.ownerId;
      return planned(state.referralKey, { ...toReferralProperties(state, model, tenant.settings.timeZone, nonAdmitReasons), ...(owner ? { hubspot_owner_id: owner } : {}) }, links);
    });
  } else {
    const admissions = [...states.values()] as AdmissionState[];
    const referralKeys = admissions.flatMap((s) => (s.referralKey ? [s.referralKey] : []));
    const referrals = await store.states(client, tenantId, 'referral', referralKeys);
    const referralIds = await store.lastWritten(client, tenantId, 'referral', referralKeys);
    const decisions = await store.decisions(client, tenantId, referralKeys);
    // The commission properties as last computed (src/sync/commissions.ts): part of the record, so part of its hash.
    const commissions = await admissionCommissionProperties(client, tenantId, admissions);
    plans = admissions.map((state) => {
      const referral = state.referralKey ? referrals.get(state.referralKey) : undefined;
      const decision = state.referralKey ? decisions.get(state.referralKey) : undefined;
      const links: Link[] = [];
      const referralId = state.referralKey ? referralIds.get(state.referralKey)?.hubspotId : undefined;
      const toReferral = label('admission_to_referral');
      const toCompany = label('admission_to_company');
      if (referralId && toReferral !== undefined) links.push({ toObjectType: model.referralObjectTypeId, toId: referralId, typeId: toReferral });
      if (decision?.companyId && toCompany !== undefined) links.push({ toObjectType: '0-2', toId: decision.companyId, typeId: toCompany });
      const owner = decision?.ownerId;
      const properties = { ...toAdmissionProperties(state, referral, tenant.settings.timeZone), ...commissions.get(state.admissionKey), ...(owner ? { hubspot_owner_id: owner } : {}) };
      return planned(state.admissionKey, properties, links);
    });
  }

  const last = await store.lastWritten(client, tenantId, kind, keys);
  const gone = keys.filter((key) => !states.has(key));
  const unchanged = plans.filter((plan) => last.get(plan.key)?.hash === plan.hash).map((plan) => plan.key);
  const toSend = plans.filter((plan) => last.get(plan.key)?.hash !== plan.hash);
  const done = [...gone, ...unchanged];
  await store.clearFailures(client, tenantId, kind, done);
  await queue.complete(client, kind, done.flatMap((key) => jobOf.get(key)?.id ?? []));
  round.unchanged += done.length;

  if (toSend.length > 0) {
    if (kind === 'referral') {
      // Referrals never written may have been typed into HubSpot by intake first: those records are adopted (given
      // their EHR id) so that the upsert below updates them instead of creating a second one.
      const fresh = toSend.filter((plan) => !last.has(plan.key));
      await adoptHandEnteredReferrals({
        client,
        hubspot,
        tenant,
        model,
        candidates: fresh.flatMap((plan) => {
          const receivedDate = receivedDateOf(plan.properties, undefined, tenant.settings.timeZone);
          const companyId = plan.links.find((link) => link.toObjectType === '0-2')?.toId ?? null;
          return receivedDate ? [{ key: plan.key, companyId, receivedDate, businessLine: plan.properties.rlx_business_line || null }] : [];
        }),
      });
    }
    const outcomes = await batchUpsert(hubspot, objectType[kind], EHR_ID_PROPERTY, toSend.map(({ key, properties }) => ({ id: key, properties })));
    const plan = new Map(toSend.map((item) => [item.key, item]));
    const written: Array<{ key: string; hubspotId: string; hash: string }> = [];
    const failures: Array<ReturnType<typeof failureOf>> = [];
    const links = new Map<string, { toObjectType: string; typeId: number; pairs: Array<{ fromId: string; toId: string }> }>();
    for (const outcome of outcomes) {
      const item = plan.get(outcome.input.id);
      const job = jobOf.get(outcome.input.id);
      if (!job) continue;
      if (!outcome.ok || !item) {
        failures.push(failureOf(job, outcome.ok ? 'no plan for this record' : `${outcome.error.category}: ${outcome.error.message}`));
        continue;
      }
      written.push({ key: item.key, hubspotId: outcome.object.id, hash: item.hash });
      for (const link of item.links) {
        const group = `${link.toObjectType}:${link.typeId}`;
        const entry = links.get(group) ?? { toObjectType: link.toObjectType, typeId: link.typeId, pairs: [] };
        entry.pairs.push({ fromId: outcome.object.id, toId: link.toId });
        links.set(group, entry);
      }
    }
    // Creating an association that exists changes nothing in HubSpot: a repeated round is safe.
    for (const { toObjectType, typeId, pairs } of links.values()) {
      await associateWithLabel(hubspot, objectType[kind], toObjectType, typeId, pairs);
    }
    await store.markWritten(client, tenantId, kind, written);
    await queue.complete(client, kind, written.flatMap((w) => jobOf.get(w.key)?.id ?? []));
    for (const failure of failures) {
      const job = jobOf.get(failure.key);
      if (job) await queue.fail(client, kind, [job.id], failure.error);
    }
    await store.recordFailures(client, tenantId, failures);
    round.written += written.length;
    round.failed += failures.length;

    if (kind === 'referral') {
      // A referral written for the first time (or under a new id): its admissions can now be associated to it.
      const firstTime = written.filter((w) => last.get(w.key)?.hubspotId !== w.hubspotId).map((w) => w.key);
      requeue.push({ kind: 'admission', keys: await store.admissionsOf(client, tenantId, firstTime) });
      // Now in HubSpot as they stand: the follow-ups they call for (src/sync/followUps.ts).
      const writtenKeys = new Set(written.map((w) => w.key));
      await decideReferralFollowUps(client, queue, target, [...states.values()].filter((state) => writtenKeys.has((state as ReferralState).referralKey)) as ReferralState[], now);
    }
  }
  if (kind === 'referral') {
    // What the scorecards count: every referral of the round, and the scorecards of the sources whose referrals changed.
    const writtenNow = new Set(await store.lastWritten(client, tenantId, 'referral', keys).then((m) => [...m.keys()]));
    const changed = new Set([...writtenNow].filter((key) => !unchanged.includes(key)));
    await recordReferralFacts(client, queue, tenant, [...states.values()].filter((state) => writtenNow.has((state as ReferralState).referralKey)) as ReferralState[], changed);
  }
  for (const item of requeue) await queue.enqueue(client, tenantId, item.kind, item.keys);
}

/** The associations are part of what was written: a source matched later, or a new source, sends the record again. */
function planned(key: string, properties: HubSpotProperties, links: Link[]): Planned {
  const linkText = links.map((l) => `${l.toObjectType}/${l.toId}/${l.typeId}`).sort().join(',');
  return { key, properties, links, hash: propertiesHash(linkText ? { ...properties, '@links': linkText } : properties) };
}

/** Runs rounds until the queue has nothing due (tests, the backfill, the CLI). */
export async function syncUntilIdle(options: SyncOptions & { maxRounds?: number; onRound?: (round: SyncRound) => void }): Promise<SyncRound> {
  const total: SyncRound = { taken: 0, written: 0, unchanged: 0, failed: 0 };
  for (let i = 0; i < (options.maxRounds ?? Number.MAX_SAFE_INTEGER); i += 1) {
    const round = await syncOnce(options);
    total.taken += round.taken;
    total.written += round.written;
    total.unchanged += round.unchanged;
    total.failed += round.failed;
    options.onRound?.(round);
    if (round.taken === 0) break;
  }
  return total;
}
