import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import type { Hl7Repetition } from './message';

/**
 * HL7 v2 data types (v2.8 chapter 2A) read into plain values. Every reader takes one field repetition and returns
 * only what is there; nothing is guessed.
 */

/** A DTM/TS value: a calendar date, or an instant when the value carries a time of day. */
export type Hl7Time =
  | { precision: 'date'; date: string }
  | { precision: 'time'; date: string; instant: string };

const DTM =
  /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

/** Luxon caches zones by name (IANAZone.create); asking isValidZone instead builds a formatter on every call. */
export function isTimeZone(zone: string): boolean {
  return IANAZone.create(zone).isValid;
}

/**
 * Reads DTM (v2.5+) or the first component of TS: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
 * A value without a time of day is a calendar date, taken as written. A value with one is an instant: with its own
 * offset when it has one, otherwise read in `timeZone` (the agency's); its calendar date is the date in `timeZone`,
 * since OASIS dates are dates where the agency is. Values coarser than a day, or not real dates, read as undefined.
 */
export function parseHl7Time(value: string, timeZone: string): Hl7Time | undefined {
  const match = DTM.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  if (month === undefined || day === undefined) return undefined;
  if (hour === undefined) {
    const date = DateTime.fromObject({ year: Number(year), month: Number(month), day: Number(day) }, { zone: 'UTC' });
    return date.isValid ? { precision: 'date', date: date.toISODate() ?? '' } : undefined;
  }
  const agency = IANAZone.create(timeZone);
  const zone = offset
    ? FixedOffsetZone.instance((offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5))))
    : agency;
  const at = DateTime.fromObject(
    {
      year: Number(year),
      month: Number(month),
      day: Number(day),
      hour: Number(hour),
      minute: Number(minute ?? 0),
      second: Number(second ?? 0),
      millisecond: fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0,
    },
    { zone },
  );
  // A wall time that a DST change skipped is moved forward by Luxon rather than refused: the sender's clock said so.
  if (!at.isValid) return undefined;
  const local = at.setZone(agency);
  if (!local.isValid) return undefined;
  return {
    precision: 'time',
    date: local.toISODate() ?? '',
    instant: local.toISO({ suppressMilliseconds: true }) ?? '',
  };
}

/** HD: namespace id, universal id, universal id type (subcomponents when inside another type). */
export interface HierarchicDesignator {
  namespace: string;
  universalId: string;
}

function hdFromSubcomponents(rep: Hl7Repetition, component: number): HierarchicDesignator {
  return { namespace: rep.get(component, 1), universalId: rep.get(component, 2) };
}

/** The HD in a field of its own (MSH-3, MSH-4): its components. */
export function readHd(rep: Hl7Repetition): HierarchicDesignator {
  return { namespace: rep.get(1), universalId: rep.get(2) };
}

/** The name an assigning authority goes by: its namespace id, else its universal id (as FHIR-Converter does). */
export function authorityName(hd: HierarchicDesignator): string | undefined {
  return hd.namespace || hd.universalId || undefined;
}

/** CX: extended composite id (PID-3, PV1-19, PV1-5). */
export interface ExtendedId {
  id: string;
  authority: HierarchicDesignator;
  /** CX.5, HL7 table 0203 identifier type. */
  type: string;
}

export function readCx(rep: Hl7Repetition): ExtendedId {
  return { id: rep.get(1), authority: hdFromSubcomponents(rep, 4), type: rep.get(5).toUpperCase() };
}

/** EI: entity identifier (RF1-6, RF1-11). */
export function readEi(rep: Hl7Repetition): { id: string; namespace: string } {
  return { id: rep.get(1), namespace: rep.get(2) };
}

/** CWE/CE/IS: a coded value with its text and coding system (the alternate triplet when the first is empty). */
export interface Coded {
  code: string;
  text: string;
  system: string;
  alternateCode: string;
  alternateText: string;
  alternateSystem: string;
  /** CWE.14, the coding system OID (v2.7+). */
  systemOid: string;
}

export function readCwe(rep: Hl7Repetition): Coded {
  return {
    code: rep.get(1),
    text: rep.get(2),
    system: rep.get(3),
    alternateCode: rep.get(4),
    alternateText: rep.get(5),
    alternateSystem: rep.get(6),
    systemOid: rep.get(14),
  };
}

/** A person's name as the canonical events carry it (family, given, credentials). */
export interface PersonName {
  familyName: string;
  givenName: string;
  /** Professional suffix or degree (MD, DO, NP): XPN.14/XCN.21 (v2.5+), else the deprecated XPN.6/XCN.7. */
  suffix: string;
}

/** XPN: person name (PRD-2). XPN.1 is FN, whose first subcomponent is the surname. */
export function readXpn(rep: Hl7Repetition): PersonName {
  return { familyName: rep.get(1, 1), givenName: rep.get(2), suffix: rep.get(14) || rep.get(6) };
}

/** XCN: a person with an id (PV1-8, ROL-4, PRT-5). */
export interface Clinician extends PersonName {
  id: string;
  authority: HierarchicDesignator;
  /** XCN.13, HL7 table 0203 identifier type. */
  idType: string;
}

export function readXcn(rep: Hl7Repetition): Clinician {
  return {
    id: rep.get(1),
    familyName: rep.get(2, 1),
    givenName: rep.get(3),
    suffix: rep.get(21) || rep.get(7),
    authority: hdFromSubcomponents(rep, 9),
    idType: rep.get(13).toUpperCase(),
  };
}

/** XON: an organization (PRD-10, ROL-14, PRT-8, IN1-4). */
export interface Organization {
  name: string;
  /** XON.10 organization identifier (v2.5+), else the deprecated XON.3 id number. */
  id: string;
  authority: HierarchicDesignator;
  idType: string;
}

export function readXon(rep: Hl7Repetition): Organization {
  return { name: rep.get(1), id: rep.get(10) || rep.get(3), authority: hdFromSubcomponents(rep, 6), idType: rep.get(7).toUpperCase() };
}

/** XAD: an address. XAD.1 is SAD; its first subcomponent is the street or mailing address. */
export interface Address {
  line1: string;
  city: string;
  state: string;
  zip: string;
  /** XAD.7, HL7 table 0190 address type (H home, M mailing, ...). */
  type: string;
}

export function readXad(rep: Hl7Repetition): Address {
  return { line1: rep.get(1, 1), city: rep.get(3), state: rep.get(4), zip: rep.get(5), type: rep.get(7).toUpperCase() };
}

/** PL: person location (PV1-3, PRD-4). */
export function readPl(rep: Hl7Repetition): { pointOfCare: string; facility: string; description: string } {
  return { pointOfCare: rep.get(1, 1), facility: rep.get(4, 1) || rep.get(4, 2), description: rep.get(9) };
}

/** PLN: practitioner license or other id number (PRD-7); PLN.2 is HL7 table 0338. */
export function readPln(rep: Hl7Repetition): { id: string; type: string } {
  return { id: rep.get(1), type: rep.get(2).toUpperCase() };
}
