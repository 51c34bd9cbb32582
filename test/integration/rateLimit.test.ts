import { getAccountDetails } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { busiestWindow } from '../support/clock';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;

beforeAll(async () => {
  harness = await startTestSandbox('rate_limit', { requestsPer10s: 190 });
});
afterAll(async () => {
  await harness.close();
});

describe('staying inside HubSpot rate limits', () => {
  it('a burst of 1,000 calls at 190 per 10 s: all answered, no 429, never more than 190 in any rolling 10 s', async () => {
    const hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN, requestsPer10s: 190 });
    harness.sandbox.resetStats();
    const answers = await Promise.all(Array.from({ length: 1000 }, () => getAccountDetails(hubspot)));
    expect(answers).toHaveLength(1000);
    expect(answers.every((a) => a.portalId === harness.sandbox.portalId)).toBe(true);

    const stats = harness.sandbox.stats();
    expect(stats.requests).toBe(1000);
    expect(stats.rateLimited).toBe(0);
    // Measured where HubSpot measures: arrival times at the server.
    expect(busiestWindow(stats.log.map((entry) => entry.at), 10_000)).toBeLessThanOrEqual(190);
    expect(hubspot.stats().rateLimited).toEqual({});
  }, 120_000);
});
