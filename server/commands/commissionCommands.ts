import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { countingPointText } from '../../src/domain/commissionPlan';
import { formatCents, PERIOD } from '../../src/domain/commissions';
import { CommissionStore } from '../../src/store/commissionStore';
import type { Pool } from '../../src/store/postgres';
import { SyncQueue } from '../../src/store/syncQueue';
import type { Tenant } from '../../src/store/tenants';
import { CommissionRefusal, closePeriod, recomputeCommissions, savePlan, saveRoster } from '../../src/sync/commissions';
import { renderStatementPdf, statementCsv, statementJson, toStatement } from '../../src/sync/commissionStatement';
import { StartupError } from '../services';

type Say = (line?: string) => void;

const store = new CommissionStore();

/** A plan or roster file: JSON, or YAML when it ends in .yaml or .yml. */
function readDocument(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError(`${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new StartupError(`${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A refusal as the administrator reads it: the headline, then every problem with the rule it breaks. */
function refusal(error: unknown): unknown {
  if (!(error instanceof CommissionRefusal)) return error;
  const lines = error.problems.map((p) => `  - [${p.rule}] ${p.path.length > 0 ? `${p.path.join('.')}: ` : ''}${p.message}`);
  return new StartupError([error.message, ...lines].join('\n'));
}

async function refusing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw refusal(error);
  }
}

/** `referralynx commissions plan save <file>`: the plan's next version, or every reason it is refused. */
export async function commissionPlanSave(say: Say, pool: Pool, tenant: Tenant, file: string): Promise<void> {
  const saved = await refusing(() => savePlan(pool, tenant, readDocument(file)));
  say(`Plan ${saved.planId} saved as version ${saved.version}. Admissions show it within a minute of the server's next look (or run: referralynx commissions run).`);
}

/** `referralynx commissions plan list`: every version with its dates and terms in a line. */
export async function commissionPlanList(say: Say, pool: Pool, tenant: Tenant, json: boolean): Promise<void> {
  const versions = await store.planVersions(pool, tenant.tenantId);
  if (json) {
    say(JSON.stringify(versions, null, 2));
    return;
  }
  if (versions.length === 0) {
    say('No commission plan yet. Write one (see the README, Commissions) and run: referralynx commissions plan save plan.json');
    return;
  }
  for (const plan of versions) {
    const lines = Object.entries(plan.lines)
      .flatMap(([line, terms]) => (terms ? [`${line} ${formatCents(terms.amountCents)}`] : []))
      .join(', ');
    say(
      `${plan.id} v${plan.version}${plan.name ? ` "${plan.name}"` : ''}  effective ${plan.effectiveFrom} to ${plan.effectiveTo ?? 'open'}  ` +
        `counts at ${countingPointText(plan.countingPoint)}; ${lines}; credit: ${plan.credit.rule}; saved ${plan.savedAt.toISOString()}`,
    );
  }
}

/** `referralynx commissions payees set <file>` and `payees show`: the owners who are employees, and who decides admission. */
export async function commissionPayeesSet(say: Say, pool: Pool, tenant: Tenant, file: string): Promise<void> {
  const roster = await refusing(() => saveRoster(pool, tenant, readDocument(file)));
  say(`Roster saved: ${roster.employees.length} employee${roster.employees.length === 1 ? '' : 's'} may be paid, ${roster.admissionDeciders.length} marked as deciding admission (never paid).`);
}

export async function commissionPayeesShow(say: Say, pool: Pool, tenant: Tenant): Promise<void> {
  say(JSON.stringify(await store.roster(pool, tenant.tenantId), null, 2));
}

/** `referralynx commissions run`: computes now; the server writes the changed admissions to HubSpot. */
export async function commissionRun(say: Say, pool: Pool, tenant: Tenant, now: Date): Promise<void> {
  const run = await recomputeCommissions(pool, new SyncQueue(pool), tenant, now);
  if (!run) throw new StartupError('Commissions are being computed by another process right now: try again in a moment.');
  if (!run.planned) {
    say('No commission plan yet: nothing to compute (referralynx commissions plan save <file>).');
    return;
  }
  const { earned, clawed_back: clawedBack, not_yet_eligible: waiting, ineligible } = run.byStatus;
  say(`${run.referrals} referrals: ${earned} earned, ${clawedBack} clawed back, ${waiting} not yet eligible, ${ineligible} ineligible.`);
  say(`${run.openLines} lines in the open periods; ${run.queued} admission${run.queued === 1 ? '' : 's'} queued for HubSpot (the server writes them within seconds).`);
}

/** `referralynx commissions close --period YYYY-MM`. */
export async function commissionClose(say: Say, pool: Pool, tenant: Tenant, period: string, now: Date): Promise<void> {
  const closed = await refusing(() => closePeriod(pool, new SyncQueue(pool), tenant, period, now));
  say(
    `${closed.period} closed: ${closed.lines} line${closed.lines === 1 ? '' : 's'} issued to ${closed.payees} payee${closed.payees === 1 ? '' : 's'}, ` +
      `${formatCents(closed.totalCents)} in all. They never change; anything later goes into the next open month.`,
  );
}

export type StatementFormat = 'json' | 'csv' | 'pdf';

/**
 * `referralynx commissions statement --period YYYY-MM [--payee OWNER] --format json|csv|pdf [--out file]`: printed, or
 * written to --out (a PDF must be). `names` gives the owners' names (from HubSpot), else they are shown by id.
 */
export async function commissionStatement(
  say: Say,
  pool: Pool,
  tenant: Tenant,
  options: { period: string; payee?: string; format: StatementFormat; out?: string; names?: ReadonlyMap<string, string>; now: Date },
): Promise<void> {
  if (!PERIOD.test(options.period)) throw new StartupError(`A period is a month as YYYY-MM (e.g. 2026-10), not "${options.period}".`);
  if (options.format === 'pdf' && !options.out) throw new StartupError('Say where to write the PDF: --out statement.pdf.');
  const { closed, lines } = await store.periodLines(pool, tenant.tenantId, options.period, options.payee);
  const statement = toStatement(options.period, closed, lines, options.names ?? new Map());
  const body =
    options.format === 'pdf'
      ? await renderStatementPdf({ statement, agencyName: tenant.settings.agencyName, preparedAt: options.now, timeZone: tenant.settings.timeZone })
      : options.format === 'csv'
        ? statementCsv(statement)
        : statementJson(statement);
  if (!options.out) {
    process.stdout.write(body);
    return;
  }
  fs.writeFileSync(options.out, body);
  say(
    `Wrote ${path.basename(options.out)}: ${options.period} (${closed ? 'closed' : 'open, may still change'}), ${statement.payees.length} payee${statement.payees.length === 1 ? '' : 's'}, ` +
      `${lines.length} line${lines.length === 1 ? '' : 's'}.`,
  );
}
