import fc from 'fast-check';
import { BusinessCalendar, DEFAULT_BUSINESS_HOURS, type BusinessHours } from '../../src/domain/businessTime';

/*
 * Expected values are worked out by hand from a calendar, not taken from the code:
 * - 2026 begins on a Thursday; 2026-03-01 and 2026-11-01 are Sundays, so the US DST changes are Sunday 2026-03-08
 *   (02:00 EST -> 03:00 EDT) and Sunday 2026-11-01 (02:00 EDT -> 01:00 EST).
 * - Offsets: New York EST -05:00 / EDT -04:00, Chicago CST -06:00, Los Angeles PST -08:00 / PDT -07:00,
 *   Phoenix MST -07:00 all year, Honolulu HST -10:00 all year.
 * - Federal holidays 2026 (5 U.S.C. 6103, as on OPM's calendar): Thu Jan 1, Mon Jan 19 (3rd Monday), Mon Feb 16,
 *   Mon May 25 (last Monday), Fri Jun 19, Sat Jul 4 observed Fri Jul 3, Mon Sep 7, Mon Oct 12, Wed Nov 11,
 *   Thu Nov 26 (4th Thursday: Nov 5, 12, 19, 26), Fri Dec 25.
 */

function calendar(overrides: Partial<BusinessHours> = {}): BusinessCalendar {
  return new BusinessCalendar({ ...DEFAULT_BUSINESS_HOURS, timeZone: 'America/New_York', holidayCalendar: 'US', ...overrides });
}

const newYork = calendar();

function utc(instant: Date): string {
  return instant.toISOString();
}

/** Every date of a year that the calendar names as a holiday. */
function holidaysOf(businessCalendar: BusinessCalendar, year: number): string[] {
  const dates: string[] = [];
  for (let day = new Date(Date.UTC(year, 0, 1)); day.getUTCFullYear() === year; day = new Date(day.getTime() + 86_400_000)) {
    const date = day.toISOString().slice(0, 10);
    if (businessCalendar.holidayName(date) !== undefined) dates.push(date);
  }
  return dates;
}

describe('holidays of the "US" calendar (date-holidays, type public, observed days included)', () => {
  it('closes on the 11 federal holidays of 2026 and on Friday 2026-07-03, the observed Independence Day', () => {
    expect(holidaysOf(newYork, 2026)).toEqual([
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-05-25',
      '2026-06-19',
      '2026-07-03',
      '2026-07-04',
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
    ]);
  });

  it('keeps Thanksgiving Thursday 2026-11-26 closed', () => {
    expect(newYork.isBusinessDay('2026-11-26')).toBe(false);
    expect(newYork.holidayName('2026-11-26')).toBe('Thanksgiving Day');
    expect(newYork.isBusinessDay('2026-11-25')).toBe(true);
  });

  it('observes Independence Day 2026, a Saturday, on Friday 2026-07-03', () => {
    expect(newYork.isBusinessDay('2026-07-03')).toBe(false);
    expect(newYork.holidayName('2026-07-03')).toBe('Independence Day (substitute day)');
    // The Saturday itself is named, though closed anyway as a weekend day.
    expect(newYork.holidayName('2026-07-04')).toBe('Independence Day');
    // Thursday 2026-07-02 after hours: Friday is the holiday, so Monday 2026-07-06 17:00 EDT.
    expect(utc(newYork.endOfBusinessDay(new Date('2026-07-02T17:30:00-04:00')))).toBe('2026-07-06T21:00:00.000Z');
  });

  it('observes Independence Day 2027, a Sunday, on Monday 2027-07-05', () => {
    // Friday 2027-07-02 10:00 EDT -> next business day skips Saturday, Sunday and the observed Monday: Tue 07-06.
    expect(utc(newYork.nextBusinessDayAt(new Date('2027-07-02T10:00:00-04:00'), '09:00'))).toBe('2027-07-06T13:00:00.000Z');
  });

  it("observes New Year's Day 2028, a Saturday, on Friday 2027-12-31", () => {
    expect(newYork.isBusinessDay('2027-12-31')).toBe(false);
  });

  it('observes Veterans Day 2028, a Saturday, on Friday 2028-11-10, though date-holidays types that day "bank"', () => {
    // 2028-01-01 is a Saturday and 2028 a leap year: November 11 is day 316, 315 = 45 weeks later, a Saturday.
    expect(newYork.isBusinessDay('2028-11-10')).toBe(false);
    expect(newYork.holidayName('2028-11-10')).toBe('Veterans Day (substitute day)');
  });

  it('stays open on observances and optional days: Day after Thanksgiving, Christmas Eve, Tax Day, Valentine', () => {
    expect(newYork.isBusinessDay('2026-11-27')).toBe(true); // Friday, "observance"
    expect(newYork.isBusinessDay('2026-12-24')).toBe(true); // Thursday, "optional"
    expect(newYork.isBusinessDay('2026-04-15')).toBe(true); // Wednesday, "observance"
    expect(newYork.holidayName('2026-02-14')).toBeUndefined(); // Saturday, "observance"
  });
});

