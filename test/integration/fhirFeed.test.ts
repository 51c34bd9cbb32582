import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { pollFhirFeed } from '../../src/ehr/fhirFeed';
import { Ingestor } from '../../src/ehr/ingest';
import { EhrStore } from '../../src/store/ehrStore';
import { TenantRepository } from '../../src/store/tenants';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

const BASE = 'https://fhir.agency.test/r4';
const PORTAL = 5150;
const server = setupServer();
let db: TestDatabase;
let store: EhrStore;
let ingestor: Ingestor;
const searches: string[] = [];

function referralBundle(id: string, lastUpdated: string) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      {
        fullUrl: `${BASE}/ServiceRequest/${id}`,
        search: { mode: 'match' },
        resource: {
          resourceType: 'ServiceRequest',
          id,
          meta: { lastUpdated },
          status: 'active',
          intent: 'order',
          identifier: [{ type: { coding: [{ code: 'PLAC' }] }, value: `REF-${id}` }],
          authoredOn: lastUpdated,
          subject: { reference: `Patient/p-${id}` },
        },
      },
      {
        fullUrl: `${BASE}/Patient/p-${id}`,
        search: { mode: 'include' },
        resource: { resourceType: 'Patient', id: `p-${id}`, identifier: [{ system: 'urn:agency:mrn', value: `M-${id}` }] },
      },
    ],
  };
}

const emptyBundle = { resourceType: 'Bundle', type: 'searchset', entry: [] };

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase('fhir_feed');
  const tenant = await new TenantRepository(db.pool).ensure(PORTAL);
  store = new EhrStore(db.pool);
  ingestor = await Ingestor.forTenant(store, tenant);
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await dropTestDatabase(db);
});

function serve(serviceRequests: (since: string | null) => object) {
  server.use(
    http.get(`${BASE}/:type`, ({ request, params }) => {
      const url = new URL(request.url);
      searches.push(`${String(params.type)} ${url.searchParams.get('_lastUpdated') ?? ''}`);
      if (params.type !== 'ServiceRequest') return HttpResponse.json(emptyBundle);
      return HttpResponse.json(serviceRequests(url.searchParams.get('_lastUpdated')) as Record<string, unknown>);
    }),
  );
}

describe('polling a FHIR server', () => {
  it('stores what changed, saves the cursor, and the next run asks only for what is newer', async () => {
    serve(() => referralBundle('1', '2026-11-27T10:00:00Z'));
    const first = await pollFhirFeed(store, ingestor, { baseUrl: BASE });
    expect(first).toMatchObject({ accepted: 1, quarantined: 0, skipped: false });
    expect((await store.listReferrals(PORTAL)).map((r) => r.referralKey)).toEqual(['REF-1']);

    searches.length = 0;
    serve((since) => (since === 'gt2026-11-27T10:00:00Z' ? referralBundle('2', '2026-11-27T11:00:00Z') : referralBundle('1', '2026-11-27T10:00:00Z')));
    const second = await pollFhirFeed(store, ingestor, { baseUrl: BASE });
    expect(searches).toContain('ServiceRequest gt2026-11-27T10:00:00Z');
    expect(second.accepted).toBe(1);
    expect((await store.listReferrals(PORTAL)).map((r) => r.referralKey).sort()).toEqual(['REF-1', 'REF-2']);
  });

  it('runs once across processes: a poll while another holds the feed is skipped', async () => {
    serve(() => emptyBundle);
    const feed = `${PORTAL}:fhir-poll:https://fhir.agency.test/r4`;
    const holder = await db.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [feed]);
      const skipped = await pollFhirFeed(store, ingestor, { baseUrl: BASE });
      expect(skipped.skipped).toBe(true);
      expect(skipped.pages).toBe(0);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }
    expect((await pollFhirFeed(store, ingestor, { baseUrl: BASE })).skipped).toBe(false);
  });
});
