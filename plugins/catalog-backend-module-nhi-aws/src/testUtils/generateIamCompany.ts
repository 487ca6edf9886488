import { DAY, seededRandom } from '@backstage-nhi/plugin-nhi-common';
import {
  IamCompanyModel,
  IamModelAccessKey,
  IamModelAccount,
  IamModelGroup,
  IamModelManagedPolicy,
  IamModelRole,
  IamModelUser,
  IamPolicyDocument,
} from './model';

/**
 * Options of {@link generateIamCompany}.
 *
 * @public
 */
export interface GenerateIamCompanyOptions {
  /** Number of accounts (the first is the management account). */
  accounts: number;
  /** IAM users and roles in total, spread over the accounts; service-linked roles and the root user come on top. */
  identities: number;
  /** Same seed, same company. Default 1. */
  seed?: number;
  /** "Now": ages and last uses are relative to it. Default 2026-11-28. */
  now?: Date | string;
  /** Team names for `team`/`owner` tags. */
  teams?: string[];
  /** People (e-mails or user names) AI agents act for (`on-behalf-of` tags). */
  people?: string[];
}

/** The default teams of the demo company. @public */
export const DEFAULT_IAM_TEAMS = [
  'payments',
  'shipping',
  'platform',
  'data',
  'web',
  'security',
  'ai-enablement',
];

/** Accounts outside the organization that some roles trust. */
export const THIRD_PARTY_ACCOUNTS = ['999988887777', '444455556666'];

/** Another company's organization that one role trusts every principal of. */
export const PARTNER_ORGANIZATION = 'o-partner0001';

/**
 * How teams are misspelled in owner tags, as people write them: `<team>-eng`
 * (one in nine tagged identities; an alias in config fixes it) and
 * `<team>-squad` (one in thirteen; left for the Sources card to show).
 *
 * @public
 */
export const OWNER_TAG_VARIANTS = { alias: '-eng', unresolved: '-squad' };

const REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'us-west-2'];
const SERVICES = ['s3', 'sts', 'dynamodb', 'sqs', 'lambda', 'ec2', 'ecr'];
const ENVIRONMENTS = ['production', 'staging', 'dev', 'sandbox'];
const WORDS = [
  'api',
  'worker',
  'sync',
  'export',
  'ingest',
  'backup',
  'deploy',
  'report',
  'etl',
  'billing',
  'search',
  'notifier',
];
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A unique, AWS-looking id: prefix + base-32 of a counter, padded to 20 characters. */
function awsId(prefix: string, n: number, length = 20): string {
  let s = '';
  let v = n;
  do {
    s = ID_CHARS[v % 32] + s;
    v = Math.floor(v / 32);
  } while (v > 0);
  return prefix + s.padStart(length - prefix.length, 'A');
}

const doc = (
  ...Statement: Array<Record<string, unknown>>
): IamPolicyDocument => ({
  Version: '2012-10-17',
  Statement,
});

/** Simplified AWS managed policies (their shape, not their full text). */
function awsManagedPolicies(partition: string): IamModelManagedPolicy[] {
  const p = (name: string, document: IamPolicyDocument, path = '/') => ({
    arn: `arn:${partition}:iam::aws:policy${path}${name}`,
    name,
    id: awsId('ANPA', name.length * 7919 + name.charCodeAt(0)),
    path,
    document,
    versionId: 'v1',
    createdAt: '2015-02-06T18:39:46Z',
  });
  return [
    p(
      'AdministratorAccess',
      doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
    ),
    p(
      'PowerUserAccess',
      doc(
        {
          Effect: 'Allow',
          NotAction: ['iam:*', 'organizations:*', 'account:*'],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: [
            'iam:CreateServiceLinkedRole',
            'iam:DeleteServiceLinkedRole',
            'iam:ListRoles',
            'organizations:DescribeOrganization',
            'account:ListRegions',
          ],
          Resource: '*',
        },
      ),
    ),
    p(
      'ReadOnlyAccess',
      doc({
        Effect: 'Allow',
        Action: [
          'ec2:Describe*',
          's3:Get*',
          's3:List*',
          'dynamodb:Describe*',
          'dynamodb:List*',
          'lambda:Get*',
          'lambda:List*',
          'iam:Get*',
          'iam:List*',
          'cloudwatch:Get*',
          'logs:Get*',
        ],
        Resource: '*',
      }),
    ),
    p(
      'AmazonS3ReadOnlyAccess',
      doc({ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }),
    ),
    p(
      'AWSLambdaBasicExecutionRole',
      doc({
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ],
        Resource: '*',
      }),
      '/service-role/',
    ),
  ];
}

