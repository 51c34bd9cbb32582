import { canonicalEvent, referralKeyOf, type CanonicalEvent, type EventOf } from '../../src/domain/events';
import { parseFhirPayload } from '../../src/ehr/fhir';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { AdapterContext, ParseOutcome } from '../../src/ehr/types';

/**
 * Small bundles written for these tests (fictional people; nothing here is real patient data), each showing one
 * behaviour an agency relies on. Expected values are worked out from the JSON by hand.
 */

const hashPatient = createPatientHasher(Buffer.alloc(32, 2));
const ctx: AdapterContext = { feed: 'fhir-push', timeZone: 'America/New_York', hashPatient };

const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const SNOMED = 'http://snomed.info/sct';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const MRN_SYSTEM = 'https://agency.example/mrn';

/** Patient data a reason must never quote. */
const phi = ['Testpatient', 'MRN-0001', 'A-7781', '1940-02-29', '30301', '12 Test Lane'];
const PATIENT_HASH = hashPatient({ value: 'MRN-0001', assigner: MRN_SYSTEM });

const patient = (id = 'p1') => ({
  resourceType: 'Patient',
  id,
  identifier: [
    // The first identifier is an internal patient number; the MR-typed one links the patient.
    { system: 'urn:oid:2.16.840.1.113883.19.5', value: 'A-7781', type: { coding: [{ system: V2, code: 'PI' }] } },
    { system: MRN_SYSTEM, value: 'MRN-0001', type: { coding: [{ system: V2, code: 'MR' }] } },
  ],
  name: [{ family: 'Testpatient', given: ['Pat'] }],
  birthDate: '1940-02-29',
  address: [{ use: 'home', line: ['12 Test Lane'], city: 'Atlanta', state: 'GA', postalCode: '30301-1234' }],
});

/** A home health referral from Dr Doe of Test General Hospital, Medicare fee-for-service. */
function referralBundle(overrides: { task?: Record<string, unknown>; referral?: Record<string, unknown> } = {}) {
  return {
    resourceType: 'Bundle',
    id: 'referral-bundle-1',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000001',
        resource: {
          resourceType: 'ServiceRequest',
          id: 'sr1',
          meta: { versionId: '1', lastUpdated: '2026-11-27T14:05:00Z' },
          identifier: [
            { system: 'https://agency.example/intake', value: 'FILL-9', type: { coding: [{ system: V2, code: 'FILL' }] } },
            { system: 'https://hospital.example/referrals', value: 'REF-1001', type: { coding: [{ system: V2, code: 'PLAC' }] } },
          ],
          status: 'active',
          intent: 'order',
          code: { coding: [{ system: SNOMED, code: '417511005', display: 'Referral to home health care service' }] },
          subject: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000002' },
          requester: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000003' },
          insurance: [{ reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000006' }],
          authoredOn: '2026-11-27T09:30:00-05:00',
          occurrenceDateTime: '2026-11-30',
          ...overrides.referral,
        },
        request: { method: 'PUT', url: 'ServiceRequest/sr1' },
      },
      { fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000002', resource: patient(), request: { method: 'PUT', url: 'Patient/p1' } },
      {
        fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000003',
        resource: {
          resourceType: 'PractitionerRole',
          id: 'role1',
          practitioner: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000004' },
          organization: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000005' },
        },
      },
      {
        fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000004',
        resource: {
          resourceType: 'Practitioner',
          id: 'doc1',
          identifier: [{ system: NPI, value: '1245319599' }],
          name: [{ use: 'official', family: 'Doe', given: ['Jane', 'Q'], suffix: ['MD'] }],
        },
      },
      {
        fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000005',
        resource: {
          resourceType: 'Organization',
          id: 'org1',
          identifier: [{ system: NPI, value: '1234567893' }],
          type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'HOSP' }] }],
          name: 'Test General Hospital',
        },
      },
      {
        fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000006',
        resource: {
          resourceType: 'Coverage',
          id: 'cov1',
          status: 'active',
          type: { coding: [{ system: 'https://nahdo.org/sopt', code: '121', display: 'Medicare FFS' }] },
          beneficiary: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000002' },
          payor: [{ reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000007' }],
        },
      },
      {
        fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000007',
        resource: { resourceType: 'Organization', id: 'mac1', name: 'Test Medicare Contractor' },
      },
      ...(overrides.task
        ? [
            {
              fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000008',
              resource: {
                resourceType: 'Task',
                id: 't1',
                meta: { versionId: '3', lastUpdated: '2026-11-27T16:00:00Z' },
                intent: 'order',
                focus: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000001' },
                for: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000002' },
                ...overrides.task,
              },
            },
          ]
        : []),
    ],
  };
}

