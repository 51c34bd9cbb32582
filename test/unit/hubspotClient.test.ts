import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { z } from 'zod';
import { batchUpsert, getAccountDetails, type UpsertInput } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import {
  HubSpotAuthError,
  HubSpotDailyLimitError,
  HubSpotMissingScopesError,
  HubSpotUnavailableError,
} from '../../src/hubspot/errors';
import { virtualClock } from '../support/clock';

// Fault injection against HubSpot's documented answers; the happy paths run against the CRM sandbox elsewhere.
const BASE = 'https://hubspot.test';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(clock = virtualClock()) {
  return { clock, hubspot: new HubSpot({ baseUrl: BASE, accessToken: 'token', clock, retry: { random: () => 0.5 } }) };
}

const details = { portalId: 123, timeZone: 'US/Eastern', uiDomain: 'app.hubspot.com' };

/** Answers the queued responses in order, then repeats the last. */
function sequence(path: string, answers: Array<() => Response>) {
  let calls = 0;
  server.use(
    http.all(`${BASE}${path}`, () => {
      const answer = answers[Math.min(calls, answers.length - 1)];
      calls += 1;
      return answer?.();
    }),
  );
  return () => calls;
}

const rateLimited = (policyName: string, headers: Record<string, string> = {}) => () =>
  HttpResponse.json(
    { status: 'error', message: `You have reached your ${policyName.toLowerCase()} limit.`, errorType: 'RATE_LIMIT', correlationId: 'c', policyName },
    { status: 429, headers },
  );

describe('the HubSpot client', () => {
  it('waits as long as Retry-After says after a 429 TEN_SECONDLY_ROLLING, then succeeds', async () => {
    const calls = sequence('/account-info/v3/details', [
      rateLimited('TEN_SECONDLY_ROLLING', { 'Retry-After': '3' }),
      () => HttpResponse.json(details),
    ]);
    const { hubspot, clock } = client();
    const start = clock.now();
    await expect(getAccountDetails(hubspot)).resolves.toMatchObject({ portalId: 123 });
    expect(calls()).toBe(2);
    expect(clock.now() - start).toBeGreaterThanOrEqual(3_000);
    expect(hubspot.stats().rateLimited).toEqual({ TEN_SECONDLY_ROLLING: 1 });
  });

  it('retries 5xx answers and connection resets with growing waits', async () => {
    const calls = sequence('/account-info/v3/details', [
      () => HttpResponse.json({ status: 'error', message: 'internal', category: 'INTERNAL_ERROR' }, { status: 502 }),
      () => HttpResponse.error(),
      () => HttpResponse.json(details),
    ]);
    const { hubspot, clock } = client();
    await getAccountDetails(hubspot);
    expect(calls()).toBe(3);
    // base 500 ms doubling, jitter fixed at half-way: 0.75 x 500, then 0.75 x 1,000.
    expect(clock.slept).toEqual(expect.arrayContaining([375, 750]));
    expect(hubspot.stats()).toEqual({
      calls: 3,
      writes: 0,
      succeeded: 1,
      retries: 2,
      rateLimited: {},
      serverErrors: 1,
      serverErrorsByStatus: { 502: 1 },
      // A fetch that fails without a socket error code is neither a timeout nor a reset.
      networkErrors: 1,
      timeouts: 0,
      connectionResets: 0,
      otherNetworkErrors: 1,
      rejected: 0,
      gaveUp: 0,
    });
  });

  it('gives up after six attempts at a server that keeps failing, naming the call', async () => {
    const calls = sequence('/account-info/v3/details', [() => new HttpResponse('bad gateway', { status: 503 })]);
    const { hubspot } = client();
    const failure = getAccountDetails(hubspot);
    await expect(failure).rejects.toBeInstanceOf(HubSpotUnavailableError);
    await expect(failure).rejects.toThrow('GET /account-info/v3/details after 6 attempts: 503');
    expect(calls()).toBe(6);
    expect(hubspot.stats()).toMatchObject({ calls: 6, succeeded: 0, retries: 5, serverErrorsByStatus: { 503: 6 }, gaveUp: 1 });
  });

  it('stops at once on the DAILY limit: waiting seconds would not help', async () => {
    const calls = sequence('/account-info/v3/details', [rateLimited('DAILY')]);
    const { hubspot } = client();
    await expect(getAccountDetails(hubspot)).rejects.toBeInstanceOf(HubSpotDailyLimitError);
    expect(calls()).toBe(1);
    // A stop, not a give-up: no attempt was spent on retrying.
    expect(hubspot.stats()).toMatchObject({ calls: 1, retries: 0, rateLimited: { DAILY: 1 }, gaveUp: 0 });
  });

  it('turns a 401 into a message naming HUBSPOT_ACCESS_TOKEN, without retrying', async () => {
    const calls = sequence('/account-info/v3/details', [
      () =>
        HttpResponse.json(
          { status: 'error', message: 'Authentication credentials not found.', correlationId: 'c', category: 'INVALID_AUTHENTICATION' },
          { status: 401 },
        ),
    ]);
    const { hubspot } = client();
    const failure = getAccountDetails(hubspot);
    await expect(failure).rejects.toBeInstanceOf(HubSpotAuthError);
    await expect(failure).rejects.toThrow(/HUBSPOT_ACCESS_TOKEN/);
    expect(calls()).toBe(1);
    expect(hubspot.stats()).toMatchObject({ calls: 1, rejected: 1, retries: 0 });
  });

  it('names the missing scopes of a 403 MISSING_SCOPES', async () => {
    sequence('/account-info/v3/details', [
      () =>
        HttpResponse.json(
          {
            status: 'error',
            message: "This app hasn't been granted all required scopes to make this call.",
            correlationId: 'c',
            category: 'MISSING_SCOPES',
            errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.schemas.custom.write'] } }],
          },
          { status: 403 },
        ),
    ]);
    const { hubspot } = client();
    const failure = getAccountDetails(hubspot);
    await expect(failure).rejects.toBeInstanceOf(HubSpotMissingScopesError);
    await expect(failure).rejects.toThrow(/missing the scope crm\.schemas\.custom\.write/);
  });

  it('refuses an answer that does not have the documented shape', async () => {
    sequence('/account-info/v3/details', [() => HttpResponse.json({ portal: 'nope' })]);
    const { hubspot } = client();
    await expect(hubspot.request({ method: 'GET', path: '/account-info/v3/details' }, z.object({ portalId: z.number() }))).rejects.toThrow(
      /did not have the expected shape: portalId/,
    );
  });
});

