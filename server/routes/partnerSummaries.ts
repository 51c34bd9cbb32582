import express, { type Router } from 'express';
import type { StoredPartnerSummary } from '../../src/store/partnerSummaryStore';
import { renderPartnerSummaryPdf } from '../../src/sync/partnerSummaryPdf';
import { HttpError } from '../httpErrors';

export interface PartnerSummaryRouteDependencies {
  /** The summary a token opens, among the portals this server serves. */
  summaryByToken(token: string): Promise<StoredPartnerSummary | undefined>;
  /** The tenant's zone now (settings change), for the day the summary was prepared. */
  timeZone(): Promise<string>;
}

/** What newSummaryToken makes: 32 bytes in base64url, 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * GET /partner-summaries/:token.pdf: a partner summary's one-page PDF, the link its liaison's task carries. The
 * token is the only key (unguessable, and the PDF holds counts, no patient data), so an unknown one is a plain 404
 * that says nothing of which tokens exist. Drawn from the stored summary on each request: the same link always gives
 * the same figures.
 */
export function partnerSummaryRoutes(deps: PartnerSummaryRouteDependencies): Router {
  const router = express.Router();
  router.get('/:token.pdf', async (req, res) => {
    const token = req.params.token;
    const stored = TOKEN.test(token) ? await deps.summaryByToken(token) : undefined;
    if (!stored) throw new HttpError(404, 'not_found', 'No partner summary at this address.');
    const pdf = await renderPartnerSummaryPdf({
      summary: stored.summary,
      names: { agency: stored.agencyName ?? undefined, source: stored.sourceName },
      preparedAt: stored.createdAt,
      timeZone: await deps.timeZone(),
    });
    res
      .status(200)
      .type('application/pdf')
      .set({
        'Content-Disposition': `inline; filename="referral-summary-${stored.summary.period.from}.pdf"`,
        // A capability URL: kept out of shared caches and search engines.
        'Cache-Control': 'private, no-store',
        'X-Robots-Tag': 'noindex',
        'Referrer-Policy': 'no-referrer',
      })
      .send(pdf);
  });
  return router;
}
