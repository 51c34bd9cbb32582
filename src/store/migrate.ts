import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from './postgres';

/** Any fixed number: every process that migrates takes this lock, so migrations run once even when N start together. */
const MIGRATION_LOCK_KEY = 727_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations live beside the sources as numbered plain SQL files (001_name.sql), applied in order. */
export function migrationsDirectory(): string {
  // The compiled module sits in dist/src/store, the source in src/store: look for the SQL from either.
  const candidates = [path.join(__dirname, 'migrations'), path.resolve(__dirname, '../../../src/store/migrations')];
  const found = candidates.find((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.sql')));
  if (!found) throw new Error(`SQL migrations not found (looked in ${candidates.join(', ')})`);
  return found;
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

/**
 * Applies the migrations not yet applied, each in its own transaction, under a PostgreSQL advisory lock.
 * Returns the names of the ones it applied.
 */
export async function migrate(pool: Pool, migrations = loadMigrations()): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
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
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