describe('a state calendar: "US-TX" adds the public holidays of Texas', () => {
  const dallas = calendar({ timeZone: 'America/Chicago', holidayCalendar: 'US-TX' });

  it('closes on the Day after Thanksgiving, which "US" keeps open', () => {
    expect(dallas.isBusinessDay('2026-11-27')).toBe(false);
    expect(dallas.holidayName('2026-11-27')).toBe('Day after Thanksgiving');
    // Wednesday 2026-11-25 18:00 CST: Thursday and Friday closed, the weekend, so Monday 2026-11-30 17:00 CST.
    expect(utc(dallas.endOfBusinessDay(new Date('2026-11-25T18:00:00-06:00')))).toBe('2026-11-30T23:00:00.000Z');
    expect(dallas.isBusinessDay('2026-12-24')).toBe(false); // Christmas Eve is public in Texas
  });

  it('names both holidays of Friday 2027-12-24: Christmas Eve, and Christmas (a Saturday) observed', () => {
    const names = dallas.holidayName('2027-12-24')?.split(' / ');
    expect(names?.sort()).toEqual(['Christmas Day (substitute day)', 'Christmas Eve']);
  });

  it('stays open on Texas Independence Day (Monday 2026-03-02): date-holidays lists it as an observance', () => {
    expect(dallas.isBusinessDay('2026-03-02')).toBe(true);
  });
});

describe('the "none" calendar', () => {
  const noHolidays = calendar({ holidayCalendar: 'none' });

  it('has weekends and no holidays', () => {
    expect(noHolidays.isBusinessDay('2026-11-26')).toBe(true);
    expect(noHolidays.holidayName('2026-12-25')).toBeUndefined();
    expect(noHolidays.addBusinessDays('2026-11-25', 1)).toBe('2026-11-26');
    expect(noHolidays.isBusinessDay('2026-11-28')).toBe(false); // Saturday
    expect(() => noHolidays.holidayName('2026-13-01')).toThrow(RangeError);
  });
});

describe('business days', () => {
  it('n = 0 on a Sunday gives the Monday; n = 0 on a business day gives that day', () => {
    expect(newYork.addBusinessDays('2026-03-08', 0)).toBe('2026-03-09');
    expect(newYork.addBusinessDays('2026-11-23', 0)).toBe('2026-11-23');
  });

  it('counts over Thanksgiving and the weekend', () => {
    // Wed 11-25 -> (Thu holiday) Fri 11-27 -> (weekend) Mon 11-30 -> Tue 12-01.
    expect(newYork.addBusinessDays('2026-11-25', 1)).toBe('2026-11-27');
    expect(newYork.addBusinessDays('2026-11-25', 2)).toBe('2026-11-30');
    expect(newYork.addBusinessDays('2026-11-25', 3)).toBe('2026-12-01');
  });

  it('"same business day" is 17:00 local today, or 17:00 of the next business day when past closing or closed', () => {
    // Monday 2026-11-23 06:00 EST, before opening: same day 17:00 EST = 22:00Z.
    expect(utc(newYork.endOfBusinessDay(new Date('2026-11-23T06:00:00-05:00')))).toBe('2026-11-23T22:00:00.000Z');
    // At 17:00 exactly the day is over: Tuesday 17:00 EST.
    expect(utc(newYork.endOfBusinessDay(new Date('2026-11-23T17:00:00-05:00')))).toBe('2026-11-24T22:00:00.000Z');
    // Wednesday before Thanksgiving, 18:00 EST: Friday 2026-11-27 17:00 EST.
    expect(utc(newYork.endOfBusinessDay(new Date('2026-11-25T18:00:00-05:00')))).toBe('2026-11-27T22:00:00.000Z');
  });

  it('"next business day at 09:00" from the Wednesday before Thanksgiving is Friday 09:00', () => {
    // Even at 10:00, within hours: the next business day after Wed 11-25 is Fri 11-27; 09:00 EST = 14:00Z.
    expect(utc(newYork.nextBusinessDayAt(new Date('2026-11-25T10:00:00-05:00'), '09:00'))).toBe('2026-11-27T14:00:00.000Z');
  });
});

