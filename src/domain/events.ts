import { z } from 'zod';
import { isValidNpi } from './npi';
import { nonAdmitReasonValue } from './nonAdmitReasons';
import { businessLines, payerCategories } from './vocabulary';

/**
 * Canonical events: what every EHR feed (HL7 v2, FHIR R4, CSV exports, signed JSON) is mapped to before anything is
 * stored. Adapters parse untrusted input and must produce values that pass these schemas; the store appends them
 * idempotently and derives referral and admission state from them (referralLifecycle.ts).
 *
 * No patient identifiers: a patient is a keyed hash (`patientHash`), computed by the adapter from the EHR's patient
 * id before the event exists. No names, birth dates, diagnoses or free-text notes are carried.
 */

const valuesOf = <T extends ReadonlyArray<{ value: string }>>(list: T) =>
  list.map((entry) => entry.value) as unknown as [T[number]['value'], ...Array<T[number]['value']>];

/** A calendar date (OASIS dates are dates in the agency's time zone, not instants). */
export const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD').refine(
  (value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
  'must be a real calendar date',
);

/** An instant with its offset, e.g. 2026-11-27T09:30:00-05:00. */
export const instant = z.iso.datetime({ offset: true });

export { isValidNpi };

export const npi = z.string().refine(isValidNpi, 'must be a valid 10-digit NPI');

export const businessLine = z.enum(valuesOf(businessLines));
export const payerCategory = z.enum(valuesOf(payerCategories));
/**
 * Any reason the agency may list (a slug): the defaults are the words the parsers know, and a CSV profile may map an
 * EHR code to a reason the tenant added. One the tenant's list lacks is kept as sent, and reads as "other".
 */
export const nonAdmitReason = nonAdmitReasonValue;

export const address = z
  .object({
    line1: z.string().max(200).optional(),
    city: z.string().max(100).optional(),
    state: z.string().max(50).optional(),
    zip: z.string().regex(/^\d{5}(-\d{4})?$/, 'must be a US ZIP code').optional(),
  })
  .strict();

/** The referral source: a hospital, practice, facility or agency that sends patients. */
export const referringOrganization = z
  .object({
    name: z.string().trim().min(1).max(200),
    npi: npi.optional(),
    /** The EHR's own id for the source, when it has one. */
    ehrId: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(['hospital', 'physician_practice', 'snf', 'alf', 'case_manager', 'other']).optional(),
    address: address.optional(),
  })
  .strict();

/** The referring clinician (a physician or other practitioner, not a patient). */
export const referringPractitioner = z
  .object({
    familyName: z.string().trim().min(1).max(100),
    givenName: z.string().trim().max(100).optional(),
    /** Credentials such as MD, DO, NP. */
    suffix: z.string().trim().max(50).optional(),
    npi: npi.optional(),
    ehrId: z.string().trim().min(1).max(100).optional(),
    address: address.optional(),
  })
  .strict();

/** Facts about a referral that any referral event may carry; later events correct earlier ones. */
export const referralFacts = z
  .object({
    /** When the agency received the referral (the clock for hours to SOC). */
    receivedAt: instant,
    /** OASIS M0104, the date of the referral. */
    referralDate: calendarDate,
    /** OASIS M0102, the physician-ordered start of care date, when one was ordered. */
    physicianOrderedSocDate: calendarDate,
    /** OASIS M1000: was the patient discharged from an inpatient facility in the 14 days before. */
    inpatientDischargeIn14Days: z.enum(['yes', 'none', 'unknown']),
    /** OASIS M1005, the inpatient discharge date. */
    inpatientDischargeDate: calendarDate,
    businessLine,
    payerCategory,
    payerName: z.string().trim().min(1).max(200),
    referringOrganization,
    referringPractitioner,
    /** The agency's marketer or liaison as the EHR knows them (mapped to a HubSpot owner later). */
    marketerId: z.string().trim().min(1).max(100),
    branch: z.string().trim().min(1).max(100),
    /**
     * The patient's ZIP code, to check the service area. A five-digit ZIP is an identifier under HIPAA's Safe Harbor
     * rule, so it stays on the server: listings and HubSpot get its first three digits at most (toPublicReferral).
     */
    serviceZip: z.string().regex(/^\d{5}$/, 'must be a 5-digit ZIP code'),
  })
  .partial()
  .strict();