function eventsOf(outcome: ParseOutcome): CanonicalEvent[] {
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  for (const event of outcome.events) expect(canonicalEvent.safeParse(event).success).toBe(true);
  return outcome.events;
}

function ofKind<K extends CanonicalEvent['kind']>(events: CanonicalEvent[], kind: K): EventOf<K> {
  const found = events.filter((e) => e.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as EventOf<K>;
}

function refusal(outcome: ParseOutcome): string {
  if (outcome.ok) throw new Error('expected a refusal');
  expect(outcome.reason.length).toBeGreaterThan(0);
  for (const value of phi) expect(outcome.reason).not.toContain(value);
  return outcome.reason;
}

describe('a home health referral and the agency Task that turns it down', () => {
  const events = eventsOf(
    parseFhirPayload(referralBundle({ task: { status: 'rejected', statusReason: { text: 'Insurance not accepted: plan gave no authorization' } } }), ctx),
  );

  it('is received with every fact the bundle states', () => {
    const received = ofKind(events, 'referral.received');
    // PLAC (the hospital's referral number) is preferred over FILL, though FILL comes first.
    expect(received.referralKey).toBe('REF-1001');
    expect(received.patientHash).toBe(PATIENT_HASH);
    expect(received.occurredAt).toBe('2026-11-27T14:05:00Z');
    expect(received.facts).toEqual({
      receivedAt: '2026-11-27T09:30:00-05:00',
      referralDate: '2026-11-27',
      // SNOMED 417511005 Referral to home health care service: home health, so occurrenceDateTime is M0102.
      businessLine: 'home_health',
      physicianOrderedSocDate: '2026-11-30',
      payerCategory: 'medicare_ffs',
      payerName: 'Test Medicare Contractor',
      referringPractitioner: { familyName: 'Doe', givenName: 'Jane Q', suffix: 'MD', npi: '1245319599', ehrId: 'doc1' },
      referringOrganization: { name: 'Test General Hospital', npi: '1234567893', ehrId: 'org1', kind: 'hospital' },
      serviceZip: '30301',
    });
  });

  it('is non-admitted for insurance, at the Task time', () => {
    const turnedDown = ofKind(events, 'referral.non_admitted');
    expect(turnedDown).toMatchObject({ referralKey: 'REF-1001', reason: 'insurance_not_accepted', patientHash: PATIENT_HASH });
    expect(turnedDown.occurredAt).toBe('2026-11-27T16:00:00Z');
    expect(events).toHaveLength(2);
  });

  it.each([
    ['accepted', undefined, { kind: 'referral.accepted' }],
    ['cancelled', undefined, { kind: 'referral.cancelled', cancelledBy: 'unknown' }],
    ['rejected', { text: 'Outside our service area' }, { kind: 'referral.non_admitted', reason: 'outside_service_area' }],
    ['rejected', { text: 'Patient is not homebound' }, { kind: 'referral.non_admitted', reason: 'not_homebound' }],
    ['rejected', { coding: [{ system: 'https://agency.example/reasons', code: 'staffing_unavailable' }] }, { kind: 'referral.non_admitted', reason: 'staffing_unavailable' }],
    ['rejected', { text: 'Family chose another agency' }, { kind: 'referral.non_admitted', reason: 'went_to_another_agency' }],
    ['rejected', undefined, { kind: 'referral.non_admitted', reason: 'other' }],
  ])('a Task %s (%j) means %j', (status, statusReason, expected) => {
    const outcome = parseFhirPayload(referralBundle({ task: { status, ...(statusReason ? { statusReason } : {}) } }), ctx);
    const fromTask = eventsOf(outcome).filter((e) => e.kind !== 'referral.received');
    expect(fromTask).toEqual([expect.objectContaining({ ...expected, referralKey: 'REF-1001' })]);
  });

  it("takes a code equal to one of the agency's own reasons as it is; without that reason in its list, the words decide", () => {
    const statusReason = { coding: [{ system: 'https://agency.example/reasons', code: 'no_caregiver', display: 'No caregiver at home' }] };
    const reasonWith = (context: AdapterContext) =>
      eventsOf(parseFhirPayload(referralBundle({ task: { status: 'rejected', statusReason } }), context)).find((e) => e.kind === 'referral.non_admitted');
    expect(reasonWith({ ...ctx, nonAdmitReasons: ['insurance_not_accepted', 'other', 'no_caregiver'] })).toMatchObject({ reason: 'no_caregiver' });
    // "No caregiver at home" matches none of the default reasons' words.
    expect(reasonWith(ctx)).toMatchObject({ reason: 'other' });
  });

  it('a Task still in progress adds nothing to the referral', () => {
    expect(eventsOf(parseFhirPayload(referralBundle({ task: { status: 'in-progress' } }), ctx)).map((e) => e.kind)).toEqual(['referral.received']);
  });

  it('a revoked referral is cancelled by its source', () => {
    const events = eventsOf(parseFhirPayload(referralBundle({ referral: { status: 'revoked' } }), ctx));
    expect(events).toEqual([expect.objectContaining({ kind: 'referral.cancelled', referralKey: 'REF-1001', cancelledBy: 'source', occurredAt: '2026-11-27T14:05:00Z' })]);
  });

  it('sent again, it yields the same event ids; a new version yields new ones', () => {
    const first = eventsOf(parseFhirPayload(referralBundle(), ctx)).map((e) => e.eventId);
    const again = eventsOf(parseFhirPayload(referralBundle(), ctx)).map((e) => e.eventId);
    const next = eventsOf(parseFhirPayload(referralBundle({ referral: { meta: { versionId: '2', lastUpdated: '2026-11-28T08:00:00Z' } } }), ctx)).map((e) => e.eventId);
    expect(again).toEqual(first);
    expect(first[0]).toContain('ServiceRequest/sr1/_history/1:referral.received');
    expect(next[0]).toContain('ServiceRequest/sr1/_history/2:referral.received');
  });

  it('keeps the referring doctor when her NPI fails its check digit, without the NPI', () => {
    const bundle = referralBundle();
    const doctor = bundle.entry[3]?.resource as { identifier: Array<{ value: string }> };
    doctor.identifier[0] = { ...doctor.identifier[0], value: '1245319590' };
    const received = ofKind(eventsOf(parseFhirPayload(bundle, ctx)), 'referral.received');
    expect(received.facts.referringPractitioner).toEqual({ familyName: 'Doe', givenName: 'Jane Q', suffix: 'MD', ehrId: 'doc1' });
  });

  it('ignores a lab order travelling with the referral', () => {
    const bundle = referralBundle();
    bundle.entry.push({
      fullUrl: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000009',
      resource: {
        resourceType: 'ServiceRequest',
        id: 'lab1',
        status: 'active',
        intent: 'order',
        code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] },
        subject: { reference: 'urn:uuid:0f5c3a52-0000-4000-8000-000000000002' },
      },
    } as (typeof bundle.entry)[number]);
    expect(eventsOf(parseFhirPayload(bundle, ctx)).map(referralKeyOf)).toEqual(['REF-1001']);
  });
});

