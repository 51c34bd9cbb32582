import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { canonicalEvent, type CanonicalEvent, type EventKind, type EventOf } from '../../src/domain/events';
import { parseHl7Message, type Hl7MappingOptions, type Hl7ParseOutcome } from '../../src/ehr/hl7v2';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { AdapterContext } from '../../src/ehr/types';

/*
 * Expected values below are read off the message text by hand (field counts in the comments), not copied from the
 * adapter's output. The agency is in Chicago: CST is UTC-6, CDT UTC-5.
 */

const fixtureDir = path.resolve(__dirname, '../fixtures/external/hl7v2');
const fixtureNames = fs.readdirSync(fixtureDir).filter((name) => name.endsWith('.hl7')).sort();
const fixture = (name: string): string => fs.readFileSync(path.join(fixtureDir, name), 'utf8');

const ctx: AdapterContext = {
  feed: 'mllp:test',
  timeZone: 'America/Chicago',
  hashPatient: createPatientHasher(crypto.createHash('sha256').update('hl7v2 test key').digest()),
};

/** Patient values in the fixtures ("EVERYMAN^ADAM") and the synthetic messages: none may appear in a refusal. */
const patientValues = ['EVERYMAN', 'ADAM', 'PATID1234', '123456789', '19610615', '198808181126', 'MAINSTREET', 'Hospital Lane', '42010', 'Testpatient', 'MRN-9', '19400101', 'Oak Ave', '62704'];

function eventsOf(outcome: Hl7ParseOutcome): CanonicalEvent[] {
  if (!outcome.ok) throw new Error(`expected the message to be accepted, got: ${outcome.reason}`);
  for (const event of outcome.events) canonicalEvent.parse(event);
  return outcome.events;
}

function onlyEvent<K extends EventKind>(outcome: Hl7ParseOutcome, kind: K): EventOf<K> {
  const events = eventsOf(outcome);
  expect(events.map((event) => event.kind)).toEqual([kind]);
  return events[0] as EventOf<K>;
}

function reasonOf(outcome: Hl7ParseOutcome): string {
  if (outcome.ok) throw new Error(`expected a refusal, got ${outcome.events.length} events`);
  for (const value of patientValues) expect(outcome.reason).not.toContain(value);
  return outcome.reason;
}

const lines = (text: string): string[] => text.split(/\r\n|\r|\n/);
const withoutSegment = (text: string, name: string): string => lines(text).filter((line) => !line.startsWith(`${name}|`)).join('\r');

/** A segment from its fields by number (MSH numbered as in the standard: MSH-1 is the "|" itself). */
function segment(name: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const values = Array.from({ length: last }, (_, i) => fields[i + 1] ?? '');
  return name === 'MSH' ? `MSH|${values.slice(1).join('|')}` : [name, ...values].join('|');
}

/** A fictional referral written for these tests: Mercy General refers a patient to Sunrise Home Health. */
function referral(overrides: { in1?: Record<number, string>; prd?: Record<number, string>; rf1?: Record<number, string>; msh?: Record<number, string>; extra?: string[] } = {}): string {
  return [
    segment('MSH', { 2: '^~\\&', 3: 'REFAPP', 4: 'MERCY', 5: 'RLYNX', 6: 'SUNRISE', 7: '202611270930', 9: 'REF^I12^REF_I12', 10: 'CTRL-1', 11: 'P', 12: '2.5.1', ...overrides.msh }),
    segment('RF1', { 1: 'P^Pending^HL70283', 3: 'Hom^Home Care^HL70281', 6: 'R-77^MERCY', 7: '20261126', 9: '20261127', ...overrides.rf1 }),
    segment('PRD', {
      1: 'RP^Referring Provider^HL70286',
      2: 'Nguyen^Lan^^^Dr^MD',
      3: '12 Elm St^^Springfield^IL^62701',
      7: '1234567893^NPI~D-17^DN',
      10: 'Smith \\T\\ Jones Clinic^L^^^^CMS^NPI^^^1245319599',
      11: '500 Main St^^Springfield^IL^62702',
      ...overrides.prd,
    }),
    segment('PRD', { 1: 'RT^Referred to Provider^HL70286', 2: 'Intake^Sunrise', 4: '^^^North Branch' }),
    segment('PID', { 1: '1', 3: 'MRN-9^^^MERCY^MR', 5: 'Testpatient^Pat', 7: '19400101', 8: 'F', 11: '1 Oak Ave^^Springfield^IL^62704-1234^^H' }),
    segment('IN1', { 1: '1', 2: 'MCR^Medicare Part A', 4: 'CMS', 15: 'MA^Medicare Part A^X12', ...overrides.in1 }),
    ...(overrides.extra ?? []),
  ].join('\r');
}

