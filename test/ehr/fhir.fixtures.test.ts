import fs from 'node:fs';
import path from 'node:path';
import { canonicalEvent, type CanonicalEvent, type EventOf } from '../../src/domain/events';
import { parseFhirPayload, payerCategoryOfCoverageType, payerCategoryOfSopt } from '../../src/ehr/fhir';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { AdapterContext, ParseOutcome } from '../../src/ehr/types';

/**
 * The external FHIR fixtures (test/fixtures/external/fhir, written by others, kept unmodified): the HL7 v2 samples of
 * microsoft/FHIR-Converter converted to R4 batch Bundles, and US Core 9 examples. Every expected value below was
 * read off the JSON by hand.
 */

const fixtures = path.join(__dirname, '../fixtures/external/fhir');
const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8'));
const hashPatient = createPatientHasher(Buffer.alloc(32, 1));
const context = (timeZone = 'America/New_York'): AdapterContext => ({ feed: 'fhir-test', timeZone, hashPatient });

function eventsOf(outcome: ParseOutcome): CanonicalEvent[] {
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  for (const event of outcome.events) expect(canonicalEvent.safeParse(event).success).toBe(true);
  return outcome.events;
}

function only<K extends CanonicalEvent['kind']>(events: CanonicalEvent[], kind: K): EventOf<K> {
  expect(events.map((e) => e.kind)).toEqual([kind]);
  return events[0] as EventOf<K>;
}

const ADT_PATIENT = { value: 'PATID1234', assigner: 'http://example.com/v2-to-fhir-converter/Identifier/HCD' };
const REF_PATIENT = { value: 'PATID1234', assigner: 'http://example.com/v2-to-fhir-converter/Identifier/ADT1' };

