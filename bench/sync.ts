/**
 * npm run bench:sync: the HubSpot sync against the local CRM sandbox limited as HubSpot limits an app (190 requests
 * per rolling 10 s), through the real pipeline: the demo agency's HL7 feed ingested, its sources seeded in the CRM
 * with their NPIs, then `backfill` (src/sync/backfill.ts) as `referralynx sync --backfill` runs it.
 *
 *   1. calls      HubSpot calls the backfill made (by route) over the fewest it could make (defined below)
 *   2. rate       records/s over the ceiling the rate limit allows at that fewest number of calls
 *   3. naive      one call per record and per association, measured on a sample and extrapolated
 *   4. latency    p50/p95 from an HL7 message arriving to its record existing in the CRM, under a steady feed
 *
 * Options: --referrals N (default 50000), --naive-sample N records (default 300), --feed-seconds S (default 60),
 * --feed-rate messages/s (default 3), --requests-per-10s (default 190, HubSpot Professional and Enterprise).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox } from '../server/sandbox';
import { seedSources } from '../server/demo';
import { generateDemoAgency } from '../src/demo/agency';
import { toHl7Messages, type TimedMessage } from '../src/demo/emit';
import type { AdmissionState, ReferralState } from '../src/domain/referralLifecycle';
import { defaultNonAdmitVocabulary } from '../src/domain/nonAdmitReasons';
import { Ingestor } from '../src/ehr/ingest';
import { HubSpot } from '../src/hubspot/client';
import { EHR_ID_PROPERTY } from '../src/hubspot/dataModel';
import { provisionDataModel, type DataModel } from '../src/hubspot/provision';
import { EhrStore } from '../src/store/ehrStore';
import type { Pool } from '../src/store/postgres';
import { SyncQueue } from '../src/store/syncQueue';
import { SyncStore } from '../src/store/syncStore';
import { TenantRepository, type Tenant } from '../src/store/tenants';
import { backfill } from '../src/sync/backfill';
import { toAdmissionProperties, toReferralProperties } from '../src/sync/records';
import { syncTarget, syncUntilIdle, type SyncRound, type SyncTarget } from '../src/sync/syncOnce';
import { benchDatabase } from './database';
import { z } from 'zod';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const referralCount = Number(args.get('referrals') ?? 50_000);
const naiveSample = Number(args.get('naive-sample') ?? 300);
const feedSeconds = Number(args.get('feed-seconds') ?? 60);
const feedRate = Number(args.get('feed-rate') ?? 3);

const REQUESTS_PER_10S = Number(args.get('requests-per-10s') ?? 190);
const CALLS_PER_SECOND = REQUESTS_PER_10S / 10;
const TOKEN = 'pat-na1-bench';

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A fresh rolling window: what one part spent must not slow the next. */
const windowClears = () => sleep(10_500);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

interface Setup {
  pool: Pool;
  hubspot: HubSpot;
  model: DataModel;
  tenant: Tenant;
  ingestor: Ingestor;
  target: SyncTarget;
}

