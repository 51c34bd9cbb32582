/** How the cards write numbers and dates: plain, short, and "—" for what is not known. */

export const NONE = '—';

/** A share (0 to 1) as a whole percentage: 0.6667 as "67%". */
export const percent = (share: number | null | undefined): string => (share === null || share === undefined ? NONE : `${Math.round(share * 100)}%`);

/** Hours, to one decimal when under 10: 25 as "25 h", 4.5 as "4.5 h". */
export const hours = (value: number | null | undefined): string =>
  value === null || value === undefined ? NONE : `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} h`;

/** An instant as the local date (YYYY-MM-DD) in the agency's zone. */
export function localDate(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return NONE;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return NONE;
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** A month (YYYY-MM) as "Nov 2026". */
export function monthLabel(month: string): string {
  const [year, number] = month.split('-').map(Number);
  if (!year || !number) return month;
  return new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, number - 1, 1)));
}

export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/** An instant as local date and time (YYYY-MM-DD HH:mm) in the agency's zone. */
export function localDateTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return NONE;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return NONE;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** A wait in seconds, in the largest unit that fits: "12 s", "4 min", "3 h". */
export function waited(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
