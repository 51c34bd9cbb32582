import crypto from 'node:crypto';
import type { TenantId } from '../config/tenantSettings';
import { canonicalEvent, type CanonicalEvent } from '../domain/events';
import { deriveCases, type AdmissionState, type ReferralState } from '../domain/referralLifecycle';
import type { ParseOutcome } from '../ehr/types';
import { inTransaction, type Pool, type PoolClient } from './postgres';
import { SyncQueue } from './syncQueue';

export interface RawInput {
  format: 'hl7v2' | 'fhir' | 'csv' | 'json';
  feed: string;
  /** The input as received, kept only if it is quarantined (it may hold PHI: stays in the database). */
  payload: string;
  /** Where it came from: "file.hl7#3", "export.csv:17", a listener and connection. */
  position?: string;
}

export type RecordResult =
  | { status: 'accepted'; newEvents: number }
  | { status: 'duplicate' }
  | { status: 'quarantined'; quarantineId: number; reason: string };

export interface QuarantineEntry {
  quarantineId: number;
  format: RawInput['format'];
  feed: string;
  position: string | null;
  reason: string;
  receivedAt: Date;
  retriedAt: Date | null;
}

/**
 * Owns the SQL of EHR ingestion. Each input message is one transaction: its events appended (each once, by event
 * id), the referral and admission state of the patients it touches derived again from all their events, or nothing
 * at all. Messages about the same patient are serialised with a transaction-scoped advisory lock, so two server
 * processes cannot derive from stale snapshots.
 */
export class EhrStore {
  constructor(
    private readonly pool: Pool,
    /** Where changed referrals and admissions are queued for HubSpot, in the transaction that changed them. */
    private readonly queue = new SyncQueue(pool),
  ) {}

  /** The tenant's patient hash key, created on first use. */
  async patientHashKey(tenantId: TenantId): Promise<Buffer> {
    const { rows } = await this.pool.query<{ key: Buffer }>(
      `UPDATE tenants SET patient_hash_key = COALESCE(patient_hash_key, $2)
       WHERE tenant_id = $1 RETURNING patient_hash_key AS key`,
      [tenantId, crypto.randomBytes(32)],
    );
    const key = rows[0]?.key;
    if (!key) throw new Error(`unknown tenant ${tenantId}`);
    return key;
  }

  /** The secret that signs pushes to /ingest, created on first use. */
  async ingestSecret(tenantId: TenantId): Promise<string> {
    const { rows } = await this.pool.query<{ secret: string }>(
      `UPDATE tenants SET ingest_secret = COALESCE(ingest_secret, $2)
       WHERE tenant_id = $1 RETURNING ingest_secret AS secret`,
      [tenantId, crypto.randomBytes(32).toString('base64url')],
    );
    const secret = rows[0]?.secret;
    if (!secret) throw new Error(`unknown tenant ${tenantId}`);
    return secret;
  }

  /** Stores what an adapter made of one input: its events, or the input in quarantine with the reason. */
  async record(tenantId: TenantId, outcome: ParseOutcome, input: RawInput): Promise<RecordResult> {
    const [result] = await this.recordMany(tenantId, [{ outcome, input }]);
    if (!result) throw new Error('recordMany returned no result');
    return result;
  }

