import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TenantRepository } from '../../src/store/tenants';
import { runCli } from '../support/cli';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

const PORTAL = 4100;
let db: TestDatabase;
let folder: string;

const csv = [
  'Referral ID,MRN,Referral Date,Status,Status Date,Non-Admit Reason,Referral Source',
  'C-1,MRN-9001,11/2/2026 9:00 AM,Accepted,11/2/2026 11:00 AM,,Lakeshore General Hospital',
  'C-2,MRN-9002,11/3/2026 10:00 AM,Non-Admit,11/3/2026 4:00 PM,Insurance,Prairie Family Practice',
  'C-3,MRN-9003,11/4/2026 10:00 AM,Maybe,11/4/2026,,Prairie Family Practice',
].join('\n');

beforeAll(async () => {
  db = await createTestDatabase('ingest_cli');
  await new TenantRepository(db.pool).ensure(PORTAL);
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-ingest-'));
  const i12 = fs.readFileSync(path.join(__dirname, '../fixtures/external/hl7v2/REF-I12-01.hl7'));
  fs.writeFileSync(path.join(folder, 'a-referral.hl7'), i12);
  fs.writeFileSync(path.join(folder, 'b-referral-again.hl7'), i12);
  fs.writeFileSync(path.join(folder, 'c-broken.hl7'), 'this is not an HL7 message\r');
  fs.writeFileSync(path.join(folder, 'd-referral-log.csv'), `${csv}\n`);
});
afterAll(async () => {
  fs.rmSync(folder, { recursive: true, force: true });
  await dropTestDatabase(db);
});

async function cli(args: string[]) {
  const run = runCli(args, { DATABASE_URL: db.url });
  const code = await run.exit();
  return { code, output: run.output() };
}

describe('referralynx ingest, referrals and quarantine', () => {
  it('ingests a folder of HL7 and CSV, says what was accepted, duplicated and quarantined, and why', async () => {
    const { code, output } = await cli(['ingest', folder]);
    expect(code).toBe(0);
    // a-referral: accepted; b-referral-again: the same message, a duplicate; c-broken: quarantined;
    // the CSV: C-1 and C-2 accepted, C-3 quarantined for its status word (line 4 of the file).
    expect(output).toContain('3 accepted, 1 duplicate, 2 quarantined');
    expect(output).toMatch(/1 x .*Status.*Maybe/);
    const again = await cli(['ingest', folder]);
    expect(again.output).toContain('0 accepted, 4 duplicates, 2 quarantined');
  });

  it('lists the derived referrals as JSON without patient data', async () => {
    const { code, output } = await cli(['referrals', 'list', '--json']);
    expect(code).toBe(0);
    const listed = JSON.parse(output.slice(output.indexOf('{'))) as { referrals: Array<{ referralKey: string; status: string }> };
    expect(listed.referrals.map((r) => [r.referralKey, r.status]).sort()).toEqual([
      ['226839', 'received'],
      ['C-1', 'accepted'],
      ['C-2', 'non_admitted'],
    ]);
    for (const phi of ['EVERYMAN', 'ADAM', 'PATID1234', 'MRN-9001', '19610615', '42010']) expect(output).not.toContain(phi);
  });

  it('lists the quarantine with places and reasons; a retry with nothing fixed keeps them there', async () => {
    const listed = await cli(['quarantine', 'list']);
    expect(listed.output).toMatch(/#\d+ .* hl7v2 .*c-broken\.hl7/);
    expect(listed.output).toMatch(/#\d+ .* csv .*d-referral-log\.csv:4 .*Maybe/);
    expect(listed.output).toContain('2 quarantined');

    const retried = await cli(['quarantine', 'retry']);
    expect(retried.code).toBe(0);
    expect(retried.output).toContain('0 resolved');
    expect(retried.output).toContain('0 accepted, 0 duplicates, 2 quarantined');
  });

  it('after the missing wording is added to a profile, a retry with it resolves the row', async () => {
    const generic = fs.readFileSync(path.join(__dirname, '../../src/ehr/csv/profiles/generic.yaml'), 'utf8');
    const custom = generic
      .replace('name: generic', 'name: our-ehr')
      .replace('      Canceled: cancelled', '      Canceled: cancelled\n      Maybe: pending_intake');
    const profile = path.join(folder, 'our-ehr.yaml');
    fs.writeFileSync(profile, custom);
    const retried = await cli(['quarantine', 'retry', '--profile', profile]);
    expect(retried.code).toBe(0);
    // The CSV row goes through; the broken HL7 file stays broken.
    expect(retried.output).toContain('1 resolved');
    expect(retried.output).toContain('1 accepted, 0 duplicates, 1 quarantined');
    const listed = await cli(['referrals', 'list', '--json']);
    expect(listed.output).toContain('"referralKey": "C-3"');
  });

  it('says clearly when the path does not exist', async () => {
    const { code, output } = await cli(['ingest', path.join(folder, 'nope')]);
    expect(code).not.toBe(0);
    expect(output).toContain('no such file or folder');
  });
});
