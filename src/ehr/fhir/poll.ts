import type { Bundle, Resource } from '@medplum/fhirtypes';
import { systemClock, type Clock } from '../../clock';
import { instant } from '../../domain/events';
import { toEpochMs } from './dates';

/**
 * Polls a FHIR R4 server for what changed: a search per resource type with _lastUpdated=gt{cursor}, sorted by
 * _lastUpdated, page by page along Bundle.link "next" (http://hl7.org/fhir/R4/search.html#lastUpdated,
 * http://hl7.org/fhir/R4/http.html#paging). Each page is yielded with the cursor to save once it is processed.
 */

/** A Coverage names no referral on its own: payers arrive with the ServiceRequests that include them. */
export const defaultPollTypes: readonly string[] = ['ServiceRequest', 'Task', 'EpisodeOfCare', 'Encounter'];

type SearchParams = ReadonlyArray<readonly [string, string]>;

/**
 * _include/_revinclude per type, so each page carries what its resources refer to: the parser resolves references
 * inside the message only (search parameters of http://hl7.org/fhir/R4/searchparameter-registry.html).
 */
export const defaultIncludes: Readonly<Record<string, SearchParams>> = {
  ServiceRequest: [
    ['_include', 'ServiceRequest:patient'],
    ['_include', 'ServiceRequest:requester'],
    ['_include', 'ServiceRequest:encounter'],
    ['_include:iterate', 'PractitionerRole:practitioner'],
    ['_include:iterate', 'PractitionerRole:organization'],
    ['_revinclude:iterate', 'Coverage:patient'],
    ['_include:iterate', 'Coverage:payor'],
  ],
  Task: [
    ['_include', 'Task:focus'],
    ['_include', 'Task:patient'],
    ['_include:iterate', 'ServiceRequest:patient'],
  ],
  EpisodeOfCare: [
    ['_include', 'EpisodeOfCare:patient'],
    ['_include', 'EpisodeOfCare:incoming-referral'],
  ],
  Encounter: [
    ['_include', 'Encounter:patient'],
    ['_include', 'Encounter:based-on'],
    ['_include', 'Encounter:episode-of-care'],
  ],
};

export interface FhirPollOptions {
  baseUrl: string;
  /** Default: ServiceRequest, Task, EpisodeOfCare, Encounter. */
  resourceTypes?: readonly string[];
  /** The saved cursor: a page's cursor from an earlier run, or an instant to start every type from. */
  since?: string;
  fetch?: typeof fetch;
  /** e.g. { Authorization: 'Bearer …' }. */
  headers?: Record<string, string>;
  /** _count; default 100. */
  pageSize?: number;
  /** Per type, the _include/_revinclude parameters to send instead of defaultIncludes; false sends none. */
  includes?: false | Readonly<Record<string, SearchParams>>;
  /** Attempts per request on 429, 5xx and network errors; default 4. */
  maxAttempts?: number;
  /** A Retry-After longer than this (default 2 minutes) ends the run instead of holding it. */
  maxRetryWaitMs?: number;
  /** Per request; default 60 s. */
  timeoutMs?: number;
  clock?: Clock;
}

export interface FhirPollPage {
  resourceType: string;
  /** One searchset page: its matches and what they include. */
  bundle: Bundle;
  /** To save once the page is processed; pass it back as `since`. */
  cursor: string;
}

/** A poll that cannot go on. Messages name the URL path, never query values. */
export class FhirPollError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FhirPollError';
  }
}

/**
 * The cursor is per resource type: after a run has finished the Tasks and is halfway through the EpisodesOfCare,
 * one instant cannot say both "every Task up to now" and "EpisodeOfCare up to this page" without skipping a Task
 * changed meanwhile. It is saved as JSON, {"ServiceRequest": "2026-11-27T09:30:00.000Z", ...}; a bare instant (a
 * first run started from a date) applies to every type.
 */
export function readFhirPollCursor(cursor: string | undefined, types: readonly string[]): Record<string, string> {
  if (cursor === undefined || cursor.trim() === '') return {};
  if (instant.safeParse(cursor).success) return Object.fromEntries(types.map((type) => [type, cursor]));
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => instant.safeParse(v).success)) {
    throw new FhirPollError('the saved cursor is neither an instant nor a FHIR poll cursor');
  }
  return parsed as Record<string, string>;
}

function writeCursor(positions: Record<string, string | undefined>): string {
  const defined = Object.entries(positions).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return JSON.stringify(Object.fromEntries(defined.sort(([a], [b]) => a.localeCompare(b))));
}