/** A fictional ADT from the agency's own EHR. */
function adt(trigger: string, overrides: { pv1?: Record<number, string>; extra?: string[]; evn?: Record<number, string> } = {}): string {
  return [
    segment('MSH', { 2: '^~\\&', 3: 'HHEHR', 4: 'SUNRISE', 5: 'RLYNX', 7: '202611270800', 9: `ADT^${trigger}^ADT_A01`, 10: `A-${trigger}`, 11: 'P', 12: '2.5.1' }),
    segment('EVN', { 1: trigger, 2: '202611270800', ...overrides.evn }),
    segment('PID', { 1: '1', 3: 'MRN-9^^^SUNRISE^MR', 5: 'Testpatient^Pat', 7: '19400101', 11: '1 Oak Ave^^Springfield^IL^62704^^H' }),
    segment('PV1', { 1: '1', 2: 'O', 3: '^^^North Branch', 8: 'D-17^Nguyen^Lan^^^Dr^MD', 19: 'V-100', 44: '202611300900', ...overrides.pv1 }),
    ...(overrides.extra ?? []),
  ].join('\r');
}

describe('the HL7 v2 fixtures written by others', () => {
  const expectedKinds: Record<string, EventKind[]> = {
    'ADT-A01-01.hl7': ['admission.admitted'],
    'ADT-A03-01.hl7': ['admission.discharged'],
    'ADT-A04-01.hl7': ['referral.received', 'soc.scheduled'],
    'ADT-A08-01.hl7': ['referral.updated'],
    'ADT-A11-01.hl7': ['admission.cancelled'],
    'ADT-A13-01.hl7': ['discharge.cancelled'],
    'REF-I12-01.hl7': ['referral.received'],
    'REF-I14-01.hl7': ['referral.cancelled'],
  };

  it('are all here, and each yields the events its message type implies', () => {
    expect(fixtureNames).toEqual(Object.keys(expectedKinds));
    for (const name of fixtureNames) {
      const events = eventsOf(parseHl7Message(fixture(name), ctx));
      expect({ name, kinds: events.map((event) => event.kind) }).toEqual({ name, kinds: expectedKinds[name] });
    }
  });

  it('give every event of a message its own id, and the same ids when the message is replayed', () => {
    for (const name of fixtureNames) {
      const first = eventsOf(parseHl7Message(fixture(name), ctx));
      const again = eventsOf(parseHl7Message(fixture(name), ctx));
      expect(again.map((event) => event.eventId)).toEqual(first.map((event) => event.eventId));
      expect(new Set(first.map((event) => event.eventId)).size).toBe(first.length);
    }
  });

  it('are six ADT messages sharing control id MSG00001, yet each keeps a message key of its own', () => {
    // Control ids are reused in practice (these fixtures show it), so the key also holds MSH-9 and MSH-7.
    const keys = fixtureNames.map((name) => {
      const outcome = parseHl7Message(fixture(name), ctx);
      return outcome.ok ? outcome.messageKey : name;
    });
    expect(new Set(keys).size).toBe(fixtureNames.length);
    expect(keys[0]).toBe('ADTApp^GHHSFacility|MSG00001|ADT^A01|198908181126+0215');
  });

  it('read the same with CR, LF or CRLF between segments, and inside MLLP framing', () => {
    const text = fixture('REF-I12-01.hl7');
    const asRead = parseHl7Message(text, ctx);
    const segments = lines(text);
    for (const variant of [segments.join('\r'), segments.join('\n'), segments.join('\r\n'), `\u000b${segments.join('\r')}\u001c\r`]) {
      expect(parseHl7Message(variant, ctx)).toEqual(asRead);
    }
  });
});

