import { getAccountDetails } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { migrate } from '../../src/store/migrate';
import { HubSpotClientStore } from '../../src/store/hubspotClients';
import { TenantRepository } from '../../src/store/tenants';
import { shareHubSpotBudget, type BudgetShare } from '../../src/sync/budgetShare';
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

  it('two processes that announce themselves in the database take half the budget each and meet no 429', async () => {
    const { pool } = harness.db;
    await migrate(pool);
    const tenantId = (await new TenantRepository(pool).ensure(harness.sandbox.portalId)).tenantId;
    const processes = [1, 2].map(() => new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN, requestsPer10s: 40 }));
    const shares: BudgetShare[] = [];
    for (const hubspot of processes) shares.push(await shareHubSpotBudget({ pool, tenantId, hubspot, role: 'test', everyMs: 100 }));
    // The first announced itself alone; at its next announcement it counts the second too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(shares.map((share) => share.parts())).toEqual([2, 2]);
    expect(processes.map((hubspot) => hubspot.requestsPer10s())).toEqual([20, 20]);

    harness.sandbox.resetStats();
    // 30 calls each: 20 each in the first window, the other 10 each once it has passed; 40 at most at the sandbox.
    const answers = await Promise.all(processes.flatMap((hubspot) => Array.from({ length: 30 }, () => getAccountDetails(hubspot))));
    expect(answers).toHaveLength(60);
    expect(harness.sandbox.stats()).toMatchObject({ requests: 60, rateLimited: 0 });

    // One stops: it withdraws, and the other takes the whole budget at its next announcement.
    await shares[0]!.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(shares[1]!.parts()).toBe(1);
    expect(processes[1]!.requestsPer10s()).toBe(40);

    // One is killed: it never withdraws, and stops being counted once its last announcement is older than the live window.
    await new HubSpotClientStore(pool).announce(tenantId, '00000000-0000-4000-8000-000000000009', 'killed', 1);
    const survivor = await shareHubSpotBudget({ pool, tenantId, hubspot: processes[0]!, role: 'test', everyMs: 100, liveSeconds: 1 });
    expect(survivor.parts()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(survivor.parts()).toBe(2);
    await survivor.close();
    await shares[1]!.close();
  }, 60_000);
});
