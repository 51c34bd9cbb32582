import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nonAdmitReasonsOf } from '../src/config/tenantSettings';
import { getAccountDetails } from '../src/hubspot/api';
import { dataModelSchema, provisionDataModel, type ProvisionResult } from '../src/hubspot/provision';
import { SyncQueue } from '../src/store/syncQueue';
import { syncTarget, syncUntilIdle, type SyncRound } from '../src/sync/syncOnce';
import { systemClock } from '../src/clock';
import cron from 'node-cron';
import { pollFhirFeed } from '../src/ehr/fhirFeed';
import { startMllpListener } from '../src/ehr/hl7v2';
import { describeErrorSafely } from '../src/logger';
import { shareHubSpotBudget } from '../src/sync/budgetShare';
import { reconcileTasks, sweepAccountFollowUps, sweepFollowUps } from '../src/sync/followUps';
import { PARTNER_SUMMARY_PATH, preparePartnerSummaries } from '../src/sync/partnerSummaries';
import { reviewPilots } from '../src/sync/pilots';
import { recomputeScorecards } from '../src/sync/scorecards';
import { recomputeCommissionsIfChanged } from '../src/sync/commissions';
import { PartnerSummaryStore } from '../src/store/partnerSummaryStore';
import { recentTenants } from '../src/store/tenants';
import { hubspotEventEffects } from '../src/sync/hubspotEvents';
import { buildApp } from './app';
import { HUBSPOT_WEBHOOK_PATH } from './commands/hubspotProject';
import { CARD_TENANT_MAX_AGE_MS, CARDS_PATH, cardRoutes } from './routes/cards';
import { hubspotWebhookRoutes } from './routes/hubspotWebhooks';
import { ingestRoutes } from './routes/ingest';
import { partnerSummaryRoutes } from './routes/partnerSummaries';
import type { AppServices } from './services';

/** Provisions the portal's data model (with the tenant's non-admit reasons) and records what it did and where things are. */
export async function provision(services: AppServices): Promise<ProvisionResult> {
  const startedAt = new Date();
  const tenant = (await services.tenants.find(services.tenant.tenantId)) ?? services.tenant;
  const result = await provisionDataModel(services.hubspot, { nonAdmitReasons: nonAdmitReasonsOf(tenant.settings) });
  await services.tenants.saveDataModel(services.tenant.tenantId, { dataModel: result.model });
  await services.tenants.recordProvisioningRun(services.tenant.tenantId, {
    startedAt,
    changes: result.changes,
    writeCalls: result.writeCalls,
  });
  return result;
}

/** A few lines an administrator reads: what changed in the portal, or that nothing needed to. */
export function describeProvisioning(result: ProvisionResult): string[] {
  const lines =
    result.changes.length === 0
      ? [`Data model already complete: nothing to change (${result.writeCalls} write calls).`]
      : [
          `Data model provisioned (${result.writeCalls} write calls):`,
          ...result.changes.map((change) => `  ${change.action} ${change.target}`),
        ];
  return [...lines, ...result.warnings.map((warning) => `  warning: ${warning}`)];
}