describe('references resolve however the sender wrote them', () => {
  const referral = (subject: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    resourceType: 'ServiceRequest',
    id: 'sr2',
    identifier: [{ system: 'https://hospital.example/referrals', value: 'REF-2002' }],
    status: 'active',
    intent: 'order',
    authoredOn: '2026-11-27T10:00:00-05:00',
    subject,
    ...extra,
  });
  const collection = (...entry: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', entry });

  it.each([
    ['relative, in a bundle without fullUrls', collection({ resource: referral({ reference: 'Patient/p1' }) }, { resource: patient() })],
    [
      'relative, against the base of the referring entry',
      collection(
        { fullUrl: 'https://ehr.example/fhir/ServiceRequest/sr2', resource: referral({ reference: 'Patient/p1' }) },
        // Another server's Patient/p1, a different person, comes first: only the base tells them apart.
        { fullUrl: 'https://other.example/fhir/Patient/p1', resource: { ...patient('p1'), identifier: [{ system: MRN_SYSTEM, value: 'MRN-0002', type: { coding: [{ system: V2, code: 'MR' }] } }] } },
        { fullUrl: 'https://ehr.example/fhir/Patient/p1', resource: patient('p1') },
      ),
    ],
    ['absolute', collection({ resource: referral({ reference: 'https://ehr.example/fhir/Patient/p1/_history/4' }) }, { fullUrl: 'https://ehr.example/fhir/Patient/p1', resource: patient() })],
    ['urn:uuid', collection({ resource: referral({ reference: 'urn:uuid:9d3f1c7e-1111-4aaa-8bbb-000000000001' }) }, { fullUrl: 'urn:uuid:9d3f1c7e-1111-4aaa-8bbb-000000000001', resource: patient() })],
    ['contained', collection({ resource: referral({ reference: '#pat' }, { contained: [{ ...patient('pat') }] }) })],
    [
      'conditional, naming the conditional update of the patient',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: referral({ reference: `Patient?identifier=${MRN_SYSTEM}|MRN-0001` }), request: { method: 'POST', url: 'ServiceRequest' } },
          { resource: { ...patient(), id: undefined }, request: { method: 'PUT', url: `Patient?identifier=${MRN_SYSTEM}|MRN-0001` } },
        ],
      },
    ],
    ['conditional, matched by identifier', collection({ resource: referral({ reference: `Patient?identifier=${MRN_SYSTEM}%7CMRN-0001` }) }, { resource: patient() })],
    ['logical (identifier only)', collection({ resource: referral({ identifier: { system: MRN_SYSTEM, value: 'MRN-0001' } }) }, { resource: patient() })],
  ])('%s', (_how, bundle) => {
    const events = eventsOf(parseFhirPayload(bundle, ctx));
    expect(events).toEqual([expect.objectContaining({ kind: 'referral.received', referralKey: 'REF-2002', patientHash: PATIENT_HASH })]);
  });

  it('a relative reference from one server never reaches another server\'s resource of the same id', () => {
    const outcome = parseFhirPayload(
      collection(
        { fullUrl: 'https://ehr.example/fhir/ServiceRequest/sr2', resource: referral({ reference: 'Patient/p1' }) },
        { fullUrl: 'https://other.example/fhir/Patient/p1', resource: patient('p1') },
      ),
      ctx,
    );
    expect(refusal(outcome)).toBe('ServiceRequest/sr2: subject refers to a Patient that is not in the message, so the patient cannot be linked');
  });

  it('a conditional reference matching two patients resolves to neither', () => {
    const outcome = parseFhirPayload(
      collection({ resource: referral({ reference: `Patient?identifier=${MRN_SYSTEM}|MRN-0001` }) }, { resource: patient('p1') }, { resource: patient('p2') }),
      ctx,
    );
    expect(refusal(outcome)).toBe('ServiceRequest/sr2: subject refers to a Patient that is not in the message, so the patient cannot be linked');
  });

  it('a requester outside the message is not fatal: the referral arrives without its source', () => {
    const outcome = parseFhirPayload(collection({ resource: referral({ reference: 'Patient/p1' }, { requester: { reference: 'Practitioner/elsewhere' } }) }, { resource: patient() }), ctx);
    const [event] = eventsOf(outcome) as Array<EventOf<'referral.received'>>;
    expect(event?.facts.referringPractitioner).toBeUndefined();
  });
});

