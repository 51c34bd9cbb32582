import type { DefaultNonAdmitReason } from '../../domain/plainWords';
import { defaultNonAdmitReasons, type BusinessLine } from '../../domain/vocabulary';
import type { CodeableConcept, Coding, Identifier } from './elements';

/** Code systems and codes the FHIR mapping reads, with where each comes from. */

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
/** http://hl7.org/fhir/sid/us-npi (US Core: Practitioner.identifier:NPI, Organization.identifier:NPI). */
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
/** http://terminology.hl7.org/CodeSystem/v2-0203 (identifier types). */
export const V2_IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** http://terminology.hl7.org/CodeSystem/v3-ActCode (Encounter.class). */
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** All the words of a concept: its text, and each coding's display and code. */
export function wordsOf(concepts: ReadonlyArray<CodeableConcept | undefined>): string {
  return concepts
    .flatMap((concept) => (concept ? [concept.text, ...concept.coding.flatMap((c) => [c.display, c.code])] : []))
    .filter((word): word is string => word !== undefined)
    .join(' | ');
}

export function codingsOf(concepts: ReadonlyArray<CodeableConcept | undefined>): Coding[] {
  return concepts.flatMap((concept) => concept?.coding ?? []);
}

/**
 * SNOMED CT concepts that name a business line: the referral or admission procedures, and the regimes.
 * 417511005 Referral to home health care service; 306205009 Referral to hospice; 305336008 Admission to hospice;
 * 385763009 Hospice care; 306237005 Referral to palliative care service; 103735009 Palliative care.
 */
const businessLineBySnomed: Record<string, BusinessLine> = {
  '417511005': 'home_health',
  '306205009': 'hospice',
  '305336008': 'hospice',
  '385763009': 'hospice',
  '306237005': 'palliative',
  '103735009': 'palliative',
};

/**
 * The business line a referral, episode or visit names, from SNOMED CT codes first and then its words. Hospice is
 * tested before palliative ("hospice and palliative care" is hospice) and both before home health. Nothing named:
 * undefined, never a guess.
 */
export function businessLineOf(concepts: ReadonlyArray<CodeableConcept | undefined>): BusinessLine | undefined {
  for (const coding of codingsOf(concepts)) {
    const line = coding.system === SNOMED && coding.code ? businessLineBySnomed[coding.code] : undefined;
    if (line) return line;
  }
  const words = wordsOf(concepts);
  if (/\bhospice\b/i.test(words)) return 'hospice';
  if (/\bpalliative\b/i.test(words)) return 'palliative';
  if (/\bhome[\s-]*health\b|\bhome[\s-]*care\b|\bHHA\b/i.test(words)) return 'home_health';
  return undefined;
}

/** Encounter.class codes for an inpatient stay (v3 ActEncounterCode): inpatient, inpatient acute, inpatient non-acute. */
export const inpatientClasses = new Set(['IMP', 'ACUTE', 'NONAC']);

/** v3 ActEncounterCode HH: home health. */
export const HOME_HEALTH_CLASS = 'HH';

/**
 * v2-0203 identifier types that identify a person, not an order or an episode: medical record, patient, social
 * security, driver's licence, member, Medicare, Medicaid, military, passport and national numbers. Never a referral
 * or admission key (events.ts: "never the MRN").
 */
const personIdentifierTypes = new Set(['MR', 'MRT', 'PI', 'PT', 'PN', 'SS', 'SB', 'DL', 'MB', 'MC', 'MA', 'MI', 'PPN', 'NH', 'NI', 'JHN', 'NIIP']);
const personIdentifierSystems = new Set([
  'http://hl7.org/fhir/sid/us-ssn',
  'http://hl7.org/fhir/sid/us-medicare',
  'http://hl7.org/fhir/sid/us-mbi',
]);

export const identifierTypeCodes = (id: Identifier): string[] =>
  (id.type?.coding ?? []).flatMap((c) => (c.code ? [c.code.toUpperCase()] : []));

/** Not marked old and with no end to its period of use (an ended one may have been reassigned). */
export const isCurrentIdentifier = (id: Identifier) => id.use !== 'old' && id.period?.end === undefined;

export function isPersonIdentifier(id: Identifier): boolean {
  return identifierTypeCodes(id).some((code) => personIdentifierTypes.has(code)) || (id.system !== undefined && personIdentifierSystems.has(id.system));
}

/** An order number by role: the v2-0203 type (PLAC, FILL), or a system that says it ("…/placer-order-number"). */
export interface OrderNumberKind {
  type: string;
  systemWord: RegExp;
}
export const PLACER: OrderNumberKind = { type: 'PLAC', systemWord: /placer/i };
export const FILLER: OrderNumberKind = { type: 'FILL', systemWord: /filler/i };

/**
 * The identifier to key an order or episode by: of the current ones with a value and not identifying the person,
 * the first of the preferred kinds (placer before filler for a referral: the number both sides know from the
 * start), else the first.
 */
export function keyIdentifier(identifiers: readonly Identifier[], preferred: readonly OrderNumberKind[] = []): Identifier | undefined {
  const usable = identifiers.filter((id) => id.value !== undefined && isCurrentIdentifier(id) && !isPersonIdentifier(id));
  for (const kind of preferred) {
    const found = usable.find((id) => identifierTypeCodes(id).includes(kind.type) || (id.system !== undefined && kind.systemWord.test(id.system)));
    if (found) return found;
  }
  return usable[0];
}

const nonAdmitReasons: readonly string[] = defaultNonAdmitReasons.map((reason) => reason.value);

/**
 * Why a referral was not taken, from Task.statusReason: a code equal to one of the agency's reasons, else the words
 * of the text and codings; anything else is "other". Tested in this order so that e.g. "physician would not sign
 * the order for a patient who is not homebound" reads as the physician.
 */
const nonAdmitPatterns: Array<[DefaultNonAdmitReason, RegExp]> = [
  ['physician_would_not_sign', /\b(physician|doctor|md|provider)\b.*\b(sign|order)|\bno (signed )?orders?\b|\bunsigned\b/i],
  ['not_homebound', /\bhomebound\b|\bhome[\s-]bound\b/i],
  ['no_skilled_need', /\b(no|not|lacks?) (a )?skilled\b|\bskilled need\b|\bno need\b/i],
  ['insurance_not_accepted', /\binsurance|\bpayer|\bpayor|\bcoverage|\bauthori[sz]ation|\bnot covered|\bout[\s-]of[\s-]network|\bbenefit/i],
  ['outside_service_area', /\bservice area|\bout(side)? of (the )?(service )?area|\bgeograph|\bzip\b|\btoo far\b/i],
  ['staffing_unavailable', /\bstaff|\bcapacity|\bno (clinician|nurse|availability)/i],
  ['went_to_another_agency', /\b(another|other|different) (agency|provider|hospice)\b/i],
  ['hospitalized', /\bhospitali[sz]|\breadmit|\badmitted to (the )?hospital/i],
  ['expired', /\bexpired\b|\bdied\b|\bdeath\b|\bdeceased\b/i],
  ['patient_declined', /\bdeclin|\brefus|\bpatient choice|\bfamily (choice|wish)|\bdoes not want|\bdid not want/i],
];

export function nonAdmitReasonOf(reason: CodeableConcept | undefined, agencyReasons: readonly string[] = nonAdmitReasons): string {
  const exact = reason?.coding.find((c) => c.code !== undefined && agencyReasons.includes(c.code))?.code;
  if (exact) return exact;
  const words = wordsOf([reason]);
  return nonAdmitPatterns.find(([, pattern]) => pattern.test(words))?.[0] ?? 'other';
}
