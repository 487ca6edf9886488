import { ConfigReader } from '@backstage/config';
import { NHI_GROUP_THRESHOLDS } from '../checks/checks';
import { readNhiGroupThresholds, withNhiGradedChecks } from './thresholds';

const groups = (g: Record<string, number | boolean | string>) =>
  new ConfigReader({ nhi: { scorecards: { groups: g } } });

describe('readNhiGroupThresholds', () => {
  it('defaults every threshold, and takes the configured ones', () => {
    expect(readNhiGroupThresholds(new ConfigReader({}))).toEqual(
      NHI_GROUP_THRESHOLDS,
    );
    expect(readNhiGroupThresholds(groups({ dormantShare: 25 }))).toEqual({
      ...NHI_GROUP_THRESHOLDS,
      dormantShare: 25,
    });
  });

  it('is off with enabled: false', () => {
    expect(readNhiGroupThresholds(groups({ enabled: false }))).toBeUndefined();
  });

  it('names the key of a threshold that is not a percentage', () => {
    expect(() =>
      readNhiGroupThresholds(groups({ ownershipCoverage: 120 })),
    ).toThrow(
      'nhi.scorecards.groups.ownershipCoverage must be a number from 0 to 100, got 120',
    );
    expect(() =>
      readNhiGroupThresholds(groups({ criticalPer100: 'x' })),
    ).toThrow(/criticalPer100/);
  });
});

describe('withNhiGradedChecks', () => {
  it('adds the graded checks, a configured check of the same id winning', () => {
    const mine = { type: 'json-rules-engine', name: 'mine' };
    const checks = withNhiGradedChecks(
      { 'nhi-group-dormant-share': mine, other: mine },
      { ...NHI_GROUP_THRESHOLDS, ownershipCoverage: 75 },
    );
    expect(Object.keys(checks).sort()).toEqual([
      'nhi-group-credentials-within-policy',
      'nhi-group-critical-per-100',
      'nhi-group-dormant-share',
      'nhi-group-ownership-coverage',
      'other',
    ]);
    expect(checks['nhi-group-dormant-share']).toBe(mine);
    expect(JSON.stringify(checks['nhi-group-ownership-coverage'])).toContain(
      '"value":75',
    );
  });

  it('adds nothing when the graded checks are off', () => {
    expect(withNhiGradedChecks({}, undefined)).toEqual({});
  });
});
