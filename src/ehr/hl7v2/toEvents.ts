import crypto from 'node:crypto';
import type { Hl7Segment } from '@medplum/core';
import { DateTime } from 'luxon';
import { canonicalEvent, type CanonicalEvent } from '../../domain/events';
import type { AdapterContext, ParseOutcome, PatientIdentifier } from '../types';
import { toBusinessLine, toDischargeReason, toPayerCategory } from './codes';
import {
  authorityName,
  isTimeZone,
  parseHl7Time,
  readCwe,
  readCx,
  readEi,
  readHd,
  readPl,
  readPln,
  readXad,
  readXcn,
  readXon,
  readXpn,
  type Address,
  type Clinician,
  type Hl7Time,
  type Organization,
} from './datatypes';
import { readHl7Message, type Hl7Reader } from './message';
import { defaultMarketerField, parseFieldPath, type Hl7MappingOptions } from './options';

/**
 * HL7 v2 referral and ADT messages to canonical events (src/domain/events.ts). The field-by-field mapping, and the
 * reasons for each choice where HL7 leaves room, are in MAPPING.md beside this file.
 */

/** A ParseOutcome, plus the optional fields left out because their values did not validate (paths, never values). */
export type Hl7ParseOutcome = ParseOutcome & { droppedFields?: string[] };

export function parseHl7Message(text: string, ctx: AdapterContext, options: Hl7MappingOptions = {}): Hl7ParseOutcome {
  try {
    return toOutcome(text, ctx, options);
  } catch (error) {
    // Untrusted input must never crash a feed. The error's message could quote the input, so only its kind is named.
    return { ok: false, reason: `the message could not be mapped (unexpected ${error instanceof Error ? error.name : 'error'})` };
  }
}

/** A canonical event before its envelope (ids, time, source, patient) is put on. */
type Draft = { kind: CanonicalEvent['kind'] } & Record<string, unknown>;
type Handled = { drafts: Draft[] } | { reason: string };

interface MessageContext {
  m: Hl7Reader;
  ctx: AdapterContext;
  options: Hl7MappingOptions;
  occurredAt: string;
}

const handlers: Record<string, (c: MessageContext) => Handled> = {
  'REF^I12': (c) => referralEvent(c, 'referral.received'),
  'REF^I13': (c) => referralEvent(c, 'referral.updated'),
  'REF^I14': referralCancelled,
  'ADT^A01': admitted,
  'ADT^A03': discharged,
  'ADT^A04': registered,
  'ADT^A08': updated,
  'ADT^A11': (c) => admissionOnly(c, 'admission.cancelled'),
  'ADT^A13': (c) => admissionOnly(c, 'discharge.cancelled'),
};

function toOutcome(text: string, ctx: AdapterContext, options: Hl7MappingOptions): Hl7ParseOutcome {
  const read = readHl7Message(text);
  if (!read.ok) return read;
  const m = read.message;
  const msh = m.segment('MSH');
  const type = m.value(msh, 9, 1).toUpperCase();
  // v2.1-era senders leave MSH-9.2 empty and put the trigger in EVN-1.
  const trigger = (m.value(msh, 9, 2) || m.value(m.segment('EVN'), 1)).toUpperCase();
  const controlId = m.value(msh, 10);
  const version = m.value(msh, 12);
  if (!type) return { ok: false, reason: 'MSH-9 (message type) is empty' };
  if (!controlId) return { ok: false, reason: 'MSH-10 (message control id) is empty: the message cannot be given stable event ids' };
  const messageKey = toMessageKey(m, msh, controlId, type, trigger);
  if (version && !/^2\.\d/.test(version)) {
    return { ok: false, messageKey, reason: 'MSH-12 (version id) is not an HL7 v2.x version' };
  }

  const label = `${type}^${trigger}`;
  const handler = handlers[label];
  // Other message types (orders, results, other ADT events) mean nothing to referral management.
  if (!handler) return { ok: true, messageKey, events: [] };

  if (!isTimeZone(ctx.timeZone)) {
    return { ok: false, messageKey, reason: "the feed's time zone is not a valid IANA time zone name" };
  }
  const occurredAt = toOccurredAt(m, ctx.timeZone);
  if (!occurredAt) {
    return { ok: false, messageKey, reason: `${label}: no event time: MSH-7 (and EVN-6, EVN-2) is missing or not an HL7 date/time` };
  }
  const patient = toPatientIdentifier(m);
  if (typeof patient === 'string') return { ok: false, messageKey, reason: `${label}: ${patient}` };

  const handled = handler({ m, ctx, options, occurredAt });
  if ('reason' in handled) return { ok: false, messageKey, reason: `${label}: ${handled.reason}` };

  const patientHash = ctx.hashPatient(patient);
  const events: CanonicalEvent[] = [];
  const droppedFields: string[] = [];
  for (const [index, draft] of handled.drafts.entries()) {
    const envelope = {
      eventId: `${messageKey}#${index + 1}`,
      occurredAt,
      source: { format: 'hl7v2' as const, feed: ctx.feed, messageId: messageKey },
      patientHash,
    };
    const checked = toValidEvent({ ...envelope, ...draft });
    if ('reason' in checked) return { ok: false, messageKey, reason: `${label}: ${checked.reason}` };
    events.push(checked.event);
    droppedFields.push(...checked.dropped.map((path) => `${draft.kind} ${path}`));
  }
  return droppedFields.length > 0 ? { ok: true, messageKey, events, droppedFields } : { ok: true, messageKey, events };
}

