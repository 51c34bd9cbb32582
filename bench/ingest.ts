/**
 * npm run bench:ingest: EHR ingestion throughput on this machine, through the real pipeline (adapters, PostgreSQL
 * transactions, state derivation), against DATABASE_URL or an embedded PostgreSQL started for the run.
 *
 *   HL7 v2   messages/s, one message per transaction as from MLLP connections (8 at once), and as file batches
 *   CSV      rows/s and the peak RSS for a 1,000,000-row export, in a process of its own so the RSS is the CSV's
 *
 * Options: --hl7-messages N (default 20000), --csv-rows N (default 1000000), --part hl7|csv|all.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { benchDatabase } from './database';
import { generateDemoAgency } from '../src/demo/agency';
import { agencyHl7Feed } from '../src/demo/emit';
import { syntheticReferralRows } from '../src/ehr/csv';
import { Ingestor } from '../src/ehr/ingest';
import type { Pool } from '../src/store/postgres';
import { EhrStore } from '../src/store/ehrStore';
import { TenantRepository } from '../src/store/tenants';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const part = args.get('part') ?? 'all';
const hl7Messages = Number(args.get('hl7-messages') ?? 20_000);
const csvRows = Number(args.get('csv-rows') ?? 1_000_000);

async function ingestorFor(pool: Pool, portal: number): Promise<Ingestor> {
  const tenant = await new TenantRepository(pool).ensure(portal);
  return Ingestor.forTenant(new EhrStore(pool), tenant);
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

async function benchHl7(pool: Pool): Promise<void> {
  // A large synthetic agency, so that the feed holds enough distinct referrals and admissions.
  const months = 12;
  const agency = generateDemoAgency({ until: '2026-11-27', months, referralsPerMonth: Math.ceil(hl7Messages / 2.3 / months) });
  const feed = agencyHl7Feed(agency).slice(0, hl7Messages);

  const ingestor = await ingestorFor(pool, 1);
  const connections = 8;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < feed.length) {
        const message = feed[next];
        next += 1;
        if (message) await ingestor.message('hl7v2', message.text, 'bench');
      }
    }),
  );
  const perMessage = performance.now() - started;

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'referralynx-bench-hl7-')), 'feed.hl7');
  fs.writeFileSync(file, feed.map((m) => m.text).join('\r\n'));
  const batchIngestor = await ingestorFor(pool, 2);
  const batchStarted = performance.now();
  const batch = await batchIngestor.hl7File(file);
  const perBatch = performance.now() - batchStarted;
  fs.rmSync(path.dirname(file), { recursive: true, force: true });

  const counts = await new EhrStore(pool).counts(1);
  console.log(`HL7 v2: ${feed.length.toLocaleString('en-US')} messages (${counts.referrals} referrals, ${counts.admissions} admissions)`);
  console.log(`  one transaction per message, ${connections} connections: ${rate(feed.length, perMessage)}  (target >= 2,000/s)`);
  console.log(`  a file, 1,000 messages per transaction:      ${rate(feed.length, perBatch)}  (${batch.accepted} accepted, ${batch.quarantined} quarantined)`);
}

async function benchCsv(pool: Pool): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referralynx-bench-csv-'));
  const file = path.join(dir, 'referral-log.csv');
  await pipeline(syntheticReferralRows(csvRows, 42), fs.createWriteStream(file));
  const size = fs.statSync(file).size;
  const ingestor = await ingestorFor(pool, 3);
  const rssBefore = process.resourceUsage().maxRSS;
  const started = performance.now();
  const summary = await ingestor.csvFile(file, 'generic');
  const ms = performance.now() - started;
  fs.rmSync(dir, { recursive: true, force: true });
  const rows = summary.accepted + summary.duplicates + summary.quarantined;
  console.log(`CSV: ${rows.toLocaleString('en-US')} rows (${(size / 1e6).toFixed(0)} MB; ${summary.accepted} accepted, ${summary.quarantined} quarantined)`);
  console.log(`  ${rate(rows, ms)} in ${(ms / 1000).toFixed(1)} s  (target >= 20,000/s)`);
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (before the import ${(rssBefore / 1024).toFixed(0)} MB; target <= 300 MB)`);
}

async function main(): Promise<void> {
  console.log(`Referralynx ingestion benchmark: ${os.cpus().length} cores, Node.js ${process.version}`);
  if (part === 'all') {
    // Each part in a process of its own: the CSV's peak RSS must not include the HL7 part's.
    for (const each of ['hl7', 'csv']) {
      const result = spawnSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2), '--part', each], {
        stdio: 'inherit',
      });
      if (result.status !== 0) process.exit(result.status ?? 1);
    }
    return;
  }
  const db = await benchDatabase('ingest');
  try {
    if (part === 'hl7') await benchHl7(db.pool);
    if (part === 'csv') await benchCsv(db.pool);
  } finally {
    await db.stop();
  }
}

void main();
