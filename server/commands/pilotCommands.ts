import fs from 'node:fs';
import { pilotSchema, progressLines, type PilotProgress } from '../../src/domain/pilots';
import { PilotStore } from '../../src/store/pilotStore';
import type { Pool } from '../../src/store/postgres';
import type { Tenant } from '../../src/store/tenants';
import { StartupError } from '../services';

type Say = (line?: string) => void;

const statusWords: Record<PilotProgress['status'], string> = { not_started: 'not started', on_track: 'on track', at_risk: 'AT RISK', met: 'met', missed: 'missed' };

/** `referralynx pilots list`: each pilot with its period, scope and where its standards stood at the last review. */
export async function pilotsList(say: Say, pool: Pool, tenant: Tenant, companyId: string | undefined, json: boolean): Promise<void> {
  const all = await new PilotStore().list(pool, tenant.tenantId, companyId);
  if (json) {
    say(JSON.stringify(all, null, 2));
    return;
  }
  if (all.length === 0) {
    say('No pilot projects yet. Describe one in a JSON file and run: referralynx pilots save pilot.json');
    return;
  }
  for (const pilot of all) {
    const scope = [pilot.businessLine, pilot.serviceZips ? `${pilot.serviceZips.length} ZIPs` : undefined].filter(Boolean).join(', ');
    say(`#${pilot.pilotId}  ${pilot.name}  (company ${pilot.companyId}, ${pilot.periodStart} to ${pilot.periodEnd}${scope ? `, ${scope}` : ''})`);
    if (!pilot.progress) say('    not reviewed yet (the server reviews pilots hourly)');
    else {
      say(`    ${statusWords[pilot.progress.status]} at ${pilot.reviewedAt?.toISOString() ?? '?'}`);
      for (const line of progressLines(pilot.progress)) say(`    - ${line}`);
    }
  }
}

/**
 * `referralynx pilots save <file.json>`: creates a pilot from a JSON description, or replaces pilot `pilotId` when the
 * file names one. The file is checked as a whole before anything is written; every problem is listed.
 */
export async function pilotsSave(say: Say, pool: Pool, tenant: Tenant, file: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StartupError(`${file} is not a readable JSON file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { pilotId, ...definition } = (json ?? {}) as { pilotId?: unknown };
  const parsed = pilotSchema.safeParse(definition);
  if (!parsed.success) {
    throw new StartupError(`${file} does not describe a pilot:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || 'pilot'}: ${i.message}`).join('\n')}`);
  }
  const store = new PilotStore();
  if (pilotId === undefined) {
    const created = await store.create(pool, tenant.tenantId, parsed.data);
    say(`Pilot #${created.pilotId} "${created.name}" created; the server reviews its progress hourly (referralynx pilots list).`);
    return;
  }
  if (typeof pilotId !== 'number') throw new StartupError(`${file}: pilotId must be the number \`pilots list\` shows.`);
  const updated = await store.update(pool, tenant.tenantId, pilotId, parsed.data);
  if (!updated) throw new StartupError(`No pilot #${pilotId} in portal ${tenant.tenantId} (see referralynx pilots list).`);
  say(`Pilot #${updated.pilotId} "${updated.name}" updated.`);
}
