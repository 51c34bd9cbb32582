import type { AppConfig } from '../src/config/env';
import { getAccessTokenInfo } from '../src/hubspot/api';
import { HubSpot } from '../src/hubspot/client';
import { HubSpotMissingScopesError } from '../src/hubspot/errors';
import { REQUIRED_SCOPES } from '../src/hubspot/scopes';
import type { Logger } from '../src/logger';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/store/embeddedPostgres';
import { migrate } from '../src/store/migrate';
import { createPool, describeConnectionError, ensureDatabase, type Pool } from '../src/store/postgres';
import { Ingestor } from '../src/ehr/ingest';
import { EhrStore } from '../src/store/ehrStore';
import { recentTenants, TenantRepository, type Tenant } from '../src/store/tenants';
import { systemClock } from '../src/clock';
import { startSandbox, type RunningSandbox } from './sandbox';

/** How stale the settings a long-running ingestor reads messages with may be. */
const TENANT_SETTINGS_MAX_AGE_MS = 5_000;

/** The token the in-process sandbox is started with: it stands in for a private app's access token. */
const SANDBOX_TOKEN = 'sandbox-private-app-token';
const EMBEDDED_DATABASE = 'referralynx';

export interface AppServices {
  config: AppConfig;
  logger: Logger;
  pool: Pool;
  hubspot: HubSpot;
  tenants: TenantRepository;
  /** The portal this deployment serves (a private app belongs to one portal). */
  tenant: Tenant;
  /** Set when no HubSpot token is configured and the local CRM sandbox stands in for HubSpot. */
  sandbox?: RunningSandbox;
  /** Where the database lives, for the start-up message ("embedded at ..." or the host of DATABASE_URL). */
  databaseDescription: string;
  ehr: EhrStore;
  /** Takes EHR input for the tenant from every feed. */
  ingestor: Ingestor;
}

/** A start-up problem an administrator can fix; the CLI prints its message alone and exits non-zero. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Connects the database (embedded when DATABASE_URL is unset) and applies migrations. */
export async function initDatabase(
  config: AppConfig,
  logger: Logger,
): Promise<{ pool: Pool; embedded?: EmbeddedServer; description: string }> {
  let url = config.env.DATABASE_URL;
  let embedded: EmbeddedServer | undefined;
  let description: string;
  if (url) {
    const parsed = new URL(url);
    description = `PostgreSQL at ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } else {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.env.REFERRALYNX_EMBEDDED_PG_PORT,
      onLog: (line) => logger.debug({ component: 'embedded-postgres' }, line),
    });
    url = embedded.urlFor(EMBEDDED_DATABASE);
    description = `embedded PostgreSQL (data in ${embedded.clusterDir}, port ${config.env.REFERRALYNX_EMBEDDED_PG_PORT})`;
    try {
      await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
    } catch (error) {
      await embedded.stop();
      throw new StartupError(describeConnectionError(embedded.adminUrl, error));
    }
  }
  const pool = createPool(url);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw new StartupError(describeConnectionError(url, error));
  }
  const applied = await migrate(pool);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  return { pool, ...(embedded ? { embedded } : {}), description };
}

/**
 * Builds everything the server, the workers and the CLI share: database, HubSpot client (real portal, or the local
 * CRM sandbox when no token is set), and the tenant. `shutdownApp` releases all of it. Integration tests call the
 * same pair.
 */
export async function initAppServices(
  config: AppConfig,
  logger: Logger,
): Promise<AppServices & { shutdown(): Promise<void> }> {
  const database = await initDatabase(config, logger);
  let sandbox: RunningSandbox | undefined;
  const cleanup = async () => {
    await sandbox?.close();
    await database.pool.end();
    await database.embedded?.stop();
  };
  try {
    let accessToken = config.env.HUBSPOT_ACCESS_TOKEN;
    let baseUrl = config.env.HUBSPOT_API_BASE_URL;
    if (!accessToken) {
      accessToken = SANDBOX_TOKEN;
      try {
        sandbox = await startSandbox({
          pool: database.pool,
          port: config.env.REFERRALYNX_SANDBOX_PORT,
          token: SANDBOX_TOKEN,
          requestsPer10s: config.env.HUBSPOT_REQUESTS_PER_10S,
        });
        baseUrl = sandbox.url;
      } catch (error) {
        // A CLI command run beside `npm start`: the server's sandbox (on the same database) already has the port.
        const running = `http://127.0.0.1:${config.env.REFERRALYNX_SANDBOX_PORT}`;
        if ((error as { code?: string }).code !== 'EADDRINUSE' || !(await answersAsSandbox(running))) throw error;
        baseUrl = running;
      }
    }
    const hubspot = new HubSpot({
      baseUrl,
      accessToken,
      requestsPer10s: config.env.HUBSPOT_REQUESTS_PER_10S,
      searchRequestsPerSecond: config.env.HUBSPOT_SEARCH_REQUESTS_PER_S,
      logger,
    });
    const portal = await identifyPortal(hubspot, accessToken);
    const tenants = new TenantRepository(database.pool);
    const tenant = await tenants.ensure(portal.hubId);
    const currentTenant = recentTenants(tenants, TENANT_SETTINGS_MAX_AGE_MS, systemClock);
    const ehr = new EhrStore(database.pool);
    const services: AppServices = {
      config,
      logger,
      pool: database.pool,
      hubspot,
      tenants,
      tenant,
      ...(sandbox ? { sandbox } : {}),
      databaseDescription: database.description,
      ehr,
      // The settings of the moment for every message: a change on the settings page or by the CLI applies within
      // seconds, without a restart.
      ingestor: await Ingestor.forTenant(ehr, tenant, () => currentTenant(tenant.tenantId)),
    };
    return { ...services, shutdown: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Asks HubSpot which portal the token belongs to and which scopes it carries, so that a missing scope is reported
 * once at start-up, by name, rather than as a 403 in the middle of a sync.
 */
export async function identifyPortal(hubspot: HubSpot, accessToken: string): Promise<{ hubId: number; scopes: string[] }> {
  const info = await getAccessTokenInfo(hubspot, accessToken);
  const granted = new Set(info.scopes);
  const missing = REQUIRED_SCOPES.filter((scope) => !granted.has(scope));
  if (missing.length > 0) {
    throw new HubSpotMissingScopesError(missing, 403, { category: 'MISSING_SCOPES' }, {
      method: 'POST',
      path: '/oauth/v2/private-apps/get/access-token-info',
    });
  }
  return { hubId: info.hubId, scopes: info.scopes };
}

async function answersAsSandbox(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/__sandbox/stats`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}
