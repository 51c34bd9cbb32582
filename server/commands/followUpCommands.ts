import { listOwners } from '../../src/hubspot/api';
import { followUpRuleLabel } from '../../src/domain/followUps';
import { FollowUpStore } from '../../src/store/followUpStore';
import type { AppServices } from '../services';

type Say = (line?: string) => void;

const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${Math.round((part / whole) * 100)}%`);

/**
 * `referralynx follow-ups`: whether the loop gets closed. For the tasks created in the last `days`, per rule and per
 * owner: how many, how many completed, how many of those on time, how many open past due, how many deleted unworked.
 */
export async function followUpsReport(say: Say, services: AppServices, days: number, json: boolean): Promise<void> {
  const since = new Date(Date.now() - days * 86_400_000);
  const lines = await new FollowUpStore().completion(services.pool, services.tenant.tenantId, since);
  if (json) {
    say(JSON.stringify({ portal: services.tenant.tenantId, since: since.toISOString(), lines }, null, 2));
    return;
  }
  if (lines.length === 0) {
    say(`No follow-up tasks created in HubSpot in the last ${days} days.`);
    return;
  }
  const owners = new Map((await listOwners(services.hubspot)).map((owner) => [owner.id, owner.email ?? owner.id]));
  say(`Follow-up tasks created in the last ${days} days, by rule and owner:`);
  say(`  ${'rule'.padEnd(30)} ${'owner'.padEnd(38)} created  completed  on time  overdue  deleted`);
  for (const line of lines) {
    const owner = line.ownerId ? (owners.get(line.ownerId) ?? `owner ${line.ownerId}`) : 'unassigned';
    say(
      `  ${followUpRuleLabel(line.rule).padEnd(30)} ${owner.padEnd(38)} ${String(line.created).padStart(7)}  ` +
        `${`${line.completed} (${percent(line.completed, line.created)})`.padStart(9)}  ${percent(line.onTime, line.completed).padStart(7)}  ` +
        `${String(line.overdue).padStart(7)}  ${String(line.deleted).padStart(7)}`,
    );
  }
}
