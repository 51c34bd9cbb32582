import {
  associateWithLabel,
  batchCreate,
  batchUpsert,
  findByPropertyValues,
  type UpsertInput,
} from '../../src/hubspot/api';
import { HubSpot, type RetryPolicy } from '../../src/hubspot/client';
import { EHR_ID_PROPERTY } from '../../src/hubspot/dataModel';
import { HubSpotDailyLimitError } from '../../src/hubspot/errors';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import type { FaultRuleInput } from '../../server/sandbox';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;
let model: DataModel;
let companyIds: string[];

// Short waits so the storm passes in seconds: backoff 10 ms doubling to 40 ms, jitter fixed half-way, and a request
// unanswered for 1.5 s given up and sent again (the sandbox holds its timeouts for 2 s). The timeout stays well
// above what a batch of 100 takes on a busy machine: a normal answer given up on would shift every position below.
const TIMEOUT_MS = 1_500;
const HOLD_MS = 2_000;
const retry: Partial<RetryPolicy> = { baseDelayMs: 10, maxDelayMs: 40, timeoutMs: TIMEOUT_MS, random: () => 0.5 };
const faultyClient = () => new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN, retry });

beforeAll(async () => {
  // A 200 ms rolling window: a TEN_SECONDLY_ROLLING 429 says "Remaining: 0" for that window, and the client holds
  // its requests for one window (at most 1 s), so the test waits 200 ms per 429 instead of a second.
  harness = await startTestSandbox('faults', { windowMs: 200 });
  const setup = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(setup)).model;
  const companies = await batchCreate(
    setup,
    'companies',
    ['Mercy General', 'St. Luke Rehab', 'Oak Park SNF', 'Lakeside Assisted Living', 'Dr. Patel Family Practice'].map(
      (name) => ({ properties: { name } }),
    ),
  );
  companyIds = companies.map((c) => c.id);
});
afterEach(() => harness.sandbox.setFaults([]));
afterAll(async () => {
  await harness.close();
});

/** One result of POST /crm/v4/associations/{from}/{to}/batch/read. */
interface AssociationsOfRecord {
  from: { id: string };
  to: Array<{ toObjectId: number; associationTypes: Array<{ label: string | null }> }>;
}

