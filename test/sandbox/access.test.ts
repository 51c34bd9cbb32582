import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type RunningSandbox } from '../../server/sandbox';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';
import { SANDBOX_TOKEN, answerOf, callWith, clientFor } from '../support/sandbox';

/**
 * Who may call and how often: authentication, scopes, HubSpot's rate limit policies and their headers; and what the
 * sandbox counts. Each test starts the sandbox it needs on one shared database (one portal each).
 */

let db: TestDatabase;
const running: RunningSandbox[] = [];
let nextPortal = 5001;

beforeAll(async () => {
  db = await createTestDatabase('sandbox_access', { migrate: false });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await dropTestDatabase(db);
});

async function sandboxWith(options: Omit<Parameters<typeof startSandbox>[0], 'pool'> = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ pool: db.pool, port: 0, portalId: nextPortal++, ...options });
  running.push(sandbox);
  return sandbox;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('authentication', () => {
  it('answers a wrong token and a missing one with HubSpot 401 INVALID_AUTHENTICATION body', async () => {
    const sandbox = await sandboxWith({ token: SANDBOX_TOKEN });
    const wrong = await callWith(clientFor(sandbox, 'pat-na1-somebody-else'), 'GET', '/crm/v3/objects/companies');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      status: 'error',
      message:
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      correlationId: expect.stringMatching(UUID),
      category: 'INVALID_AUTHENTICATION',
    });
    const anonymous = await answerOf(await fetch(`${sandbox.url}/crm/v3/objects/companies`));
    expect(anonymous.status).toBe(401);
    const right = await callWith(clientFor(sandbox), 'GET', '/crm/v3/objects/companies');
    expect(right.status).toBe(200);
  });

  it('accepts any bearer token when none is configured, but never a request without one', async () => {
    const sandbox = await sandboxWith();
    expect((await callWith(clientFor(sandbox, 'anything-at-all'), 'GET', '/crm/v3/owners')).status).toBe(200);
    expect((await fetch(`${sandbox.url}/crm/v3/owners`)).status).toBe(401);
  });

  it('describes a token with access-token-info: the portal and the granted scopes', async () => {
    const scopes = ['crm.objects.companies.read', 'crm.objects.owners.read'];
    const sandbox = await sandboxWith({ token: SANDBOX_TOKEN, scopes, portalId: 4242 });
    const info = await answerOf(
      await fetch(`${sandbox.url}/oauth/v2/private-apps/get/access-token-info`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ tokenKey: SANDBOX_TOKEN }),
      }),
    );
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ hubId: 4242, scopes });
    const unknown = await callWith(clientFor(sandbox), 'POST', '/oauth/v2/private-apps/get/access-token-info', {
      tokenKey: 'not-a-token',
    });
    expect(unknown.status).toBe(401);
    const details = await callWith(clientFor(sandbox), 'GET', '/account-info/v3/details');
    expect(details.body).toMatchObject({
      portalId: 4242,
      timeZone: 'US/Eastern',
      companyCurrency: 'USD',
      uiDomain: 'app.hubspot.com',
    });
  });
});

describe('scopes', () => {
  it('answers a call outside the granted scopes with 403 MISSING_SCOPES naming the scope needed', async () => {
    const sandbox = await sandboxWith({ scopes: ['crm.objects.companies.read'] });
    const client = clientFor(sandbox);
    expect((await callWith(client, 'GET', '/crm/v3/objects/companies')).status).toBe(200);
    const write = await callWith(client, 'POST', '/crm/v3/objects/companies', { properties: { name: 'Not allowed' } });
    expect(write.status).toBe(403);
    expect(write.body).toEqual({
      status: 'error',
      message:
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      correlationId: expect.stringMatching(UUID),
      category: 'MISSING_SCOPES',
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: ['crm.objects.companies.write'] },
        },
      ],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    });
    // Nothing was written.
    expect((await callWith(client, 'GET', '/crm/v3/objects/companies')).body.results).toEqual([]);

    const expectations: Array<[string, string, string]> = [
      ['GET', '/crm-object-schemas/v3/schemas', 'crm.schemas.custom.read'],
      ['GET', '/crm/v3/properties/contacts', 'crm.schemas.contacts.read'],
      // Tasks are documented under the contacts scopes.
      ['GET', '/crm/v3/objects/tasks', 'crm.objects.contacts.read'],
      ['GET', '/crm/v3/objects/2-101', 'crm.objects.custom.read'],
      ['GET', '/crm/v3/owners', 'crm.objects.owners.read'],
    ];
    for (const [method, path, scope] of expectations) {
      const answer = await callWith(client, method, path);
      expect([path, answer.status, answer.body.errors[0].context.requiredGranularScopes]).toEqual([path, 403, [scope]]);
    }
  });
});

