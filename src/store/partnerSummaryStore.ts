import type { TenantId } from '../config/tenantSettings';
import type { PartnerSummary } from '../domain/partnerSummary';
import type { ReferralState } from '../domain/referralLifecycle';
import type { Pool, PoolClient } from './postgres';

type Queryable = Pick<PoolClient, 'query'> | Pool;

/** A summary as made, before it is kept. */
export interface PartnerSummaryDraft {
  sourceRef: string;
  sourceName: string;
  agencyName: string | undefined;
  summary: PartnerSummary;
  text: string;
  token: string;
}

export interface StoredPartnerSummary extends Omit<PartnerSummaryDraft, 'agencyName'> {
  summaryId: number;
  agencyName: string | null;
  createdAt: Date;
}

/** A referral with the source it was attributed to and the owner chosen for it. */
export interface AttributedReferral {
  sourceRef: string;
  /** The HubSpot company the referral is attributed to, when matched. */
  companyId: string | null;
  ownerId: string | null;
  state: ReferralState;
}

function toStored(row: Record<string, unknown>): StoredPartnerSummary {
  return {
    summaryId: row.summary_id as number,
    sourceRef: row.source_ref as string,
    sourceName: row.source_name as string,
    agencyName: (row.agency_name as string | null) ?? null,
    summary: row.summary as PartnerSummary,
    text: row.text as string,
    token: row.token as string,
    createdAt: row.created_at as Date,
  };
}

/** Owns the SQL of partner summaries: the referrals they are made of, and the summaries made. */
export class PartnerSummaryStore {
  /**
   * The referrals attributed to a source (a company reference), received in [from, before): by their receipt, or by
   * their referral date (local dates, both inclusive) when the receipt is unknown.
   */
  async attributedReferrals(
    client: Queryable,
    tenantId: TenantId,
    received: { from: Date; before: Date; firstDate: string; lastDate: string },
  ): Promise<AttributedReferral[]> {
    const { rows } = await client.query<{ company_ref: string; company_id: string | null; owner_id: string | null; state: ReferralState }>(
      `SELECT d.company_ref, d.company_id, d.owner_id, r.state FROM referrals r
       JOIN attribution_decisions d ON d.tenant_id = r.tenant_id AND d.referral_key = r.referral_key
       WHERE r.tenant_id = $1 AND d.company_ref IS NOT NULL
         AND ((r.received_at >= $2 AND r.received_at < $3) OR (r.received_at IS NULL AND r.referral_date BETWEEN $4::date AND $5::date))
       ORDER BY d.company_ref, r.referral_key`,
      [tenantId, received.from, received.before, received.firstDate, received.lastDate],
    );
    return rows.map((row) => ({ sourceRef: row.company_ref, companyId: row.company_id, ownerId: row.owner_id, state: row.state }));
  }

  /**
   * Keeps the summaries made; one already kept for the same source and period stays as it was (the source may have
   * been sent it). Returns the new ones' ids by source reference.
   */
  async keep(client: Queryable, tenantId: TenantId, drafts: readonly PartnerSummaryDraft[]): Promise<Map<string, number>> {
    if (drafts.length === 0) return new Map();
    const { rows } = await client.query<{ source_ref: string; summary_id: number }>(
      `INSERT INTO partner_summaries (tenant_id, source_ref, period_start, source_name, agency_name, summary, text, token)
       SELECT $1, d->>'sourceRef', (d->'summary'->'period'->>'from')::date, d->>'sourceName', d->>'agencyName', d->'summary', d->>'text', d->>'token'
       FROM jsonb_array_elements($2::jsonb) AS x(d)
       ON CONFLICT (tenant_id, source_ref, period_start) DO NOTHING
       RETURNING source_ref, summary_id`,
      [tenantId, JSON.stringify(drafts)],
    );
    return new Map(rows.map((row) => [row.source_ref, row.summary_id]));
  }

  async byToken(queryable: Queryable, tenantId: TenantId, token: string): Promise<StoredPartnerSummary | undefined> {
    const { rows } = await queryable.query('SELECT * FROM partner_summaries WHERE tenant_id = $1 AND token = $2', [tenantId, token]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  async byId(queryable: Queryable, tenantId: TenantId, summaryId: number): Promise<StoredPartnerSummary | undefined> {
    const { rows } = await queryable.query('SELECT * FROM partner_summaries WHERE tenant_id = $1 AND summary_id = $2', [tenantId, summaryId]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  /**
   * The summaries of the sources matched to a HubSpot company (source_matches), latest period first, at most `limit`:
   * a company may stand for several sources (an NPI and a name, companies merged).
   */
  async ofCompany(queryable: Queryable, tenantId: TenantId, companyId: string, limit: number): Promise<StoredPartnerSummary[]> {
    const { rows } = await queryable.query({
      name: 'partner-summaries-of-company',
      text: `SELECT p.* FROM partner_summaries p
             WHERE p.tenant_id = $1 AND p.source_ref IN (
               SELECT m.source_ref FROM source_matches m WHERE m.tenant_id = $1 AND m.object_type = 'companies' AND m.hubspot_id = $2)
             ORDER BY p.period_start DESC, p.summary_id DESC LIMIT $3`,
      values: [tenantId, companyId, limit],
    });
    return rows.map(toStored);
  }

  /**
   * The referrals attributed to a HubSpot company (as the sync last wrote them, referral_facts) received in
   * [from, before), in their current state.
   */
  async companyReferrals(queryable: Queryable, tenantId: TenantId, companyId: string, received: { from: Date; before: Date }): Promise<ReferralState[]> {
    const { rows } = await queryable.query<{ state: ReferralState }>(
      `SELECT r.state FROM referral_facts f
       JOIN referrals r ON r.tenant_id = f.tenant_id AND r.referral_key = f.referral_key
       WHERE f.tenant_id = $1 AND f.company_id = $2 AND f.received_at >= $3 AND f.received_at < $4
       ORDER BY f.referral_key`,
      [tenantId, companyId, received.from, received.before],
    );
    return rows.map((row) => row.state);
  }

  /** The latest summaries first. */
  async list(queryable: Queryable, tenantId: TenantId, limit: number): Promise<StoredPartnerSummary[]> {
    const { rows } = await queryable.query(
      'SELECT * FROM partner_summaries WHERE tenant_id = $1 ORDER BY period_start DESC, source_name, summary_id LIMIT $2',
      [tenantId, limit],
    );
    return rows.map(toStored);
  }
}
