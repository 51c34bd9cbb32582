import type { PropertyDefinition } from './catalog';
import type { PropertyProblem } from './errors';
import type { ValueKind } from './store';

/**
 * Property values as HubSpot takes and returns them: strings on the wire both ways (numbers and booleans in the JSON
 * are accepted), "" clears a value, dates are midnight UTC, multi-select values are joined with ";".
 * https://developers.hubspot.com/docs/api/crm/properties#property-type-and-fieldtype-values
 */

export type RawValue = string | number | boolean | null;

export type Checked = { ok: true; value: string | null } | { ok: false; problem: PropertyProblem };

const problem = (name: string, code: string, message: string): Checked => ({
  ok: false,
  problem: { name, code, message },
});

/** Epoch milliseconds (as a number or a string of digits) or an ISO 8601 string, as an instant. */
function parseInstant(raw: string): Date | undefined {
  const date = /^-?\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks one value against its definition and returns it as HubSpot stores it. `allowed` is the set of valid values
 * of a property whose options live elsewhere (owners, pipelines, stages).
 */
export function checkValue(definition: PropertyDefinition, raw: RawValue, allowed?: ReadonlySet<string>): Checked {
  const name = definition.name;
  if (definition.modificationMetadata.readOnlyValue || definition.calculated) {
    return problem(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`);
  }
  if (raw === null || raw === '') return { ok: true, value: null };
  const text = String(raw);
  switch (definition.type) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n))
        return problem(name, 'INVALID_FLOAT', `${text} was not a valid number.`);
      return { ok: true, value: String(n) };
    }
    case 'bool': {
      const lowered = text.toLowerCase();
      if (lowered !== 'true' && lowered !== 'false')
        return problem(name, 'INVALID_BOOLEAN', `${text} was not a valid boolean.`);
      return { ok: true, value: lowered };
    }
    case 'datetime': {
      const instant = parseInstant(text);
      if (!instant) return problem(name, 'INVALID_DATETIME', `${text} was not a valid datetime.`);
      return { ok: true, value: instant.toISOString() };
    }
    case 'date': {
      // Date properties hold a day: epoch milliseconds must fall at midnight UTC
      // (https://developers.hubspot.com/docs/api/faq/how-should-i-format-timestamps-for-hubspots-apis).
      if (/^\d{4}-\d{2}-\d{2}$/.test(text) && parseInstant(text)) return { ok: true, value: text };
      const instant = parseInstant(text);
      if (!instant) return problem(name, 'INVALID_DATE', `${text} was not a valid date.`);
      const iso = instant.toISOString();
      if (!iso.endsWith('T00:00:00.000Z')) {
        const [h, m, s, ms] = [
          instant.getUTCHours(),
          instant.getUTCMinutes(),
          instant.getUTCSeconds(),
          instant.getUTCMilliseconds(),
        ];
        return problem(name, 'INVALID_DATE', `${text} is at ${h}:${m}:${s}.${ms} UTC, not midnight!`);
      }
      return { ok: true, value: iso.slice(0, 10) };
    }
    case 'enumeration': {
      const valid = allowed ?? new Set(definition.options.map((o) => o.value));
      // Multiple checkboxes take several values joined by ";".
      const values = definition.fieldType === 'checkbox' ? text.split(';').filter((v) => v !== '') : [text];
      const bad = values.find((v) => !valid.has(v));
      if (bad !== undefined) {
        return problem(name, 'INVALID_OPTION', `${bad} was not one of the allowed options: [${[...valid].join(', ')}]`);
      }
      return { ok: true, value: values.join(';') };
    }
    case 'string':
      return { ok: true, value: text };
  }
}

/** How a search compares a property's values. */
export function valueKind(definition: Pick<PropertyDefinition, 'type'>): ValueKind {
  switch (definition.type) {
    case 'number':
      return 'number';
    case 'datetime':
      return 'datetime';
    case 'date':
      return 'date';
    default:
      return 'text';
  }
}

/** A search filter's value in the form stored values are compared in, or undefined when it cannot be one. */
export function searchValue(kind: ValueKind, raw: RawValue): string | undefined {
  if (raw === null) return undefined;
  const text = String(raw);
  switch (kind) {
    case 'number': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? String(n) : undefined;
    }
    case 'datetime':
      return parseInstant(text)?.toISOString();
    case 'date':
      if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
      return parseInstant(text)?.toISOString().slice(0, 10);
    case 'text':
      return text;
  }
}