describe('rate limits', () => {
  it('answers the call over the rolling window with 429 TEN_SECONDLY_ROLLING, counting the window down in headers', async () => {
    const sandbox = await sandboxWith({ requestsPer10s: 3, windowMs: 600 });
    const client = clientFor(sandbox);
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++)
      remaining.push((await callWith(client, 'GET', '/crm/v3/owners')).headers.get('x-hubspot-ratelimit-remaining'));
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await callWith(client, 'POST', '/crm/v3/objects/companies', {
      properties: { name: 'Over the limit' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.stringMatching(UUID),
      policyName: 'TEN_SECONDLY_ROLLING',
      requestId: expect.stringMatching(UUID),
    });
    expect(Object.fromEntries([...limited.headers].filter(([name]) => name.startsWith('x-hubspot-ratelimit')))).toEqual(
      {
        'x-hubspot-ratelimit-daily': '1000000',
        'x-hubspot-ratelimit-daily-remaining': '999997',
        'x-hubspot-ratelimit-interval-milliseconds': '600',
        'x-hubspot-ratelimit-max': '3',
        'x-hubspot-ratelimit-remaining': '0',
        // The deprecated per-second headers spread the window's limit over its seconds (at least one).
        'x-hubspot-ratelimit-secondly': '3',
        'x-hubspot-ratelimit-secondly-remaining': '0',
      },
    );
    // HubSpot documents no Retry-After for it.
    expect(limited.headers.get('retry-after')).toBeNull();

    await sleep(650);
    const after = await callWith(client, 'GET', '/crm/v3/objects/companies');
    expect(after.status).toBe(200);
    // The 429 wrote nothing.
    expect(after.body.results).toEqual([]);
    expect(sandbox.stats()).toMatchObject({ requests: 5, rateLimited: 1, writes: 0 });
  });

  it('limits search per second apart (SECONDLY), without rate limit headers on search answers', async () => {
    const sandbox = await sandboxWith({ searchRequestsPerSecond: 2, requestsPer10s: 100 });
    const client = clientFor(sandbox);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = await callWith(client, 'POST', '/crm/v3/objects/contacts/search', { limit: 1 });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.body).toMatchObject({
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'SECONDLY',
    });
    expect(last?.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    // Other endpoints are not held back by the search limit.
    expect((await callWith(client, 'GET', '/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('stops every call once the daily limit is spent (DAILY), and takes new limits at run time', async () => {
    const sandbox = await sandboxWith({ dailyLimit: 2 });
    const client = clientFor(sandbox);
    expect((await callWith(client, 'GET', '/crm/v3/owners')).headers.get('x-hubspot-ratelimit-daily-remaining')).toBe(
      '1',
    );
    expect((await callWith(client, 'GET', '/crm/v3/owners')).status).toBe(200);
    const spent = await callWith(client, 'POST', '/crm/v3/objects/contacts/search', {});
    expect(spent.status).toBe(429);
    expect(spent.body).toMatchObject({ message: 'You have reached your daily limit.', policyName: 'DAILY' });

    sandbox.setLimits({ dailyLimit: 10 });
    expect((await callWith(client, 'GET', '/crm/v3/owners')).status).toBe(200);
    const patched = await fetch(`${sandbox.url}/__sandbox/limits`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ dailyLimit: 3 }),
    });
    expect(await patched.json()).toMatchObject({ dailyLimit: 3, requestsPer10s: 190 });
    expect((await callWith(client, 'GET', '/crm/v3/owners')).status).toBe(429);
  });
});

