import fs from 'node:fs';
import path from 'node:path';
import { normalize_options } from 'csv-parse';
import { DateTime } from 'luxon';
import YAML from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../../config/packageRoot';
import {
  businessLine,
  nonAdmitReason,
  payerCategory,
  referralFacts,
  referringOrganization,
  type EventOf,
} from '../../domain/events';
import { defaultNonAdmitReasons, referralStatuses, type ReferralStatus } from '../../domain/vocabulary';
import { normalizeWord } from './values';

/**
 * A mapping profile says how one EHR's report export ("Referral Log", "Referral Tracking", an intake census...) reads:
 * which column holds which canonical field, how its dates are written, and which of its words mean which canonical
 * value. Profiles are YAML or JSON files; the built-in ones live in ./profiles. An administrator copies one and edits
 * it to match the agency's export.
 */

/**
 * Where a field's value comes from:
 * - `"Referral Date"`: a column header, matched ignoring case and spaces;
 * - `"{Referral Date} {Referral Time}"`: a template combining columns (any text containing `{...}`);
 * - `{ from: <header or template>, optional: true }`: the same, but an export without that column is accepted
 *   (the field is then empty on every row) instead of being refused at the header;
 * - `{ constant: "Hospice" }`: the same value on every row (e.g. a hospice-only export has no service line column).
 */
const templatePattern = /^(?:[^{}]|\{[^{}]+\})+$/;