describe('REF^I12, a new referral (REF-I12-01.hl7)', () => {
  const outcome = parseHl7Message(fixture('REF-I12-01.hl7'), ctx);
  const received = onlyEvent(outcome, 'referral.received');

  it('is keyed by RF1-6, the originating referral id "226839^EPIC" (not RF1-11, the external id 11001)', () => {
    expect(received.referralKey).toBe('226839');
  });

  it('was received at MSH-7 202201251620+0000: 16:20 UTC is 10:20 in Chicago (CST)', () => {
    expect(received.facts.receivedAt).toBe('2022-01-25T10:20:00-06:00');
    expect(Date.parse(received.facts.receivedAt ?? '')).toBe(Date.UTC(2022, 0, 25, 16, 20));
    expect(received.occurredAt).toBe('2022-01-25T10:20:00-06:00');
  });

  it('has the referral date (M0104) of RF1-7, the effective date 20220125', () => {
    expect(received.facts.referralDate).toBe('2022-01-25');
  });

  it('names POWELL, ROBERT (MD), the PRD whose role PRD-1 is RP, without an NPI: PRD-7 "PLN1001^SL" is a state license', () => {
    expect(received.facts.referringPractitioner).toEqual({
      familyName: 'POWELL',
      givenName: 'ROBERT',
      suffix: 'MD',
      address: { line1: '1031 HEALTHCARE DRIVE', city: 'ANN ARBOR', state: 'MI', zip: '99999' },
    });
  });

  it('has GOOD HEALTH HOSPITAL (PRD-10, with the PRD-11 address) as the referring organization', () => {
    expect(received.facts.referringOrganization).toEqual({
      name: 'GOOD HEALTH HOSPITAL',
      address: { line1: '1031 HEALTHCARE DRIVE', city: 'ANN ARBOR', state: 'MI', zip: '99999' },
    });
  });

  it('is commercial (IN1-15 plan type HMO, no Medicare or Medicaid named), paid by IN1-4 Blue Cross Blue Shield of Texas', () => {
    expect(received.facts.payerCategory).toBe('commercial');
    expect(received.facts.payerName).toBe('Blue Cross Blue Shield of Texas');
  });

  it('belongs to the patient of PID-3 "PATID1234", assigning authority (PID-3.4) ADT1', () => {
    expect(received.patientHash).toBe(ctx.hashPatient({ value: 'PATID1234', assigner: 'ADT1' }));
  });

  it('takes the service ZIP from PID-11 (42010), the branch from the referred-to PRD location, and no business line from RF1-3 "Med"', () => {
    expect(received.facts.serviceZip).toBe('42010');
    expect(received.facts.branch).toBe('GI FACILITY');
    expect(received.facts.businessLine).toBeUndefined();
    expect(received.facts.marketerId).toBeUndefined();
  });

  it('carries where it came from', () => {
    expect(received.source).toEqual({ format: 'hl7v2', feed: 'mllp:test', messageId: 'GHH^GHHSFacility|MSG00112|REF^I12|202201251620+0000' });
  });
});

describe('REF^I14, a cancelled referral', () => {
  it('cancels referral 226839; RF1-1 "P" (pending) does not say who cancelled, so it is unknown', () => {
    const cancelled = onlyEvent(parseHl7Message(fixture('REF-I14-01.hl7'), ctx), 'referral.cancelled');
    expect(cancelled).toMatchObject({ referralKey: '226839', cancelledBy: 'unknown' });
  });

  it('is the agency refusing when RF1-1 is R (rejected, table 0283)', () => {
    const text = referral({ msh: { 9: 'REF^I14^REF_I14' }, rf1: { 1: 'R^Rejected^HL70283' } });
    expect(onlyEvent(parseHl7Message(text, ctx), 'referral.cancelled').cancelledBy).toBe('agency');
  });
});

