import fc from 'fast-check';
import type { CanonicalEvent } from '../../src/domain/events';
import type { ParseOutcome } from '../../src/ehr/types';
import { EhrStore, type RawInput } from '../../src/store/ehrStore';
import { TenantRepository } from '../../src/store/tenants';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';
import { event, patient } from '../support/events';

let db: TestDatabase;
let store: EhrStore;
let nextTenant = 500;

beforeAll(async () => {
  db = await createTestDatabase('ehr_store');
  store = new EhrStore(db.pool);
});
afterAll(async () => {
  await dropTestDatabase(db);
});

async function tenant(): Promise<number> {
  nextTenant += 1;
  await new TenantRepository(db.pool).ensure(nextTenant);
  return nextTenant;
}

const input: RawInput = { format: 'json', feed: 'test', payload: '{}' };
const message = (messageKey: string, events: CanonicalEvent[]): ParseOutcome => ({ ok: true, messageKey, events });

const dana = patient('dana');
const course = () => [
  message('m1', [
    event({ kind: 'referral.received', referralKey: 'R-1', patientHash: dana, occurredAt: '2026-11-02T09:00:00-05:00', facts: { receivedAt: '2026-11-02T09:00:00-05:00', businessLine: 'hospice', referringOrganization: { name: 'St. Luke Hospital' } } }),
  ]),
  message('m2', [event({ kind: 'referral.accepted', referralKey: 'R-1', patientHash: dana, occurredAt: '2026-11-02T11:00:00-05:00' })]),
  message('m3', [event({ kind: 'admission.admitted', admissionKey: 'E-1', patientHash: dana, occurredAt: '2026-11-03T15:00:00-05:00', socDate: '2026-11-03', firstVisitAt: '2026-11-03T13:00:00-05:00' })]),
  message('m4', [event({ kind: 'hospice.elected', admissionKey: 'E-1', patientHash: dana, occurredAt: '2026-11-03T15:05:00-05:00', electionDate: '2026-11-03' })]),
  message('m5', [event({ kind: 'admission.discharged', admissionKey: 'E-1', patientHash: dana, occurredAt: '2026-11-25T10:00:00-05:00', dischargeDate: '2026-11-25', reason: 'expired' })]),
];

async function snapshot(tenantId: number) {
  const referrals = await store.listReferrals(tenantId);
  const admissions = await store.listAdmissions(tenantId);
  const { rows } = await db.pool.query('SELECT referral_key, status, source_name, soc_date::text, business_line FROM referrals WHERE tenant_id = $1', [tenantId]);
  return { referrals, admissions, rows };
}

