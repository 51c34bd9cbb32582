import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildApp } from '../../server/app';
import { ingestRoutes } from '../../server/routes/ingest';
import { Ingestor } from '../../src/ehr/ingest';
import { SIGNATURE_HEADER, signBody } from '../../src/ehr/signature';
import { createLogger } from '../../src/logger';
import { EhrStore } from '../../src/store/ehrStore';
import { TenantRepository } from '../../src/store/tenants';
import { virtualClock } from '../support/clock';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

const PORTAL = 777;
let db: TestDatabase;
let server: Server;
let url: string;
let store: EhrStore;
let secret: string;
const clock = virtualClock(Date.parse('2026-11-27T15:00:00Z'));

beforeAll(async () => {
  db = await createTestDatabase('ingest_routes');
  const tenant = await new TenantRepository(db.pool).ensure(PORTAL);
  store = new EhrStore(db.pool);
  secret = await store.ingestSecret(PORTAL);
  const ingestor = await Ingestor.forTenant(store, tenant);
  const app = buildApp({
    logger: createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) }),
    readiness: [],
    rawBodyRoutes: [
      {
        path: '/ingest',
        router: ingestRoutes({
          ingestorFor: async (portalId) => (portalId === PORTAL ? ingestor : undefined),
          secretFor: (portalId) => store.ingestSecret(portalId),
          clock,
        }),
      },
    ],
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dropTestDatabase(db);
});

const referralDocument = JSON.stringify({
  messageId: 'intake-2026-11-27-0042',
  events: [
    {
      kind: 'referral.received',
      occurredAt: '2026-11-27T09:30:00-05:00',
      patient: { id: 'P-1001', assigner: 'MAIN-EHR' },
      referralKey: 'R-42',
      facts: { receivedAt: '2026-11-27T09:30:00-05:00', businessLine: 'home_health', referringOrganization: { name: 'Mercy General' } },
    },
  ],
});

async function push(path: string, body: string, signature?: string) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const now = () => Math.floor(clock.now() / 1000);

describe('signed pushes to /ingest', () => {
  it('stores a signed JSON document, and says duplicate when it is sent again', async () => {
    const first = await push(`/ingest/${PORTAL}/json`, referralDocument, signBody(secret, referralDocument, now()));
    expect(first).toEqual({ status: 202, body: { status: 'accepted' } });
    const again = await push(`/ingest/${PORTAL}/json`, referralDocument, signBody(secret, referralDocument, now()));
    expect(again).toEqual({ status: 202, body: { status: 'duplicate' } });
    const [referral] = await store.listReferrals(PORTAL);
    expect(referral).toMatchObject({ referralKey: 'R-42', status: 'received', facts: { referringOrganization: { name: 'Mercy General' } } });
    expect(JSON.stringify(referral)).not.toContain('P-1001');
  });

  it('refuses a missing, wrong or stale signature with 401 and stores nothing', async () => {
    const before = await store.counts(PORTAL);
    const body = referralDocument.replace('R-42', 'R-43');
    const missing = await push(`/ingest/${PORTAL}/json`, body);
    const wrong = await push(`/ingest/${PORTAL}/json`, body, signBody('not-the-secret', body, now()));
    const tampered = await push(`/ingest/${PORTAL}/json`, body, signBody(secret, referralDocument, now()));
    const stale = await push(`/ingest/${PORTAL}/json`, body, signBody(secret, body, now() - 6 * 60));
    expect([missing, wrong, tampered, stale].map((r) => [r.status, (r.body.error as { code: string }).code])).toEqual([
      [401, 'invalid_signature'],
      [401, 'invalid_signature'],
      [401, 'invalid_signature'],
      [401, 'invalid_signature'],
    ]);
    expect((stale.body.error as { message: string }).message).toContain('five-minute window');
    expect(await store.counts(PORTAL)).toEqual(before);
  });

  it('answers 422 with the reason when the document cannot be read, and quarantines it', async () => {
    const body = JSON.stringify({ messageId: 'bad-1', events: [{ kind: 'referral.received', patient: { id: 'P-9' }, referralKey: 'R-9', occurredAt: 'yesterday', facts: {} }] });
    const answer = await push(`/ingest/${PORTAL}/json`, body, signBody(secret, body, now()));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'message_quarantined', message: expect.stringContaining('events[0]: occurredAt') });
    const [entry] = await store.listQuarantine(PORTAL);
    expect(entry).toMatchObject({ format: 'json', feed: 'push:json' });
  });

  it('stores a signed FHIR Bundle pushed by an EHR', async () => {
    const bundle = fs.readFileSync(path.join(__dirname, '../fixtures/external/fhir/converted-REF-I12-01.json'), 'utf8');
    const answer = await push(`/ingest/${PORTAL}/fhir`, bundle, signBody(secret, bundle, now()));
    expect(answer).toEqual({ status: 202, body: { status: 'accepted' } });
    const referral = (await store.listReferrals(PORTAL)).find((r) => r.referralKey === '226839');
    expect(referral?.status).toBe('received');
  });

  it('answers 404 for a portal it does not serve or a format it does not take', async () => {
    const other = await push('/ingest/12345/json', referralDocument, signBody(secret, referralDocument, now()));
    expect(other).toMatchObject({ status: 404, body: { error: { code: 'unknown_portal' } } });
    const xml = await push(`/ingest/${PORTAL}/xml`, '<x/>', signBody(secret, '<x/>', now()));
    expect(xml).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});