function searchUrl(base: URL, type: string, since: string | undefined, pageSize: number, includes: SearchParams): URL {
  const url = new URL(encodeURIComponent(type), base);
  if (since) url.searchParams.append('_lastUpdated', `gt${since}`);
  url.searchParams.append('_sort', '_lastUpdated');
  url.searchParams.append('_count', String(pageSize));
  for (const [name, value] of includes) url.searchParams.append(name, value);
  return url;
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface Requester {
  get(url: URL): Promise<Bundle>;
}

function requester(options: FhirPollOptions): Requester {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const maxWait = options.maxRetryWaitMs ?? 120_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const headers = { accept: 'application/fhir+json', ...options.headers };
  return {
    async get(url) {
      const where = `GET ${url.pathname}`;
      for (let attempt = 1; ; attempt += 1) {
        const backoff = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        let response: Response;
        try {
          response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
        } catch (error) {
          if (attempt >= maxAttempts) throw new FhirPollError(`${where} failed after ${attempt} attempts (${error instanceof Error ? error.name : 'network error'})`);
          await clock.sleep(backoff);
          continue;
        }
        if (response.ok) {
          let body: unknown;
          try {
            body = await response.json();
          } catch {
            throw new FhirPollError(`${where} answered ${response.status} with a body that is not JSON`, response.status);
          }
          if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Bundle') {
            throw new FhirPollError(`${where} answered ${response.status} with something other than a FHIR Bundle`, response.status);
          }
          return body as Bundle;
        }
        await response.body?.cancel().catch(() => undefined);
        const retryable = response.status === 429 || response.status >= 500;
        if (!retryable) throw new FhirPollError(`${where} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, response.status);
        if (attempt >= maxAttempts) throw new FhirPollError(`${where} answered ${response.status} ${attempt} times`, response.status);
        const asked = retryAfterMs(response.headers.get('retry-after'), clock.now());
        if (asked !== undefined && asked > maxWait) {
          throw new FhirPollError(`${where} answered ${response.status} and asks to wait ${Math.ceil(asked / 1000)} s, longer than this run waits`, response.status);
        }
        await clock.sleep(asked ?? backoff);
      }
    },
  };
}

/** The page after this one, when its link is on the server's origin; a link elsewhere ends the poll with an error. */
function nextPage(bundle: Bundle, current: URL, base: URL): URL | undefined {
  const link = bundle.link?.find((l) => l.relation === 'next')?.url;
  if (!link) return undefined;
  let next: URL;
  try {
    next = new URL(link, current);
  } catch {
    throw new FhirPollError(`the next link of ${current.pathname} is not a URL`);
  }
  if (next.origin !== base.origin) {
    throw new FhirPollError(`the next link of ${current.pathname} points to ${next.host}, not to the FHIR server ${base.host}: refused`);
  }
  return next;
}

/** The matches of a page (search mode match, or unstated), not the resources it includes. */
function matchesOf(bundle: Bundle, type: string): Resource[] {
  return (bundle.entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === type && (entry.search?.mode ?? 'match') === 'match' ? [entry.resource] : [],
  );
}

/**
 * Every page of every type changed since the cursor. The cursor saved with a page only moves past what is surely
 * done: sorted by _lastUpdated, a page ending at instant L may be followed by more resources at L (a transaction
 * stamps all its resources alike), so while a next page exists the cursor moves to the greatest instant before L;
 * after the last page, to the greatest seen. A server that does not sort (or a match without meta.lastUpdated) keeps
 * the type's cursor where it was until its last page. Pages may be seen again after a crash; events are idempotent.
 */
export async function* pollFhirServer(options: FhirPollOptions): AsyncGenerator<FhirPollPage, void, undefined> {
  let base: URL;
  try {
    base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  } catch {
    throw new FhirPollError('the FHIR base URL is not a URL');
  }
  const types = options.resourceTypes ?? defaultPollTypes;
  const positions: Record<string, string | undefined> = readFhirPollCursor(options.since, types);
  const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 100));
  const http = requester(options);
  for (const type of types) {
    const includes = options.includes === false ? [] : ((options.includes ?? defaultIncludes)[type] ?? []);
    let url: URL | undefined = searchUrl(base, type, positions[type], pageSize, includes);
    const visited = new Set<string>();
    let sorted = true;
    let greatest = positions[type];
    let last: string | undefined;
    let beforeLast = positions[type];
    while (url) {
      if (visited.has(url.href)) throw new FhirPollError(`the next link of ${url.pathname} leads back to a page already read`);
      visited.add(url.href);
      const bundle = await http.get(url);
      for (const resource of matchesOf(bundle, type)) {
        const updated = resource.meta?.lastUpdated;
        if (updated === undefined || !instant.safeParse(updated).success) {
          sorted = false;
          continue;
        }
        if (last !== undefined && toEpochMs(updated) < toEpochMs(last)) sorted = false;
        if (last === undefined || toEpochMs(updated) > toEpochMs(last)) {
          beforeLast = last ?? beforeLast;
          last = updated;
        }
        if (greatest === undefined || toEpochMs(updated) > toEpochMs(greatest)) greatest = updated;
      }
      // A next link off the server is refused, but only after this page, which is good, has been handed over.
      let next: URL | undefined;
      let refused: FhirPollError | undefined;
      try {
        next = nextPage(bundle, url, base);
      } catch (error) {
        if (!(error instanceof FhirPollError)) throw error;
        refused = error;
      }
      if (!next && !refused) positions[type] = greatest;
      else if (sorted && beforeLast !== undefined && (positions[type] === undefined || toEpochMs(beforeLast) > toEpochMs(positions[type]))) {
        positions[type] = beforeLast;
      }
      if ((bundle.entry ?? []).length > 0) yield { resourceType: type, bundle, cursor: writeCursor(positions) };
      if (refused) throw refused;
      url = next;
    }
  }
}