describe('business hours', () => {
  it('carries Friday 16:30 + 1 business hour over the weekend to Monday 08:30', () => {
    // Friday 2026-01-09 16:30 EST: 30 minutes to closing, 30 more from Monday 2026-01-12 08:00 EST -> 08:30 = 13:30Z.
    expect(utc(newYork.addBusinessHours(new Date('2026-01-09T16:30:00-05:00'), 1))).toBe('2026-01-12T13:30:00.000Z');
  });

  it('ends on closing time when the hours run out exactly then', () => {
    // Monday 2026-01-12 16:00 EST + 1 = 17:00 EST = 22:00Z, not Tuesday's opening.
    expect(utc(newYork.addBusinessHours(new Date('2026-01-12T16:00:00-05:00'), 1))).toBe('2026-01-12T22:00:00.000Z');
  });

  it('starts counting at the next opening for an instant outside hours, and takes fractions', () => {
    // Saturday 2026-01-10 12:00 + 0 -> Monday 08:00 EST; + 2.25 -> 10:15 EST = 15:15Z.
    expect(utc(newYork.addBusinessHours(new Date('2026-01-10T12:00:00-05:00'), 0))).toBe('2026-01-12T13:00:00.000Z');
    expect(utc(newYork.addBusinessHours(new Date('2026-01-10T12:00:00-05:00'), 2.25))).toBe('2026-01-12T15:15:00.000Z');
    // Monday 06:00 (before opening) + 10 business hours: 9 on Monday, 1 on Tuesday -> Tuesday 09:00 EST = 14:00Z.
    expect(utc(newYork.addBusinessHours(new Date('2026-01-12T06:00:00-05:00'), 10))).toBe('2026-01-13T14:00:00.000Z');
  });

  it('counts the hours between two instants over a weekend and a holiday', () => {
    // Thu 2026-07-02 15:00 EDT to Tue 2026-07-07 10:00 EDT: Thu 2 h + Fri (observed July 4) 0 + weekend 0
    // + Mon 9 h + Tue 2 h = 13 h.
    expect(newYork.businessHoursBetween(new Date('2026-07-02T15:00:00-04:00'), new Date('2026-07-07T10:00:00-04:00'))).toBe(13);
    // Friday 16:30 EST to Monday 08:30 EST over a plain weekend: 0.5 + 0.5.
    expect(newYork.businessHoursBetween(new Date('2026-01-09T16:30:00-05:00'), new Date('2026-01-12T08:30:00-05:00'))).toBe(1);
  });

  it('counts nothing when to is not after from', () => {
    const monday = new Date('2026-01-12T10:00:00-05:00');
    expect(newYork.businessHoursBetween(monday, monday)).toBe(0);
    expect(newYork.businessHoursBetween(monday, new Date('2026-01-12T09:00:00-05:00'))).toBe(0);
  });

  it('gives back, as business hours between, the hours it added (any instant of 2026-2027, quarter hours)', () => {
    const instants = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instants, fc.integer({ min: 0, max: 400 }), (start, quarters) => {
        return newYork.businessHoursBetween(start, newYork.addBusinessHours(start, quarters / 4)) === quarters / 4;
      }),
    );
  });
});

