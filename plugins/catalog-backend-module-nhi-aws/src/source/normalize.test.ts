import {
  NhiIdentityRecord,
  validateNhiRecord,
} from '@backstage-nhi/plugin-nhi-node';
import { AWS_SOURCE_DEFAULTS } from '../config';
import { PolicyAnalyzer } from '../policy/PolicyAnalyzer';
import { CredentialReportRow } from './credentialReport';
import {
  NormalizeOptions,
  parsePolicyDocument,
  toIdentityRecords,
} from './normalize';
import { partitionOfRegion } from './partition';
import { IamAccountSnapshot } from './readAccount';

jest.setTimeout(30_000);

const ACCOUNT = '111111111111';
const enc = (d: unknown) => encodeURIComponent(JSON.stringify(d));
const adminDoc = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
const options = (extra: Partial<NormalizeOptions> = {}): NormalizeOptions => ({
  accountId: ACCOUNT,
  partition: partitionOfRegion('us-east-1'),
  region: 'us-east-1',
  includeServiceLinkedRoles: false,
  ownerTagKeys: [...AWS_SOURCE_DEFAULTS.ownerTagKeys],
  environmentTagKeys: [...AWS_SOURCE_DEFAULTS.environmentTagKeys],
  createdByTagKey: AWS_SOURCE_DEFAULTS.createdByTagKey,
  agentTagKeys: AWS_SOURCE_DEFAULTS.agentTagKeys,
  now: new Date('2026-11-28T00:00:00Z'),
  ...extra,
});
const reportRow = (
  user: string,
  extra: Partial<CredentialReportRow> = {},
): CredentialReportRow => ({
  user,
  arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
  passwordEnabled: false,
  passwordNeverUsed: false,
  mfaActive: false,
  keys: [],
  certificates: [],
  ...extra,
});

function snapshot(extra: Partial<IamAccountSnapshot> = {}): IamAccountSnapshot {
  return {
    users: [],
    roles: [],
    groups: [],
    policies: [
      {
        PolicyName: 'AdministratorAccess',
        Arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        DefaultVersionId: 'v1',
        PolicyVersionList: [
          { VersionId: 'v1', IsDefaultVersion: true, Document: enc(adminDoc) },
        ],
      },
    ],
    report: new Map(),
    accessKeys: new Map(),
    ...extra,
  };
}

async function records(
  s: IamAccountSnapshot,
  o: NormalizeOptions = options(),
): Promise<NhiIdentityRecord[]> {
  const out: NhiIdentityRecord[] = [];
  for await (const r of toIdentityRecords(s, o, new PolicyAnalyzer())) {
    expect([r.externalId, validateNhiRecord(r)]).toEqual([
      r.externalId,
      undefined,
    ]);
    out.push(r);
  }
  return out;
}

