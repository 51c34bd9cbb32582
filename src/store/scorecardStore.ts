import type { TenantId } from '../config/tenantSettings';
import type { SourceObjectType } from '../domain/attribution';
import type { ListedReferral, LocalMonth, MonthCounts } from '../domain/cards';
import { emptyWindowCounts, WINDOWS, type ScorecardCounts, type WindowCounts, type WindowDays } from '../domain/scorecard';
import type { Pool, PoolClient } from './postgres';

type Queryable = Pick<PoolClient, 'query'> | Pool;

/** One referral as the metrics count it (migration 010). */
export interface ReferralFact {
  referralKey: string;
  companyId: string | null;
  contactId: string | null;
  receivedAt: string;
  status: string;
  businessLine: string | null;
  payerCategory: string | null;
  nonAdmitReason: string | null;
  hoursToSoc: number | null;
  timelyInitiation: string | null;
  /** For pilots scoped to service-area ZIPs; never leaves the server. */
  serviceZip?: string | null;
}

const idColumn: Record<SourceObjectType, string> = { companies: 'company_id', contacts: 'contact_id' };


/** Owns the SQL of scorecards: the referral facts, the metrics aggregated over them, and what HubSpot was sent. */
export class ScorecardStore {
  async saveFacts(client: Queryable, tenantId: TenantId, facts: readonly ReferralFact[]): Promise<void> {
    if (facts.length === 0) return;
    await client.query(
      `INSERT INTO referral_facts (tenant_id, referral_key, company_id, contact_id, received_at, status, business_line, payer_category,
         non_admit_reason, hours_to_soc, timely_initiation, service_zip)
       SELECT $1, f->>'referralKey', f->>'companyId', f->>'contactId', (f->>'receivedAt')::timestamptz, f->>'status', f->>'businessLine',
         f->>'payerCategory', f->>'nonAdmitReason', (f->>'hoursToSoc')::double precision, f->>'timelyInitiation', f->>'serviceZip'
       FROM jsonb_array_elements($2::jsonb) AS x(f)
       ON CONFLICT (tenant_id, referral_key) DO UPDATE SET
         company_id = EXCLUDED.company_id, contact_id = EXCLUDED.contact_id, received_at = EXCLUDED.received_at, status = EXCLUDED.status,
         business_line = EXCLUDED.business_line, payer_category = EXCLUDED.payer_category, non_admit_reason = EXCLUDED.non_admit_reason,
         hours_to_soc = EXCLUDED.hours_to_soc, timely_initiation = EXCLUDED.timely_initiation, service_zip = EXCLUDED.service_zip,
         updated_at = now()`,
      [tenantId, JSON.stringify(facts)],
    );
  }

  /** Every company or contact some referral is attributed to. */
  async sourceIds(queryable: Queryable, tenantId: TenantId, objectType: SourceObjectType): Promise<string[]> {
    const column = idColumn[objectType];
    const { rows } = await queryable.query<{ id: string }>(
      `SELECT DISTINCT ${column} AS id FROM referral_facts WHERE tenant_id = $1 AND ${column} IS NOT NULL`,
      [tenantId],
    );
    return rows.map((row) => row.id);
  }

