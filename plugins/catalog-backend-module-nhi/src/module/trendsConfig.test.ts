import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_NHI_TRENDS_SCHEDULE,
  readNhiTrendsConfig,
} from './trendsConfig';

describe('readNhiTrendsConfig', () => {
  it('snapshots hourly and keeps 400 days by default', () => {
    expect(readNhiTrendsConfig(new ConfigReader({}))).toEqual({
      schedule: DEFAULT_NHI_TRENDS_SCHEDULE,
      retentionDays: 400,
    });
  });

  it('reads a schedule and a retention', () => {
    expect(
      readNhiTrendsConfig(
        new ConfigReader({
          nhi: {
            trends: {
              schedule: { frequency: { hours: 6 }, timeout: { minutes: 5 } },
              retentionDays: 730,
            },
          },
        }),
      ),
    ).toEqual({
      schedule: { frequency: { hours: 6 }, timeout: { minutes: 5 } },
      retentionDays: 730,
    });
  });

  it.each([0, 3651, 1.5])('refuses a retention of %p days', days => {
    expect(() =>
      readNhiTrendsConfig(
        new ConfigReader({ nhi: { trends: { retentionDays: days } } }),
      ),
    ).toThrow(
      `nhi.trends.retentionDays must be a whole number of days from 1 to 3650, got ${days}`,
    );
  });
});
