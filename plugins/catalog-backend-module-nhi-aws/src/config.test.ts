import { ConfigReader, JsonObject } from '@backstage/config';
import { AWS_SOURCE_DEFAULTS, readAwsSourceConfigs } from './config';

const read = (aws: JsonObject) =>
  readAwsSourceConfigs(new ConfigReader({ nhi: { sources: { aws } } }));

describe('readAwsSourceConfigs', () => {
  it('reads nothing when no AWS source is configured', () => {
    expect(readAwsSourceConfigs(new ConfigReader({}))).toEqual([]);
  });

  it('applies the defaults to a single account', () => {
    expect(
      read({ production: { accounts: [{ accountId: '123456789012' }] } }),
    ).toEqual([
      {
        id: 'production',
        accounts: [
          {
            accountId: '123456789012',
            roleArn: undefined,
            externalId: undefined,
            region: undefined,
          },
        ],
        organization: undefined,
        organizationAccounts: [],
        organizationId: undefined,
        region: 'us-east-1',
        endpoint: undefined,
        includeServiceLinkedRoles: false,
        ownerTagKeys: ['owner', 'team'],
        environmentTagKeys: ['environment', 'env'],
        createdByTagKey: 'created-by',
        agentTagKeys: AWS_SOURCE_DEFAULTS.agentTagKeys,
        concurrency: 4,
        maxAttempts: 8,
        pageSize: 1000,
        reportPollIntervalMs: 2000,
        reportTimeoutMs: 300_000,
        schedule: undefined,
      },
    ]);
  });

  it('reads an organization, accounts and every setting', () => {
    const [c] = read({
      org: {
        accounts: [
          {
            accountId: '111111111111',
            roleArn: 'arn:aws-us-gov:iam::111111111111:role/NhiReadOnly',
            externalId: 'backstage-nhi',
            region: 'us-gov-west-1',
          },
        ],
        organization: {
          roleArn: 'arn:aws:iam::222222222222:role/OrgReader',
          accountRoleName: 'NhiReadOnly',
          externalId: 'org-secret-id',
          exclude: ['333333333333'],
        },
        organizationId: 'o-abcdef123456',
        organizationAccounts: ['444444444444', 555555555555],
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:4566',
        includeServiceLinkedRoles: true,
        ownerTagKeys: ['Owner'],
        environmentTagKeys: ['stage'],
        createdByTagKey: 'creator',
        agentTagKeys: { agentId: 'ai-agent' },
        concurrency: 8,
        maxAttempts: 3,
        pageSize: 100,
        credentialReport: { pollIntervalSeconds: 0, timeoutSeconds: 30 },
        schedule: { frequency: { hours: 1 }, timeout: { minutes: 50 } },
      },
    });
    expect(c).toMatchObject({
      id: 'org',
      accounts: [
        {
          accountId: '111111111111',
          roleArn: 'arn:aws-us-gov:iam::111111111111:role/NhiReadOnly',
          externalId: 'backstage-nhi',
          region: 'us-gov-west-1',
        },
      ],
      organization: {
        roleArn: 'arn:aws:iam::222222222222:role/OrgReader',
        accountRoleName: 'NhiReadOnly',
        externalId: 'org-secret-id',
        exclude: ['333333333333'],
      },
      organizationId: 'o-abcdef123456',
      organizationAccounts: ['444444444444', '555555555555'],
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      includeServiceLinkedRoles: true,
      ownerTagKeys: ['Owner'],
      environmentTagKeys: ['stage'],
      createdByTagKey: 'creator',
      agentTagKeys: {
        ...AWS_SOURCE_DEFAULTS.agentTagKeys,
        agentId: 'ai-agent',
      },
      concurrency: 8,
      maxAttempts: 3,
      pageSize: 100,
      reportPollIntervalMs: 0,
      reportTimeoutMs: 30_000,
      schedule: { frequency: { hours: 1 }, timeout: { minutes: 50 } },
    });
  });

  it('accepts an account id YAML read as a number when it still has 12 digits', () => {
    expect(
      read({ a: { accounts: [{ accountId: 123456789012 }] } })[0].accounts[0]
        .accountId,
    ).toBe('123456789012');
  });

  it.each([
    [
      'an account id with a lost leading zero',
      { accounts: [{ accountId: 12345678901 }] },
      'nhi.sources.aws.prod.accounts[0].accountId must be a 12-digit AWS account id (quote it in YAML), got 12345678901',
    ],
    [
      'a role of another account',
      {
        accounts: [
          {
            accountId: '111111111111',
            roleArn: 'arn:aws:iam::222222222222:role/NhiReadOnly',
          },
        ],
      },
      'nhi.sources.aws.prod.accounts[0].roleArn is a role of account 222222222222, not of 111111111111',
    ],
    [
      'a user ARN as role',
      {
        accounts: [
          {
            accountId: '111111111111',
            roleArn: 'arn:aws:iam::111111111111:user/me',
          },
        ],
      },
      'nhi.sources.aws.prod.accounts[0].roleArn must be an IAM role ARN',
    ],
    [
      'nothing to read',
      { region: 'us-east-1' },
      'nhi.sources.aws.prod needs accounts, an organization, or both: nothing to read',
    ],
    [
      'an account listed twice',
      {
        accounts: [
          { accountId: '111111111111' },
          { accountId: '111111111111' },
        ],
      },
      'nhi.sources.aws.prod.accounts[1]: account 111111111111 is listed twice',
    ],
    [
      'a role ARN as organization role name',
      {
        organization: {
          accountRoleName: 'arn:aws:iam::111111111111:role/NhiReadOnly',
        },
      },
      'nhi.sources.aws.prod.organization.accountRoleName must be an IAM role name (not an ARN)',
    ],
    [
      'a bad excluded account',
      { organization: { accountRoleName: 'R', exclude: ['12'] } },
      'nhi.sources.aws.prod.organization.exclude[0] must be a 12-digit AWS account id, got "12"',
    ],
    [
      'a bad organization id',
      { accounts: [{ accountId: '111111111111' }], organizationId: 'org-1' },
      'nhi.sources.aws.prod.organizationId must be an AWS Organizations id (o- and 10 to 32 lower-case letters or digits), got "org-1"',
    ],
    [
      'a bad organization account',
      {
        accounts: [{ accountId: '111111111111' }],
        organizationAccounts: ['111111111111', 'nope'],
      },
      'nhi.sources.aws.prod.organizationAccounts[1] must be a 12-digit AWS account id, got "nope"',
    ],
    [
      'a bad region',
      { accounts: [{ accountId: '111111111111' }], region: 'moon' },
      'nhi.sources.aws.prod.region must be an AWS region, got "moon"',
    ],
    [
      'a bad endpoint',
      { accounts: [{ accountId: '111111111111' }], endpoint: 'ftp://x' },
      'nhi.sources.aws.prod.endpoint must be an http(s) URL, got "ftp://x"',
    ],
    [
      'no concurrency',
      { accounts: [{ accountId: '111111111111' }], concurrency: 0 },
      'nhi.sources.aws.prod.concurrency must be a whole number from 1 to 64, got 0',
    ],
    [
      'a page larger than IAM allows',
      { accounts: [{ accountId: '111111111111' }], pageSize: 5000 },
      'nhi.sources.aws.prod.pageSize must be a whole number from 1 to 1000, got 5000',
    ],
    [
      'a bad tag key',
      { accounts: [{ accountId: '111111111111' }], ownerTagKeys: ['a|b'] },
      'nhi.sources.aws.prod.ownerTagKeys[0] is not a valid AWS tag key: "a|b"',
    ],
  ])('rejects %s, naming the key', (_, value, message) => {
    expect(() => read({ prod: value })).toThrow(message);
  });

  it('rejects a source id that cannot name an entity annotation', () => {
    expect(() =>
      read({ MyProd: { accounts: [{ accountId: '111111111111' }] } }),
    ).toThrow('nhi.sources.aws.MyProd: a source id must be lower-case');
  });

  it('reads the actions block with its own role and the agent-identity defaults', () => {
    const [source] = read({
      prod: {
        accounts: [{ accountId: '111111111111' }],
        actions: {
          roleName: 'NhiActions',
          agentIdentity: {
            trustPrincipal: 'bedrock.amazonaws.com',
            defaultAccount: '111111111111',
          },
        },
      },
    });
    expect(source.actions).toEqual({
      roleName: 'NhiActions',
      externalId: undefined,
      agentIdentity: {
        trustPrincipal: 'bedrock.amazonaws.com',
        defaultAccount: '111111111111',
        path: '/nhi-agents/',
        permissionsBoundary: undefined,
      },
    });
    expect(
      read({ prod: { accounts: [{ accountId: '111111111111' }] } })[0].actions,
    ).toBeUndefined();
  });

  it.each([
    [
      { roleName: 'arn:aws:iam::111111111111:role/NhiActions' },
      'nhi.sources.aws.prod.actions.roleName must be an IAM role name (not an ARN)',
    ],
    [
      { roleName: 'NhiActions', agentIdentity: { trustPrincipal: 'anyone' } },
      'nhi.sources.aws.prod.actions.agentIdentity.trustPrincipal must be an IAM role, user or account ARN, or an AWS service',
    ],
    [
      { roleName: 'NhiActions', agentIdentity: { path: 'agents' } },
      'nhi.sources.aws.prod.actions.agentIdentity.path must be an IAM path',
    ],
  ])('rejects a bad actions block %j, naming the key', (actions, message) => {
    expect(() =>
      read({ prod: { accounts: [{ accountId: '111111111111' }], actions } }),
    ).toThrow(message);
  });
});
