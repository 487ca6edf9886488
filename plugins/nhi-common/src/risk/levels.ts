import { NhiRiskLevel, NhiSeverity } from '../kind/types';

/**
 * The severities of a finding, worst first: the order findings are listed
 * and an identity's level is taken in.
 *
 * @public
 */
export const NHI_SEVERITIES: readonly NhiSeverity[] = [
  'critical',
  'high',
  'medium',
  'low',
];

/**
 * The risk levels of an identity, worst first: its worst open finding's
 * severity, or `none`. The order the UI lists and charts them in.
 *
 * @public
 */
export const NHI_RISK_LEVELS: readonly NhiRiskLevel[] = [
  ...NHI_SEVERITIES,
  'none',
];
