import type { CanonicalEvent } from '../domain/events';

/** The EHR's identifier for a patient, read from the message; hashed at once, never stored or logged. */
export interface PatientIdentifier {
  value: string;
  /** Assigning authority or system (PID-3.4, Identifier.system), so equal numbers from two systems differ. */
  assigner?: string;
}

/** What an adapter needs besides the input: nothing here does I/O. */
export interface AdapterContext {
  /** The feed's name (a listener, folder, FHIR server or CSV profile), recorded on every event. */
  feed: string;
  /** The agency's IANA time zone: timestamps without an offset are read in it. */
  timeZone: string;
  /** Keyed hash of a patient identifier (src/ehr/patientHash.ts). */
  hashPatient(id: PatientIdentifier): string;
  /** The agency's non-admit reason values (its settings' list): a FHIR code equal to one is taken as it is. */
  nonAdmitReasons?: readonly string[];
}

/**
 * One input message (an HL7 message, a FHIR Bundle or resource, a CSV row, a JSON document) mapped to events, or
 * refused with a reason an administrator can act on. A message that means nothing to referral management (an ADT
 * for an unrelated event type, say) is `ok` with no events.
 * Reasons never quote patient data: name the field and what is wrong with it, not its value.
 */
export type ParseOutcome =
  | { ok: true; messageKey: string; events: CanonicalEvent[] }
  | { ok: false; messageKey?: string; reason: string; position?: string };