describe('an episode of care is the admission', () => {
  const episode = (fields: Record<string, unknown>) => ({
    resourceType: 'EpisodeOfCare',
    id: 'eoc1',
    identifier: [{ system: 'https://agency.example/episodes', value: 'EP-77' }],
    type: [{ text: 'Home health episode' }],
    patient: { reference: 'Patient/p1' },
    // The ServiceRequest is not sent along; the reference names the referral by its identifier.
    referralRequest: [{ type: 'ServiceRequest', identifier: { system: 'https://hospital.example/referrals', value: 'REF-1001' } }],
    ...fields,
  });
  const visit = (id: string, start: string) => ({
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' },
    subject: { reference: 'Patient/p1' },
    episodeOfCare: [{ reference: 'EpisodeOfCare/eoc1' }],
    period: { start, end: start.replace('T10', 'T11') },
  });

  it('active, then finished: admitted on period.start, then discharged on period.end', () => {
    const active = eventsOf(
      parseFhirPayload(
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { resource: episode({ status: 'active', meta: { versionId: '1', lastUpdated: '2026-12-01T18:00:00Z' }, period: { start: '2026-12-01T10:00:00-05:00' } }) },
            { resource: patient() },
            { resource: visit('v2', '2026-12-03T10:10:00-05:00') },
            { resource: visit('v1', '2026-12-01T10:15:00-05:00') },
          ],
        },
        ctx,
      ),
    );
    expect(active).toEqual([
      expect.objectContaining({
        kind: 'admission.admitted',
        admissionKey: 'EP-77',
        referralKey: 'REF-1001',
        patientHash: PATIENT_HASH,
        occurredAt: '2026-12-01T18:00:00Z',
        socDate: '2026-12-01',
        // The earliest of its visits in the message; the visits make no admission of their own.
        firstVisitAt: '2026-12-01T10:15:00-05:00',
        facts: { businessLine: 'home_health' },
      }),
    ]);

    const finished = eventsOf(
      parseFhirPayload(
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { resource: episode({ status: 'finished', meta: { versionId: '2', lastUpdated: '2027-01-15T20:00:00Z' }, period: { start: '2026-12-01T10:00:00-05:00', end: '2027-01-15' } }) },
            { resource: patient() },
          ],
        },
        ctx,
      ),
    );
    expect(finished.map((e) => e.kind)).toEqual(['admission.admitted', 'admission.discharged']);
    expect(ofKind(finished, 'admission.discharged')).toMatchObject({ admissionKey: 'EP-77', dischargeDate: '2027-01-15', reason: 'other', occurredAt: '2027-01-15T20:00:00Z' });
    expect(ofKind(finished, 'admission.admitted').eventId).not.toBe(active[0]?.eventId);
  });

  it('names its referral by a reference to a ServiceRequest not sent along: admitted all the same, the store links it', () => {
    const outcome = parseFhirPayload(
      { resourceType: 'Bundle', type: 'collection', entry: [{ resource: episode({ status: 'active', period: { start: '2026-12-01' }, referralRequest: [{ reference: 'ServiceRequest/sr404' }] }) }, { resource: patient() }] },
      ctx,
      '2026-12-01T20:00:00Z',
    );
    const [admitted] = eventsOf(outcome);
    expect(admitted).toMatchObject({ kind: 'admission.admitted', admissionKey: 'EP-77', socDate: '2026-12-01', occurredAt: '2026-12-01T20:00:00Z' });
    expect(admitted && 'referralKey' in admitted ? admitted.referralKey : undefined).toBeUndefined();
  });

  it('cancelled: the admission is cancelled', () => {
    const events = eventsOf(parseFhirPayload({ resourceType: 'Bundle', type: 'collection', timestamp: '2026-12-02T09:00:00Z', entry: [{ resource: episode({ status: 'cancelled' }) }, { resource: patient() }] }, ctx));
    expect(events).toEqual([expect.objectContaining({ kind: 'admission.cancelled', admissionKey: 'EP-77', occurredAt: '2026-12-02T09:00:00Z' })]);
  });

  it('finished without an end is refused, naming the element', () => {
    const outcome = parseFhirPayload({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: episode({ status: 'finished', period: { start: '2026-12-01' } }) }, { resource: patient() }] }, ctx);
    expect(refusal(outcome)).toBe('EpisodeOfCare/eoc1: status is finished but period.end (the discharge date) is missing or not a date');
  });

  it('an episode that names neither a business line nor a referral is not the agency\'s (a hospital episode)', () => {
    const outcome = parseFhirPayload({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: episode({ status: 'active', type: [], referralRequest: [] }) }, { resource: patient() }] }, ctx);
    expect(eventsOf(outcome)).toEqual([]);
  });
});

