import type { TenantId } from '../config/tenantSettings';
import { commissionPlanSchema, payeeRosterSchema, type CommissionPlan, type PayeeRoster } from '../domain/commissionPlan';
import type { ClosedPeriod, CommissionLine, CommissionOutcome } from '../domain/commissions';
import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import type { Pool, PoolClient } from './postgres';

type Queryable = Pick<PoolClient, 'query'> | Pool;

/** A line with the name of its referral (date, source, business line: never the patient), as statements show it. */
export interface NamedCommissionLine extends CommissionLine {
  referralName: string;
}

/** A referral as the engine needs it, with the owners its attribution found. */
export interface StoredCase {
  referral: ReferralState;
  admission?: AdmissionState;
  /** The owner of the matched source company, and of the referring clinician's contact. */
  companyOwnerId?: string;
  contactOwnerId?: string;
  /** The owner the attribution chain chose, and how (the marketer mapping among others). */
  ownerId?: string;
  ownerMethod?: string;
}

const namedLine = (row: { line: CommissionLine; referral_name: string }): NamedCommissionLine => ({ ...row.line, referralName: row.referral_name });

/**
 * Owns the SQL of commissions: the tenant's plan versions and payee roster, the open periods' lines, the closed
 * periods with the lines issued in them (never rewritten: migration 013 makes the database refuse it), where each
 * referral stands, and the Admission properties that follow from it.
 */
