import { Faker, en, en_US } from '@faker-js/faker';
import { DateTime } from 'luxon';
import { completeNpi } from '../domain/npi';
import type { BusinessLine, PayerCategory } from '../domain/vocabulary';

/**
 * A synthetic home health and hospice agency, deterministic for a seed: referral sources of several kinds and a
 * year of referrals with the shapes published studies report (DESIGN.md, "Figures for realistic demo data"):
 * conversion around 76% for home health and 85% for hospice, non-admit reasons led by insurance and service area,
 * Medicare fee-for-service about half the payer mix and Medicare Advantage a third, most starts of care within two
 * days, fewer referrals at weekends. Every person in it is invented.
 */

export type SourceKind = 'hospital' | 'physician_practice' | 'snf' | 'alf' | 'case_manager';

export interface DemoClinician {
  familyName: string;
  givenName: string;
  suffix: string;
  npi: string;
}

export interface DemoSource {
  sourceId: string;
  name: string;
  kind: SourceKind;
  npi: string;
  city: string;
  zip: string;
  /** Share of the agency's referrals this source sends (before seasonality). */
  weight: number;
  clinicians: DemoClinician[];
  /** The liaison who owns the account, as the EHR knows them. */
  marketerId: string;
}

export interface DemoPatient {
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  zip: string;
}

export type DemoOutcome = 'admitted' | 'non_admitted' | 'cancelled' | 'pending';

export interface DemoReferral {
  referralKey: string;
  source: DemoSource;
  clinician: DemoClinician;
  patient: DemoPatient;
  /** ISO instant with the agency's offset. */
  receivedAt: string;
  businessLine: BusinessLine;
  payerCategory: PayerCategory;
  payerName: string;
  branch: string;
  outcome: DemoOutcome;
  acceptedAt?: string;
  nonAdmitReason?: string;
  decidedAt?: string;
  /** Discharge from the hospital or facility the patient came from (OASIS M1005), when there was one. */
  inpatientDischargeDate?: string;
  admissionKey?: string;
  firstVisitAt?: string;
  socDate?: string;
  dischargeDate?: string;
  dischargeReason?: 'goals_met' | 'hospitalized' | 'transferred' | 'expired';
}

export interface DemoAgency {
  name: string;
  timeZone: string;
  sources: DemoSource[];
  referrals: DemoReferral[];
}

const LIAISONS = ['MKT-101', 'MKT-102', 'MKT-103', 'MKT-104'];
const BRANCHES = ['North', 'South'];

const sourceMix: Array<[SourceKind, number, (f: Faker) => string]> = [
  ['hospital', 10, (f) => `${f.location.city()} ${f.helpers.arrayElement(['General Hospital', 'Medical Center', 'Regional Hospital', 'Memorial Hospital'])}`],
  ['physician_practice', 18, (f) => `${f.person.lastName()} ${f.helpers.arrayElement(['Family Medicine', 'Internal Medicine', 'Cardiology Associates', 'Primary Care'])}`],
  ['snf', 8, (f) => `${f.location.street()} ${f.helpers.arrayElement(['Rehabilitation Center', 'Skilled Nursing', 'Care Center'])}`],
  ['alf', 5, (f) => `${f.location.street()} ${f.helpers.arrayElement(['Gardens', 'Meadows', 'Pointe'])} Assisted Living`],
  ['case_manager', 4, (f) => `${f.location.county()} ${f.helpers.arrayElement(['Care Management', 'Aging Services', 'Care Coordination'])}`],
];

const payerMix: Array<{ weight: number; value: [PayerCategory, string] }> = [
  { weight: 50, value: ['medicare_ffs', 'Medicare Part A'] },
  { weight: 12, value: ['medicare_advantage', 'Humana Gold Plus (HMO)'] },
  { weight: 11, value: ['medicare_advantage', 'UnitedHealthcare Medicare Advantage'] },
  { weight: 10, value: ['medicare_advantage', 'Aetna Medicare'] },
  { weight: 5, value: ['medicaid_managed', 'State Medicaid Managed Care'] },
  { weight: 3, value: ['medicaid_ffs', 'State Medicaid'] },
  { weight: 6, value: ['commercial', 'Blue Cross Blue Shield'] },
  { weight: 1.5, value: ['va_military', 'VA Community Care'] },
  { weight: 0.5, value: ['self_pay', 'Self pay'] },
  { weight: 1, value: ['other', 'Workers compensation'] },
];

