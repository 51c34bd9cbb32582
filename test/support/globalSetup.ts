import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/store/embeddedPostgres';
import { freePort } from './net';

/**
 * Integration tests need a real PostgreSQL: DATABASE_URL when given (its server hosts one database per test file),
 * otherwise an embedded server started here for the whole run.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.REFERRALYNX_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startEmbeddedPostgres({
    dataDir: path.join(os.tmpdir(), `referralynx-test-${process.pid}`),
    port: await freePort(),
    persistent: false,
  });
  process.env.REFERRALYNX_TEST_ADMIN_URL = server.adminUrl;
  (globalThis as { __referralynxTestPostgres__?: { stop(): Promise<void> } }).__referralynxTestPostgres__ = server;
}