describe('batch upsert', () => {
  const inputs = (n: number, prefix = 'R'): UpsertInput[] =>
    Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, properties: { rlx_status: 'received' } }));

  it('sends at most 100 inputs per call and no id twice in one call', async () => {
    const batches: string[][] = [];
    server.use(
      http.post(`${BASE}/crm/v3/objects/2-1/batch/upsert`, async ({ request }) => {
        const body = (await request.json()) as { inputs: Array<{ id: string; properties: Record<string, string> }> };
        batches.push(body.inputs.map((i) => i.id));
        return HttpResponse.json({
          status: 'COMPLETE',
          results: body.inputs.map((input, n) => ({ id: String(1000 + n), properties: { rlx_ehr_id: input.id, ...input.properties } })),
        });
      }),
    );
    const { hubspot } = client();
    const all = [...inputs(250), { id: 'R7', properties: { rlx_status: 'accepted' } }];
    const outcomes = await batchUpsert(hubspot, '2-1', 'rlx_ehr_id', all);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    for (const batch of batches) expect(new Set(batch).size).toBe(batch.length);
    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // The later write of R7 is the one sent.
    const r7 = outcomes.find((o) => o.input.id === 'R7');
    expect(r7?.ok && r7.object.properties.rlx_status).toBe('accepted');
  });

  it('reports each item of a 207 multi-status answer', async () => {
    server.use(
      http.post(`${BASE}/crm/v3/objects/2-1/batch/upsert`, () =>
        HttpResponse.json(
          {
            status: 'COMPLETE',
            results: [
              { id: '11', properties: { rlx_ehr_id: 'R0' } },
              { id: '13', properties: { rlx_ehr_id: 'R2' } },
            ],
            numErrors: 1,
            errors: [
              { status: 'error', category: 'VALIDATION_ERROR', message: 'Property values were not valid', context: { rlx_ehr_id: ['R1'] } },
            ],
          },
          { status: 207 },
        ),
      ),
    );
    const { hubspot } = client();
    const outcomes = await batchUpsert(hubspot, '2-1', 'rlx_ehr_id', inputs(3));
    expect(outcomes.map((o) => [o.input.id, o.ok])).toEqual([
      ['R0', true],
      ['R1', false],
      ['R2', true],
    ]);
    const failed = outcomes[1];
    expect(failed && !failed.ok && failed.error).toEqual({ category: 'VALIDATION_ERROR', message: 'Property values were not valid' });
  });
});
