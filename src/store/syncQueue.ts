import PgBoss from 'pg-boss';
import type { TenantId } from '../config/tenantSettings';
import type { Pool, PoolClient } from './postgres';

export type RecordKind = 'referral' | 'admission';
/**
 * What a job writes to HubSpot: a record (referral, admission), a follow-up task (src/sync/followUps.ts) or a
 * company's or clinician's scorecard properties (src/sync/scorecards.ts).
 */
export type QueueKind = RecordKind | 'task' | 'scorecard';

/** pg-boss's own schema: its tables are created and migrated by pg-boss itself (install). */
export const JOB_QUEUE_SCHEMA = 'pgboss';

/**
 * One queue per kind: a round takes referrals first, so an admission finds its referral's HubSpot id, and tasks last,
 * so a task finds the records it is associated with.
 */
export const SYNC_QUEUE_NAMES: Record<QueueKind, string> = {
  referral: 'hubspot-referrals',
  admission: 'hubspot-admissions',
  task: 'hubspot-tasks',
  scorecard: 'hubspot-scorecards',
};

/** Refusals after which a record stops being retried on its own (a dead letter): the first try and 7 retries. */
export const DEAD_LETTER_ATTEMPTS = 8;

export interface QueueTuning {
  /** The first retry's delay in seconds (then doubling, with jitter). Default 30. */
  retryDelaySeconds?: number;
  /** How long a job may stay taken before pg-boss gives it back (a process killed mid-round). Default 120. */
  expireInSeconds?: number;
}

export interface SyncJob {
  id: string;
  tenantId: TenantId;
  kind: QueueKind;
  key: string;
  /** This is try number `attempt` (1 for the first). */
  attempt: number;
  /** No retry is left after this one. */
  last: boolean;
  createdOn: Date;
}

interface JobData {
  tenantId: TenantId;
  key: string;
}

type Queryable = Pick<PoolClient, 'query'> | Pool;

/** pg-boss runs its SQL through this: our pool, or a transaction's client so a job is queued with what caused it. */
function executorOf(queryable: Queryable): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      const result = await queryable.query(text, values);
      return { rows: result.rows };
    },
  };
}

/**
 * The sync's work, in pg-boss (a maintained PostgreSQL job queue): one job per record to write to HubSpot, with the
 * record's key as the job's singleton key under pg-boss's "stately" policy, so a record is queued at most once
 * however often it changes before it is written, and taken by one worker at a time across every process. Jobs are
 * queued inside the caller's transaction (the transactional outbox), and completed or failed inside the transaction
 * that records what HubSpot now holds: a process killed between HubSpot's answer and its commit leaves the job
 * taken until it expires, and pg-boss gives it again (the writes are upserts, so repeating one is safe).
 */
export class SyncQueue {
  private readonly boss: PgBoss;
  private started = false;

  constructor(
    private readonly pool: Pool,
    private readonly tuning: QueueTuning = {},
  ) {
    this.boss = new PgBoss({
      db: executorOf(pool),
      schema: JOB_QUEUE_SCHEMA,
      // Maintenance (expiring jobs of dead processes, archiving) runs only in processes that start() the queue.
      supervise: true,
      schedule: false,
      migrate: false,
      maintenanceIntervalSeconds: 30,
    });
    // A maintenance error (the database restarting) is reported by pg-boss as an event; it must not crash the process.
    this.boss.on('error', () => undefined);
  }

