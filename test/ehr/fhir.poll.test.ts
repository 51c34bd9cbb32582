import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { FhirPollError, parseFhirPayload, pollFhirServer, readFhirPollCursor, type FhirPollOptions, type FhirPollPage } from '../../src/ehr/fhir';
import { createPatientHasher } from '../../src/ehr/patientHash';
import { virtualClock } from '../support/clock';

/** A FHIR server double: searchset pages with next links, and the failures a real one answers with. */

const BASE = 'https://ehr.test/fhir';
const SINCE = '2026-11-27T00:00:00Z';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Stub {
  resourceType: string;
  id: string;
  meta: { lastUpdated: string };
  [element: string]: unknown;
}

const stub = (resourceType: string, id: string, lastUpdated: string, elements: Record<string, unknown> = {}): Stub => ({
  resourceType,
  id,
  meta: { lastUpdated },
  ...elements,
});

function searchset(type: string, matches: Stub[], options: { next?: string; include?: Stub[] } = {}) {
  return {
    resourceType: 'Bundle',
    id: `${type}-page-${matches.map((m) => m.id).join('-')}`,
    type: 'searchset',
    link: [{ relation: 'self', url: `${BASE}/${type}` }, ...(options.next ? [{ relation: 'next', url: options.next }] : [])],
    entry: [
      ...matches.map((resource) => ({ fullUrl: `${BASE}/${type}/${resource.id}`, resource, search: { mode: 'match' } })),
      ...(options.include ?? []).map((resource) => ({ fullUrl: `${BASE}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'include' } })),
    ],
  };
}

/** A search on `type` answered in two pages: the first links to the second with ?page=2. */
function twoPages(type: string, first: Stub[], second: Stub[], seen: URL[], include: Stub[] = []) {
  return http.get(`${BASE}/${type}`, ({ request }) => {
    const url = new URL(request.url);
    seen.push(url);
    return HttpResponse.json(
      url.searchParams.get('page') === '2' ? searchset(type, second) : searchset(type, first, { next: `${BASE}/${type}?page=2&_count=2`, include }),
    );
  });
}

async function collect(options: FhirPollOptions): Promise<{ pages: FhirPollPage[]; error?: unknown }> {
  const pages: FhirPollPage[] = [];
  try {
    for await (const page of pollFhirServer(options)) pages.push(page);
    return { pages };
  } catch (error) {
    return { pages, error };
  }
}

const patient = stub('Patient', 'p1', '2030-01-01T00:00:00Z', { identifier: [{ system: 'https://agency.example/mrn', value: 'MRN-0001', type: { coding: [{ code: 'MR' }] } }] });
const referral = (id: string, lastUpdated: string) =>
  stub('ServiceRequest', id, lastUpdated, { identifier: [{ value: `REF-${id}` }], status: 'active', intent: 'order', subject: { reference: 'Patient/p1' } });

describe('polling a FHIR server', () => {
  it('reads two pages per type, and the cursor moves only past what is surely done', async () => {
    const seen: URL[] = [];
    server.use(
      // sr2 and sr3 share 11:00 across the page break, as resources of one transaction do.
      twoPages('ServiceRequest', [referral('sr1', '2026-11-27T10:00:00Z'), referral('sr2', '2026-11-27T11:00:00Z')], [referral('sr3', '2026-11-27T11:00:00Z'), referral('sr4', '2026-11-27T12:00:00Z')], seen, [patient]),
      twoPages('Task', [stub('Task', 't1', '2026-11-27T09:00:00Z'), stub('Task', 't2', '2026-11-27T09:30:00Z')], [stub('Task', 't3', '2026-11-27T13:00:00Z')], seen),
    );
    const { pages, error } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest', 'Task'], since: SINCE, pageSize: 2 });
    expect(error).toBeUndefined();
    expect(pages.map((p) => `${p.resourceType} ${p.bundle.id}`)).toEqual([
      'ServiceRequest ServiceRequest-page-sr1-sr2',
      'ServiceRequest ServiceRequest-page-sr3-sr4',
      'Task Task-page-t1-t2',
      'Task Task-page-t3',
    ]);
    const cursors = pages.map((p) => readFhirPollCursor(p.cursor, []));
    expect(cursors).toEqual([
      // More at 11:00 may follow on the next page (sr3 does): only up to 10:00 is done. The included Patient's
      // lastUpdated (2030) is not a match and moves nothing.
      { ServiceRequest: '2026-11-27T10:00:00Z', Task: SINCE },
      // The last page: everything up to the greatest lastUpdated seen.
      { ServiceRequest: '2026-11-27T12:00:00Z', Task: SINCE },
      { ServiceRequest: '2026-11-27T12:00:00Z', Task: '2026-11-27T09:00:00Z' },
      { ServiceRequest: '2026-11-27T12:00:00Z', Task: '2026-11-27T13:00:00Z' },
    ]);

    const first = seen[0];
    expect(first?.pathname).toBe('/fhir/ServiceRequest');
    expect(first?.searchParams.get('_lastUpdated')).toBe(`gt${SINCE}`);
    expect(first?.searchParams.get('_sort')).toBe('_lastUpdated');
    expect(first?.searchParams.get('_count')).toBe('2');
    expect(first?.searchParams.getAll('_include')).toEqual(['ServiceRequest:patient', 'ServiceRequest:requester', 'ServiceRequest:encounter']);
    expect(seen.map((url) => url.searchParams.get('page'))).toEqual([null, '2', null, '2']);
  });

  it('a page is a message the parser maps, with what it includes', async () => {
    const seen: URL[] = [];
    server.use(twoPages('ServiceRequest', [referral('sr1', '2026-11-27T10:00:00Z')], [], seen, [patient]));
    const { pages } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest'], since: SINCE });
    const hashPatient = createPatientHasher(Buffer.alloc(32, 4));
    const outcome = parseFhirPayload(pages[0]?.bundle, { feed: 'fhir-poll', timeZone: 'America/New_York', hashPatient });
    expect(outcome).toMatchObject({
      ok: true,
      events: [{ kind: 'referral.received', referralKey: 'REF-sr1', occurredAt: '2026-11-27T10:00:00Z', patientHash: hashPatient({ value: 'MRN-0001', assigner: 'https://agency.example/mrn' }) }],
    });
    // The second page has no entries: nothing to store, nothing yielded.
    expect(pages).toHaveLength(1);
  });

  it('resumes from the saved cursor, each type from its own instant', async () => {
    const seen: URL[] = [];
    server.use(
      http.get(`${BASE}/:type`, ({ request }) => {
        seen.push(new URL(request.url));
        return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', total: 0 });
      }),
    );
    const saved = JSON.stringify({ ServiceRequest: '2026-11-27T12:00:00Z', Task: '2026-11-27T13:00:00Z' });
    const { pages, error } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest', 'Task', 'EpisodeOfCare'], since: saved });
    expect(error).toBeUndefined();
    expect(pages).toEqual([]);
    // EpisodeOfCare has no position yet: read from the beginning.
    expect(seen.map((url) => [url.pathname, url.searchParams.get('_lastUpdated')])).toEqual([
      ['/fhir/ServiceRequest', 'gt2026-11-27T12:00:00Z'],
      ['/fhir/Task', 'gt2026-11-27T13:00:00Z'],
      ['/fhir/EpisodeOfCare', null],
    ]);
  });

  it('waits as long as a 429 Retry-After asks, then retries', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/ServiceRequest`, () => {
        calls += 1;
        return calls === 1 ? new HttpResponse(null, { status: 429, headers: { 'Retry-After': '3' } }) : HttpResponse.json(searchset('ServiceRequest', [referral('sr1', '2026-11-27T10:00:00Z')]));
      }),
    );
    const clock = virtualClock(0);
    const { pages, error } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest'], since: SINCE, clock });
    expect(error).toBeUndefined();
    expect(calls).toBe(2);
    expect(clock.slept).toEqual([3000]);
    expect(readFhirPollCursor(pages[0]?.cursor, [])).toEqual({ ServiceRequest: '2026-11-27T10:00:00Z' });
  });

  it('backs off on 5xx (1 s, 2 s, ...) and gives up after the last attempt', async () => {
    server.use(http.get(`${BASE}/ServiceRequest`, () => new HttpResponse(null, { status: 503 })));
    const clock = virtualClock(0);
    const { error } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest'], since: SINCE, clock, maxAttempts: 3 });
    expect(error).toBeInstanceOf(FhirPollError);
    expect((error as FhirPollError).message).toBe('GET /fhir/ServiceRequest answered 503 3 times');
    expect(clock.slept).toEqual([1000, 2000]);
  });

  it('refuses a next link to another origin, and never calls it', async () => {
    const seen: URL[] = [];
    server.use(
      http.get(`${BASE}/ServiceRequest`, ({ request }) => {
        seen.push(new URL(request.url));
        return HttpResponse.json(searchset('ServiceRequest', [referral('sr1', '2026-11-27T10:00:00Z')], { next: 'https://elsewhere.test/fhir/ServiceRequest?page=2' }));
      }),
    );
    const { pages, error } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest'], since: SINCE });
    expect(error).toBeInstanceOf(FhirPollError);
    expect((error as Error).message).toBe('the next link of /fhir/ServiceRequest points to elsewhere.test, not to the FHIR server ehr.test: refused');
    expect(seen.map((url) => url.host)).toEqual(['ehr.test']);
    // The page that carries the link is good and is handed over first; its cursor stays where it was, as the
    // pages that were due never came.
    expect(pages.map((p) => readFhirPollCursor(p.cursor, []))).toEqual([{ ServiceRequest: SINCE }]);
  });

  it('a 4xx ends the poll with the URL path and status, no query values, and sends the configured headers', async () => {
    let authorization: string | null = null;
    server.use(
      http.get(`${BASE}/ServiceRequest`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return new HttpResponse(null, { status: 401, statusText: 'Unauthorized' });
      }),
    );
    const { error } = await collect({ baseUrl: `${BASE}/`, resourceTypes: ['ServiceRequest'], since: SINCE, headers: { Authorization: 'Bearer test-token' } });
    expect(error).toBeInstanceOf(FhirPollError);
    expect((error as FhirPollError).status).toBe(401);
    expect((error as Error).message).toBe('GET /fhir/ServiceRequest answered 401 Unauthorized');
    expect(authorization).toBe('Bearer test-token');
  });

  it('a Retry-After longer than the run waits ends the run instead of holding it', async () => {
    server.use(http.get(`${BASE}/ServiceRequest`, () => new HttpResponse(null, { status: 429, headers: { 'Retry-After': '3600' } })));
    const clock = virtualClock(0);
    const { error } = await collect({ baseUrl: BASE, resourceTypes: ['ServiceRequest'], since: SINCE, clock });
    expect((error as Error).message).toBe('GET /fhir/ServiceRequest answered 429 and asks to wait 3600 s, longer than this run waits');
    expect(clock.slept).toEqual([]);
  });

  it('refuses a saved cursor it cannot read', async () => {
    const { error } = await collect({ baseUrl: BASE, since: 'last tuesday' });
    expect((error as Error).message).toBe('the saved cursor is neither an instant nor a FHIR poll cursor');
  });
});
