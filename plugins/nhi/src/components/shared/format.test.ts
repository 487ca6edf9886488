import { dateTime } from './format';

describe('dateTime', () => {
  it('shows a time in the given zone', () => {
    const at = '2026-02-03T10:15:42.000Z';
    expect(dateTime(at, 'UTC')).toBe('2026-02-03 10:15');
    expect(dateTime(at, 'America/New_York')).toBe('2026-02-03 05:15');
    expect(dateTime(at, 'Asia/Kolkata')).toBe('2026-02-03 15:45');
    // the day changes with the zone; midnight is 00, not 24
    expect(dateTime('2026-01-02T00:00:00.000Z', 'America/New_York')).toBe(
      '2026-01-01 19:00',
    );
    expect(dateTime('2026-01-02T00:05:00.000Z', 'UTC')).toBe(
      '2026-01-02 00:05',
    );
  });

  it('uses the viewer’s own zone by default', () => {
    const at = '2026-07-14T23:30:00.000Z';
    const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(dateTime(at)).toBe(dateTime(at, zone));
  });

  it('shows text that is not a time as it is', () => {
    expect(dateTime('yesterday')).toBe('yesterday');
  });
});
