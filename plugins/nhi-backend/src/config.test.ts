import { ConfigReader } from '@backstage/config';
import { readNhiCampaignsConfig, readNhiClaimsConfig } from './config';

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

describe('readNhiCampaignsConfig', () => {
  it('defaults to the security group, weekly reminders, 3 days before due, escalation after 3 overdue days and day 0, 7 and 21 notices', () => {
    expect(readNhiCampaignsConfig(new ConfigReader({}))).toEqual({
      fallbackGroup: 'group:default/security',
      reminderEveryDays: 7,
      dueSoonDays: 3,
      escalateToFallbackAfterDays: 3,
      checkEveryMinutes: 15,
      maxItems: 500_000,
      unownedNotifyDays: [0, 7, 21],
      unownedCheckEveryMinutes: 60,
    });
  });

  it('reads every key, and names the key of a bad value', () => {
    expect(
      readNhiCampaignsConfig(
        new ConfigReader({
          nhi: {
            campaigns: {
              fallbackGroup: 'iam-office',
              reminders: { everyDays: 2, dueSoonDays: 0 },
              escalation: { fallbackAfterDays: 1 },
              checkEveryMinutes: 5,
              maxItems: 1000,
            },
            unowned: { notifyDays: [21, 0, 14], checkEveryMinutes: 30 },
          },
        }),
      ),
    ).toEqual({
      fallbackGroup: 'group:default/iam-office',
      reminderEveryDays: 2,
      dueSoonDays: 0,
      escalateToFallbackAfterDays: 1,
      checkEveryMinutes: 5,
      maxItems: 1000,
      unownedNotifyDays: [0, 14, 21],
      unownedCheckEveryMinutes: 30,
    });
    expect(() =>
      readNhiCampaignsConfig(
        new ConfigReader({ nhi: { campaigns: { fallbackGroup: 'user:x' } } }),
      ),
    ).toThrow(
      'nhi.campaigns.fallbackGroup must be a Group, got user:default/x',
    );
    expect(() =>
      readNhiCampaignsConfig(
        new ConfigReader({ nhi: { unowned: { notifyDays: [0, 'x'] } } }),
      ),
    ).toThrow('nhi.unowned.notifyDays[1] must be a whole number');
    expect(() =>
      readNhiCampaignsConfig(
        new ConfigReader({ nhi: { campaigns: { checkEveryMinutes: 0 } } }),
      ),
    ).toThrow(
      'nhi.campaigns.checkEveryMinutes must be a whole number, at least 1',
    );
  });
});
