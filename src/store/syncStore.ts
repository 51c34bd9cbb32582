import type { TenantId } from '../config/tenantSettings';
import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import type { PoolClient } from './postgres';

export type RecordKind = 'referral' | 'admission';

/** Refusals after which a record stops being retried on its own (a dead letter). */
export const DEAD_LETTER_ATTEMPTS = 8;

export interface SyncStatus {
  kinds: Array<{
    kind: RecordKind;
    /** Queued and due now. */
    due: number;
    /** Refused, waiting to be tried again. */
    retrying: number;
    /** Refused DEAD_LETTER_ATTEMPTS times: waiting for `referralynx sync retry`. */
    dead: number;
    /** How long the oldest due record has waited. */
    lagSeconds: number;
    written: number;
    lastWrittenAt: Date | null;
  }>;
  errors: Array<{ kind: RecordKind; key: string; attempts: number; error: string; dead: boolean }>;
}
export type NpiObjectType = 'companies' | 'contacts';

const stateTable: Record<RecordKind, { table: string; key: string }> = {
  referral: { table: 'referrals', key: 'referral_key' },
  admission: { table: 'admissions', key: 'admission_key' },
};

/**
 * Owns the SQL of the sync to HubSpot: the outbox the ingestion fills, and what was last written. Work is claimed
 * with FOR UPDATE SKIP LOCKED inside the caller's transaction, so several processes share the outbox and a crash
 * before the commit leaves the rows to be claimed again (the HubSpot writes are upserts: repeating them is safe).
 */
