import { getAccountDetails } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { HubSpotClientStore } from '../../src/store/hubspotClients';
import { migrate } from '../../src/store/migrate';
import { TenantRepository } from '../../src/store/tenants';
import { shareHubSpotBudget, type BudgetShare } from '../../src/sync/budgetShare';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;

beforeAll(async () => {
  // A portal allowing 40 requests per 10 s, with a window nobody has spent from yet.
  harness = await startTestSandbox('budget_share', { requestsPer10s: 40 });
  await migrate(harness.db.pool);
});
afterAll(async () => {
  await harness.close();
});

describe("processes writing to one portal share its HubSpot budget", () => {
  it('two processes that announce themselves in the database take half the budget each and meet no 429', async () => {
    const { pool } = harness.db;
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
