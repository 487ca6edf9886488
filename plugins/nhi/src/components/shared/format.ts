import { DAY } from '@backstage-nhi/plugin-nhi-common';

/** "3 days ago", "2 years ago", "in 5 days" — coarse and readable. */
export function relative(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const days = Math.round((now - t) / DAY);
  const abs = Math.abs(days);
  let text: string;
  if (abs === 0) text = 'today';
  else if (abs < 60) text = `${abs} day${abs === 1 ? '' : 's'}`;
  else if (abs < 730) text = `${Math.round(abs / 30)} months`;
  else text = `${(abs / 365).toFixed(1)} years`;
  if (abs === 0) return text;
  return days > 0 ? `${text} ago` : `in ${text}`;
}

/** Age in whole days since an ISO date, or undefined. */
export function ageDays(
  iso: string | undefined,
  now = Date.now(),
): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.floor((now - t) / DAY);
}

/** YYYY-MM-DD of an ISO date. */
export function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * "YYYY-MM-DD HH:mm" of an ISO time in a time zone (by default the viewer's
 * own); the text itself when it is not a time.
 */
export function dateTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const key = timeZone ?? '';
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(key, format);
  }
  const part: Record<string, string> = {};
  for (const p of format.formatToParts(d)) part[p.type] = p.value;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}