  /**
   * Stores many inputs (rows of one CSV export, messages of one file) in one transaction: each input's events are
   * kept or dropped whole, and the cases they touch are derived once. Refused inputs go to quarantine.
   */
  async recordMany(tenantId: TenantId, items: ReadonlyArray<{ outcome: ParseOutcome; input: RawInput }>): Promise<RecordResult[]> {
    const results: RecordResult[] = new Array(items.length);
    const accepted: Array<{ index: number; messageKey: string; events: CanonicalEvent[]; input: RawInput }> = [];
    for (const [index, { outcome, input }] of items.entries()) {
      if (!outcome.ok) {
        results[index] = await this.quarantine(tenantId, input, outcome.reason, outcome.messageKey, outcome.position);
        continue;
      }
      // PostgreSQL cannot store a NUL character in text or jsonb: such a value is refused here, with the rest of its input.
      const withNul = outcome.events.findIndex((event) => JSON.stringify(event).includes('\\u0000'));
      if (withNul >= 0) {
        results[index] = await this.quarantine(tenantId, input, `event ${withNul + 1} holds a NUL character, which cannot be stored`, outcome.messageKey);
        continue;
      }
      const invalid = outcome.events
        .map((event, position) => ({ position, check: canonicalEvent.safeParse(event) }))
        .find(({ check }) => !check.success);
      if (invalid && !invalid.check.success) {
        const issue = invalid.check.error.issues[0];
        const reason = `event ${invalid.position + 1} failed validation at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`;
        results[index] = await this.quarantine(tenantId, input, reason, outcome.messageKey);
        continue;
      }
      accepted.push({ index, messageKey: withoutNul(outcome.messageKey) ?? '', events: outcome.events, input });
    }
    if (accepted.length === 0) return results;

    const stored = await inTransaction(this.pool, async (client) => {
      const patients = [...new Set(accepted.flatMap((m) => m.events.map((e) => e.patientHash)))];
      // Locks taken in one order by every transaction, so two processes cannot deadlock.
      await client.query(
        `SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended($1 || ':' || p, 0) AS h FROM unnest($2::text[]) AS p ORDER BY 1) AS keys`,
        [String(tenantId), patients],
      );
      const { rows: fresh } = await client.query<{ message_key: string }>(
        `INSERT INTO ehr_messages (tenant_id, message_key, format, feed, event_count)
         SELECT $1, m->>'key', m->>'format', m->>'feed', (m->>'count')::int FROM jsonb_array_elements($2::jsonb) AS x(m)
         ON CONFLICT (tenant_id, message_key) DO NOTHING RETURNING message_key`,
        [
          tenantId,
          JSON.stringify(
            uniqueBy(accepted, (m) => m.messageKey).map((m) => ({
              key: m.messageKey,
              format: m.input.format,
              feed: withoutNul(m.input.feed),
              count: m.events.length,
            })),
          ),
        ],
      );
      const freshKeys = new Set(fresh.map((row) => row.message_key));
      const firstOfKey = new Map<string, number>();
      for (const m of accepted) if (!firstOfKey.has(m.messageKey)) firstOfKey.set(m.messageKey, m.index);
      const toAppend = accepted.filter((m) => freshKeys.has(m.messageKey) && firstOfKey.get(m.messageKey) === m.index);
      const { appended, others } = await this.appendEvents(client, tenantId, toAppend);
      const newEvents = toAppend.flatMap((m) => m.events).filter((e) => appended.has(e.eventId));
      if (newEvents.length > 0) await this.deriveAgain(client, tenantId, newEvents, others);
      return { toAppend, appended };
    });

    const appendedBy = new Map(stored.toAppend.map((m) => [m.index, m.events.filter((e) => stored.appended.has(e.eventId)).length]));
    for (const m of accepted) {
      const count = appendedBy.get(m.index) ?? 0;
      results[m.index] = count > 0 ? { status: 'accepted', newEvents: count } : { status: 'duplicate' };
    }
    return results;
  }

  /**
   * Appends the messages' events, each once, and in the same statement reads the other events of the patients and
   * keys they touch (the statement's snapshot does not see the rows it inserts): one round trip instead of two.
   */
  private async appendEvents(
    client: PoolClient,
    tenantId: TenantId,
    messages: ReadonlyArray<{ messageKey: string; events: CanonicalEvent[] }>,
  ): Promise<{ appended: Set<string>; others: CanonicalEvent[] }> {
    const events = messages.flatMap((m) => m.events);
    if (events.length === 0) return { appended: new Set(), others: [] };
    const { rows } = await client.query<{ event_id: string; body: CanonicalEvent | null }>(
      `WITH appended AS (
         INSERT INTO ehr_events (tenant_id, event_id, kind, occurred_at, patient_hash, referral_key, admission_key, message_key, body)
         SELECT $1, r.event->>'eventId', r.event->>'kind', (r.event->>'occurredAt')::timestamptz, r.event->>'patientHash',
                r.event->>'referralKey', r.event->>'admissionKey', r.message_key, r.event
         FROM json_to_recordset($2::json) AS r(message_key text, event json)
         ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING event_id)
       SELECT event_id, NULL::json AS body FROM appended
       UNION ALL
       SELECT event_id, body FROM ehr_events
       WHERE tenant_id = $1
         AND (patient_hash = ANY($3::text[]) OR referral_key = ANY($4::text[]) OR admission_key = ANY($5::text[]))`,
      [
        tenantId,
        JSON.stringify(messages.flatMap((m) => m.events.map((event) => ({ message_key: m.messageKey, event })))),
        [...new Set(events.map((e) => e.patientHash))],
        [...new Set(events.flatMap((e) => ('referralKey' in e && e.referralKey ? [e.referralKey] : [])))],
        [...new Set(events.flatMap((e) => ('admissionKey' in e ? [e.admissionKey] : [])))],
      ],
    );
    return {
      appended: new Set(rows.filter((row) => row.body === null).map((row) => row.event_id)),
      others: rows.flatMap((row) => (row.body ? [row.body] : [])),
    };
  }

