import { DateTime, type TokenParser } from 'luxon';

/** Headers match ignoring case and every space ("Referral  date", "ReferralDate" and "REFERRAL DATE" are one column). */
export function normalizeHeader(text: string): string {
  return text.normalize('NFKC').replace(/[\s\u200b\ufeff]+/g, '').toLowerCase();
}

/** Report words match ignoring case and repeated or surrounding spaces ("Non-Admit", " non-admit "). */
export function normalizeWord(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * A report word quoted in an error message so the administrator can add it to a value map, but only when it looks
 * like a word: a value with digits, a comma ("Last, First"), a line break, or of any length could be a date, an id or
 * a name landed in the wrong column, and those must not reach logs (DESIGN.md, minimum necessary).
 */
export function quoteIfWord(value: string): string {
  return /^[\p{L}][\p{L} .'&/()+-]{0,59}$/u.test(value)
    ? `"${value}"`
    : `a value of ${value.length} characters, not shown because it does not look like a status or category word`;
}

/** A date read from a cell: the calendar date in the agency's zone and the instant (midnight when only a date was given). */
export interface ReadDate {
  date: string;
  instant: string;
}

interface CompiledFormat {
  /** Parses the text as a wall-clock time (in UTC, which costs no zone arithmetic). */
  wallClock: TokenParser;
  /** The format writes its own offset (Z, ZZ...): read as is, the agency's zone only gives the calendar date. */
  hasOffset: boolean;
}

const cacheLimit = 10_000;
const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/**
 * Reads dates with the profile's luxon formats, tried in order, in the agency's time zone (a value carrying its own
 * offset keeps it). Luxon resolves a zone's offset through Intl on every call, which made it most of the cost of a
 * row; the offset is constant within an hour unless a DST transition falls in it, so it is looked up once per
 * (date, hour) and luxon is left to resolve the transition hours itself (the skipped 2 AM hour moves forward, the
 * repeated one takes luxon's choice). Whole values are cached too: exports repeat the same dates across rows.
 */
export class DateReader {
  private readonly formats: CompiledFormat[];
  private readonly cache = new Map<string, ReadDate | null>();
  /** Offset in minutes of a (date, hour) in the agency's zone, or null when a transition falls in that hour. */
  private readonly hourOffsets = new Map<string, number | null>();

  constructor(
    formats: readonly string[],
    private readonly timeZone: string,
  ) {
    this.formats = formats.map((format) => ({
      wallClock: DateTime.buildFormatParser(format, { locale: 'en-US' }),
      // Zone tokens outside quoted literals: Z, ZZ, ZZZ, ZZZZ, z.
      hasOffset: /[Zz]/.test(format.replace(/'[^']*'/g, '')),
    }));
  }

  read(value: string): ReadDate | undefined {
    const cached = this.cache.get(value);
    if (cached !== undefined) return cached ?? undefined;
    const result = this.parse(value);
    if (this.cache.size >= cacheLimit) this.cache.clear();
    this.cache.set(value, result ?? null);
    return result;
  }

  private parse(value: string): ReadDate | undefined {
    for (const { wallClock, hasOffset } of this.formats) {
      if (hasOffset) {
        const parsed = DateTime.fromFormatParser(value, wallClock, { zone: this.timeZone, setZone: true, locale: 'en-US' });
        if (parsed.isValid) return this.exact(parsed);
        continue;
      }
      const wall = DateTime.fromFormatParser(value, wallClock, { zone: 'UTC', locale: 'en-US' });
      if (!wall.isValid) continue;
      const offset = this.offsetAt(wall);
      if (offset === null) {
        const local = DateTime.fromObject(wall.toObject(), { zone: this.timeZone });
        return local.isValid ? this.exact(local) : undefined;
      }
      const date = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
      const time = `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${wall.millisecond > 0 ? `.${pad(wall.millisecond, 3)}` : ''}`;
      return { date, instant: `${date}T${time}${offsetText(offset)}` };
    }
    return undefined;
  }

  private exact(parsed: DateTime): ReadDate | undefined {
    const date = parsed.setZone(this.timeZone).toISODate();
    const instant = parsed.toISO({ suppressMilliseconds: true });
    return date === null || instant === null ? undefined : { date, instant };
  }

  private offsetAt(wall: DateTime): number | null {
    if (wall.year < 1000 || wall.year > 9999) return null;
    const key = `${wall.year}-${wall.month}-${wall.day}T${wall.hour}`;
    let offset = this.hourOffsets.get(key);
    if (offset === undefined) {
      const { year, month, day, hour } = wall;
      const first = DateTime.fromObject({ year, month, day, hour }, { zone: this.timeZone });
      const last = DateTime.fromObject({ year, month, day, hour, minute: 59, second: 59, millisecond: 999 }, { zone: this.timeZone });
      // A transition inside the hour shows as a different offset at its ends, or as luxon moving a skipped time.
      const regular =
        first.isValid && first.offset === last.offset && first.hour === hour && first.minute === 0 && last.hour === hour && last.minute === 59;
      // Local mean time before standard zones (1883 in the US) has offsets in seconds: leave those to luxon too.
      offset = regular && Number.isInteger(first.offset) ? first.offset : null;
      if (this.hourOffsets.size >= cacheLimit) this.hourOffsets.clear();
      this.hourOffsets.set(key, offset);
    }
    return offset;
  }
}