  /**
   * The counts of each company or contact (all of them, or `ids`), for the windows ending `today` (a local date in
   * `timeZone`, today included): three aggregate queries over referral_facts.
   */
  async counts(
    queryable: Queryable,
    tenantId: TenantId,
    objectType: SourceObjectType,
    timeZone: string,
    today: string,
    ids?: readonly string[],
  ): Promise<Map<string, ScorecardCounts>> {
    const column = idColumn[objectType];
    const only = ids ? `AND ${column} = ANY($4::text[])` : '';
    const params = ids ? [tenantId, timeZone, today, ids] : [tenantId, timeZone, today];
    // The medians and p90s sort per record and window: room to sort in memory (within a transaction; a no-op outside).
    await queryable.query("SET LOCAL work_mem = '64MB'");
    // The last year's referrals, with their age: whole days before `today` in the agency's time zone (0 = today).
    const facts = `SELECT ${column} AS id, status, business_line, payer_category, non_admit_reason, hours_to_soc, timely_initiation,
                          (received_at AT TIME ZONE $2)::date AS day, $3::date - (received_at AT TIME ZONE $2)::date AS age
                   FROM referral_facts
                   WHERE tenant_id = $1 AND ${column} IS NOT NULL ${only}
                     AND received_at >= ($3::date - 366)::timestamp AT TIME ZONE $2`;
    const perWindow = WINDOWS.map(
      (w) => `
        count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1}) AS referrals_${w},
        count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND status = 'admitted') AS admitted_${w},
        count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND status = 'non_admitted') AS non_admitted_${w},
        count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND status = 'cancelled') AS cancelled_${w},
        percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_soc) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND status = 'admitted') AS median_hours_${w},
        percentile_cont(0.9) WITHIN GROUP (ORDER BY hours_to_soc) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND status = 'admitted') AS p90_hours_${w},
        count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND timely_initiation = 'timely') AS timely_${w},
        count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1} AND timely_initiation = 'not_timely') AS not_timely_${w}`,
    ).join(',');
    const main = await queryable.query<Record<string, string | number | null>>(
      `WITH f AS MATERIALIZED (${facts})
       SELECT id, count(*) FILTER (WHERE age BETWEEN 30 AND 59)::int AS previous_30, ${perWindow}
       FROM f GROUP BY id`,
      params,
    );
    // The last referral day over all time (a source quiet for more than a year still has one). ($3 is unused here but
    // named, so that one parameter list serves every query.)
    const last = await queryable.query<{ id: string; last_day: string }>(
      `SELECT ${column} AS id, (max(received_at) AT TIME ZONE $2)::date::text AS last_day
       FROM referral_facts WHERE tenant_id = $1 AND ${column} IS NOT NULL ${only} AND $3::date IS NOT NULL GROUP BY ${column}`,
      params,
    );
    const lastDay = new Map(last.rows.map((row) => [String(row.id), row.last_day]));
    const result = new Map<string, ScorecardCounts>();
    const num = (value: string | number | null | undefined) => (value === null || value === undefined ? 0 : Number(value));
    const maybe = (value: string | number | null | undefined) => (value === null || value === undefined ? null : Number(value));
    const quietYear = (): Record<WindowDays, WindowCounts> => ({ 30: emptyWindowCounts(), 90: emptyWindowCounts(), 365: emptyWindowCounts() });
    for (const [id, day] of lastDay) result.set(id, { windows: quietYear(), previous30: 0, lastReferralDate: day, usualIntervalDays: null, monthly: [] });
    for (const row of main.rows) {
      const windows = Object.fromEntries(
        WINDOWS.map((w) => {
          const referrals = num(row[`referrals_${w}`]);
          const admitted = num(row[`admitted_${w}`]);
          const nonAdmitted = num(row[`non_admitted_${w}`]);
          const cancelled = num(row[`cancelled_${w}`]);
          return [
            w,
            {
              ...emptyWindowCounts(),
              referrals,
              admitted,
              nonAdmitted,
              cancelled,
              pending: referrals - admitted - nonAdmitted - cancelled,
              medianHoursToSoc: maybe(row[`median_hours_${w}`]),
              p90HoursToSoc: maybe(row[`p90_hours_${w}`]),
              timely: num(row[`timely_${w}`]),
              notTimely: num(row[`not_timely_${w}`]),
            },
          ];
        }),
      ) as Record<WindowDays, WindowCounts>;
      result.set(String(row.id), { windows, previous30: num(row.previous_30), lastReferralDate: lastDay.get(String(row.id)) ?? null, usualIntervalDays: null, monthly: [] });
    }

    // The mixes (non-admit reasons, payers and business lines, counted per window: c1, c2, c3 are the 30, 90 and 365
    // days) and the months of the card's chart (c1, c2, c3 are referrals, admitted, not admitted), in one pass each.
    const byWindow = WINDOWS.map((w, i) => `count(*) FILTER (WHERE age BETWEEN 0 AND ${w - 1})::int AS c${i + 1}`).join(', ');
    const mixes = await queryable.query<{ id: string; dim: 'reason' | 'payer' | 'line' | 'month'; value: string; c1: number; c2: number; c3: number }>(
      `WITH f AS MATERIALIZED (${facts})
       SELECT id, 'reason' AS dim, non_admit_reason AS value, ${byWindow} FROM f
         WHERE age >= 0 AND status = 'non_admitted' AND non_admit_reason IS NOT NULL GROUP BY id, non_admit_reason
       UNION ALL
       SELECT id, 'payer', payer_category, ${byWindow} FROM f WHERE age >= 0 AND payer_category IS NOT NULL GROUP BY id, payer_category
       UNION ALL
       SELECT id, 'line', business_line, ${byWindow} FROM f WHERE age >= 0 AND business_line IS NOT NULL GROUP BY id, business_line
       UNION ALL
       SELECT id, 'month', to_char(date_trunc('month', day), 'YYYY-MM'), count(*)::int, count(*) FILTER (WHERE status = 'admitted')::int,
              count(*) FILTER (WHERE status = 'non_admitted')::int
         FROM f WHERE age >= 0 AND day >= date_trunc('month', $3::date) - interval '11 months' GROUP BY id, date_trunc('month', day)
       ORDER BY value`,
      params,
    );
    const field = { reason: 'nonAdmitReasons', payer: 'payers', line: 'businessLines' } as const;
    for (const mix of mixes.rows) {
      const counts = result.get(String(mix.id));
      if (!counts) continue;
      const { dim } = mix;
      if (dim === 'month') {
        counts.monthly.push({ month: mix.value, referrals: mix.c1, admitted: mix.c2, nonAdmitted: mix.c3 });
        continue;
      }
      WINDOWS.forEach((w, i) => {
        const n = [mix.c1, mix.c2, mix.c3][i] ?? 0;
        if (n > 0) counts.windows[w][field[dim]][mix.value] = n;
      });
    }

    // The usual interval: the median of the gaps between the days it referred on, over the last 365 days.
    const usual = await queryable.query<{ id: string; usual: number }>(
      `WITH f AS MATERIALIZED (${facts}),
            days AS (SELECT DISTINCT id, day FROM f WHERE age BETWEEN 0 AND 364),
            gaps AS (SELECT id, day - lag(day) OVER (PARTITION BY id ORDER BY day) AS gap FROM days)
       SELECT id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS usual FROM gaps WHERE gap IS NOT NULL GROUP BY id HAVING count(*) >= 2`,
      params,
    );
    for (const row of usual.rows) {
      const counts = result.get(String(row.id));
      if (counts) counts.usualIntervalDays = Number(row.usual);
    }
    return result;
  }

