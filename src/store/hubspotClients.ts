import type { TenantId } from '../config/tenantSettings';
import type { Pool } from './postgres';

export interface HubSpotClientRow {
  description: string;
  startedAt: Date;
  seenAt: Date;
}

/** The processes spending each portal's HubSpot budget (migration 007): announcements, counted by age. */
export class HubSpotClientStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Announces this process and counts the processes that announced themselves within `liveSeconds`, this one
   * included. Rows a day old (processes killed long ago) are cleared on the way.
   */
  async announce(tenantId: TenantId, clientId: string, description: string, liveSeconds: number): Promise<number> {
    await this.pool.query(
      `INSERT INTO hubspot_clients (tenant_id, client_id, description) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, client_id) DO UPDATE SET seen_at = now()`,
      [tenantId, clientId, description],
    );
    await this.pool.query(`DELETE FROM hubspot_clients WHERE tenant_id = $1 AND seen_at < now() - interval '1 day'`, [tenantId]);
    const { rows } = await this.pool.query<{ live: number }>(
      `SELECT count(*)::int AS live FROM hubspot_clients
       WHERE tenant_id = $1 AND (client_id = $2 OR seen_at > now() - make_interval(secs => $3))`,
      [tenantId, clientId, liveSeconds],
    );
    return rows[0]?.live ?? 1;
  }

  async withdraw(tenantId: TenantId, clientId: string): Promise<void> {
    await this.pool.query('DELETE FROM hubspot_clients WHERE tenant_id = $1 AND client_id = $2', [tenantId, clientId]);
  }

  /** The processes counted now, for `referralynx status`. */
  async live(tenantId: TenantId, liveSeconds: number): Promise<HubSpotClientRow[]> {
    const { rows } = await this.pool.query<{ description: string; started_at: Date; seen_at: Date }>(
      `SELECT description, started_at, seen_at FROM hubspot_clients
       WHERE tenant_id = $1 AND seen_at > now() - make_interval(secs => $2) ORDER BY started_at`,
      [tenantId, liveSeconds],
    );
    return rows.map((row) => ({ description: row.description, startedAt: row.started_at, seenAt: row.seen_at }));
  }
}