/** Resolves once `done()` holds, checking every 20 ms; rejects after `withinMs`. */
async function until(done: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not done within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ehrId = (i: number) => `EHR-${String(i).padStart(4, '0')}`;
const referrals = (n: number): UpsertInput[] =>
  Array.from({ length: n }, (_, i) => ({
    id: ehrId(i),
    properties: { rlx_referral_name: `Referral 2026-11-27 · source ${i % 5} · Home health`, rlx_status: 'received' },
  }));

describe('a sync through a storm of faults', () => {
  it('writes 500 referrals and their 500 associations exactly once, and counts every fault it met', async () => {
    const referralType = model.referralObjectTypeId;
    const upserts = { pathPrefix: `/crm/v3/objects/${referralType}/batch/upsert` };
    const associations = { pathPrefix: `/crm/v4/associations/${referralType}/companies/batch/create` };
    // Positions count each stream's attempts (the sync sends them one after another, so the order is fixed).
    const plan: FaultRuleInput[] = [
      // Upserts, 5 batches. Attempt: 1-2 429 (burst), 3 ok | 4 written then reset, 5 ok | 6 502, 7 ok |
      // 8 written then held past the client's timeout and dropped, 9 503, 10 ok | 11 reset, 12 held then written
      // (after the client gave up on it), 13 ok. 13 attempts, 5 answered.
      { match: upserts, fault: { kind: '429', policyName: 'TEN_SECONDLY_ROLLING' }, when: { next: 2 } },
      { match: upserts, fault: { kind: 'reset', after: true }, when: { at: [4] } },
      { match: upserts, fault: { kind: '5xx', status: 502 }, when: { at: [6] } },
      { match: upserts, fault: { kind: 'timeout', holdMs: HOLD_MS, then: 'drop', after: true }, when: { at: [8] } },
      { match: upserts, fault: { kind: '5xx', status: 503 }, when: { at: [9] } },
      { match: upserts, fault: { kind: 'reset' }, when: { at: [11] } },
      { match: upserts, fault: { kind: 'timeout', holdMs: HOLD_MS, then: 'answer' }, when: { at: [12] } },
      // Associations, 5 calls. Attempt: 1 written then 503, 2 ok | 3-4 429, 5 ok | 6 written then reset, 7 ok |
      // 8 504, 9 ok | 10 held and dropped, 11 ok. 11 attempts, 5 answered.
      { match: associations, fault: { kind: '5xx', status: 503, after: true }, when: { at: [1] } },
      { match: associations, fault: { kind: '429', policyName: 'TEN_SECONDLY_ROLLING' }, when: { at: [3, 4] } },
      { match: associations, fault: { kind: 'reset', after: true }, when: { at: [6] } },
      { match: associations, fault: { kind: '5xx', status: 504 }, when: { at: [8] } },
      { match: associations, fault: { kind: 'timeout', holdMs: HOLD_MS }, when: { at: [10] } },
      // Searches, 5 (100 ids each). Attempt: 1-2 429 SECONDLY (1 s each), 3 ok | 4 ok | 5 500, 6 ok | 7 ok |
      // 8 reset, 9 ok. 9 attempts, 5 answered.
      { match: 'search', fault: { kind: '429', policyName: 'SECONDLY' }, when: { next: 2 } },
      { match: 'search', fault: { kind: '5xx', status: 500 }, when: { at: [5] } },
      { match: 'search', fault: { kind: 'reset' }, when: { at: [8] } },
    ];
    harness.sandbox.setFaults(plan);
    harness.sandbox.resetStats();
    const hubspot = faultyClient();

    const upserted = await batchUpsert(hubspot, referralType, EHR_ID_PROPERTY, referrals(500));
    expect(upserted.filter((o) => o.ok)).toHaveLength(500);
    const hubspotIds = upserted.map((o) => (o.ok ? o.object.id : ''));
    await associateWithLabel(
      hubspot,
      referralType,
      'companies',
      model.associationTypeIds.referral_to_company!,
      hubspotIds.map((fromId, i) => ({ fromId, toId: companyIds[i % 5]! })),
    );
    const found = await findByPropertyValues(hubspot, referralType, EHR_ID_PROPERTY, referrals(500).map((r) => r.id));
    expect(new Set(found.map((r) => r.properties[EHR_ID_PROPERTY])).size).toBe(500);

    // The client's error budget: 13 + 11 + 9 = 33 attempts, 15 answered, the other 18 retried, none given up.
    expect(hubspot.stats()).toEqual({
      calls: 33,
      writes: 24,
      succeeded: 15,
      retries: 18,
      rateLimited: { TEN_SECONDLY_ROLLING: 4, SECONDLY: 2 },
      serverErrors: 5,
      serverErrorsByStatus: { 500: 1, 502: 1, 503: 2, 504: 1 },
      networkErrors: 7,
      timeouts: 3,
      connectionResets: 4,
      otherNetworkErrors: 0,
      rejected: 0,
      gaveUp: 0,
    });
    // The same 18 faults, as the sandbox injected them. Writes that ran: upsert attempts 3, 4, 5, 7, 8, 10, 12, 13
    // and association attempts 1, 2, 5, 6, 7, 9, 11 (the "after" faults among them); no answer at all: 6. The
    // last of the 33 to end is a held one; it ended long before the searches did, but wait for it rather than assume.
    await until(() => harness.sandbox.stats().requests === 33, HOLD_MS);
    const served = harness.sandbox.stats();
    expect(served).toMatchObject({ requests: 33, writes: 15, rateLimited: 6 });
    expect(served.log.filter((entry) => entry.status === 0)).toHaveLength(6);
    expect(served.faults).toEqual({
      '429 TEN_SECONDLY_ROLLING': 4,
      '429 SECONDLY': 2,
      '500': 1,
      '502': 1,
      '503': 1,
      '503 after': 1,
      '504': 1,
      reset: 2,
      'reset after': 2,
      'timeout drop': 1,
      'timeout drop after': 1,
      'timeout answer': 1,
    });

    harness.sandbox.setFaults([]);
    const { rows } = await harness.db.pool.query<{ records: number; keys: number }>(
      `SELECT count(*) AS records, count(DISTINCT properties->>$2::text) AS keys
         FROM crm_sandbox.objects WHERE object_type_id = $1 AND NOT archived`,
      [referralType, EHR_ID_PROPERTY],
    );
    expect(rows[0]).toEqual({ records: 500, keys: 500 });

    // Each referral is associated once, to its own source, with the label.
    const linked = new Map<string, string[]>();
    for (let i = 0; i < 500; i += 100) {
      const page = await harness.call('POST', `/crm/v4/associations/${referralType}/companies/batch/read`, {
        inputs: hubspotIds.slice(i, i + 100).map((id) => ({ id })),
      });
      expect(page.status).toBe(200);
      for (const result of page.body.results as AssociationsOfRecord[]) {
        // One entry per association: a duplicate would show as the company twice.
        const labelled = result.to.flatMap((t) =>
          t.associationTypes.filter((a) => a.label === 'Referral source').map(() => String(t.toObjectId)),
        );
        linked.set(result.from.id, labelled);
      }
    }
    expect(hubspotIds.map((id) => linked.get(id))).toEqual(hubspotIds.map((_, i) => [companyIds[i % 5]]));
  }, 30_000);

  it('stops at once on a DAILY 429, with the error that says so, and retries nothing', async () => {
    harness.sandbox.setFaults([{ fault: { kind: '429', policyName: 'DAILY' }, when: { next: 1 } }]);
    harness.sandbox.resetStats();
    const hubspot = faultyClient();
    const failure = batchUpsert(hubspot, model.referralObjectTypeId, EHR_ID_PROPERTY, referrals(150));
    await expect(failure).rejects.toBeInstanceOf(HubSpotDailyLimitError);
    await expect(failure).rejects.toThrow("HubSpot's daily API limit for this portal is spent (429 DAILY)");
    expect(hubspot.stats()).toMatchObject({ calls: 1, succeeded: 0, retries: 0, rateLimited: { DAILY: 1 }, gaveUp: 0 });
    // The second batch was never sent.
    expect(harness.sandbox.stats()).toMatchObject({ requests: 1, rateLimited: 1, writes: 0, faults: { '429 DAILY': 1 } });
  });
});

describe('the fault plan over HTTP', () => {
  const faultsUrl = () => `${harness.sandbox.url}/__sandbox/faults`;
  const post = (body: unknown) =>
    fetch(faultsUrl(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('takes a plan, injects HubSpot-shaped answers, reports its counters, and clears on DELETE', async () => {
    const set = await post({
      rules: [
        { match: { pathPrefix: '/account-info/' }, fault: { kind: '5xx', status: 503 }, when: { next: 1 } },
        {
          match: { pathPrefix: '/account-info/' },
          fault: { kind: '429', policyName: 'TEN_SECONDLY_ROLLING', retryAfterSeconds: 2 },
          when: { at: [2] },
        },
      ],
    });
    expect(set.status).toBe(200);

    const unavailable = await harness.call('GET', '/account-info/v3/details');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({
      status: 'error',
      category: 'SERVICE_UNAVAILABLE',
      message: 'Service temporarily unavailable; pause a few seconds, then retry.',
      correlationId: unavailable.headers.get('x-hubspot-correlation-id'),
    });
    const limited = await harness.call('GET', '/account-info/v3/details');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect((await harness.call('GET', '/account-info/v3/details')).status).toBe(200);

    const described = (await (await fetch(faultsUrl())).json()) as { rules: Array<{ seen: number; fired: number }> };
    expect(described.rules.map((r) => [r.seen, r.fired])).toEqual([
      [3, 1],
      [3, 1],
    ]);

    expect((await fetch(faultsUrl(), { method: 'DELETE' })).status).toBe(204);
    expect((await (await fetch(faultsUrl())).json()) as unknown).toEqual({ rules: [] });
  });

  it('refuses a malformed plan with a HubSpot-style 400 and keeps the one it had', async () => {
    harness.sandbox.setFaults([{ fault: { kind: 'reset' }, when: { every: 1000 } }]);
    const refused = await post({ rules: [{ fault: { kind: '5xx', status: 501 }, when: { next: 1 } }] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const kept = (await (await fetch(faultsUrl())).json()) as { rules: Array<{ fault: { kind: string } }> };
    expect(kept.rules.map((r) => r.fault.kind)).toEqual(['reset']);
  });

  it('fails the same requests on every run of a seeded fraction', async () => {
    const run = async () => {
      harness.sandbox.setFaults([
        {
          match: { pathPrefix: '/account-info/' },
          fault: { kind: '5xx', status: 502 },
          when: { fraction: 0.3, seed: 20261127 },
        },
      ]);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await harness.call('GET', '/account-info/v3/details')).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failed = first.filter((s) => s === 502).length;
    // Some, not all: a fraction, drawn.
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(30);
    expect(first.every((s) => s === 200 || s === 502)).toBe(true);
  });
});