export function describeHubSpot(services: AppServices): string {
  return services.sandbox
    ? `local CRM sandbox at ${services.sandbox.url} (portal ${services.tenant.tenantId}); set HUBSPOT_ACCESS_TOKEN to use your HubSpot portal`
    : `HubSpot portal ${services.tenant.tenantId} via ${services.hubspot.baseUrl}`;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Builds the HTTP app on the services and listens on HOST:PORT. */
export async function listen(services: AppServices): Promise<RunningServer> {
  let lastHubSpotCheck = { at: 0, error: undefined as Error | undefined };
  const cardTenant = recentTenants(services.tenants, CARD_TENANT_MAX_AGE_MS, systemClock);
  const app = buildApp({
    logger: services.logger,
    rawBodyRoutes: [
      {
        path: '/ingest',
        router: ingestRoutes({
          ingestorFor: async (portalId) => (portalId === services.tenant.tenantId ? services.ingestor : undefined),
          secretFor: (portalId) => services.ehr.ingestSecret(portalId),
          clock: systemClock,
        }),
      },
      {
        path: CARDS_PATH,
        router: cardRoutes({
          pool: services.pool,
          tenantFor: async (portalId) => (portalId === services.tenant.tenantId ? cardTenant(portalId) : undefined),
          appSecret: services.config.env.HUBSPOT_APP_SECRET,
          publicBaseUrl: services.config.env.PUBLIC_BASE_URL,
          clock: systemClock,
          hubspot: services.hubspot,
        }),
      },
      {
        path: HUBSPOT_WEBHOOK_PATH,
        router: hubspotWebhookRoutes({
          pool: services.pool,
          tenantFor: async (portalId) => {
            if (portalId !== services.tenant.tenantId) return undefined;
            const model = dataModelSchema.safeParse((await services.tenants.readDataModel(portalId)).dataModel);
            return { tenantId: portalId, referralObjectTypeId: model.success ? model.data.referralObjectTypeId : undefined };
          },
          appSecret: services.config.env.HUBSPOT_APP_SECRET,
          publicBaseUrl: services.config.env.PUBLIC_BASE_URL,
          handlers: hubspotEventEffects(new SyncQueue(services.pool)),
          clock: systemClock,
        }),
      },
    ],
    routes: [
      {
        path: PARTNER_SUMMARY_PATH,
        router: partnerSummaryRoutes({
          summaryByToken: (token) => new PartnerSummaryStore().byToken(services.pool, services.tenant.tenantId, token),
          timeZone: async () => ((await services.tenants.find(services.tenant.tenantId)) ?? services.tenant).settings.timeZone,
        }),
      },
    ],
    readiness: [
      {
        name: 'database',
        check: async () => {
          await services.pool.query('SELECT 1');
        },
      },
      {
        name: 'hubspot',
        // One cheap call at most every 30 s: readiness probes must not eat the portal's API budget.
        check: async () => {
          if (Date.now() - lastHubSpotCheck.at > 30_000) {
            try {
              await getAccountDetails(services.hubspot);
              lastHubSpotCheck = { at: Date.now(), error: undefined };
            } catch (error) {
              lastHubSpotCheck = { at: Date.now(), error: error instanceof Error ? error : new Error(String(error)) };
            }
          }
          if (lastHubSpotCheck.error) throw lastHubSpotCheck.error;
        },
      },
    ],
  });
  const { HOST: host, PORT: port } = services.config.env;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

export interface RunningFeeds {
  lines: string[];
  /** The port the MLLP listener got, when it runs. */
  mllpPort?: number;
  close(): Promise<void>;
}

/**
 * The listeners EHR feeds connect to: the MLLP listener for HL7 v2 (an ACK per message: AA stored, AE quarantined
 * with the reason in ERR). Pushes arrive on the HTTP server (/ingest); files through `referralynx ingest`.
 */
export async function startFeeds(services: AppServices): Promise<RunningFeeds> {
  const lines: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  let listeningOn: number | undefined;
  const mllpPort = services.config.env.REFERRALYNX_MLLP_PORT;
  if (mllpPort !== 'off') {
    const host = services.config.env.REFERRALYNX_MLLP_HOST ?? services.config.env.HOST;
    const listener = await startMllpListener({
      port: mllpPort,
      host,
      logger: services.logger,
      onMessage: async (text) => {
        const result = await services.ingestor.message('hl7v2', text, `mllp:${mllpPort}`);
        return result.status === 'quarantined' ? { code: 'AE', reason: result.reason } : { code: 'AA' };
      },
    });
    listeningOn = listener.port;
    lines.push(`HL7 v2 over MLLP on ${host}:${listener.port}`);
    closers.push(() => listener.close());
  }
  const { FHIR_BASE_URL: fhirBaseUrl, FHIR_AUTHORIZATION: authorization, FHIR_POLL_SCHEDULE: schedule } = services.config.env;
  if (fhirBaseUrl) {
    const poll = () =>
      pollFhirFeed(services.ehr, services.ingestor, {
        baseUrl: fhirBaseUrl,
        ...(authorization ? { headers: { Authorization: authorization } } : {}),
      });
    // node-cron only triggers the run; the run takes an advisory lock so one process polls at a time.
    const task = cron.schedule(schedule, () => {
      poll().catch((error: unknown) => services.logger.error({ error: describeErrorSafely(error) }, 'FHIR poll failed'));
    });
    lines.push(`FHIR server ${fhirBaseUrl} polled on "${schedule}"`);
    closers.push(async () => {
      await task.stop();
    });
  }
  const secretHint = `signed with the portal's ingest secret (referralynx feeds secret)`;
  lines.push(`FHIR and JSON pushes at /ingest/${services.tenant.tenantId}/fhir and /ingest/${services.tenant.tenantId}/json, ${secretHint}`);
  return {
    lines,
    ...(listeningOn === undefined ? {} : { mllpPort: listeningOn }),
    close: async () => {
      for (const close of closers) await close();
    },
  };
}

export interface RunningSync {
  /** Resolves when everything queued so far has been written (or refused). */
  drain(): Promise<SyncRound>;
  /** Runs the time-based follow-up rules now (the demo): the referral ones and the account ones; undefined when another process is running them. */
  sweep(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * The sync worker: every second, rounds of syncOnce until the queue has nothing due. Several server processes can
 * run it against one database: pg-boss gives each record's job to one of them at a time, this process's pg-boss
 * maintenance gives back the jobs of a process that died mid-round, and each takes its part of the portal's HubSpot
 * budget (src/sync/budgetShare.ts).
 */
export async function startSync(services: AppServices): Promise<RunningSync> {
  const saved = await services.tenants.readDataModel(services.tenant.tenantId);
  const model = dataModelSchema.parse(saved.dataModel);
  const queue = new SyncQueue(services.pool);
  await queue.start();
  const share = await shareHubSpotBudget({
    pool: services.pool,
    tenantId: services.tenant.tenantId,
    hubspot: services.hubspot,
    role: 'server',
    logger: services.logger,
  });
  const target = syncTarget({ tenant: services.tenant, hubspot: services.hubspot, model });
  let running: Promise<SyncRound> | undefined;
  const drain = (): Promise<SyncRound> => {
    running ??= (async () => {
      try {
        // The tenant's settings (owners, thresholds) may have been changed by the CLI since the last round.
        const tenant = (await services.tenants.find(services.tenant.tenantId)) ?? services.tenant;
        return await syncUntilIdle({ pool: services.pool, queue, target: { ...target, tenant } });
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    drain().catch((error: unknown) => services.logger.error({ error: describeErrorSafely(error) }, 'sync round failed'));
  }, 1_000);
  const current = async () => ({ ...target, tenant: (await services.tenants.find(services.tenant.tenantId)) ?? services.tenant });
  // Periodic work: node-cron fires in every process; each run takes an advisory lock, so one process does it.
  const periodic = [
    // Follow-ups that fire on time passing (stalled referrals, hospice NOEs): every minute.
    cron.schedule('* * * * *', () => {
      void (async () => sweepFollowUps(services.pool, queue, await current(), new Date()))().catch((error: unknown) =>
        services.logger.error({ error: describeErrorSafely(error) }, 'follow-up sweep failed'),
      );
    }),
    // Account check-ins and dormant sources: hourly.
    cron.schedule('7 * * * *', () => {
      void (async () => sweepAccountFollowUps(services.pool, queue, await current(), new Date()))().catch((error: unknown) =>
        services.logger.error({ error: describeErrorSafely(error) }, 'account follow-up sweep failed'),
      );
    }),
    // Pilot projects' progress, and a task when a standard is at risk: hourly.
    cron.schedule('9 * * * *', () => {
      void (async () => reviewPilots(services.pool, queue, await current(), new Date()))().catch((error: unknown) =>
        services.logger.error({ error: describeErrorSafely(error) }, 'pilot review failed'),
      );
    }),
    // Every scorecard computed again in one pass, nightly (days since the last referral move every day).
    cron.schedule('30 2 * * *', () => {
      void (async () => recomputeScorecards(services.pool, queue, (await current()).tenant, new Date()))().catch((error: unknown) =>
        services.logger.error({ error: describeErrorSafely(error) }, 'nightly scorecard recompute failed'),
      );
    }),
    // Commissions, when referrals, admissions, owners, the plan or the roster changed since the last run, and on each
    // new local day (date-based counting points and clawback windows move with the calendar): looked at every minute.
    cron.schedule('* * * * *', () => {
      void (async () => recomputeCommissionsIfChanged(services.pool, queue, (await current()).tenant, new Date()))().catch((error: unknown) =>
        services.logger.error({ error: describeErrorSafely(error) }, 'commission run failed'),
      );
    }),
    // Tasks completed or deleted in HubSpot that no webhook told us about: every 15 minutes.
    cron.schedule('*/15 * * * *', () => {
      void (async () => reconcileTasks(services.pool, await current()))().catch((error: unknown) =>
        services.logger.error({ error: describeErrorSafely(error) }, 'follow-up task poll failed'),
      );
    }),
    // Partner summaries of the week or month just over: every 15 minutes, made once per source and period.
    cron.schedule('*/15 * * * *', () => {
      void (async () => preparePartnerSummaries(services.pool, queue, await current(), new Date(), { publicBaseUrl: services.config.env.PUBLIC_BASE_URL }))().catch(
        (error: unknown) => services.logger.error({ error: describeErrorSafely(error) }, 'partner summaries failed'),
      );
    }),
  ];
  return {
    drain,
    sweep: async () => {
      const tenantTarget = await current();
      const fresh = await sweepFollowUps(services.pool, queue, tenantTarget, new Date());
      const accounts = await sweepAccountFollowUps(services.pool, queue, tenantTarget, new Date());
      return fresh === undefined && accounts === undefined ? undefined : (fresh ?? 0) + (accounts ?? 0);
    },
    close: async () => {
      clearInterval(timer);
      for (const task of periodic) await task.stop();
      await running?.catch(() => undefined);
      await queue.stop();
      await share.close();
    },
  };
}
