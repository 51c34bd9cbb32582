import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Ingestor } from '../../src/ehr/ingest';
import { EhrStore } from '../../src/store/ehrStore';
import { TenantRepository } from '../../src/store/tenants';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

const PORTAL = 909;
let db: TestDatabase;
let ingestor: Ingestor;
const external = path.join(__dirname, '../fixtures/external');
const hl7 = fs.readdirSync(path.join(external, 'hl7v2')).map((f) => fs.readFileSync(path.join(external, 'hl7v2', f), 'utf8'));
const fhir = ['converted-REF-I12-01.json', 'converted-ADT-A01-01.json'].map((f) => fs.readFileSync(path.join(external, 'fhir', f), 'utf8'));
const csv = fs.readFileSync(path.join(__dirname, '../fixtures/csv/generic-referral-log.csv'), 'utf8');

beforeAll(async () => {
  db = await createTestDatabase('ingest_fuzz');
  const tenant = await new TenantRepository(db.pool).ensure(PORTAL);
  ingestor = await Ingestor.forTenant(new EhrStore(db.pool), tenant);
});
afterAll(async () => {
  await dropTestDatabase(db);
});

/** Text mutations: cut it, drop or repeat a slice, or splice in random characters or delimiters. */
const mutated = (texts: string[]) =>
  fc
    .tuple(
      fc.constantFrom(...texts),
      fc.nat(),
      fc.nat(),
      fc.constantFrom('cut', 'drop', 'repeat', 'splice'),
      fc.string({ unit: fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', ',', '"', '{', '}', ':', 'A', '9', '\u0000', 'é') , maxLength: 12 }),
    )
    .map(([text, a, b, how, noise]) => {
      const i = a % (text.length + 1);
      const j = i + (b % 80);
      if (how === 'cut') return text.slice(0, i);
      if (how === 'drop') return text.slice(0, i) + text.slice(j);
      if (how === 'repeat') return text.slice(0, j) + text.slice(i, j) + text.slice(j);
      return text.slice(0, i) + noise + text.slice(i);
    });

/** What must hold whatever came in: no event without its message, no quarantine entry without a reason. */
async function checkInvariants(): Promise<void> {
  const orphans = await db.pool.query(
    `SELECT count(*)::int AS n FROM ehr_events e
     WHERE e.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM ehr_messages m WHERE m.tenant_id = e.tenant_id AND m.message_key = e.message_key)`,
    [PORTAL],
  );
  expect(orphans.rows[0].n).toBe(0);
  const unexplained = await db.pool.query(`SELECT count(*)::int AS n FROM ehr_quarantine WHERE tenant_id = $1 AND length(trim(reason)) = 0`, [PORTAL]);
  expect(unexplained.rows[0].n).toBe(0);
}

describe('mutated EHR input through the whole pipeline', () => {
  it('HL7 v2: every message stored whole or quarantined with a reason, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(hl7), async (text) => {
        const result = await ingestor.message('hl7v2', text, 'fuzz');
        if (result.status === 'quarantined') expect(result.reason.trim()).not.toBe('');
      }),
      { numRuns: 150 },
    );
    await checkInvariants();
  });

  it('FHIR: the same', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(fhir), async (text) => {
        const result = await ingestor.message('fhir', text, 'fuzz');
        if (result.status === 'quarantined') expect(result.reason.trim()).not.toBe('');
      }),
      { numRuns: 80 },
    );
    await checkInvariants();
  });

  it('CSV: every row stored or reported with its line, never a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-fuzz-'));
    try {
      await fc.assert(
        fc.asyncProperty(mutated([csv]), async (text) => {
          const file = path.join(dir, 'export.csv');
          fs.writeFileSync(file, text);
          const summary = await ingestor.csvFile(file, 'generic');
          for (const reason of Object.keys(summary.reasons)) expect(reason.trim()).not.toBe('');
        }),
        { numRuns: 40 },
      );
      const positions = await db.pool.query(`SELECT position FROM ehr_quarantine WHERE tenant_id = $1 AND format = 'csv'`, [PORTAL]);
      for (const row of positions.rows) expect(row.position).toMatch(/^export\.csv:\d+/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await checkInvariants();
  });
});
