import type { ColumnSpec, CsvProfile } from './profile';
import { normalizeHeader } from './values';

/** Every canonical field a profile can map, as dotted paths into `columns`. */
export const fieldNames = [
  'referralKey',
  'patientId',
  'patientIdAssigner',
  'status',
  'receivedAt',
  'referralDate',
  'statusDate',
  'physicianOrderedSocDate',
  'inpatientDischargeDate',
  'inpatientDischargeIn14Days',
  'nonAdmitReason',
  'cancelledBy',
  'socDate',
  'firstVisitAt',
  'admissionKey',
  'dischargeDate',
  'dischargeReason',
  'nonBillableDate',
  'nonBillableReason',
  'businessLine',
  'payerCategory',
  'payerName',
  'referringOrganization.name',
  'referringOrganization.npi',
  'referringOrganization.city',
  'referringOrganization.state',
  'referringOrganization.zip',
  'referringOrganization.kind',
  'referringPractitioner.name',
  'referringPractitioner.familyName',
  'referringPractitioner.givenName',
  'referringPractitioner.npi',
  'marketerId',
  'branch',
  'serviceZip',
] as const;

export type FieldName = (typeof fieldNames)[number];

type Part = { text: string } | { header: string };

/** One mapped field, before it meets a header. */
interface FieldSource {
  field: FieldName;
  /** How errors name it: `column "SOC Date" (socDate)`. */
  label: string;
  optional: boolean;
  parts: Part[];
}

function parseTemplate(text: string): Part[] {
  if (!/[{}]/.test(text)) return [{ header: text }];
  const parts: Part[] = [];
  for (const match of text.matchAll(/\{([^{}]+)\}|[^{}]+/g)) {
    parts.push(match[1] === undefined ? { text: match[0] } : { header: match[1].trim() });
  }
  return parts;
}

function sourceOf(field: FieldName, spec: ColumnSpec): FieldSource {
  if (typeof spec === 'object' && 'constant' in spec) {
    return { field, label: `constant "${spec.constant}" (${field})`, optional: false, parts: [{ text: spec.constant }] };
  }
  const text = typeof spec === 'string' ? spec : spec.from;
  const kind = /[{}]/.test(text) ? 'template' : 'column';
  return { field, label: `${kind} "${text}" (${field})`, optional: typeof spec === 'object' && spec.optional, parts: parseTemplate(text) };
}

/** The profile's columns as a flat list of field sources. */
export function fieldSources(profile: CsvProfile): FieldSource[] {
  const specs = profile.columns as unknown as Record<string, ColumnSpec | Record<string, ColumnSpec> | undefined>;
  const sources: FieldSource[] = [];
  for (const field of fieldNames) {
    const [group, member] = field.split('.') as [string, string | undefined];
    const groupSpec = specs[group];
    const spec = member === undefined ? groupSpec : (groupSpec as Record<string, ColumnSpec> | undefined)?.[member];
    if (spec !== undefined) sources.push(sourceOf(field, spec as ColumnSpec));
  }
  return sources;
}

/** A field bound to a header: reads its value (trimmed, '' when empty) from a record's cells. */
export interface BoundField {
  label: string;
  read(cells: readonly string[]): string;
}

export type BoundFields = Partial<Record<FieldName, BoundField>>;

export type HeaderBinding = { ok: true; fields: BoundFields; width: number } | { ok: false; reason: string };

const cell = (cells: readonly string[], index: number) => (cells[index] ?? '').trim();

function bindSource(source: FieldSource, indexes: ReadonlyArray<number | undefined>): BoundField {
  const { label, parts } = source;
  const only = parts[0];
  const index = indexes[0];
  if (parts.length === 1 && only && 'header' in only && index !== undefined) return { label, read: (cells) => cell(cells, index) };
  if (parts.length === 1 && only && 'text' in only) {
    const constant = only.text.trim();
    return { label, read: () => constant };
  }
  // A template is empty when every column it names is empty, so that "{Date} {Time}" on a blank row stays blank.
  return {
    label,
    read: (cells) => {
      let text = '';
      let anyValue = false;
      parts.forEach((part, i) => {
        if ('text' in part) {
          text += part.text;
          return;
        }
        const at = indexes[i];
        const value = at === undefined ? '' : cell(cells, at);
        if (value !== '') anyValue = true;
        text += value;
      });
      return anyValue ? text.trim().replace(/\s+/g, ' ') : '';
    },
  };
}

/**
 * Matches the profile's columns to a report header. Every column the profile names must be there unless marked
 * optional; all the missing ones are named in one error, so one run tells the whole story.
 */
export function bindHeader(profile: CsvProfile, sources: readonly FieldSource[], header: readonly string[]): HeaderBinding {
  const positions = new Map<string, number[]>();
  header.forEach((name, index) => {
    const key = normalizeHeader(name);
    if (key !== '') positions.set(key, [...(positions.get(key) ?? []), index]);
  });
  const missing: string[] = [];
  const ambiguous: string[] = [];
  const fields: BoundFields = {};
  for (const source of sources) {
    let absent = false;
    const indexes = source.parts.map((part) => {
      if (!('header' in part)) return undefined;
      const found = positions.get(normalizeHeader(part.header));
      if (found === undefined) {
        absent = true;
        if (!source.optional) missing.push(`"${part.header}" (${source.field})`);
        return undefined;
      }
      if (found.length > 1) ambiguous.push(`"${part.header}" (columns ${found.map((at) => at + 1).join(' and ')})`);
      return found[0];
    });
    // An optional column the export lacks leaves its field empty; a template missing one of its columns is dropped whole.
    if (!absent) fields[source.field] = bindSource(source, indexes);
  }
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`the header lacks ${missing.length === 1 ? 'a column' : 'columns'} the profile needs: ${missing.join(', ')}`);
  if (ambiguous.length > 0) problems.push(`the header names ${ambiguous.join(', ')} more than once, so the profile cannot tell which to read`);
  if (problems.length > 0) {
    // The header's own cells are not quoted: with skipRows set wrong, the "header" may be a row of patient data.
    return {
      ok: false,
      reason: `${problems.join('; ')} (profile "${profile.name}", a header of ${header.length} columns). No row of this file was read: check skipRows, or fix the profile's columns or mark them optional.`,
    };
  }
  return { ok: true, fields, width: header.length };
}
