import Holidays, { type HolidaysTypes } from 'date-holidays';
import { DateTime, IANAZone } from 'luxon';

/**
 * Business days and business hours of a tenant: its time zone, opening hours and holiday calendar. The due times of
 * follow-up tasks ("same business day", "next business day at 09:00", "within 4 business hours") are computed here
 * (issue #5). Pure: instants come in as arguments, and the process's own time zone is never used.
 *
 * Holidays are date-holidays' (https://github.com/commenthol/date-holidays) for the calendar id: "US", "US-TX", or
 * "none". A local date is a holiday when date-holidays lists on it a holiday of type "public", or the observed
 * (substitute) day of one. Observances, optional days and bank holidays do not close the agency. A holiday is the
 * whole local day in the tenant's zone: the entry's calendar date is used, not the instants date-holidays computes
 * in the country's first zone (America/New_York for "US").
 *
 * What date-holidays 3.37 gives for "US" (checked for 2020-2035): its "public" entries are exactly the 11 federal
 * holidays of 5 U.S.C. 6103(a), Juneteenth from 2021, plus the observed Friday or Monday when New Year's Day,
 * Juneteenth, Independence Day or Christmas falls on a weekend (also "public", flagged substitute; the observed
 * New Year's Day of 2028 is Friday 2027-12-31, in 2027's list). One difference from the federal calendar: the
 * observed day of Veterans Day (Friday 2028-11-10, Monday 2029-11-12) is typed "bank", after the Federal Reserve's
 * calendar, whereas 6103(b) observes it like the others. So a substitute day counts when the holiday it stands for
 * is public, whatever its own type. Not counted: Day after Thanksgiving (observance), Christmas Eve (optional),
 * Valentine's Day, Easter, Tax Day, Election Day and the like (observances). A state calendar adds the state's
 * public days: "US-TX" adds the Day after Thanksgiving, Christmas Eve and the Day after Christmas, while Texas
 * Independence Day, San Jacinto Day, Emancipation Day and LBJ Day are observances ("partially staffed").
 *
 * Business hours are counted in elapsed time within dayStart-dayEnd of each business day, so a window that
 * contains a DST change is an hour shorter or longer (an office open 00:00-12:00 has 11 hours on the spring-forward
 * day). A local time that does not exist (inside the spring-forward gap) moves forward by the gap, as luxon does.
 */

export interface BusinessHours {
  /** IANA, e.g. 'America/New_York'. */
  timeZone: string;
  /** date-holidays id ('US', 'US-TX') or 'none'. */
  holidayCalendar: string;
  /** 'HH:mm' local, e.g. '08:00'. */
  dayStart: string;
  /** 'HH:mm' local, e.g. '17:00'. */
  dayEnd: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday; default [1,2,3,4,5]. */
  workdays: readonly number[];
}

export const DEFAULT_BUSINESS_HOURS: Omit<BusinessHours, 'timeZone' | 'holidayCalendar'> = Object.freeze({
  dayStart: '08:00',
  dayEnd: '17:00',
  workdays: Object.freeze([1, 2, 3, 4, 5]),
});

const MS_PER_HOUR = 3_600_000;

interface ClockTime {
  hour: number;
  minute: number;
}

function parseClockTime(value: string, what: string): ClockTime {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new RangeError(`${what} must be a local time 'HH:mm' (00:00 to 23:59), got '${value}'`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * A local calendar date as a luxon DateTime at midnight UTC. A date has no zone; UTC has no DST, so adding days to it
 * is plain calendar arithmetic.
 */
type CalendarDay = DateTime;

function parseCalendarDay(date: string): CalendarDay {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone: 'utc' }) : undefined;
  if (!day?.isValid) throw new RangeError(`a date must be YYYY-MM-DD, got '${date}'`);
  return day;
}

function toIsoDate(day: CalendarDay): string {
  return day.toFormat('yyyy-MM-dd');
}

function instantMillis(instant: Date): number {
  const millis = instant.getTime();
  if (Number.isNaN(millis)) throw new RangeError('an instant must be a valid Date');
  return millis;
}

/** The holidays that close the agency, by local date, read from date-holidays once per calendar and year. */
class HolidayList {
  private readonly source: Holidays;
  private readonly byYear = new Map<number, ReadonlyMap<string, string>>();

