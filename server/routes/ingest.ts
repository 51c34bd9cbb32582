import express, { type Router } from 'express';
import type { Clock } from '../../src/clock';
import type { Ingestor } from '../../src/ehr/ingest';
import { SIGNATURE_HEADER, verifySignature } from '../../src/ehr/signature';
import { HttpError } from '../httpErrors';

export interface IngestRouteDependencies {
  /** The ingestor of a portal this server serves, or undefined. */
  ingestorFor(portalId: number): Promise<Ingestor | undefined>;
  /** The portal's signing secret for pushes. */
  secretFor(portalId: number): Promise<string>;
  clock: Clock;
}

/**
 * Pushes from EHRs and interface engines: POST /ingest/:portalId/json (Referralynx JSON) and
 * POST /ingest/:portalId/fhir (a FHIR R4 Bundle or resource), each signed with the portal's ingest secret
 * (src/ehr/signature.ts). The raw body is read here, before any JSON parsing, because the signature covers its bytes.
 * 202 when stored (or already stored), 422 when quarantined, with the reason.
 */
export function ingestRoutes(deps: IngestRouteDependencies): Router {
  const router = express.Router();
  router.use(express.text({ type: () => true, limit: '1mb' }));
  const formats = { json: 'json', fhir: 'fhir' } as const;

  router.post('/:portalId/:format', async (req, res) => {
    const format = formats[req.params.format as keyof typeof formats];
    if (!format) throw new HttpError(404, 'not_found', `No ingest route for format "${req.params.format}": use json or fhir.`);
    const portalId = Number(req.params.portalId);
    const ingestor = Number.isSafeInteger(portalId) ? await deps.ingestorFor(portalId) : undefined;
    if (!ingestor) throw new HttpError(404, 'unknown_portal', `This server does not serve portal ${req.params.portalId}.`);
    const body = typeof req.body === 'string' ? req.body : '';
    const check = verifySignature(await deps.secretFor(portalId), body, req.get(SIGNATURE_HEADER), deps.clock.now());
    if (!check.ok) throw new HttpError(401, 'invalid_signature', `Request refused: ${check.reason}.`);
    const result = await ingestor.message(format, body, `push:${format}`);
    if (result.status === 'quarantined') {
      throw new HttpError(
        422,
        'message_quarantined',
        `The message could not be read and was quarantined (#${result.quarantineId}): ${result.reason}`,
      );
    }
    res.status(202).json({ status: result.status });
  });
  return router;
}