/**
 * The message's identity: sender (MSH-3, MSH-4), control id (MSH-10), type (MSH-9) and time (MSH-7). A control id
 * alone is not unique in practice: the fixtures reuse MSG00001 for six different ADT events, and senders reset
 * their counters. A replayed message keeps all five, so it keeps its key and its event ids.
 */
function toMessageKey(m: Hl7Reader, msh: Hl7Segment | undefined, controlId: string, type: string, trigger: string): string {
  const sender = [3, 4].map((field) => authorityName(readHd(m.first(msh, field))) ?? '').join('^');
  const key = [sender, controlId, `${type}^${trigger}`, m.value(msh, 7)].join('|');
  return key.length <= 300 ? key : `hl7v2-sha256:${crypto.createHash('sha256').update(key).digest('hex')}`;
}

/** When it happened: EVN-6 (event occurred), EVN-2 (recorded), MSH-7 (message time); a time of day preferred. */
function toOccurredAt(m: Hl7Reader, timeZone: string): string | undefined {
  const evn = m.segment('EVN');
  const times = [m.value(evn, 6), m.value(evn, 2), m.value(m.segment('MSH'), 7)]
    .map((value) => parseHl7Time(value, timeZone))
    .filter((time): time is Hl7Time => time !== undefined);
  const withTime = times.find((time) => time.precision === 'time');
  if (withTime?.precision === 'time') return withTime.instant;
  const date = times[0];
  return date ? startOfDay(date.date, timeZone) : undefined;
}

function startOfDay(date: string, timeZone: string): string | undefined {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toISO({ suppressMilliseconds: true }) ?? undefined;
}

/** Government document numbers: a patient's EHR identity is their record number, so these are taken last. */
const documentIdTypes = new Set(['SS', 'SSN', 'DL', 'PPN', 'MC', 'MA']);

/** PID-3: the first identifier with its assigning authority (PID-3.4), skipping document numbers when another exists. */
function toPatientIdentifier(m: Hl7Reader): PatientIdentifier | string {
  const pid = m.segment('PID');
  if (!pid) return 'PID-3 (patient identifier list) is absent (no PID segment): the patient cannot be identified';
  const ids = m.repetitions(pid, 3).map(readCx).filter((cx) => cx.id !== '');
  const chosen = ids.find((cx) => !documentIdTypes.has(cx.type)) ?? ids[0];
  if (!chosen) return 'PID-3 (patient identifier list) is empty: the patient cannot be identified';
  const assigner = authorityName(chosen.authority);
  return assigner ? { value: chosen.id, assigner } : { value: chosen.id };
}

/** "PV1-19 (visit number) is empty or not valid" or "... is absent (no PV1 segment)", whichever is true. */
function missing(m: Hl7Reader, segment: string, field: number, name: string, consequence: string): string {
  const state = m.segment(segment) ? 'is empty or not valid' : `is absent (no ${segment} segment)`;
  return `${segment}-${field} (${name}) ${state}: ${consequence}`;
}

/** RF1-6 (originating referral identifier, EI.1), else the tenant's configured field. */
function toReferralKey(c: MessageContext): string {
  const fromRf1 = readEi(c.m.first(c.m.segment('RF1'), 6)).id;
  if (fromRf1 || !c.options.referralKeyField) return fromRf1;
  return valueAt(c.m, c.options.referralKeyField);
}

function valueAt(m: Hl7Reader, path: string): string {
  const parsed = parseFieldPath(path);
  return parsed ? m.value(m.segment(parsed.segment), parsed.field, parsed.component) : '';
}

