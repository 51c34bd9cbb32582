import type { TenantId } from '../config/tenantSettings';
import type { OwnerMethod, SourceObjectType } from '../domain/attribution';
import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import type { Pool, PoolClient } from './postgres';
import type { QueueKind, RecordKind } from './syncQueue';

export { DEAD_LETTER_ATTEMPTS, type RecordKind } from './syncQueue';

type Queryable = Pick<PoolClient, 'query'> | Pool;

export interface SyncFailure {
  kind: QueueKind;
  key: string;
  attempts: number;
  error: string;
  dead: boolean;
}

/** What the sync knows of a source: its match in the CRM, or why there is none. */
export interface SourceMatch {
  objectType: SourceObjectType;
  ref: string;
  displayName: string;
  place: string | null;
  npi: string | null;
  hubspotId: string | null;
  ownerId: string | null;
  method: 'npi' | 'mapping' | 'name' | 'created' | 'none';
  confidence: number | null;
  reason: string;
  candidateId: string | null;
  candidateName: string | null;
  checkedAt?: Date;
}

export interface AttributionDecision {
  referralKey: string;
  companyRef: string | null;
  companyId: string | null;
  companyReason: string;
  contactRef: string | null;
  contactId: string | null;
  contactReason: string;
  ownerId: string | null;
  ownerMethod: OwnerMethod;
  ownerReason: string;
  decidedAt?: Date;
}

export interface UnmatchedSource extends SourceMatch {
  referrals: number;
}

const stateTable: Record<RecordKind, { table: string; key: string }> = {
  referral: { table: 'referrals', key: 'referral_key' },
  admission: { table: 'admissions', key: 'admission_key' },
};

/** A miss is asked again after this long; a match is trusted until a webhook or a mapping says otherwise. */
const MISS_KEPT = "interval '1 hour'";

/**
 * Owns the SQL of the sync to HubSpot: what was last written, why records are refused, how sources were matched and
 * owners chosen, and how far a backfill has got. The work itself is in pg-boss (SyncQueue).
 */
