import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// int8 (bigint) columns hold HubSpot portal ids and counts that fit in a JavaScript number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'referralynx' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Creates the database named in `url` when it does not exist, connecting through `adminUrl`. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}

/** Runs `work` in one transaction: all of it is committed, or none of it. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A readable description of why the database could not be reached, without the password. */
export function describeConnectionError(connectionString: string, error: unknown): string {
  let where = 'the database';
  try {
    const url = new URL(connectionString);
    where = `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    // keep the generic wording
  }
  const cause = error instanceof Error ? error.message : String(error);
  return `Cannot reach PostgreSQL at ${where}: ${cause}. Check DATABASE_URL (or unset it to use the embedded server).`;
}
