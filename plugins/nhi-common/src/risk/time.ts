/** Parses an ISO date or date-time; undefined when absent or invalid. */
export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** YYYY-MM-DD of a time. */
export function day(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}
