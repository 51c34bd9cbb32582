import type { EhrStore } from '../store/ehrStore';
import { pollFhirServer } from './fhir';
import { emptySummary, tally, type IngestSummary, type Ingestor } from './ingest';

export interface FhirFeedOptions {
  baseUrl: string;
  /** e.g. { Authorization: 'Bearer …' } for the EHR's FHIR API. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/**
 * One polling run of a FHIR server: resources updated since the saved cursor, page by page, each page stored as one
 * message and the cursor saved after it (a run killed halfway resumes where it stopped, and a page stored twice is a
 * duplicate). Only one process polls a feed at a time: the run holds a PostgreSQL advisory lock, and a process that
 * cannot take it skips the run.
 */
export async function pollFhirFeed(
  store: EhrStore,
  ingestor: Ingestor,
  options: FhirFeedOptions,
): Promise<IngestSummary & { pages: number; skipped: boolean }> {
  const tenantId = ingestor.tenant.tenantId;
  const feed = `fhir-poll:${new URL(options.baseUrl).origin}${new URL(options.baseUrl).pathname}`;
  const summary = { ...emptySummary(), pages: 0, skipped: false };
  const ran = await store.withFeedLock(tenantId, feed, async () => {
    const since = await store.readCursor(tenantId, feed);
    for await (const page of pollFhirServer({
      baseUrl: options.baseUrl,
      ...(since ? { since } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    })) {
      tally(summary, await ingestor.message('fhir', JSON.stringify(page.bundle), feed, `${page.resourceType} page`));
      summary.pages += 1;
      await store.saveCursor(tenantId, feed, page.cursor);
    }
    return true;
  });
  return ran ? summary : { ...summary, skipped: true };
}