describe('daylight saving time in the tenant zone', () => {
  it('spring forward: Friday 2026-03-06 16:00 EST + 3 business hours is Monday 2026-03-09 10:00 EDT', () => {
    // 1 h on Friday, 2 h from Monday 08:00, now at -04:00: 10:00 EDT = 14:00Z (15:00Z had the offset stayed -05:00).
    expect(utc(newYork.addBusinessHours(new Date('2026-03-06T16:00:00-05:00'), 3))).toBe('2026-03-09T14:00:00.000Z');
    expect(newYork.businessHoursBetween(new Date('2026-03-06T16:00:00-05:00'), new Date('2026-03-09T14:00:00Z'))).toBe(3);
  });

  it('fall back: Friday 2026-10-30 16:00 EDT + 3 business hours is Monday 2026-11-02 10:00 EST', () => {
    // 10:00 EST = 15:00Z.
    expect(utc(newYork.addBusinessHours(new Date('2026-10-30T16:00:00-04:00'), 3))).toBe('2026-11-02T15:00:00.000Z');
  });

  it('closes at 17:00 local on the day of the change, in the new offset', () => {
    const everyDay = calendar({ workdays: [1, 2, 3, 4, 5, 6, 7] });
    // Sunday 2026-03-08 is worked: 17:00 EDT = 21:00Z; Sunday 2026-11-01: 17:00 EST = 22:00Z.
    expect(utc(everyDay.endOfBusinessDay(new Date('2026-03-08T10:00:00-04:00')))).toBe('2026-03-08T21:00:00.000Z');
    expect(utc(everyDay.endOfBusinessDay(new Date('2026-11-01T10:00:00-05:00')))).toBe('2026-11-01T22:00:00.000Z');
  });

  it('counts elapsed hours: a 00:00-12:00 day has 11 hours on the spring-forward Sunday and 13 on the fall-back one', () => {
    const nights = calendar({ workdays: [1, 2, 3, 4, 5, 6, 7], dayStart: '00:00', dayEnd: '12:00' });
    // 00:00 EST = 05:00Z to 12:00 EDT = 16:00Z; 00:00 EDT = 04:00Z to 12:00 EST = 17:00Z.
    expect(nights.businessHoursBetween(new Date('2026-03-08T05:00:00Z'), new Date('2026-03-08T16:00:00Z'))).toBe(11);
    expect(nights.businessHoursBetween(new Date('2026-11-01T04:00:00Z'), new Date('2026-11-01T17:00:00Z'))).toBe(13);
    // 01:30 EDT (05:30Z) + 1 business hour is the second 01:30, in EST (06:30Z).
    expect(utc(nights.addBusinessHours(new Date('2026-11-01T05:30:00Z'), 1))).toBe('2026-11-01T06:30:00.000Z');
  });

  it('places both 01:30s of Sunday 2026-11-01 (the repeated hour) on that date, before Monday opening', () => {
    const firstOneThirty = new Date('2026-11-01T05:30:00Z'); // 01:30 EDT
    const secondOneThirty = new Date('2026-11-01T06:30:00Z'); // 01:30 EST
    expect(newYork.localDate(firstOneThirty)).toBe('2026-11-01');
    expect(newYork.localDate(secondOneThirty)).toBe('2026-11-01');
    // Sunday is closed: + 1 business hour = Monday 2026-11-02 09:00 EST = 14:00Z; same business day = 17:00 EST.
    expect(utc(newYork.addBusinessHours(secondOneThirty, 1))).toBe('2026-11-02T14:00:00.000Z');
    expect(utc(newYork.endOfBusinessDay(firstOneThirty))).toBe('2026-11-02T22:00:00.000Z');
  });
});

