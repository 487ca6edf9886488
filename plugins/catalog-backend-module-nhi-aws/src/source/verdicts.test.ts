import { ConfigReader } from '@backstage/config';
import {
  DAY,
  evaluateNonHumanIdentity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readAwsSourceConfig } from '../config';
import {
  IamCompanyModel,
  IamModelAccount,
  IamModelRole,
  IamPolicyDocument,
  startIamEndpoint,
} from '../testUtils';
import { AwsIamSource } from './AwsIamSource';

// Each verdict a cloud security engineer would give, read from an
// organization of three accounts through the real AWS SDK over HTTP and
// evaluated by the rule catalog as the pipeline does.

jest.setTimeout(60_000);

const NOW = new Date('2026-12-06T00:00:00Z');
const ORG = 'o-lumenfreight';
const [MGMT, PROD, DATA] = ['100000000001', '100000000002', '100000000003'];
const VENDOR = '999988887777';
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();
const doc = (
  ...Statement: Array<Record<string, unknown>>
): IamPolicyDocument => ({
  Version: '2012-10-17',
  Statement,
});
const trusting = (
  Principal: unknown,
  Condition?: Record<string, unknown>,
): IamPolicyDocument =>
  doc({
    Effect: 'Allow',
    Principal,
    Action: 'sts:AssumeRole',
    ...(Condition ? { Condition } : {}),
  });
let n = 0;
const role = (
  name: string,
  trustPolicy: IamPolicyDocument,
  extra: Partial<IamModelRole> = {},
): IamModelRole => ({
  name,
  id: `AROAVERDICT${String(++n).padStart(9, '0')}`,
  createdAt: daysAgo(30),
  trustPolicy,
  lastUsed: { at: daysAgo(1), region: 'eu-west-1' },
  ...extra,
});
const account = (
  id: string,
  extra: Partial<IamModelAccount> = {},
): IamModelAccount => ({
  id,
  name: `lumen-${id.slice(-1)}`,
  users: [],
  roles: [],
  groups: [],
  policies: [],
  ...extra,
});
const billingPolicy = {
  arn: `arn:aws:iam::${PROD}:policy/everything-but-billing`,
  name: 'everything-but-billing',
  id: 'ANPAVERDICT000000001',
  createdAt: daysAgo(900),
  document: doc({
    Effect: 'Allow',
    NotAction: ['aws-portal:*', 'budgets:*', 'ce:*', 'cur:*'],
    Resource: '*',
  }),
};
const adminPolicy = {
  arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  name: 'AdministratorAccess',
  id: 'ANPAVERDICT000000002',
  createdAt: daysAgo(3000),
  document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
};

const model: IamCompanyModel = {
  organizationId: ORG,
  managementAccountId: MGMT,
  awsManagedPolicies: [adminPolicy],
  accounts: [
    account(MGMT),
    account(PROD, {
      policies: [billingPolicy],
      roles: [
        role(
          'OrganizationAccountAccessRole',
          trusting({ AWS: `arn:aws:iam::${MGMT}:root` }),
          { attachedPolicies: [adminPolicy.arn] },
        ),
        role('data-reader', trusting({ AWS: `arn:aws:iam::${DATA}:root` })),
        role('vendor-audit', trusting({ AWS: `arn:aws:iam::${VENDOR}:root` })),
        role(
          'org-wide-reader',
          trusting('*', { StringEquals: { 'aws:PrincipalOrgID': ORG } }),
        ),
        role(
          'partner-org-reader',
          trusting('*', {
            StringEquals: { 'aws:PrincipalOrgID': 'o-partner00001' },
          }),
        ),
        role('legacy-etl', trusting({ Service: 'ec2.amazonaws.com' }), {
          createdAt: daysAgo(900),
          lastUsed: undefined,
        }),
        role('agent-scratch', trusting({ Service: 'lambda.amazonaws.com' }), {
          createdAt: daysAgo(12),
          lastUsed: undefined,
          tags: {
            'agent-id': 'claude-code',
            'on-behalf-of': 'priya.raman@lumen.example',
            reason: 'load test',
            'expires-at': daysAgo(10).slice(0, 10),
          },
        }),
        role(
          'self-granting',
          trusting({ Service: 'ecs-tasks.amazonaws.com' }),
          {
            inlinePolicies: [
              {
                name: 'manage-own-policies',
                document: doc({
                  Effect: 'Allow',
                  Action: ['iam:AttachRolePolicy', 'iam:GetRole'],
                  Resource: `arn:aws:iam::${PROD}:role/self-granting`,
                }),
              },
            ],
          },
        ),
      ],
      users: [
        {
          name: 'svc-billing-export',
          id: 'AIDAVERDICT000000001',
          createdAt: daysAgo(700),
          attachedPolicies: [billingPolicy.arn],
          accessKeys: [
            {
              id: 'AKIAVERDICT000000001',
              status: 'Active',
              createdAt: daysAgo(20),
              lastUsed: { at: daysAgo(1), region: 'eu-west-1', service: 's3' },
            },
          ],
        },
        {
          name: 'svc-never-used',
          id: 'AIDAVERDICT000000002',
          createdAt: daysAgo(200),
          accessKeys: [
            {
              id: 'AKIAVERDICT000000002',
              status: 'Active',
              createdAt: daysAgo(200),
            },
          ],
        },
        {
          name: 'svc-no-credentials',
          id: 'AIDAVERDICT000000003',
          createdAt: daysAgo(500),
        },
      ],
    }),
    account(DATA),
  ],
};

