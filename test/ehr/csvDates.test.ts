import { DateTime } from 'luxon';
import { DateReader } from '../../src/ehr/csv/values';

/**
 * The date reader takes a zone's offset once per (date, hour) instead of asking luxon for every value; it must read
 * every wall-clock time exactly as luxon does, DST transitions included (US zones change at 2 AM, Europe at 1 AM UTC,
 * Lord Howe by half an hour, Chatham at 2:45).
 */
describe('reading dates in the agency\'s time zone', () => {
  const zones = ['America/Chicago', 'America/New_York', 'America/St_Johns', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham'];

  it.each(zones)('reads every quarter hour of the night, every day of 2026, as luxon does in %s', (zone) => {
    const reader = new DateReader(['M/d/yyyy H:mm'], zone);
    const differences: string[] = [];
    for (let day = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone: 'UTC' }); day.year === 2026; day = day.plus({ days: 1 })) {
      for (let minutes = 0; minutes <= 4 * 60; minutes += 15) {
        const text = `${day.month}/${day.day}/${day.year} ${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
        const expected = DateTime.fromFormat(text, 'M/d/yyyy H:mm', { zone, setZone: true, locale: 'en-US' });
        const read = reader.read(text);
        if (read === undefined || Date.parse(read.instant) !== expected.toMillis() || read.date !== expected.toISODate()) differences.push(text);
      }
    }
    expect(differences).toEqual([]);
  });

  it('writes the instant with the offset in force, and a date alone as midnight', () => {
    const reader = new DateReader(['M/d/yyyy h:mm a', 'M/d/yyyy', "yyyy-MM-dd'T'HH:mm:ssZZ"], 'America/Chicago');
    expect(reader.read('3/8/2026 1:59 AM')).toEqual({ date: '2026-03-08', instant: '2026-03-08T01:59:00-06:00' });
    // 2:30 does not exist that night: like luxon, the clock moves forward an hour.
    expect(reader.read('3/8/2026 2:30 AM')).toEqual({ date: '2026-03-08', instant: '2026-03-08T03:30:00-05:00' });
    expect(reader.read('3/8/2026 3:00 AM')).toEqual({ date: '2026-03-08', instant: '2026-03-08T03:00:00-05:00' });
    expect(reader.read('11/1/2026')).toEqual({ date: '2026-11-01', instant: '2026-11-01T00:00:00-05:00' });
    expect(reader.read('11/2/2026')).toEqual({ date: '2026-11-02', instant: '2026-11-02T00:00:00-06:00' });
    // A value with its own offset keeps it; its calendar date is the agency's.
    expect(reader.read('2026-11-27T03:30:00+00:00')).toEqual({ date: '2026-11-26', instant: '2026-11-27T03:30:00Z' });
    expect(reader.read('2026-13-01')).toBeUndefined();
  });
});
