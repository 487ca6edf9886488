import { ConfigReader } from '@backstage/config';
import { readNhiClaimsConfig } from './config';

const read = (claims: object) =>
  readNhiClaimsConfig(new ConfigReader({ nhi: { claims } }));

describe('readNhiClaimsConfig', () => {
  it('defaults to teams only, 90 days for high and critical findings, 365 for the others, and no leaked credential accepted', () => {
    expect(readNhiClaimsConfig(new ConfigReader({}))).toEqual({
      reviewerGroups: [],
      groupLeadsReview: true,
      allowSelfApproval: false,
      requireMembership: true,
      maxExceptionDays: 365,
      maxHighRiskExceptionDays: 90,
      acceptLeakedCredentials: false,
      claimGroupTypes: ['team'],
      excludedClaimGroups: [],
    });
  });

  it('reads every key, with refs completed', () => {
    expect(
      read({
        reviewers: { groups: ['security'], groupLeads: false },
        maxExceptionDays: 180,
        maxHighRiskExceptionDays: 30,
        acceptLeakedCredentials: true,
        groups: { types: ['Team', 'squad'], exclude: ['guests'] },
      }),
    ).toMatchObject({
      reviewerGroups: ['group:default/security'],
      groupLeadsReview: false,
      maxExceptionDays: 180,
      maxHighRiskExceptionDays: 30,
      acceptLeakedCredentials: true,
      claimGroupTypes: ['team', 'squad'],
      excludedClaimGroups: ['group:default/guests'],
    });
  });

  it('keeps the high-risk limit within a shorter general one', () => {
    expect(read({ maxExceptionDays: 30 }).maxHighRiskExceptionDays).toBe(30);
  });

  it.each<[object, string]>([
    [
      { maxHighRiskExceptionDays: 0 },
      'nhi.claims.maxHighRiskExceptionDays must be a whole number of days, at least 1, got 0',
    ],
    [
      { maxExceptionDays: 30, maxHighRiskExceptionDays: 60 },
      'nhi.claims.maxHighRiskExceptionDays (60) must not be longer than nhi.claims.maxExceptionDays (30)',
    ],
    [
      { groups: { types: [] } },
      'nhi.claims.groups.types must name at least one group type, e.g. [team]',
    ],
    [
      { groups: { exclude: ['group:'] } },
      'nhi.claims.groups.exclude[0] is not an entity ref: group:',
    ],
  ])('refuses %j', (claims, message) => {
    expect(() => read(claims)).toThrow(message);
  });
});
