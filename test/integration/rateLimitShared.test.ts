import { getAccountDetails } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;

beforeAll(async () => {
  // A Starter portal (or a budget shared with another app): the portal allows fewer requests than configured.
  harness = await startTestSandbox('rate_limit_shared', { requestsPer10s: 40 });
});
afterAll(async () => {
  await harness.close();
});

describe('a portal with a smaller budget than configured', () => {
  it('learns the real budget from the rate headers and does not run into it', async () => {
    const hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN, requestsPer10s: 190 });
    harness.sandbox.resetStats();
    // One call alone first: its X-HubSpot-RateLimit-Max tells the client the portal's real budget.
    await getAccountDetails(hubspot);
    const answers = await Promise.all(Array.from({ length: 59 }, () => getAccountDetails(hubspot)));
    expect(answers).toHaveLength(59);
    expect(harness.sandbox.stats()).toMatchObject({ requests: 60, rateLimited: 0 });
  }, 60_000);

  it('two processes sharing the budget meet 429s, wait them out, and every call is answered', async () => {
    const processes = [1, 2].map(() => new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN, requestsPer10s: 40 }));
    harness.sandbox.resetStats();
    const answers = await Promise.all(
      processes.flatMap((hubspot) => Array.from({ length: 45 }, () => getAccountDetails(hubspot))),
    );
    expect(answers).toHaveLength(90);
    const stats = harness.sandbox.stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    // Each 429 was retried until answered: 90 answered calls plus one request per 429.
    expect(stats.requests - stats.rateLimited).toBe(90);
    const seen = processes.map((hubspot) => hubspot.stats().rateLimited.TEN_SECONDLY_ROLLING ?? 0);
    expect(seen[0]! + seen[1]!).toBe(stats.rateLimited);
  }, 90_000);
});
