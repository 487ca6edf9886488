import { Config } from '@backstage/config';
import { TechInsightJsonRuleCheck } from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
import {
  NHI_GROUP_THRESHOLDS,
  nhiChecksConfig,
  nhiGroupGradedChecks,
  NhiGroupThresholds,
} from '../checks/checks';

/**
 * The graded team checks as configured under `nhi.scorecards.groups`: their
 * thresholds (each defaulting to {@link NHI_GROUP_THRESHOLDS}), or none when
 * `enabled: false`. Throws, naming the key, on a threshold that is not a
 * percentage from 0 to 100.
 *
 * @public
 */
export function readNhiGroupThresholds(
  config: Config,
): NhiGroupThresholds | undefined {
  const groups = config.getOptionalConfig('nhi.scorecards.groups');
  if (groups?.getOptionalBoolean('enabled') === false) return undefined;
  const thresholds = { ...NHI_GROUP_THRESHOLDS };
  for (const key of Object.keys(thresholds) as Array<
    keyof NhiGroupThresholds
  >) {
    const value = groups?.getOptionalNumber(key);
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || value > 100) {
      throw new Error(
        `nhi.scorecards.groups.${key} must be a number from 0 to 100, got ${value}`,
      );
    }
    thresholds[key] = value;
  }
  return thresholds;
}

/**
 * `techInsights.factChecker.checks` with the graded team checks added:
 * those configured there stay as they are and win over a graded check of
 * the same id.
 *
 * @public
 */
export function withNhiGradedChecks(
  configured: Record<string, unknown>,
  thresholds: NhiGroupThresholds | undefined,
): Record<string, unknown> {
  if (!thresholds) return configured;
  const graded = nhiChecksConfig(
    nhiGroupGradedChecks(thresholds) as TechInsightJsonRuleCheck[],
  );
  return { ...graded, ...configured };
}
