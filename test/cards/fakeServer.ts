import { createApi, type Api, type FetchAnswer, type Fetcher, type HttpMethod } from '@referralynx/hubspot-shared';

/** The server origin the cards are given in these tests (the project's is in hubspot-app/shared/server.json). */
export const BASE = 'https://referralynx.test';

export interface Sent {
  method: HttpMethod;
  path: string;
  body: Record<string, unknown> | undefined;
}

type Reply = { status: number; body: unknown } | 'network_error' | 'never';

/**
 * A hand-rolled stand-in for hubspot.fetch, which @hubspot/ui-extensions/testing does not mock: answers by
 * "METHOD /path", records every request, and lets a test change an answer between two renders.
 */
export function fakeServer(routes: Record<string, Reply | Reply[]>) {
  const sent: Sent[] = [];
  const queues = new Map(Object.entries(routes).map(([route, reply]) => [route, Array.isArray(reply) ? [...reply] : [reply]]));
  const fetcher: Fetcher = async (url, init) => {
    const path = url.startsWith(BASE) ? url.slice(BASE.length) : url;
    sent.push({ method: init.method, path, body: init.body });
    const queue = queues.get(`${init.method} ${path}`);
    // The last answer of a route keeps being given.
    const reply = queue && (queue.length > 1 ? queue.shift() : queue[0]);
    if (!reply) return answer(404, { error: { code: 'not_found', message: `No route ${init.method} ${path} in this test.` } });
    if (reply === 'network_error') throw new Error('connect ECONNREFUSED');
    if (reply === 'never') return new Promise<FetchAnswer>(() => undefined);
    return answer(reply.status, reply.body);
  };
  const api: Api = createApi(fetcher, BASE);
  return { api, sent, reply: (route: string, replies: Reply[]) => queues.set(route, replies) };
}

const answer = (status: number, body: unknown): FetchAnswer => ({ ok: status >= 200 && status < 300, status, json: async () => JSON.parse(JSON.stringify(body)) as unknown });

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const failed = (status: number, code: string, message: string, errors?: Array<{ path: string; message: string }>): Reply => ({
  status,
  body: { error: { code, message, ...(errors ? { errors } : {}) } },
});