describe('every external FHIR fixture maps to the events its content implies, or to a precise refusal', () => {
  /*
   * The converted ADT bundles (A01 admit, A03 discharge, A04 register, A08 update, A13 cancel discharge) come from a
   * hospital. Each carries one ServiceRequest 739ae409 with category "patient-referral-request", status on-hold
   * (RF1 pending), identifiers 123-1 and 123-2 (no placer/filler type: the first), authoredOn
   * 1990-05-01T12:16:00+05:30 (06:46 UTC, so 1990-05-01 in New York too), no requester, no insurance: a referral
   * received. The patient's first MR identifier (1234567, system .../Identifier/test) has a period that ended in 1924,
   * so the current MR (PATID1234, system .../Identifier/HCD) links it. The Coverage of that patient has type
   * v3-ActCode HMO (not SOPT: no payer category) and payor Organization 04a2a5f2 "Blue Cross Blue Shield of Texas".
   * Their EpisodeOfCare has no type and no referralRequest (the hospital's episode) and their Encounter is class
   * PRENC (pre-admission): neither is the agency's admission, so neither maps.
   */
  it.each(['A01', 'A03', 'A04', 'A08', 'A13'])('converted ADT^%s: the referral it carries is received', (trigger) => {
    const event = only(eventsOf(parseFhirPayload(load(`converted-ADT-${trigger}-01.json`), context())), 'referral.received');
    expect(event.referralKey).toBe('123-1');
    expect(event.patientHash).toBe(hashPatient(ADT_PATIENT));
    expect(event.occurredAt).toBe('1990-05-01T12:16:00+05:30');
    // A01's patient has a current address in Madison, WI after an ended one; the others keep only the ended one.
    const zip = trigger === 'A01' ? { serviceZip: '53703' } : {};
    expect(event.facts).toEqual({
      receivedAt: '1990-05-01T12:16:00+05:30',
      referralDate: '1990-05-01',
      payerName: 'Blue Cross Blue Shield of Texas',
      ...zip,
    });
  });

  it('converted ADT^A11 (cancel admit): no ServiceRequest, an unlinked episode, a cancelled pre-admission: nothing', () => {
    expect(eventsOf(parseFhirPayload(load('converted-ADT-A11-01.json'), context()))).toEqual([]);
  });

  it('converted REF^I14 (cancel referral): ServiceRequest 226839 is entered-in-error, so the source cancelled it', () => {
    const event = only(eventsOf(parseFhirPayload(load('converted-REF-I14-01.json'), context())), 'referral.cancelled');
    expect(event).toMatchObject({ referralKey: '226839', cancelledBy: 'source', patientHash: hashPatient(REF_PATIENT) });
    // No meta.lastUpdated, and authoredOn says when it was written, not withdrawn: Bundle.timestamp (MSH-7).
    expect(event.occurredAt).toBe('2022-01-25T16:20:00Z');
  });

  it('REF^I12 and REF^I14 share Bundle.id (MSH-10 MSG00112) yet are two messages, not a replay', () => {
    const i12 = parseFhirPayload(load('converted-REF-I12-01.json'), context());
    const i14 = parseFhirPayload(load('converted-REF-I14-01.json'), context());
    expect(i12.messageKey).toMatch(/^fhir:18ab6a2c-1a68-398a-d31b-f691e06a7a5e:[0-9a-f]{16}$/);
    expect(i14.messageKey).toMatch(/^fhir:18ab6a2c-1a68-398a-d31b-f691e06a7a5e:[0-9a-f]{16}$/);
    expect(i12.messageKey).not.toBe(i14.messageKey);
  });

  it.each([
    // Lone US Core examples: a Coverage, Encounter (ambulatory), Location, Organizations, Patient and Practitioners
    // name no referral, and the searchset of a PractitionerRole with its Practitioner and Endpoint neither.
    'us-core/coverage-example.json',
    'us-core/encounter-example-1.json',
    'us-core/location-hospital.json',
    'us-core/organization-acme-payer.json',
    'us-core/organization-holy-healthcare.json',
    'us-core/patient-example.json',
    'us-core/practitioner-1.json',
    'us-core/practitioner-2.json',
    'us-core/PractitionerRole_Practitioner_Endpoint_Bundle_Example.json',
  ])('%s alone: accepted, no events', (name) => {
    expect(eventsOf(parseFhirPayload(load(name), context()))).toEqual([]);
  });

  it.each([
    ['us-core/servicerequest-rehab.json', 'ServiceRequest/rehab'],
    ['us-core/servicerequest-foodpantry-referral.json', 'ServiceRequest/foodpantry-referral'],
  ])('%s alone: refused, its subject (Patient/example) is not in the message', (name, label) => {
    const outcome = parseFhirPayload(load(name), context());
    expect(outcome).toMatchObject({ ok: false, reason: `${label}: subject refers to a Patient that is not in the message, so the patient cannot be linked` });
  });
});