describe('storing EHR messages', () => {
  it('derives the referral and its admission, with the columns reports use', async () => {
    const t = await tenant();
    for (const m of course()) expect((await store.record(t, m, input)).status).toBe('accepted');
    const { referrals, admissions, rows } = await snapshot(t);
    expect(referrals.map((r) => [r.referralKey, r.status, r.admissionKey])).toEqual([['R-1', 'admitted', 'E-1']]);
    expect(admissions.map((a) => [a.admissionKey, a.status, a.referralKey, a.electionDate])).toEqual([['E-1', 'expired', 'R-1', '2026-11-03']]);
    expect(rows).toEqual([{ referral_key: 'R-1', status: 'admitted', source_name: 'St. Luke Hospital', soc_date: '2026-11-03', business_line: 'hospice' }]);
  });

  it('a replayed feed changes nothing and is reported as duplicates', async () => {
    const t = await tenant();
    const messages = course();
    for (const m of messages) await store.record(t, m, input);
    const before = await snapshot(t);
    const counts = await store.counts(t);
    const replay = await Promise.all(messages.map((m) => store.record(t, m, input)));
    expect(replay.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await snapshot(t)).toEqual(before);
    expect(await store.counts(t)).toEqual(counts);
  });

  it('shuffled messages, even sent at once by two processes, converge to the same state', async () => {
    const messages = course();
    const reference = await tenant();
    for (const m of messages) await store.record(reference, m, input);
    const expected = await snapshot(reference);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(messages, { minLength: 5, maxLength: 5 }), async (shuffled) => {
        const t = await tenant();
        // Two at a time, as two server processes would.
        for (let i = 0; i < shuffled.length; i += 2) {
          await Promise.all(shuffled.slice(i, i + 2).map((m) => store.record(t, m, input)));
        }
        expect(await snapshot(t)).toEqual(expected);
      }),
      { numRuns: 12 },
    );
  });

  it('quarantines what an adapter refused, with its reason and place, and lists it without the payload', async () => {
    const t = await tenant();
    const result = await store.record(
      t,
      { ok: false, reason: 'RF1-6 (originating referral id) is empty', messageKey: 'hl7:GHH:MSG1' },
      { format: 'hl7v2', feed: 'mllp:2575', payload: 'MSH|^~\\&|...PID|||MRN123^^^GHH||EVERYMAN^ADAM', position: 'batch.hl7#2' },
    );
    expect(result).toMatchObject({ status: 'quarantined', reason: 'RF1-6 (originating referral id) is empty' });
    const [entry] = await store.listQuarantine(t);
    expect(entry).toMatchObject({ format: 'hl7v2', feed: 'mllp:2575', position: 'batch.hl7#2', reason: 'RF1-6 (originating referral id) is empty' });
    expect(JSON.stringify(entry)).not.toContain('EVERYMAN');
  });

  it('never writes half a message: a failure while deriving leaves no event and no message behind', async () => {
    const t = await tenant();
    await db.pool.query(`
      CREATE OR REPLACE FUNCTION fail_on_boom() RETURNS trigger AS $$
      BEGIN IF NEW.referral_key = 'R-BOOM' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
      DROP TRIGGER IF EXISTS boom ON referrals;
      CREATE TRIGGER boom BEFORE INSERT OR UPDATE ON referrals FOR EACH ROW EXECUTE FUNCTION fail_on_boom();`);
    try {
      const boom = message('m-boom', [
        event({ kind: 'referral.received', referralKey: 'R-OK', patientHash: patient('eve'), occurredAt: '2026-11-02T09:00:00-05:00', facts: {} }),
        event({ kind: 'referral.received', referralKey: 'R-BOOM', patientHash: patient('eve'), occurredAt: '2026-11-02T09:00:00-05:00', facts: {} }),
      ]);
      await expect(store.record(t, boom, input)).rejects.toThrow('disk full');
      expect(await store.counts(t)).toEqual({ messages: 0, events: 0, referrals: 0, admissions: 0, quarantined: 0 });
    } finally {
      await db.pool.query('DROP TRIGGER boom ON referrals');
    }
  });

  it('an event that does not pass the canonical schema is quarantined, not stored', async () => {
    const t = await tenant();
    const bad = message('m-bad', [{ ...event({ kind: 'referral.accepted', referralKey: 'R-9', occurredAt: '2026-11-02T09:00:00-05:00' }), patientHash: 'plain-mrn-123' } as CanonicalEvent]);
    const result = await store.record(t, bad, input);
    expect(result).toMatchObject({ status: 'quarantined', reason: 'event 1 failed validation at patientHash: must be a keyed SHA-256 hash' });
    expect((await store.counts(t)).events).toBe(0);
  });

  it('stores a batch (the rows of one export) in one go, answering for each row', async () => {
    const t = await tenant();
    const frank = patient('frank');
    const received = (key: string) =>
      event({ kind: 'referral.received', referralKey: key, patientHash: frank, occurredAt: '2026-11-05T08:00:00-06:00', facts: {} });
    const rowA = message('csv:a', [received('R-A')]);
    const results = await store.recordMany(t, [
      { outcome: rowA, input },
      { outcome: { ok: false, reason: 'column "Status": unknown value "Maybe"', position: 'export.csv:3' }, input },
      { outcome: rowA, input },
      { outcome: message('csv:b', [received('R-B')]), input },
    ]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'quarantined', 'duplicate', 'accepted']);
    expect((await store.listReferrals(t)).map((r) => r.referralKey)).toEqual(['R-A', 'R-B']);
    expect((await store.listQuarantine(t))[0]?.position).toBe('export.csv:3');
  });

  it('queues what changed for the sync to HubSpot in the same transaction, once per record, and nothing on a replay', async () => {
    const t = await tenant();
    const messages = course();
    // The jobs waiting in pg-boss for this tenant, by queue and record.
    const outbox = async () =>
      (
        await db.pool.query(
          `SELECT name, data->>'key' AS key FROM pgboss.job WHERE state = 'created' AND (data->>'tenantId')::bigint = $1 ORDER BY 1, 2`,
          [t],
        )
      ).rows;
    await store.record(t, messages[0]!, input);
    expect(await outbox()).toEqual([{ name: 'hubspot-referrals', key: 'R-1' }]);
    for (const m of messages.slice(1)) await store.record(t, m, input);
    // Five messages later: still one entry per record.
    expect(await outbox()).toEqual([
      { name: 'hubspot-admissions', key: 'E-1' },
      { name: 'hubspot-referrals', key: 'R-1' },
    ]);
    await db.pool.query(`DELETE FROM pgboss.job WHERE (data->>'tenantId')::bigint = $1`, [t]);
    for (const m of messages) await store.record(t, m, input);
    expect(await outbox()).toEqual([]);
  });

  it('keeps one patient hash key per tenant', async () => {
    const a = await tenant();
    const b = await tenant();
    const keyA = await store.patientHashKey(a);
    expect(keyA).toHaveLength(32);
    expect((await store.patientHashKey(a)).equals(keyA)).toBe(true);
    expect((await store.patientHashKey(b)).equals(keyA)).toBe(false);
  });
});