function referralKeyMissing(c: MessageContext): string {
  return missing(c.m, 'RF1', 6, 'originating referral identifier', 'the referral cannot be keyed');
}

function referralEvent(c: MessageContext, kind: 'referral.received' | 'referral.updated'): Handled {
  const referralKey = toReferralKey(c);
  if (!referralKey) return { reason: referralKeyMissing(c) };
  return { drafts: [{ kind, referralKey, facts: toReferralFacts(c, 'REF', kind === 'referral.received') }] };
}

/**
 * REF^I14. Who cancelled is not a field of the message: HL7 sends I14 from the referring side, but an agency's own
 * EHR sends it for any cancellation. RF1-1 "R" (rejected, table 0283) is the referred-to provider (the agency)
 * refusing; every other status leaves it unknown, so the referral is never counted as lost or won by a guess.
 */
function referralCancelled(c: MessageContext): Handled {
  const referralKey = toReferralKey(c);
  if (!referralKey) return { reason: referralKeyMissing(c) };
  const status = readCwe(c.m.first(c.m.segment('RF1'), 1)).code.toUpperCase();
  return { drafts: [{ kind: 'referral.cancelled', referralKey, cancelledBy: status === 'R' ? 'agency' : 'unknown' }] };
}

/**
 * ADT^A04 (register a patient): the agency's EHR has taken the referral in, which says nothing yet about accepting
 * it, so it is a referral received (pending intake).
 */
function registered(c: MessageContext): Handled {
  const referralKey = toReferralKey(c);
  if (!referralKey) return { reason: referralKeyMissing(c) };
  return { drafts: withScheduledSoc(c, referralKey, { kind: 'referral.received', referralKey, facts: toReferralFacts(c, 'ADT', true) }) };
}

/**
 * ADT^A08 (update patient information): the referral's facts when the message names the referral. One that does
 * not (a demographics update) changes nothing tracked here; SOC corrections come as a re-sent A01.
 */
function updated(c: MessageContext): Handled {
  const referralKey = toReferralKey(c);
  if (!referralKey) return { drafts: [] };
  return { drafts: withScheduledSoc(c, referralKey, { kind: 'referral.updated', referralKey, facts: toReferralFacts(c, 'ADT', false) }) };
}

/** In the agency's ADT, PV2-8 (expected admit date/time) on a referral is the scheduled start of care. */
function withScheduledSoc(c: MessageContext, referralKey: string, draft: Draft): Draft[] {
  const expected = parseHl7Time(c.m.value(c.m.segment('PV2'), 8), c.ctx.timeZone);
  return expected ? [draft, { kind: 'soc.scheduled', referralKey, scheduledSocDate: expected.date }] : [draft];
}

/** PV1-19 (visit number, CX.1): the admission (episode) id. Never the MRN. */
function toAdmissionKey(c: MessageContext): string {
  return readCx(c.m.first(c.m.segment('PV1'), 19)).id;
}

function admissionKeyMissing(c: MessageContext): string {
  return missing(c.m, 'PV1', 19, 'visit number', 'the admission cannot be keyed');
}

/** ADT^A01: start of care on PV1-44 (admit date/time); its time of day, when given, is the first visit. */
function admitted(c: MessageContext): Handled {
  const admissionKey = toAdmissionKey(c);
  if (!admissionKey) return { reason: admissionKeyMissing(c) };
  const admit = parseHl7Time(c.m.value(c.m.segment('PV1'), 44), c.ctx.timeZone);
  if (!admit) return { reason: missing(c.m, 'PV1', 44, 'admit date/time', 'the start of care date is unknown') };
  const referralKey = toReferralKey(c);
  return {
    drafts: [
      {
        kind: 'admission.admitted',
        admissionKey,
        ...(referralKey ? { referralKey } : {}),
        socDate: admit.date,
        ...(admit.precision === 'time' ? { firstVisitAt: admit.instant } : {}),
        facts: toReferralFacts(c, 'ADT', false),
      },
    ],
  };
}

/** ADT^A03: discharge on PV1-45, its reason from PV1-36 (discharge disposition, table 0112). */
function discharged(c: MessageContext): Handled {
  const admissionKey = toAdmissionKey(c);
  if (!admissionKey) return { reason: admissionKeyMissing(c) };
  const pv1 = c.m.segment('PV1');
  const discharge = parseHl7Time(c.m.value(pv1, 45), c.ctx.timeZone);
  if (!discharge) return { reason: missing(c.m, 'PV1', 45, 'discharge date/time', 'the discharge date is unknown') };
  const reason = toDischargeReason(readCwe(c.m.first(pv1, 36)), c.options.dischargeReasons);
  return { drafts: [{ kind: 'admission.discharged', admissionKey, dischargeDate: discharge.date, reason }] };
}