const nonAdmitMix: Array<{ weight: number; value: string }> = [
  { weight: 30, value: 'insurance_not_accepted' },
  { weight: 18, value: 'outside_service_area' },
  { weight: 17, value: 'patient_declined' },
  { weight: 10, value: 'staffing_unavailable' },
  { weight: 9, value: 'hospitalized' },
  { weight: 5, value: 'not_homebound' },
  { weight: 4, value: 'no_skilled_need' },
  { weight: 3, value: 'went_to_another_agency' },
  { weight: 2, value: 'expired' },
  { weight: 1, value: 'physician_would_not_sign' },
  { weight: 1, value: 'other' },
];

/** Referrals per weekday (Monday first): hospitals discharge less at weekends. */
const weekdayWeight = [1.2, 1.1, 1.0, 1.0, 1.15, 0.35, 0.2];

/** A valid NPI: nine random digits and their check digit. */
export function makeNpi(faker: Faker): string {
  return completeNpi(`${faker.helpers.arrayElement(['1', '2'])}${faker.string.numeric(8)}`);
}

export interface DemoOptions {
  seed?: number;
  /** The last day of the year generated (the demo's "today"), in the agency's time zone. */
  until: string;
  months?: number;
  referralsPerMonth?: number;
  timeZone?: string;
}

export function generateDemoAgency(options: DemoOptions): DemoAgency {
  const faker = new Faker({ locale: [en_US, en], seed: options.seed ?? 20261127 });
  const timeZone = options.timeZone ?? 'America/Chicago';
  const serviceZips = Array.from({ length: 12 }, () => faker.location.zipCode('752##'));

  const sources: DemoSource[] = [];
  for (const [kind, count, name] of sourceMix) {
    for (let i = 0; i < count; i += 1) {
      const clinicians = Array.from({ length: kind === 'physician_practice' ? 2 : faker.number.int({ min: 2, max: 5 }) }, () => ({
        familyName: faker.person.lastName(),
        givenName: faker.person.firstName(),
        suffix: faker.helpers.weightedArrayElement([
          { weight: 7, value: 'MD' },
          { weight: 2, value: 'DO' },
          { weight: 1, value: 'NP' },
        ]),
        npi: makeNpi(faker),
      }));
      sources.push({
        sourceId: `SRC-${String(sources.length + 1).padStart(3, '0')}`,
        name: name(faker),
        kind,
        npi: makeNpi(faker),
        city: faker.location.city(),
        zip: faker.helpers.arrayElement(serviceZips),
        // A few large sources send most referrals (Pareto-like), hospitals most of all.
        weight: (kind === 'hospital' ? 4 : kind === 'snf' ? 2 : 1) * faker.number.float({ min: 0.2, max: 1 }) ** 2,
        clinicians,
        marketerId: faker.helpers.arrayElement(LIAISONS),
      });
    }
  }

  const end = DateTime.fromISO(options.until, { zone: timeZone }).endOf('day');
  const start = end.minus({ months: options.months ?? 12 }).startOf('day');
  const perDay = (options.referralsPerMonth ?? 180) / 30.4;
  const referrals: DemoReferral[] = [];
  for (let day = start; day < end; day = day.plus({ days: 1 })) {
    const expected = perDay * (weekdayWeight[day.weekday - 1] ?? 1) * (7 / weekdayWeight.reduce((a, b) => a + b, 0));
    const count = Math.max(0, Math.round(expected + faker.number.float({ min: -1, max: 1 }) * Math.sqrt(expected)));
    for (let n = 0; n < count; n += 1) {
      referrals.push(makeReferral(faker, sources, serviceZips, day, end, referrals.length + 1));
    }
  }
  return { name: 'Sunrise Home Health & Hospice', timeZone, sources, referrals };
}