  constructor(country: string, state: string | undefined) {
    this.source = new Holidays(state === undefined ? { country } : { country, state });
  }

  nameOn(date: string): string | undefined {
    const year = Number(date.slice(0, 4));
    let names = this.byYear.get(year);
    if (!names) {
      names = closedDays(this.source.getHolidays(year));
      this.byYear.set(year, names);
    }
    return names.get(date);
  }
}

/** date-holidays names a substitute day "<holiday> (substitute day)", in the list's language. */
function substitutedHolidayName(substituteName: string): string {
  return substituteName.replace(/\s*\([^)]*\)$/, '');
}

function closedDays(listed: HolidaysTypes.Holiday[]): ReadonlyMap<string, string> {
  const publicHolidays = new Set(listed.filter((h) => h.type === 'public' && !h.substitute).map((h) => h.name));
  const names = new Map<string, string>();
  for (const holiday of listed) {
    const closes = holiday.type === 'public' || (holiday.substitute === true && publicHolidays.has(substitutedHolidayName(holiday.name)));
    if (!closes) continue;
    // "YYYY-MM-DD hh:mm:ss": the holiday's local date. Two on one day (Texas, 2027-12-24) are both named.
    const date = holiday.date.slice(0, 10);
    const earlier = names.get(date);
    names.set(date, earlier === undefined ? holiday.name : `${earlier} / ${holiday.name}`);
  }
  return names;
}

/** A date-holidays calendar id: a country ("US") or a country and state ("US-TX"), or "none". */
export function isHolidayCalendar(calendar: string): boolean {
  if (calendar === 'none') return true;
  const [country = '', state, ...rest] = calendar.split('-');
  const all = new Holidays();
  return rest.length === 0 && Object.hasOwn(all.getCountries(), country) && (state === undefined || Object.hasOwn(all.getStates(country) ?? {}, state));
}

/** One list per calendar id for the process: the rules are date-holidays' data and never change while it runs. */
const holidayLists = new Map<string, HolidayList>();

function holidayListFor(calendar: string): HolidayList | undefined {
  if (calendar === 'none') return undefined;
  const cached = holidayLists.get(calendar);
  if (cached) return cached;
  // An unknown country or state is refused: date-holidays would give no holidays, or the country's, without a word.
  if (!isHolidayCalendar(calendar)) throw new RangeError(`holidayCalendar must be a date-holidays id such as 'US' or 'US-TX', or 'none'; got '${calendar}'`);
  const [country = '', state] = calendar.split('-');
  const list = new HolidayList(country, state);
  holidayLists.set(calendar, list);
  return list;
}

export class BusinessCalendar {
  readonly timeZone: string;
  private readonly holidays: HolidayList | undefined;
  private readonly dayStart: ClockTime;
  private readonly dayEnd: ClockTime;
  private readonly workdays: ReadonlySet<number>;

