import { Hl7Message, type Hl7Segment } from '@medplum/core';

/**
 * Reading an HL7 v2 message that nobody on this project wrote: MLLP framing stripped, delimiters checked before the
 * parser sees them, Medplum's `Hl7Message.parse` for the structure, and accessors that never throw and return
 * unescaped, trimmed text ('' when a value is absent). Medplum splits segments, fields, repetitions and components;
 * it leaves escape sequences as they are (HL7 v2.x section 2.7), so this module decodes them.
 */

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

/** MLLP start block (VT) and end block (FS); the trailing CR is an ordinary segment separator here. */
// eslint-disable-next-line no-control-regex -- the MLLP framing bytes are control characters by definition
const MLLP_FRAMING = /[\u000b\u001c]/g;
/** Bytes that have no place in an HL7 v2 text message (tab, CR and LF aside): binary data, not a message. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BINARY = /[\u0000-\u0008\u000c\u000e-\u001f\u007f]/;

/** Removes MLLP framing, a byte-order mark and surrounding blank space, so the text begins at MSH. */
export function unframe(text: string): string {
  return text.replace(MLLP_FRAMING, '\r').replace(/^[\s\uFEFF]+/, '').replace(/\s+$/, '');
}

/** A delimiter is one printable ASCII character that is neither a letter, a digit nor a space (HL7 v2.x 2.5.4). */
function isDelimiter(char: string | undefined): char is string {
  return char !== undefined && /^[\x21-\x7e]$/.test(char) && !/^[A-Za-z0-9]$/.test(char);
}

/**
 * Reads MSH-1 and MSH-2. MSH-2 holds the component, repetition, escape and subcomponent characters (and, from v2.7,
 * an optional truncation character), all distinct from each other and from the field separator.
 */
export function readDelimiters(text: string): Delimiters | { problem: string } {
  const field = text.charAt(3);
  if (!isDelimiter(field)) {
    return { problem: 'MSH-1 (field separator) is missing or is not a printable non-alphanumeric character' };
  }
  const end = text.indexOf(field, 4);
  const encoding = end === -1 ? text.slice(4) : text.slice(4, end);
  const chars = [...encoding];
  if (chars.length < 4 || chars.length > 5 || !chars.every(isDelimiter) || new Set([field, ...chars]).size !== chars.length + 1) {
    return {
      problem:
        'MSH-2 (encoding characters) is not four distinct delimiter characters followed by the MSH-1 field separator: the message delimiters cannot be read',
    };
  }
  const [component, repetition, escape, subcomponent] = chars as [string, string, string, string];
  return { field, component, repetition, escape, subcomponent };
}

export type ReadResult = { ok: true; message: Hl7Reader } | { ok: false; reason: string };

/** Parses one message; refuses with a reason naming what is wrong (never quoting the message's values). */
export function readHl7Message(text: string): ReadResult {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, reason: 'the input is empty: no HL7 v2 message' };
  const body = unframe(text);
  if (BINARY.test(body)) {
    return { ok: false, reason: 'the input holds binary (control) characters: it is not an HL7 v2 text message' };
  }
  if (!body.startsWith('MSH')) {
    return { ok: false, reason: 'the input does not begin with an MSH segment: it is not an HL7 v2 message' };
  }
  const delimiters = readDelimiters(body);
  if ('problem' in delimiters) return { ok: false, reason: delimiters.problem };
  let parsed: Hl7Message;
  try {
    parsed = Hl7Message.parse(body);
  } catch {
    return { ok: false, reason: 'the message structure could not be parsed (MSH and segment delimiters)' };
  }
  const headers = parsed.segments.filter((segment) => segment.name === 'MSH').length;
  if (headers !== 1) {
    return { ok: false, reason: 'the input holds more than one MSH segment: split a batch into single messages first' };
  }
  return { ok: true, message: new Hl7Reader(parsed, delimiters) };
}