describe('ADT from the agency EHR (the fixtures)', () => {
  const adtPatient = ctx.hashPatient({ value: 'PATID1234', assigner: 'test1' });
  // EVN-6 20210817151943.4+0200 is 13:19:43.4 UTC, 08:19:43.4 in Chicago (CDT).
  const evn6 = '2021-08-17T08:19:43.400-05:00';

  it('A01 admits visit PV1-19 40007716 for referral RF1-6 123-1; PV1-44 20150208113419+0110 is 10:24:19 UTC, 04:24:19 CST', () => {
    const admitted = onlyEvent(parseHl7Message(fixture('ADT-A01-01.hl7'), ctx), 'admission.admitted');
    expect(admitted).toMatchObject({
      admissionKey: '40007716',
      referralKey: '123-1',
      socDate: '2015-02-08',
      firstVisitAt: '2015-02-08T04:24:19-06:00',
      occurredAt: evn6,
      patientHash: adtPatient,
    });
    expect(admitted.facts).toEqual({
      // RF1-7 is empty; RF1-9 19900501120100+0515 is 06:46 UTC on May 1, still May 1 in Chicago.
      referralDate: '1990-05-01',
      payerCategory: 'commercial',
      payerName: 'Blue Cross Blue Shield of Texas',
      // PV1-8 C006^Woolfson^Kathleen^^^Dr^^^TEST&23.2&HCD^MSK^^^BA: BA is not an NPI type.
      referringPractitioner: { familyName: 'Woolfson', givenName: 'Kathleen', ehrId: 'C006' },
      // PV1-52 (other healthcare provider) Othhel^^^^^^^^testing&&HCD, the default marketer field.
      marketerId: 'Othhel',
      // PV1-39 servicing facility.
      branch: 'HOMERTON UNIVER',
      serviceZip: '99999',
    });
  });

  it('A03 discharges 40007716 on PV1-45 (20150209113419+0110, Feb 9 in Chicago), hospitalized: PV1-36 "Admitted as Inpatient"', () => {
    const discharged = onlyEvent(parseHl7Message(fixture('ADT-A03-01.hl7'), ctx), 'admission.discharged');
    expect(discharged).toMatchObject({ admissionKey: '40007716', dischargeDate: '2015-02-09', reason: 'hospitalized', patientHash: adtPatient });
  });

  it('A04 registers referral 123-1 as received at EVN-6, and its SOC as scheduled on PV2-8 (20150208113419+0110)', () => {
    const [received, scheduled] = eventsOf(parseHl7Message(fixture('ADT-A04-01.hl7'), ctx));
    expect(received).toMatchObject({ kind: 'referral.received', referralKey: '123-1', facts: { receivedAt: evn6, referralDate: '1990-05-01' } });
    expect(scheduled).toMatchObject({ kind: 'soc.scheduled', referralKey: '123-1', scheduledSocDate: '2015-02-08' });
  });

  it('A08 updates the facts of referral 123-1, and does not restate when it was received', () => {
    const updated = onlyEvent(parseHl7Message(fixture('ADT-A08-01.hl7'), ctx), 'referral.updated');
    expect(updated.referralKey).toBe('123-1');
    expect(updated.facts).toMatchObject({ payerCategory: 'commercial', serviceZip: '99999', marketerId: 'Othhel' });
    expect(updated.facts.receivedAt).toBeUndefined();
  });

  it('A11 cancels admission 40007716 and A13 cancels its discharge', () => {
    expect(onlyEvent(parseHl7Message(fixture('ADT-A11-01.hl7'), ctx), 'admission.cancelled')).toMatchObject({ admissionKey: '40007716', patientHash: adtPatient });
    expect(onlyEvent(parseHl7Message(fixture('ADT-A13-01.hl7'), ctx), 'discharge.cancelled')).toMatchObject({ admissionKey: '40007716', patientHash: adtPatient });
  });
});