/**
 * Generates a deterministic multi-account AWS estate of `identities` IAM
 * users (~40%) and roles (~60%) for tests and benchmarks:
 *
 * - users with 0–2 access keys of varied ages and last use (some never
 *   used, some inactive), some console passwords without MFA, a few
 *   signing certificates;
 * - roles trusted by AWS services, by other accounts of the organization
 *   and by third parties (with and without an external id), by GitHub OIDC
 *   (with and without a `sub` condition), a few by anyone;
 * - policies mostly scoped to team resources, some AdministratorAccess
 *   through the `admins` group, `s3:*`, PassRole + Lambda, `NotAction`, a
 *   `Deny` that cancels a PassRole path, conditions and boundaries;
 * - `team`/`owner` tags with the given team names on ~80%, a few agent
 *   provenance tags (`agent-id`, `on-behalf-of`, `reason`, `expires-at`);
 * - two service-linked roles per account and an active root access key in
 *   the second account;
 * - on top of `identities`, not drawn at random: every member account's
 *   `OrganizationAccountAccessRole` (trusting the management account), and
 *   in the second account a role older than AWS's 400-day last-use window
 *   without use, a role every principal of another organization may assume,
 *   an expired role an AI agent made for `people[0]`, and a user whose
 *   policy allows everything but billing (so all of IAM);
 * - owner tags misspelled as people do: one in nine `<team>-eng`, one in
 *   thirteen `<team>-squad` ({@link OWNER_TAG_VARIANTS}).
 *
 * Fast enough for 450,000 identities (policy documents are shared).
 *
 * @public
 */