export class SyncStore {
  async claimDue(client: PoolClient, tenantId: TenantId, kind: RecordKind, limit: number): Promise<string[]> {
    const { rows } = await client.query<{ record_key: string }>(
      `SELECT record_key FROM sync_outbox
       WHERE tenant_id = $1 AND record_kind = $2 AND next_attempt_at <= now()
       ORDER BY queued_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [tenantId, kind, limit],
    );
    return rows.map((row) => row.record_key);
  }

  async states<K extends RecordKind>(
    client: PoolClient,
    tenantId: TenantId,
    kind: K,
    keys: string[],
  ): Promise<Map<string, K extends 'referral' ? ReferralState : AdmissionState>> {
    const { table, key } = stateTable[kind];
    const { rows } = await client.query(`SELECT ${key} AS key, state FROM ${table} WHERE tenant_id = $1 AND ${key} = ANY($2::text[])`, [
      tenantId,
      keys,
    ]);
    return new Map(rows.map((row) => [row.key as string, row.state]));
  }

  async lastWritten(client: PoolClient, tenantId: TenantId, kind: RecordKind, keys: string[]): Promise<Map<string, { hubspotId: string; hash: string }>> {
    const { rows } = await client.query(
      `SELECT record_key, hubspot_id, data_hash FROM hubspot_records WHERE tenant_id = $1 AND record_kind = $2 AND record_key = ANY($3::text[])`,
      [tenantId, kind, keys],
    );
    return new Map(rows.map((row) => [row.record_key as string, { hubspotId: row.hubspot_id as string, hash: row.data_hash as string }]));
  }

  /** Records what HubSpot now holds and takes the records off the outbox. */
  async markWritten(
    client: PoolClient,
    tenantId: TenantId,
    kind: RecordKind,
    written: Array<{ key: string; hubspotId: string; hash: string }>,
  ): Promise<void> {
    if (written.length === 0) return;
    await client.query(
      `WITH written AS (
         INSERT INTO hubspot_records (tenant_id, record_kind, record_key, hubspot_id, data_hash)
         SELECT $1, $2, w->>'key', w->>'hubspotId', w->>'hash' FROM jsonb_array_elements($3::jsonb) AS x(w)
         ON CONFLICT (tenant_id, record_kind, record_key) DO UPDATE SET
           hubspot_id = EXCLUDED.hubspot_id, data_hash = EXCLUDED.data_hash, synced_at = now()
         RETURNING record_key)
       DELETE FROM sync_outbox o USING written
       WHERE o.tenant_id = $1 AND o.record_kind = $2 AND o.record_key = written.record_key`,
      [tenantId, kind, JSON.stringify(written)],
    );
  }

  /** Takes records off the outbox that need no write (unchanged, or gone). */
  async dismiss(client: PoolClient, tenantId: TenantId, kind: RecordKind, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await client.query('DELETE FROM sync_outbox WHERE tenant_id = $1 AND record_kind = $2 AND record_key = ANY($3::text[])', [
      tenantId,
      kind,
      keys,
    ]);
  }

  /**
   * A record HubSpot refused: tried again later, with a growing wait (30 s doubling, at most an hour), and its error
   * kept for `referralynx status`. After DEAD_LETTER_ATTEMPTS refusals it waits for `referralynx sync retry`.
   */
  async markFailed(client: PoolClient, tenantId: TenantId, kind: RecordKind, key: string, error: string): Promise<void> {
    await client.query(
      `UPDATE sync_outbox SET attempts = attempts + 1, last_error = $4,
         next_attempt_at = CASE WHEN attempts + 1 >= $5 THEN 'infinity'::timestamptz
                                ELSE now() + least(interval '1 hour', interval '30 seconds' * power(2, attempts)) END
       WHERE tenant_id = $1 AND record_kind = $2 AND record_key = $3`,
      [tenantId, kind, key, error, DEAD_LETTER_ATTEMPTS],
    );
  }

  /** Backlog, lag and errors, for `referralynx status`. */
  async status(queryable: { query: PoolClient['query'] }, tenantId: TenantId): Promise<SyncStatus> {
    const { rows } = await queryable.query(
      `SELECT record_kind,
              count(*) FILTER (WHERE next_attempt_at <= now())::int AS due,
              count(*) FILTER (WHERE next_attempt_at > now() AND next_attempt_at < 'infinity')::int AS retrying,
              count(*) FILTER (WHERE next_attempt_at = 'infinity')::int AS dead,
              extract(epoch FROM now() - min(queued_at) FILTER (WHERE next_attempt_at <= now()))::float AS lag_seconds
       FROM sync_outbox WHERE tenant_id = $1 GROUP BY record_kind`,
      [tenantId],
    );
    const written = await queryable.query(
      'SELECT record_kind, count(*)::int AS n, max(synced_at) AS last FROM hubspot_records WHERE tenant_id = $1 GROUP BY record_kind',
      [tenantId],
    );
    const errors = await queryable.query(
      `SELECT record_kind, record_key, attempts, last_error, next_attempt_at = 'infinity' AS dead FROM sync_outbox
       WHERE tenant_id = $1 AND attempts > 0 ORDER BY attempts DESC, record_key LIMIT 10`,
      [tenantId],
    );
    const kinds = ['referral', 'admission'] as const;
    return {
      kinds: kinds.map((kind) => {
        const row = rows.find((r) => r.record_kind === kind);
        const done = written.rows.find((r) => r.record_kind === kind);
        return {
          kind,
          due: row?.due ?? 0,
          retrying: row?.retrying ?? 0,
          dead: row?.dead ?? 0,
          lagSeconds: row?.lag_seconds === null || row?.lag_seconds === undefined ? 0 : Math.round(row.lag_seconds),
          written: done?.n ?? 0,
          lastWrittenAt: done?.last ?? null,
        };
      }),
      errors: errors.rows.map((r) => ({ kind: r.record_kind, key: r.record_key, attempts: r.attempts, error: r.last_error, dead: r.dead })),
    };
  }

  /** Sends refused and dead-lettered records again at the next round. */
  async retryFailed(queryable: { query: PoolClient['query'] }, tenantId: TenantId): Promise<number> {
    const result = await queryable.query(
      'UPDATE sync_outbox SET attempts = 0, next_attempt_at = now() WHERE tenant_id = $1 AND attempts > 0',
      [tenantId],
    );
    return result.rowCount ?? 0;
  }

  /** Known companies or contacts for these NPIs; a miss counts as known for an hour. */
  async npiMatches(
    client: PoolClient,
    tenantId: TenantId,
    objectType: NpiObjectType,
    npis: string[],
  ): Promise<Map<string, string | null>> {
    const { rows } = await client.query<{ npi: string; hubspot_id: string | null }>(
      `SELECT npi, hubspot_id FROM source_matches
       WHERE tenant_id = $1 AND object_type = $2 AND npi = ANY($3::text[])
         AND (hubspot_id IS NOT NULL OR checked_at > now() - interval '1 hour')`,
      [tenantId, objectType, npis],
    );
    return new Map(rows.map((row) => [row.npi, row.hubspot_id]));
  }

  async saveNpiMatches(
    client: PoolClient,
    tenantId: TenantId,
    objectType: NpiObjectType,
    matches: Array<{ npi: string; hubspotId: string | null }>,
  ): Promise<void> {
    if (matches.length === 0) return;
    await client.query(
      `INSERT INTO source_matches (tenant_id, object_type, npi, hubspot_id, method)
       SELECT $1, $2, m->>'npi', m->>'hubspotId', 'npi' FROM jsonb_array_elements($3::jsonb) AS x(m)
       ON CONFLICT (tenant_id, object_type, npi) DO UPDATE SET hubspot_id = EXCLUDED.hubspot_id, method = EXCLUDED.method, checked_at = now()`,
      [tenantId, objectType, JSON.stringify(matches)],
    );
  }
}