describe('referral sources, payers and business lines (fictional messages)', () => {
  it('keeps an NPI that passes the check digit: 1234567893 (Luhn over 80840123456789 sums to 67, so 3)', () => {
    const received = onlyEvent(parseHl7Message(referral(), ctx), 'referral.received');
    expect(received.facts.referringPractitioner).toEqual({
      familyName: 'Nguyen',
      givenName: 'Lan',
      suffix: 'MD',
      npi: '1234567893',
      ehrId: 'D-17',
      address: { line1: '12 Elm St', city: 'Springfield', state: 'IL', zip: '62701' },
    });
    // XON.7 NPI, XON.10 1245319599 (80840124531959 sums to 71, so 9); the \T\ escape is an ampersand.
    expect(received.facts.referringOrganization).toEqual({
      name: 'Smith & Jones Clinic',
      npi: '1245319599',
      address: { line1: '500 Main St', city: 'Springfield', state: 'IL', zip: '62702' },
    });
    expect(received.facts).toMatchObject({
      referralDate: '2026-11-26',
      // MSH-7 202611270930 has no offset: 09:30 in Chicago.
      receivedAt: '2026-11-27T09:30:00-06:00',
      businessLine: 'home_health',
      branch: 'North Branch',
      serviceZip: '62704',
      payerCategory: 'medicare_ffs',
      payerName: 'CMS',
    });
  });

  it('drops an NPI that fails the check digit, names the dropped field, and keeps the rest of the referral', () => {
    const outcome = parseHl7Message(referral({ prd: { 7: '1234567890^NPI' } }), ctx);
    const received = onlyEvent(outcome, 'referral.received');
    expect(received.facts.referringPractitioner).toMatchObject({ familyName: 'Nguyen', givenName: 'Lan' });
    expect(received.facts.referringPractitioner?.npi).toBeUndefined();
    expect(outcome.ok && outcome.droppedFields).toEqual(['referral.received facts.referringPractitioner.npi']);
  });

  it('drops a ZIP code that is not a US ZIP code, and nothing else', () => {
    const outcome = parseHl7Message(referral({ prd: { 11: '500 Main St^^Toronto^ON^M5V 2T6' } }), ctx);
    const organization = onlyEvent(outcome, 'referral.received').facts.referringOrganization;
    expect(organization?.address).toEqual({ line1: '500 Main St', city: 'Toronto', state: 'ON' });
    expect(outcome.ok && outcome.droppedFields).toEqual(['referral.received facts.referringOrganization.address.zip']);
  });

  const payerCases: Array<[string, Record<number, string>, string | undefined]> = [
    ['X12 MA, Medicare Part A', { 15: 'MA^Medicare Part A^X12' }, 'medicare_ffs'],
    ['X12 MB, Medicare Part B', { 15: 'MB' }, 'medicare_ffs'],
    ['X12 16, HMO Medicare risk', { 15: '16' }, 'medicare_advantage'],
    ['X12 MC, Medicaid', { 15: 'MC' }, 'medicaid_ffs'],
    ['X12 MC, Medicaid, for a plan named an MCO', { 2: 'SUP^Superior HealthPlan Medicaid MCO', 15: 'MC' }, 'medicaid_managed'],
    ['SOPT 111, Medicare HMO', { 15: '111^Medicare HMO^SOP' }, 'medicare_advantage'],
    ['SOPT 121, Medicare FFS', { 15: '121^Medicare FFS^SOP' }, 'medicare_ffs'],
    ['SOPT 211, Medicaid HMO', { 15: '211^Medicaid HMO^SOP' }, 'medicaid_managed'],
    ['SOPT 32, Veterans Affairs', { 15: '32^Department of Veterans Affairs^SOP' }, 'va_military'],
    ['SOPT 81, self-pay', { 15: '81^Self-pay^SOP' }, 'self_pay'],
    ['SOPT 95, workers compensation', { 15: '95^Worker\'s Compensation^SOP' }, 'other'],
    ['an HMO plan named Medicare', { 2: 'H5216^Humana Medicare Advantage HMO', 4: 'Humana', 15: 'HMO' }, 'medicare_advantage'],
    ['a PPO with no program named', { 2: 'OA^Open Access', 4: 'Aetna', 15: 'PPO' }, 'commercial'],
    ['a state Medicaid program with no plan type', { 2: 'TXM', 4: 'Texas Medicaid', 15: '' }, 'medicaid_ffs'],
    ['a plan nothing identifies', { 2: 'G1^Gold Plan', 4: 'Acme Insurance', 15: '' }, undefined],
  ];
  it.each(payerCases)('reads the payer category of %s', (_label, in1, category) => {
    const received = onlyEvent(parseHl7Message(referral({ in1: { 2: '', 4: 'Payer', 15: '', ...in1 } }), ctx), 'referral.received');
    expect(received.facts.payerCategory).toBe(category);
  });

  it("follows the tenant's own plan-type codes before the standard ones", () => {
    const options: Hl7MappingOptions = { payerCategories: { MC: 'medicare_ffs' } };
    const received = onlyEvent(parseHl7Message(referral({ in1: { 15: 'MC' } }), ctx, options), 'referral.received');
    expect(received.facts.payerCategory).toBe('medicare_ffs');
  });

  it('reads hospice from the receiving facility when nothing else names the business line', () => {
    const text = referral({ msh: { 6: 'SUNRISE HOSPICE' }, rf1: { 3: 'Med^Medical^HL70281' } });
    expect(onlyEvent(parseHl7Message(text, ctx), 'referral.received').facts.businessLine).toBe('hospice');
  });

  it('finds the referrer in a ROL segment with role RP, with the organization unit type as its kind', () => {
    const rol = 'ROL|1|AD|RP^Referring Provider^HL70443|1234567893^Smith^Jo^^^^MD^^NPI&2.16.840.1.113883.4.6&ISO||||||1^Hospital^HL70406||||Mercy General Hospital';
    const admitted = onlyEvent(parseHl7Message(adt('A01', { extra: [rol] }), ctx), 'admission.admitted');
    expect(admitted.facts?.referringPractitioner).toEqual({ familyName: 'Smith', givenName: 'Jo', suffix: 'MD', npi: '1234567893' });
    expect(admitted.facts?.referringOrganization).toEqual({ name: 'Mercy General Hospital', kind: 'hospital' });
  });

  it('reads the marketer where the tenant says: a ROL role code, or a Z-segment field', () => {
    const rol = 'ROL|2|AD|MKT^Marketer^L|E-204^Lopez^Ana';
    const byRole = onlyEvent(parseHl7Message(adt('A01', { extra: [rol] }), ctx, { marketer: { role: 'MKT' } }), 'admission.admitted');
    expect(byRole.facts?.marketerId).toBe('E-204');
    const byField = onlyEvent(parseHl7Message(adt('A01', { extra: ['ZRF|1|LIA-9'] }), ctx, { marketer: { field: 'ZRF-2' } }), 'admission.admitted');
    expect(byField.facts?.marketerId).toBe('LIA-9');
  });
});

