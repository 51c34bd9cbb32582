import { instant, type CanonicalEvent } from '../../domain/events';
import type { AdapterContext, ParseOutcome } from '../types';
import { readFhirTime } from './dates';
import { sha256, stableStringify, stampEvent, type EventDraft, type Scope } from './emit';
import { fhirId } from './elements';
import { isResourceTypeName, readMessage, Refusal, type Located } from './message';
import { mapServiceRequest } from './referral';
import { mapEpisodeOfCare, mapTask, mapVisits } from './workflow';

/** The resources that carry referral events on their own; the others are read only when something refers to them. */
const mappers: Record<string, (scope: Scope, located: Located) => EventDraft[]> = {
  ServiceRequest: mapServiceRequest,
  Task: mapTask,
  EpisodeOfCare: mapEpisodeOfCare,
};

/**
 * The message key: Bundle.id (or the resource's type and id) for whoever reads the quarantine, and a hash of the
 * content. Bundle.id alone does not name a message: HL7 v2 converters derive it from MSH-10, which senders reuse
 * (every converted ADT sample here shares one id, and REF^I12 and its cancellation REF^I14 share another), and the
 * store takes a second message with a known key for a replay.
 */
function messageKeyOf(payload: unknown): string {
  let digest: string;
  try {
    digest = sha256(stableStringify(payload));
  } catch {
    digest = sha256(String(payload));
  }
  if (typeof payload !== 'object' || payload === null) return `fhir:${digest}`;
  const { resourceType, id } = payload as Record<string, unknown>;
  const validId = fhirId.safeParse(id);
  if (!validId.success || !isResourceTypeName(resourceType)) return `fhir:${digest}`;
  return `fhir:${resourceType === 'Bundle' ? validId.data : `${resourceType}/${validId.data}`}:${digest.slice(0, 16)}`;
}

/**
 * One FHIR R4 document (a batch, transaction, collection, searchset or message Bundle, or a single resource) as one
 * message: all its events, or a refusal naming the resource and element at fault. Never throws.
 *
 * `receivedAt` (an instant) is when the server received the document: the time of last resort for an event whose
 * resource and Bundle say nothing about when it happened.
 */
export function parseFhirPayload(payload: unknown, ctx: AdapterContext, receivedAt?: string): ParseOutcome {
  const messageKey = messageKeyOf(payload);
  try {
    const message = readMessage(payload);
    const stamped = readFhirTime(message.timestamp, ctx.timeZone);
    const messageTimes = [
      ...(stamped?.kind === 'instant' ? [stamped.instant] : []),
      ...(receivedAt !== undefined && instant.safeParse(receivedAt).success ? [receivedAt] : []),
    ];
    const scope: Scope = { message, ctx, messageKey, messageTimes };
    const events: CanonicalEvent[] = [];
    for (const located of message.entries) {
      const drafts = mappers[located.resourceType]?.(scope, located) ?? [];
      events.push(...drafts.map((draft) => stampEvent(scope, located, draft)));
    }
    events.push(...mapVisits(scope));
    const seen = new Set<string>();
    return { ok: true, messageKey, events: events.filter((event) => !seen.has(event.eventId) && seen.add(event.eventId)) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, messageKey, reason: error.reason, ...(error.position ? { position: error.position } : {}) };
    // A bug, not the sender's fault; the error's message is not quoted, as it may hold values from the payload.
    return { ok: false, messageKey, reason: `the FHIR adapter failed on this message (${error instanceof Error ? error.name : 'unknown error'}); please report it` };
  }
}