let records: NhiIdentityRecord[];
let stop: () => Promise<void>;

beforeAll(async () => {
  const endpoint = await startIamEndpoint({ model });
  stop = () => endpoint.stop();
  const source = AwsIamSource.fromConfig(
    readAwsSourceConfig(
      new ConfigReader({
        endpoint: endpoint.url,
        credentialReport: { pollIntervalSeconds: 0 },
        organization: { accountRoleName: 'NhiReadOnly' },
      }),
      'verdicts',
    ),
    {
      credentials: async () => endpoint.credentials,
      retryBaseDelayMs: 2,
      now: () => NOW,
    },
  );
  const read = await readSource(source);
  if (read.invalid.length || read.summary.errors.length) {
    throw new Error(
      `the read failed: ${JSON.stringify([read.invalid, read.summary.errors])}`,
    );
  }
  records = read.records;
});

afterAll(() => stop());

const record = (name: string) => {
  const r = records.find(x => x.name === name);
  if (!r) throw new Error(`no record ${name}`);
  return r;
};
/** The open findings the rule catalog gives the record, rule id → evidence. */
const findings = (name: string) => {
  const {
    name: _n,
    tags: _t,
    links: _l,
    description: _d,
    scope: _s,
    owner: _o,
    ...spec
  } = record(name);
  const { findings: all } = evaluateNonHumanIdentity(
    {
      ...spec,
      owner: 'group:default/platform',
      ownership: { status: 'owned', provenance: 'tagged' },
    } as NonHumanIdentitySpec,
    { now: NOW },
  );
  return Object.fromEntries(all.map(f => [f.ruleId, f.evidence]));
};

describe('AWS verdicts through the real SDK', () => {
  it('NotAction all but billing: administrator (critical), with the reason', () => {
    const f = findings('svc-billing-export');
    expect(f['NHI-ADMIN']).toBe(
      'Administrator-equivalent: all of IAM (iam:*) on any resource, with everything except aws-portal:*, budgets:*, ce:*, cur:* via everything-but-billing',
    );
    expect(f['NHI-PRIVILEGE-ESCALATION']).toBeUndefined();
  });

  it('a role that can attach any policy to itself: administrator', () => {
    expect(findings('self-granting')['NHI-ADMIN']).toBe(
      'Administrator-equivalent: can attach any policy to itself (iam:AttachRolePolicy) via manage-own-policies (inline)',
    );
  });

  it('dormant: an old role without recorded use, a key never used, a user without credentials', () => {
    expect(record('legacy-etl').lastUsed).toEqual({ notWithinDays: 400 });
    expect(findings('legacy-etl')['NHI-DORMANT-IDENTITY']).toMatch(
      /^no use recorded in the 400 days its source tracks \(created /,
    );
    expect(findings('svc-never-used')['NHI-DORMANT-IDENTITY']).toMatch(
      /^never used since it was created /,
    );
    expect(findings('svc-no-credentials')['NHI-DORMANT-IDENTITY']).toMatch(
      /^no active credential: nothing can authenticate as it/,
    );
    // a role used yesterday is not
    expect(findings('data-reader')['NHI-DORMANT-IDENTITY']).toBeUndefined();
  });

  it('organization-aware trust: members are not third parties, outsiders are', () => {
    expect(record('OrganizationAccountAccessRole').permissions?.trust).toEqual({
      organizationAccounts: [MGMT],
    });
    expect(record('data-reader').permissions?.trust).toEqual({
      organizationAccounts: [DATA],
    });
    expect(
      findings('OrganizationAccountAccessRole')[
        'NHI-EXTERNAL-TRUST-NO-EXTERNAL-ID'
      ],
    ).toBeUndefined();
    expect(findings('vendor-audit')).toMatchObject({
      'NHI-EXTERNAL-TRUST-NO-EXTERNAL-ID': `trusted without external id: ${VENDOR}`,
      'NHI-THIRD-PARTY-TRUST': `trusted accounts: ${VENDOR}`,
    });
  });

  it('Principal "*" restricted by aws:PrincipalOrgID: any principal of that organization', () => {
    expect(record('org-wide-reader').permissions?.trust).toEqual({
      organizations: [ORG],
    });
    expect(findings('org-wide-reader')['NHI-PUBLIC-TRUST']).toBeUndefined();
    expect(record('partner-org-reader').permissions?.trust).toEqual({
      externalOrganizations: ['o-partner00001'],
    });
    expect(findings('partner-org-reader')['NHI-THIRD-PARTY-TRUST']).toBe(
      'any principal of organization o-partner00001',
    );
  });

  it('an expired agent-created role without keys is flagged: it can still be assumed', () => {
    const r = record('agent-scratch');
    expect(r.createdBy).toMatchObject({
      type: 'agent',
      agent: { id: 'claude-code', onBehalfOf: 'priya.raman@lumen.example' },
    });
    expect(findings('agent-scratch')['NHI-AGENT-CREATED-EXPIRED']).toMatch(
      /^expired \d{4}-\d\d-\d\d, created by claude-code; still assumable$/,
    );
  });
});