export type ReferralFacts = z.infer<typeof referralFacts>;

/** Where an event came from, so that any value can be traced back to its message or line. */
export const eventSource = z
  .object({
    format: z.enum(['hl7v2', 'fhir', 'csv', 'json']),
    /** The feed's name: an MLLP listener, a folder, a FHIR server, a CSV profile. */
    feed: z.string().min(1).max(200),
    /** The message id (MSH-10, Bundle.id, file name and line). */
    messageId: z.string().min(1).max(300),
  })
  .strict();

const base = {
  /** Stable for the same content: a replayed message yields the same ids, so it is stored once. */
  eventId: z.string().min(1).max(400),
  /** When it happened in the EHR. */
  occurredAt: instant,
  source: eventSource,
  patientHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a keyed SHA-256 hash'),
};

/** The EHR's referral id; never the MRN. */
const referralKey = z.string().trim().min(1).max(200);
/** The EHR's admission (episode, visit) id; never the MRN. */
const admissionKey = z.string().trim().min(1).max(200);

export const canonicalEvent = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('referral.received'), referralKey, facts: referralFacts }).strict(),
  z.object({ ...base, kind: z.literal('referral.updated'), referralKey, facts: referralFacts }).strict(),
  z.object({ ...base, kind: z.literal('referral.accepted'), referralKey }).strict(),
  z
    .object({ ...base, kind: z.literal('referral.non_admitted'), referralKey, reason: nonAdmitReason })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('referral.cancelled'),
      referralKey,
      /** Cancelled by the referral source (shown apart, never counted as lost) or by the agency. */
      cancelledBy: z.enum(['source', 'agency', 'unknown']),
    })
    .strict(),
  z
    .object({ ...base, kind: z.literal('soc.scheduled'), referralKey, scheduledSocDate: calendarDate })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('admission.admitted'),
      admissionKey,
      /** Set when the EHR links the admission to its referral; otherwise the store links by patient and time. */
      referralKey: referralKey.optional(),
      /** OASIS M0030. */
      socDate: calendarDate,
      /** When the first visit happened (hours to SOC are counted to it). */
      firstVisitAt: instant.optional(),
      facts: referralFacts.optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('admission.discharged'),
      admissionKey,
      dischargeDate: calendarDate,
      reason: z.enum(['goals_met', 'transferred', 'hospitalized', 'expired', 'revoked', 'moved', 'other']),
    })
    .strict(),
  z.object({ ...base, kind: z.literal('admission.cancelled'), admissionKey }).strict(),
  /**
   * Billing found the admission cannot be billed (no signed plan of care, a missing face-to-face, an eligibility
   * denial), on the day of occurredAt. It feeds the commission plans' `non_billable` clawback. The reason is the
   * billing team's words about the claim, never the patient's: at most 200 characters.
   */
  z.object({ ...base, kind: z.literal('admission.non_billable'), admissionKey, reason: z.string().trim().min(1).max(200) }).strict(),
  z.object({ ...base, kind: z.literal('discharge.cancelled'), admissionKey }).strict(),
  z.object({ ...base, kind: z.literal('hospice.elected'), admissionKey, electionDate: calendarDate }).strict(),
  z
    .object({ ...base, kind: z.literal('hospice.noe_submitted'), admissionKey, submittedDate: calendarDate })
    .strict(),
  z
    .object({ ...base, kind: z.literal('hospice.noe_accepted'), admissionKey, acceptedDate: calendarDate })
    .strict(),
]);

export type CanonicalEvent = z.infer<typeof canonicalEvent>;
export type EventKind = CanonicalEvent['kind'];
export type EventOf<K extends EventKind> = Extract<CanonicalEvent, { kind: K }>;

/** The key of the referral an event is about, when it names one. */
export function referralKeyOf(event: CanonicalEvent): string | undefined {
  return 'referralKey' in event ? event.referralKey : undefined;
}
