import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAccountDetails } from '../src/hubspot/api';
import { provisionDataModel, type ProvisionResult } from '../src/hubspot/provision';
import { buildApp } from './app';
import type { AppServices } from './services';

/** Provisions the portal's data model and records what it did and where things are. */
export async function provision(services: AppServices): Promise<ProvisionResult> {
  const startedAt = new Date();
  const result = await provisionDataModel(services.hubspot);
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
  const app = buildApp({
    logger: services.logger,
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
