import http from 'node:http';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { signHubSpotRequest } from '../src/hubspot/signature';

/**
 * The load of bench:metrics' card run, as HubSpot would send it: GET requests signed with the app secret over the
 * public URL (X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp), `concurrency` at a time over keep-alive
 * connections. It runs in a worker thread of its own, so the server's event loop only serves (the two still share
 * the machine's cores with PostgreSQL).
 */

export interface CardLoad {
  /** Where the app listens, e.g. http://127.0.0.1:40123. */
  base: string;
  /** The origin HubSpot calls, which it signs. */
  origin: string;
  secret: string;
  /** Path and query of each request, sent in order. */
  paths: readonly string[];
  timestampMs: number;
  concurrency: number;
}

export interface CardLoadResult {
  /** Each request's latency, sorted. */
  ms: number[];
  notOk: number;
  bytes: number;
  seconds: number;
}

async function drive(load: CardLoad): Promise<CardLoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.concurrency });
  const ms: number[] = [];
  let notOk = 0;
  let bytes = 0;
  let next = 0;
  const timestamp = String(load.timestampMs);
  const get = (pathAndQuery: string) =>
    new Promise<{ status: number; size: number }>((resolve, reject) => {
      const signature = signHubSpotRequest(load.secret, { method: 'GET', uri: `${load.origin}${pathAndQuery}`, rawBody: '', timestamp });
      const headers = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp };
      const request = http.get(`${load.base}${pathAndQuery}`, { agent, headers }, (response) => {
        let size = 0;
        response.on('data', (chunk: Buffer) => (size += chunk.length));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, size }));
        response.on('error', reject);
      });
      request.on('error', reject);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      while (next < load.paths.length) {
        const path = load.paths[next++] as string;
        const sent = performance.now();
        const { status, size } = await get(path);
        ms.push(performance.now() - sent);
        bytes += size;
        if (status !== 200) notOk += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { ms: ms.sort((a, b) => a - b), notOk, bytes, seconds };
}

/** Runs the load in a worker thread and gives back what it measured. */
export function runCardLoad(load: CardLoad): Promise<CardLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: load });
    worker.once('message', (result: CardLoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

if (parentPort && workerData) {
  const port = parentPort;
  void drive(workerData as CardLoad).then((result) => port.postMessage(result));
}
