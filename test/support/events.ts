import crypto from 'node:crypto';
import type { CanonicalEvent } from '../../src/domain/events';

/** A patient hash for tests: any 64 hex digits. */
export const patient = (name: string) => crypto.createHash('sha256').update(name).digest('hex');

let counter = 0;

/** An event as a test writes it: the envelope's ids are optional (distributive over the union of kinds). */
export type EventDraft = CanonicalEvent extends infer E
  ? E extends CanonicalEvent
    ? Omit<E, 'eventId' | 'source' | 'patientHash'> & Partial<Pick<E, 'eventId' | 'patientHash'>>
    : never
  : never;

/** Builds a canonical event with test defaults; `kind` and the kind's own fields come from the caller. */
export function event(fields: EventDraft): CanonicalEvent {
  counter += 1;
  return {
    eventId: `test-${String(counter).padStart(5, '0')}`,
    patientHash: patient('default patient'),
    source: { format: 'json', feed: 'test', messageId: `m${counter}` },
    ...fields,
  } as CanonicalEvent;
}
