import { nonAdmitReasonsOf, type TenantId } from '../config/tenantSettings';
import { BusinessCalendar } from '../domain/businessTime';
import { admissionFollowUps, checkInDueDay, checkInFollowUps, dormantSourceFollowUps, referralFollowUps, type FollowUpContext, type TaskIntent } from '../domain/followUps';
import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import { batchRead, batchUpdate, createTasks, findTasksByKey, readTasks, reassignTasks, type TaskInput } from '../hubspot/api';
import { ACCOUNT_TIER_PROPERTY, NEXT_CHECK_IN_PROPERTY, TASK_KEY_PROPERTY, TASK_RULE_PROPERTY } from '../hubspot/dataModel';
import { associationCategoryOf } from '../hubspot/provision';
import { FollowUpStore, type FollowUpTask } from '../store/followUpStore';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import { ScorecardStore } from '../store/scorecardStore';
import type { SyncQueue, SyncJob } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';
import type { Tenant } from '../store/tenants';
import type { SyncRound, SyncTarget } from './syncOnce';

/**
 * Follow-up tasks in HubSpot (issue #5). The rules (src/domain/followUps.ts) are evaluated where the facts change:
 * when a referral has been written to HubSpot (the sync round calls decideReferralFollowUps in its transaction), and
 * every minute for the rules that fire on time passing (sweepFollowUps: stalled referrals, hospice NOEs). Each task
 * decided is a row keyed by its dedupe key plus a job in the hubspot-tasks queue, in the same transaction; the task
 * round (syncTaskJobs) creates it in HubSpot, or reassigns it when its referral's owner changed.
 */

const followUps = new FollowUpStore();
const scorecards = new ScorecardStore();
const syncStore = new SyncStore();

/** How the agency signs its messages to sources: the agencyName setting, else the portal's name. */
export function agencyNameOf(tenant: Tenant): string | undefined {
  return tenant.settings.agencyName ?? (tenant.name || undefined);
}

const calendars = new Map<string, BusinessCalendar>();

/**
 * The tenant's working days and hours, for every due time. Kept per set of settings: building one checks the time
 * zone with Intl, which costs more than a card request's other work.
 */
export function calendarOf(tenant: Tenant): BusinessCalendar {
  const { timeZone, holidayCalendar, followUps: settings } = tenant.settings;
  const hours = { timeZone, holidayCalendar, ...settings.businessHours };
  const key = JSON.stringify(hours);
  let calendar = calendars.get(key);
  if (!calendar) {
    if (calendars.size >= 100) calendars.clear();
    calendar = new BusinessCalendar(hours);
    calendars.set(key, calendar);
  }
  return calendar;
}

function clinicianName(state: ReferralState): string | undefined {
  const person = state.facts.referringPractitioner;
  if (!person) return undefined;
  const name = [person.givenName, person.familyName].filter(Boolean).join(' ');
  return person.suffix ? `${name}, ${person.suffix}` : name;
}

/** Who is who, and names for the text, for a set of referrals. */
async function contextsOf(client: PoolClient, target: SyncTarget, referrals: readonly ReferralState[]): Promise<Map<string, FollowUpContext>> {
  const { tenant } = target;
  const keys = referrals.map((r) => r.referralKey);
  const decisions = await syncStore.decisions(client, tenant.tenantId, keys);
  const first = await followUps.firstFromTheirSource(client, tenant.tenantId, keys);
  const wantedIntake = tenant.settings.followUps.intakeOwner;
  const intake = wantedIntake ? await target.owners.find(wantedIntake) : undefined;
  const nonAdmitReasons = nonAdmitReasonsOf(tenant.settings);
  return new Map(
    referrals.map((referral) => {
      const decision = decisions.get(referral.referralKey);
      return [
        referral.referralKey,
        {
          agencyName: agencyNameOf(tenant),
          sourceName: referral.facts.referringOrganization?.name,
          sourceRef: decision?.companyRef ?? undefined,
          clinicianName: clinicianName(referral),
          firstFromSource: first.has(referral.referralKey),
          owners: { liaison: decision?.ownerId ?? undefined, intake },
          nonAdmitReasons,
        },
      ];
    }),
  );
}

/** Keeps the tasks decided and queues the new ones, for the task round to create; returns how many are new. */
export async function keepFollowUps(client: PoolClient, queue: SyncQueue, tenantId: TenantId, intents: TaskIntent[]): Promise<number> {
  const fresh = await followUps.decide(client, tenantId, intents);
  await queue.enqueue(client, tenantId, 'task', fresh);
  return fresh.length;
}

/**
 * The follow-ups of referrals just written to HubSpot, in the sync round's transaction: tasks the rules call for now,
 * and open liaison tasks following their referral's owner.
 */
