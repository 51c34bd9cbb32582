import crypto from 'node:crypto';
import { IANAZone } from 'luxon';
import { canonicalEvent, isValidNpi, type CanonicalEvent, type ReferralFacts } from '../../domain/events';
import type { AdapterContext, ParseOutcome } from '../types';
import { bindHeader, fieldSources, type BoundFields, type FieldName, type HeaderBinding } from './columns';
import { canonicalOptions, type CanonicalValue, type CsvProfile, type ValueMapName } from './profile';
import { DateReader, normalizeWord, quoteIfWord, type ReadDate } from './values';

/** What mapping a row needs besides the row: the adapter context and the file the row came from (for positions). */
export type CsvAdapterContext = AdapterContext & { fileName: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before its id, source and patient: the content its id is a hash of (with the patient's hash). */
type ContentWithoutPatient = DistributiveOmit<CanonicalEvent, 'eventId' | 'source' | 'patientHash'>;

/** Which value map reads which field. */
const valueMapOfField: Partial<Record<FieldName, ValueMapName>> = {
  status: 'status',
  nonAdmitReason: 'nonAdmitReason',
  payerCategory: 'payerCategory',
  businessLine: 'businessLine',
  dischargeReason: 'dischargeReason',
  cancelledBy: 'cancelledBy',
  inpatientDischargeIn14Days: 'inpatientDischargeIn14Days',
  'referringOrganization.kind': 'referringOrganizationKind',
};

/** Credentials written after a clinician's name ("Okafor, Adaeze MD"), moved to the practitioner's suffix. */
const credentials = new Set(['md', 'do', 'np', 'pa', 'pa-c', 'aprn', 'arnp', 'fnp', 'fnp-c', 'fnp-bc', 'dnp', 'cnp', 'crnp', 'rn', 'dpm', 'phd', 'mbbs']);

interface CompiledValueMap {
  /** Normalised report word -> canonical value. */
  words: Map<string, string>;
  /** Cell text as written -> canonical value (or null when unknown), so each distinct cell is normalised once. */
  seen: Map<string, string | null>;
  /** What error messages list: the profile's words as written, then the canonical values. */
  accepted: string;
  unknown?: string;
  blank?: string;
}

const sha256 = (text: string) => crypto.hash('sha256', text, 'hex');

/**
 * How many different unknown words of one value map a file's errors quote. Many different ones mean the profile
 * reads the wrong column (names, ids), whose values must not be repeated in every error.
 */
const unknownWordsShown = 25;

/** The unknown words quoted so far, per value map: state of one file (or one row), not of the profile. */
export type ShownWords = Map<ValueMapName, Set<string>>;

/** JSON with object keys sorted, so that equal content hashes equally whatever order the code built it in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  let json = '';
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    json += `${json === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `{${json}}`;
}

/**
 * A profile made ready for rows: its columns flattened, its value maps indexed, and its date formats compiled once
 * per time zone. One per profile object (rowMapperFor), shared by mapCsvRow and the file parser.
 */
export class CsvRowMapper {
  private readonly sources;
  private readonly valueMaps = new Map<ValueMapName, CompiledValueMap>();
  private readonly dateReaders = new Map<string, DateReader>();

  constructor(readonly profile: CsvProfile) {
    this.sources = fieldSources(profile);
    for (const name of Object.keys(canonicalOptions) as ValueMapName[]) {
      const configured = profile.valueMaps[name];
      const words = new Map<string, string>();
      // The canonical values are always understood, so an export already in Referralynx's words needs no map.
      for (const value of canonicalOptions[name]) words.set(normalizeWord(value), value);
      for (const [word, value] of Object.entries(configured?.values ?? {})) words.set(normalizeWord(word), value);
      const written = Object.keys(configured?.values ?? {});
      this.valueMaps.set(name, {
        words,
        seen: new Map(),
        accepted: `${written.length > 0 ? `${written.join(', ')}, or ` : ''}a canonical value (${canonicalOptions[name].join(', ')})`,
        ...(configured?.unknown === undefined ? {} : { unknown: configured.unknown }),
        ...(configured?.blank === undefined ? {} : { blank: configured.blank }),
      });
    }
  }

  bind(header: readonly string[]): HeaderBinding {
    return bindHeader(this.profile, this.sources, header);
  }

  private dateReader(timeZone: string): DateReader {
    let reader = this.dateReaders.get(timeZone);
    if (reader === undefined) {
      if (!IANAZone.isValidZone(timeZone)) throw new Error(`the adapter context's time zone is not an IANA zone: ${timeZone}`);
      reader = new DateReader(this.profile.dateFormats, timeZone);
      this.dateReaders.set(timeZone, reader);
    }
    return reader;
  }

  /**
   * One record's cells (in the order of the header given to `bind`) to events. `note` is added to a refusal, to say
   * e.g. that the record ran over several physical lines.
   */
  mapCells(
    fields: BoundFields,
    cells: readonly string[],
    line: number,
    ctx: CsvAdapterContext,
    { note = '', shownWords = new Map() }: { note?: string; shownWords?: ShownWords } = {},
  ): ParseOutcome {
    const position = `${ctx.fileName}:${line}`;
    const mapped = this.toEvents(fields, cells, ctx, shownWords);
    if (mapped.ok) return mapped;
    return { ok: false, reason: `${mapped.problems.join('; ')}${note}`, position };
  }

  private toEvents(
    fields: BoundFields,
    cells: readonly string[],
    ctx: CsvAdapterContext,
    shownWords: ShownWords,
  ): { ok: true; messageKey: string; events: CanonicalEvent[] } | { ok: false; problems: string[] } {
    const profile = this.profile;
    const dates = this.dateReader(ctx.timeZone);
    const problems: string[] = [];
    const labelOf = (field: FieldName) => fields[field]?.label ?? `${field} (not mapped by profile "${profile.name}")`;
    const problem = (field: FieldName, message: string): undefined => {
      problems.push(`${labelOf(field)} ${message}`);
      return undefined;
    };
    const raw = (field: FieldName) => fields[field]?.read(cells) ?? '';

    /** Free text such as a name: spaces collapsed (a line break inside a quoted cell becomes one). */
    const text = (field: FieldName, max: number): string | undefined => {
      const value = raw(field).replace(/\s+/g, ' ');
      if (value === '') return undefined;
      if (value.length > max) return problem(field, `is longer than ${max} characters`);
      return value;
    };
    /** An identifier (referral, admission, marketer, branch): kept as written, so no line breaks. */
    const identifier = (field: FieldName, max: number): string | undefined => {
      const value = raw(field);
      if (value === '') return undefined;
      if (/[\r\n]/.test(value)) return problem(field, 'contains a line break');
      if (value.length > max) return problem(field, `is longer than ${max} characters`);
      return value;
    };
    const date = (field: FieldName): ReadDate | undefined => {
      const value = raw(field);
      if (value === '') return undefined;
      const read = dates.read(value);
      if (read === undefined) problem(field, `is not a date in any of the profile's dateFormats (${profile.dateFormats.join(', ')})`);
      return read;
    };
    const valueOf = <M extends ValueMapName>(field: FieldName): CanonicalValue<M> | undefined => {
      const name = valueMapOfField[field] as M;
      const map = this.valueMaps.get(name)!;
      const value = raw(field);
      if (value === '') return map.blank as CanonicalValue<M> | undefined;
      let known = map.seen.get(value);
      if (known === undefined) {
        known = map.words.get(normalizeWord(value)) ?? null;
        if (map.seen.size >= 1000) map.seen.clear();
        map.seen.set(value, known);
      }
      const canonical = known ?? map.unknown;
      if (canonical === undefined) {
        const shown = shownWords.get(name) ?? new Set<string>();
        shownWords.set(name, shown);
        if (shown.size < unknownWordsShown) shown.add(value);
        const word = shown.has(value)
          ? quoteIfWord(value)
          : `a value not shown (more than ${unknownWordsShown} different words of this column are unknown in this file: does the profile read the right column?)`;
        problem(field, `has ${word}, which valueMaps.${name} of profile "${profile.name}" does not list; it accepts ${map.accepted}`);
      }
      return canonical as CanonicalValue<M> | undefined;
    };
    const npi = (field: FieldName): string | undefined => {
      const value = raw(field).replace(/[\s-]/g, '');
      if (value === '') return undefined;
      if (!isValidNpi(value)) return problem(field, 'is not a valid NPI (10 digits, the last a check digit)');
      return value;
    };
    /** A ZIP code; spreadsheets drop leading zeros, so 3 or 4 digits are padded back ("2134" is 02134). */
    const zip = (field: FieldName, keepPlus4: boolean): string | undefined => {
      const value = raw(field);
      if (value === '') return undefined;
      const match = /^(\d{3,5})(?:-?(\d{4}))?$/.exec(value);
      if (!match?.[1] || (match[2] !== undefined && match[1].length !== 5)) return problem(field, 'is not a US ZIP code');
      const five = match[1].padStart(5, '0');
      return keepPlus4 && match[2] !== undefined ? `${five}-${match[2]}` : five;
    };

    const referralKey = identifier('referralKey', 200);
    if (raw('referralKey') === '') problem('referralKey', 'is empty: every row needs the EHR\'s referral id');
    const patientId = raw('patientId');
    if (patientId === '') problem('patientId', 'is empty: every event carries the patient\'s keyed hash');
    const status = valueOf<'status'>('status');
    if (raw('status') === '' && status === undefined) problem('status', 'is empty');

    const receivedRead = date('receivedAt');
    const referralDateRead = date('referralDate');
    // Only a date given: the referral counts as received at midnight in the agency's time zone (hours to the first
    // visit are then counted from midnight). No referral date given: OASIS M0104 is the day it was received.
    const receivedAt = receivedRead?.instant ?? referralDateRead?.instant;
    const referralDate = referralDateRead?.date ?? receivedRead?.date;
    if (raw('receivedAt') === '' && raw('referralDate') === '') {
      problem(fields.receivedAt || !fields.referralDate ? 'receivedAt' : 'referralDate', 'is empty: every referral needs the date it was received');
    }
    const statusDate = date('statusDate');
    const socDate = date('socDate');
    const firstVisitAt = date('firstVisitAt');
    const dischargeDate = date('dischargeDate');

    const facts: ReferralFacts = {};
    if (receivedAt) facts.receivedAt = receivedAt;
    if (referralDate) facts.referralDate = referralDate;
    const orderedSoc = date('physicianOrderedSocDate');
    if (orderedSoc) facts.physicianOrderedSocDate = orderedSoc.date;
    const dischargedIn14 = valueOf<'inpatientDischargeIn14Days'>('inpatientDischargeIn14Days');
    if (dischargedIn14) facts.inpatientDischargeIn14Days = dischargedIn14;
    const inpatientDischarge = date('inpatientDischargeDate');
    if (inpatientDischarge) facts.inpatientDischargeDate = inpatientDischarge.date;
    const businessLine = valueOf<'businessLine'>('businessLine');
    if (businessLine) facts.businessLine = businessLine;
    const payer = valueOf<'payerCategory'>('payerCategory');
    if (payer) facts.payerCategory = payer;
    const payerName = text('payerName', 200);
    if (payerName) facts.payerName = payerName;

    const organizationName = text('referringOrganization.name', 200);
    const organization = {
      npi: npi('referringOrganization.npi'),
      kind: valueOf<'referringOrganizationKind'>('referringOrganization.kind'),
      city: text('referringOrganization.city', 100),
      state: text('referringOrganization.state', 50),
      zip: zip('referringOrganization.zip', true),
    };
    if (organizationName) {
      const { npi: orgNpi, kind, city, state, zip: orgZip } = organization;
      const address = { ...(city && { city }), ...(state && { state }), ...(orgZip && { zip: orgZip }) };
      facts.referringOrganization = {
        name: organizationName,
        ...(orgNpi && { npi: orgNpi }),
        ...(kind && { kind }),
        ...(Object.keys(address).length > 0 && { address }),
      };
    } else if (Object.values(organization).some((value) => value !== undefined)) {
      problem('referringOrganization.name', 'is empty while other columns of the referral source are filled: a source needs its name');
    }

    const practitioner = this.practitioner(text, npi);
    if (practitioner.value) facts.referringPractitioner = practitioner.value;
    else if (practitioner.orphan) {
      problem(fields['referringPractitioner.name'] ? 'referringPractitioner.name' : 'referringPractitioner.familyName', 'is empty while other columns of the referring practitioner are filled');
    }

    const marketerId = identifier('marketerId', 100);
    if (marketerId) facts.marketerId = marketerId;
    const branch = identifier('branch', 100);
    if (branch) facts.branch = branch;
    const serviceZip = zip('serviceZip', false);
    if (serviceZip) facts.serviceZip = serviceZip;

    // Every check runs even when an earlier one failed, so that one import names all of a row's problems. Until the
    // end, a missing key or date stands as '' (a problem was recorded for it, so those events are never returned).
    const key = referralKey ?? '';
    const at = receivedAt ?? '';
    const contents: ContentWithoutPatient[] = [{ kind: 'referral.received', occurredAt: at, referralKey: key, facts }];
    // The time of the status's own event: when the EHR says the status was set, else the best date the row has.
    const statusAt = statusDate?.instant ?? at;
    const admissionKey = identifier('admissionKey', 200) ?? `${key}:admission`;
    switch (status) {
      case undefined:
      case 'received':
      case 'pending_intake':
        break;
      case 'accepted':
        contents.push({ kind: 'referral.accepted', occurredAt: statusAt, referralKey: key });
        break;
      case 'soc_scheduled':
        if (!socDate) problem('socDate', 'is empty: a referral with its start of care scheduled needs the scheduled date');
        else contents.push({ kind: 'soc.scheduled', occurredAt: statusAt, referralKey: key, scheduledSocDate: socDate.date });
        break;
      case 'admitted':
        // The admission happened at the start of care (OASIS M0030), whatever the status date says: a row that
        // moves on to "Discharged" changes its status date, and must not re-issue its admission under a new id.
        if (!socDate) problem('socDate', 'is empty: an admitted referral needs its start of care date (OASIS M0030)');
        else {
          contents.push({
            kind: 'admission.admitted',
            occurredAt: firstVisitAt?.instant ?? socDate.instant,
            admissionKey,
            referralKey: key,
            socDate: socDate.date,
            ...(firstVisitAt && { firstVisitAt: firstVisitAt.instant }),
          });
        }
        break;
      case 'non_admitted': {
        const reason = valueOf<'nonAdmitReason'>('nonAdmitReason');
        if (reason) contents.push({ kind: 'referral.non_admitted', occurredAt: statusAt, referralKey: key, reason });
        else if (raw('nonAdmitReason') === '') {
          problem('nonAdmitReason', `is empty: a non-admitted referral needs its reason (or set valueMaps.nonAdmitReason.blank in profile "${profile.name}")`);
        }
        break;
      }
      case 'cancelled':
        contents.push({ kind: 'referral.cancelled', occurredAt: statusAt, referralKey: key, cancelledBy: valueOf<'cancelledBy'>('cancelledBy') ?? 'unknown' });
        break;
    }
    if (dischargeDate && status !== undefined) {
      if (status !== 'admitted') problem('dischargeDate', `is filled but the status is ${status}: only an admitted referral can be discharged`);
      else if (socDate && dischargeDate.date < socDate.date) problem('dischargeDate', 'is before the start of care date');
      else {
        const reason = valueOf<'dischargeReason'>('dischargeReason');
        if (reason) contents.push({ kind: 'admission.discharged', occurredAt: dischargeDate.instant, admissionKey, dischargeDate: dischargeDate.date, reason });
        else if (raw('dischargeReason') === '') {
          problem('dischargeReason', `is empty: a discharge needs its reason (or set valueMaps.dischargeReason.blank in profile "${profile.name}")`);
        }
      }
    }
    const nonBillableDate = date('nonBillableDate');
    if (nonBillableDate && status !== undefined) {
      const reason = text('nonBillableReason', 200);
      if (status !== 'admitted') problem('nonBillableDate', `is filled but the status is ${status}: only an admission can be found not billable`);
      else if (!reason) problem('nonBillableReason', 'is empty: billing\'s finding needs its reason');
      else contents.push({ kind: 'admission.non_billable', occurredAt: nonBillableDate.instant, admissionKey, reason });
    }
    if (problems.length > 0) return { ok: false, problems };
    const assigner = raw('patientIdAssigner');
    const patientHash = ctx.hashPatient({ value: patientId, ...(assigner !== '' && { assigner }) });

    // Ids hash what the event says, not where it was read: the same export imported twice adds nothing, and a row
    // that changed adds only the events whose content changed.
    const withPatient = contents.map((content) => ({ ...content, patientHash }));
    const ids = withPatient.map((content) => `csv:${sha256(canonicalJson([profile.name, key, content.kind, content]))}`);
    // Not the file and line: nightly exports are regenerated and rows move. The referral and a hash of what the
    // row says (its events, hence no patient data but the keyed hash) name this version of the row in any file.
    const messageKey = `csv:${profile.name}:${key}:${sha256(ids.join('\n')).slice(0, 24)}`;
    const events: CanonicalEvent[] = [];
    withPatient.forEach((content, index) => {
      const checked = canonicalEvent.safeParse({ ...content, eventId: ids[index], source: { format: 'csv', feed: ctx.feed, messageId: messageKey } });
      if (checked.success) events.push(checked.data);
      else {
        for (const issue of checked.error.issues) problems.push(`${content.kind} ${issue.path.join('.') || 'event'}: ${issue.message}`);
      }
    });
    return problems.length > 0 ? { ok: false, problems } : { ok: true, messageKey, events };
  }

  private practitioner(
    text: (field: FieldName, max: number) => string | undefined,
    npi: (field: FieldName) => string | undefined,
  ): { value?: NonNullable<ReferralFacts['referringPractitioner']>; orphan: boolean } {
    const practitionerNpi = npi('referringPractitioner.npi');
    let familyName = text('referringPractitioner.familyName', 100);
    let givenName = text('referringPractitioner.givenName', 100);
    const suffix: string[] = [];
    const single = text('referringPractitioner.name', 300);
    if (single) {
      // "Last, First", "Last, First MD" or "Last, First, MD".
      const [family, given, ...rest] = single.split(',').map((part) => part.trim());
      familyName = family || undefined;
      givenName = given || undefined;
      suffix.push(...rest.filter((part) => part !== ''));
    }
    const tokens = (givenName ?? '').split(' ').filter((token) => token !== '');
    while (tokens.length > 0 && credentials.has(tokens[tokens.length - 1]!.replace(/\./g, '').toLowerCase())) suffix.unshift(tokens.pop()!);
    givenName = tokens.length > 0 ? tokens.join(' ') : undefined;
    if (!familyName) return { orphan: givenName !== undefined || practitionerNpi !== undefined };
    return {
      orphan: false,
      value: {
        familyName: familyName.slice(0, 100),
        ...(givenName && { givenName: givenName.slice(0, 100) }),
        ...(suffix.length > 0 && { suffix: suffix.join(', ').slice(0, 50) }),
        ...(practitionerNpi && { npi: practitionerNpi }),
      },
    };
  }
}

const mappers = new WeakMap<CsvProfile, CsvRowMapper>();

export function rowMapperFor(profile: CsvProfile): CsvRowMapper {
  let mapper = mappers.get(profile);
  if (mapper === undefined) {
    mapper = new CsvRowMapper(profile);
    mappers.set(profile, mapper);
  }
  return mapper;
}

/**
 * One report row (keyed by its header's column names) to events. The row is a snapshot of the referral's current
 * state: a `referral.received` carrying its facts, then the event of its current status (none for received or pending
 * intake), and `admission.discharged` when a discharge date is filled. Refusals name the column and the problem and
 * never quote patient data (report words such as an unknown status are quoted, so they can be added to a value map).
 */
export function mapCsvRow(row: Record<string, string>, line: number, profile: CsvProfile, ctx: CsvAdapterContext): ParseOutcome {
  const mapper = rowMapperFor(profile);
  const header = Object.keys(row);
  const binding = mapper.bind(header);
  if (!binding.ok) return { ok: false, reason: binding.reason, position: `${ctx.fileName}:${line}` };
  return mapper.mapCells(binding.fields, header.map((name) => row[name] ?? ''), line, ctx);
}