describe('visits stand for the admission when the EHR keeps no episode', () => {
  const referral = {
    resourceType: 'ServiceRequest',
    id: 'sr3',
    identifier: [{ system: 'https://hospital.example/referrals', value: 'REF-3003' }],
    status: 'active',
    intent: 'order',
    category: [{ text: 'Hospice referral' }],
    subject: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/stay1' },
    authoredOn: '2026-11-20T15:00:00-05:00',
    occurrenceDateTime: '2026-11-22',
  };
  const visit = (id: string, start: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' },
    serviceType: { text: 'Hospice nursing visit' },
    subject: { reference: 'Patient/p1' },
    basedOn: [{ reference: 'ServiceRequest/sr3' }],
    period: { start },
    ...extra,
  });
  const stay = (id: string, end: string) => ({
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: 'Patient/p1' },
    period: { start: '2026-11-10T08:00:00-05:00', end },
  });
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resource: referral },
      { resource: patient() },
      { resource: visit('visit2', '2026-11-24T09:00:00-05:00') },
      { resource: visit('visit1', '2026-11-23T14:30:00-05:00') },
      // The inpatient stay the referral was written in ended on the 21st (evening, New York); another stay,
      // not named by the referral, is the hospital's business and ignored.
      { resource: stay('stay1', '2026-11-21T19:00:00-05:00') },
      { resource: stay('stay9', '2026-11-25T19:00:00-05:00') },
    ],
  };
  const events = eventsOf(parseFhirPayload(bundle, ctx));

  it('admits on the first visit, keyed by the referral', () => {
    expect(ofKind(events, 'admission.admitted')).toMatchObject({
      admissionKey: 'referral:REF-3003',
      referralKey: 'REF-3003',
      socDate: '2026-11-23',
      firstVisitAt: '2026-11-23T14:30:00-05:00',
      facts: { businessLine: 'hospice' },
    });
  });

  it('a later visit repeats the same admission event, so the first start of care stands', () => {
    const later = eventsOf(parseFhirPayload({ ...bundle, entry: [{ resource: referral }, { resource: patient() }, { resource: visit('visit2', '2026-11-24T09:00:00-05:00') }] }, ctx));
    expect(ofKind(later, 'admission.admitted').eventId).toBe(ofKind(events, 'admission.admitted').eventId);
  });

  it('reads the inpatient discharge (M1005) only from the stay the referral names; no ordered SOC for hospice', () => {
    const received = ofKind(events, 'referral.received');
    expect(received.facts.inpatientDischargeDate).toBe('2026-11-21');
    expect(received.facts.businessLine).toBe('hospice');
    expect(received.facts.physicianOrderedSocDate).toBeUndefined();
  });

  it('a visit not based on a referral, or the hospital\'s inpatient stays, admit no one', () => {
    const unlinked = { ...bundle, entry: [{ resource: patient() }, { resource: visit('visit1', '2026-11-23T14:30:00-05:00', { basedOn: [] }) }, { resource: stay('stay1', '2026-11-21T19:00:00-05:00') }] };
    expect(eventsOf(parseFhirPayload(unlinked, ctx))).toEqual([]);
  });
});

