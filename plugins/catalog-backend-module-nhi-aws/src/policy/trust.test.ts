import { analyzeTrustPolicy } from './trust';

const OWN = '111111111111';
const trust = (...statements: Record<string, unknown>[]) =>
  analyzeTrustPolicy({ Version: '2012-10-17', Statement: statements }, OWN);
const assume = (
  principal: unknown,
  extra: Record<string, unknown> = {},
  action = 'sts:AssumeRole',
) => ({ Effect: 'Allow', Principal: principal, Action: action, ...extra });

const GITHUB =
  'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';

describe('analyzeTrustPolicy', () => {
  it('lists AWS services', () => {
    expect(
      trust(assume({ Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] })),
    ).toEqual({ services: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] });
  });

  it('flags Principal "*" and {"AWS": "*"} without a restricting condition as public', () => {
    expect(trust(assume('*'))).toEqual({ public: true });
    expect(trust(assume({ AWS: '*' }))).toEqual({ public: true });
  });

  it('reads Principal "*" restricted to an organization as that organization, not public', () => {
    expect(
      trust(
        assume(
          { AWS: '*' },
          {
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' },
            },
          },
        ),
      ),
    ).toEqual({ organizations: ['o-abc123'] });
  });

  it('still flags Principal "*" when the condition does not restrict who (IfExists, negation, ExternalId)', () => {
    expect(
      trust(
        assume('*', {
          Condition: {
            StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123' },
          },
        }),
      ).public,
    ).toBe(true);
    expect(
      trust(
        assume('*', {
          Condition: { StringEquals: { 'sts:ExternalId': 'shared' } },
        }),
      ).public,
    ).toBe(true);
  });

  it('separates external accounts with and without an external id', () => {
    expect(
      trust(
        assume(
          { AWS: 'arn:aws:iam::222222222222:root' },
          { Condition: { StringEquals: { 'sts:ExternalId': 'vendor-x-42' } } },
        ),
        assume({
          AWS: ['333333333333', 'arn:aws:iam::111111111111:role/ci'],
        }),
      ),
    ).toEqual({
      externalAccounts: ['222222222222', '333333333333'],
      externalAccountsWithoutExternalId: ['333333333333'],
    });
  });

  it('reads GitHub OIDC trust without a sub condition as unrestricted', () => {
    expect(
      trust(
        assume(
          { Federated: GITHUB },
          {
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              },
            },
          },
          'sts:AssumeRoleWithWebIdentity',
        ),
      ),
    ).toEqual({
      oidc: [
        {
          provider: 'token.actions.githubusercontent.com',
          subjectRestricted: false,
        },
      ],
    });
  });

  it('reads GitHub OIDC trust with a sub condition as restricted, but not a wildcard-only sub', () => {
    const withSub = (sub: string) =>
      trust(
        assume(
          { Federated: GITHUB },
          {
            Condition: {
              StringLike: {
                'token.actions.githubusercontent.com:sub': sub,
              },
            },
          },
          'sts:AssumeRoleWithWebIdentity',
        ),
      ).oidc;
    expect(withSub('repo:acme/*')).toEqual([
      {
        provider: 'token.actions.githubusercontent.com',
        subjectRestricted: true,
      },
    ]);
    expect(withSub('*')![0].subjectRestricted).toBe(false);
    expect(withSub('repo:*')![0].subjectRestricted).toBe(false);
  });

  it('ignores Deny statements, other actions and SAML', () => {
    expect(
      trust(
        { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' },
        assume('*', {}, 'sts:TagSession'),
        assume(
          { Federated: 'arn:aws:iam::111111111111:saml-provider/Okta' },
          {},
          'sts:AssumeRoleWithSAML',
        ),
      ),
    ).toEqual({});
  });

  describe('in an organization', () => {
    const ORG = {
      id: 'o-ourorg1234',
      accounts: new Set([OWN, '222222222222', '333333333333']),
    };
    const orgTrust = (...statements: Record<string, unknown>[]) =>
      analyzeTrustPolicy(
        { Version: '2012-10-17', Statement: statements },
        OWN,
        ORG,
      );

    it('takes sibling accounts for the organization, not third parties (OrganizationAccountAccessRole)', () => {
      expect(
        orgTrust(assume({ AWS: 'arn:aws:iam::222222222222:root' })),
      ).toEqual({ organizationAccounts: ['222222222222'] });
    });

    it('keeps accounts outside the organization external, and flags them without an external id', () => {
      expect(
        orgTrust(
          assume({ AWS: ['333333333333', '999988887777'] }),
          assume(
            { AWS: 'arn:aws:iam::444455556666:root' },
            { Condition: { StringEquals: { 'sts:ExternalId': 'vendor-42' } } },
          ),
        ),
      ).toEqual({
        organizationAccounts: ['333333333333'],
        externalAccounts: ['444455556666', '999988887777'],
        externalAccountsWithoutExternalId: ['999988887777'],
      });
    });

    it('reads aws:PrincipalOrgID, aws:PrincipalOrgPaths and aws:SourceOrgID as "any principal of" that organization', () => {
      expect(
        orgTrust(
          assume('*', {
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': 'o-ourorg1234' },
            },
          }),
          assume(
            { AWS: '*' },
            {
              Condition: {
                'ForAnyValue:StringLike': {
                  'aws:PrincipalOrgPaths':
                    'o-ourorg1234/r-ab12/ou-ab12-11111111/*',
                },
              },
            },
          ),
        ),
      ).toEqual({
        organizations: [
          'o-ourorg1234',
          'o-ourorg1234/r-ab12/ou-ab12-11111111/*',
        ],
      });
    });

    it('names trust into another organization', () => {
      expect(
        orgTrust(
          assume('*', {
            Condition: {
              StringEquals: { 'aws:SourceOrgID': 'o-vendor9876' },
            },
          }),
        ),
      ).toEqual({ externalOrganizations: ['o-vendor9876'] });
    });

    it('reads Principal "*" restricted to named accounts as those accounts', () => {
      expect(
        orgTrust(
          assume('*', {
            Condition: {
              StringEquals: {
                'aws:PrincipalAccount': ['222222222222', '777777777777'],
              },
            },
          }),
        ),
      ).toEqual({
        organizationAccounts: ['222222222222'],
        externalAccounts: ['777777777777'],
        externalAccountsWithoutExternalId: ['777777777777'],
      });
    });
  });
});
