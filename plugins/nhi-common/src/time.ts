/**
 * Milliseconds in a day: durations in days (dormancy, rotation, exception
 * lengths) are counted in days of 24 hours.
 *
 * @public
 */
export const DAY = 86_400_000;

/**
 * An ISO 8601 time (`2026-12-06T10:00:00.000Z`) from a time as a database
 * row or an API gives it: a `Date` (PostgreSQL), milliseconds since the
 * epoch as a number or a string of digits (SQLite), or a date or date-time
 * string. Undefined when absent (`null`, `undefined`, `''`) or not a time
 * (so it never returns text that is not an ISO time).
 *
 * @example
 * toIsoTime(row.created_at) // '2026-12-06T10:00:00.000Z' on either database
 *
 * @public
 */
export function toIsoTime(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let time: number;
  if (value instanceof Date) time = value.getTime();
  else if (typeof value === 'number') time = value;
  else if (typeof value === 'string') {
    time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  } else return undefined;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