describe('converted REF^I12: a referral from Good Health Hospital, worked by hand', () => {
  const events = eventsOf(parseFhirPayload(load('converted-REF-I12-01.json'), context('America/New_York')));

  it('yields the referral and not the lab order that travels with it', () => {
    // ServiceRequest e1fefb31 is the OBR's lab test (LOINC 22310-7, H. pylori antibody): not a referral.
    const event = only(events, 'referral.received');
    // RF1-6 originating referral id 226839 (system .../EPIC) is the first identifier; 11001 (EXTID) the second.
    expect(event.referralKey).toBe('226839');
    // No MR-type identifier on this Patient: the first one, PATID1234 assigned by .../Identifier/ADT1.
    expect(event.patientHash).toBe(hashPatient(REF_PATIENT));
  });

  it('dates the referral in the agency zone, taking the time from the message', () => {
    const event = only(events, 'referral.received');
    // authoredOn is the date 2022-01-25 alone; Bundle.timestamp 2022-01-25T16:20:00Z is 11:20 EST the same day.
    expect(event.occurredAt).toBe('2022-01-25T16:20:00Z');
    expect(event.facts.receivedAt).toBe('2022-01-25T16:20:00Z');
    expect(event.facts.referralDate).toBe('2022-01-25');
    // occurrencePeriod 2022-01-25..2022-02-10 is a window, not an ordered start of care (and no business line).
    expect(event.facts.physicianOrderedSocDate).toBeUndefined();
    // The encounter it names is inpatient (IMP) but in progress: no discharge date yet.
    expect(event.facts.inpatientDischargeDate).toBeUndefined();
    expect(event.facts.businessLine).toBeUndefined();
  });

  it('names the referring provider and hospital from the requester PractitionerRole (RP), without NPIs', () => {
    const { facts } = only(events, 'referral.received');
    // requester PractitionerRole e2c956ec: practitioner 0ff51001 (PRD RP POWELL^ROBERT^^^DR^MD, state licence
    // PLN1001, no NPI) and organization 2d7d77cd (GOOD HEALTH HOSPITAL, no identifier).
    expect(facts.referringPractitioner).toEqual({
      familyName: 'POWELL',
      givenName: 'ROBERT',
      suffix: 'MD',
      ehrId: '0ff51001-d32b-6524-e347-200aa293343d',
      address: { line1: '1031 HEALTHCARE DRIVE', city: 'ANN ARBOR', state: 'MI', zip: '99999' },
    });
    expect(facts.referringOrganization).toEqual({
      name: 'GOOD HEALTH HOSPITAL',
      ehrId: '2d7d77cd-0ca7-13a5-c9ed-6e70b739adb4',
      address: { line1: '1031 HEALTHCARE DRIVE', city: 'ANN ARBOR', state: 'MI', zip: '99999' },
    });
  });

  it('takes the payer from the patient coverage: named, but uncategorised as HMO is not a SOPT code', () => {
    const { facts } = only(events, 'referral.received');
    // The ServiceRequest names no insurance; Coverage dfab6985 is the patient's (beneficiary), payor 04a2a5f2.
    expect(facts.payerName).toBe('Blue Cross Blue Shield of Texas');
    expect(facts.payerCategory).toBeUndefined();
    expect(facts.serviceZip).toBe('42010');
  });
});

