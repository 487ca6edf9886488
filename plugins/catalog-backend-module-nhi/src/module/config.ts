import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { DEFAULT_MAX_REMOVAL_PERCENT } from '../lib/removals';

/**
 * Settings of the pipeline shared by all sources (`nhi.pipeline`).
 *
 * @public
 */
export interface NhiPipelineConfig {
  schedule: SchedulerServiceTaskScheduleDefinition;
  batchSize: number;
  declaringKinds: string[];
  /**
   * A run that would remove more than this percentage of a source's
   * identities, or all of them, is held until confirmed.
   */
  maxRemovalPercent: number;
}

/**
 * One file/URL inventory source (`nhi.sources.file.<id>`).
 *
 * @public
 */
export interface NhiFileSourceConfig {
  id: string;
  target: string;
  format?: 'yaml' | 'json';
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/** @public */
export const DEFAULT_NHI_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 30 },
  timeout: { minutes: 20 },
  initialDelay: { seconds: 15 },
};

const SOURCE_ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

/**
 * Reads `nhi.pipeline`, with defaults.
 *
 * @public
 */
export function readNhiPipelineConfig(config: Config): NhiPipelineConfig {
  const pipeline = config.getOptionalConfig('nhi.pipeline');
  const schedule = pipeline?.has('schedule')
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
        pipeline.getConfig('schedule'),
      )
    : DEFAULT_NHI_SCHEDULE;
  const batchSize = pipeline?.getOptionalNumber('batchSize') ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
    throw new InputError(
      `nhi.pipeline.batchSize must be a whole number from 1 to 10000, got ${batchSize}`,
    );
  }
  const declaringKinds = pipeline?.getOptionalStringArray('declaringKinds') ?? [
    'Component',
    'Resource',
  ];
  const maxRemovalPercent =
    pipeline?.getOptionalNumber('maxRemovalPercent') ??
    DEFAULT_MAX_REMOVAL_PERCENT;
  if (
    !Number.isFinite(maxRemovalPercent) ||
    maxRemovalPercent < 0 ||
    maxRemovalPercent > 100
  ) {
    throw new InputError(
      `nhi.pipeline.maxRemovalPercent must be a percentage from 0 to 100, got ${maxRemovalPercent}`,
    );
  }
  return { schedule, batchSize, declaringKinds, maxRemovalPercent };
}

/**
 * Reads `nhi.sources.file`: one entry per inventory file or URL.
 *
 * @public
 */
export function readFileSourceConfigs(config: Config): NhiFileSourceConfig[] {
  const files = config.getOptionalConfig('nhi.sources.file');
  if (!files) return [];
  return files.keys().map(id => {
    if (!SOURCE_ID.test(id)) {
      throw new InputError(
        `nhi.sources.file.${id}: a source id must be lower-case letters, digits and single dashes`,
      );
    }
    const c = files.getConfig(id);
    const target = c.getString('target').trim();
    if (!target) {
      throw new InputError(`nhi.sources.file.${id}.target must not be empty`);
    }
    const format = c.getOptionalString('format');
    if (format !== undefined && format !== 'yaml' && format !== 'json') {
      throw new InputError(
        `nhi.sources.file.${id}.format must be yaml or json, got ${format}`,
      );
    }
    return {
      id,
      target,
      format,
      schedule: c.has('schedule')
        ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
            c.getConfig('schedule'),
          )
        : undefined,
    };
  });
}

/**
 * One secret-scanner report (`nhi.leaks.<id>`).
 *
 * @public
 */
export interface NhiLeakReportConfig {
  id: string;
  target: string;
  format: 'gitleaks' | 'trufflehog';
}

/**
 * Reads `nhi.leaks`.
 *
 * @public
 */
export function readLeakReportConfigs(config: Config): NhiLeakReportConfig[] {
  const leaks = config.getOptionalConfig('nhi.leaks');
  if (!leaks) return [];
  return leaks.keys().map(id => {
    const c = leaks.getConfig(id);
    const format = c.getString('format');
    if (format !== 'gitleaks' && format !== 'trufflehog') {
      throw new InputError(
        `nhi.leaks.${id}.format must be gitleaks or trufflehog, got ${format}`,
      );
    }
    const target = c.getString('target').trim();
    if (!target)
      throw new InputError(`nhi.leaks.${id}.target must not be empty`);
    return { id, target, format };
  });
}
