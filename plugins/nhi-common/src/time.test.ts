import { DAY, toIsoTime } from './time';

describe('DAY', () => {
  it('is a day of 24 hours in milliseconds', () => {
    expect(
      Date.parse('2026-12-07T00:00:00Z') - Date.parse('2026-12-06T00:00:00Z'),
    ).toBe(DAY);
  });
});

describe('toIsoTime', () => {
  const iso = '2026-12-06T10:00:00.000Z';
  const ms = Date.parse(iso);

  it('reads a time as PostgreSQL, SQLite or an API gives it', () => {
    expect(toIsoTime(new Date(iso))).toBe(iso);
    expect(toIsoTime(ms)).toBe(iso);
    expect(toIsoTime(String(ms))).toBe(iso);
    expect(toIsoTime('2026-12-06 10:00:00Z')).toBe(iso);
    expect(toIsoTime('2026-12-06')).toBe('2026-12-06T00:00:00.000Z');
  });

  it('is undefined when there is no time, never text that is not one', () => {
    expect(toIsoTime(null)).toBeUndefined();
    expect(toIsoTime(undefined)).toBeUndefined();
    expect(toIsoTime('')).toBeUndefined();
    expect(toIsoTime('soon')).toBeUndefined();
    expect(toIsoTime(new Date('soon'))).toBeUndefined();
    expect(toIsoTime(1e20)).toBeUndefined();
    expect(toIsoTime({})).toBeUndefined();
  });
});