describe('ADT dates and discharge reasons (fictional messages)', () => {
  it.each([
    ['a date only: taken as written', '20260102', '2026-01-02', undefined],
    ['no offset: read in Chicago', '202601020030', '2026-01-02', '2026-01-02T00:30:00-06:00'],
    ['00:30 UTC: still Jan 1 in Chicago', '20260102003000+0000', '2026-01-01', '2026-01-01T18:30:00-06:00'],
  ])('PV1-44 with %s', (_label, pv144, socDate, firstVisitAt) => {
    const admitted = onlyEvent(parseHl7Message(adt('A01', { pv1: { 44: pv144 } }), ctx), 'admission.admitted');
    expect(admitted.socDate).toBe(socDate);
    expect(admitted.firstVisitAt).toBe(firstVisitAt);
  });

  it.each([
    ['01', 'goals_met'],
    ['1', 'goals_met'],
    ['02', 'hospitalized'],
    ['06', 'transferred'],
    ['20', 'expired'],
    ['41', 'expired'],
    ['exp', 'expired'],
    ['XX^Patient moved out of service area^L', 'moved'],
    ['REV^Hospice revocation^L', 'revoked'],
    ['', 'other'],
  ])('A03 with PV1-36 "%s" is discharged for %s', (pv136, reason) => {
    const discharged = onlyEvent(parseHl7Message(adt('A03', { pv1: { 36: pv136, 45: '202612151000' } }), ctx), 'admission.discharged');
    expect(discharged).toMatchObject({ admissionKey: 'V-100', dischargeDate: '2026-12-15', reason });
  });

  it("follows the tenant's own discharge codes", () => {
    const text = adt('A03', { pv1: { 36: 'D7', 45: '20261215' } });
    expect(onlyEvent(parseHl7Message(text, ctx, { dischargeReasons: { D7: 'revoked' } }), 'admission.discharged').reason).toBe('revoked');
  });

  it('an A08 that names a referral and gives PV2-8 (expected admit date) schedules its start of care', () => {
    const text = adt('A08', { extra: [segment('RF1', { 1: 'A^Accepted^HL70283', 6: 'R-77^MERCY' }), segment('PV2', { 8: '20261201' })] });
    const [updated, scheduled] = eventsOf(parseHl7Message(text, ctx));
    expect(updated).toMatchObject({ kind: 'referral.updated', referralKey: 'R-77' });
    expect(scheduled).toMatchObject({ kind: 'soc.scheduled', referralKey: 'R-77', scheduledSocDate: '2026-12-01' });
  });

  it('an A08 that names no referral (a demographics update) means nothing here', () => {
    expect(parseHl7Message(adt('A08'), ctx)).toEqual({ ok: true, messageKey: 'HHEHR^SUNRISE|A-A08|ADT^A08|202611270800', events: [] });
  });

  it('reads the referral id from a configured field when there is no RF1', () => {
    const text = adt('A04', { pv1: { 5: 'PRE-55' } });
    const received = eventsOf(parseHl7Message(text, ctx, { referralKeyField: 'PV1-5' }))[0];
    expect(received).toMatchObject({ kind: 'referral.received', referralKey: 'PRE-55' });
  });

  it('message types that mean nothing to referral management are accepted with no events', () => {
    const text = adt('A01').replace('ADT^A01^ADT_A01', 'ORU^R01^ORU_R01');
    expect(parseHl7Message(text, ctx)).toMatchObject({ ok: true, events: [] });
  });
});