  async saveScorecards(
    client: Queryable,
    tenantId: TenantId,
    objectType: SourceObjectType,
    scorecards: ReadonlyArray<{ hubspotId: string; metrics: unknown }>,
  ): Promise<void> {
    if (scorecards.length === 0) return;
    await client.query(
      `INSERT INTO scorecards (tenant_id, object_type, hubspot_id, metrics)
       SELECT $1, $2, s->>'hubspotId', s->'metrics' FROM jsonb_array_elements($3::jsonb) AS x(s)
       ON CONFLICT (tenant_id, object_type, hubspot_id) DO UPDATE SET metrics = EXCLUDED.metrics, computed_at = now()`,
      [tenantId, objectType, JSON.stringify(scorecards)],
    );
  }

  /** The properties last written to HubSpot for these records. */
  async written(queryable: Queryable, tenantId: TenantId, objectType: SourceObjectType, ids: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const { rows } = await queryable.query<{ hubspot_id: string; written: Record<string, string> | null }>(
      'SELECT hubspot_id, written FROM scorecards WHERE tenant_id = $1 AND object_type = $2 AND hubspot_id = ANY($3::text[])',
      [tenantId, objectType, ids],
    );
    return new Map(rows.flatMap((row) => (row.written ? [[row.hubspot_id, row.written] as const] : [])));
  }

  async markWritten(
    client: Queryable,
    tenantId: TenantId,
    objectType: SourceObjectType,
    written: ReadonlyArray<{ hubspotId: string; properties: Record<string, string> }>,
  ): Promise<void> {
    if (written.length === 0) return;
    await client.query(
      `UPDATE scorecards s SET written = coalesce(s.written, '{}'::jsonb) || (w->'properties'), written_at = now()
       FROM jsonb_array_elements($3::jsonb) AS x(w)
       WHERE s.tenant_id = $1 AND s.object_type = $2 AND s.hubspot_id = w->>'hubspotId'`,
      [tenantId, objectType, JSON.stringify(written)],
    );
  }

  /** Scorecards HubSpot holds, and when one was last written, for `referralynx status`. */
  async writtenCount(queryable: Queryable, tenantId: TenantId): Promise<{ written: number; lastWrittenAt: Date | null }> {
    const { rows } = await queryable.query<{ written: number; last: Date | null }>(
      'SELECT count(*)::int AS written, max(written_at) AS last FROM scorecards WHERE tenant_id = $1 AND written_at IS NOT NULL',
      [tenantId],
    );
    return { written: rows[0]?.written ?? 0, lastWrittenAt: rows[0]?.last ?? null };
  }