export class SyncStore {
  async states<K extends RecordKind>(
    client: Queryable,
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

  /** The admissions that came from these referrals (queued again when a referral first gets its HubSpot id). */
  async admissionsOf(client: Queryable, tenantId: TenantId, referralKeys: string[]): Promise<string[]> {
    if (referralKeys.length === 0) return [];
    const { rows } = await client.query<{ admission_key: string }>(
      'SELECT admission_key FROM admissions WHERE tenant_id = $1 AND referral_key = ANY($2::text[]) ORDER BY admission_key',
      [tenantId, referralKeys],
    );
    return rows.map((row) => row.admission_key);
  }

  async lastWritten(client: Queryable, tenantId: TenantId, kind: RecordKind, keys: string[]): Promise<Map<string, { hubspotId: string; hash: string }>> {
    const { rows } = await client.query(
      `SELECT record_key, hubspot_id, data_hash FROM hubspot_records WHERE tenant_id = $1 AND record_kind = $2 AND record_key = ANY($3::text[])`,
      [tenantId, kind, keys],
    );
    return new Map(rows.map((row) => [row.record_key as string, { hubspotId: row.hubspot_id as string, hash: row.data_hash as string }]));
  }

  /** The record a HubSpot object id was written for (a card opened on a Referral record); undefined when none. */
  async recordKeyOf(queryable: Queryable, tenantId: TenantId, kind: RecordKind, hubspotId: string): Promise<string | undefined> {
    const { rows } = await queryable.query<{ record_key: string }>(
      'SELECT record_key FROM hubspot_records WHERE tenant_id = $1 AND record_kind = $2 AND hubspot_id = $3 ORDER BY synced_at DESC LIMIT 1',
      [tenantId, kind, hubspotId],
    );
    return rows[0]?.record_key;
  }

  /** Records what HubSpot now holds; the records' past refusals are forgotten. */
  async markWritten(
    client: Queryable,
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
       DELETE FROM sync_failures f USING written
       WHERE f.tenant_id = $1 AND f.record_kind = $2 AND f.record_key = written.record_key`,
      [tenantId, kind, JSON.stringify(written)],
    );
  }

  /** Forgets the refusals of records that need no write any more (unchanged, or gone). */
  async clearFailures(client: Queryable, tenantId: TenantId, kind: QueueKind, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await client.query('DELETE FROM sync_failures WHERE tenant_id = $1 AND record_kind = $2 AND record_key = ANY($3::text[])', [
      tenantId,
      kind,
      keys,
    ]);
  }

  /** A refusal, kept with HubSpot's message for `referralynx status`; `dead` when no retry is left. */
  async recordFailures(
    client: Queryable,
    tenantId: TenantId,
    failures: Array<{ kind: QueueKind; key: string; attempts: number; error: string; dead: boolean }>,
  ): Promise<void> {
    if (failures.length === 0) return;
    await client.query(
      `INSERT INTO sync_failures (tenant_id, record_kind, record_key, attempts, last_error, dead)
       SELECT $1, f->>'kind', f->>'key', (f->>'attempts')::int, f->>'error', (f->>'dead')::boolean
       FROM jsonb_array_elements($2::jsonb) AS x(f)
       ON CONFLICT (tenant_id, record_kind, record_key) DO UPDATE SET
         attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, dead = EXCLUDED.dead, failed_at = now()`,
      [tenantId, JSON.stringify(failures)],
    );
  }

  async failures(queryable: Queryable, tenantId: TenantId, limit = 10): Promise<{ retrying: Record<QueueKind, number>; dead: Record<QueueKind, number>; recent: SyncFailure[] }> {
    const counts = await queryable.query<{ record_kind: QueueKind; dead: boolean; n: number }>(
      'SELECT record_kind, dead, count(*)::int AS n FROM sync_failures WHERE tenant_id = $1 GROUP BY 1, 2',
      [tenantId],
    );
    const { rows } = await queryable.query(
      `SELECT record_kind, record_key, attempts, last_error, dead FROM sync_failures
       WHERE tenant_id = $1 ORDER BY dead DESC, attempts DESC, record_key LIMIT $2`,
      [tenantId, limit],
    );
    const count = (kind: QueueKind, dead: boolean) => counts.rows.find((r) => r.record_kind === kind && r.dead === dead)?.n ?? 0;
    return {
      retrying: { referral: count('referral', false), admission: count('admission', false), task: count('task', false), scorecard: 0 },
      dead: { referral: count('referral', true), admission: count('admission', true), task: count('task', true), scorecard: 0 },
      recent: rows.map((r) => ({ kind: r.record_kind, key: r.record_key, attempts: r.attempts, error: r.last_error, dead: r.dead })),
    };
  }

  /** The non-admitted referrals whose reason is one of `reasons`: written again when the agency's list gains or loses it. */
  async nonAdmittedWithReasons(client: Queryable, tenantId: TenantId, reasons: readonly string[]): Promise<string[]> {
    if (reasons.length === 0) return [];
    const { rows } = await client.query<{ referral_key: string }>(
      "SELECT referral_key FROM referrals WHERE tenant_id = $1 AND status = 'non_admitted' AND non_admit_reason = ANY($2::text[]) ORDER BY referral_key",
      [tenantId, reasons],
    );
    return rows.map((row) => row.referral_key);
  }

  /** Takes every refused record off the refusal list, for `referralynx sync retry` to queue them again. */
  async takeFailures(client: Queryable, tenantId: TenantId): Promise<Array<{ kind: QueueKind; key: string }>> {
    const { rows } = await client.query<{ record_kind: QueueKind; record_key: string }>(
      'DELETE FROM sync_failures WHERE tenant_id = $1 RETURNING record_kind, record_key',
      [tenantId],
    );
    return rows.map((row) => ({ kind: row.record_kind, key: row.record_key }));
  }

  async writtenCounts(queryable: Queryable, tenantId: TenantId): Promise<Record<RecordKind, { written: number; lastWrittenAt: Date | null }>> {
    const { rows } = await queryable.query(
      'SELECT record_kind, count(*)::int AS n, max(synced_at) AS last FROM hubspot_records WHERE tenant_id = $1 GROUP BY record_kind',
      [tenantId],
    );
    const of = (kind: RecordKind) => {
      const row = rows.find((r) => r.record_kind === kind);
      return { written: row?.n ?? 0, lastWrittenAt: row?.last ?? null };
    };
    return { referral: of('referral'), admission: of('admission') };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Source attribution

  /** What is known of these sources: matches, mappings, and misses younger than an hour. */
  async sourceMatches(client: Queryable, tenantId: TenantId, objectType: SourceObjectType, refs: string[]): Promise<Map<string, SourceMatch>> {
    if (refs.length === 0) return new Map();
    const { rows } = await client.query(
      `SELECT * FROM source_matches
       WHERE tenant_id = $1 AND object_type = $2 AND source_ref = ANY($3::text[])
         AND (hubspot_id IS NOT NULL OR checked_at > now() - ${MISS_KEPT})`,
      [tenantId, objectType, refs],
    );
    return new Map(rows.map((row) => [row.source_ref as string, sourceMatchOf(row)]));
  }

  async saveSourceMatches(client: Queryable, tenantId: TenantId, matches: SourceMatch[]): Promise<void> {
    if (matches.length === 0) return;
    await client.query(
      `INSERT INTO source_matches (tenant_id, object_type, source_ref, display_name, place, npi, hubspot_id, owner_id, method,
         confidence, reason, candidate_id, candidate_name)
       SELECT $1, m->>'objectType', m->>'ref', m->>'displayName', m->>'place', m->>'npi', m->>'hubspotId', m->>'ownerId',
         m->>'method', (m->>'confidence')::real, m->>'reason', m->>'candidateId', m->>'candidateName'
       FROM jsonb_array_elements($2::jsonb) AS x(m)
       ON CONFLICT (tenant_id, object_type, source_ref) DO UPDATE SET
         display_name = EXCLUDED.display_name, place = EXCLUDED.place, npi = EXCLUDED.npi, hubspot_id = EXCLUDED.hubspot_id,
         owner_id = EXCLUDED.owner_id, method = EXCLUDED.method, confidence = EXCLUDED.confidence, reason = EXCLUDED.reason,
         candidate_id = EXCLUDED.candidate_id, candidate_name = EXCLUDED.candidate_name, checked_at = now()`,
      [tenantId, JSON.stringify(matches)],
    );
  }

  /** Matched records whose owner was last read before `olderThanSeconds`. */
  async staleOwners(client: Queryable, tenantId: TenantId, objectType: SourceObjectType, hubspotIds: string[], olderThanSeconds: number): Promise<string[]> {
    if (hubspotIds.length === 0) return [];
    const { rows } = await client.query<{ hubspot_id: string }>(
      `SELECT DISTINCT hubspot_id FROM source_matches WHERE tenant_id = $1 AND object_type = $2 AND hubspot_id = ANY($3::text[])
         AND checked_at < now() - make_interval(secs => $4)`,
      [tenantId, objectType, hubspotIds, olderThanSeconds],
    );
    return rows.map((row) => row.hubspot_id);
  }

  /** Records the owners just read from HubSpot; returns the referrals whose company or clinician changed owner. */
  async saveOwners(client: Queryable, tenantId: TenantId, objectType: SourceObjectType, owners: Array<{ hubspotId: string; ownerId: string | null }>): Promise<string[]> {
    if (owners.length === 0) return [];
    const read = JSON.stringify(owners);
    const { rows: moved } = await client.query<{ hubspot_id: string }>(
      `UPDATE source_matches m SET owner_id = o->>'ownerId'
       FROM jsonb_array_elements($3::jsonb) AS x(o)
       WHERE m.tenant_id = $1 AND m.object_type = $2 AND m.hubspot_id = o->>'hubspotId' AND m.owner_id IS DISTINCT FROM o->>'ownerId'
       RETURNING m.hubspot_id`,
      [tenantId, objectType, read],
    );
    await client.query(
      `UPDATE source_matches SET checked_at = now()
       WHERE tenant_id = $1 AND object_type = $2 AND hubspot_id IN (SELECT o->>'hubspotId' FROM jsonb_array_elements($3::jsonb) AS x(o))`,
      [tenantId, objectType, read],
    );
    return this.referralsAttributedTo(client, tenantId, objectType, [...new Set(moved.map((row) => row.hubspot_id))]);
  }

  /**
   * A company's owner changed in HubSpot (webhook): the matches pointing at it take the new owner, and the referrals
   * attributed to it are returned, to be queued so their owner is chosen again.
   */
  async companyOwnerChanged(client: Queryable, tenantId: TenantId, companyId: string, ownerId: string | null): Promise<string[]> {
    await client.query(
      "UPDATE source_matches SET owner_id = $3, checked_at = now() WHERE tenant_id = $1 AND object_type = 'companies' AND hubspot_id = $2",
      [tenantId, companyId, ownerId],
    );
    return this.referralsAttributedTo(client, tenantId, 'companies', [companyId]);
  }

  /** Companies merged in HubSpot: what pointed at a merged-away company now points at the one that remains. */
  async companiesMerged(client: Queryable, tenantId: TenantId, primaryId: string, mergedIds: string[]): Promise<string[]> {
    await client.query(
      "UPDATE source_matches SET hubspot_id = $2, checked_at = now() WHERE tenant_id = $1 AND object_type = 'companies' AND hubspot_id = ANY($3::text[])",
      [tenantId, primaryId, mergedIds],
    );
    return this.referralsAttributedTo(client, tenantId, 'companies', [primaryId, ...mergedIds]);
  }

  /** A company deleted in HubSpot: its matches are forgotten (its sources are matched again, or wait unmatched). */
  async companyDeleted(client: Queryable, tenantId: TenantId, companyId: string): Promise<string[]> {
    await client.query("DELETE FROM source_matches WHERE tenant_id = $1 AND object_type = 'companies' AND hubspot_id = $2", [
      tenantId,
      companyId,
    ]);
    return this.referralsAttributedTo(client, tenantId, 'companies', [companyId]);
  }

  async referralsAttributedTo(client: Queryable, tenantId: TenantId, objectType: SourceObjectType, hubspotIds: string[]): Promise<string[]> {
    const column = objectType === 'companies' ? 'company_id' : 'contact_id';
    const { rows } = await client.query<{ referral_key: string }>(
      `SELECT referral_key FROM attribution_decisions WHERE tenant_id = $1 AND ${column} = ANY($2::text[]) ORDER BY referral_key`,
      [tenantId, hubspotIds],
    );
    return rows.map((row) => row.referral_key);
  }

  async referralsOfSource(client: Queryable, tenantId: TenantId, objectType: SourceObjectType, ref: string): Promise<string[]> {
    const column = objectType === 'companies' ? 'company_ref' : 'contact_ref';
    const { rows } = await client.query<{ referral_key: string }>(
      `SELECT referral_key FROM attribution_decisions WHERE tenant_id = $1 AND ${column} = $2 ORDER BY referral_key`,
      [tenantId, ref],
    );
    return rows.map((row) => row.referral_key);
  }

  /** Sources without a match, most referrals first, with the best candidate found. */
  async unmatchedSources(queryable: Queryable, tenantId: TenantId): Promise<UnmatchedSource[]> {
    const { rows } = await queryable.query(
      `SELECT m.*, (SELECT count(*)::int FROM attribution_decisions d WHERE d.tenant_id = m.tenant_id
                      AND (CASE WHEN m.object_type = 'companies' THEN d.company_ref ELSE d.contact_ref END) = m.source_ref) AS referrals
       FROM source_matches m WHERE m.tenant_id = $1 AND m.hubspot_id IS NULL
       ORDER BY referrals DESC, m.object_type, m.display_name`,
      [tenantId],
    );
    return rows.map((row) => ({ ...sourceMatchOf(row), referrals: row.referrals as number }));
  }

  /** Any source seen, by reference: for mapping one by hand. */
  async sourceMatch(queryable: Queryable, tenantId: TenantId, objectType: SourceObjectType, ref: string): Promise<SourceMatch | undefined> {
    const { rows } = await queryable.query('SELECT * FROM source_matches WHERE tenant_id = $1 AND object_type = $2 AND source_ref = $3', [
      tenantId,
      objectType,
      ref,
    ]);
    return rows[0] ? sourceMatchOf(rows[0]) : undefined;
  }

  async saveDecisions(client: Queryable, tenantId: TenantId, decisions: AttributionDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    await client.query(
      `INSERT INTO attribution_decisions (tenant_id, referral_key, company_ref, company_id, company_reason, contact_ref, contact_id,
         contact_reason, owner_id, owner_method, owner_reason)
       SELECT $1, d->>'referralKey', d->>'companyRef', d->>'companyId', d->>'companyReason', d->>'contactRef', d->>'contactId',
         d->>'contactReason', d->>'ownerId', d->>'ownerMethod', d->>'ownerReason'
       FROM jsonb_array_elements($2::jsonb) AS x(d)
       ON CONFLICT (tenant_id, referral_key) DO UPDATE SET
         company_ref = EXCLUDED.company_ref, company_id = EXCLUDED.company_id, company_reason = EXCLUDED.company_reason,
         contact_ref = EXCLUDED.contact_ref, contact_id = EXCLUDED.contact_id, contact_reason = EXCLUDED.contact_reason,
         owner_id = EXCLUDED.owner_id, owner_method = EXCLUDED.owner_method, owner_reason = EXCLUDED.owner_reason, decided_at = now()`,
      [tenantId, JSON.stringify(decisions)],
    );
    // A referral's tasks are its source's (migration 014): they follow a new decision.
    await client.query(
      `UPDATE follow_up_tasks t SET company_id = d->>'companyId'
       FROM jsonb_array_elements($2::jsonb) AS x(d)
       WHERE t.tenant_id = $1 AND t.referral_key = d->>'referralKey' AND t.company_id IS DISTINCT FROM d->>'companyId'`,
      [tenantId, JSON.stringify(decisions)],
    );
  }

  async decisions(queryable: Queryable, tenantId: TenantId, referralKeys: string[]): Promise<Map<string, AttributionDecision>> {
    if (referralKeys.length === 0) return new Map();
    const { rows } = await queryable.query('SELECT * FROM attribution_decisions WHERE tenant_id = $1 AND referral_key = ANY($2::text[])', [
      tenantId,
      referralKeys,
    ]);
    return new Map(
      rows.map((row) => [
        row.referral_key as string,
        {
          referralKey: row.referral_key,
          companyRef: row.company_ref,
          companyId: row.company_id,
          companyReason: row.company_reason,
          contactRef: row.contact_ref,
          contactId: row.contact_id,
          contactReason: row.contact_reason,
          ownerId: row.owner_id,
          ownerMethod: row.owner_method,
          ownerReason: row.owner_reason,
          decidedAt: row.decided_at,
        },
      ]),
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Backfill

  /** Starts a backfill of one kind, or finds the one a killed run left unfinished. */
  async beginBackfill(queryable: Queryable, tenantId: TenantId, kind: RecordKind): Promise<{ lastKey: string; queued: number; resumed: boolean }> {
    const { rows } = await queryable.query<{ last_key: string; queued: number; finished_at: Date | null }>(
      'SELECT last_key, queued, finished_at FROM backfill_runs WHERE tenant_id = $1 AND record_kind = $2',
      [tenantId, kind],
    );
    const row = rows[0];
    if (row && row.finished_at === null) return { lastKey: row.last_key, queued: row.queued, resumed: true };
    await queryable.query(
      `INSERT INTO backfill_runs (tenant_id, record_kind) VALUES ($1, $2)
       ON CONFLICT (tenant_id, record_kind) DO UPDATE SET last_key = '', queued = 0, started_at = now(), finished_at = NULL`,
      [tenantId, kind],
    );
    return { lastKey: '', queued: 0, resumed: false };
  }

  /** The next keys after the checkpoint, in key order. */
  async keysAfter(queryable: Queryable, tenantId: TenantId, kind: RecordKind, afterKey: string, limit: number): Promise<string[]> {
    const { table, key } = stateTable[kind];
    const { rows } = await queryable.query<{ key: string }>(
      `SELECT ${key} AS key FROM ${table} WHERE tenant_id = $1 AND ${key} > $2 ORDER BY ${key} LIMIT $3`,
      [tenantId, afterKey, limit],
    );
    return rows.map((row) => row.key);
  }

  async advanceBackfill(client: Queryable, tenantId: TenantId, kind: RecordKind, lastKey: string, queued: number): Promise<void> {
    await client.query('UPDATE backfill_runs SET last_key = $3, queued = queued + $4 WHERE tenant_id = $1 AND record_kind = $2', [
      tenantId,
      kind,
      lastKey,
      queued,
    ]);
  }

  async finishBackfill(queryable: Queryable, tenantId: TenantId, kind: RecordKind): Promise<void> {
    await queryable.query('UPDATE backfill_runs SET finished_at = now() WHERE tenant_id = $1 AND record_kind = $2', [tenantId, kind]);
  }

  async recordCount(queryable: Queryable, tenantId: TenantId, kind: RecordKind): Promise<number> {
    const { table } = stateTable[kind];
    const { rows } = await queryable.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId]);
    return rows[0]?.n ?? 0;
  }
}

function sourceMatchOf(row: Record<string, unknown>): SourceMatch {
  return {
    objectType: row.object_type as SourceObjectType,
    ref: row.source_ref as string,
    displayName: row.display_name as string,
    place: (row.place as string | null) ?? null,
    npi: (row.npi as string | null) ?? null,
    hubspotId: (row.hubspot_id as string | null) ?? null,
    ownerId: (row.owner_id as string | null) ?? null,
    method: row.method as SourceMatch['method'],
    confidence: (row.confidence as number | null) ?? null,
    reason: row.reason as string,
    candidateId: (row.candidate_id as string | null) ?? null,
    candidateName: (row.candidate_name as string | null) ?? null,
    checkedAt: row.checked_at as Date,
  };
}
