import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { NHI_TREND_LIMITS } from '@backstage-nhi/plugin-nhi-common';

/**
 * Settings of the daily trend snapshots (`nhi.trends`).
 *
 * @public
 */
export interface NhiTrendsConfig {
  /** When the snapshot task runs; each run rewrites the current day's figures. */
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** Days of snapshots kept. */
  retentionDays: number;
}

/**
 * The default: every hour (so the day's figures are at most an hour old and
 * a restart loses no day), first two minutes after start.
 *
 * @public
 */
export const DEFAULT_NHI_TRENDS_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { hours: 1 },
    timeout: { minutes: 15 },
    initialDelay: { minutes: 2 },
  };

/**
 * Reads `nhi.trends`, with defaults; refuses a retention outside 1 to 3650
 * days, or shorter than what the trends route serves.
 *
 * @public
 */
export function readNhiTrendsConfig(config: Config): NhiTrendsConfig {
  const trends = config.getOptionalConfig('nhi.trends');
  const schedule = trends?.has('schedule')
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
        trends.getConfig('schedule'),
      )
    : DEFAULT_NHI_TRENDS_SCHEDULE;
  const retentionDays =
    trends?.getOptionalNumber('retentionDays') ?? NHI_TREND_LIMITS.maxDays;
  if (
    !Number.isInteger(retentionDays) ||
    retentionDays < 1 ||
    retentionDays > 3650
  ) {
    throw new InputError(
      `nhi.trends.retentionDays must be a whole number of days from 1 to 3650, got ${retentionDays}`,
    );
  }
  return { schedule, retentionDays };
}
