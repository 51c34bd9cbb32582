import type { Clock } from '../clock';
import { mergeSettings, type TenantId, type TenantSettings, tenantSettingsSchema } from '../config/tenantSettings';
import type { Pool, PoolClient } from './postgres';

export interface Tenant {
  tenantId: TenantId;
  name: string;
  settings: TenantSettings;
}

/** Owns the SQL for tenants, their settings and what provisioning recorded about their portal. */
export class TenantRepository {
  constructor(private readonly pool: Pool) {}

  /** Registers the portal on first sight; later calls keep its settings. */
  async ensure(tenantId: TenantId, name = ''): Promise<Tenant> {
    await this.pool.query(
      `INSERT INTO tenants (tenant_id, name) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET name = CASE WHEN $2 = '' THEN tenants.name ELSE $2 END`,
      [tenantId, name],
    );
    const tenant = await this.find(tenantId);
    if (!tenant) throw new Error(`tenant ${tenantId} vanished while being registered`);
    return tenant;
  }

  async list(): Promise<Tenant[]> {
    const { rows } = await this.pool.query<{ tenant_id: number; name: string; settings: unknown }>(
      'SELECT tenant_id, name, settings FROM tenants ORDER BY tenant_id',
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, name: row.name, settings: tenantSettingsSchema.parse(row.settings) }));
  }

  async find(tenantId: TenantId): Promise<Tenant | undefined> {
    const { rows } = await this.pool.query<{ tenant_id: number; name: string; settings: unknown }>({
      name: 'find-tenant',
      text: 'SELECT tenant_id, name, settings FROM tenants WHERE tenant_id = $1',
      values: [tenantId],
    });
    const row = rows[0];
    if (!row) return undefined;
    return { tenantId: row.tenant_id, name: row.name, settings: tenantSettingsSchema.parse(row.settings) };
  }

  /**
   * Merges `changes` into the tenant's settings; invalid values, and keys that are not settings, are refused with
   * zod's error and nothing is written.
   */
  async updateSettings(
    tenantId: TenantId,
    changes: Partial<TenantSettings> | Record<string, unknown>,
    client: Pick<PoolClient, 'query'> | Pool = this.pool,
  ): Promise<TenantSettings> {
    // Locked while merged: two saves at once each keep the other's changes (within the caller's transaction, if any).
    const { rows } = await client.query<{ settings: unknown }>('SELECT settings FROM tenants WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
    if (!rows[0]) throw new Error(`unknown tenant ${tenantId}`);
    const next = mergeSettings(tenantSettingsSchema.parse(rows[0].settings), changes);
    await client.query('UPDATE tenants SET settings = $2, updated_at = now() WHERE tenant_id = $1', [tenantId, JSON.stringify(next)]);
    return next;
  }

  async readDataModel(tenantId: TenantId): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query<{ key: string; value: unknown }>(
      'SELECT key, value FROM hubspot_data_model WHERE tenant_id = $1',
      [tenantId],
    );
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  async saveDataModel(tenantId: TenantId, entries: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) {
      await this.pool.query(
        `INSERT INTO hubspot_data_model (tenant_id, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         WHERE hubspot_data_model.value IS DISTINCT FROM EXCLUDED.value`,
        [tenantId, key, JSON.stringify(value)],
      );
    }
  }

  async recordProvisioningRun(
    tenantId: TenantId,
    run: { startedAt: Date; changes: unknown[]; writeCalls: number },
  ): Promise<void> {
    await this.pool.query(
      'INSERT INTO provisioning_runs (tenant_id, started_at, changes, write_calls) VALUES ($1, $2, $3, $4)',
      [tenantId, run.startedAt, JSON.stringify(run.changes), run.writeCalls],
    );
  }
}

/**
 * Tenants read at most once per `maxAgeMs`: the card API needs its tenant on every request, and a query each time is
 * a seventh of a card's database work. A setting changed with the CLI reaches the cards within `maxAgeMs`.
 */
export function recentTenants(tenants: Pick<TenantRepository, 'find'>, maxAgeMs: number, clock: Clock): (tenantId: TenantId) => Promise<Tenant | undefined> {
  const read = new Map<TenantId, { at: number; tenant: Promise<Tenant | undefined> }>();
  return (tenantId) => {
    const now = clock.now();
    const kept = read.get(tenantId);
    if (kept && now - kept.at < maxAgeMs) return kept.tenant;
    const tenant = tenants.find(tenantId);
    read.set(tenantId, { at: now, tenant });
    // A failed read is not kept: the next request asks again.
    tenant.catch(() => read.delete(tenantId));
    return tenant;
  };
}