/** ADT^A11 (cancel admit) and ADT^A13 (cancel discharge): the admission's key is all they carry. */
function admissionOnly(c: MessageContext, kind: 'admission.cancelled' | 'discharge.cancelled'): Handled {
  const admissionKey = toAdmissionKey(c);
  if (!admissionKey) return { reason: admissionKeyMissing(c) };
  return { drafts: [{ kind, admissionKey }] };
}

/** Drops undefined and empty values, so only what the message says is carried. */
function compact<T extends Record<string, unknown>>(value: T): Partial<T> | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== '');
  return entries.length > 0 ? (Object.fromEntries(entries) as Partial<T>) : undefined;
}

function toAddress(address: Address): Record<string, unknown> | undefined {
  const zip = /^\d{9}$/.test(address.zip) ? `${address.zip.slice(0, 5)}-${address.zip.slice(5)}` : address.zip;
  return compact({ line1: address.line1, city: address.city, state: address.state, zip });
}

/** Identifier types that name a public registry or document (tables 0203, 0338), not the EHR's own record. */
const publicIdTypes = new Set(['NPI', 'SL', 'LN', 'DEA', 'UPIN', 'TAX', 'TN', 'MCD', 'MCR', 'CY', 'L&I', 'TRL', 'QA', 'GL', 'SS', 'SSN', 'NII', 'NIIP', 'MD', 'DO', 'RN', 'NP']);
const npiOid = '2.16.840.1.113883.4.6';

/** An id is an NPI when its type (table 0203 "NPI") or its assigning authority says so; CMS as authority with 10 digits too. */
function isNpiId(id: string, type: string, authority: { namespace: string; universalId: string }): boolean {
  const namespace = authority.namespace.toUpperCase();
  return (
    type === 'NPI' ||
    namespace === 'NPI' ||
    authority.universalId === npiOid ||
    ((namespace === 'CMS' || namespace === 'HCFA') && /^\d{10}$/.test(id))
  );
}

function practitionerFromXcn(xcn: Clinician, address?: Address): Record<string, unknown> | undefined {
  if (!xcn.familyName) return undefined;
  const npi = xcn.id && isNpiId(xcn.id, xcn.idType, xcn.authority) ? xcn.id : undefined;
  const ehrId = !npi && xcn.id && !publicIdTypes.has(xcn.idType) ? xcn.id : undefined;
  return compact({
    familyName: xcn.familyName,
    givenName: xcn.givenName,
    suffix: xcn.suffix,
    npi,
    ehrId,
    address: address ? toAddress(address) : undefined,
  });
}

function organizationFrom(xon: Organization, address?: Address, kind?: string): Record<string, unknown> | undefined {
  if (!xon.name) return undefined;
  const npi = xon.id && isNpiId(xon.id, xon.idType, xon.authority) ? xon.id : undefined;
  const ehrId = !npi && xon.id && !publicIdTypes.has(xon.idType) ? xon.id : undefined;
  return compact({ name: xon.name, npi, ehrId, kind, address: address ? toAddress(address) : undefined });
}

/** HL7 table 0406 (organization unit type) to the kind of referral source. */
const organizationKinds: Record<string, string> = { '1': 'hospital', '4': 'hospital', '2': 'physician_practice', O: 'physician_practice', '3': 'snf' };

interface Referrer {
  practitioner?: Record<string, unknown>;
  organization?: Record<string, unknown>;
}

/**
 * The referral source. REF: the PRD whose PRD-1 role is RP (referring provider, table 0286): PRD-2/PRD-7/PRD-3 the
 * clinician, PRD-10/PRD-11 the organization. Any message: a ROL (ROL-3, table 0443) or PRT (PRT-4, table 0912)
 * with role RP. ADT: PV1-8 (referring doctor). In a REF message PV1 is the referring encounter (its PV1-8 is the
 * hospital's referring doctor), so it is not used there.
 */
