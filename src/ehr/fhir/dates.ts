import { DateTime } from 'luxon';
import { calendarDate, instant } from '../../domain/events';

/**
 * A FHIR date or dateTime read for what referral management needs: a calendar date in the agency's zone (OASIS dates
 * are dates, not instants) and, when the value has a time, the instant. Years and year-months are too coarse for
 * either and read as absent.
 */
export type FhirTime = { kind: 'date'; date: string } | { kind: 'instant'; instant: string; date: string };

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
const withTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

export function readFhirTime(value: string | undefined, timeZone: string): FhirTime | undefined {
  if (value === undefined) return undefined;
  if (dateOnly.test(value)) return calendarDate.safeParse(value).success ? { kind: 'date', date: value } : undefined;
  if (!withTime.test(value)) return undefined;
  // FHIR requires an offset when a time is given; a sender that leaves it out means the agency's local time.
  const hasOffset = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  const parsed = hasOffset ? DateTime.fromISO(value, { setZone: true }) : DateTime.fromISO(value, { zone: timeZone });
  if (!parsed.isValid) return undefined;
  const date = parsed.setZone(timeZone).toISODate();
  if (date === null) return undefined;
  const asInstant = hasOffset && instant.safeParse(value).success ? value : parsed.toISO({ suppressMilliseconds: true });
  if (asInstant === null || !instant.safeParse(asInstant).success) return undefined;
  return { kind: 'instant', instant: asInstant, date };
}

/** The instant a calendar date starts in the agency's zone: the best a date-only value can say about a moment. */
export function startOfDay(date: string, timeZone: string): string | undefined {
  const start = DateTime.fromISO(date, { zone: timeZone }).startOf('day');
  return start.isValid ? (start.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
}

/** The calendar date an instant falls on in the agency's zone. */
export function localDate(value: string, timeZone: string): string | undefined {
  return readFhirTime(value, timeZone)?.date;
}

export function toEpochMs(value: string): number {
  return DateTime.fromISO(value, { setZone: true }).toMillis();
}