describe('toIdentityRecords', () => {
  it('turns a user into an identity with its keys, password and last use, never a secret', async () => {
    const [user] = await records(
      snapshot({
        users: [
          {
            UserName: 'ci-deployer',
            Arn: `arn:aws:iam::${ACCOUNT}:user/ci-deployer`,
            CreateDate: new Date('2023-04-02T09:12:00Z'),
            GroupList: ['admins'],
            Tags: [
              { Key: 'Team', Value: 'payments' },
              { Key: 'owner', Value: 'platform' },
              { Key: 'environment', Value: 'production, staging' },
            ],
          },
        ],
        groups: [
          {
            GroupName: 'admins',
            AttachedManagedPolicies: [
              {
                PolicyName: 'AdministratorAccess',
                PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
              },
            ],
          },
        ],
        report: new Map([
          [
            'ci-deployer',
            reportRow('ci-deployer', {
              passwordEnabled: true,
              passwordLastUsed: '2026-11-25T08:00:00.000Z',
              passwordLastChanged: '2024-01-01T00:00:00.000Z',
              mfaActive: false,
              keys: [
                {
                  slot: 1,
                  active: true,
                  lastRotated: '2023-04-02T09:12:00.000Z',
                  lastUsed: {
                    at: '2026-11-20T08:00:00.000Z',
                    region: 'eu-west-1',
                    service: 's3',
                  },
                },
                {
                  slot: 2,
                  active: false,
                  lastRotated: '2026-10-01T10:00:00.000Z',
                },
              ],
            }),
          ],
        ]),
        accessKeys: new Map([
          [
            'ci-deployer',
            [
              {
                AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
                Status: 'Active',
                CreateDate: new Date('2023-04-02T09:12:00Z'),
              },
              {
                AccessKeyId: 'AKIAI44QH8DHBEXAMPLE',
                Status: 'Inactive',
                CreateDate: new Date('2026-10-01T10:00:00Z'),
              },
            ],
          ],
        ]),
      }),
    );
    expect(user).toEqual({
      externalId: `arn:aws:iam::${ACCOUNT}:user/ci-deployer`,
      name: 'ci-deployer',
      type: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      account: ACCOUNT,
      scope: ACCOUNT,
      tags: ['aws', 'iam-user'],
      // "owner" is the first configured key present.
      owner: { value: 'platform', via: 'tag:owner' },
      environments: ['production', 'staging'],
      createdBy: { type: 'unknown', at: '2023-04-02T09:12:00.000Z' },
      lastUsed: { at: '2026-11-25T08:00:00.000Z' },
      interactiveLogin: true,
      mfa: false,
      credentials: [
        {
          id: 'AKIAIOSFODNN7EXAMPLE',
          kind: 'access-key',
          status: 'active',
          createdAt: '2023-04-02T09:12:00.000Z',
          lastRotatedAt: '2023-04-02T09:12:00.000Z',
          lastUsed: {
            at: '2026-11-20T08:00:00.000Z',
            service: 's3',
            region: 'eu-west-1',
          },
        },
        {
          id: 'AKIAI44QH8DHBEXAMPLE',
          kind: 'access-key',
          status: 'inactive',
          createdAt: '2026-10-01T10:00:00.000Z',
          lastRotatedAt: '2026-10-01T10:00:00.000Z',
          lastUsed: { never: true },
        },
        {
          id: 'console-password',
          kind: 'password',
          status: 'active',
          createdAt: '2024-01-01T00:00:00.000Z',
          lastRotatedAt: '2024-01-01T00:00:00.000Z',
          lastUsed: { at: '2026-11-25T08:00:00.000Z' },
        },
      ],
      permissions: {
        admin: true,
        serviceWildcards: ['*'],
        summary: 'Administrator via AdministratorAccess (group admins)',
      },
      links: [
        {
          url: 'https://console.aws.amazon.com/iam/home#/users/ci-deployer',
          title: 'AWS console',
        },
      ],
    });
    expect(JSON.stringify(user)).not.toMatch(/secret/i);
  });

  it('reads agent provenance, a creator tag, and drops an expiry that is not a date', async () => {
    const out = await records(
      snapshot({
        roles: [
          {
            RoleName: 'agent-made',
            Arn: `arn:aws:iam::${ACCOUNT}:role/agent-made`,
            CreateDate: new Date('2026-11-01T00:00:00Z'),
            AssumeRolePolicyDocument: enc({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'lambda.amazonaws.com' },
                  Action: 'sts:AssumeRole',
                },
              ],
            }),
            Tags: [
              { Key: 'agent-id', Value: 'claude-code' },
              { Key: 'on-behalf-of', Value: 'alex.kim@acme.example' },
              { Key: 'reason', Value: 'bootstrap the data pipeline' },
              { Key: 'expires-at', Value: '2026-12-01' },
            ],
          },
          {
            RoleName: 'hand-made',
            Arn: `arn:aws:iam::${ACCOUNT}:role/hand-made`,
            CreateDate: new Date('2020-01-01T00:00:00Z'),
            AssumeRolePolicyDocument: enc({
              Version: '2012-10-17',
              Statement: [],
            }),
            Tags: [
              { Key: 'created-by', Value: 'jane.doe' },
              { Key: 'agent-id', Value: '' },
            ],
          },
          {
            RoleName: 'bad-expiry',
            Arn: `arn:aws:iam::${ACCOUNT}:role/bad-expiry`,
            CreateDate: new Date('2026-01-01T00:00:00Z'),
            AssumeRolePolicyDocument: enc({
              Version: '2012-10-17',
              Statement: [],
            }),
            Tags: [
              { Key: 'agent-id', Value: 'devin' },
              { Key: 'expires-at', Value: 'next friday' },
            ],
          },
        ],
      }),
    );
    expect(out.map(r => r.createdBy)).toEqual([
      {
        type: 'agent',
        at: '2026-11-01T00:00:00.000Z',
        agent: {
          id: 'claude-code',
          onBehalfOf: 'alex.kim@acme.example',
          reason: 'bootstrap the data pipeline',
          expiresAt: '2026-12-01',
        },
      },
      { type: 'person', name: 'jane.doe', at: '2020-01-01T00:00:00.000Z' },
      { type: 'agent', at: '2026-01-01T00:00:00.000Z', agent: { id: 'devin' } },
    ]);
    expect(out[0].permissions?.trust).toEqual({
      services: ['lambda.amazonaws.com'],
    });
    // Created in the 400-day window without a recorded use: never used.
    expect(out[0].lastUsed).toEqual({ never: true });
    // Older than the window, no use in it: unused for at least 400 days,
    // not "never".
    expect(out[1].lastUsed).toEqual({ notWithinDays: 400 });
  });

  it('skips service-linked roles unless asked', async () => {
    const s = snapshot({
      roles: [
        {
          RoleName: 'AWSServiceRoleForSupport',
          Path: '/aws-service-role/support.amazonaws.com/',
          Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
          CreateDate: new Date('2020-01-01T00:00:00Z'),
          AssumeRolePolicyDocument: enc({
            Version: '2012-10-17',
            Statement: [],
          }),
        },
      ],
    });
    expect(await records(s)).toEqual([]);
    expect(
      (await records(s, options({ includeServiceLinkedRoles: true }))).map(
        r => r.name,
      ),
    ).toEqual(['AWSServiceRoleForSupport']);
  });

  it('emits the root user only when it has an active access key', async () => {
    const root = (active: boolean) =>
      snapshot({
        report: new Map([
          [
            '<root_account>',
            reportRow('<root_account>', {
              arn: `arn:aws:iam::${ACCOUNT}:root`,
              passwordEnabled: undefined,
              mfaActive: true,
              keys: [
                {
                  slot: 1,
                  active,
                  lastRotated: '2021-01-01T00:00:00.000Z',
                },
              ],
            }),
          ],
        ]),
      });
    expect(await records(root(false))).toEqual([]);
    const [r] = await records(root(true));
    expect(r).toMatchObject({
      externalId: `arn:aws:iam::${ACCOUNT}:root`,
      name: 'root',
      type: 'iam-user',
      tags: ['aws', 'root'],
      mfa: true,
      credentials: [
        {
          id: 'root-access-key-1',
          kind: 'access-key',
          status: 'active',
          lastUsed: { never: true },
        },
      ],
      permissions: { admin: true },
    });
  });

  it('uses the partition of the region for links', async () => {
    const [r] = await records(
      snapshot({
        users: [
          {
            UserName: 'gov',
            Arn: `arn:aws-us-gov:iam::${ACCOUNT}:user/gov`,
            CreateDate: new Date('2020-01-01T00:00:00Z'),
          },
        ],
      }),
      options({
        partition: partitionOfRegion('us-gov-west-1'),
        region: 'us-gov-west-1',
      }),
    );
    expect(r.links).toEqual([
      {
        url: 'https://console.amazonaws-us-gov.com/iam/home#/users/gov',
        title: 'AWS console',
      },
    ]);
  });

  it('says when a policy could not be read rather than under-reporting silently', async () => {
    const [r] = await records(
      snapshot({
        roles: [
          {
            RoleName: 'orphan',
            Arn: `arn:aws:iam::${ACCOUNT}:role/orphan`,
            CreateDate: new Date('2020-01-01T00:00:00Z'),
            AssumeRolePolicyDocument: '%7Bnot json',
            AttachedManagedPolicies: [
              {
                PolicyName: 'Missing',
                PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/Missing`,
              },
            ],
          },
        ],
      }),
    );
    expect(r.permissions?.summary).toBe(
      'No permissions policies; not analysed: Missing could not be read; trust policy not readable',
    );
  });
});

describe('parsePolicyDocument', () => {
  it('reads URL-encoded documents as GetAccountAuthorizationDetails returns them, and plain JSON', () => {
    expect(parsePolicyDocument(enc(adminDoc))).toEqual(adminDoc);
    expect(parsePolicyDocument(JSON.stringify(adminDoc))).toEqual(adminDoc);
  });
});