  /**
   * Creates or upgrades pg-boss's schema and our queues. Idempotent; pg-boss takes its own advisory lock, so N
   * processes may run it at once.
   */
  static async install(pool: Pool, tuning: QueueTuning = {}): Promise<void> {
    const boss = new PgBoss({ db: executorOf(pool), schema: JOB_QUEUE_SCHEMA, supervise: false, schedule: false, migrate: true });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      for (const name of Object.values(SYNC_QUEUE_NAMES)) {
        const options = {
          policy: 'stately' as const,
          retryLimit: DEAD_LETTER_ATTEMPTS - 1,
          retryDelay: tuning.retryDelaySeconds ?? 30,
          retryBackoff: true,
          expireInSeconds: tuning.expireInSeconds ?? 120,
          retentionMinutes: 7 * 24 * 60,
        };
        // An existing queue keeps its settings unless new ones are given (a test's shorter delays survive a restart).
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...options });
        else if (Object.keys(tuning).length > 0) await boss.updateQueue(name, { name, ...options });
      }
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  }

  /** Runs pg-boss's maintenance in this process (expiring jobs left taken by a dead process). */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: false, wait: true });
  }

  /** Expires jobs taken longer than their expiry now, instead of at the next maintenance (tests, the CLI). */
  async maintain(): Promise<void> {
    await this.boss.maintain();
  }

  /** Queues records in the caller's transaction; a record already waiting is not queued twice. */
  async enqueue(client: Queryable, tenantId: TenantId, kind: QueueKind, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const name = SYNC_QUEUE_NAMES[kind];
    const jobs = [...new Set(keys)].map((key) => ({
      name,
      data: { tenantId, key } satisfies JobData,
      singletonKey: `${tenantId}:${key}`,
    }));
    await this.boss.insert(jobs, { db: executorOf(client) });
  }

  /** Takes up to `limit` due jobs of one kind; each is now this worker's until completed, failed or expired. */
  async fetch(kind: QueueKind, limit: number): Promise<SyncJob[]> {
    const jobs = await this.boss.fetch<JobData>(SYNC_QUEUE_NAMES[kind], { batchSize: limit, includeMetadata: true });
    return jobs.map((job) => ({
      id: job.id,
      tenantId: job.data.tenantId,
      kind,
      key: job.data.key,
      attempt: job.retryCount + 1,
      last: job.retryCount >= job.retryLimit,
      createdOn: job.createdOn,
    }));
  }

  async complete(client: Queryable, kind: QueueKind, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.byIds('complete')(SYNC_QUEUE_NAMES[kind], [...ids], null, { db: executorOf(client) });
  }

  /** Gives jobs back to be retried after a growing delay, or failed for good after their last try. */
  async fail(client: Queryable, kind: QueueKind, ids: readonly string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await this.byIds('fail')(SYNC_QUEUE_NAMES[kind], [...ids], { message: reason }, { db: executorOf(client) });
  }

  /**
   * pg-boss's complete and fail take (name, id or ids, data, options) at run time, but its types offer the options
   * in third place when ids are an array, where they would be taken for data and the transaction ignored.
   */
  private byIds(method: 'complete' | 'fail') {
    const call = this.boss[method] as unknown as (name: string, ids: string[], data: object | null, options: PgBoss.ConnectionOptions) => Promise<unknown>;
    return call.bind(this.boss);
  }

  /**
   * Waiting and taken jobs of a tenant, and the age of the oldest waiting one. Read from pg-boss's job table (its
   * API counts per queue, not per tenant).
   */
  async backlog(queryable: Queryable, tenantId: TenantId): Promise<Record<QueueKind, { due: number; retrying: number; active: number; lagSeconds: number }>> {
    const { rows } = await queryable.query<{ name: string; due: number; retrying: number; active: number; lag: number | null }>(
      `SELECT name,
              count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now())::int AS due,
              count(*) FILTER (WHERE state = 'retry' AND start_after > now())::int AS retrying,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              extract(epoch FROM now() - min(created_on) FILTER (WHERE state IN ('created', 'retry', 'active')))::float AS lag
       FROM ${JOB_QUEUE_SCHEMA}.job
       WHERE name = ANY($1::text[]) AND state IN ('created', 'retry', 'active') AND (data->>'tenantId')::bigint = $2
       GROUP BY name`,
      [Object.values(SYNC_QUEUE_NAMES), tenantId],
    );
    const of = (kind: QueueKind) => {
      const row = rows.find((r) => r.name === SYNC_QUEUE_NAMES[kind]);
      return { due: row?.due ?? 0, retrying: row?.retrying ?? 0, active: row?.active ?? 0, lagSeconds: Math.round(row?.lag ?? 0) };
    };
    return { referral: of('referral'), admission: of('admission'), task: of('task'), scorecard: of('scorecard') };
  }
}
