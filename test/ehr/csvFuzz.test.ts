import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { canonicalEvent } from '../../src/domain/events';
import { loadProfile, parseCsvStream, type CsvProfile, type CsvRowResult } from '../../src/ehr/csv';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { AdapterContext } from '../../src/ehr/types';

const fixtures = path.join(__dirname, '../fixtures/csv');
const ctx: AdapterContext = { feed: 'csv:fuzz', timeZone: 'America/Chicago', hashPatient: createPatientHasher(Buffer.alloc(32, 3)) };
const generic = loadProfile('generic');
const hospice = loadProfile('hospice-intake-log');
const bases: Array<{ bytes: Buffer; profile: CsvProfile }> = [
  { bytes: fs.readFileSync(path.join(fixtures, 'generic-referral-log.csv')), profile: generic },
  { bytes: fs.readFileSync(path.join(fixtures, 'broken-referral-log.csv')), profile: generic },
  { bytes: fs.readFileSync(path.join(fixtures, 'hospice-intake-log.csv')), profile: hospice },
];

/** Parses bytes arriving in chunks of the given sizes (cycled), as a file or a socket would deliver them. */
async function parseChunked(bytes: Buffer, chunkSizes: number[], profile: CsvProfile): Promise<CsvRowResult[]> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i += 1) {
    const size = chunkSizes[i % chunkSizes.length] ?? 64;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  const results: CsvRowResult[] = [];
  for await (const result of parseCsvStream(Readable.from(chunks), 'fuzz.csv', profile, ctx)) results.push(result);
  return results;
}

const physicalLines = (bytes: Buffer) => (bytes.toString('latin1').match(/\r\n|\r|\n/g)?.length ?? 0) + 1;

/** A mutation as plain data, so that a failing case prints as something a reader can replay. */
type Mutation =
  | { insert: string; at: number }
  | { noise: number[]; at: number }
  | { cut: number; at: number }
  | { truncate: number }
  | { line: number; field: 'extra' | 'missing' };

const position = (bytes: Buffer, fraction: number) => Math.floor(fraction * (bytes.length + 1));
const fraction = fc.double({ min: 0, max: 1, noNaN: true });

function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  const splice = (at: number, remove: number, add: Buffer) => Buffer.concat([bytes.subarray(0, at), add, bytes.subarray(at + remove)]);
  if ('insert' in mutation) return splice(position(bytes, mutation.at), 0, Buffer.from(mutation.insert));
  if ('noise' in mutation) return splice(position(bytes, mutation.at), 0, Buffer.from(mutation.noise));
  if ('cut' in mutation) return splice(position(bytes, mutation.at), mutation.cut, Buffer.alloc(0));
  if ('truncate' in mutation) return bytes.subarray(0, position(bytes, mutation.truncate));
  const lines = bytes.toString('latin1').split('\n');
  const index = mutation.line % lines.length;
  const line = lines[index] ?? '';
  lines[index] = mutation.field === 'extra' ? `${line.replace(/\r$/, '')},extra` : line.slice(0, Math.max(0, line.lastIndexOf(',')));
  return Buffer.from(lines.join('\n'), 'latin1');
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // A stray quote, delimiter or line break.
  fc.record({ insert: fc.constantFrom('"', ',', ';', '\n', '\r', '\r\n', '""', '"\n'), at: fraction }),
  // Random bytes, valid UTF-8 or not.
  fc.record({ noise: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }), at: fraction }),
  // A piece cut out, or the end cut off.
  fc.record({ cut: fc.integer({ min: 1, max: 80 }), at: fraction }),
  fc.record({ truncate: fraction }),
  // A line with a field more or a field less.
  fc.record({ line: fc.nat(), field: fc.constantFrom('extra' as const, 'missing' as const) }),
);

describe('fuzzed exports', () => {
  it('never throw; every refusal has a reason and its line; every event passes the canonical schema', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bases.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        async (base, mutations, chunkSizes) => {
          const { bytes, profile } = bases[base]!;
          const mutated = mutations.reduce(mutate, bytes);
          const results = await parseChunked(mutated, chunkSizes, profile);
          const lastLine = Math.max(physicalLines(mutated) + 1, profile.skipRows + 1);
          let previous = 0;
          for (const { line, outcome, row } of results) {
            expect({ line, previous, lastLine, ok: Number.isInteger(line) && line > previous && line <= lastLine }).toMatchObject({ ok: true });
            previous = line;
            if (outcome.ok) {
              expect(row).toBeDefined();
              for (const event of outcome.events) canonicalEvent.parse(event);
            } else {
              expect(outcome.reason.length).toBeGreaterThan(10);
              expect(outcome.position).toBe(`fuzz.csv:${line}`);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a stray quote or delimiter never loses a row without saying so', async () => {
    const exportOf = (quoted: boolean[]) =>
      Buffer.from(
        [
          'Referral ID,Referral Date,Patient Name,MRN,Status,Referral Source',
          ...quoted.map((quote, i) => `R-${i + 1},11/${(i % 27) + 1}/2026,${quote ? `"Testpatient, N${i}"` : `Testpatient N${i}`},M-${i + 1},Pending,Lakeshore General Hospital`),
        ].join('\n'),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }),
        fc.array(fc.record({ insert: fc.constantFrom('"', ','), at: fraction }), { minLength: 1, maxLength: 3 }),
        async (quoted, inserts) => {
          const bytes = inserts.reduce(mutate, exportOf(quoted));
          const results = await parseChunked(bytes, [4096], generic);
          // Each data row starts on its own line (2, 3...): a result at that line, or a refusal spanning it, accounts for it.
          const accountedFor = (line: number) =>
            results.some(({ line: start, outcome }) => {
              if (start === line) return true;
              if (outcome.ok) return false;
              const span = /lines (\d+)-(\d+)/.exec(outcome.reason);
              if (span && Number(span[1]) <= line && line <= Number(span[2])) return true;
              if (/rest of the file/.test(outcome.reason) && start <= line) return true;
              return /No row of this file was read/.test(outcome.reason);
            });
          quoted.forEach((_, i) => expect(accountedFor(i + 2)).toBe(true));
        },
      ),
      { numRuns: 200 },
    );
  });
});
