import type { TenantId } from '../config/tenantSettings';
import type { PilotDefinition, PilotFacts, PilotProgress } from '../domain/pilots';
import type { Pool, PoolClient } from './postgres';

type Queryable = Pick<PoolClient, 'query'> | Pool;

export interface Pilot extends PilotDefinition {
  pilotId: number;
  progress: PilotProgress | null;
  reviewedAt: Date | null;
}

function toPilot(row: Record<string, unknown>): Pilot {
  return {
    pilotId: Number(row.pilot_id),
    name: row.name as string,
    companyId: row.company_id as string,
    periodStart: row.period_start as string,
    periodEnd: row.period_end as string,
    ...(row.business_line ? { businessLine: row.business_line as PilotDefinition['businessLine'] } : {}),
    ...(row.service_zips ? { serviceZips: row.service_zips as string[] } : {}),
    standards: row.standards as PilotDefinition['standards'],
    progress: (row.progress as PilotProgress | null) ?? null,
    reviewedAt: (row.reviewed_at as Date | null) ?? null,
  };
}

const COLUMNS = `pilot_id, company_id, name, period_start::text AS period_start, period_end::text AS period_end, business_line, service_zips,
  standards, progress, reviewed_at`;

/** Owns the SQL of pilot projects and of the facts their standards are measured on. */
export class PilotStore {
  async create(client: Queryable, tenantId: TenantId, pilot: PilotDefinition): Promise<Pilot> {
    const { rows } = await client.query(
      `INSERT INTO pilots (tenant_id, company_id, name, period_start, period_end, business_line, service_zips, standards)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [tenantId, pilot.companyId, pilot.name, pilot.periodStart, pilot.periodEnd, pilot.businessLine ?? null, pilot.serviceZips ?? null, JSON.stringify(pilot.standards)],
    );
    return toPilot(rows[0] as Record<string, unknown>);
  }

  /**
   * Replaces a pilot's definition; its progress is computed again at the next review. With `ofCompany`, only a pilot
   * of that company is changed (undefined otherwise).
   */
  async update(client: Queryable, tenantId: TenantId, pilotId: number, pilot: PilotDefinition, ofCompany?: string): Promise<Pilot | undefined> {
    const { rows } = await client.query(
      `UPDATE pilots SET company_id = $3, name = $4, period_start = $5, period_end = $6, business_line = $7, service_zips = $8, standards = $9,
         progress = NULL, reviewed_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND pilot_id = $2 AND ($10::text IS NULL OR company_id = $10) RETURNING ${COLUMNS}`,
      [
        tenantId,
        pilotId,
        pilot.companyId,
        pilot.name,
        pilot.periodStart,
        pilot.periodEnd,
        pilot.businessLine ?? null,
        pilot.serviceZips ?? null,
        JSON.stringify(pilot.standards),
        ofCompany ?? null,
      ],
    );
    return rows[0] ? toPilot(rows[0] as Record<string, unknown>) : undefined;
  }

  /** A tenant's pilots (of one company when given), latest period first, at most `limit` when given. */
  async list(queryable: Queryable, tenantId: TenantId, companyId?: string, limit?: number): Promise<Pilot[]> {
    const { rows } = await queryable.query(
      `SELECT ${COLUMNS} FROM pilots WHERE tenant_id = $1 AND ($2::text IS NULL OR company_id = $2) ORDER BY period_end DESC, pilot_id LIMIT $3`,
      [tenantId, companyId ?? null, limit ?? null],
    );
    return rows.map((row) => toPilot(row as Record<string, unknown>));
  }

  /** Pilots running on `today`, or ended in the `graceDays` before it (their final status is settled then). */
  async toReview(queryable: Queryable, tenantId: TenantId, today: string, graceDays: number): Promise<Pilot[]> {
    const { rows } = await queryable.query(
      `SELECT ${COLUMNS} FROM pilots WHERE tenant_id = $1 AND period_start <= $2::date AND period_end >= $2::date - $3::int ORDER BY pilot_id`,
      [tenantId, today, graceDays],
    );
    return rows.map((row) => toPilot(row as Record<string, unknown>));
  }

  async saveProgress(client: Queryable, tenantId: TenantId, pilotId: number, progress: PilotProgress): Promise<void> {
    await client.query('UPDATE pilots SET progress = $3, reviewed_at = now() WHERE tenant_id = $1 AND pilot_id = $2', [tenantId, pilotId, JSON.stringify(progress)]);
  }

  /**
   * The facts a pilot's standards are measured on: the company's referrals received (local date in `timeZone`) from
   * the pilot's start to its end or `today`, whichever is first, in its scope.
   */
  async facts(queryable: Queryable, tenantId: TenantId, pilot: PilotDefinition, timeZone: string, today: string): Promise<PilotFacts> {
    const { rows } = await queryable.query<{
      admitted: number;
      non_admitted: number;
      timely: number;
      not_timely: number;
      before_noon: number;
      same_day: number;
      hours: number[] | null;
    }>(
      `WITH f AS MATERIALIZED (
         SELECT status, hours_to_soc, timely_initiation, received_at AT TIME ZONE $2 AS local_received
         FROM referral_facts
         WHERE tenant_id = $1 AND company_id = $3
           AND (received_at AT TIME ZONE $2)::date BETWEEN $4::date AND least($5::date, $6::date)
           AND ($7::text IS NULL OR business_line = $7) AND ($8::text[] IS NULL OR service_zip = ANY($8)))
       SELECT count(*) FILTER (WHERE status = 'admitted')::int AS admitted,
              count(*) FILTER (WHERE status = 'non_admitted')::int AS non_admitted,
              count(*) FILTER (WHERE timely_initiation = 'timely')::int AS timely,
              count(*) FILTER (WHERE timely_initiation = 'not_timely')::int AS not_timely,
              count(*) FILTER (WHERE status = 'admitted' AND hours_to_soc IS NOT NULL AND local_received::time < '12:00')::int AS before_noon,
              count(*) FILTER (WHERE status = 'admitted' AND hours_to_soc IS NOT NULL AND local_received::time < '12:00'
                AND (local_received + make_interval(secs => hours_to_soc * 3600))::date = local_received::date)::int AS same_day,
              array_agg(hours_to_soc) FILTER (WHERE status = 'admitted' AND hours_to_soc IS NOT NULL) AS hours
       FROM f`,
      [tenantId, timeZone, pilot.companyId, pilot.periodStart, pilot.periodEnd, today, pilot.businessLine ?? null, pilot.serviceZips ?? null],
    );
    const row = rows[0];
    return {
      admitted: row?.admitted ?? 0,
      nonAdmitted: row?.non_admitted ?? 0,
      timely: row?.timely ?? 0,
      notTimely: row?.not_timely ?? 0,
      beforeNoon: { met: row?.same_day ?? 0, of: row?.before_noon ?? 0 },
      hoursToSoc: (row?.hours ?? []).map(Number),
    };
  }
}
