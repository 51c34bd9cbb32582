import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { canonicalEvent, type CanonicalEvent } from '../../src/domain/events';
import {
  loadProfile,
  mapCsvRow,
  parseCsvFile,
  parseCsvProfile,
  parseCsvStream,
  syntheticReferralRows,
  type CsvProfile,
  type CsvRowResult,
} from '../../src/ehr/csv';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { AdapterContext } from '../../src/ehr/types';

const fixtures = path.join(__dirname, '../fixtures/csv');
const hashPatient = createPatientHasher(Buffer.alloc(32, 7));
const ctx: AdapterContext = { feed: 'csv:test', timeZone: 'America/Chicago', hashPatient };
const generic = loadProfile('generic');
const hospice = loadProfile('hospice-intake-log');

async function collect(results: AsyncIterable<CsvRowResult>): Promise<CsvRowResult[]> {
  const all: CsvRowResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

const textStream = (text: string | Buffer) => Readable.from([Buffer.from(text)]);
const parseText = (text: string | Buffer, profile: CsvProfile = generic) => collect(parseCsvStream(textStream(text), 'export.csv', profile, ctx));
const eventsOf = (results: CsvRowResult[]): CanonicalEvent[] => results.flatMap((result) => (result.outcome.ok ? result.outcome.events : []));
const summary = (results: CsvRowResult[]) =>
  results.map(({ line, outcome }) => (outcome.ok ? [line, outcome.events.map((event) => event.kind)] : [line, outcome.reason]));

describe('the generic referral log (CRLF, byte order mark, a source name over two lines)', () => {
  let results: CsvRowResult[];
  beforeAll(async () => {
    results = await collect(parseCsvFile(path.join(fixtures, 'generic-referral-log.csv'), generic, ctx));
  });

  it('maps every row to the events of its status, at the physical line where the row starts', () => {
    expect(summary(results)).toEqual([
      [2, ['referral.received', 'admission.admitted']],
      [3, ['referral.received', 'referral.non_admitted']],
      [4, ['referral.received', 'referral.non_admitted']],
      [5, ['referral.received']],
      [6, ['referral.received', 'referral.accepted']],
      [7, ['referral.received', 'soc.scheduled']],
      [8, ['referral.received', 'referral.cancelled']],
      [9, ['referral.received', 'admission.admitted', 'admission.discharged']],
      [10, ['referral.received', 'admission.admitted']],
      [11, ['referral.received', 'referral.non_admitted']],
      [12, ['referral.received']],
      [13, ['referral.received', 'referral.cancelled']],
      // R-1013's source name is quoted over lines 14 and 15.
      [14, ['referral.received', 'admission.admitted']],
      [16, ['referral.received', 'referral.non_admitted']],
      [17, ['referral.received', 'soc.scheduled']],
      [18, ['referral.received', 'referral.accepted']],
      [19, ['referral.received', 'admission.admitted']],
      [20, ['referral.received', 'referral.non_admitted']],
      // R-1019's source name runs over lines 21 and 22.
      [21, ['referral.received', 'admission.admitted', 'admission.discharged']],
      [23, ['referral.received']],
    ]);
    expect(results.map((result) => (result.outcome.ok ? result.outcome.messageKey : '')).every((key) => key.startsWith('csv:generic:R-10'))).toBe(true);
    for (const event of eventsOf(results)) expect(canonicalEvent.parse(event)).toEqual(event);
  });

  it('reads the values of the rows as worked out by hand', () => {
    const byKey = (key: string) => eventsOf(results).filter((event) => 'referralKey' in event && event.referralKey === key);
    expect(byKey('R-1011')).toEqual([
      expect.objectContaining({ kind: 'referral.received', occurredAt: '2026-11-25T08:30:00-06:00', facts: { receivedAt: '2026-11-25T08:30:00-06:00', referralDate: '2026-11-25' } }),
    ]);
    expect(byKey('R-1013')[0]).toMatchObject({ facts: { referringOrganization: { name: 'Riverside Rehab North Campus', npi: '1112223338', kind: 'snf' } } });
    expect(byKey('R-1016')[0]).toMatchObject({ facts: { payerCategory: 'commercial', payerName: 'BCBS', serviceZip: '02134' } });
    expect(byKey('R-1017')).toEqual([
      expect.objectContaining({
        occurredAt: '2026-11-09T11:20:00-06:00',
        facts: expect.objectContaining({ businessLine: 'hospice', payerCategory: 'va_military', physicianOrderedSocDate: '2026-11-10', inpatientDischargeDate: '2026-11-08', inpatientDischargeIn14Days: 'yes' }),
      }),
      expect.objectContaining({ kind: 'admission.admitted', occurredAt: '2026-11-10T09:00:00-06:00', admissionKey: 'EP-5017', socDate: '2026-11-10', firstVisitAt: '2026-11-10T09:00:00-06:00' }),
    ]);
    const discharged = eventsOf(results).filter((event) => 'admissionKey' in event && event.admissionKey === 'EP-5019');
    expect(discharged).toEqual([
      expect.objectContaining({ kind: 'admission.admitted', occurredAt: '2026-10-01T00:00:00-05:00', socDate: '2026-10-01', referralKey: 'R-1019' }),
      expect.objectContaining({ kind: 'admission.discharged', occurredAt: '2026-10-20T00:00:00-05:00', dischargeDate: '2026-10-20', reason: 'hospitalized' }),
    ]);
    expect(byKey('R-1009')[0]).toMatchObject({ facts: { businessLine: 'home_health', payerCategory: 'medicare_advantage', referringOrganization: { kind: 'hospital' } } });
  });

  it('counts the events of every status', () => {
    const counts: Record<string, number> = {};
    for (const event of eventsOf(results)) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
    expect(counts).toEqual({
      'referral.received': 20,
      'referral.accepted': 2,
      'soc.scheduled': 2,
      'admission.admitted': 6,
      'admission.discharged': 2,
      'referral.non_admitted': 5,
      'referral.cancelled': 2,
    });
  });

  it('keeps no patient id, name or birth date in the events', () => {
    const text = JSON.stringify(eventsOf(results));
    expect(text).not.toMatch(/MRN-0001|Testpatient|1941/);
  });

  it('hands back each row keyed by its header, which maps again to the same outcome (a quarantine retry)', () => {
    for (const { line, row, outcome } of results) {
      expect(row?.['Patient Name']).toMatch(/^Testpatient, /);
      expect(mapCsvRow(row ?? {}, line, generic, { ...ctx, fileName: 'generic-referral-log.csv' })).toEqual(outcome);
    }
  });

  it('imported again, gives the same ids: nothing is added', async () => {
    const again = await collect(parseCsvFile(path.join(fixtures, 'generic-referral-log.csv'), generic, ctx));
    expect(eventsOf(again).map((event) => event.eventId)).toEqual(eventsOf(results).map((event) => event.eventId));
    expect(new Set(eventsOf(results).map((event) => event.eventId)).size).toBe(39);
  });

  it('reads the same however the bytes arrive: one at a time, CRLF split and byte order mark included', async () => {
    const bytes = fs.readFileSync(path.join(fixtures, 'generic-referral-log.csv'));
    const oneByOne = Readable.from(Array.from(bytes, (byte) => Buffer.from([byte])));
    expect(await collect(parseCsvStream(oneByOne, 'generic-referral-log.csv', generic, ctx))).toEqual(results);
  });
});

describe('a differently shaped export: the hospice intake log profile', () => {
  let results: CsvRowResult[];
  beforeAll(async () => {
    results = await collect(parseCsvFile(path.join(fixtures, 'hospice-intake-log.csv'), hospice, { ...ctx, feed: 'csv:hospice-intake-log' }));
  });

  it('skips the two title lines, splits on semicolons, and reads Latin-1', () => {
    expect(summary(results)).toEqual([
      [4, ['referral.received', 'admission.admitted']],
      [5, ['referral.received', 'referral.non_admitted']],
      [6, ['referral.received', 'referral.non_admitted']],
      [7, ['referral.received', 'referral.non_admitted']],
      [8, ['referral.received', 'soc.scheduled']],
      [9, ['referral.received', 'referral.cancelled']],
      [10, ['referral.received']],
    ]);
    const [received, admitted] = eventsOf(results);
    expect(received).toEqual({
      eventId: expect.stringMatching(/^csv:[0-9a-f]{64}$/),
      kind: 'referral.received',
      occurredAt: '2026-11-02T14:20:00-06:00',
      source: { format: 'csv', feed: 'csv:hospice-intake-log', messageId: expect.stringMatching(/^csv:hospice-intake-log:PRA-1001:[0-9a-f]{24}$/) },
      patientHash: hashPatient({ value: 'P-77001', assigner: 'intake-log' }),
      referralKey: 'PRA-1001',
      facts: {
        receivedAt: '2026-11-02T14:20:00-06:00',
        referralDate: '2026-11-02',
        businessLine: 'hospice',
        payerCategory: 'medicare_ffs',
        payerName: 'Medicare Part A',
        referringOrganization: { name: 'Clínica San José', npi: '1020304055', address: { city: 'Peoria', state: 'IL', zip: '61602' } },
        referringPractitioner: { familyName: 'Núñez', givenName: 'José', npi: '9080706051' },
        marketerId: 'L-07',
        branch: 'PRA',
        serviceZip: '61603',
      },
    });
    expect(admitted).toMatchObject({ kind: 'admission.admitted', occurredAt: '2026-11-04T00:00:00-06:00', admissionKey: 'A-9001', referralKey: 'PRA-1001', socDate: '2026-11-04' });
  });

  it('translates its own words, with "other" for a reason it does not list or an empty one', () => {
    const statusEvents = eventsOf(results).filter((event) => event.kind !== 'referral.received' && event.kind !== 'admission.admitted');
    expect(statusEvents.map((event) => ({ ...event, eventId: undefined, source: undefined, patientHash: undefined }))).toEqual([
      { kind: 'referral.non_admitted', occurredAt: '2026-11-05T00:00:00-06:00', referralKey: 'PRA-1002', reason: 'patient_declined' },
      { kind: 'referral.non_admitted', occurredAt: '2026-11-06T00:00:00-06:00', referralKey: 'PRA-1003', reason: 'other' },
      { kind: 'referral.non_admitted', occurredAt: '2026-11-08T00:00:00-06:00', referralKey: 'PRA-1004', reason: 'other' },
      { kind: 'soc.scheduled', occurredAt: '2026-11-25T00:00:00-06:00', referralKey: 'PEO-1001', scheduledSocDate: '2026-11-28' },
      { kind: 'referral.cancelled', occurredAt: '2026-11-21T00:00:00-06:00', referralKey: 'PEO-1002', cancelledBy: 'unknown' },
    ].map((event) => ({ ...event, eventId: undefined, source: undefined, patientHash: undefined })));
    const receivedOf = (key: string) => eventsOf(results).find((event) => event.kind === 'referral.received' && event.referralKey === key) as { occurredAt: string; facts: Record<string, unknown> };
    // No referral time: midnight in the agency's zone.
    expect(receivedOf('PRA-1002').occurredAt).toBe('2026-11-03T00:00:00-06:00');
    expect(receivedOf('PRA-1002').facts).toMatchObject({ payerCategory: 'medicare_advantage', payerName: 'Humana Gold Plus' });
    expect(receivedOf('PRA-1003').facts).toMatchObject({ payerCategory: 'medicaid_ffs', referringOrganization: { address: { zip: '61603-2210' } } });
    expect(receivedOf('PEO-1002').facts).toMatchObject({ payerCategory: 'va_military' });
    expect(receivedOf('PEO-1003').facts).toMatchObject({ payerCategory: 'self_pay' });
  });
});

describe('a broken export: each bad row is reported at its line, and the good rows still come through', () => {
  let results: CsvRowResult[];
  beforeAll(async () => {
    results = await collect(parseCsvFile(path.join(fixtures, 'broken-referral-log.csv'), generic, ctx));
  });

  it('reports every problem with the line where its record starts', () => {
    const accepts = (map: string) => `which valueMaps.${map} of profile "generic" does not list; it accepts`;
    expect(results.map(({ line, outcome }) => [line, outcome.ok ? 'ok' : outcome.reason.slice(0, outcome.reason.includes('does not list') ? outcome.reason.indexOf(' it accepts') + 11 : undefined)])).toEqual([
      [2, 'ok'],
      [3, 'the row has 7 fields where the header (line 1) has 10'],
      [4, 'ok'],
      [5, `column "Status" (status) has "Admited", ${accepts('status')}`],
      [6, `column "Non-Admit Reason" (nonAdmitReason) has "Insurance denied", ${accepts('nonAdmitReason')}`],
      [7, `column "Primary Payer" (payerCategory) has "Oscar Health", ${accepts('payerCategory')}`],
      [8, 'a quote opened on line 8 is never closed: one value runs over lines 8-9 up to the next quote, so the rows on those lines were not read'],
      [10, 'ok'],
      [11, 'column "SOC Date" (socDate) is empty: an admitted referral needs its start of care date (OASIS M0030)'],
      [12, expect.stringMatching(/^column "Referral Date" \(receivedAt\) is not a date in any of the profile's dateFormats/)],
      // Line 13 is blank.
      [14, 'ok'],
      // A trailing delimiter is an extra field too: the header decides the shape.
      [15, 'the row has 11 fields where the header (line 1) has 10'],
      [16, 'the row has 11 fields where the header (line 1) has 10'],
      // Stray quotes inside an unquoted value are kept as text.
      [17, 'ok'],
      [18, 'a quoted value opened in the record starting on this line is never closed, so the rest of the file (this line to the end) could not be read as rows: close the quote, or export the report again'],
    ]);
    for (const { line, outcome } of results) if (!outcome.ok) expect(outcome.position).toBe(`broken-referral-log.csv:${line}`);
  });

  it('produces the good rows', () => {
    expect(eventsOf(results).filter((event) => event.kind === 'referral.received').map((event) => 'referralKey' in event && event.referralKey)).toEqual(['B-2001', 'B-2003', 'B-2009', 'B-2013', 'B-2016']);
  });

  it('never quotes the patient\'s name, id or dates', () => {
    for (const { outcome } of results) if (!outcome.ok) expect(outcome.reason).not.toMatch(/Broken|MRN-|\/2026/);
  });
});

describe('headers, title lines and the shape of the file', () => {
  it('refuses a header without the columns the profile needs, once, naming all of them, and reads no row', async () => {
    const results = await parseText('Referral ID,Referral Date,Patient Name,Referral Source\nR-1,11/2/2026,"Testpatient, A",Lakeshore\nR-2,11/3/2026,"Testpatient, B",Lakeshore\n');
    expect(results).toEqual([
      {
        line: 1,
        outcome: {
          ok: false,
          position: 'export.csv:1',
          reason:
            'the header lacks columns the profile needs: "MRN" (patientId), "Status" (status) (profile "generic", a header of 4 columns). ' +
            'No row of this file was read: check skipRows, or fix the profile\'s columns or mark them optional.',
        },
      },
    ]);
  });

  it('matches headers ignoring case and spaces, and refuses one it cannot tell apart', async () => {
    const ok = await parseText('referralid,REFERRAL DATE, mrn ,Status,Referral   Source\nR-1,11/2/2026,M-1,Pending,Lakeshore\n');
    expect(summary(ok)).toEqual([[2, ['referral.received']]]);
    const twice = await parseText('Referral ID,Referral Date,MRN,Status,STATUS,Referral Source\nR-1,11/2/2026,M-1,Pending,Accepted,Lakeshore\n');
    expect(twice[0]?.outcome).toMatchObject({ ok: false, reason: expect.stringContaining('the header names "Status" (columns 4 and 5) more than once') });
    expect(twice).toHaveLength(1);
  });

  it('counts title lines and blank lines, and quoted line breaks, in the line numbers', async () => {
    const titled = parseCsvProfile({ ...generic, name: 'titled', skipRows: 2 }, 'inline');
    const text = [
      'Referral Log, all branches',
      'Run 11/26/2026 "nightly"',
      '',
      'Referral ID,Referral Date,MRN,Status,Referral Source',
      'R-1,11/2/2026,M-1,Pending,"Lakeshore, General"',
      'R-2,11/3/2026,M-2,Pending,"Riverside',
      'North Campus"',
      '',
      'R-3,11/4/2026,M-3,Accepted,Maple Court',
      '',
    ].join('\n');
    expect(summary(await parseText(text, titled))).toEqual([
      [5, ['referral.received']],
      [6, ['referral.received']],
      [9, ['referral.received', 'referral.accepted']],
    ]);
  });

  it('reports an empty file, and a file with nothing after its title lines', async () => {
    expect(await parseText('')).toEqual([{ line: 1, outcome: { ok: false, position: 'export.csv:1', reason: 'the file has no header row: it is empty' } }]);
    const titled = parseCsvProfile({ ...generic, name: 'titled', skipRows: 2 }, 'inline');
    expect((await parseText('Referral Log\nRun 11/26/2026\n', titled))[0]?.outcome).toEqual({
      ok: false,
      position: 'export.csv:3',
      reason: 'the file has no header row after its 2 title line(s) (profile "titled", skipRows)',
    });
  });

  it('stops at a runaway record, once, at its line, saying the rest of the file was not read', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => `R-${i + 10},11/2/2026,M-${i},Pending,Lakeshore General Hospital`);
    const text = ['Referral ID,Referral Date,MRN,Status,Referral Source', 'R-1,11/2/2026,M-1,Pending,Lakeshore', 'R-2,11/2/2026,M-2,Pending,"Unclosed', ...rows].join('\n');
    const results = await collect(parseCsvStream(Readable.from(Array.from({ length: Math.ceil(text.length / 4096) }, (_, i) => Buffer.from(text.slice(i * 4096, (i + 1) * 4096)))), 'export.csv', generic, ctx));
    expect(summary(results)).toEqual([
      [2, ['referral.received']],
      [3, 'the record starting on this line grows past 128000 characters, most likely because a quote opened in it is never closed; the parser cannot find where the next row starts, so the rest of the file (this line to the end) was not read'],
    ]);
  });

  it('stops quoting unknown words after 25 different ones in a file: the profile is likely reading the wrong column', async () => {
    const wrongColumn = parseCsvProfile({ ...generic, name: 'wrong-column', columns: { ...generic.columns, status: 'Patient Name' } }, 'inline');
    const names = Array.from({ length: 30 }, (_, i) => `Patient ${String.fromCharCode(65 + (i % 26))}${'x'.repeat(Math.floor(i / 26))}`);
    const text = ['Referral ID,Referral Date,Patient Name,MRN,Status,Referral Source', ...names.map((name, i) => `R-${i},11/2/2026,${name},M-${i},Pending,Lakeshore`)].join('\n');
    const reasons = (await parseText(text, wrongColumn)).map(({ outcome }) => (outcome.ok ? '' : outcome.reason));
    expect(reasons[0]).toMatch(/^column "Patient Name" \(status\) has "Patient A", which/);
    expect(reasons[24]).toMatch(/^column "Patient Name" \(status\) has "Patient Y", which/);
    for (const reason of reasons.slice(25)) {
      expect(reason).toMatch(/^column "Patient Name" \(status\) has a value not shown \(more than 25 different words of this column are unknown in this file: does the profile read the right column\?\)/);
    }
  });

  it('a changed status in tonight\'s export adds only the new status event', async () => {
    const header = 'Referral ID,Referral Date,MRN,Status,Status Date,SOC Date,Referral Source\n';
    const lastNight = `${header}R-1,11/2/2026,M-1,Accepted,11/3/2026,,Lakeshore\nR-2,11/2/2026,M-2,Pending,,,Lakeshore\n`;
    const tonight = `${header}R-3,11/5/2026,M-3,Pending,,,Lakeshore\nR-1,11/2/2026,M-1,Admitted,11/6/2026,11/6/2026,Lakeshore\nR-2,11/2/2026,M-2,Pending,,,Lakeshore\n`;
    const before = eventsOf(await parseText(lastNight));
    const after = eventsOf(await parseText(tonight));
    const known = new Set(before.map((event) => event.eventId));
    expect(after.filter((event) => !known.has(event.eventId)).map((event) => [event.kind, 'referralKey' in event && event.referralKey])).toEqual([
      ['referral.received', 'R-3'],
      ['admission.admitted', 'R-1'],
    ]);
  });
});

describe('streams and files', () => {
  it('closes the file when the reader stops early', async () => {
    const stream = fs.createReadStream(path.join(fixtures, 'generic-referral-log.csv'));
    for await (const result of parseCsvStream(stream, 'generic-referral-log.csv', generic, ctx)) {
      expect(result.line).toBe(2);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });

  it('rejects when the file cannot be read: that is not a row problem', async () => {
    await expect(collect(parseCsvFile(path.join(fixtures, 'missing.csv'), generic, ctx))).rejects.toThrow(/ENOENT/);
  });

  it('generates synthetic rows the generic profile reads, the same for the same seed', async () => {
    const first = await collect(parseCsvStream(syntheticReferralRows(500, 11), 'synthetic.csv', generic, ctx));
    expect(first).toHaveLength(500);
    expect(first.every((result) => result.outcome.ok)).toBe(true);
    expect(first.map((result) => result.line)).toEqual(Array.from({ length: 500 }, (_, i) => i + 2));
    const kinds = new Set(eventsOf(first).map((event) => event.kind));
    expect([...kinds].sort()).toEqual(['admission.admitted', 'admission.discharged', 'referral.accepted', 'referral.cancelled', 'referral.non_admitted', 'referral.received', 'soc.scheduled']);
    for (const event of eventsOf(first)) canonicalEvent.parse(event);
    const again = await collect(parseCsvStream(syntheticReferralRows(500, 11), 'synthetic.csv', generic, ctx));
    expect(eventsOf(again).map((event) => event.eventId)).toEqual(eventsOf(first).map((event) => event.eventId));
    const other = await collect(parseCsvStream(syntheticReferralRows(10, 12), 'synthetic.csv', generic, ctx));
    expect(eventsOf(other)[0]?.eventId).not.toBe(eventsOf(first)[0]?.eventId);
  });
});
