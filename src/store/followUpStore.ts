import type { TenantId } from '../config/tenantSettings';
import type { FollowUpRule, OwnerRole, TaskIntent, TaskPriority, TaskType } from '../domain/followUps';
import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import type { Pool, PoolClient } from './postgres';

type Queryable = Pick<PoolClient, 'query'> | Pool;

export type FollowUpStatus = 'open' | 'completed' | 'deleted';

export interface FollowUpTask {
  key: string;
  rule: FollowUpRule;
  referralKey: string | null;
  admissionKey: string | null;
  companyId: string | null;
  role: OwnerRole;
  ownerId: string | null;
  type: TaskType;
  priority: TaskPriority;
  subject: string;
  body: string;
  dueAt: Date;
  withCompany: boolean;
  withContact: boolean;
  sentAt: Date | null;
  hubspotId: string | null;
  writtenOwnerId: string | null;
  status: FollowUpStatus;
  completedAt: Date | null;
}

export interface CompletionLine {
  rule: FollowUpRule;
  ownerId: string | null;
  created: number;
  completed: number;
  /** Completed no later than due. */
  onTime: number;
  /** Open in HubSpot and past due. */
  overdue: number;
  deleted: number;
}

/**
 * The latest check-in on a company, as a SQL expression over the tenant and company columns named: a check-in task
 * completed in HubSpot, or a check-in logged from the company card (migration 011), whichever is later.
 */
const lastCheckInOf = (tenant: string, company: string) => `greatest(
  (SELECT max(f.completed_at) FROM follow_up_tasks f
   WHERE f.tenant_id = ${tenant} AND f.company_id = ${company} AND f.rule = 'check_in' AND f.status = 'completed'),
  (SELECT max(c.checked_in_at) FROM check_ins c WHERE c.tenant_id = ${tenant} AND c.company_id = ${company}))`;

function toTask(row: Record<string, unknown>): FollowUpTask {
  return {
    key: row.task_key as string,
    rule: row.rule as FollowUpRule,
    referralKey: (row.referral_key as string | null) ?? null,
    admissionKey: (row.admission_key as string | null) ?? null,
    companyId: (row.company_id as string | null) ?? null,
    role: row.owner_role as OwnerRole,
    ownerId: (row.owner_id as string | null) ?? null,
    type: row.task_type as TaskType,
    priority: row.priority as TaskPriority,
    subject: row.subject as string,
    body: row.body as string,
    dueAt: row.due_at as Date,
    withCompany: row.with_company as boolean,
    withContact: row.with_contact as boolean,
    sentAt: (row.sent_at as Date | null) ?? null,
    hubspotId: (row.hubspot_id as string | null) ?? null,
    writtenOwnerId: (row.written_owner_id as string | null) ?? null,
    status: row.status as FollowUpStatus,
    completedAt: (row.completed_at as Date | null) ?? null,
  };
}

