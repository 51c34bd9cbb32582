import crypto from 'node:crypto';
import { z } from 'zod';
import { canonicalEvent, type CanonicalEvent } from '../../domain/events';
import type { AdapterContext, ParseOutcome } from '../types';

/**
 * JSON pushed by systems that can send neither HL7 nor FHIR: canonical events as documented in the README, with the
 * patient's EHR identifier in place of the hash (the sender cannot know our key; we hash it at once) and without
 * event ids (derived from the message id, so a resent message is recognised).
 *
 *   { "messageId": "ref-2026-11-27-0042",
 *     "events": [ { "kind": "referral.received", "occurredAt": "2026-11-27T09:30:00-05:00",
 *                   "patient": { "id": "12345", "assigner": "MAIN-EHR" }, "referralKey": "R-42", "facts": { … } } ] }
 */
const patientSchema = z.object({ id: z.string().trim().min(1).max(200), assigner: z.string().trim().max(200).optional() }).strict();

const documentSchema = z
  .object({
    messageId: z.string().trim().min(1).max(200),
    events: z.array(z.looseObject({ kind: z.string(), patient: patientSchema })).min(1).max(500),
  })
  .strict();

export function parseJsonDocument(text: string, ctx: AdapterContext): ParseOutcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
  const parsed = documentSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
  const { messageId, events: drafts } = parsed.data;
  const messageKey = `json:${ctx.feed}:${messageId}`;
  const events: CanonicalEvent[] = [];
  for (const [index, draft] of drafts.entries()) {
    const { patient, ...rest } = draft;
    const candidate = {
      ...rest,
      eventId: `${messageKey}:${index}:${crypto.createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16)}`,
      source: { format: 'json', feed: ctx.feed, messageId },
      patientHash: ctx.hashPatient({ value: patient.id, ...(patient.assigner ? { assigner: patient.assigner } : {}) }),
    };
    const checked = canonicalEvent.safeParse(candidate);
    if (!checked.success) return { ok: false, messageKey, reason: `events[${index}]: ${describe(checked.error)}` };
    events.push(checked.data);
  }
  return { ok: true, messageKey, events };
}

/** zod's issues as one sentence naming paths, never values (they may be patient data). */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`)
    .join('; ');
}
