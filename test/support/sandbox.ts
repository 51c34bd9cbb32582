import { Client } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../server/sandbox';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from './db';

export const SANDBOX_TOKEN = 'pat-na1-sandbox-test-token';

/**
 * Tests read the sandbox's JSON answers freely and pin their shape with expect(); typing every answer would only
 * restate the assertions. The one `any` of the suite.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnswerBody = any;

export interface HubSpotAnswer<T = AnswerBody> {
  status: number;
  body: T;
  headers: Headers;
}

export interface SandboxHarness {
  db: TestDatabase;
  sandbox: RunningSandbox;
  /** The real @hubspot/api-client, pointed at the sandbox. */
  client: Client;
  /** One HTTP call through client.apiRequest, its JSON body parsed (undefined when there is none). */
  call<T = AnswerBody>(method: string, path: string, body?: unknown): Promise<HubSpotAnswer<T>>;
  close(): Promise<void>;
}

export async function answerOf<T>(response: {
  status: number;
  headers: Headers;
  text(): Promise<string>;
}): Promise<HubSpotAnswer<T>> {
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
    headers: response.headers,
  };
}

export function clientFor(sandbox: RunningSandbox, accessToken = SANDBOX_TOKEN): Client {
  return new Client({ accessToken, basePath: sandbox.url });
}

export async function callWith<T = AnswerBody>(
  client: Client,
  method: string,
  path: string,
  body?: unknown,
): Promise<HubSpotAnswer<T>> {
  const response = await client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
  return answerOf<T>(response as unknown as Response);
}

/** A sandbox on a fresh database of its own, and a HubSpot client for it. */
export async function startTestSandbox(label: string, options: Partial<SandboxOptions> = {}): Promise<SandboxHarness> {
  const db = await createTestDatabase(label, { migrate: false });
  const sandbox = await startSandbox({ pool: db.pool, port: 0, token: SANDBOX_TOKEN, ...options });
  const client = clientFor(sandbox);
  return {
    db,
    sandbox,
    client,
    call: (method, path, body) => callWith(client, method, path, body),
    close: async () => {
      await sandbox.close();
      await dropTestDatabase(db);
    },
  };
}