export class CommissionStore {
  /** Waits for the tenant's commission lock, held to the end of the caller's transaction. */
  async lock(client: PoolClient, tenantId: TenantId): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`commissions:${tenantId}`]);
  }

  /** Takes the tenant's commission lock if free (to the end of the transaction); false when another holds it. */
  async tryLock(client: PoolClient, tenantId: TenantId): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [`commissions:${tenantId}`]);
    return rows[0]?.locked === true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Plan and roster

  /** Every version of the tenant's plan, lowest first. */
  async planVersions(queryable: Queryable, tenantId: TenantId): Promise<Array<CommissionPlan & { savedAt: Date }>> {
    const { rows } = await queryable.query<{ definition: unknown; saved_at: Date }>(
      'SELECT definition, saved_at FROM commission_plan_versions WHERE tenant_id = $1 ORDER BY version',
      [tenantId],
    );
    return rows.map((row) => ({ ...commissionPlanSchema.parse(row.definition), savedAt: row.saved_at }));
  }

  async savePlanVersion(client: Queryable, tenantId: TenantId, plan: CommissionPlan): Promise<void> {
    await client.query(
      `INSERT INTO commission_plan_versions (tenant_id, plan_id, version, effective_from, effective_to, definition)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [tenantId, plan.id, plan.version, plan.effectiveFrom, plan.effectiveTo ?? null, JSON.stringify(plan)],
    );
  }

  async roster(queryable: Queryable, tenantId: TenantId): Promise<PayeeRoster> {
    const { rows } = await queryable.query<{ employees: string[]; admission_deciders: string[] }>(
      'SELECT employees, admission_deciders FROM commission_rosters WHERE tenant_id = $1',
      [tenantId],
    );
    return payeeRosterSchema.parse({ employees: rows[0]?.employees ?? [], admissionDeciders: rows[0]?.admission_deciders ?? [] });
  }

  async saveRoster(client: Queryable, tenantId: TenantId, roster: PayeeRoster): Promise<void> {
    await client.query(
      `INSERT INTO commission_rosters (tenant_id, employees, admission_deciders) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET employees = EXCLUDED.employees, admission_deciders = EXCLUDED.admission_deciders, updated_at = now()`,
      [tenantId, roster.employees, roster.admissionDeciders],
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // What the engine reads

  /**
   * Every referral of the tenant with its admission and owners: the company's and clinician's owners from their
   * matches, and the owner the attribution chain chose (with its method, so a marketer's owner is known as such).
   */
  async cases(queryable: Queryable, tenantId: TenantId): Promise<StoredCase[]> {
    const { rows } = await queryable.query<{
      referral: ReferralState;
      admission: AdmissionState | null;
      company_owner: string | null;
      contact_owner: string | null;
      owner_id: string | null;
      owner_method: string | null;
    }>(
      `SELECT r.state AS referral, a.state AS admission, cm.owner_id AS company_owner, km.owner_id AS contact_owner,
              d.owner_id, d.owner_method
       FROM referrals r
       LEFT JOIN admissions a ON a.tenant_id = r.tenant_id AND a.admission_key = r.admission_key
       LEFT JOIN attribution_decisions d ON d.tenant_id = r.tenant_id AND d.referral_key = r.referral_key
       LEFT JOIN source_matches cm ON cm.tenant_id = r.tenant_id AND cm.object_type = 'companies' AND cm.source_ref = d.company_ref AND cm.hubspot_id IS NOT NULL
       LEFT JOIN source_matches km ON km.tenant_id = r.tenant_id AND km.object_type = 'contacts' AND km.source_ref = d.contact_ref AND km.hubspot_id IS NOT NULL
       WHERE r.tenant_id = $1
       ORDER BY r.referral_key`,
      [tenantId],
    );
    return rows.map((row) => ({
      referral: row.referral,
      ...(row.admission ? { admission: row.admission } : {}),
      ...(row.company_owner ? { companyOwnerId: row.company_owner } : {}),
      ...(row.contact_owner ? { contactOwnerId: row.contact_owner } : {}),
      ...(row.owner_id ? { ownerId: row.owner_id } : {}),
      ...(row.owner_method ? { ownerMethod: row.owner_method } : {}),
    }));
  }

  /** The closed periods, oldest first, with the lines issued in each. */
  async closedPeriods(queryable: Queryable, tenantId: TenantId): Promise<Array<ClosedPeriod & { lines: NamedCommissionLine[] }>> {
    const { rows: periods } = await queryable.query<{ period: string }>(
      'SELECT period FROM commission_closed_periods WHERE tenant_id = $1 ORDER BY period',
      [tenantId],
    );
    const { rows } = await queryable.query<{ period: string; line: CommissionLine; referral_name: string }>(
      'SELECT period, line, referral_name FROM commission_issued_lines WHERE tenant_id = $1 ORDER BY period, line_id',
      [tenantId],
    );
    return periods.map(({ period }) => ({ period, lines: rows.filter((row) => row.period === period).map(namedLine) }));
  }

  // -------------------------------------------------------------------------------------------------------------
  // What a run leaves

  /**
   * The open periods' lines become these: every line after the latest closed period that is not among them is
   * removed, and of the others only those that changed are written (a run after one new referral rewrites a few rows,
   * not the portal's every line).
   */
  async replaceOpenLines(client: Queryable, tenantId: TenantId, closedThrough: string | undefined, lines: readonly NamedCommissionLine[]): Promise<void> {
    await client.query(
      `WITH incoming AS (
         SELECT l->>'id' AS line_id, l->>'period' AS period, l->>'payeeOwnerId' AS payee_owner_id, l->>'referralName' AS referral_name,
                l - 'referralName' AS line
         FROM jsonb_array_elements($3::jsonb) AS x(l)),
       gone AS (
         DELETE FROM commission_lines c WHERE c.tenant_id = $1 AND ($2::text IS NULL OR c.period > $2)
           AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.line_id = c.line_id))
       INSERT INTO commission_lines (tenant_id, line_id, period, payee_owner_id, referral_name, line)
       SELECT $1, line_id, period, payee_owner_id, referral_name, line FROM incoming
       ON CONFLICT (tenant_id, line_id) DO UPDATE SET period = EXCLUDED.period, payee_owner_id = EXCLUDED.payee_owner_id,
         referral_name = EXCLUDED.referral_name, line = EXCLUDED.line
       WHERE (commission_lines.period, commission_lines.payee_owner_id, commission_lines.referral_name, commission_lines.line)
         IS DISTINCT FROM (EXCLUDED.period, EXCLUDED.payee_owner_id, EXCLUDED.referral_name, EXCLUDED.line)`,
      [tenantId, closedThrough ?? null, JSON.stringify(lines)],
    );
  }

  /** Closes a period with the lines issued in it; its open lines are removed (they are the issued ones now). */
  async closePeriod(client: Queryable, tenantId: TenantId, period: string, lines: readonly NamedCommissionLine[]): Promise<void> {
    await client.query('INSERT INTO commission_closed_periods (tenant_id, period) VALUES ($1, $2)', [tenantId, period]);
    if (lines.length > 0) {
      await client.query(
        `INSERT INTO commission_issued_lines (tenant_id, period, line_id, payee_owner_id, referral_name, line)
         SELECT $1, $2, l->>'id', l->>'payeeOwnerId', l->>'referralName', l - 'referralName' FROM jsonb_array_elements($3::jsonb) AS x(l)`,
        [tenantId, period, JSON.stringify(lines)],
      );
    }
    await client.query('DELETE FROM commission_lines WHERE tenant_id = $1 AND period <= $2', [tenantId, period]);
  }

  /** A period's lines: those issued when it was closed, else the open ones as last computed; of one payee when given. */
  async periodLines(queryable: Queryable, tenantId: TenantId, period: string, payeeOwnerId?: string): Promise<{ closed: boolean; lines: NamedCommissionLine[] }> {
    const { rows: closed } = await queryable.query('SELECT 1 FROM commission_closed_periods WHERE tenant_id = $1 AND period = $2', [tenantId, period]);
    const table = closed.length > 0 ? 'commission_issued_lines' : 'commission_lines';
    const { rows } = await queryable.query<{ line: CommissionLine; referral_name: string }>(
      `SELECT line, referral_name FROM ${table} WHERE tenant_id = $1 AND period = $2 AND ($3::text IS NULL OR payee_owner_id = $3)`,
      [tenantId, period, payeeOwnerId ?? null],
    );
    return { closed: closed.length > 0, lines: rows.map(namedLine) };
  }

  /**
   * Saves where each referral stands and its admission's commission properties; returns the admissions whose
   * properties differ from those last computed (to be written to HubSpot).
   */
  async saveOutcomes(
    client: Queryable,
    tenantId: TenantId,
    outcomes: ReadonlyArray<{ outcome: CommissionOutcome; properties?: Record<string, string> }>,
  ): Promise<string[]> {
    const { rows } = await client.query<{ admission_key: string }>(
      `WITH incoming AS (
         SELECT o->'outcome'->>'referralKey' AS referral_key, o->'outcome'->>'admissionKey' AS admission_key, o->'outcome' AS outcome,
                o->'properties' AS properties
         FROM jsonb_array_elements($2::jsonb) AS x(o)),
       before AS (
         SELECT c.referral_key, c.admission_key, c.properties FROM commission_outcomes c JOIN incoming i USING (referral_key) WHERE c.tenant_id = $1),
       saved AS (
         INSERT INTO commission_outcomes (tenant_id, referral_key, admission_key, outcome, properties)
         SELECT $1, referral_key, admission_key, outcome, properties FROM incoming
         ON CONFLICT (tenant_id, referral_key) DO UPDATE SET admission_key = EXCLUDED.admission_key, outcome = EXCLUDED.outcome,
           properties = EXCLUDED.properties, computed_at = now()
         -- An outcome that came out the same is not rewritten: most of a portal's, on most runs.
         WHERE (commission_outcomes.admission_key, commission_outcomes.outcome, commission_outcomes.properties)
           IS DISTINCT FROM (EXCLUDED.admission_key, EXCLUDED.outcome, EXCLUDED.properties)
         RETURNING referral_key)
       SELECT i.admission_key FROM incoming i LEFT JOIN before b USING (referral_key)
       WHERE i.admission_key IS NOT NULL AND i.properties IS DISTINCT FROM b.properties
       UNION
       -- The admission a referral had before (cancelled, or another taken its place): its properties are cleared.
       SELECT b.admission_key FROM incoming i JOIN before b USING (referral_key)
       WHERE b.admission_key IS NOT NULL AND b.admission_key IS DISTINCT FROM i.admission_key
       ORDER BY 1`,
      [tenantId, JSON.stringify(outcomes)],
    );
    // Referrals no longer among the cases (none are deleted today) would keep their last outcome: nothing to remove.
    return rows.map((row) => row.admission_key);
  }

  /** Of these referrals, those whose commissions were computed (they have an outcome). */
  async referralsWithOutcome(queryable: Queryable, tenantId: TenantId, referralKeys: readonly string[]): Promise<Set<string>> {
    if (referralKeys.length === 0) return new Set();
    const { rows } = await queryable.query<{ referral_key: string }>(
      'SELECT referral_key FROM commission_outcomes WHERE tenant_id = $1 AND referral_key = ANY($2::text[])',
      [tenantId, referralKeys],
    );
    return new Set(rows.map((row) => row.referral_key));
  }

  /** The commission properties last computed for these admissions (of the first referral by key, should two name one). */
  async admissionProperties(queryable: Queryable, tenantId: TenantId, admissionKeys: readonly string[]): Promise<Map<string, Record<string, string>>> {
    if (admissionKeys.length === 0) return new Map();
    const { rows } = await queryable.query<{ admission_key: string; properties: Record<string, string> }>(
      `SELECT DISTINCT ON (admission_key) admission_key, properties FROM commission_outcomes
       WHERE tenant_id = $1 AND admission_key = ANY($2::text[]) AND properties IS NOT NULL
       ORDER BY admission_key, referral_key`,
      [tenantId, admissionKeys],
    );
    return new Map(rows.map((row) => [row.admission_key, row.properties]));
  }

  // -------------------------------------------------------------------------------------------------------------
  // When to run again

  /** The latest change the engine reads: referrals, admissions, attribution, the plan, the roster, closed periods. */
  async latestChange(queryable: Queryable, tenantId: TenantId): Promise<Date> {
    const { rows } = await queryable.query<{ at: Date | null }>(
      `SELECT greatest(
         (SELECT max(updated_at) FROM referrals WHERE tenant_id = $1),
         (SELECT max(updated_at) FROM admissions WHERE tenant_id = $1),
         (SELECT max(decided_at) FROM attribution_decisions WHERE tenant_id = $1),
         (SELECT max(saved_at) FROM commission_plan_versions WHERE tenant_id = $1),
         (SELECT max(updated_at) FROM commission_rosters WHERE tenant_id = $1),
         (SELECT max(closed_at) FROM commission_closed_periods WHERE tenant_id = $1)) AS at`,
      [tenantId],
    );
    return rows[0]?.at ?? new Date(0);
  }

  async lastRun(queryable: Queryable, tenantId: TenantId): Promise<{ ranAt: Date; watermark: Date; tookMs: number } | undefined> {
    const { rows } = await queryable.query<{ ran_at: Date; watermark: Date; took_ms: number }>(
      'SELECT ran_at, watermark, took_ms FROM commission_runs WHERE tenant_id = $1',
      [tenantId],
    );
    const row = rows[0];
    return row ? { ranAt: row.ran_at, watermark: row.watermark, tookMs: row.took_ms } : undefined;
  }

  async recordRun(client: Queryable, tenantId: TenantId, ranAt: Date, watermark: Date, tookMs = 0): Promise<void> {
    await client.query(
      `INSERT INTO commission_runs (tenant_id, ran_at, watermark, took_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET ran_at = EXCLUDED.ran_at, watermark = EXCLUDED.watermark, took_ms = EXCLUDED.took_ms`,
      [tenantId, ranAt, watermark, Math.round(tookMs)],
    );
  }

  /** For `referralynx status`: the latest closed month, and the open months' lines and their total. */
  async standing(queryable: Queryable, tenantId: TenantId): Promise<{ closedThrough: string | null; openLines: number; openCents: number }> {
    const { rows } = await queryable.query<{ closed_through: string | null; open_lines: number; open_cents: string | null }>(
      `SELECT (SELECT max(period) FROM commission_closed_periods WHERE tenant_id = $1) AS closed_through,
              count(*)::int AS open_lines, sum((line->>'amountCents')::bigint) AS open_cents
       FROM commission_lines WHERE tenant_id = $1`,
      [tenantId],
    );
    const row = rows[0];
    return { closedThrough: row?.closed_through ?? null, openLines: row?.open_lines ?? 0, openCents: Number(row?.open_cents ?? 0) };
  }
}
