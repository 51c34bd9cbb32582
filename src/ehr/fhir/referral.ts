import type { ReferralFacts } from '../../domain/events';
import { localDate, readFhirTime } from './dates';
import type { ResourceOf } from './elements';
import { occurredAt, type EventDraft, type Scope } from './emit';
import { labelOf, read, Refusal, resolve, withoutHistory, type Located } from './message';
import { linkPatient, payerOf, referralSourceOf, type PatientLink } from './parties';
import { businessLineOf, codingsOf, FILLER, inpatientClasses, keyIdentifier, LOINC, PLACER, SNOMED } from './terminology';

/** ServiceRequest (http://hl7.org/fhir/R4/servicerequest.html): a referral to the agency. */

type ServiceRequest = ResourceOf<'ServiceRequest'>;

/**
 * Statuses that mean a referral to act on. on-hold is a referral pending: the HL7 v2 to FHIR converters map RF1-1
 * "P" (pending) to it, as in REF^I12. draft is not yet sent; completed is left to the admission (EpisodeOfCare,
 * Encounter) that completes it.
 */
const openStatuses = new Set(['active', 'on-hold']);
/** Withdrawn by its author, the referral source: revoked, or voided as entered in error (REF^I14 arrives so). */
const withdrawnStatuses = new Set(['revoked', 'entered-in-error']);

/**
 * Whether a ServiceRequest is a referral at all. A bundle may carry orders beside the referral: the lab order of an
 * HL7 REF^I12 (its OBR) becomes a ServiceRequest coded in LOINC. Proposals, plans and options are not yet requests
 * (http://hl7.org/fhir/R4/valueset-request-intent.html). SNOMED CT 108252007 Laboratory procedure and 363679005
 * Imaging as category mark the same.
 */
export function isReferral(request: ServiceRequest): boolean {
  if (request.intent !== undefined && ['proposal', 'plan', 'option'].includes(request.intent)) return false;
  if (request.code?.coding.some((c) => c.system === LOINC)) return false;
  return !codingsOf(request.category).some((c) => c.system === SNOMED && (c.code === '108252007' || c.code === '363679005'));
}

/**
 * The referral key: the placer's order number (v2-0203 PLAC, or a system naming the placer), else the filler's, else the first identifier
 * that does not identify the person; without one, the resource itself: its absolute fullUrl (the server's own
 * address for it), else ServiceRequest/id, else a urn:uuid fullUrl.
 */
export function referralKeyOf(located: Located): string | undefined {
  const chosen = keyIdentifier(read(located, 'ServiceRequest').identifier, [PLACER, FILLER]);
  if (chosen?.value) return chosen.value;
  const fullUrl = located.fullUrl ? withoutHistory(located.fullUrl) : undefined;
  if (fullUrl && /^https?:\/\//.test(fullUrl) && fullUrl.length <= 200) return fullUrl;
  if (located.id) return `ServiceRequest/${located.id}`;
  return fullUrl && fullUrl.length <= 200 ? fullUrl : undefined;
}

export function requireReferralKey(located: Located): string {
  const key = referralKeyOf(located);
  if (!key) throw new Refusal(`${labelOf(located)}: has no identifier, id or fullUrl to key the referral by`, located.position);
  return key;
}

/**
 * OASIS M1005, the inpatient discharge date, only when the referral says it was written during that stay
 * (ServiceRequest.encounter is an inpatient Encounter, v3 ActCode IMP/ACUTE/NONAC, finished with an end). Inpatient
 * Encounters reached any other way (the hospital ADT a bundle may carry) are not linked to this referral and are
 * ignored: a wrong M1005 flips the timely-initiation outcome.
 */
function inpatientDischargeDate(scope: Scope, located: Located, request: ServiceRequest): string | undefined {
  const stay = resolve(scope.message, request.encounter, located, ['Encounter']);
  if (stay?.resourceType !== 'Encounter') return undefined;
  const encounter = read(stay, 'Encounter');
  if (!encounter.class?.code || !inpatientClasses.has(encounter.class.code) || encounter.status !== 'finished') return undefined;
  return readFhirTime(encounter.period?.end, scope.ctx.timeZone)?.date;
}

function referralFacts(scope: Scope, located: Located, request: ServiceRequest, patient: PatientLink): ReferralFacts {
  const zone = scope.ctx.timeZone;
  const authored = readFhirTime(request.authoredOn, zone);
  // A date-only authoredOn has no time to count hours from: the message's own time stands in when it falls on that
  // same day, else receivedAt stays unknown rather than invented.
  const messageTime = scope.messageTimes[0];
  const receivedAt =
    authored?.kind === 'instant' ? authored.instant : authored && messageTime && localDate(messageTime, zone) === authored.date ? messageTime : undefined;
  const businessLine = businessLineOf([...request.category, request.code]);
  // OASIS M0102 is "the specific start of care date the physician ordered". ServiceRequest.occurrence is when the
  // requested service should happen: a single occurrenceDateTime on a home health referral is that date. A period
  // or timing is a window, not an ordered date; and other business lines have no M0102. When unsure, leave it unset:
  // the timely-initiation rule then falls back to the referral date instead of trusting a wrong order.
  const ordered = businessLine === 'home_health' ? readFhirTime(request.occurrenceDateTime, zone)?.date : undefined;
  const discharge = inpatientDischargeDate(scope, located, request);
  return {
    ...(receivedAt ? { receivedAt } : {}),
    ...(authored ? { referralDate: authored.date } : {}),
    ...(ordered ? { physicianOrderedSocDate: ordered } : {}),
    ...(discharge ? { inpatientDischargeDate: discharge } : {}),
    ...(businessLine ? { businessLine } : {}),
    ...payerOf(scope, located, request.insurance, patient.located),
    ...referralSourceOf(scope, located, request.requester, request.encounter),
    ...(patient.serviceZip ? { serviceZip: patient.serviceZip } : {}),
  };
}

/**
 * A referral ServiceRequest: active or on hold, it is received (each version a referral.received whose facts
 * correct the earlier ones); revoked or entered in error, it is cancelled by the source. Acceptance and non-admission
 * come from the agency's Task, admission from the EpisodeOfCare or visit.
 */
export function mapServiceRequest(scope: Scope, located: Located): EventDraft[] {
  const request = read(located, 'ServiceRequest');
  const status = request.status;
  if (!status || !isReferral(request) || (!openStatuses.has(status) && !withdrawnStatuses.has(status))) return [];
  const referralKey = requireReferralKey(located);
  const patient = linkPatient(scope, request.subject, located, 'subject');
  if (withdrawnStatuses.has(status)) {
    return [
      {
        kind: 'referral.cancelled',
        referralKey,
        cancelledBy: 'source',
        patientHash: patient.patientHash,
        // authoredOn is when it was written, not when it was withdrawn.
        occurredAt: occurredAt(scope, located, [request.meta?.lastUpdated]),
      },
    ];
  }
  return [
    {
      kind: 'referral.received',
      referralKey,
      patientHash: patient.patientHash,
      occurredAt: occurredAt(scope, located, [request.meta?.lastUpdated, request.authoredOn]),
      facts: referralFacts(scope, located, request, patient),
    },
  ];
}