/** The fewest calls a backfill of what is in the database can make, by what they are for. */
async function minimumCalls(pool: Pool, tenantId: number): Promise<{ total: number; lines: string[]; records: number }> {
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM referrals WHERE tenant_id = $1) AS referrals,
            (SELECT count(*)::int FROM admissions WHERE tenant_id = $1) AS admissions,
            (SELECT count(*)::int FROM attribution_decisions WHERE tenant_id = $1 AND company_id IS NOT NULL) AS with_company,
            (SELECT count(*)::int FROM attribution_decisions WHERE tenant_id = $1 AND contact_id IS NOT NULL) AS with_contact,
            (SELECT count(*)::int FROM admissions a WHERE tenant_id = $1 AND state->>'referralKey' IS NOT NULL) AS admitted_from_referral,
            (SELECT count(*)::int FROM admissions a JOIN attribution_decisions d ON d.tenant_id = a.tenant_id AND d.referral_key = a.state->>'referralKey'
              WHERE a.tenant_id = $1 AND d.company_id IS NOT NULL) AS admissions_with_company,
            (SELECT count(DISTINCT npi)::int FROM source_matches WHERE tenant_id = $1 AND object_type = 'companies' AND npi IS NOT NULL) AS company_npis,
            (SELECT count(DISTINCT npi)::int FROM source_matches WHERE tenant_id = $1 AND object_type = 'contacts' AND npi IS NOT NULL) AS contact_npis`,
    [tenantId],
  );
  const c = rows[0] ?? {};
  const get = (key: string) => c[key] ?? 0;
  const per100 = (count: number) => Math.ceil(count / 100);
  const R = get('referrals');
  const A = get('admissions');
  // One call per 100 of a kind for each label used at all: an association batch takes 100 pairs of one label.
  const parts: Array<[string, number]> = [
    [`referral upserts ceil(${n(R)}/100)`, per100(R)],
    [`referral->company ("Referral source") ceil(${n(R)}/100)`, get('with_company') > 0 ? per100(R) : 0],
    [`referral->contact ("Referring clinician") ceil(${n(R)}/100)`, get('with_contact') > 0 ? per100(R) : 0],
    [`admission upserts ceil(${n(A)}/100)`, per100(A)],
    [`admission->referral ("Admitted from referral") ceil(${n(A)}/100)`, get('admitted_from_referral') > 0 ? per100(A) : 0],
    [`admission->company ("Referral source") ceil(${n(A)}/100)`, get('admissions_with_company') > 0 ? per100(A) : 0],
    [`source NPI searches: ceil(${get('company_npis')}/100) companies + ceil(${get('contact_npis')}/100) contacts`, per100(get('company_npis')) + per100(get('contact_npis'))],
  ];
  return {
    total: parts.reduce((sum, [, calls]) => sum + calls, 0),
    lines: parts.map(([what, calls]) => `    ${String(calls).padStart(6)}  ${what}`),
    records: R + A,
  };
}

async function benchBackfill(setup: Setup, sandbox: { stats(): { requests: number; byRoute: Record<string, number>; rateLimited: number }; resetStats(): void }) {
  const { pool, tenant, hubspot } = setup;
  sandbox.resetStats();
  const before = hubspot.stats();
  const started = performance.now();
  let lastPrinted = 0;
  const summary = await backfill({
    pool,
    target: setup.target,
    tenantId: tenant.tenantId,
    onProgress: ({ kind, done, total }) => {
      if (performance.now() - lastPrinted < 15_000) return;
      lastPrinted = performance.now();
      console.error(`  … ${kind}s ${n(done)}/${n(total)} after ${seconds(performance.now() - started)}`);
    },
  });
  const ms = performance.now() - started;
  const stats = sandbox.stats();
  const after = hubspot.stats();
  const minimum = await minimumCalls(pool, tenant.tenantId);
  const written = summary.round.written;

  console.log(`\n1. HubSpot calls for the backfill (sandbox count, by route):`);
  for (const [route, count] of Object.entries(stats.byRoute).sort((a, b) => b[1] - a[1])) console.log(`    ${String(count).padStart(6)}  ${route}`);
  console.log(`    ${String(stats.requests).padStart(6)}  in all (429s answered: ${stats.rateLimited}; client retries: ${after.retries - before.retries})`);
  console.log(`  theoretical minimum:`);
  for (const line of minimum.lines) console.log(line);
  console.log(`    ${String(minimum.total).padStart(6)}  in all`);
  console.log(`  calls / minimum: ${(stats.requests / minimum.total).toFixed(3)}  (target <= 1.05)`);

  const ceiling = minimum.records / (minimum.total / CALLS_PER_SECOND);
  const rate = (minimum.records / ms) * 1000;
  console.log(`\n2. Throughput: ${n(minimum.records)} records (${n(written)} writes) in ${seconds(ms)} = ${rate.toFixed(1)} records/s`);
  console.log(`  ceiling at ${CALLS_PER_SECOND} calls/s and the minimum calls: ${n(minimum.records)} / (${minimum.total} / ${CALLS_PER_SECOND}) = ${ceiling.toFixed(1)} records/s`);
  console.log(`  records/s / ceiling: ${(rate / ceiling).toFixed(3)}  (target >= 0.9)`);
  return { ms, calls: stats.requests, records: minimum.records, summary };
}

/**
 * The same work without batching, as a first integration would write it: one POST /crm/v3/objects/{type} per record
 * and one PUT /crm/v4/objects/{type}/{id}/associations/{toType}/{toId} per association, through the same client and
 * limiter. Written under other EHR ids (naive-…) so the backfilled records are left alone.
 */
async function benchNaive(setup: Setup, sandbox: { stats(): { requests: number }; resetStats(): void }, full: { ms: number; records: number; calls: number }) {
  const { pool, hubspot, model, tenant } = setup;
  const store = new SyncStore();
  const tz = tenant.settings.timeZone;
  const { rows } = await pool.query<{ referral_key: string }>('SELECT referral_key FROM referrals WHERE tenant_id = $1 ORDER BY referral_key', [tenant.tenantId]);
  // Referrals in key order with their admissions, until the sample is full: the mix of the whole.
  const referralKeys: string[] = [];
  const admissionOf = new Map<string, AdmissionState>();
  let sampled = 0;
  const { rows: admissionRows } = await pool.query<{ state: AdmissionState }>('SELECT state FROM admissions WHERE tenant_id = $1', [tenant.tenantId]);
  const admissionsByReferral = new Map(admissionRows.flatMap(({ state }) => (state.referralKey ? [[state.referralKey, state] as const] : [])));
  for (const { referral_key: key } of rows) {
    if (sampled >= naiveSample) break;
    referralKeys.push(key);
    sampled += 1;
    const admission = admissionsByReferral.get(key);
    if (admission && sampled < naiveSample) {
      admissionOf.set(key, admission);
      sampled += 1;
    }
  }
  const referrals = await store.states(pool, tenant.tenantId, 'referral', referralKeys);
  const decisions = await store.decisions(pool, tenant.tenantId, referralKeys);
  const label = (key: string) => model.associationTypeIds[key] ?? 0;
  const created = z.object({ id: z.string() });
  const associate = (fromType: string, fromId: string, toType: string, toId: string, typeId: number) =>
    hubspot.request(
      {
        method: 'PUT',
        path: `/crm/v4/objects/${fromType}/${fromId}/associations/${toType}/${toId}`,
        body: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }],
      },
      z.unknown(),
    );

  sandbox.resetStats();
  const started = performance.now();
  let records = 0;
  for (const key of referralKeys) {
    const state = referrals.get(key) as ReferralState;
    const decision = decisions.get(key);
    const properties = { ...toReferralProperties(state, model, tz, defaultNonAdmitVocabulary), [EHR_ID_PROPERTY]: `naive-${key}`, ...(decision?.ownerId ? { hubspot_owner_id: decision.ownerId } : {}) };
    const referral = await hubspot.request({ method: 'POST', path: `/crm/v3/objects/${model.referralObjectTypeId}`, body: { properties } }, created);
    records += 1;
    if (decision?.companyId) await associate(model.referralObjectTypeId, referral.id, 'companies', decision.companyId, label('referral_to_company'));
    if (decision?.contactId) await associate(model.referralObjectTypeId, referral.id, 'contacts', decision.contactId, label('referral_to_contact'));
    const admission = admissionOf.get(key);
    if (!admission) continue;
    const admissionProperties = { ...toAdmissionProperties(admission, state, tz), [EHR_ID_PROPERTY]: `naive-${admission.admissionKey}` };
    const written = await hubspot.request({ method: 'POST', path: `/crm/v3/objects/${model.admissionObjectTypeId}`, body: { properties: admissionProperties } }, created);
    records += 1;
    await associate(model.admissionObjectTypeId, written.id, model.referralObjectTypeId, referral.id, label('admission_to_referral'));
    if (decision?.companyId) await associate(model.admissionObjectTypeId, written.id, 'companies', decision.companyId, label('admission_to_company'));
  }
  const ms = performance.now() - started;
  const calls = sandbox.stats().requests;
  const scale = full.records / records;
  const fullCalls = calls * scale;
  // At the limit, time is calls / 19 per second; the sample's own pace (its first window is free) is not used.
  const fullMs = Math.max((fullCalls / CALLS_PER_SECOND) * 1000, ms * scale);
  console.log(`\n3. Naive (one call per record and per association), MEASURED on ${records} records (${referralKeys.length} referrals, ${admissionOf.size} admissions):`);
  console.log(`  ${calls} calls (${(calls / records).toFixed(2)} per record) in ${seconds(ms)}`);
  console.log(`  EXTRAPOLATED to the ${n(full.records)} records of the backfill: ${n(fullCalls)} calls, ${(fullMs / 3_600_000).toFixed(1)} h at ${REQUESTS_PER_10S}/10 s`);
  console.log(`  batched backfill: ${n(full.calls)} calls in ${seconds(full.ms)}  ->  naive / batched: ${(fullCalls / full.calls).toFixed(1)}x calls, ${(fullMs / full.ms).toFixed(1)}x time`);
}

/**
 * A steady feed (--feed-rate messages/s for --feed-seconds) of referrals the backfill did not have, with the sync
 * worker as `referralynx start` runs it (server/start.ts startSync: every second, rounds until idle). The latency of
 * a message that creates a record (REF^I12 a referral, ADT^A01 an admission) is from just before Ingestor.message to
 * the CRM record's creation time as the sandbox stored it.
 */
async function benchLatency(setup: Setup, feed: TimedMessage[]) {
  const { pool, tenant, model } = setup;
  const queue = new SyncQueue(pool);
  let running: Promise<SyncRound> | undefined;
  const drain = () => {
    running ??= syncUntilIdle({ pool, queue, target: setup.target }).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    drain().catch((error: unknown) => console.error('sync round failed', error));
  }, 1_000);

  const arrivals = new Map<string, number>();
  const started = Date.now();
  for (let i = 0; i < feed.length; i += 1) {
    const due = started + (i * 1000) / feedRate;
    if (due > Date.now()) await sleep(due - Date.now());
    const message = feed[i];
    if (!message) continue;
    // MSH-9 the message type, MSH-10 the control id: <referral key>-I12 or <referral key>-A01 (src/demo/emit.ts).
    const msh = message.text.split('\r')[0]?.split('|') ?? [];
    const [type = '', control = ''] = [msh[8], msh[9]];
    const referralKey = control.replace(/-[A-Z0-9]+$/, '');
    const arrived = Date.now();
    await setup.ingestor.message('hl7v2', message.text, 'mllp:bench');
    if (type.startsWith('REF^I12')) arrivals.set(referralKey, arrived);
    if (type.startsWith('ADT^A01')) arrivals.set(`EP-${referralKey.slice(4)}`, arrived);
  }
  // Until everything fed is in the CRM.
  for (;;) {
    await drain();
    const backlog = await queue.backlog(pool, tenant.tenantId);
    if (backlog.referral.due + backlog.referral.active + backlog.admission.due + backlog.admission.active === 0) break;
    await sleep(200);
  }
  clearInterval(timer);
  await running;

  const { rows } = await pool.query<{ key: string; created: Date }>(
    `SELECT properties->>'rlx_ehr_id' AS key, created_at AS created FROM crm_sandbox.objects
     WHERE object_type_id = ANY($1::text[]) AND created_at >= to_timestamp($2 / 1000.0)`,
    [[model.referralObjectTypeId, model.admissionObjectTypeId], started],
  );
  const latencies: number[] = [];
  for (const row of rows) {
    const arrived = arrivals.get(row.key);
    if (arrived !== undefined) latencies.push(row.created.getTime() - arrived);
  }
  latencies.sort((a, b) => a - b);
  console.log(`\n4. Latency, HL7 message arriving -> its record created in the CRM, ${feedRate} messages/s for ${seconds(Date.now() - started)}`);
  console.log(`  sync worker as server/start.ts runs it (rounds until idle, every second); ${feed.length} messages fed, ${latencies.length} of them created a record (${arrivals.size} expected)`);
  console.log(`  p50 ${seconds(quantile(latencies, 0.5))}, p95 ${seconds(quantile(latencies, 0.95))}, max ${seconds(latencies.at(-1) ?? Number.NaN)}  (target p95 <= 10 s)`);
}

async function main(): Promise<void> {
  console.log(`Referralynx sync benchmark: ${os.cpus().length} cores, Node.js ${process.version}; CRM sandbox limited to ${REQUESTS_PER_10S} requests per rolling 10 s`);
  const db = await benchDatabase('sync', 16);
  const sandbox = await startSandbox({ pool: db.pool, port: 0, token: TOKEN, requestsPer10s: REQUESTS_PER_10S });
  try {
    const { pool } = db;
    await SyncQueue.install(pool);
    const hubspot = new HubSpot({ baseUrl: sandbox.url, accessToken: TOKEN, requestsPer10s: REQUESTS_PER_10S });
    const model = (await provisionDataModel(hubspot)).model;
    const tenants = new TenantRepository(pool);
    const tenant = await tenants.ensure(sandbox.portalId);
    await tenants.saveDataModel(tenant.tenantId, { dataModel: model });

    // Enough months of the demo agency for the backfill, and a few more referrals for the steady feed after it.
    const feedMessages = Math.ceil(feedSeconds * feedRate);
    const months = 24;
    const agency = generateDemoAgency({ until: '2026-11-27', months, referralsPerMonth: Math.ceil(((referralCount + feedMessages) * 1.1) / months) });
    await seedSources(hubspot, agency);
    const backfilled = agency.referrals.slice(0, referralCount);
    const fed: TimedMessage[] = [];
    for (const referral of agency.referrals.slice(referralCount)) {
      if (fed.length >= feedMessages) break;
      fed.push(...toHl7Messages(referral));
    }
    fed.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    if (backfilled.length < referralCount) throw new Error(`the demo agency has only ${backfilled.length} referrals`);

    const ingestor = await Ingestor.forTenant(new EhrStore(pool), tenant);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'referralynx-bench-sync-')), 'feed.hl7');
    const history = backfilled.flatMap(toHl7Messages).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    fs.writeFileSync(file, history.map((m) => m.text).join('\r\n'));
    const ingestStarted = performance.now();
    const ingested = await ingestor.hl7File(file);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    const counts = await new EhrStore(pool).counts(tenant.tenantId);
    console.log(
      `Ingested ${n(history.length)} HL7 messages in ${seconds(performance.now() - ingestStarted)}: ${n(counts.referrals)} referrals, ${n(counts.admissions)} admissions (${ingested.quarantined} quarantined); ${agency.sources.length} sources seeded in the CRM`,
    );

    const setup: Setup = { pool, hubspot, model, tenant, ingestor, target: syncTarget({ tenant, hubspot, model }) };
    await windowClears();
    const full = await benchBackfill(setup, sandbox);
    await windowClears();
    await benchNaive(setup, sandbox, full);
    await windowClears();
    await benchLatency(setup, fed.slice(0, feedMessages));
  } finally {
    await sandbox.close();
    await db.stop();
  }
}

void main();
