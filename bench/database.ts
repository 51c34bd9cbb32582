import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/store/embeddedPostgres';
import { migrate } from '../src/store/migrate';
import { createPool, ensureDatabase, type Pool } from '../src/store/postgres';

/**
 * A fresh, migrated database for one benchmark run: a database of its own on BENCH_DATABASE_URL / DATABASE_URL's
 * server when set, otherwise on an embedded PostgreSQL started for the run.
 */
export async function benchDatabase(label: string, poolSize = 12): Promise<{ pool: Pool; url: string; stop(): Promise<void> }> {
  let embedded: EmbeddedServer | undefined;
  let url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  const name = `referralynx_bench_${label}_${process.pid}`;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'referralynx-bench-')),
      port: 20000 + (process.pid % 20000),
      persistent: false,
    });
    await ensureDatabase(embedded.adminUrl, name);
    url = embedded.urlFor(name);
  } else {
    const admin = new URL(url);
    await ensureDatabase(url, name);
    admin.pathname = `/${name}`;
    url = admin.toString();
  }
  const pool = createPool(url, poolSize);
  await migrate(pool);
  return {
    pool,
    url,
    stop: async () => {
      await pool.end();
      await embedded?.stop();
    },
  };
}