function toReferrer(c: MessageContext, origin: 'REF' | 'ADT'): Referrer {
  const { m } = c;
  const withRole = (name: string, field: number) => m.segments(name).find((s) => m.value(s, field).toUpperCase() === 'RP');
  const prd = withRole('PRD', 1);
  if (prd) {
    const ids = m.repetitions(prd, 7).map(readPln).filter((pln) => pln.id !== '');
    const name = readXpn(m.first(prd, 2));
    const location = readPl(m.first(prd, 4));
    const organization = readXon(m.first(prd, 10));
    return {
      practitioner: name.familyName
        ? compact({
            ...name,
            npi: ids.find((pln) => pln.type === 'NPI')?.id,
            ehrId: ids.find((pln) => !publicIdTypes.has(pln.type))?.id,
            address: toAddress(readXad(m.first(prd, 3))),
          })
        : undefined,
      organization: organizationFrom(
        organization.name ? organization : { ...organization, name: location.description || location.facility },
        readXad(m.first(prd, 11)),
      ),
    };
  }
  const rol = withRole('ROL', 3);
  if (rol) {
    return {
      practitioner: practitionerFromXcn(readXcn(m.first(rol, 4)), readXad(m.first(rol, 11))),
      organization: organizationFrom(readXon(m.first(rol, 14)), undefined, organizationKinds[m.value(rol, 10).toUpperCase()]),
    };
  }
  const prt = withRole('PRT', 4);
  if (prt) {
    return {
      practitioner: practitionerFromXcn(readXcn(m.first(prt, 5)), readXad(m.first(prt, 14))),
      organization: organizationFrom(readXon(m.first(prt, 8)), undefined, organizationKinds[m.value(prt, 7).toUpperCase()]),
    };
  }
  if (origin === 'ADT') return { practitioner: practitionerFromXcn(readXcn(m.first(m.segment('PV1'), 8))) };
  return {};
}

/** The primary insurance: the IN1 with the lowest set id (IN1-1), else the first. */
function primaryInsurance(m: Hl7Reader): Hl7Segment | undefined {
  const setId = (s: Hl7Segment) => Number(m.value(s, 1)) || Number.MAX_SAFE_INTEGER;
  return [...m.segments('IN1')].sort((a, b) => setId(a) - setId(b))[0];
}

function toMarketerId(c: MessageContext): string {
  const marketer = c.options.marketer ?? { field: defaultMarketerField };
  if ('field' in marketer) return valueAt(c.m, marketer.field);
  const role = marketer.role.toUpperCase();
  const rol = c.m.segments('ROL').find((s) => c.m.value(s, 3).toUpperCase() === role);
  if (rol) return c.m.value(rol, 4);
  const prt = c.m.segments('PRT').find((s) => c.m.value(s, 4).toUpperCase() === role);
  return prt ? c.m.value(prt, 5) : '';
}

/**
 * The agency branch. ADT: PV1-39 (servicing facility), else the facility of PV1-3 (assigned location). REF: the
 * location (PRD-4) of the referred-to provider (PRD-1 RT): PV1 there is the hospital's encounter, not the agency's.
 */
function toBranch(c: MessageContext, origin: 'REF' | 'ADT'): string {
  const { m } = c;
  if (origin === 'REF') {
    const referredTo = m.segments('PRD').find((s) => m.value(s, 1).toUpperCase() === 'RT');
    const location = readPl(m.first(referredTo, 4));
    return location.facility || location.pointOfCare;
  }
  const pv1 = m.segment('PV1');
  return readCwe(m.first(pv1, 39)).code || readPl(m.first(pv1, 3)).facility;
}

/** PID-11: the home address's ZIP (XAD.7 "H"), else the first address with one; five digits of a ZIP+4. */
function toServiceZip(m: Hl7Reader): string {
  const addresses = m.repetitions(m.segment('PID'), 11).map(readXad).filter((address) => address.zip !== '');
  const zip = (addresses.find((address) => address.type === 'H') ?? addresses[0])?.zip ?? '';
  return /^\d{5}(-?\d{4})?$/.test(zip) ? zip.slice(0, 5) : zip;
}

/**
 * Referral facts the message states. `firstNotice` (REF^I12, ADT^A04) also says when the referral was received:
 * the message's own event time, since RF1 carries dates only.
 */