export function generateIamCompany(
  options: GenerateIamCompanyOptions,
): IamCompanyModel {
  const seed = options.seed ?? 1;
  const now = new Date(options.now ?? '2026-11-28T00:00:00Z').getTime();
  const teams = options.teams?.length ? options.teams : DEFAULT_IAM_TEAMS;
  const people = options.people?.length
    ? options.people
    : ['alex.kim@acme.example', 'jane.doe@acme.example'];
  // Counts tagged identities for the owner-tag variants: deterministic, and
  // outside the random sequence, so that the rest of the company is as before.
  let tagged = 0;
  const partition = 'aws';
  const accountCount = Math.max(1, options.accounts);
  const accountIds = Array.from({ length: accountCount }, (_, i) =>
    String(100000000001 + i * 1111),
  );
  const aws = awsManagedPolicies(partition);
  const awsArn = (name: string) => aws.find(p => p.name === name)!.arn;
  let idCounter = seed * 1_000_003;
  const nextId = (prefix: string) => awsId(prefix, idCounter++);
  const iso = (t: number) =>
    new Date(Math.floor(t / 1000) * 1000).toISOString();

  const accounts: IamModelAccount[] = accountIds.map((accountId, index) => {
    const rnd = seededRandom(seed * 7919 + index * 104729 + 1);
    const pick = <T>(list: readonly T[]) =>
      list[Math.floor(rnd() * list.length)];
    const chance = (p: number) => rnd() < p;
    const daysAgo = (min: number, max: number) =>
      now -
      (min + Math.floor(rnd() * (max - min))) * DAY -
      Math.floor(rnd() * DAY);
    const env =
      index === 0 ? 'management' : ENVIRONMENTS[index % ENVIRONMENTS.length];
    const arn = (kind: string, name: string, path = '/') =>
      `arn:${partition}:iam::${accountId}:${kind}${path}${name}`;

    // Customer managed policies.
    const customer = (
      name: string,
      document: IamPolicyDocument,
    ): IamModelManagedPolicy => ({
      arn: arn('policy', name),
      name,
      id: nextId('ANPA'),
      document,
      versionId: 'v3',
      createdAt: iso(now - 900 * DAY),
    });
    const teamPolicies = new Map(
      teams.map(team => [
        team,
        customer(
          `${team}-app-access`,
          doc(
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
              Resource: [
                `arn:${partition}:s3:::acme-${team}-*`,
                `arn:${partition}:s3:::acme-${team}-*/*`,
              ],
            },
            {
              Effect: 'Allow',
              Action: [
                'dynamodb:GetItem',
                'dynamodb:PutItem',
                'dynamodb:Query',
              ],
              Resource: `arn:${partition}:dynamodb:*:${accountId}:table/${team}-*`,
            },
            {
              Effect: 'Allow',
              Action: [
                'sqs:SendMessage',
                'sqs:ReceiveMessage',
                'sqs:DeleteMessage',
              ],
              Resource: `arn:${partition}:sqs:*:${accountId}:${team}-*`,
            },
          ),
        ),
      ]),
    );
    const deployLambda = customer(
      'deploy-lambda',
      doc(
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
        {
          Effect: 'Allow',
          Action: [
            'lambda:CreateFunction',
            'lambda:InvokeFunction',
            'lambda:GetFunction',
          ],
          Resource: '*',
        },
      ),
    );
    const deployLambdaGuarded = customer(
      'deploy-lambda-guarded',
      doc(
        {
          Effect: 'Allow',
          Action: ['iam:PassRole', 'lambda:*'],
          Resource: '*',
        },
        { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' },
      ),
    );
    const s3Full = customer(
      's3-full',
      doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    );
    const regionLockedS3 = customer(
      'region-locked-s3',
      doc({
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      }),
    );
    const notIam = customer(
      'everything-but-iam',
      doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
    );
    const allButBilling = customer(
      'everything-but-billing',
      doc({
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
    );
    const secretsReader = customer(
      'secrets-reader',
      doc({
        Effect: 'Allow',
        Action: [
          'secretsmanager:GetSecretValue',
          'ssm:GetParameter',
          'kms:Decrypt',
        ],
        Resource: '*',
      }),
    );
    const selfKeys = customer(
      'rotate-own-keys',
      doc({
        Effect: 'Allow',
        Action: [
          'iam:CreateAccessKey',
          'iam:DeleteAccessKey',
          'iam:UpdateAccessKey',
        ],
        Resource: `arn:${partition}:iam::*:user/\${aws:username}`,
      }),
    );
    const iamHelper = customer(
      'iam-role-manager',
      doc({
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:GetRole'],
        Resource: '*',
      }),
    );
    const boundary = customer(
      'developer-boundary',
      doc({
        Effect: 'Allow',
        Action: ['s3:*', 'lambda:*', 'logs:*', 'dynamodb:*', 'sqs:*'],
        Resource: '*',
      }),
    );
    const policies = [
      ...teamPolicies.values(),
      deployLambda,
      deployLambdaGuarded,
      s3Full,
      regionLockedS3,
      notIam,
      allButBilling,
      secretsReader,
      selfKeys,
      iamHelper,
      boundary,
    ];

    const groups: IamModelGroup[] = [
      {
        name: 'admins',
        id: nextId('AGPA'),
        createdAt: iso(now - 1500 * DAY),
        attachedPolicies: [awsArn('AdministratorAccess')],
      },
      {
        name: 'developers',
        id: nextId('AGPA'),
        createdAt: iso(now - 1400 * DAY),
        attachedPolicies: [awsArn('ReadOnlyAccess')],
      },
      {
        name: 'ci',
        id: nextId('AGPA'),
        createdAt: iso(now - 1300 * DAY),
        attachedPolicies: [deployLambda.arn],
      },
      ...teams.map(team => ({
        name: `${team}-team`,
        id: nextId('AGPA'),
        createdAt: iso(now - 1200 * DAY),
        attachedPolicies: [teamPolicies.get(team)!.arn],
        inlinePolicies: [
          {
            name: 'team-queues',
            document: doc({
              Effect: 'Allow',
              Action: 'sqs:*',
              Resource: `arn:${partition}:sqs:*:${accountId}:${team}-*`,
            }),
          },
        ],
      })),
    ];

    // Trust documents, shared between roles.
    const serviceTrust = new Map(
      [
        'lambda.amazonaws.com',
        'ec2.amazonaws.com',
        'ecs-tasks.amazonaws.com',
      ].map(s => [
        s,
        doc({
          Effect: 'Allow',
          Principal: { Service: s },
          Action: 'sts:AssumeRole',
        }),
      ]),
    );
    const oidcProvider = `arn:${partition}:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;
    const githubTrust = (team: string | undefined) =>
      doc({
        Effect: 'Allow',
        Principal: { Federated: oidcProvider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: team
          ? {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              },
              StringLike: {
                'token.actions.githubusercontent.com:sub': `repo:acme/${team}-*:*`,
              },
            }
          : {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              },
            },
      });
    const accountTrust = (other: string, externalId?: string) =>
      doc({
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${other}:root` },
        Action: 'sts:AssumeRole',
        ...(externalId
          ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } }
          : {}),
      });
    const publicTrust = doc({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'sts:AssumeRole',
    });
    const orgOnlyTrust = doc({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-nhiexample1' } },
    });

    const tagsFor = (
      team: string,
      name: string,
    ): Record<string, string> | undefined => {
      const tags: Record<string, string> = {};
      const r = rnd();
      let ownerTag = team;
      if (r < 0.8) {
        tagged++;
        if (tagged % 9 === 4) ownerTag = `${team}${OWNER_TAG_VARIANTS.alias}`;
        else if (tagged % 13 === 6) {
          ownerTag = `${team}${OWNER_TAG_VARIANTS.unresolved}`;
        }
      }
      if (r < 0.6) tags.team = ownerTag;
      else if (r < 0.8) tags.owner = ownerTag;
      if (chance(0.5))
        tags.environment = env === 'management' ? 'production' : env;
      if (chance(0.1))
        tags['created-by'] = pick(['jane.doe', 'sam.lee', 'alex.kim']);
      if (chance(0.02)) {
        tags['agent-id'] = pick(['claude-code', 'devin-7', 'copilot-agent']);
        if (chance(0.8)) tags['on-behalf-of'] = pick(people);
        if (chance(0.8)) tags.reason = `provision ${name}`;
        if (chance(0.7))
          tags['expires-at'] = iso(now + (chance(0.5) ? -10 : 30) * DAY).slice(
            0,
            10,
          );
      }
      return Object.keys(tags).length ? tags : undefined;
    };

    const share =
      Math.floor(options.identities / accountCount) +
      (index < options.identities % accountCount ? 1 : 0);
    const users: IamModelUser[] = [];
    const roles: IamModelRole[] = [
      {
        name: 'AWSServiceRoleForSupport',
        id: nextId('AROA'),
        path: '/aws-service-role/support.amazonaws.com/',
        createdAt: iso(now - 2000 * DAY),
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { Service: 'support.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      },
      {
        name: 'AWSServiceRoleForTrustedAdvisor',
        id: nextId('AROA'),
        path: '/aws-service-role/trustedadvisor.amazonaws.com/',
        createdAt: iso(now - 2000 * DAY),
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { Service: 'trustedadvisor.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      },
    ];
    for (let i = 0; i < share; i++) {
      const team = pick(teams);
      const base = `${team}-${pick(WORDS)}-${i}`;
      if (rnd() < 0.4) {
        const createdAt = daysAgo(30, 2400);
        let keyCount = 0;
        if (!chance(0.2)) keyCount = chance(0.75) ? 1 : 2;
        const accessKeys: IamModelAccessKey[] = [];
        for (let k = 0; k < keyCount; k++) {
          const keyCreated = Math.max(createdAt, daysAgo(1, 1500)) + k * 1000;
          const used = chance(0.85);
          const usedAt = used
            ? keyCreated + Math.floor(rnd() * (now - keyCreated))
            : undefined;
          accessKeys.push({
            id: nextId('AKIA'),
            status: chance(0.1) ? 'Inactive' : 'Active',
            createdAt: iso(keyCreated),
            ...(usedAt
              ? {
                  lastUsed: {
                    at: iso(usedAt),
                    region: pick(REGIONS),
                    service: pick(SERVICES),
                  },
                }
              : {}),
          });
        }
        const groupsOf: string[] = [];
        if (chance(0.04)) groupsOf.push('admins');
        if (chance(0.3)) groupsOf.push(`${team}-team`);
        if (chance(0.1)) groupsOf.push('ci');
        if (chance(0.15)) groupsOf.push('developers');
        const attached: string[] = [];
        if (chance(0.08)) attached.push(s3Full.arn);
        if (chance(0.05)) attached.push(secretsReader.arn);
        if (chance(0.05)) attached.push(selfKeys.arn);
        if (chance(0.02)) attached.push(iamHelper.arn);
        if (chance(0.02)) attached.push(notIam.arn);
        const bounded = chance(0.03);
        if (bounded) attached.push(awsArn('AdministratorAccess'));
        const hasPassword = chance(0.12);
        const user: IamModelUser = {
          name: `svc-${base}`,
          id: nextId('AIDA'),
          createdAt: iso(createdAt),
          tags: tagsFor(team, `svc-${base}`),
          ...(groupsOf.length ? { groups: groupsOf } : {}),
          ...(attached.length ? { attachedPolicies: attached } : {}),
          ...(bounded ? { permissionsBoundary: boundary.arn } : {}),
          ...(chance(0.05)
            ? {
                inlinePolicies: [
                  {
                    name: 'read-team-bucket',
                    document: doc({
                      Effect: 'Allow',
                      Action: 's3:GetObject',
                      Resource: `arn:${partition}:s3:::acme-${team}-exports/*`,
                    }),
                  },
                ],
              }
            : {}),
          ...(accessKeys.length ? { accessKeys } : {}),
          ...(hasPassword
            ? {
                // not changed nor used before the user existed
                password: {
                  lastChanged: iso(Math.max(createdAt, daysAgo(10, 900))),
                  ...(chance(0.7)
                    ? { lastUsed: iso(Math.max(createdAt, daysAgo(0, 200))) }
                    : {}),
                },
                mfa: chance(0.4),
              }
            : {}),
          ...(chance(0.01)
            ? {
                signingCertificates: [
                  {
                    active: true,
                    createdAt: iso(Math.max(createdAt, daysAgo(100, 1500))),
                  },
                ],
              }
            : {}),
        };
        users.push(user);
      } else {
        const createdAt = daysAgo(1, 2000);
        const r = rnd();
        let trustPolicy: IamPolicyDocument;
        const attached: string[] = [];
        let name: string;
        if (r < 0.4) {
          trustPolicy = serviceTrust.get('lambda.amazonaws.com')!;
          attached.push(awsArn('AWSLambdaBasicExecutionRole'));
          name = `${base}-lambda`;
        } else if (r < 0.55) {
          trustPolicy = serviceTrust.get('ec2.amazonaws.com')!;
          name = `${base}-ec2`;
        } else if (r < 0.65) {
          trustPolicy = serviceTrust.get('ecs-tasks.amazonaws.com')!;
          name = `${base}-task`;
        } else if (r < 0.75) {
          const other = accountIds[(index + 1) % accountIds.length];
          trustPolicy = accountTrust(
            other,
            chance(0.5) ? `nhi-${team}` : undefined,
          );
          name = `${base}-cross-account`;
        } else if (r < 0.83) {
          trustPolicy = accountTrust(
            pick(THIRD_PARTY_ACCOUNTS),
            chance(0.6) ? `vendor-${team}` : undefined,
          );
          name = `${base}-vendor`;
        } else if (r < 0.95) {
          trustPolicy = githubTrust(chance(0.7) ? team : undefined);
          name = `${base}-github`;
        } else if (r < 0.96) {
          trustPolicy = publicTrust;
          name = `${base}-open`;
        } else {
          trustPolicy = orgOnlyTrust;
          name = `${base}-org`;
        }
        attached.push(teamPolicies.get(team)!.arn);
        const p = rnd();
        if (p < 0.03) attached.push(awsArn('AdministratorAccess'));
        else if (p < 0.08) attached.push(deployLambda.arn);
        else if (p < 0.11) attached.push(deployLambdaGuarded.arn);
        else if (p < 0.14) attached.push(awsArn('PowerUserAccess'));
        else if (p < 0.19) attached.push(s3Full.arn);
        else if (p < 0.22) attached.push(regionLockedS3.arn);
        else if (p < 0.25) attached.push(secretsReader.arn);
        else if (p < 0.27) attached.push(iamHelper.arn);
        else if (p < 0.35) attached.push(awsArn('AmazonS3ReadOnlyAccess'));
        const bounded = chance(0.03);
        if (bounded) attached.push(awsArn('AdministratorAccess'));
        roles.push({
          name,
          id: nextId('AROA'),
          createdAt: iso(createdAt),
          trustPolicy,
          tags: tagsFor(team, name),
          attachedPolicies: attached,
          ...(bounded ? { permissionsBoundary: boundary.arn } : {}),
          ...(chance(0.7)
            ? {
                lastUsed: {
                  at: iso(Math.max(createdAt, daysAgo(0, 400))),
                  region: pick(REGIONS),
                },
              }
            : {}),
        });
      }
    }
    // On top, one of each case a reviewer looks for, none drawn at random.
    const platform = teams.includes('platform') ? 'platform' : teams[0];
    if (index > 0) {
      // What AWS Organizations creates in every member account: trusts the
      // management account, which is no third party.
      roles.push({
        name: 'OrganizationAccountAccessRole',
        id: nextId('AROA'),
        createdAt: iso(now - 1500 * DAY),
        trustPolicy: accountTrust(accountIds[0]),
        tags: { team: platform },
        attachedPolicies: [awsArn('AdministratorAccess')],
        lastUsed: {
          at: iso(now - (3 + index) * DAY),
          region: 'us-east-1',
        },
      });
    }
    if (index === Math.min(1, accountCount - 1)) {
      const team = teams[index % teams.length];
      roles.push(
        {
          // Older than AWS's 400-day window, no use recorded in it.
          name: `${team}-legacy-reporting-ec2`,
          id: nextId('AROA'),
          createdAt: iso(now - 1100 * DAY),
          trustPolicy: serviceTrust.get('ec2.amazonaws.com')!,
          tags: { team },
          attachedPolicies: [teamPolicies.get(team)!.arn],
        },
        {
          // Every principal of another company's organization.
          name: `${team}-partner-analytics-reader`,
          id: nextId('AROA'),
          createdAt: iso(now - 300 * DAY),
          trustPolicy: doc({
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': PARTNER_ORGANIZATION },
            },
          }),
          tags: { team },
          attachedPolicies: [awsArn('AmazonS3ReadOnlyAccess')],
          lastUsed: { at: iso(now - 2 * DAY), region: 'eu-west-1' },
        },
        {
          // An AI agent made it for a person, past its expiry, no keys: it
          // can still be assumed.
          name: 'agent-load-test-runner',
          id: nextId('AROA'),
          createdAt: iso(now - 14 * DAY),
          trustPolicy: serviceTrust.get('lambda.amazonaws.com')!,
          tags: {
            'agent-id': 'claude-code',
            'on-behalf-of': people[0],
            reason: 'load test of the shipping API',
            'expires-at': iso(now - 7 * DAY).slice(0, 10),
          },
          attachedPolicies: [teamPolicies.get(team)!.arn],
        },
      );
      users.push({
        // Everything but billing is everything: IAM included.
        name: 'svc-finance-legacy-admin',
        id: nextId('AIDA'),
        createdAt: iso(now - 1300 * DAY),
        tags: { team: platform },
        attachedPolicies: [allButBilling.arn],
        accessKeys: [
          {
            id: nextId('AKIA'),
            status: 'Active',
            createdAt: iso(now - 60 * DAY),
            lastUsed: {
              at: iso(now - 1 * DAY),
              region: 'us-east-1',
              service: 'ce',
            },
          },
        ],
      });
    }
    return {
      id: accountId,
      name: index === 0 ? 'acme-management' : `acme-${env}-${index}`,
      email: `aws+${env}-${index}@acme.example`,
      users,
      roles,
      groups,
      policies,
      root: {
        createdAt: iso(now - 2500 * DAY),
        mfa: index !== 1,
        ...(index === Math.min(1, accountCount - 1)
          ? {
              accessKeys: [
                {
                  active: true,
                  createdAt: iso(now - 1800 * DAY),
                  lastUsed: {
                    at: iso(now - 20 * DAY),
                    region: 'us-east-1',
                    service: 's3',
                  },
                },
              ],
            }
          : {}),
      },
    };
  });

  return {
    organizationId: 'o-nhiexample1',
    managementAccountId: accountIds[0],
    partition,
    accounts,
    awsManagedPolicies: aws,
  };
}