/** One repetition of a field: its components, read on demand. */
export class Hl7Repetition {
  constructor(
    private readonly components: readonly string[],
    private readonly reader: Hl7Reader,
  ) {}

  /** Component `component` (1-based), subcomponent `sub` (1-based): unescaped and trimmed, '' when absent. */
  get(component: number, sub = 1): string {
    const raw = this.components[component - 1] ?? '';
    return this.reader.decode(raw.split(this.reader.delimiters.subcomponent)[sub - 1] ?? '');
  }

  /** True when no component holds a value. */
  isEmpty(): boolean {
    return this.components.every((component) => this.reader.decode(component.replaceAll(this.reader.delimiters.subcomponent, '')) === '');
  }
}

/** A parsed message with total accessors: nothing here throws for a missing segment, field or component. */
export class Hl7Reader {
  constructor(
    readonly message: Hl7Message,
    readonly delimiters: Delimiters,
  ) {}

  segment(name: string): Hl7Segment | undefined {
    return this.message.segments.find((segment) => segment.name === name);
  }

  segments(name: string): Hl7Segment[] {
    return this.message.segments.filter((segment) => segment.name === name);
  }

  /** Every repetition of field `field` (1-based, MSH numbered as in the standard); [] when absent. */
  repetitions(segment: Hl7Segment | undefined, field: number): Hl7Repetition[] {
    if (!segment || field < 1 || (segment.name === 'MSH' && field < 3)) return [];
    const value = segment.getField(field) as ReturnType<Hl7Segment['getField']> | undefined;
    return (value?.components ?? []).map((components) => new Hl7Repetition(components, this));
  }

  /** The first repetition of a field that holds a value, or an empty one. */
  first(segment: Hl7Segment | undefined, field: number): Hl7Repetition {
    return this.repetitions(segment, field).find((rep) => !rep.isEmpty()) ?? new Hl7Repetition([], this);
  }

  /** Shorthand for one component of the first repetition. */
  value(segment: Hl7Segment | undefined, field: number, component = 1, sub = 1): string {
    return this.first(segment, field).get(component, sub);
  }

  /** Decodes escape sequences, turns control characters into spaces, trims, and reads the HL7 null ("") as absent. */
  decode(raw: string): string {
    const text = raw.includes(this.delimiters.escape) ? unescapeHl7(raw, this.delimiters) : raw;
    // eslint-disable-next-line no-control-regex -- control characters (from \X..\ escapes, say) become spaces
    const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return clean === '""' ? '' : clean;
  }
}

/** HL7 v2.x 2.7 escape sequences: delimiters, hexadecimal data, formatting; highlighting and charset changes dropped. */
export function unescapeHl7(raw: string, delimiters: Delimiters): string {
  const { escape } = delimiters;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const char = raw.charAt(i);
    if (char !== escape) {
      out += char;
      i += 1;
      continue;
    }
    const end = raw.indexOf(escape, i + 1);
    if (end === -1) {
      // An escape character with no closing one is text, not a sequence.
      out += raw.slice(i);
      break;
    }
    out += decodeSequence(raw.slice(i + 1, end), delimiters);
    i = end + 1;
  }
  return out;
}

function decodeSequence(sequence: string, delimiters: Delimiters): string {
  switch (sequence) {
    case 'F':
      return delimiters.field;
    case 'S':
      return delimiters.component;
    case 'T':
      return delimiters.subcomponent;
    case 'R':
      return delimiters.repetition;
    case 'E':
      return delimiters.escape;
    case 'H':
    case 'N':
      return '';
    default:
      break;
  }
  if (/^X(?:[0-9A-Fa-f]{2})+$/.test(sequence)) {
    const bytes = Buffer.from(sequence.slice(1), 'hex');
    const utf8 = bytes.toString('utf8');
    return utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8;
  }
  // Formatting commands (.br, .sp, .in ...) separate words; character set changes (C, M, Z) carry no text.
  return sequence.startsWith('.') ? ' ' : '';
}