export async function decideReferralFollowUps(client: PoolClient, queue: SyncQueue, target: SyncTarget, referrals: readonly ReferralState[], now: Date): Promise<number> {
  if (referrals.length === 0) return 0;
  const { tenant } = target;
  const settings = tenant.settings.followUps;
  const calendar = calendarOf(tenant);
  const contexts = await contextsOf(client, target, referrals);
  const intents = referrals.flatMap((referral) => {
    const context = contexts.get(referral.referralKey);
    return context ? referralFollowUps(referral, context, settings, calendar, tenant.settings.timeZone, now) : [];
  });
  const moved = await followUps.followOwners(
    client,
    tenant.tenantId,
    referrals.map((referral) => ({ referralKey: referral.referralKey, ownerId: contexts.get(referral.referralKey)?.owners.liaison ?? null })),
  );
  await queue.enqueue(client, tenant.tenantId, 'task', moved);
  return keepFollowUps(client, queue, tenant.tenantId, intents);
}

/**
 * The rules that fire on time passing: referrals still at their first status N business hours after receipt, and
 * hospice elections without an accepted NOE by the warning day. Runs in one process at a time (advisory lock);
 * returns the number of new tasks, or undefined when another process holds the lock.
 */
export async function sweepFollowUps(pool: Pool, queue: SyncQueue, target: SyncTarget, now: Date): Promise<number | undefined> {
  const { tenant } = target;
  const settings = tenant.settings.followUps;
  // Older than this, a rule's task would be skipped anyway (skipOlderThanDays, plus the stall's or the NOE's own delay).
  const since = new Date(now.getTime() - (Math.ceil(settings.skipOlderThanDays) + 7) * 86_400_000);
  return inTransaction(pool, async (client) => {
    if (!(await followUps.tryLock(client, tenant.tenantId, 'follow-up-sweep'))) return undefined;
    const waiting = await followUps.referralsAwaitingIntake(client, tenant.tenantId, since);
    const elections = await followUps.electionsAwaitingNoe(client, tenant.tenantId, since.toISOString().slice(0, 10));
    const referralsOfElections = await syncStore.states(client, tenant.tenantId, 'referral', elections.flatMap((a) => (a.referralKey ? [a.referralKey] : [])));
    const contexts = await contextsOf(client, target, [...waiting, ...referralsOfElections.values()]);
    const calendar = calendarOf(tenant);
    const intents = [
      ...waiting.flatMap((referral) => {
        const context = contexts.get(referral.referralKey);
        return context ? referralFollowUps(referral, context, settings, calendar, tenant.settings.timeZone, now) : [];
      }),
      ...elections.flatMap((admission: AdmissionState) => {
        const context = admission.referralKey ? contexts.get(admission.referralKey) : undefined;
        return context ? admissionFollowUps(admission, context, settings, tenant.settings.timeZone, now) : [];
      }),
    ];
    return keepFollowUps(client, queue, tenant.tenantId, intents);
  });
}

/**
 * The account rules, hourly: a check-in for each tier A, B or C company whose cadence has come round since its last
 * activity, and a call for each source gone quiet for well over its usual interval. The companies' tier, owner and
 * "Last Contacted" are read from HubSpot (100 per call). One process at a time; returns the number of new tasks, or
 * undefined when another process holds the lock.
 */
