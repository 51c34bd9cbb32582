import type { TenantId } from '../config/tenantSettings';
import type { PoolClient } from './postgres';

/** A Referral record created by hand in HubSpot, as last read from it. */
export interface HandEnteredReferral {
  hubspotId: string;
  companyId: string | null;
  /** YYYY-MM-DD in the tenant's time zone. */
  receivedDate: string | null;
  businessLine: string | null;
  createdAt: Date | null;
}

/** Owns the SQL of hand-entered referrals (006_hubspot_webhooks.sql): noticed, read, claimed. */
export class HandEnteredStore {
  /** Notes records to be read by the next adoption; a record noted before is left as it is. */
  async notice(client: PoolClient, tenantId: TenantId, hubspotIds: readonly string[]): Promise<void> {
    if (hubspotIds.length === 0) return;
    await client.query(
      `INSERT INTO hand_entered_referrals (tenant_id, hubspot_id) SELECT $1, unnest($2::text[])
       ON CONFLICT (tenant_id, hubspot_id) DO NOTHING`,
      [tenantId, [...new Set(hubspotIds)]],
    );
  }

  /**
   * Forgets records the sync wrote itself (a creation webhook announces those too): they carry an EHR id. Claimed
   * records stay, as the proof of their claim.
   */
  async forgetSyncedRecords(client: PoolClient, tenantId: TenantId): Promise<void> {
    await client.query(
      `DELETE FROM hand_entered_referrals h USING hubspot_records r
       WHERE h.tenant_id = $1 AND h.claimed_key IS NULL
         AND r.tenant_id = h.tenant_id AND r.record_kind = 'referral' AND r.hubspot_id = h.hubspot_id`,
      [tenantId],
    );
  }

  /**
   * Unclaimed records whose details are worth reading (again): never read, or read without a source company (intake
   * often links the company after creating the record). Only those first seen within `sinceDays`.
   */
  async toRead(client: PoolClient, tenantId: TenantId, sinceDays: number): Promise<string[]> {
    const { rows } = await client.query<{ hubspot_id: string }>(
      `SELECT hubspot_id FROM hand_entered_referrals
       WHERE tenant_id = $1 AND claimed_key IS NULL AND (read_at IS NULL OR company_id IS NULL)
         AND first_seen_at > now() - make_interval(days => $2)
       ORDER BY hubspot_id`,
      [tenantId, sinceDays],
    );
    return rows.map((row) => row.hubspot_id);
  }

  async saveRead(client: PoolClient, tenantId: TenantId, records: readonly HandEnteredReferral[]): Promise<void> {
    if (records.length === 0) return;
    await client.query(
      `UPDATE hand_entered_referrals h SET company_id = r.company_id, received_date = r.received_date::date,
         business_line = r.business_line, created_at = r.created_at::timestamptz, read_at = now()
       FROM json_to_recordset($2::json) AS r(hubspot_id text, company_id text, received_date text, business_line text, created_at text)
       WHERE h.tenant_id = $1 AND h.hubspot_id = r.hubspot_id AND h.claimed_key IS NULL`,
      [
        tenantId,
        JSON.stringify(
          records.map((r) => ({
            hubspot_id: r.hubspotId,
            company_id: r.companyId,
            received_date: r.receivedDate,
            business_line: r.businessLine,
            created_at: r.createdAt?.toISOString() ?? null,
          })),
        ),
      ],
    );
  }

  /** Drops unclaimed records that are no longer hand-entered referrals (deleted, or given an EHR id elsewhere). */
  async forget(client: PoolClient, tenantId: TenantId, hubspotIds: readonly string[]): Promise<void> {
    if (hubspotIds.length === 0) return;
    await client.query(
      'DELETE FROM hand_entered_referrals WHERE tenant_id = $1 AND claimed_key IS NULL AND hubspot_id = ANY($2::text[])',
      [tenantId, [...hubspotIds]],
    );
  }

  /**
   * Unclaimed records of these source companies and days, oldest first, locked for the caller's transaction; a record
   * another process is adopting right now is skipped, not waited for.
   */
  async openFor(
    client: PoolClient,
    tenantId: TenantId,
    companyIds: readonly string[],
    receivedDates: readonly string[],
  ): Promise<HandEnteredReferral[]> {
    if (companyIds.length === 0 || receivedDates.length === 0) return [];
    const { rows } = await client.query<{
      hubspot_id: string;
      company_id: string;
      received_date: string;
      business_line: string | null;
      created_at: Date | null;
    }>(
      `SELECT hubspot_id, company_id, to_char(received_date, 'YYYY-MM-DD') AS received_date, business_line, created_at
       FROM hand_entered_referrals
       WHERE tenant_id = $1 AND claimed_key IS NULL AND company_id = ANY($2::text[]) AND received_date = ANY($3::date[])
       ORDER BY created_at NULLS LAST, hubspot_id::numeric
       FOR UPDATE SKIP LOCKED`,
      [tenantId, [...new Set(companyIds)], [...new Set(receivedDates)]],
    );
    return rows.map((row) => ({
      hubspotId: row.hubspot_id,
      companyId: row.company_id,
      receivedDate: row.received_date,
      businessLine: row.business_line,
      createdAt: row.created_at,
    }));
  }

  /** Marks records claimed by EHR keys, in the caller's transaction. */
  async claim(client: PoolClient, tenantId: TenantId, claims: ReadonlyArray<{ hubspotId: string; key: string }>): Promise<void> {
    if (claims.length === 0) return;
    const { rowCount } = await client.query(
      `UPDATE hand_entered_referrals h SET claimed_key = c.key, claimed_at = now()
       FROM json_to_recordset($2::json) AS c(hubspot_id text, key text)
       WHERE h.tenant_id = $1 AND h.hubspot_id = c.hubspot_id AND h.claimed_key IS NULL`,
      [tenantId, JSON.stringify(claims.map((c) => ({ hubspot_id: c.hubspotId, key: c.key })))],
    );
    if (rowCount !== claims.length) throw new Error('a hand-entered referral was claimed by another process meanwhile');
  }

  /** The records already claimed by these EHR keys: key -> HubSpot id. */
  async claimedBy(client: PoolClient, tenantId: TenantId, keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const { rows } = await client.query<{ claimed_key: string; hubspot_id: string }>(
      'SELECT claimed_key, hubspot_id FROM hand_entered_referrals WHERE tenant_id = $1 AND claimed_key = ANY($2::text[])',
      [tenantId, [...keys]],
    );
    return new Map(rows.map((row) => [row.claimed_key, row.hubspot_id]));
  }
}