describe('messages that cannot be read are refused with a reason naming the problem, never a patient value', () => {
  const i12 = fixture('REF-I12-01.hl7');

  it.each([
    ['empty input', '', /empty/],
    ['blank input', ' \r\n ', /empty/],
    ['no MSH segment', lines(i12).slice(2).join('\r'), /does not begin with an MSH segment/],
    ['binary garbage', Buffer.from([0x00, 0xff, 0x13, 0x4d, 0x53, 0x48, 0x7c, 0x01]).toString('latin1'), /binary/],
    ['MSH-1 a letter', i12.replace('MSH|^~\\&|', 'MSHX^~\\&X'), /MSH-1/],
    ['a field separator in MSH-1 that the rest of MSH does not use', i12.replace('MSH|^~\\&|', 'MSH#^~\\&|'), /MSH-2/],
    ['two messages in one', `${i12}\r${fixture('ADT-A01-01.hl7')}`, /more than one MSH/],
    ['REF without RF1', withoutSegment(i12, 'RF1'), /^REF\^I12: RF1-6 \(originating referral identifier\) is absent \(no RF1 segment\)/],
    ['REF with an empty RF1-6', i12.replace('|226839^EPIC|', '||'), /^REF\^I12: RF1-6 \(originating referral identifier\) is empty/],
    ['truncated after the PRD segments', lines(i12).slice(0, 6).join('\r'), /^REF\^I12: PID-3 \(patient identifier list\) is absent \(no PID segment\)/],
    ['truncated inside MSH, before MSH-10', i12.slice(0, i12.indexOf('MSG00112')), /MSH-10/],
    ['ADT without PID-3', fixture('ADT-A01-01.hl7').replace(/^PID\|1\|([^|]*)\|[^|]*\|/m, 'PID|1|$1||'), /^ADT\^A01: PID-3 \(patient identifier list\) is empty/],
    ['ADT without PV1-19', fixture('ADT-A11-01.hl7').replace('|40007716^^^AccMng&1.2&HCD^AM|', '||'), /^ADT\^A11: PV1-19 \(visit number\) is empty/],
    ['A01 without an admit date', adt('A01', { pv1: { 44: '' } }), /^ADT\^A01: PV1-44 \(admit date\/time\) is empty/],
    ['A03 with a discharge date that is not a date', adt('A03', { pv1: { 45: '2026-12-15' } }), /^ADT\^A03: PV1-45/],
    ['A04 with no referral id', adt('A04'), /^ADT\^A04: RF1-6 \(originating referral identifier\) is absent \(no RF1 segment\)/],
    ['a version that is not 2.x', i12.replace('|P|2.8|', '|P|3.0|'), /MSH-12/],
    ['no usable message time', adt('A11', { evn: { 2: 'yesterday' } }).replace('|202611270800|', '|now|'), /MSH-7/],
  ])('%s', (_label, text, reason) => {
    expect(reasonOf(parseHl7Message(text, ctx))).toMatch(reason);
  });

  it('reads a message that declares other delimiters in MSH-1 and MSH-2, and uses them throughout', () => {
    const hashes = fixture('REF-I12-01.hl7').replaceAll('|', '#');
    expect(parseHl7Message(hashes, ctx)).toEqual(parseHl7Message(fixture('REF-I12-01.hl7'), ctx));
  });

  it('refuses, rather than guesses, when the time zone setting is not a zone', () => {
    expect(reasonOf(parseHl7Message(i12, { ...ctx, timeZone: 'Mars/Olympus' }))).toMatch(/time zone/);
  });
});

