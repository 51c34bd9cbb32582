import { DateTime } from 'luxon';
import { pilotProgress, progressLines } from '../domain/pilots';
import type { TaskIntent } from '../domain/followUps';
import { batchRead } from '../hubspot/api';
import { FollowUpStore } from '../store/followUpStore';
import { PilotStore } from '../store/pilotStore';
import { inTransaction, type Pool } from '../store/postgres';
import type { SyncQueue } from '../store/syncQueue';
import { calendarOf, keepFollowUps } from './followUps';
import type { SyncTarget } from './syncOnce';

/** An ended pilot is reviewed this many days more, so its final status is settled from late-arriving EHR events. */
const SETTLING_DAYS = 7;

const pilots = new PilotStore();
const followUps = new FollowUpStore();

/**
 * Pilot projects, hourly: the progress of each running (or just ended) pilot computed from the referral facts and
 * kept for the cards; a standard at risk raises a task once for the company's owner (rule pilot_at_risk), with where
 * every standard stands. One process at a time (advisory lock); returns the number of new tasks, or undefined when
 * another process holds the lock.
 */
export async function reviewPilots(pool: Pool, queue: SyncQueue, target: SyncTarget, now: Date): Promise<number | undefined> {
  const { tenant, hubspot } = target;
  const { timeZone } = tenant.settings;
  const today = DateTime.fromJSDate(now, { zone: timeZone }).toISODate() ?? now.toISOString().slice(0, 10);
  return inTransaction(pool, async (client) => {
    if (!(await followUps.tryLock(client, tenant.tenantId, 'pilot-review'))) return undefined;
    const due = await pilots.toReview(client, tenant.tenantId, today, SETTLING_DAYS);
    if (due.length === 0) return 0;
    const companies = new Map(
      (await batchRead(hubspot, 'companies', [...new Set(due.map((p) => p.companyId))], ['name', 'hubspot_owner_id'])).map((c) => [c.id, c.properties]),
    );
    const calendar = calendarOf(tenant);
    const intents: TaskIntent[] = [];
    for (const pilot of due) {
      const progress = pilotProgress(pilot, await pilots.facts(client, tenant.tenantId, pilot, timeZone, today), today);
      await pilots.saveProgress(client, tenant.tenantId, pilot.pilotId, progress);
      const company = companies.get(pilot.companyId);
      if (!company) continue;
      progress.standards.forEach((standard, index) => {
        if (standard.status !== 'at_risk') return;
        intents.push({
          key: `pilot_at_risk:${pilot.pilotId}:${index}`,
          rule: 'pilot_at_risk',
          type: 'TODO',
          priority: 'HIGH',
          subject: `Pilot at risk with ${company.name ?? 'the source'}: ${standard.text}`,
          body: [
            `The pilot "${pilot.name}" (${pilot.periodStart} to ${pilot.periodEnd}) is below one of its standards:`,
            ...progressLines(progress).map((line) => `- ${line}`),
            'Talk with intake and scheduling about what is holding starts back, and tell the source where the pilot stands.',
          ].join('\n'),
          dueAt: calendar.endOfBusinessDay(now),
          role: 'company',
          ownerId: company.hubspot_owner_id || undefined,
          referralKey: undefined,
          companyId: pilot.companyId,
          withCompany: true,
          withContact: false,
        });
      });
    }
    return keepFollowUps(client, queue, tenant.tenantId, intents);
  });
}