describe('stats', () => {
  it('counts requests, writes and routes, leaving the admin routes out', async () => {
    const sandbox = await sandboxWith();
    const client = clientFor(sandbox);
    const started = Date.now();
    await callWith(client, 'POST', '/crm/v3/objects/companies', { properties: { name: 'Mercy General' } });
    await callWith(client, 'POST', '/crm/v3/objects/companies/batch/upsert', { inputs: [] });
    await callWith(client, 'POST', '/crm/v3/objects/companies/batch/read', { inputs: [{ id: '1001' }] });
    await callWith(client, 'POST', '/crm/v3/objects/companies/search', {});
    await callWith(client, 'POST', '/crm/v3/objects/companies', { properties: { nope: 'x' } });
    await callWith(clientFor(sandbox, ''), 'GET', '/crm/v3/owners');
    await fetch(`${sandbox.url}/__sandbox/stats`);

    const stats = sandbox.stats();
    expect(stats).toMatchObject({
      requests: 6,
      // The two creates (one refused for a bad property) and the upsert; not the read, the search or the 401.
      writes: 3,
      rateLimited: 0,
      byRoute: {
        'POST /crm/v3/objects/{objectType}': 2,
        'POST /crm/v3/objects/{objectType}/batch/upsert': 1,
        'POST /crm/v3/objects/{objectType}/batch/read': 1,
        'POST /crm/v3/objects/{objectType}/search': 1,
        'GET /crm/v3/owners': 1,
      },
    });
    expect(stats.log.map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', '/crm/v3/objects/companies', 201],
      ['POST', '/crm/v3/objects/companies/batch/upsert', 200],
      ['POST', '/crm/v3/objects/companies/batch/read', 200],
      ['POST', '/crm/v3/objects/companies/search', 200],
      ['POST', '/crm/v3/objects/companies', 400],
      ['GET', '/crm/v3/owners', 401],
    ]);
    expect(stats.log.every((e) => e.at >= started && e.at <= Date.now())).toBe(true);

    const viaHttp = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as { requests: number };
    expect(viaHttp.requests).toBe(6);
    expect((await fetch(`${sandbox.url}/__sandbox/reset-stats`, { method: 'POST' })).status).toBe(204);
    expect(sandbox.stats()).toEqual({ requests: 0, writes: 0, rateLimited: 0, faults: {}, byRoute: {}, log: [] });
  });
});

describe('owners', () => {
  it("pages through the portal's owners and finds one by id or email", async () => {
    const sandbox = await sandboxWith();
    const client = clientFor(sandbox);
    const first = await client.crm.owners.ownersApi.getPage(undefined, undefined, 2);
    expect(first.results.map((o) => [o.id, o.firstName, o.lastName, o.teams?.[0]?.name])).toEqual([
      ['71000101', 'Maria', 'Alvarez', 'Community Liaisons'],
      ['71000102', 'James', 'Okafor', 'Community Liaisons'],
    ]);
    const rest = await client.crm.owners.ownersApi.getPage(undefined, first.paging?.next?.after, 100);
    expect(rest.results.map((o) => o.id)).toEqual(['71000103', '71000104', '71000105']);
    expect(rest.paging).toBeUndefined();

    const director = await client.crm.owners.ownersApi.getById(71000105);
    expect(director).toMatchObject({
      email: 'robert.chen@sunrise-care.example',
      teams: [{ name: 'Sales Leadership' }],
    });
    const byEmail = await callWith(client, 'GET', '/crm/v3/owners?email=dana.whitfield@sunrise-care.example');
    expect(byEmail.body.results.map((o: { id: string }) => o.id)).toEqual(['71000104']);
    expect((await callWith(client, 'GET', '/crm/v3/owners/42')).status).toBe(404);
  });
});
