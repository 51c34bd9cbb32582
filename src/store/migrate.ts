import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { packageRoot } from '../config/packageRoot';
import type { Pool } from './postgres';
import { SyncQueue } from './syncQueue';

/** Any fixed number: every process that migrates takes this lock, so migrations run once even when N start together. */
const MIGRATION_LOCK_KEY = 727_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations live beside the sources as numbered plain SQL files (001_name.sql), applied in order. */
export function migrationsDirectory(): string {
  // The SQL stays in the source tree; the build (dist/) does not copy it.
  return path.join(packageRoot(), 'src', 'store', 'migrations');
}

export function loadMigrations(dir = migrationsDirectory()): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: fs.readFileSync(path.join(dir, file), 'utf8'),
    }));
}

export interface MigrateOptions {
  /**
   * A PostgreSQL schema of its own for a separate set of migrations (the CRM sandbox): created when missing, and
   * its applied versions kept in `<schema>.schema_migrations`. By default the search path's `schema_migrations`.
   */
  schema?: string;
  /** The advisory lock key; a separate set of migrations takes its own so the two never wait on each other. */
  lockKey?: number;
}

/**
 * Applies the migrations not yet applied, each in its own transaction, under a PostgreSQL advisory lock.
 * Returns the names of the ones it applied.
 */
export async function migrate(pool: Pool, migrations = loadMigrations(), options: MigrateOptions = {}): Promise<string[]> {
  const lockKey = options.lockKey ?? MIGRATION_LOCK_KEY;
  const table = options.schema ? `${pg.escapeIdentifier(options.schema)}.schema_migrations` : 'schema_migrations';
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    // Under the lock: two processes creating the same schema at once would otherwise collide.
    if (options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(options.schema)}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${table} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((r) => r.version),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        const cause = error instanceof Error ? error.message : String(error);
        throw new Error(`Migration ${migration.version} (${migration.name}) failed: ${cause}`);
      }
      applied.push(`${String(migration.version).padStart(3, '0')}_${migration.name}`);
    }
    // The job queue's schema belongs to pg-boss, which creates and upgrades it; still under our lock, so the queues
    // are created once when N processes start together.
    if (!options.schema) await SyncQueue.install(pool);
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    client.release();
  }
}