export async function sweepAccountFollowUps(pool: Pool, queue: SyncQueue, target: SyncTarget, now: Date): Promise<number | undefined> {
  const { tenant, hubspot } = target;
  const settings = tenant.settings.followUps;
  if (!settings.checkIn.enabled && !settings.dormantSource.enabled) return 0;
  return inTransaction(pool, async (client) => {
    if (!(await followUps.tryLock(client, tenant.tenantId, 'follow-up-accounts'))) return undefined;
    const accounts = await followUps.sourceAccounts(client, tenant.tenantId);
    const companies = new Map(
      (await batchRead(hubspot, 'companies', accounts.map((a) => a.companyId), ['name', 'hubspot_owner_id', ACCOUNT_TIER_PROPERTY, 'notes_last_contacted'])).map(
        (company) => [company.id, company.properties],
      ),
    );
    const calendar = calendarOf(tenant);
    const dueDays: Array<{ id: string; properties: Record<string, string> }> = [];
    const intents = accounts.flatMap((account) => {
      const company = companies.get(account.companyId);
      // A company deleted in HubSpot: its webhook (or the next match) deals with it; no task for a record gone.
      if (!company) return [];
      const ownerId = company.hubspot_owner_id || undefined;
      const sourceName = company.name || account.sourceName;
      const contacted = company.notes_last_contacted ? new Date(company.notes_last_contacted) : undefined;
      const lastActivityAt = [contacted, account.lastCheckInAt ?? undefined]
        .filter((d): d is Date => d !== undefined && !Number.isNaN(d.getTime()))
        .sort((a, b) => b.getTime() - a.getTime())[0];
      const tier = company[ACCOUNT_TIER_PROPERTY] || undefined;
      dueDays.push({ id: account.companyId, properties: { [NEXT_CHECK_IN_PROPERTY]: checkInDueDay({ tier, lastActivityAt }, settings, calendar, now) ?? '' } });
      return [
        ...checkInFollowUps({ companyId: account.companyId, sourceName, ownerId, tier, lastActivityAt }, settings, calendar, now),
        ...dormantSourceFollowUps(
          { sourceRef: account.sourceRef, sourceName, companyId: account.companyId, ownerId, referralDates: account.receivedAt.map((at) => calendar.localDate(at)) },
          settings,
          calendar,
          now,
        ),
      ];
    });
    // The next check-in date on each company, written only where it moved (the scorecard's record of what was sent).
    const written = await scorecards.written(client, tenant.tenantId, 'companies', dueDays.map((d) => d.id));
    const moved = dueDays.filter((d) => (written.get(d.id)?.[NEXT_CHECK_IN_PROPERTY] ?? '') !== d.properties[NEXT_CHECK_IN_PROPERTY]);
    const outcomes = moved.length > 0 ? await batchUpdate(hubspot, 'companies', moved) : [];
    const ok = new Set(outcomes.filter((o) => o.ok).map((o) => o.input.id));
    await scorecards.markWritten(client, tenant.tenantId, 'companies', moved.filter((d) => ok.has(d.id)).map((d) => ({ hubspotId: d.id, properties: d.properties })));
    return keepFollowUps(client, queue, tenant.tenantId, intents);
  });
}

/** HubSpot's task body is rich text: the plain text, escaped, with its line breaks kept. */
function toTaskBody(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.split('\n').join('<br>');
}

/**
 * One round of tasks, in the caller's transaction: each job's task is created in HubSpot, with its associations to
 * the referral, the source company and the referring clinician, or reassigned when its owner moved on. A task whose
 * creation was asked before (sent_at) is first looked for by its key, so an answer lost to a crash never makes two.
 */
