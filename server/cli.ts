import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type AppConfig } from '../src/config/env';
import { packageRoot, packageVersion } from '../src/config/packageRoot';
import { tenantSettingsSchema } from '../src/config/tenantSettings';
import { HubSpotApiError, HubSpotUnavailableError } from '../src/hubspot/errors';
import { createLogger, type Logger } from '../src/logger';
import { TenantRepository } from '../src/store/tenants';
import { checkHubSpotProject } from './commands/checkProject';
import { configureHubSpotProject } from './commands/configureProject';
import { HubSpotProjectError } from './commands/hubspotProject';
import { startSandbox } from './sandbox';
import { StartupError, initAppServices, initDatabase } from './services';
import { describeHubSpot, describeProvisioning, listen, provision } from './start';

const version = packageVersion();

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function makeLogger(config: AppConfig): Logger {
  const pretty = config.env.LOG_FORMAT === 'pretty' || (config.env.LOG_FORMAT === 'auto' && Boolean(process.stdout.isTTY));
  return createLogger({ level: config.env.LOG_LEVEL, pretty });
}

/** Resolves when the process is asked to stop (Ctrl-C, or SIGTERM from a process manager). */
function untilStopped(): Promise<string> {
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
    say(`  Server      ${server.url}`);
    say(`  Health      ${server.url}/healthz (alive)   ${server.url}/readyz (database and HubSpot reachable)`);
    say('Ready. Press Ctrl-C to stop.');
    const signal = await untilStopped();
    logger.info({ signal }, 'shutting down');
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
    for (const line of describeProvisioning(await provision(services))) say(line);
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

async function settingsCommand(config: AppConfig, options: { portal?: number; set: string[] }): Promise<void> {
  const logger = makeLogger(config);
  const database = await initDatabase(config, logger);
  try {
    const tenants = new TenantRepository(database.pool);
    const all = await tenants.list();
    const tenant = options.portal === undefined ? (all.length === 1 ? all[0] : undefined) : all.find((t) => t.tenantId === options.portal);
    if (!tenant) {
      throw new StartupError(
        all.length === 0
          ? 'No portal is registered yet: run `referralynx start` or `referralynx provision` first.'
          : `Name the portal with --portal (one of ${all.map((t) => t.tenantId).join(', ')}).`,
      );
    }
    let settings = tenant.settings;
    if (options.set.length > 0) {
      const changes: Record<string, string> = {};
      for (const assignment of options.set) {
        const [key, ...rest] = assignment.split('=');
        if (!key || rest.length === 0) throw new StartupError(`--set takes key=value, got "${assignment}"`);
        changes[key] = rest.join('=');
      }
      const parsed = tenantSettingsSchema.partial().strict().safeParse(changes);
      if (!parsed.success) {
        throw new StartupError(
          `Invalid settings:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || i.message}: ${i.message}`).join('\n')}`,
        );
      }
      settings = await tenants.updateSettings(tenant.tenantId, parsed.data);
    }
    say(`Settings of portal ${tenant.tenantId}:`);
    for (const [key, value] of Object.entries(settings)) say(`  ${key} = ${String(value)}`);
  } finally {
    await database.pool.end();
    await database.embedded?.stop();
  }
}

async function hubspotProjectCommand(options: { publicUrl?: string; check?: boolean }): Promise<void> {
  const projectDir = packageRoot();
  if (!options.publicUrl && !options.check) {
    throw new StartupError('Say what to do: --public-url https://your-server.example.org and/or --check.');
  }
  if (options.publicUrl) {
    const { changedFiles } = await configureHubSpotProject({ projectDir, publicBaseUrl: options.publicUrl });
    say(changedFiles.length === 0 ? 'The HubSpot project already points at that origin.' : `Updated ${changedFiles.join(', ')}.`);
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
    .description("show or change a portal's settings (timeZone, holidayCalendar, phiMode)")
    .addOption(new Option('--portal <id>', 'HubSpot portal id (needed when several are registered)').argParser(Number))
    .option('--set <key=value...>', 'change a setting, e.g. --set timeZone=America/Chicago', [])
    .action((options: { portal?: number; set: string[] }) => run((config) => settingsCommand(config, options)));
  program
    .command('hubspot-project')
    .description("point the HubSpot project (hubspot-app/) at this server's public origin, and check it offline")
    .option('--public-url <origin>', "the server's public HTTPS origin, e.g. https://referralynx.agency.org")
    .option('--check', 'check every config file offline (JSON, keys, uids, entrypoints, scopes, URLs)')
    .action((options: { publicUrl?: string; check?: boolean }) => runWithoutConfig(() => hubspotProjectCommand(options)));
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