function checkTemplate(text: string, ctx: z.RefinementCtx): void {
  if (!/[{}]/.test(text)) return;
  if (!templatePattern.test(text)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a valid template: write each column as {Column Header}, braces balanced and not nested` });
  }
}

const header = z.string().trim().min(1, 'must name a column').max(300).superRefine(checkTemplate);

const columnSpec = z.union(
  [
    header,
    z.object({ from: header, optional: z.boolean().default(false) }).strict(),
    z.object({ constant: z.string().trim().min(1, 'must not be empty').max(300) }).strict(),
  ],
  {
    error:
      'must be a column header, a template such as "{Referral Date} {Referral Time}", ' +
      '{ from: <header or template>, optional: true } or { constant: <value> }',
  },
);
export type ColumnSpec = z.output<typeof columnSpec>;

const organizationColumns = z
  .object({ name: columnSpec, npi: columnSpec, city: columnSpec, state: columnSpec, zip: columnSpec, kind: columnSpec })
  .partial()
  .strict();

const practitionerColumns = z
  .object({
    /** One column written "Last, First" (optionally ", MD" or a trailing credential). */
    name: columnSpec,
    familyName: columnSpec,
    givenName: columnSpec,
    npi: columnSpec,
  })
  .partial()
  .strict()
  .refine((spec) => !(spec.name && (spec.familyName || spec.givenName)), {
    message: 'map either name (one "Last, First" column) or familyName and givenName, not both',
  })
  .refine((spec) => spec.name !== undefined || spec.familyName !== undefined || (spec.givenName === undefined && spec.npi === undefined), {
    message: 'a referring practitioner needs name or familyName',
  });

const profileColumns = z
  .object({
    /** The EHR's referral id (never the MRN); required. */
    referralKey: columnSpec,
    /** The EHR's patient id (MRN): hashed with the tenant's key at once, never kept. Required: every event carries the hash. */
    patientId: columnSpec,
    /** The patient id's assigning system, so equal numbers from two EHRs differ (usually a constant). */
    patientIdAssigner: columnSpec.optional(),
    /** The report's status word, translated by valueMaps.status. Required (a constant for one-status reports). */
    status: columnSpec,
    /** When the agency received the referral; a date alone means midnight in the agency's time zone. */
    receivedAt: columnSpec.optional(),
    /** OASIS M0104; when absent it is the date of receivedAt in the agency's time zone. */
    referralDate: columnSpec.optional(),
    /** When the current status was set: the time of the status's event. */
    statusDate: columnSpec.optional(),
    physicianOrderedSocDate: columnSpec.optional(),
    inpatientDischargeDate: columnSpec.optional(),
    inpatientDischargeIn14Days: columnSpec.optional(),
    nonAdmitReason: columnSpec.optional(),
    cancelledBy: columnSpec.optional(),
    /** OASIS M0030 for admitted rows; the scheduled start of care for "SOC scheduled" rows. */
    socDate: columnSpec.optional(),
    firstVisitAt: columnSpec.optional(),
    /** The EHR's admission or episode id; when absent, `${referralKey}:admission`. */
    admissionKey: columnSpec.optional(),
    dischargeDate: columnSpec.optional(),
    dischargeReason: columnSpec.optional(),
    /** When billing found the admission cannot be billed, and its words why (a billing report's columns). */
    nonBillableDate: columnSpec.optional(),
    nonBillableReason: columnSpec.optional(),
    businessLine: columnSpec.optional(),
    payerCategory: columnSpec.optional(),
    payerName: columnSpec.optional(),
    referringOrganization: organizationColumns.optional(),
    referringPractitioner: practitionerColumns.optional(),
    marketerId: columnSpec.optional(),
    branch: columnSpec.optional(),
    serviceZip: columnSpec.optional(),
  })
  .strict()
  .refine((columns) => columns.receivedAt !== undefined || columns.referralDate !== undefined, {
    message: 'map receivedAt or referralDate: every referral needs the moment it was received',
    path: ['receivedAt'],
  });

/** Canonical values a value map may translate to, each list taken from the canonical schema or vocabulary it feeds. */
const statusValue = z.enum(referralStatuses.map((status) => status.value) as [ReferralStatus, ...ReferralStatus[]]);
type DischargeReason = EventOf<'admission.discharged'>['reason'];
type CancelledBy = EventOf<'referral.cancelled'>['cancelledBy'];
// Records keyed by the schema's own union: the compiler refuses a missing or an extra value.
const dischargeReasonSet: Record<DischargeReason, true> = {
  goals_met: true, transferred: true, hospitalized: true, expired: true, revoked: true, moved: true, other: true,
};
const cancelledBySet: Record<CancelledBy, true> = { source: true, agency: true, unknown: true };

export const canonicalValues = {
  status: statusValue,
  nonAdmitReason,
  payerCategory,
  businessLine,
  dischargeReason: z.enum(Object.keys(dischargeReasonSet) as [DischargeReason, ...DischargeReason[]]),
  cancelledBy: z.enum(Object.keys(cancelledBySet) as [CancelledBy, ...CancelledBy[]]),
  inpatientDischargeIn14Days: referralFacts.shape.inpatientDischargeIn14Days.unwrap(),
  referringOrganizationKind: referringOrganization.shape.kind.unwrap(),
};
export type ValueMapName = keyof typeof canonicalValues;
export type CanonicalValue<M extends ValueMapName> = z.output<(typeof canonicalValues)[M]>;

/**
 * The canonical values of each map, in schema order: always understood as they are, and named in error messages. A
 * non-admit reason may be any slug (a reason the agency added, mapped from its EHR's word); the defaults are the ones
 * an export may carry unmapped.
 */
export const canonicalOptions = Object.fromEntries(
  Object.entries(canonicalValues).map(([name, values]) => [
    name,
    name === 'nonAdmitReason' ? defaultNonAdmitReasons.map((reason) => reason.value) : ((values as { options: readonly string[] }).options),
  ]),
) as Record<ValueMapName, readonly string[]>;

function valueMap<S extends z.ZodType<string>>(canonical: S) {
  return z
    .object({
      /** Report wording -> canonical value, matched ignoring case and repeated spaces. */
      values: z.record(z.string().trim().min(1), canonical).default({}),
      /** The value for a word the map does not list; without it such a row is refused, naming the word. */
      unknown: canonical.optional(),
      /** The value for an empty cell; without it the field is left empty (and a row that needs it is refused). */
      blank: canonical.optional(),
    })
    .strict()
    .superRefine((map, ctx) => {
      const seen = new Map<string, string>();
      for (const word of Object.keys(map.values)) {
        const key = normalizeWord(word);
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['values', word], message: `"${word}" and "${earlier}" are the same word once case and spaces are ignored` });
        }
        seen.set(key, word);
      }
    });
}

const valueMaps = z
  .object({
    status: valueMap(canonicalValues.status),
    nonAdmitReason: valueMap(canonicalValues.nonAdmitReason),
    payerCategory: valueMap(canonicalValues.payerCategory),
    businessLine: valueMap(canonicalValues.businessLine),
    dischargeReason: valueMap(canonicalValues.dischargeReason),
    cancelledBy: valueMap(canonicalValues.cancelledBy),
    inpatientDischargeIn14Days: valueMap(canonicalValues.inpatientDischargeIn14Days),
    referringOrganizationKind: valueMap(canonicalValues.referringOrganizationKind),
  })
  .partial()
  .strict();

/**
 * A luxon format (https://moment.github.io/luxon/#/parsing?id=table-of-tokens) is accepted when it reads back the
 * date it writes: luxon treats unknown letters as literals and fills a missing year with the current one, so a typo
 * such as "M/d/yyy" would otherwise parse every date into this year without complaint.
 */
function checkDateFormat(format: string): { ok: true } | { ok: false; problem: string } {
  // Every component distinct from luxon's defaults (this year, January, the 1st, midnight) and past noon.
  const reference = DateTime.fromObject({ year: 2031, month: 10, day: 23, hour: 14, minute: 5, second: 9 }, { zone: 'UTC' });
  const written = reference.toFormat(format, { locale: 'en-US' });
  const read = DateTime.fromFormat(written, format, { zone: 'UTC', setZone: true, locale: 'en-US' });
  if (!read.isValid) return { ok: false, problem: `cannot read back what it writes (${read.invalidExplanation ?? read.invalidReason})` };
  if (read.year !== 2031 || read.month !== 10 || read.day !== 23) {
    return { ok: false, problem: 'does not read a full date: it needs a year (yyyy or yy), a month (M, MM, MMM) and a day (d, dd)' };
  }
  const hasTime = read.hour !== 0 || read.minute !== 0;
  if (hasTime && read.hour !== 14) return { ok: false, problem: 'reads the hour wrong: a 12-hour clock (h, hh) needs the AM/PM token a' };
  if (hasTime && read.minute !== 5) return { ok: false, problem: 'reads the minutes wrong: minutes are mm (months are MM)' };
  return { ok: true };
}

const dateFormat = z.string().min(1).superRefine((format, ctx) => {
  const checked = checkDateFormat(format);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: `"${format}" ${checked.problem}` });
});

const defaultDateFormats = ['M/d/yyyy', 'M/d/yyyy h:mm a', 'M/d/yyyy H:mm', 'yyyy-MM-dd', "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssZZ"];

export const csvProfileSchema = z
  .object({
    /** Part of every event id: renaming a profile re-keys its events, so it is written in the file, not taken from its name. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'must be 1-50 lower-case letters, digits, - or _, starting with a letter or digit'),
    description: z.string().optional(),
    /** The field separator: "," (default), ";", "\t", "|"... */
    delimiter: z
      .string()
      .min(1)
      .max(4)
      .refine((value) => !/["\r\n]/.test(value), 'must not contain a quote or a line break')
      .default(','),
    encoding: z.enum(['utf8', 'latin1']).default('utf8'),
    /** Report title lines above the header (blank lines after them are skipped as well). */
    skipRows: z.number().int().min(0).max(1000).default(0),
    /** Tried in order for every date and date-time column. */
    dateFormats: z.array(dateFormat).min(1).default(defaultDateFormats),
    columns: profileColumns,
    valueMaps: valueMaps.default({}),
  })
  .strict()
  .superRefine((profile, ctx) => {
    try {
      normalize_options({ delimiter: profile.delimiter, encoding: profile.encoding });
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['delimiter'], message: `is refused by the CSV parser (${(error as Error).message})` });
    }
  });

export type CsvProfile = z.output<typeof csvProfileSchema>;
/** What a profile file may contain (defaults not yet applied). */
export type CsvProfileInput = z.input<typeof csvProfileSchema>;

/** A profile that cannot be used; the message names the file and every problem found in it. */
export class CsvProfileError extends Error {
  override name = 'CsvProfileError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`CSV profile ${source}: ${problems.join('; ')}`);
  }
}

function issuePath(pathParts: ReadonlyArray<PropertyKey>): string {
  return pathParts.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.').replace(/\.\[/g, '[');
}

/** Validates a profile already read from YAML, JSON or elsewhere; `source` names it in errors. */
export function parseCsvProfile(content: unknown, source: string): CsvProfile {
  const parsed = csvProfileSchema.safeParse(content);
  if (parsed.success) return parsed.data;
  throw new CsvProfileError(
    source,
    parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issuePath(issue.path)}: ${issue.message}` : issue.message)),
  );
}

/** The folder of the profiles shipped with Referralynx (read from the sources, which the package includes). */
function builtInProfileFolder(): string {
  return path.join(packageRoot(), 'src', 'ehr', 'csv', 'profiles');
}

export function builtInProfileNames(): string[] {
  return fs
    .readdirSync(builtInProfileFolder())
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * A built-in profile by name ("generic"), or a profile file by path (.yaml, .yml or .json). Throws CsvProfileError
 * naming the file and the problem.
 */
export function loadProfile(nameOrPath: string): CsvProfile {
  const isPath = /[\\/]/.test(nameOrPath) || /\.(ya?ml|json)$/i.test(nameOrPath);
  let file = nameOrPath;
  if (!isPath) {
    const names = builtInProfileNames();
    if (!names.includes(nameOrPath)) {
      throw new CsvProfileError(nameOrPath, [
        `no built-in profile has this name (built-in: ${names.join(', ')}); give the path of a .yaml or .json file instead`,
      ]);
    }
    file = path.join(builtInProfileFolder(), `${nameOrPath}.yaml`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CsvProfileError(file, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  let content: unknown;
  try {
    content = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    throw new CsvProfileError(file, [`is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseCsvProfile(content, file);
}