describe('tenants outside Eastern time', () => {
  const losAngeles = calendar({ timeZone: 'America/Los_Angeles' });
  const honolulu = calendar({ timeZone: 'Pacific/Honolulu' });
  const phoenix = calendar({ timeZone: 'America/Phoenix' });

  it('Los Angeles: Friday 16:30 PST is already Saturday in UTC, and still a business day locally', () => {
    // Friday 2026-12-04 16:30 PST = Saturday 2026-12-05 00:30Z.
    const fridayAfternoon = new Date('2026-12-05T00:30:00Z');
    expect(losAngeles.localDate(fridayAfternoon)).toBe('2026-12-04');
    // Same business day: Friday 17:00 PST = 01:00Z Saturday.
    expect(utc(losAngeles.endOfBusinessDay(fridayAfternoon))).toBe('2026-12-05T01:00:00.000Z');
    // + 1 business hour: 30 min on Friday, 30 min from Monday 2026-12-07 08:00 PST -> 08:30 PST = 16:30Z.
    expect(utc(losAngeles.addBusinessHours(fridayAfternoon, 1))).toBe('2026-12-07T16:30:00.000Z');
  });

  it('Los Angeles: the evening before Thanksgiving is Thanksgiving in UTC; same business day is Friday', () => {
    // Wednesday 2026-11-25 19:00 PST = 2026-11-26T03:00Z -> Friday 2026-11-27 17:00 PST = 2026-11-28T01:00Z.
    const wednesdayEvening = new Date('2026-11-26T03:00:00Z');
    expect(losAngeles.localDate(wednesdayEvening)).toBe('2026-11-25');
    expect(utc(losAngeles.endOfBusinessDay(wednesdayEvening))).toBe('2026-11-28T01:00:00.000Z');
  });

  it('Honolulu: Wednesday 15:00 HST is Thanksgiving in UTC, and its same business day is Wednesday 17:00 HST', () => {
    // 2026-11-26T01:00Z = Wednesday 2026-11-25 15:00 HST; 17:00 HST = 2026-11-26T03:00Z.
    const wednesdayAfternoon = new Date('2026-11-26T01:00:00Z');
    expect(honolulu.localDate(wednesdayAfternoon)).toBe('2026-11-25');
    expect(utc(honolulu.endOfBusinessDay(wednesdayAfternoon))).toBe('2026-11-26T03:00:00.000Z');
  });

  it('Honolulu: Monday 05:00 UTC is still Sunday evening, so the next business day starts Monday local', () => {
    // 2026-12-07T05:00Z = Sunday 2026-12-06 19:00 HST -> Monday 2026-12-07 17:00 HST = 2026-12-08T03:00Z.
    const sundayEvening = new Date('2026-12-07T05:00:00Z');
    expect(honolulu.localDate(sundayEvening)).toBe('2026-12-06');
    expect(utc(honolulu.endOfBusinessDay(sundayEvening))).toBe('2026-12-08T03:00:00.000Z');
  });

  it('Phoenix keeps MST over the 2026-03-08 weekend: Friday 16:00 + 2 business hours is Monday 09:00 MST', () => {
    // 09:00 MST = 16:00Z (Denver, on MDT by then, would be 15:00Z).
    expect(utc(phoenix.addBusinessHours(new Date('2026-03-06T16:00:00-07:00'), 2))).toBe('2026-03-09T16:00:00.000Z');
  });
});

describe('refusing what cannot be a business calendar', () => {
  it.each<[string, Partial<BusinessHours>, RegExp]>([
    ['a time that is not HH:mm', { dayStart: '8:00' }, /dayStart must be a local time 'HH:mm'/],
    ['an hour past 23', { dayEnd: '24:00' }, /dayEnd must be a local time 'HH:mm'/],
    ['closing before opening', { dayStart: '17:00', dayEnd: '08:00' }, /dayEnd \(08:00\) must be later than dayStart \(17:00\)/],
    ['closing at opening', { dayStart: '09:00', dayEnd: '09:00' }, /must be later than dayStart/],
    ['no workdays', { workdays: [] }, /workdays must name at least one ISO weekday/],
    ['a weekday 0', { workdays: [0, 1] }, /ISO weekdays 1 \(Monday\) to 7 \(Sunday\), got 0/],
    ['an unknown zone', { timeZone: 'Mars/Olympus_Mons' }, /timeZone must be an IANA time zone.*Mars\/Olympus_Mons/],
    ['an unknown country', { holidayCalendar: 'XX' }, /holidayCalendar must be a date-holidays id.*'XX'/],
    ['an unknown state', { holidayCalendar: 'US-ZZ' }, /holidayCalendar must be a date-holidays id.*'US-ZZ'/],
    ["a name every object has ('constructor')", { holidayCalendar: 'constructor' }, /holidayCalendar must be a date-holidays id/],
  ])('refuses %s with a RangeError', (_what, overrides, message) => {
    expect(() => calendar(overrides)).toThrow(RangeError);
    expect(() => calendar(overrides)).toThrow(message);
  });

  it('refuses impossible dates, negative or fractional business days, negative hours and invalid instants', () => {
    expect(() => newYork.isBusinessDay('2026-02-30')).toThrow(RangeError);
    expect(() => newYork.isBusinessDay('2026-2-3')).toThrow(RangeError);
    expect(() => newYork.addBusinessDays('2026-11-25', -1)).toThrow(RangeError);
    expect(() => newYork.addBusinessDays('2026-11-25', 1.5)).toThrow(RangeError);
    expect(() => newYork.addBusinessHours(new Date('2026-01-12T10:00:00Z'), -1)).toThrow(RangeError);
    expect(() => newYork.localDate(new Date('not a date'))).toThrow(RangeError);
    expect(() => newYork.nextBusinessDayAt(new Date('2026-01-12T10:00:00Z'), '9am')).toThrow(RangeError);
  });
});