describe('when nothing says when it happened', () => {
  const bare = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resource: { resourceType: 'ServiceRequest', id: 'sr4', identifier: [{ value: 'REF-4004' }], status: 'active', intent: 'order', subject: { reference: 'Patient/p1' } } },
      { resource: patient() },
    ],
  };

  it('the time of receipt stands in', () => {
    const events = eventsOf(parseFhirPayload(bare, ctx, '2026-11-28T12:00:00Z'));
    expect(events).toEqual([expect.objectContaining({ kind: 'referral.received', occurredAt: '2026-11-28T12:00:00Z', facts: { serviceZip: '30301' } })]);
  });

  it('without it the message is refused', () => {
    expect(refusal(parseFhirPayload(bare, ctx))).toMatch(/^ServiceRequest\/sr4: nothing says when this happened/);
  });
});

describe('malformed input is refused with a reason that names the fault and no patient data', () => {
  const referralWithSubject = (subject: string) => ({
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      { resource: { resourceType: 'ServiceRequest', id: 'sr5', identifier: [{ value: 'REF-5005' }], status: 'active', intent: 'order', authoredOn: '2026-11-27', subject: { reference: subject } } },
      { resource: patient() },
    ],
  });

  it.each([
    ['a JSON text rather than an object', '{"resourceType":"Bundle"}', 'the payload is not a JSON object (a FHIR resource or Bundle)'],
    ['an array', [patient()], 'the payload is not a JSON object (a FHIR resource or Bundle)'],
    ['null', null, 'the payload is not a JSON object (a FHIR resource or Bundle)'],
    ['an object without resourceType', { name: [{ family: 'Testpatient' }] }, 'the payload has no resourceType: it is not a FHIR resource'],
    ['a resourceType that is no FHIR type', { resourceType: 'service request' }, 'the payload.resourceType is not the name of a FHIR resource type'],
    ['a Bundle without entry', { resourceType: 'Bundle', type: 'collection' }, 'Bundle has no entry: there is nothing to map'],
    ['a Bundle with an empty entry', { resourceType: 'Bundle', type: 'batch', entry: [] }, 'Bundle.entry is empty: there is nothing to map'],
    ['a history Bundle', { resourceType: 'Bundle', type: 'history', entry: [{ resource: patient() }] }, 'Bundle.type history is not accepted: send a batch, transaction, collection, searchset or message Bundle'],
    ['an entry without resource', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: patient() }, { fullUrl: 'urn:uuid:9d3f1c7e-1111-4aaa-8bbb-000000000009' }] }, 'Bundle.entry[1] has no resource'],
    ['an entry whose resource has a wrong resourceType', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { ...patient(), resourceType: 7 } }] }, 'Bundle.entry[0].resource.resourceType is not the name of a FHIR resource type'],
    ['a ServiceRequest whose subject is not in the bundle', referralWithSubject('Patient/p404'), 'ServiceRequest/sr5: subject refers to a Patient that is not in the message, so the patient cannot be linked'],
    ['a ServiceRequest whose subject is a Group', { ...referralWithSubject('Group/g1'), entry: [...referralWithSubject('Group/g1').entry, { resource: { resourceType: 'Group', id: 'g1' } }] }, 'ServiceRequest/sr5: subject refers to a Group, not a Patient'],
  ])('%s', (_what, payload, reason) => {
    expect(refusal(parseFhirPayload(payload, ctx))).toBe(reason);
  });

  it('a delete in a batch carries no resource and is fine', () => {
    const outcome = parseFhirPayload({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'DELETE', url: 'ServiceRequest/old' } }, { resource: patient() }] }, ctx);
    expect(eventsOf(outcome)).toEqual([]);
  });

  it('a Task whose ServiceRequest is not in the message, and names it by id only, is refused', () => {
    const outcome = parseFhirPayload(
      { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Task', id: 't9', status: 'accepted', intent: 'order', focus: { reference: 'ServiceRequest/sr9' }, for: { reference: 'Patient/p1' } } }, { resource: patient() }] },
      ctx,
      '2026-11-28T12:00:00Z',
    );
    expect(refusal(outcome)).toBe(
      'Task/t9: focus refers to a ServiceRequest that is not in the message, so the referral it is about cannot be named (send the ServiceRequest with it)',
    );
  });

  it('a Task naming its ServiceRequest by identifier needs no ServiceRequest', () => {
    const outcome = parseFhirPayload(
      { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Task', id: 't9', status: 'accepted', intent: 'order', focus: { type: 'ServiceRequest', identifier: { value: 'REF-1001' } }, for: { reference: 'Patient/p1' } } }, { resource: patient() }] },
      ctx,
      '2026-11-28T12:00:00Z',
    );
    expect(eventsOf(outcome)).toEqual([expect.objectContaining({ kind: 'referral.accepted', referralKey: 'REF-1001', occurredAt: '2026-11-28T12:00:00Z' })]);
  });
});
