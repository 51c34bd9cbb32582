import crypto from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/store/migrate';
import { createPool, ensureDatabase, type Pool } from '../../src/store/postgres';

export interface TestDatabase {
  url: string;
  pool: Pool;
  name: string;
}

function adminUrl(): string {
  const url = process.env.REFERRALYNX_TEST_ADMIN_URL;
  if (!url) throw new Error('REFERRALYNX_TEST_ADMIN_URL is not set: run the tests through jest (globalSetup).');
  return url;
}

/**
 * A fresh database for one test file, migrated. Dropped after the file's tests unless one of them failed, in which
 * case it is left in place (its name is printed) so the data can be inspected.
 */
export async function createTestDatabase(label: string, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `rx_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${crypto.randomBytes(3).toString('hex')}`;
  await ensureDatabase(adminUrl(), name);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 5);
  if (options.migrate ?? true) await migrate(pool);
  return { url: url.toString(), pool, name };
}

export async function dropTestDatabase(db: TestDatabase): Promise<void> {
  await db.pool.end();
  if ((globalThis as { __REFERRALYNX_TEST_FAILED__?: boolean }).__REFERRALYNX_TEST_FAILED__) {
    console.warn(`A test failed: database ${db.name} is left in place for inspection.`);
    return;
  }
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