function toReferralFacts(c: MessageContext, origin: 'REF' | 'ADT', firstNotice: boolean): Record<string, unknown> {
  const { m, ctx, options } = c;
  const msh = m.segment('MSH');
  const rf1 = m.segment('RF1');
  const pv1 = m.segment('PV1');
  const tz = ctx.timeZone;
  // OASIS M0104: RF1-7 (effective date), else RF1-9 (process date: when the referral originated).
  const referralDate =
    (parseHl7Time(m.value(rf1, 7), tz) ?? parseHl7Time(m.value(rf1, 9), tz))?.date ??
    (firstNotice ? DateTime.fromISO(c.occurredAt, { setZone: true }).setZone(tz).toISODate() ?? undefined : undefined);
  const insurance = primaryInsurance(m);
  const companyName = readXon(m.first(insurance, 4)).name;
  const plan = readCwe(m.first(insurance, 2));
  const referrer = toReferrer(c, origin);
  const serviceCode = readCwe(m.first(pv1, 10));
  const referralType = readCwe(m.first(rf1, 3));
  // M1005: in a REF, PV1 is the referring stay; an inpatient (PV1-2 "I") discharge date is the inpatient discharge.
  const inpatientDischarge =
    origin === 'REF' && m.value(pv1, 2).toUpperCase() === 'I' ? parseHl7Time(m.value(pv1, 45), tz)?.date : undefined;
  return (
    compact({
      receivedAt: firstNotice ? c.occurredAt : undefined,
      referralDate,
      inpatientDischargeDate: inpatientDischarge,
      businessLine: toBusinessLine(
        [
          serviceCode.code,
          serviceCode.text,
          m.value(pv1, 18),
          referralType.code,
          referralType.text,
          authorityName(readHd(m.first(msh, 4))) ?? '',
          authorityName(readHd(m.first(msh, 6))) ?? '',
        ].filter((value) => value !== ''),
        options.businessLines,
      ),
      payerCategory: insurance
        ? toPayerCategory({ planType: readCwe(m.first(insurance, 15)), plan, companyName }, options.payerCategories)
        : undefined,
      payerName: companyName || plan.text,
      referringOrganization: referrer.organization,
      referringPractitioner: referrer.practitioner,
      marketerId: toMarketerId(c),
      branch: toBranch(c, origin),
      serviceZip: toServiceZip(m),
    }) ?? {}
  );
}

/** Where a canonical field came from, to name it in a refusal. */
const fieldOrigins: Record<string, string> = {
  referralKey: 'RF1-6 (referral id)',
  admissionKey: 'PV1-19 (visit number)',
  socDate: 'PV1-44 (admit date)',
  dischargeDate: 'PV1-45 (discharge date)',
  scheduledSocDate: 'PV2-8 (expected admit date)',
  occurredAt: 'EVN-6/EVN-2/MSH-7 (event time)',
  source: "the feed's name or MSH-10",
  eventId: 'MSH-3/4/7/9/10 (message identity)',
  patientHash: 'PID-3 (the patient hash)',
};

/**
 * Validates an event with the canonical schema. A value inside `facts` (or `firstVisitAt`) that does not validate
 * (a malformed NPI, a non-US ZIP, an over-long name) is not essential: it is dropped and named, and the rest of the
 * event stands. A required field that does not validate refuses the message.
 */
function toValidEvent(candidate: Record<string, unknown>): { event: CanonicalEvent; dropped: string[] } | { reason: string } {
  const event = structuredClone(candidate);
  const dropped: string[] = [];
  for (let attempt = 0; attempt < 64; attempt += 1) {
    const result = canonicalEvent.safeParse(event);
    if (result.success) return { event: result.data, dropped };
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).map(String);
    const target = droppable(event, path);
    if (!target) {
      const top = path[0] ?? '';
      return { reason: `${fieldOrigins[top] ?? top} gives a value that is not valid for ${path.join('.') || 'the event'} (${issue?.code ?? 'invalid'})` };
    }
    removeAt(event, target);
    dropped.push(target.join('.'));
  }
  return { reason: 'the event did not validate' };
}

/** The path to remove so that an optional value stops failing, or undefined when the failure is essential. */
function droppable(event: Record<string, unknown>, path: string[]): string[] | undefined {
  if (path[0] === 'firstVisitAt') return ['firstVisitAt'];
  if (path[0] !== 'facts') return undefined;
  if (path.length === 1) return event.kind === 'admission.admitted' ? ['facts'] : undefined;
  // A value that is there is removed; a required one that is missing (a name) takes its object with it.
  if (nodeAt(event, path) !== undefined) return path;
  return path.length > 2 ? path.slice(0, -1) : undefined;
}

function nodeAt(root: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function removeAt(root: Record<string, unknown>, path: string[]): void {
  const parent = nodeAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent && typeof parent === 'object' && key !== undefined) delete (parent as Record<string, unknown>)[key];
}