  /**
   * Derives again every referral and admission of the patients (and keys) the new events touch, from all of their
   * events, and writes the result.
   */
  private async deriveAgain(
    client: PoolClient,
    tenantId: TenantId,
    newEvents: CanonicalEvent[],
    others: CanonicalEvent[],
  ): Promise<void> {
    const { referrals, admissions } = deriveCases(uniqueBy([...newEvents, ...others], (e) => e.eventId));
    await this.saveCases(client, tenantId, referrals, admissions);
  }

  /**
   * Writes derived referrals and admissions in one statement; rows whose state did not change are left alone, and
   * the ones that changed are queued for the sync to HubSpot in this same transaction (a transactional outbox).
   */
  private async saveCases(
    client: PoolClient,
    tenantId: TenantId,
    referrals: ReferralState[],
    admissions: AdmissionState[],
  ): Promise<void> {
    const { rows: changed } = await client.query<{ kind: 'referral' | 'admission'; key: string }>(
      `WITH saved_referrals AS (
       INSERT INTO referrals (tenant_id, referral_key, patient_hash, status, received_at, referral_date, business_line,
         payer_category, source_name, source_npi, clinician_npi, marketer_id, non_admit_reason, admission_key, soc_date,
         first_visit_at, last_event_at, state, updated_at)
       SELECT $1, s->>'referralKey', s->>'patientHash', s->>'status', (s->'facts'->>'receivedAt')::timestamptz,
         (s->'facts'->>'referralDate')::date, s->'facts'->>'businessLine', s->'facts'->>'payerCategory',
         s->'facts'->'referringOrganization'->>'name', s->'facts'->'referringOrganization'->>'npi',
         s->'facts'->'referringPractitioner'->>'npi', s->'facts'->>'marketerId', s->>'nonAdmitReason',
         s->>'admissionKey', (s->>'socDate')::date, (s->>'firstVisitAt')::timestamptz,
         (s->>'lastEventAt')::timestamptz, s, now()
       FROM jsonb_array_elements($2::jsonb) AS x(s)
       ON CONFLICT (tenant_id, referral_key) DO UPDATE SET
         patient_hash = EXCLUDED.patient_hash, status = EXCLUDED.status, received_at = EXCLUDED.received_at,
         referral_date = EXCLUDED.referral_date, business_line = EXCLUDED.business_line,
         payer_category = EXCLUDED.payer_category, source_name = EXCLUDED.source_name, source_npi = EXCLUDED.source_npi,
         clinician_npi = EXCLUDED.clinician_npi, marketer_id = EXCLUDED.marketer_id,
         non_admit_reason = EXCLUDED.non_admit_reason, admission_key = EXCLUDED.admission_key,
         soc_date = EXCLUDED.soc_date, first_visit_at = EXCLUDED.first_visit_at, last_event_at = EXCLUDED.last_event_at,
         state = EXCLUDED.state, updated_at = now()
       WHERE referrals.state IS DISTINCT FROM EXCLUDED.state
       RETURNING referral_key
       ), saved_admissions AS (
       INSERT INTO admissions (tenant_id, admission_key, referral_key, patient_hash, status, soc_date, discharge_date,
         last_event_at, state, updated_at)
       SELECT $1, s->>'admissionKey', s->>'referralKey', s->>'patientHash', s->>'status', (s->>'socDate')::date,
         (s->>'dischargeDate')::date, (s->>'lastEventAt')::timestamptz, s, now()
       FROM jsonb_array_elements($3::jsonb) AS x(s)
       ON CONFLICT (tenant_id, admission_key) DO UPDATE SET
         referral_key = EXCLUDED.referral_key, patient_hash = EXCLUDED.patient_hash, status = EXCLUDED.status,
         soc_date = EXCLUDED.soc_date, discharge_date = EXCLUDED.discharge_date, last_event_at = EXCLUDED.last_event_at,
         state = EXCLUDED.state, updated_at = now()
       WHERE admissions.state IS DISTINCT FROM EXCLUDED.state
       RETURNING admission_key
       )
       SELECT 'referral' AS kind, referral_key AS key FROM saved_referrals
       UNION ALL
       SELECT 'admission', admission_key FROM saved_admissions`,
      [tenantId, JSON.stringify(referrals), JSON.stringify(admissions)],
    );
    for (const kind of ['referral', 'admission'] as const) {
      await this.queue.enqueue(client, tenantId, kind, changed.filter((row) => row.kind === kind).map((row) => row.key));
    }
  }