describe('fuzzing the fixtures', () => {
  type Mutation =
    | { op: 'drop' | 'duplicate'; at: number }
    | { op: 'swap'; at: number; with: number }
    | { op: 'truncate'; at: number }
    | { op: 'bytes'; at: number; bytes: Uint8Array }
    | { op: 'delimiter'; from: string; to: string }
    | { op: 'field'; at: number; field: number; value: string };

  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constantFrom('drop' as const, 'duplicate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
    fc.record({
      op: fc.constant('delimiter' as const),
      from: fc.constantFrom('|', '^', '~', '\\', '&', '\n'),
      to: fc.constantFrom('|', '^', '~', '\\', '&', '#', '\r', '', ' ', '""'),
    }),
    fc.record({ op: fc.constant('field' as const), at: fc.nat(), field: fc.nat({ max: 60 }), value: fc.string({ maxLength: 30 }) }),
  );

  function mutate(text: string, change: Mutation): string {
    const segments = lines(text);
    const n = Math.max(segments.length, 1);
    switch (change.op) {
      case 'drop':
        return segments.filter((_, i) => i !== change.at % n).join('\r');
      case 'duplicate':
        return segments.flatMap((s, i) => (i === change.at % n ? [s, s] : [s])).join('\r');
      case 'swap': {
        const [i, j] = [change.at % n, change.with % n];
        const copy = [...segments];
        [copy[i], copy[j]] = [copy[j] ?? '', copy[i] ?? ''];
        return copy.join('\r');
      }
      case 'truncate':
        return text.slice(0, change.at % (text.length + 1));
      case 'bytes': {
        const at = change.at % (text.length + 1);
        return text.slice(0, at) + Buffer.from(change.bytes).toString('latin1') + text.slice(at);
      }
      case 'delimiter':
        return text.replaceAll(change.from, change.to);
      case 'field': {
        const i = change.at % n;
        const fields = (segments[i] ?? '').split('|');
        while (fields.length <= change.field) fields.push('');
        fields[change.field] = change.value;
        segments[i] = fields.join('|');
        return segments.join('\r');
      }
    }
  }

  it('never throws, refuses with a reason or returns events that are canonical, and never quotes a patient value', () => {
    const texts = fixtureNames.map(fixture);
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, changes) => {
        const text = changes.reduce(mutate, texts[which] ?? '');
        const outcome = parseHl7Message(text, ctx);
        if (outcome.ok) {
          expect(outcome.messageKey.length).toBeGreaterThan(0);
          for (const event of outcome.events) canonicalEvent.parse(event);
        } else {
          expect(outcome.reason.trim().length).toBeGreaterThan(0);
          for (const value of patientValues) expect(outcome.reason).not.toContain(value);
        }
        expect(parseHl7Message(text, ctx)).toEqual(outcome);
      }),
      { numRuns: 300 },
    );
  });
});