export async function syncTaskJobs(pool: Pool, client: PoolClient, queue: SyncQueue, target: SyncTarget, jobs: readonly SyncJob[], round: SyncRound): Promise<void> {
  const { tenant, hubspot, model } = target;
  const tenantId = tenant.tenantId;
  const jobOf = new Map(jobs.map((job) => [job.key, job]));
  const tasks = await followUps.tasks(client, tenantId, jobs.map((job) => job.key));
  const done: string[] = jobs.filter((job) => !tasks.has(job.key)).map((job) => job.key);
  const toCreate: FollowUpTask[] = [];
  const toReassign: FollowUpTask[] = [];
  for (const task of tasks.values()) {
    if (task.status !== 'open') done.push(task.key);
    else if (!task.hubspotId) toCreate.push(task);
    else if (task.ownerId && task.ownerId !== task.writtenOwnerId) toReassign.push(task);
    else done.push(task.key);
  }

  const referralKeys = [...new Set(toCreate.flatMap((task) => (task.referralKey ? [task.referralKey] : [])))];
  const referralIds = await syncStore.lastWritten(client, tenantId, 'referral', referralKeys);
  const decisions = await syncStore.decisions(client, tenantId, referralKeys);
  // A referral's task waits for the referral to be in HubSpot; an account task names its company itself.
  const isReady = (task: FollowUpTask) => task.referralKey === null || referralIds.has(task.referralKey);
  const waiting = toCreate.filter((task) => !isReady(task));
  const ready = toCreate.filter(isReady);

  // Asked before, answer unknown: HubSpot may hold them already.
  const asked = ready.filter((task) => task.sentAt !== null);
  const found = asked.length > 0 ? await findTasksByKey(hubspot, asked.map((task) => task.key)) : new Map<string, string>();
  const written: Array<{ key: string; hubspotId: string; ownerId: string | null }> = [];
  for (const task of asked) {
    const id = found.get(task.key);
    if (id) written.push({ key: task.key, hubspotId: id, ownerId: task.ownerId });
  }
  const toSend = ready.filter((task) => !found.has(task.key));
  // Committed before HubSpot is asked, in a transaction of its own.
  await followUps.markSent(pool, tenantId, toSend.map((task) => task.key));

  const typeIds = model.associationTypeIds;
  const category = (key: string) => associationCategoryOf(model, key);
  const inputs: TaskInput[] = toSend.map((task) => {
    const decision = task.referralKey ? decisions.get(task.referralKey) : undefined;
    const referralId = task.referralKey ? referralIds.get(task.referralKey)?.hubspotId : undefined;
    const companyId = task.companyId ?? decision?.companyId;
    const associations: TaskInput['associations'][number][] = [];
    if (referralId && typeIds.task_to_referral !== undefined) {
      associations.push({ toObjectType: model.referralObjectTypeId, toId: referralId, associationTypeId: typeIds.task_to_referral, category: category('task_to_referral') });
    }
    if (task.withCompany && companyId && typeIds.task_to_company !== undefined) {
      associations.push({ toObjectType: '0-2', toId: companyId, associationTypeId: typeIds.task_to_company, category: category('task_to_company') });
    }
    if (task.withContact && decision?.contactId && typeIds.task_to_contact !== undefined) {
      associations.push({ toObjectType: '0-1', toId: decision.contactId, associationTypeId: typeIds.task_to_contact, category: category('task_to_contact') });
    }
    return {
      key: task.key,
      properties: {
        hs_task_subject: task.subject,
        hs_task_body: toTaskBody(task.body),
        hs_timestamp: task.dueAt.toISOString(),
        hs_task_type: task.type,
        hs_task_priority: task.priority,
        hs_task_status: 'NOT_STARTED',
        [TASK_KEY_PROPERTY]: task.key,
        [TASK_RULE_PROPERTY]: task.rule,
        ...(task.ownerId ? { hubspot_owner_id: task.ownerId } : {}),
      },
      associations,
    };
  });
  const failures: Array<{ kind: 'task'; key: string; attempts: number; error: string; dead: boolean }> = [];
  const ownerOf = new Map(toSend.map((task) => [task.key, task.ownerId]));
  for (const outcome of inputs.length > 0 ? await createTasks(hubspot, inputs) : []) {
    const job = jobOf.get(outcome.key);
    if (!job) continue;
    if (outcome.ok) written.push({ key: outcome.key, hubspotId: outcome.id, ownerId: ownerOf.get(outcome.key) ?? null });
    else failures.push({ kind: 'task', key: outcome.key, attempts: job.attempt, error: `${outcome.error.category}: ${outcome.error.message}`, dead: job.last });
  }
  if (toReassign.length > 0) {
    await reassignTasks(hubspot, toReassign.map((task) => ({ id: task.hubspotId as string, ownerId: task.ownerId as string })));
    written.push(...toReassign.map((task) => ({ key: task.key, hubspotId: task.hubspotId as string, ownerId: task.ownerId })));
  }
  await followUps.markWritten(client, tenantId, written);
  await syncStore.clearFailures(client, tenantId, 'task', [...done, ...written.map((w) => w.key)]);
  await queue.complete(client, 'task', [...done, ...written.map((w) => w.key)].flatMap((key) => jobOf.get(key)?.id ?? []));
  for (const failure of failures) {
    const job = jobOf.get(failure.key);
    if (job) await queue.fail(client, 'task', [job.id], failure.error);
  }
  await syncStore.recordFailures(client, tenantId, failures);
  // A task whose referral is not in HubSpot yet waits for it (the referral's own job is queued or being retried).
  for (const task of waiting) {
    const job = jobOf.get(task.key);
    if (job) await queue.fail(client, 'task', [job.id], 'waiting for its referral to be written to HubSpot');
  }
  round.written += written.length;
  round.unchanged += done.length;
  round.failed += failures.length + waiting.length;
}

/**
 * What became of open tasks in HubSpot, for portals whose webhooks are not set up (and as a safety net): up to
 * `limit` open tasks, least recently checked first, read in batches; completed and deleted ones are recorded.
 * Runs in one process at a time; returns how many changed, or undefined when another process holds the lock.
 */
export async function reconcileTasks(pool: Pool, target: SyncTarget, limit = 1000): Promise<number | undefined> {
  const tenantId = target.tenant.tenantId;
  return inTransaction(pool, async (client) => {
    if (!(await followUps.tryLock(client, tenantId, 'follow-up-poll'))) return undefined;
    const open = await followUps.openInHubSpot(client, tenantId, limit);
    if (open.length === 0) return 0;
    const states = new Map((await readTasks(target.hubspot, open.map((task) => task.hubspotId))).map((state) => [state.id, state]));
    let changed = 0;
    for (const { hubspotId } of open) {
      const state = states.get(hubspotId);
      const outcome = !state
        ? { status: 'deleted' as const, completedAt: null }
        : state.status === 'COMPLETED'
          ? // HubSpot documents no completion date property for tasks: without one, when we learned of it.
            { status: 'completed' as const, completedAt: state.completedAt ?? new Date() }
          : { status: 'open' as const, completedAt: null };
      if (await followUps.recordOutcome(client, tenantId, hubspotId, outcome)) changed += 1;
    }
    await followUps.markChecked(client, tenantId, open.map((task) => task.hubspotId));
    return changed;
  });
}