describe('US Core servicerequest-rehab with the examples it refers to, worked by hand', () => {
  // The rehab ServiceRequest refers to Patient/example, Practitioner/practitioner-1 and Encounter/example-1, whose
  // Location/hospital is managed by Organization/holy-healthcare; Coverage/coverage-example covers Patient/example
  // and is paid by Organization/acme-payer. Sent together as a collection Bundle with relative references.
  const names = [
    'servicerequest-rehab',
    'patient-example',
    'practitioner-1',
    'encounter-example-1',
    'location-hospital',
    'organization-holy-healthcare',
    'coverage-example',
    'organization-acme-payer',
  ];
  const bundle = { resourceType: 'Bundle', type: 'collection', entry: names.map((name) => ({ resource: load(`us-core/${name}.json`) })) };

  it('is a referral received, keyed by its id as it has no identifier, the patient linked by MRN', () => {
    const event = only(eventsOf(parseFhirPayload(bundle, context())), 'referral.received');
    expect(event.referralKey).toBe('ServiceRequest/rehab');
    // Patient/example's one identifier is typed MR: 1032702 in http://example.org/patient/identifiers.
    expect(event.patientHash).toBe(hashPatient({ value: '1032702', assigner: 'http://example.org/patient/identifiers' }));
    expect(event.occurredAt).toBe('2021-11-12T10:59:38-08:00');
    // The first address (74047) is "old"; the current one is in 74048.
    expect(event.facts.serviceZip).toBe('74048');
  });

  it('dates the referral in the named zone: 2021-11-12T10:59:38-08:00 is the 12th in New York, the 13th in Auckland', () => {
    const newYork = only(eventsOf(parseFhirPayload(bundle, context('America/New_York'))), 'referral.received');
    const auckland = only(eventsOf(parseFhirPayload(bundle, context('Pacific/Auckland'))), 'referral.received');
    // 18:59:38 UTC: 13:59 EST on the 12th; 07:59 NZDT (UTC+13) on the 13th.
    expect(newYork.facts.referralDate).toBe('2021-11-12');
    expect(auckland.facts.referralDate).toBe('2021-11-13');
    expect(newYork.facts.receivedAt).toBe('2021-11-12T10:59:38-08:00');
    // occurrenceDateTime 2021-11-20 is not an ordered start of care: alcohol counselling is not home health.
    expect(newYork.facts.physicianOrderedSocDate).toBeUndefined();
    expect(newYork.facts.businessLine).toBeUndefined();
  });

  it('names Dr Bone with his NPI, and Holy Healthcare (where the referring visit took place) with its NPI', () => {
    const { facts } = only(eventsOf(parseFhirPayload(bundle, context())), 'referral.received');
    // NPI 9941339100: Luhn over 80840994133910 sums to 70, check digit 0: valid.
    expect(facts.referringPractitioner).toEqual({
      familyName: 'Bone',
      givenName: 'Ronald',
      npi: '9941339100',
      ehrId: 'practitioner-1',
      address: { line1: '1003 HEALTHCARE DR', city: 'AMHERST', state: 'MA', zip: '01002' },
    });
    // The requester has no organization: Encounter/example-1 has no serviceProvider, its Location/hospital is managed
    // by Organization/holy-healthcare, NPI 1234567893 (CMS's example NPI, valid).
    expect(facts.referringOrganization).toEqual({
      name: 'Holy Healthcare',
      npi: '1234567893',
      ehrId: 'holy-healthcare',
      address: { line1: '100 MANAGING ORGANIZATION AVE', city: 'Amherst', state: 'MA', zip: '01002' },
    });
  });

  it('takes the payer from coverage-example: Acme Health Plan, SOPT 3712, other government', () => {
    const { facts } = only(eventsOf(parseFhirPayload(bundle, context())), 'referral.received');
    expect(facts.payerName).toBe('Acme Health Plan');
    expect(facts.payerCategory).toBe('other');
  });
});

describe('payer category by Source of Payment Typology', () => {
  it('reads coverage-example.json: SOPT 3712 is 3 Other government > 37 Local government > 371 managed care > PPO', () => {
    const coverage = load('us-core/coverage-example.json') as { type: Parameters<typeof payerCategoryOfCoverageType>[0] };
    // Its display says "PPO", and so it is: a local government's PPO, not a commercial one.
    expect(payerCategoryOfCoverageType(coverage.type)).toBe('other');
  });

  it.each([
    ['1', 'medicare_ffs'],
    ['121', 'medicare_ffs'],
    ['13', 'medicare_ffs'],
    ['111', 'medicare_advantage'],
    ['112', 'medicare_advantage'],
    ['14', 'medicare_advantage'],
    ['211', 'medicaid_managed'],
    ['22', 'medicaid_ffs'],
    ['23', 'medicaid_ffs'],
    ['3111', 'va_military'],
    ['32', 'va_military'],
    ['3221', 'va_military'],
    ['33', 'other'],
    ['41', 'other'],
    ['511', 'commercial'],
    ['61', 'commercial'],
    ['71', 'other'],
    ['81', 'self_pay'],
    ['821', 'self_pay'],
    ['95', 'other'],
    ['99', undefined],
    ['9999', undefined],
    ['HMO', undefined],
  ])('SOPT %s -> %s', (code, category) => {
    expect(payerCategoryOfSopt(code)).toBe(category);
  });

  it('reads SOPT under its OID too, and the R4 self-pay code', () => {
    expect(payerCategoryOfCoverageType({ coding: [{ system: 'urn:oid:2.16.840.1.113883.3.221.5', code: '121' }] })).toBe('medicare_ffs');
    expect(payerCategoryOfCoverageType({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-selfpay', code: 'pay' }] })).toBe('self_pay');
    expect(payerCategoryOfCoverageType({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HMO' }] })).toBeUndefined();
  });
});