  async quarantine(
    tenantId: TenantId,
    input: RawInput,
    reason: string,
    messageKey?: string,
    position?: string,
  ): Promise<RecordResult> {
    const { rows } = await this.pool.query<{ quarantine_id: number }>(
      `INSERT INTO ehr_quarantine (tenant_id, format, feed, position, message_key, reason, payload, payload_sha)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, format, feed, payload_sha) WHERE resolved_at IS NULL DO UPDATE SET
         seen_count = ehr_quarantine.seen_count + 1, last_seen_at = now(), reason = EXCLUDED.reason,
         position = EXCLUDED.position
       RETURNING quarantine_id`,
      [
        tenantId,
        input.format,
        withoutNul(input.feed),
        withoutNul(position ?? input.position),
        withoutNul(messageKey),
        withoutNul(reason) ?? '',
        Buffer.from(input.payload, 'utf8'),
        crypto.createHash('sha256').update(input.payload).digest('hex'),
      ],
    );
    return { status: 'quarantined', quarantineId: rows[0]?.quarantine_id ?? 0, reason };
  }

  /** Open quarantine entries, newest first, without their payloads. */
  async listQuarantine(tenantId: TenantId, limit = 100): Promise<QuarantineEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT quarantine_id, format, feed, position, reason, received_at, retried_at FROM ehr_quarantine
       WHERE tenant_id = $1 AND resolved_at IS NULL ORDER BY received_at DESC, quarantine_id DESC LIMIT $2`,
      [tenantId, limit],
    );
    return rows.map(toQuarantineEntry);
  }

  /** The open entries to retry (all, or the ones named), with their payloads. */
  async quarantinedInputs(tenantId: TenantId, ids?: number[]): Promise<Array<QuarantineEntry & { payload: string }>> {
    const { rows } = await this.pool.query(
      `SELECT quarantine_id, format, feed, position, reason, received_at, retried_at, payload FROM ehr_quarantine
       WHERE tenant_id = $1 AND resolved_at IS NULL AND ($2::bigint[] IS NULL OR quarantine_id = ANY($2::bigint[]))
       ORDER BY quarantine_id`,
      [tenantId, ids ?? null],
    );
    return rows.map((row) => ({ ...toQuarantineEntry(row), payload: (row.payload as Buffer).toString('utf8') }));
  }

  /** After a retry: resolved when it went through, otherwise the new reason is kept. */
  async settleQuarantine(tenantId: TenantId, quarantineId: number, outcome: { resolved: boolean; reason?: string }): Promise<void> {
    await this.pool.query(
      `UPDATE ehr_quarantine SET retried_at = now(),
         resolved_at = CASE WHEN $3 THEN now() ELSE NULL END, reason = COALESCE($4, reason)
       WHERE tenant_id = $1 AND quarantine_id = $2`,
      [tenantId, quarantineId, outcome.resolved, outcome.reason ?? null],
    );
  }

  async listReferrals(tenantId: TenantId): Promise<ReferralState[]> {
    const { rows } = await this.pool.query<{ state: ReferralState }>(
      'SELECT state FROM referrals WHERE tenant_id = $1 ORDER BY received_at NULLS LAST, referral_key',
      [tenantId],
    );
    return rows.map((row) => row.state);
  }

  async listAdmissions(tenantId: TenantId): Promise<AdmissionState[]> {
    const { rows } = await this.pool.query<{ state: AdmissionState }>(
      'SELECT state FROM admissions WHERE tenant_id = $1 ORDER BY soc_date NULLS LAST, admission_key',
      [tenantId],
    );
    return rows.map((row) => row.state);
  }

  async counts(tenantId: TenantId): Promise<{ messages: number; events: number; referrals: number; admissions: number; quarantined: number }> {
    const { rows } = await this.pool.query(
      `SELECT (SELECT count(*) FROM ehr_messages WHERE tenant_id = $1) AS messages,
              (SELECT count(*) FROM ehr_events WHERE tenant_id = $1) AS events,
              (SELECT count(*) FROM referrals WHERE tenant_id = $1) AS referrals,
              (SELECT count(*) FROM admissions WHERE tenant_id = $1) AS admissions,
              (SELECT count(*) FROM ehr_quarantine WHERE tenant_id = $1 AND resolved_at IS NULL) AS quarantined`,
      [tenantId],
    );
    const row = rows[0];
    return {
      messages: Number(row.messages),
      events: Number(row.events),
      referrals: Number(row.referrals),
      admissions: Number(row.admissions),
      quarantined: Number(row.quarantined),
    };
  }

  /**
   * Each feed (format and name) as the settings page shows it: messages taken, when the last came, and entries waiting
   * in quarantine; at most `limit` feeds, busiest first.
   */
  async feedStatus(tenantId: TenantId, limit: number): Promise<Array<{ format: string; feed: string; messages: number; lastMessageAt: Date | null; quarantined: number }>> {
    const { rows } = await this.pool.query(
      `WITH m AS (SELECT format, feed, count(*)::int AS messages, max(received_at) AS last_message_at
                  FROM ehr_messages WHERE tenant_id = $1 GROUP BY format, feed),
            q AS (SELECT format, feed, count(*)::int AS quarantined
                  FROM ehr_quarantine WHERE tenant_id = $1 AND resolved_at IS NULL GROUP BY format, feed)
       SELECT coalesce(m.format, q.format) AS format, coalesce(m.feed, q.feed) AS feed, coalesce(m.messages, 0) AS messages,
              m.last_message_at, coalesce(q.quarantined, 0) AS quarantined
       FROM m FULL JOIN q ON q.format = m.format AND q.feed = m.feed
       ORDER BY messages DESC, format, feed LIMIT $2`,
      [tenantId, limit],
    );
    return rows.map((row) => ({
      format: row.format as string,
      feed: row.feed as string,
      messages: row.messages as number,
      lastMessageAt: (row.last_message_at as Date | null) ?? null,
      quarantined: row.quarantined as number,
    }));
  }

  /**
   * Runs `work` while holding the feed's session-level advisory lock, so one process at a time polls a feed; when
   * another holds it, returns undefined without running.
   */
  async withFeedLock<T>(tenantId: TenantId, feed: string, work: () => Promise<T>): Promise<T | undefined> {
    const key = `${tenantId}:${feed}`;
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
      if (!rows[0]?.locked) return undefined;
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      }
    } finally {
      client.release();
    }
  }

  async readCursor(tenantId: TenantId, feed: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ cursor: string }>(
      'SELECT cursor FROM feed_cursors WHERE tenant_id = $1 AND feed = $2',
      [tenantId, feed],
    );
    return rows[0]?.cursor;
  }

  async saveCursor(tenantId: TenantId, feed: string, cursor: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO feed_cursors (tenant_id, feed, cursor) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, feed) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
      [tenantId, feed, cursor],
    );
  }
}

/**
 * PostgreSQL text cannot hold a NUL character, and what could not be read may contain one anywhere (a key, a place,
 * a reason quoting a word): replaced by U+FFFD in text columns. The payload itself is kept as bytes, intact.
 */
function withoutNul(text: string | undefined): string | null {
  return text === undefined ? null : text.replaceAll('\u0000', '\uFFFD');
}

function toQuarantineEntry(row: Record<string, unknown>): QuarantineEntry {
  return {
    quarantineId: Number(row.quarantine_id),
    format: row.format as QuarantineEntry['format'],
    feed: String(row.feed),
    position: (row.position as string | null) ?? null,
    reason: String(row.reason),
    receivedAt: row.received_at as Date,
    retriedAt: (row.retried_at as Date | null) ?? null,
  };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