  /** Whether the tenant knows this company or contact as a referral source: it has a scorecard or a referral. */
  async knowsSource(queryable: Queryable, tenantId: TenantId, objectType: SourceObjectType, id: string): Promise<boolean> {
    const { rows } = await queryable.query<{ known: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM scorecards WHERE tenant_id = $1 AND object_type = $2 AND hubspot_id = $3)
           OR EXISTS (SELECT 1 FROM referral_facts WHERE tenant_id = $1 AND ${idColumn[objectType]} = $3) AS known`,
      [tenantId, objectType, id],
    );
    return rows[0]?.known === true;
  }

  /**
   * A source's referrals per local month (each with the instants it spans, oldest first, one after the other):
   * received, admitted and not admitted (as they stand now). Months without a referral are left out. Each referral
   * falls in a month by comparing instants (width_bucket), not by converting each to local time: the busiest source
   * has thousands in a year.
   */
  async monthlyCounts(queryable: Queryable, tenantId: TenantId, objectType: SourceObjectType, id: string, months: readonly LocalMonth[]): Promise<MonthCounts[]> {
    const last = months[months.length - 1];
    if (!last) return [];
    const bounds = [...months.map((m) => m.from), last.before];
    // Planned for each call (no statement name): how to read a source's year depends on how many referrals it has.
    const { rows } = await queryable.query<{ bucket: number; referrals: number; admitted: number; non_admitted: number }>({
      text: `SELECT width_bucket(received_at, $3::timestamptz[]) AS bucket, count(*)::int AS referrals,
                    count(*) FILTER (WHERE status = 'admitted')::int AS admitted,
                    count(*) FILTER (WHERE status = 'non_admitted')::int AS non_admitted
             FROM referral_facts
             WHERE tenant_id = $1 AND ${idColumn[objectType]} = $2 AND received_at >= $4 AND received_at < $5
             GROUP BY 1`,
      values: [tenantId, id, bounds, bounds[0], last.before],
    });
    return rows.flatMap((row) => {
      const month = months[row.bucket - 1]?.month;
      return month ? [{ month, referrals: row.referrals, admitted: row.admitted, nonAdmitted: row.non_admitted }] : [];
    });
  }

  /** A source's latest referrals, newest first, at most `limit`, with their local date of receipt in `timeZone`. */
  async recentReferrals(queryable: Queryable, tenantId: TenantId, objectType: SourceObjectType, id: string, timeZone: string, limit: number): Promise<ListedReferral[]> {
    const { rows } = await queryable.query({
      name: `recent-referrals-${objectType}`,
      text: `SELECT f.referral_key, h.hubspot_id, f.status, f.business_line, (f.received_at AT TIME ZONE $3)::date::text AS received_on,
                    r.referral_date::text AS referral_date, r.source_name, f.hours_to_soc, f.timely_initiation, f.non_admit_reason
             FROM referral_facts f
             LEFT JOIN referrals r ON r.tenant_id = f.tenant_id AND r.referral_key = f.referral_key
             LEFT JOIN hubspot_records h ON h.tenant_id = f.tenant_id AND h.record_kind = 'referral' AND h.record_key = f.referral_key
             WHERE f.tenant_id = $1 AND f.${idColumn[objectType]} = $2
             ORDER BY f.received_at DESC, f.referral_key DESC LIMIT $4`,
      values: [tenantId, id, timeZone, limit],
    });
    return rows.map((row) => ({
      referralKey: row.referral_key,
      hubspotId: row.hubspot_id ?? null,
      status: row.status,
      businessLine: row.business_line ?? null,
      receivedOn: row.received_on,
      referralDate: row.referral_date ?? null,
      sourceName: row.source_name ?? null,
      hoursToSoc: row.hours_to_soc ?? null,
      timelyInitiation: row.timely_initiation ?? null,
      nonAdmitReason: row.non_admit_reason ?? null,
    }));
  }

  /** A record's scorecard as last computed, and the properties last written to HubSpot for it. */
  async scorecard(
    queryable: Queryable,
    tenantId: TenantId,
    objectType: SourceObjectType,
    id: string,
  ): Promise<{ metrics: unknown; computedAt: Date; written: Record<string, string> } | undefined> {
    const { rows } = await queryable.query<{ metrics: unknown; computed_at: Date; written: Record<string, string> | null }>({
      name: 'scorecard',
      text: 'SELECT metrics, computed_at, written FROM scorecards WHERE tenant_id = $1 AND object_type = $2 AND hubspot_id = $3',
      values: [tenantId, objectType, id],
    });
    const row = rows[0];
    return row ? { metrics: row.metrics, computedAt: row.computed_at, written: row.written ?? {} } : undefined;
  }
}
