/**
 * npm run bench:commissions: what the server's commission run costs on this machine (src/sync/commissions.ts), on a
 * synthetic agency fed through the real HL7 v2 pipeline into DATABASE_URL or an embedded PostgreSQL.
 *
 *   1. the first run: every referral's outcome and line computed and saved;
 *   2. a run after one more referral arrives (what the minute check does while a feed is live);
 *   3. the minute check when nothing changed (it reads one watermark and stops).
 *
 * Every referral is credited to its liaison (the EHR marketer, as the attribution would decide it), so the engine
 * does the work of a real portal: tiers, payer weights, clawbacks. Options: --referrals N (default 50,000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoAgency } from '../src/demo/agency';
import { demoCommissionPlan, demoPayeeRoster } from '../src/demo/commissions';
import { agencyHl7Feed } from '../src/demo/emit';
import { Ingestor } from '../src/ehr/ingest';
import { EhrStore } from '../src/store/ehrStore';
import { SyncQueue } from '../src/store/syncQueue';
import { TenantRepository } from '../src/store/tenants';
import { recomputeCommissions, recomputeCommissionsIfChanged, savePlan, saveRoster } from '../src/sync/commissions';
import { benchDatabase } from './database';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const referrals = Number(args.get('referrals') ?? 50_000);
const PORTAL = 515151;
const MONTHS = 24;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

async function main(): Promise<void> {
  console.log(`Referralynx commissions benchmark: ${os.cpus().length} cores, Node.js ${process.version}; about ${referrals.toLocaleString('en-US')} referrals over ${MONTHS} months`);
  const db = await benchDatabase('commissions');
  try {
    const { pool } = db;
    const tenants = new TenantRepository(pool);
    await tenants.ensure(PORTAL);
    // The demo's liaisons MKT-101..104 to the sandbox's owners, as `npm start` maps them.
    const tenant = { ...(await tenants.find(PORTAL))!, settings: await tenants.updateSettings(PORTAL, { marketerOwners: { 'MKT-101': '71000101', 'MKT-102': '71000102', 'MKT-103': '71000103', 'MKT-104': '71000105' } }) };

    const agency = generateDemoAgency({ until: '2026-11-27', months: MONTHS, referralsPerMonth: Math.ceil(referrals / MONTHS) });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'referralynx-bench-commissions-')), 'feed.hl7');
    fs.writeFileSync(file, agencyHl7Feed(agency).map((m) => m.text).join('\r\n'));
    const ingestor = await Ingestor.forTenant(new EhrStore(pool), tenant);
    const load = await timed(() => ingestor.hl7File(file));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    const counts = await new EhrStore(pool).counts(PORTAL);
    console.log(`Fed ${counts.referrals.toLocaleString('en-US')} referrals and ${counts.admissions.toLocaleString('en-US')} admissions through HL7 v2 in ${seconds(load.ms)}`);

    // What the attribution decides for each referral: its EHR marketer's owner (bench/metrics.ts writes decisions the same way).
    await pool.query(
      `INSERT INTO attribution_decisions (tenant_id, referral_key, company_ref, company_reason, contact_reason, owner_id, owner_method, owner_reason)
       SELECT r.tenant_id, r.referral_key, 'bench', 'bench', 'bench',
              (jsonb_build_object('MKT-101', '71000101', 'MKT-102', '71000102', 'MKT-103', '71000103', 'MKT-104', '71000105'))->>(r.state->'facts'->>'marketerId'),
              'marketer', 'bench'
       FROM referrals r WHERE r.tenant_id = $1`,
      [PORTAL],
    );
    await saveRoster(pool, tenant, demoPayeeRoster);
    await savePlan(pool, tenant, demoCommissionPlan);
    const queue = new SyncQueue(pool);
    {
      const now = new Date('2026-11-27T17:00:00Z');
      const first = await timed(() => recomputeCommissions(pool, queue, tenant, now));
      const by = first.value?.byStatus;
      console.log(`\n1. First run: ${seconds(first.ms)} for ${first.value?.referrals.toLocaleString('en-US')} referrals (${by?.earned} earned, ${by?.clawed_back} clawed back, ${by?.ineligible} ineligible, ${by?.not_yet_eligible} not yet eligible), ${first.value?.openLines.toLocaleString('en-US')} open lines, ${first.value?.queued.toLocaleString('en-US')} admissions queued for HubSpot`);

      const runs: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        await ingestor.message('json', JSON.stringify({ messageId: `bench-${i}`, events: [{ kind: 'referral.received', occurredAt: '2026-11-27T15:00:00Z', patient: { id: `bench-p${i}` }, referralKey: `BENCH-${i}`, facts: { receivedAt: '2026-11-27T15:00:00Z', businessLine: 'home_health', referringOrganization: { name: 'Mercy General' } } }] }), 'bench');
        // 15 minutes apart: beyond the spacing after a run (COMMISSION_RUN_SPACING times its length), the same local day.
        const run = await timed(() => recomputeCommissionsIfChanged(pool, queue, tenant, new Date(now.getTime() + (i + 1) * 15 * 60_000)));
        if (!run.value) throw new Error('the minute check did not run after a new referral');
        runs.push(run.ms);
      }
      runs.sort((a, b) => a - b);
      console.log(`2. After one new referral (the check's run once a change waits), 5 runs: median ${seconds(runs[2] ?? 0)}, max ${seconds(runs[4] ?? 0)}`);

      const idle = await timed(() => recomputeCommissionsIfChanged(pool, queue, tenant, new Date(now.getTime() + 100 * 60_000)));
      console.log(`3. The minute check with nothing changed: ${idle.ms.toFixed(1)} ms (${idle.value === undefined ? 'nothing computed' : 'computed!'})`);
    }
  } finally {
    await db.stop();
  }
}

void main();