/** Owns the SQL of follow-up tasks: what the rules decided, what HubSpot holds, and what became of each task. */
export class FollowUpStore {
  /**
   * Takes the transaction-scoped lock of a periodic job (the sweep, the reconciling poll) for a tenant, or answers
   * false at once when another process holds it: cron fires in every process, the work runs in one.
   */
  async tryLock(client: PoolClient, tenantId: TenantId, job: string): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [
      `${job}:${tenantId}`,
    ]);
    return rows[0]?.locked === true;
  }

  /**
   * Keeps the tasks the rules decided on; a key already kept is left as it is (the task exists or is on its way).
   * Returns the keys that are new.
   */
  async decide(client: Queryable, tenantId: TenantId, intents: readonly TaskIntent[]): Promise<string[]> {
    if (intents.length === 0) return [];
    const { rows } = await client.query<{ task_key: string }>(
      `INSERT INTO follow_up_tasks (tenant_id, task_key, rule, referral_key, admission_key, company_id, owner_role, owner_id, task_type,
         priority, subject, body, due_at, with_company, with_contact)
       SELECT $1, t->>'key', t->>'rule', t->>'referralKey', t->>'admissionKey',
         coalesce(t->>'companyId', (SELECT d.company_id FROM attribution_decisions d WHERE d.tenant_id = $1 AND d.referral_key = t->>'referralKey')),
         t->>'role', t->>'ownerId', t->>'type', t->>'priority',
         t->>'subject', t->>'body', (t->>'dueAt')::timestamptz, (t->>'withCompany')::boolean, (t->>'withContact')::boolean
       FROM jsonb_array_elements($2::jsonb) AS x(t)
       ON CONFLICT (tenant_id, task_key) DO NOTHING
       RETURNING task_key`,
      [tenantId, JSON.stringify(intents)],
    );
    return rows.map((row) => row.task_key);
  }

  async tasks(client: Queryable, tenantId: TenantId, keys: readonly string[]): Promise<Map<string, FollowUpTask>> {
    if (keys.length === 0) return new Map();
    const { rows } = await client.query('SELECT * FROM follow_up_tasks WHERE tenant_id = $1 AND task_key = ANY($2::text[])', [tenantId, keys]);
    return new Map(rows.map((row) => [row.task_key as string, toTask(row)]));
  }

  /** Tasks of some referrals, for the referral card and the tests. */
  async tasksOfReferrals(client: Queryable, tenantId: TenantId, referralKeys: readonly string[]): Promise<FollowUpTask[]> {
    const { rows } = await client.query(
      'SELECT * FROM follow_up_tasks WHERE tenant_id = $1 AND referral_key = ANY($2::text[]) ORDER BY due_at, task_key',
      [tenantId, referralKeys],
    );
    return rows.map(toTask);
  }

  /**
   * Notes, in a transaction of its own committed before HubSpot is asked, that these tasks are being created: if the
   * answer is lost, the next try searches for them by key first.
   */
  async markSent(client: Queryable, tenantId: TenantId, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await client.query('UPDATE follow_up_tasks SET sent_at = coalesce(sent_at, now()) WHERE tenant_id = $1 AND task_key = ANY($2::text[])', [
      tenantId,
      keys,
    ]);
  }

  /** What HubSpot now holds: the task's id and owner. */
  async markWritten(client: Queryable, tenantId: TenantId, written: ReadonlyArray<{ key: string; hubspotId: string; ownerId: string | null }>): Promise<void> {
    if (written.length === 0) return;
    await client.query(
      `UPDATE follow_up_tasks f SET hubspot_id = w->>'hubspotId', written_owner_id = w->>'ownerId', written_at = now()
       FROM jsonb_array_elements($2::jsonb) AS x(w)
       WHERE f.tenant_id = $1 AND f.task_key = w->>'key'`,
      [tenantId, JSON.stringify(written)],
    );
  }

  /**
   * The owner of open liaison tasks follows the referral's owner (the company's owner changed, a marketer was mapped):
   * returns the keys of the tasks to reassign in HubSpot.
   */
  async followOwners(client: Queryable, tenantId: TenantId, owners: ReadonlyArray<{ referralKey: string; ownerId: string | null }>): Promise<string[]> {
    if (owners.length === 0) return [];
    const { rows } = await client.query<{ task_key: string }>(
      `UPDATE follow_up_tasks f SET owner_id = o->>'ownerId'
       FROM jsonb_array_elements($2::jsonb) AS x(o)
       WHERE f.tenant_id = $1 AND f.referral_key = o->>'referralKey' AND f.owner_role = 'liaison' AND f.status = 'open'
         AND f.owner_id IS DISTINCT FROM o->>'ownerId'
       RETURNING f.task_key`,
      [tenantId, JSON.stringify(owners)],
    );
    return rows.map((row) => row.task_key);
  }

  /** Open account tasks of a company follow its new owner; returns the keys to reassign in HubSpot. */
  async followCompanyOwner(client: Queryable, tenantId: TenantId, companyId: string, ownerId: string | null): Promise<string[]> {
    const { rows } = await client.query<{ task_key: string }>(
      `UPDATE follow_up_tasks SET owner_id = $3
       WHERE tenant_id = $1 AND company_id = $2 AND owner_role = 'company' AND status = 'open' AND owner_id IS DISTINCT FROM $3
       RETURNING task_key`,
      [tenantId, companyId, ownerId],
    );
    return rows.map((row) => row.task_key);
  }

  /** A task completed or deleted in HubSpot (webhook or poll); returns whether it changed anything. */
  async recordOutcome(
    client: Queryable,
    tenantId: TenantId,
    hubspotId: string,
    outcome: { status: FollowUpStatus; completedAt: Date | null },
  ): Promise<boolean> {
    const { rowCount } = await client.query(
      `UPDATE follow_up_tasks SET status = $3, completed_at = $4, checked_at = now()
       WHERE tenant_id = $1 AND hubspot_id = $2 AND (status, completed_at) IS DISTINCT FROM ($3, $4)`,
      [tenantId, hubspotId, outcome.status, outcome.completedAt],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Open tasks HubSpot holds, least recently checked first, for the reconciling poll. */
  async openInHubSpot(client: Queryable, tenantId: TenantId, limit: number): Promise<Array<{ key: string; hubspotId: string }>> {
    const { rows } = await client.query<{ task_key: string; hubspot_id: string }>(
      `SELECT task_key, hubspot_id FROM follow_up_tasks
       WHERE tenant_id = $1 AND status = 'open' AND hubspot_id IS NOT NULL ORDER BY checked_at NULLS FIRST LIMIT $2`,
      [tenantId, limit],
    );
    return rows.map((row) => ({ key: row.task_key, hubspotId: row.hubspot_id }));
  }

  async markChecked(client: Queryable, tenantId: TenantId, hubspotIds: readonly string[]): Promise<void> {
    if (hubspotIds.length === 0) return;
    await client.query('UPDATE follow_up_tasks SET checked_at = now() WHERE tenant_id = $1 AND hubspot_id = ANY($2::text[])', [tenantId, hubspotIds]);
  }

  /**
   * Of these referrals, those no earlier referral came from the same source: the same NPI when the source has one,
   * else the same name. A source's first referral gets a thank-you call.
   */
  async firstFromTheirSource(client: Queryable, tenantId: TenantId, referralKeys: readonly string[]): Promise<Set<string>> {
    if (referralKeys.length === 0) return new Set();
    const { rows } = await client.query<{ referral_key: string }>(
      `SELECT r.referral_key FROM referrals r
       WHERE r.tenant_id = $1 AND r.referral_key = ANY($2::text[]) AND r.received_at IS NOT NULL
         AND (r.source_npi IS NOT NULL OR r.source_name IS NOT NULL)
         AND NOT EXISTS (
           SELECT 1 FROM referrals e
           WHERE e.tenant_id = r.tenant_id AND e.referral_key <> r.referral_key
             AND (e.received_at, e.referral_key) < (r.received_at, r.referral_key)
             AND CASE WHEN r.source_npi IS NOT NULL THEN e.source_npi = r.source_npi
                      ELSE e.source_npi IS NULL AND lower(e.source_name) = lower(r.source_name) END)`,
      [tenantId, referralKeys],
    );
    return new Set(rows.map((row) => row.referral_key));
  }

  /**
   * Referrals the time-based rules may act on: written to HubSpot, received since `receivedSince`, and still at their
   * first status (a stalled referral has had no change since it arrived).
   */
  async referralsAwaitingIntake(client: Queryable, tenantId: TenantId, receivedSince: Date): Promise<ReferralState[]> {
    const { rows } = await client.query<{ state: ReferralState }>(
      `SELECT r.state FROM referrals r
       JOIN hubspot_records h ON h.tenant_id = r.tenant_id AND h.record_kind = 'referral' AND h.record_key = r.referral_key
       WHERE r.tenant_id = $1 AND r.status IN ('received', 'pending_intake') AND r.received_at >= $2
         AND jsonb_array_length(r.state->'history') <= 1`,
      [tenantId, receivedSince],
    );
    return rows.map((row) => row.state);
  }

  /** Hospice admissions elected on or after `electedSince` (a date) whose Notice of Election is not accepted. */
  async electionsAwaitingNoe(client: Queryable, tenantId: TenantId, electedSince: string): Promise<AdmissionState[]> {
    const { rows } = await client.query<{ state: AdmissionState }>(
      `SELECT state FROM admissions
       WHERE tenant_id = $1 AND status <> 'cancelled' AND state->>'electionDate' IS NOT NULL AND state->>'noeAcceptedDate' IS NULL
         AND (state->>'electionDate')::date >= $2::date AND state->>'referralKey' IS NOT NULL`,
      [tenantId, electedSince],
    );
    return rows.map((row) => row.state);
  }

  /**
   * The referral sources matched to a HubSpot company, with the times they sent referrals and when the company was
   * last checked in on: what the account rules (check-ins, dormant sources) read.
   */
  async sourceAccounts(
    queryable: Queryable,
    tenantId: TenantId,
  ): Promise<Array<{ companyId: string; sourceRef: string; sourceName: string; receivedAt: Date[]; lastCheckInAt: Date | null }>> {
    const { rows } = await queryable.query<{ company_id: string; source_ref: string; source_name: string | null; received: Date[]; last_check_in: Date | null }>(
      `SELECT d.company_id,
              (array_agg(d.company_ref ORDER BY r.received_at DESC NULLS LAST))[1] AS source_ref,
              (array_agg(r.source_name ORDER BY r.received_at DESC NULLS LAST))[1] AS source_name,
              array_agg(r.received_at ORDER BY r.received_at) FILTER (WHERE r.received_at IS NOT NULL) AS received,
              ${lastCheckInOf('d.tenant_id', 'd.company_id')} AS last_check_in
       FROM attribution_decisions d
       JOIN referrals r ON r.tenant_id = d.tenant_id AND r.referral_key = d.referral_key
       WHERE d.tenant_id = $1 AND d.company_id IS NOT NULL AND d.company_ref IS NOT NULL
       GROUP BY d.tenant_id, d.company_id`,
      [tenantId],
    );
    return rows.map((row) => ({
      companyId: row.company_id,
      sourceRef: row.source_ref,
      sourceName: row.source_name ?? 'the referral source',
      receivedAt: row.received ?? [],
      lastCheckInAt: row.last_check_in,
    }));
  }

  /** A check-in logged on a company from its card; the account rules count the next one from it. */
  async recordCheckIn(client: Queryable, tenantId: TenantId, checkIn: { companyId: string; at: Date; userId: string | null; note: string | null }): Promise<void> {
    await client.query('INSERT INTO check_ins (tenant_id, company_id, checked_in_at, user_id, note) VALUES ($1, $2, $3, $4, $5)', [
      tenantId,
      checkIn.companyId,
      checkIn.at,
      checkIn.userId,
      checkIn.note,
    ]);
  }

  /** When a company was last checked in on (see lastCheckInOf); null when never. */
  async lastCheckIn(queryable: Queryable, tenantId: TenantId, companyId: string): Promise<Date | null> {
    const { rows } = await queryable.query<{ at: Date | null }>({
      name: 'last-check-in',
      text: `SELECT ${lastCheckInOf('$1::bigint', '$2::text')} AS at`,
      values: [tenantId, companyId],
    });
    return rows[0]?.at ?? null;
  }

  /** Companies merged in HubSpot: the check-ins of the merged-away ones count for the one that remains. */
  async moveCheckIns(client: Queryable, tenantId: TenantId, primaryId: string, mergedIds: readonly string[]): Promise<void> {
    await client.query('UPDATE check_ins SET company_id = $2 WHERE tenant_id = $1 AND company_id = ANY($3::text[])', [tenantId, primaryId, mergedIds]);
  }

  /**
   * The open tasks about a company, soonest due first, at most `limit`: its account tasks (check-ins, dormant source
   * calls) and the tasks of the referrals attributed to it.
   */
  async openTasksOfCompany(queryable: Queryable, tenantId: TenantId, companyId: string, limit: number): Promise<FollowUpTask[]> {
    // Account tasks name their company; a referral's tasks carry its source's (kept in step with attribution).
    const { rows } = await queryable.query({
      name: 'open-tasks-of-company',
      text: `SELECT * FROM follow_up_tasks WHERE tenant_id = $1 AND company_id = $2 AND status = 'open' ORDER BY due_at, task_key LIMIT $3`,
      values: [tenantId, companyId, limit],
    });
    return rows.map(toTask);
  }

  /** Tasks HubSpot holds, and when the last was written, for `referralynx status`. */
  async writtenCount(queryable: Queryable, tenantId: TenantId): Promise<{ written: number; lastWrittenAt: Date | null }> {
    const { rows } = await queryable.query<{ written: number; last: Date | null }>(
      'SELECT count(*)::int AS written, max(written_at) AS last FROM follow_up_tasks WHERE tenant_id = $1 AND hubspot_id IS NOT NULL',
      [tenantId],
    );
    return { written: rows[0]?.written ?? 0, lastWrittenAt: rows[0]?.last ?? null };
  }

  /** Tasks HubSpot holds, per rule. */
  async countsByRule(queryable: Queryable, tenantId: TenantId): Promise<Map<FollowUpRule, number>> {
    const { rows } = await queryable.query<{ rule: FollowUpRule; n: number }>(
      'SELECT rule, count(*)::int AS n FROM follow_up_tasks WHERE tenant_id = $1 AND hubspot_id IS NOT NULL GROUP BY rule ORDER BY rule',
      [tenantId],
    );
    return new Map(rows.map((row) => [row.rule, row.n]));
  }

  /** Follow-up completion per rule and per owner: the measure of whether the loop gets closed. */
  async completion(queryable: Queryable, tenantId: TenantId, since: Date): Promise<CompletionLine[]> {
    const { rows } = await queryable.query(
      `SELECT rule, owner_id,
              count(*)::int AS created,
              count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status = 'completed' AND completed_at <= due_at)::int AS on_time,
              count(*) FILTER (WHERE status = 'open' AND due_at < now())::int AS overdue,
              count(*) FILTER (WHERE status = 'deleted')::int AS deleted
       FROM follow_up_tasks WHERE tenant_id = $1 AND hubspot_id IS NOT NULL AND decided_at >= $2
       GROUP BY rule, owner_id ORDER BY rule, owner_id NULLS LAST`,
      [tenantId, since],
    );
    return rows.map((row) => ({
      rule: row.rule,
      ownerId: row.owner_id,
      created: row.created,
      completed: row.completed,
      onTime: row.on_time,
      overdue: row.overdue,
      deleted: row.deleted,
    }));
  }
}
