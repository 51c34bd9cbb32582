/**
 * npm run bench:metrics: the scorecard metrics (src/store/scorecardStore.ts, src/sync/scorecards.ts) on a large
 * agency: --referrals (default 1,000,000) referral facts over --sources (default 5,000) companies, spread over the
 * last two years, in the agency's time zone.
 *
 *   1. full recompute: every company's counts in one pass, turned into scorecards and saved (the nightly job)
 *   2. incremental: one company's scorecard computed again (what a scorecard job does after its referrals change)
 *
 * Prints seconds; the targets are a full recompute within 10 s on this machine. The card endpoint's latency comes
 * with the card API (issue #6, part 5).
 */
import os from 'node:os';
import { TenantRepository } from '../src/store/tenants';
import { ScorecardStore } from '../src/store/scorecardStore';
import { toScorecard } from '../src/domain/scorecard';
import { inTransaction } from '../src/store/postgres';
import { benchDatabase } from './database';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const referrals = Number(args.get('referrals') ?? 1_000_000);
const sources = Number(args.get('sources') ?? 5_000);
const TIME_ZONE = 'America/New_York';
const TODAY = '2026-11-27';
const PORTAL = 424242;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  console.log(`Referralynx metrics benchmark: ${os.cpus().length} cores, Node.js ${process.version}; ${referrals.toLocaleString('en-US')} referrals over ${sources.toLocaleString('en-US')} sources`);
  const db = await benchDatabase('metrics', 4);
  try {
    const { pool } = db;
    await new TenantRepository(pool).ensure(PORTAL);
    const loadStarted = performance.now();
    // Deterministic synthetic facts: sources skewed (a few hospitals send most), two years of referrals, the agency's
    // outcome mix (about 70% admitted, 20% non-admitted, 5% cancelled, the rest pending), hours to SOC 4-100.
    await pool.query(
      `INSERT INTO referral_facts (tenant_id, referral_key, company_id, contact_id, received_at, status, business_line, payer_category,
         non_admit_reason, hours_to_soc, timely_initiation)
       SELECT $1, 'R' || i, 'C' || (1 + floor(power(((i * 7919) % 10007) / 10007.0, 2) * $3))::int, 'K' || (i % ($3 * 3)),
              $4::timestamptz - make_interval(mins => ((i * 104729) % (730 * 1440))::int),
              CASE WHEN i % 20 < 14 THEN 'admitted' WHEN i % 20 < 18 THEN 'non_admitted' WHEN i % 20 = 18 THEN 'cancelled' ELSE 'received' END,
              (ARRAY['home_health', 'home_health', 'home_health', 'hospice', 'palliative'])[1 + i % 5],
              (ARRAY['medicare_ffs', 'medicare_ffs', 'medicare_advantage', 'medicaid_managed', 'commercial'])[1 + i % 5],
              CASE WHEN i % 20 BETWEEN 14 AND 17 THEN (ARRAY['insurance_not_accepted', 'outside_service_area', 'patient_declined', 'staffing_unavailable'])[1 + i % 4] END,
              CASE WHEN i % 20 < 14 THEN 4 + (i % 97) END,
              CASE WHEN i % 20 < 14 THEN (ARRAY['timely', 'timely', 'timely', 'not_timely', 'missing'])[1 + i % 5] END
       FROM generate_series(1::bigint, $2::bigint) AS i`,
      [PORTAL, referrals, sources, `${TODAY}T17:00:00Z`],
    );
    await pool.query('ANALYZE referral_facts');
    console.log(`Loaded ${referrals.toLocaleString('en-US')} referral facts in ${seconds(performance.now() - loadStarted)}`);

    const store = new ScorecardStore();
    const settings = (await new TenantRepository(pool).find(PORTAL))!.settings.scorecard;
    const runs: number[] = [];
    let companies = 0;
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      // As recomputeScorecards runs it: in one transaction.
      companies = await inTransaction(pool, async (client) => {
        const counts = await store.counts(client, PORTAL, 'companies', TIME_ZONE, TODAY);
        const scorecards = [...counts].map(([hubspotId, c]) => ({ hubspotId, metrics: toScorecard(c, settings, TODAY) }));
        await store.saveScorecards(client, PORTAL, 'companies', scorecards);
        return scorecards.length;
      });
      runs.push(performance.now() - started);
    }
    runs.sort((a, b) => a - b);
    console.log(`\n1. Full recompute (counts for every company, scorecards built and saved), 3 runs: ${runs.map(seconds).join(', ')}`);
    console.log(`   ${companies.toLocaleString('en-US')} companies; median ${seconds(runs[1] ?? 0)}  (target <= 10 s)`);

    const { rows } = await pool.query<{ company_id: string; n: number }>(
      'SELECT company_id, count(*)::int AS n FROM referral_facts WHERE tenant_id = $1 GROUP BY 1 ORDER BY 2 DESC LIMIT 1',
      [PORTAL],
    );
    const busiest = rows[0];
    const one: number[] = [];
    for (let run = 0; run < 20; run += 1) {
      const started = performance.now();
      await inTransaction(pool, async (client) => {
        const counts = await store.counts(client, PORTAL, 'companies', TIME_ZONE, TODAY, [busiest?.company_id ?? 'C1']);
        await store.saveScorecards(client, PORTAL, 'companies', [...counts].map(([hubspotId, c]) => ({ hubspotId, metrics: toScorecard(c, settings, TODAY) })));
      });
      one.push(performance.now() - started);
    }
    one.sort((a, b) => a - b);
    console.log(`\n2. Incremental: the busiest source (${busiest?.n.toLocaleString('en-US')} referrals) computed again, 20 runs: p50 ${(one[9] ?? 0).toFixed(1)} ms, p95 ${(one[18] ?? 0).toFixed(1)} ms`);
  } finally {
    await db.stop();
  }
}

void main();
