import fs from 'node:fs';
import path from 'node:path';
import { Ingestor } from '../../src/ehr/ingest';
import { EhrStore } from '../../src/store/ehrStore';
import { TenantRepository } from '../../src/store/tenants';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let ingestor: Ingestor;
let store: EhrStore;
const i12 = fs.readFileSync(path.join(__dirname, '../fixtures/external/hl7v2/REF-I12-01.hl7'), 'utf8');

/** The fixture's referral under another referral id and control id: a different referral of the same patient. */
const referral = (n: number) => i12.replace('226839^EPIC', `R-${n}^EPIC`).replace('|MSG00112|', `|MSG${n}|`);

beforeAll(async () => {
  db = await createTestDatabase('ingestor');
  const tenant = await new TenantRepository(db.pool).ensure(808);
  store = new EhrStore(db.pool);
  ingestor = await Ingestor.forTenant(store, tenant);
});
afterAll(async () => {
  await dropTestDatabase(db);
});

describe('messages arriving together', () => {
  it('are stored together yet answered one by one: a bad one is quarantined, the others accepted', async () => {
    const texts = [referral(1), referral(2), 'MSH|garbage', referral(3), referral(1)];
    const results = await Promise.all(texts.map((text) => ingestor.message('hl7v2', text, 'mllp:test')));
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'quarantined', 'accepted', 'duplicate']);
    expect((await store.listReferrals(808)).map((r) => r.referralKey).sort()).toEqual(['R-1', 'R-2', 'R-3']);
  });

  it('a database failure on one message fails that message alone', async () => {
    await db.pool.query(`
      CREATE OR REPLACE FUNCTION fail_on_r5() RETURNS trigger AS $$
      BEGIN IF NEW.referral_key = 'R-5' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER r5 BEFORE INSERT ON referrals FOR EACH ROW EXECUTE FUNCTION fail_on_r5();`);
    try {
      const settled = await Promise.allSettled([4, 5, 6].map((n) => ingestor.message('hl7v2', referral(n), 'mllp:test')));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const keys = (await store.listReferrals(808)).map((r) => r.referralKey);
      expect(keys).toContain('R-4');
      expect(keys).toContain('R-6');
      expect(keys).not.toContain('R-5');
    } finally {
      await db.pool.query('DROP TRIGGER r5 ON referrals');
    }
  });
});

describe('a long-running ingestor', () => {
  it("reads each message with the tenant's settings of the moment: a time zone changed by the CLI or the settings page applies to the next one", async () => {
    const tenants = new TenantRepository(db.pool);
    const tenant = await tenants.ensure(809);
    await tenants.updateSettings(809, { timeZone: 'America/New_York' });
    const live = await Ingestor.forTenant(store, tenant, () => tenants.find(809));
    // The message's time without its offset (MSH-7 16:20 on 2022-01-25): read in the agency's zone.
    const local = (n: number) => referral(n).replace('202201251620+0000', '202201251620');
    expect((await live.message('hl7v2', local(10), 'mllp:test')).status).toBe('accepted');
    await tenants.updateSettings(809, { timeZone: 'America/Los_Angeles' });
    expect((await live.message('hl7v2', local(11), 'mllp:test')).status).toBe('accepted');
    const received = new Map((await store.listReferrals(809)).map((r) => [r.referralKey, r.facts.receivedAt ?? '']));
    // The same local time in the message, read in New York and then in Los Angeles: three hours apart, all year.
    expect(Date.parse(received.get('R-11') ?? '') - Date.parse(received.get('R-10') ?? '')).toBe(3 * 3600_000);
  });
});