  constructor(hours: BusinessHours) {
    if (!IANAZone.isValidZone(hours.timeZone)) {
      throw new RangeError(`timeZone must be an IANA time zone such as 'America/New_York', got '${hours.timeZone}'`);
    }
    this.timeZone = hours.timeZone;
    this.holidays = holidayListFor(hours.holidayCalendar);
    this.dayStart = parseClockTime(hours.dayStart, 'dayStart');
    this.dayEnd = parseClockTime(hours.dayEnd, 'dayEnd');
    if (this.dayEnd.hour * 60 + this.dayEnd.minute <= this.dayStart.hour * 60 + this.dayStart.minute) {
      throw new RangeError(`dayEnd (${hours.dayEnd}) must be later than dayStart (${hours.dayStart})`);
    }
    if (hours.workdays.length === 0) throw new RangeError('workdays must name at least one ISO weekday (1 = Monday … 7 = Sunday)');
    for (const weekday of hours.workdays) {
      if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) {
        throw new RangeError(`workdays must be ISO weekdays 1 (Monday) to 7 (Sunday), got ${weekday}`);
      }
    }
    this.workdays = new Set(hours.workdays);
  }

  /** The local calendar date (YYYY-MM-DD) of an instant in the tenant's zone. */
  localDate(instant: Date): string {
    return toIsoDate(this.localDay(instantMillis(instant)));
  }

  /** A workday that is not a holiday of the calendar. */
  isBusinessDay(date: string): boolean {
    return this.isOpen(parseCalendarDay(date));
  }

  /** The holiday's name when `date` is one (observed dates included), else undefined. */
  holidayName(date: string): string | undefined {
    const day = parseCalendarDay(date);
    return this.holidays?.nameOn(toIsoDate(day));
  }

  /** `date` plus n business days (n >= 0; n = 0 gives the first business day on or after date). */
  addBusinessDays(date: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a whole number of business days, 0 or more; got ${n}`);
    let day = this.firstBusinessDayFrom(parseCalendarDay(date));
    for (let i = 0; i < n; i += 1) day = this.firstBusinessDayFrom(day.plus({ days: 1 }));
    return toIsoDate(day);
  }

  /** "Same business day": dayEnd of the instant's local day when that is a business day and the instant is before dayEnd; else dayEnd of the next business day. */
  endOfBusinessDay(instant: Date): Date {
    const millis = instantMillis(instant);
    const today = this.localDay(millis);
    if (this.isOpen(today) && millis < this.at(today, this.dayEnd)) return new Date(this.at(today, this.dayEnd));
    return new Date(this.at(this.firstBusinessDayFrom(today.plus({ days: 1 })), this.dayEnd));
  }

  /** "Next business day": the first business day after the instant's local date, at local `time` ('HH:mm'). */
  nextBusinessDayAt(instant: Date, time: string): Date {
    const at = parseClockTime(time, 'time');
    const today = this.localDay(instantMillis(instant));
    return new Date(this.at(this.firstBusinessDayFrom(today.plus({ days: 1 })), at));
  }

  /** The instant `hours` business hours after `instant` (only time inside dayStart-dayEnd of business days counts; an instant outside hours starts counting at the next opening). hours may be fractional. */
  addBusinessHours(instant: Date, hours: number): Date {
    if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be a finite number, 0 or more; got ${hours}`);
    const start = instantMillis(instant);
    let remaining = Math.round(hours * MS_PER_HOUR);
    // Business time is [dayStart, dayEnd) of each business day: a result that lands on dayEnd stays there, but an
    // instant at dayEnd or later starts counting at the next opening.
    for (let day = this.localDay(start); ; day = day.plus({ days: 1 })) {
      if (!this.isOpen(day)) continue;
      const close = this.at(day, this.dayEnd);
      if (start >= close) continue;
      const from = Math.max(start, this.at(day, this.dayStart));
      if (from + remaining <= close) return new Date(from + remaining);
      remaining -= close - from;
    }
  }

  /** Business hours elapsed from `from` to `to` (0 when to <= from). */
  businessHoursBetween(from: Date, to: Date): number {
    const start = instantMillis(from);
    const end = instantMillis(to);
    let elapsed = 0;
    const lastDay = this.localDay(end);
    for (let day = this.localDay(start); day.toMillis() <= lastDay.toMillis(); day = day.plus({ days: 1 })) {
      if (!this.isOpen(day)) continue;
      const overlap = Math.min(end, this.at(day, this.dayEnd)) - Math.max(start, this.at(day, this.dayStart));
      if (overlap > 0) elapsed += overlap;
    }
    return elapsed / MS_PER_HOUR;
  }

  private isOpen(day: CalendarDay): boolean {
    return this.workdays.has(day.weekday) && this.holidays?.nameOn(toIsoDate(day)) === undefined;
  }

  private firstBusinessDayFrom(day: CalendarDay): CalendarDay {
    let candidate = day;
    while (!this.isOpen(candidate)) candidate = candidate.plus({ days: 1 });
    return candidate;
  }

  private localDay(millis: number): CalendarDay {
    const local = DateTime.fromMillis(millis, { zone: this.timeZone });
    return DateTime.utc(local.year, local.month, local.day);
  }

  /** The instant (epoch ms) of a local wall-clock time on a day, in the tenant's zone. */
  private at(day: CalendarDay, time: ClockTime): number {
    return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: time.hour, minute: time.minute }, { zone: this.timeZone }).toMillis();
  }
}