function makeReferral(
  faker: Faker,
  sources: DemoSource[],
  serviceZips: string[],
  day: DateTime,
  end: DateTime,
  sequence: number,
): DemoReferral {
  const source = faker.helpers.weightedArrayElement(sources.map((value) => ({ weight: value.weight, value })));
  const clinician = faker.helpers.arrayElement(source.clinicians);
  const received = day.set({ hour: faker.number.int({ min: 7, max: 18 }), minute: faker.number.int({ min: 0, max: 59 }), second: 0, millisecond: 0 });
  const businessLine = faker.helpers.weightedArrayElement<BusinessLine>([
    { weight: 78, value: 'home_health' },
    { weight: 18, value: 'hospice' },
    { weight: 4, value: 'palliative' },
  ]);
  const [payerCategory, payerName] = faker.helpers.weightedArrayElement(payerMix);
  const inPatient = source.kind === 'hospital' || source.kind === 'snf';
  const ageDays = end.diff(received, 'days').days;
  // Referrals of the last days are often still open.
  const pendingChance = ageDays < 2 ? 0.6 : ageDays < 5 ? 0.15 : 0.01;
  const admitChance = businessLine === 'hospice' ? 0.85 : 0.76;
  const roll = faker.number.float({ min: 0, max: 1 });
  const outcome: DemoOutcome =
    roll < pendingChance ? 'pending' : roll < pendingChance + 0.04 ? 'cancelled' : faker.number.float({ min: 0, max: 1 }) < admitChance ? 'admitted' : 'non_admitted';

  const referral: DemoReferral = {
    referralKey: `REF-${received.toFormat('yyyyMMdd')}-${String(sequence).padStart(5, '0')}`,
    source,
    clinician,
    patient: {
      mrn: `MRN${faker.string.numeric(7)}`,
      familyName: faker.person.lastName(),
      givenName: faker.person.firstName(),
      birthDate: faker.date.birthdate({ mode: 'age', min: 62, max: 97, refDate: end.toJSDate() }).toISOString().slice(0, 10),
      // Most patients live in the service area; some do not (those are the "outside service area" non-admits).
      zip: faker.number.float({ min: 0, max: 1 }) < 0.95 ? faker.helpers.arrayElement(serviceZips) : faker.location.zipCode('760##'),
    },
    receivedAt: received.toISO() ?? '',
    businessLine,
    payerCategory,
    payerName,
    branch: faker.helpers.arrayElement(BRANCHES),
    outcome,
    ...(inPatient ? { inpatientDischargeDate: received.plus({ days: faker.helpers.arrayElement([0, 0, 0, 1]) }).toISODate() ?? '' } : {}),
  };

  if (outcome === 'pending') return referral;
  const decided = received.plus({ minutes: faker.number.int({ min: 20, max: 240 }) });
  if (outcome === 'cancelled') return { ...referral, decidedAt: decided.toISO() ?? '' };
  if (outcome === 'non_admitted') {
    return { ...referral, decidedAt: decided.plus({ hours: faker.number.int({ min: 1, max: 30 }) }).toISO() ?? '', nonAdmitReason: faker.helpers.weightedArrayElement(nonAdmitMix) };
  }

  // Hours from referral to first visit: median about a day, a long tail; weekend and Friday referrals wait longer.
  const lateWeek = received.weekday >= 5 ? 1.6 : 1;
  const hours = Math.min(24 * 9, Math.exp(faker.number.float({ min: 2.2, max: 4.3 })) * lateWeek);
  let firstVisitAt = received
    .plus({ hours })
    .set({ hour: faker.number.int({ min: 8, max: 17 }), minute: faker.number.int({ min: 0, max: 59 }), second: 0, millisecond: 0 });
  if (firstVisitAt <= received) firstVisitAt = received.plus({ hours: 3 });
  if (firstVisitAt >= end) firstVisitAt = end.minus({ hours: 1 });
  const admitted: DemoReferral = {
    ...referral,
    acceptedAt: decided.toISO() ?? '',
    admissionKey: `EP-${referral.referralKey.slice(4)}`,
    firstVisitAt: firstVisitAt.toISO() ?? '',
    socDate: firstVisitAt.toISODate() ?? '',
  };
  const lengthOfStay = businessLine === 'hospice' ? faker.number.int({ min: 3, max: 120 }) : faker.number.int({ min: 20, max: 75 });
  const discharge = firstVisitAt.plus({ days: lengthOfStay });
  if (discharge >= end) return admitted;
  return {
    ...admitted,
    dischargeDate: discharge.toISODate() ?? '',
    dischargeReason:
      businessLine === 'hospice'
        ? 'expired'
        : faker.helpers.weightedArrayElement([
            { weight: 80, value: 'goals_met' as const },
            { weight: 12, value: 'hospitalized' as const },
            { weight: 3, value: 'transferred' as const },
            { weight: 5, value: 'expired' as const },
          ]),
  };
}
