import { NonHumanIdentityEntity, NonHumanIdentitySpec } from '../kind/types';
import {
  applyNhiEvaluation,
  evaluateNonHumanIdentity,
  nhiFindings,
  nhiRiskScore,
  nhiRuleIds,
} from './evaluate';
import {
  DEFAULT_NHI_EVALUATION_POLICY,
  readNhiEvaluationPolicy,
} from './policy';
import { NHI_RULES, OWASP_NHI_TOP_10 } from './rules';
import { ConfigReader } from '@backstage/config';
import { DAY } from '../time';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * DAY).toISOString();
const inDays = (d: number) => new Date(NOW + d * DAY).toISOString();

/** An identity with nothing wrong with it. */
function clean(): NonHumanIdentitySpec {
  return {
    type: 'api-key',
    category: 'api-key',
    provider: 'datadog',
    account: 'lumen',
    externalId: 'datadog:api-key:1',
    owner: 'group:default/payments',
    ownership: { status: 'owned', provenance: 'tagged', taggedBy: 'tag:team' },
    usedBy: ['component:default/payments-api'],
    environments: ['production'],
    createdBy: { type: 'person', ref: 'user:default/jade' },
    lastUsed: { at: daysAgo(1) },
    credentials: [
      {
        id: 'key-1',
        kind: 'api-key',
        status: 'active',
        createdAt: daysAgo(30),
        expiresAt: inDays(60),
        lastUsed: { at: daysAgo(1) },
      },
    ],
  };
}

const evaluate = (spec: NonHumanIdentitySpec, options = {}) =>
  evaluateNonHumanIdentity(spec, { now: NOW, ...options });

type Case = [
  ruleId: string,
  fire: (s: NonHumanIdentitySpec) => void,
  evidence: RegExp,
  noFire: (s: NonHumanIdentitySpec) => void,
  options?: object,
];

const key = (s: NonHumanIdentitySpec) => s.credentials![0];
const awsUser = (s: NonHumanIdentitySpec) => {
  s.type = 'iam-user';
  s.category = 'service-account';
  s.provider = 'aws';
  s.externalId = 'arn:aws:iam::111111111111:user/ci';
  s.credentials = [
    {
      id: 'AKIAONE',
      kind: 'access-key',
      status: 'active',
      createdAt: daysAgo(20),
      lastUsed: { at: daysAgo(1) },
    },
  ];
};
const azureApp = (s: NonHumanIdentitySpec) => {
  s.type = 'azure-service-principal';
  s.category = 'service-account';
  s.provider = 'azure';
  s.externalId = 'azure:5a0b7c3e-2f61-4d8a-9b1c-7e4f2a6d8c10:app-1';
  key(s).kind = 'client-secret';
};
const agent = (s: NonHumanIdentitySpec) => {
  s.type = 'autonomous-agent';
  s.category = 'ai-agent';
  s.agent = {
    onBehalfOf: 'user:default/amir',
    expiresAt: inDays(5),
    reason: 'ops',
  };
  s.credentials = [
    {
      id: 'tok',
      kind: 'token',
      status: 'active',
      createdAt: daysAgo(0.5),
      expiresAt: inDays(0.5),
    },
  ];
};

const gcpAccount = (s: NonHumanIdentitySpec) => {
  s.type = 'cloud-service-account';
  s.category = 'service-account';
  s.provider = 'gcp';
  s.account = 'payments-prod';
  s.externalId = 'payments-api@payments-prod.iam.gserviceaccount.com';
  s.credentials = [
    {
      id: '3f2a9c0d1e4b5a6c7d8e9f001122334455667788',
      kind: 'access-key',
      status: 'active',
      createdAt: daysAgo(20),
      lastUsed: { at: daysAgo(1) },
    },
  ];
};

const k8sAccount = (s: NonHumanIdentitySpec, name = 'payments-api-sa') => {
  s.type = 'kubernetes-service-account';
  s.category = 'service-account';
  s.provider = 'kubernetes';
  s.account = 'prod';
  s.externalId = `k8s:prod:payments:${name}`;
  s.credentials = [];
  s.permissions = { admin: false, summary: 'No RBAC grants' };
};
const legacyToken = (s: NonHumanIdentitySpec) => {
  s.credentials = [
    {
      id: 'payments/payments-api-token',
      kind: 'token',
      status: 'active',
      createdAt: daysAgo(20),
      lastUsed: { at: daysAgo(1) },
    },
  ];
  s.federation = [
    {
      kind: 'workload-identity',
      target: 'arn:aws:iam::100000001112:role/payments-api-irsa',
    },
  ];
};

const githubDeployKey = (s: NonHumanIdentitySpec, write = true) => {
  s.type = 'deploy-key';
  s.category = 'machine-certificate';
  s.provider = 'github';
  s.account = 'lumen';
  s.externalId = 'github.com/lumen/deploy-keys/900001';
  s.permissions = { scopes: [write ? 'contents:write' : 'contents:read'] };
  s.credentials = [
    {
      id: 'SHA256:Gr2ojkEl9HawwzeVV9wZRt0HwkLGUKyqIyWVSqMYJV0',
      kind: 'ssh-key',
      status: 'active',
      createdAt: daysAgo(400),
      lastUsed: { at: daysAgo(200) },
    },
  ];
};
const githubSecret = (s: NonHumanIdentitySpec, name: string) => {
  s.type = 'ci-secret';
  s.provider = 'github';
  s.account = 'lumen';
  s.externalId = `github.com/lumen/actions/secrets/${name}`;
  key(s).id = `lumen/actions/secrets/${name}`;
  delete key(s).expiresAt;
};

const cases: Case[] = [
  [
    'NHI-K8S-DEFAULT-SA-BOUND',
    s => {
      k8sAccount(s, 'default');
      s.permissions!.scopes = ['ClusterRole/edit in payments'];
    },
    /^default account of namespace payments holds ClusterRole\/edit in payments$/,
    s => {
      k8sAccount(s, 'payments-api-sa');
      s.permissions!.scopes = ['ClusterRole/edit in payments'];
    },
  ],
  [
    'NHI-K8S-TOKEN-BESIDE-FEDERATION',
    s => {
      k8sAccount(s);
      legacyToken(s);
    },
    /^federated to arn:aws:iam::100000001112:role\/payments-api-irsa; legacy token payments\/payments-api-token still active$/,
    s => {
      k8sAccount(s);
      legacyToken(s);
      key(s).status = 'inactive';
    },
  ],
  [
    'NHI-NO-OWNER',
    s => {
      delete s.owner;
      s.ownership = {
        status: 'unowned',
        provenance: 'none',
        suggestedOwners: ['group:default/data'],
      };
    },
    /^no owner; suggested: group:default\/data$/,
    () => {},
  ],
  [
    'NHI-UNOWNED-PAST-GRACE',
    s => {
      delete s.owner;
      s.ownership = { status: 'unowned', provenance: 'none' };
    },
    /^unowned since 2026-10-28, past the 30-day grace period \(ended 2026-11-27\): listed for deactivation$/,
    // unowned, but nobody knows since when (no record of the claims backend)
    s => {
      delete s.owner;
      s.ownership = { status: 'unowned', provenance: 'none' };
    },
    { unownedSince: daysAgo(31) },
  ],
  [
    'NHI-UNKNOWN-OWNER',
    s => {
      s.ownership.unresolvedOwner = 'legacy-team';
    },
    /"legacy-team" is not a Group or User/,
    () => {},
  ],
  [
    'NHI-DORMANT-IDENTITY',
    s => {
      s.lastUsed = { at: daysAgo(120) };
      key(s).lastUsed = { at: daysAgo(120) };
    },
    /last used \d{4}-\d\d-\d\d \(dormant after 90 days\)/,
    s => {
      s.lastUsed = { at: daysAgo(89) };
      key(s).lastUsed = { at: daysAgo(89) };
    },
  ],
  [
    'NHI-DORMANT-CREDENTIAL',
    s => {
      s.credentials!.push({
        id: 'key-old',
        kind: 'api-key',
        status: 'active',
        createdAt: daysAgo(50),
        expiresAt: inDays(30),
        lastUsed: { at: daysAgo(95) },
      });
    },
    /^key-old \(last used/,
    s => {
      s.credentials!.push({
        id: 'key-off',
        kind: 'api-key',
        status: 'inactive',
        lastUsed: { at: daysAgo(300) },
      });
    },
  ],
  [
    'NHI-NEVER-USED-CREDENTIAL',
    s => {
      key(s).lastUsed = { never: true };
      key(s).createdAt = daysAgo(45);
    },
    /^key-1 \(created/,
    s => {
      key(s).lastUsed = { never: true };
      key(s).createdAt = daysAgo(10);
    },
  ],
  [
    'NHI-LEAKED-CREDENTIAL',
    () => {},
    /^key-1 found by gitleaks in lumen\/app config\/prod.env:12 commit 0123456789ab \(https:\/\/git.example\/c\/0123\)$/,
    () => {},
    {
      leaksOf: (id: string) =>
        id === 'key-1'
          ? [
              {
                scanner: 'gitleaks',
                repository: 'lumen/app',
                file: 'config/prod.env',
                line: 12,
                commit: '0123456789abcdef',
                link: 'https://git.example/c/0123',
              },
            ]
          : undefined,
    },
  ],
  [
    'NHI-SECRET-IN-METADATA',
    s => {
      s.redactedSecrets = [
        { field: 'description', kind: 'GitHub token' },
        { field: 'description', kind: 'private key' },
        { field: 'tags', kind: 'Slack token' },
      ];
    },
    /^redacted at ingest: GitHub token, private key in description, Slack token in tags$/,
    s => {
      s.redactedSecrets = [];
    },
  ],
  [
    'NHI-PUBLIC-TRUST',
    s => {
      s.permissions = { trust: { public: true } };
    },
    /Principal "\*"/,
    s => {
      s.permissions = { trust: { services: ['lambda.amazonaws.com'] } };
    },
  ],
  [
    'NHI-EXTERNAL-TRUST-NO-EXTERNAL-ID',
    s => {
      s.permissions = {
        trust: {
          externalAccounts: ['222222222222'],
          externalAccountsWithoutExternalId: ['222222222222'],
        },
      };
    },
    /without external id: 222222222222/,
    s => {
      s.permissions = {
        trust: {
          externalAccounts: ['222222222222'],
          externalAccountsWithoutExternalId: [],
        },
      };
    },
  ],
  [
    'NHI-THIRD-PARTY-TRUST',
    s => {
      s.permissions = { trust: { externalAccounts: ['333333333333'] } };
    },
    /trusted accounts: 333333333333/,
    s => {
      s.permissions = { trust: { externalAccounts: [] } };
    },
  ],
  [
    'NHI-PASSWORD-AUTH',
    s => {
      s.credentials!.push({
        id: 'console',
        kind: 'password',
        status: 'active',
        createdAt: daysAgo(10),
      });
    },
    /active password: console/,
    s => {
      s.credentials!.push({
        id: 'console',
        kind: 'password',
        status: 'inactive',
      });
    },
  ],
  [
    'NHI-SIGNING-CERTIFICATE',
    s => {
      s.credentials!.push({
        id: 'sig-1',
        kind: 'signing-certificate',
        status: 'active',
        createdAt: daysAgo(10),
      });
    },
    /sig-1/,
    s => {
      s.credentials!.push({
        id: 'sig-1',
        kind: 'signing-certificate',
        status: 'revoked',
      });
    },
  ],
  [
    'NHI-ADMIN',
    s => {
      s.permissions = {
        admin: true,
        summary: 'AdministratorAccess via group admins',
      };
    },
    /AdministratorAccess via group admins/,
    s => {
      s.permissions = { admin: false };
    },
  ],
  [
    'NHI-PRIVILEGE-ESCALATION',
    s => {
      s.permissions = {
        escalation: [
          'iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction',
        ],
      };
    },
    /iam:PassRole\+lambda:CreateFunction/,
    s => {
      s.permissions = { escalation: [] };
    },
  ],
  [
    'NHI-SERVICE-WILDCARD',
    s => {
      s.permissions = { serviceWildcards: ['s3:*'] };
    },
    /wildcards: s3:\*/,
    s => {
      s.permissions = { serviceWildcards: [] };
    },
  ],
  [
    'NHI-DATA-EXFILTRATION',
    s => {
      s.permissions = { dataExfiltration: ['s3:GetObject on *'] };
    },
    /s3:GetObject/,
    s => {
      s.permissions = {};
    },
  ],
  [
    'NHI-ROOT-ACCESS-KEY',
    s => {
      awsUser(s);
      s.externalId = 'arn:aws:iam::111111111111:root';
    },
    /root access key: AKIAONE/,
    s => {
      awsUser(s);
      s.externalId = 'arn:aws:iam::111111111111:root';
      key(s).status = 'inactive';
    },
  ],
  [
    'NHI-AGENT-CREATED-ADMIN',
    s => {
      s.createdBy = {
        type: 'agent',
        agent: {
          id: 'ops-agent',
          reason: 'initial setup',
          onBehalfOf: 'user:default/chen',
          expiresAt: inDays(3),
        },
      };
      s.permissions = { admin: true };
    },
    /created by agent ops-agent \(“initial setup”\) with administrator access/,
    s => {
      s.createdBy = { type: 'person', ref: 'user:default/chen' };
      s.permissions = { admin: true };
    },
  ],
  [
    'NHI-OIDC-NO-SUBJECT',
    s => {
      s.permissions = {
        trust: {
          oidc: [
            {
              provider: 'token.actions.githubusercontent.com',
              subjectRestricted: false,
            },
          ],
        },
      };
    },
    /unrestricted OIDC: token.actions.githubusercontent.com/,
    s => {
      s.permissions = {
        trust: {
          oidc: [
            {
              provider: 'token.actions.githubusercontent.com',
              subjectRestricted: true,
            },
          ],
        },
      };
    },
  ],
  [
    'NHI-STATIC-CI-CREDENTIAL',
    s => {
      awsUser(s);
      s.usedBy = ['component:default/ci-runner'];
    },
    /CI\/CD uses static access-key AKIAONE/,
    s => {
      awsUser(s);
      s.usedBy = ['component:default/payments-api'];
    },
  ],
  [
    'NHI-CREDENTIAL-NOT-ROTATED',
    s => {
      key(s).createdAt = daysAgo(400);
      key(s).lastRotatedAt = daysAgo(120);
      delete key(s).expiresAt;
    },
    /key-1 overdue \(policy api-key:90d, due \d{4}-\d\d-\d\d\)/,
    s => {
      key(s).createdAt = daysAgo(400);
      key(s).lastRotatedAt = daysAgo(30);
    },
  ],
  [
    'NHI-NO-EXPIRY',
    s => {
      delete key(s).expiresAt;
    },
    /no expiry: key-1/,
    s => {
      key(s).expiresAt = inDays(10);
    },
  ],
  [
    'NHI-CERTIFICATE-EXPIRING',
    s => {
      s.type = 'tls-certificate';
      s.category = 'machine-certificate';
      s.credentials = [
        {
          id: 'cert',
          kind: 'certificate',
          status: 'active',
          createdAt: daysAgo(300),
          expiresAt: inDays(20),
        },
      ];
    },
    /cert expires \d{4}-\d\d-\d\d/,
    s => {
      s.type = 'tls-certificate';
      s.category = 'machine-certificate';
      s.credentials = [
        {
          id: 'cert',
          kind: 'certificate',
          status: 'active',
          createdAt: daysAgo(300),
          expiresAt: inDays(40),
        },
      ];
    },
  ],
  [
    'NHI-TWO-ACTIVE-KEYS',
    s => {
      awsUser(s);
      s.credentials!.push({
        id: 'AKIATWO',
        kind: 'access-key',
        status: 'active',
        createdAt: daysAgo(2),
        lastUsed: { at: daysAgo(1) },
      });
    },
    /active keys: AKIAONE, AKIATWO/,
    s => {
      awsUser(s);
      s.credentials!.push({
        id: 'AKIATWO',
        kind: 'access-key',
        status: 'inactive',
        createdAt: daysAgo(2),
      });
    },
  ],
  [
    'NHI-CROSS-ENVIRONMENT',
    s => {
      s.environments = ['production', 'staging'];
    },
    /environments: production, staging/,
    s => {
      s.environments = ['staging', 'development'];
    },
  ],
  [
    'NHI-SHARED-IDENTITY',
    s => {
      s.usedBy = ['component:default/a', 'component:default/b'];
    },
    /used by 2: component:default\/a, component:default\/b/,
    s => {
      s.usedBy = ['component:default/a'];
    },
  ],
  [
    'NHI-INTERACTIVE-LOGIN',
    s => {
      s.interactiveLogin = true;
      s.mfa = false;
    },
    /console access without MFA/,
    s => {
      s.interactiveLogin = false;
    },
  ],
  [
    'NHI-PERSONAL-TOKEN',
    s => {
      s.type = 'personal-access-token';
    },
    /personal token of user:default\/jade/,
    s => {
      s.type = 'integration-token';
    },
  ],
  [
    'NHI-AGENT-NO-EXPIRY',
    s => {
      agent(s);
      delete s.agent!.expiresAt;
    },
    /no expiry on the agent identity/,
    agent,
  ],
  [
    'NHI-AGENT-EXPIRED',
    s => {
      agent(s);
      s.agent!.expiresAt = daysAgo(3);
    },
    /expired \d{4}-\d\d-\d\d; 1 active credential/,
    s => {
      agent(s);
      s.agent!.expiresAt = daysAgo(3);
      key(s).status = 'revoked';
    },
  ],
  [
    'NHI-AGENT-NO-HUMAN',
    s => {
      agent(s);
      delete s.agent!.onBehalfOf;
    },
    /no on-behalf-of human recorded/,
    agent,
  ],
  [
    'NHI-AGENT-CREATED-UNTAGGED',
    s => {
      s.createdBy = {
        type: 'agent',
        agent: { id: 'ops-agent', onBehalfOf: 'user:default/chen' },
      };
    },
    /missing: reason, expiry/,
    s => {
      s.createdBy = {
        type: 'agent',
        agent: {
          id: 'ops-agent',
          onBehalfOf: 'user:default/chen',
          reason: 'setup',
          expiresAt: inDays(3),
        },
      };
    },
  ],
  [
    'NHI-AGENT-CREATED-EXPIRED',
    s => {
      s.createdBy = {
        type: 'agent',
        agent: {
          id: 'ops-agent',
          onBehalfOf: 'user:default/chen',
          reason: 'setup',
          expiresAt: daysAgo(10),
        },
      };
    },
    /expired \d{4}-\d\d-\d\d, created by ops-agent/,
    s => {
      s.createdBy = {
        type: 'agent',
        agent: {
          id: 'ops-agent',
          onBehalfOf: 'user:default/chen',
          reason: 'setup',
          expiresAt: inDays(10),
        },
      };
    },
  ],
  // Microsoft Entra ID (sourceRules/azure.ts)
  [
    'NHI-AZURE-SECRET-LIFETIME',
    s => {
      azureApp(s);
      key(s).createdAt = daysAgo(20);
      key(s).expiresAt = '2299-12-31T00:00:00.000Z';
    },
    /^[\w-]+ valid until 2299-12-31$/,
    s => {
      azureApp(s);
      key(s).createdAt = daysAgo(20);
      key(s).expiresAt = inDays(700);
    },
  ],
  [
    'NHI-AZURE-SECRET-BESIDE-FEDERATION',
    s => {
      azureApp(s);
      s.federation = [
        {
          kind: 'federated-credential',
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'repo:lumen/payments-api:environment:production',
        },
      ];
    },
    /federated credential for repo:lumen\/payments-api:environment:production; still holds client-secret key-1/,
    s => {
      azureApp(s);
      s.federation = [
        {
          kind: 'federated-credential',
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'repo:lumen/payments-api:environment:production',
        },
      ];
      key(s).status = 'expired';
    },
  ],
  [
    'NHI-AZURE-THIRD-PARTY-PRIVILEGED',
    s => {
      azureApp(s);
      s.permissions = {
        dataExfiltration: ['Microsoft Graph Mail.Read (every mailbox)'],
        trust: { externalAccounts: ['9c3d1e7a-4b2f-4e6a-8d5c-1f0a2b3c4d5e'] },
      };
    },
    /application of tenant 9c3d1e7a-4b2f-4e6a-8d5c-1f0a2b3c4d5e with Microsoft Graph Mail.Read/,
    s => {
      azureApp(s);
      s.permissions = {
        summary: 'Microsoft Graph application permissions: User.Read.All',
        trust: { externalAccounts: ['9c3d1e7a-4b2f-4e6a-8d5c-1f0a2b3c4d5e'] },
      };
    },
  ],
  // GitHub (sourceRules/github.ts)
  [
    'NHI-GITHUB-DORMANT-WRITE-DEPLOY-KEY',
    s => githubDeployKey(s),
    /^write key SHA256:Gr2ojk\S+ last used \d{4}-\d\d-\d\d \(dormant after 90 days\)$/,
    s => githubDeployKey(s, false),
  ],
  [
    'NHI-GITHUB-THIRD-PARTY-APP-WRITES-EVERYWHERE',
    s => {
      s.type = 'github-app-installation';
      s.category = 'bot';
      s.provider = 'github';
      s.credentials = [];
      s.permissions = {
        serviceWildcards: ['contents:write on all repositories'],
        trust: { externalOrganizations: ['mend'] },
      };
    },
    /^owned by mend; contents:write on all repositories$/,
    s => {
      s.type = 'github-app-installation';
      s.category = 'bot';
      s.provider = 'github';
      s.credentials = [];
      s.permissions = {
        serviceWildcards: ['contents:write on all repositories'],
      };
    },
  ],
  [
    'NHI-GITHUB-TOKEN-LIFETIME-BEYOND-POLICY',
    s => {
      s.type = 'personal-access-token';
      s.provider = 'github';
      key(s).kind = 'token';
      key(s).createdAt = daysAgo(10);
      key(s).expiresAt = inDays(356);
    },
    /^key-1 expires \d{4}-\d\d-\d\d, 366 days after it was granted \(policy token:90d\)$/,
    s => {
      s.type = 'personal-access-token';
      s.provider = 'github';
      key(s).kind = 'token';
      key(s).createdAt = daysAgo(10);
      key(s).expiresAt = inDays(60);
    },
  ],
  [
    'NHI-GITHUB-SECRET-FOR-EVERY-REPOSITORY',
    s => {
      githubSecret(s, 'NPM_TOKEN');
      s.permissions = { trust: { organizations: ['lumen'] } };
    },
    /^every repository of lumen can read it$/,
    s => {
      githubSecret(s, 'NPM_TOKEN');
      s.usedBy = ['component:default/payments-api'];
    },
  ],
  [
    'NHI-GITHUB-CLOUD-KEY-IN-ACTIONS',
    s => {
      githubSecret(s, 'AWS_ACCESS_KEY_ID');
      key(s).kind = 'access-key';
    },
    /^stores AWS_ACCESS_KEY_ID; use OIDC instead$/,
    s => {
      githubSecret(s, 'DOCKERHUB_USERNAME');
      key(s).kind = 'access-key';
    },
  ],
  // Google Cloud (sourceRules/gcp.ts)
  [
    'NHI-GCP-KEY-BESIDE-FEDERATION',
    s => {
      gcpAccount(s);
      s.federation = [
        {
          kind: 'workload-identity',
          issuer: 'payments-prod.svc.id.goog',
          subject: 'system:serviceaccount:payments:payments-api',
        },
      ];
    },
    /^federated through system:serviceaccount:payments:payments-api; still holds key 3f2a/,
    s => {
      gcpAccount(s);
      s.federation = [
        {
          kind: 'workload-identity',
          issuer: 'payments-prod.svc.id.goog',
          subject: 'system:serviceaccount:payments:payments-api',
        },
      ];
      key(s).status = 'inactive';
    },
  ],
  [
    'NHI-GCP-WIF-ANY-IDENTITY',
    s => {
      gcpAccount(s);
      s.federation = [
        {
          kind: 'federated-credential',
          issuer:
            '//iam.googleapis.com/projects/7/locations/global/workloadIdentityPools/github',
        },
      ];
    },
    /^any identity of pool github$/,
    s => {
      gcpAccount(s);
      s.federation = [
        {
          kind: 'federated-credential',
          issuer:
            '//iam.googleapis.com/projects/7/locations/global/workloadIdentityPools/github',
          subject: 'attribute.repository/lumen/payments-api',
        },
      ];
    },
  ],
];

describe('the rule catalog', () => {
  it('has at least 20 rules covering all ten OWASP NHI risks', () => {
    expect(NHI_RULES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(NHI_RULES.map(r => r.owasp))).toEqual(
      new Set(Object.keys(OWASP_NHI_TOP_10)),
    );
    expect(new Set(NHI_RULES.map(r => r.id)).size).toBe(NHI_RULES.length);
  });

  it('has a firing and a non-firing case for every rule', () => {
    expect(cases.map(c => c[0]).sort()).toEqual(
      NHI_RULES.map(r => r.id).sort(),
    );
  });

  it('finds nothing wrong with a clean identity', () => {
    const result = evaluate(clean());
    expect(result.risk).toEqual({ score: 0, level: 'none', findings: [] });
    expect(result.findings).toEqual([]);
    expect(result.rotation).toEqual({ status: 'ok' });
  });

  describe.each(cases)('%s', (ruleId, fire, evidence, noFire, options) => {
    const rule = NHI_RULES.find(r => r.id === ruleId)!;

    it('fires with its evidence', () => {
      const spec = clean();
      fire(spec);
      const { risk, findings } = evaluate(spec, options);
      const finding = findings.find(f => f.ruleId === ruleId);
      expect(finding).toBeDefined();
      expect(finding!.evidence).toMatch(evidence);
      expect(finding).toMatchObject({
        severity: rule.severity,
        owasp: rule.owasp,
      });
      expect(nhiRuleIds(risk)).toContain(ruleId);
    });

    it('does not fire on a near miss', () => {
      const spec = clean();
      noFire(spec);
      const { risk } = evaluate(spec);
      expect(nhiRuleIds(risk)).not.toContain(ruleId);
    });
  });
});

describe('the unowned-identity grace period', () => {
  const unowned = () => {
    const s = clean();
    delete s.owner;
    s.ownership = { status: 'unowned', provenance: 'none' };
    return s;
  };
  const fires = (s: NonHumanIdentitySpec, options: object) =>
    nhiRuleIds(evaluate(s, options).risk).includes('NHI-UNOWNED-PAST-GRACE');

  it('fires once the grace period has passed, not a day before', () => {
    expect(fires(unowned(), { unownedSince: daysAgo(29) })).toBe(false);
    expect(fires(unowned(), { unownedSince: daysAgo(30) })).toBe(true);
  });

  it('never fires for an identity that has an owner again', () => {
    expect(fires(clean(), { unownedSince: daysAgo(300) })).toBe(false);
  });

  it('follows nhi.evaluation.unownedGraceDays', () => {
    const policy = readNhiEvaluationPolicy(
      new ConfigReader({ nhi: { evaluation: { unownedGraceDays: 7 } } }),
    );
    expect(policy.unownedGraceDays).toBe(7);
    expect(fires(unowned(), { policy, unownedSince: daysAgo(8) })).toBe(true);
    expect(DEFAULT_NHI_EVALUATION_POLICY.unownedGraceDays).toBe(30);
    expect(() =>
      readNhiEvaluationPolicy(
        new ConfigReader({ nhi: { evaluation: { unownedGraceDays: -1 } } }),
      ),
    ).toThrow('nhi.evaluation.unownedGraceDays must be a non-negative number');
  });
});

describe('dormancy without a last-use date', () => {
  const role = (extra: Partial<NonHumanIdentitySpec> = {}) => {
    const s = clean();
    awsUser(s);
    s.type = 'iam-role';
    s.externalId = 'arn:aws:iam::111111111111:role/etl';
    s.credentials = [];
    delete s.lastUsed;
    s.createdBy = { type: 'unknown', at: daysAgo(900) };
    return { ...s, ...extra };
  };
  const dormancy = (s: NonHumanIdentitySpec) =>
    evaluate(s).findings.find(f => f.ruleId === 'NHI-DORMANT-IDENTITY')
      ?.evidence;

  it('fires for an identity older than its source’s tracking window with no use in it', () => {
    expect(dormancy(role({ lastUsed: { notWithinDays: 400 } }))).toBe(
      'no use recorded in the 400 days its source tracks (created 2024-06-11)',
    );
    // a window shorter than the dormancy threshold proves nothing
    expect(dormancy(role({ lastUsed: { notWithinDays: 30 } }))).toBeUndefined();
  });

  it('fires for an identity never used since it was created long ago, not for a young one', () => {
    expect(dormancy(role({ lastUsed: { never: true } }))).toBe(
      'never used since it was created 2024-06-11',
    );
    expect(
      dormancy(
        role({
          lastUsed: { never: true },
          createdBy: { type: 'unknown', at: daysAgo(40) },
        }),
      ),
    ).toBeUndefined();
    // nobody knows its age: no verdict
    expect(
      dormancy(
        role({ lastUsed: { never: true }, createdBy: { type: 'unknown' } }),
      ),
    ).toBeUndefined();
  });

  it('fires for an IAM user without an active credential: nothing can use it', () => {
    const user = role({ type: 'iam-user' });
    expect(dormancy(user)).toBe(
      'no active credential: nothing can authenticate as it (created 2024-06-11)',
    );
    user.credentials = [
      { id: 'AKIAOLD', kind: 'access-key', status: 'inactive' },
    ];
    expect(dormancy(user)).toMatch(/^no active credential/);
    // an assumed role without credentials is not dormant for that
    expect(dormancy(role())).toBeUndefined();
    // a source that does not list credentials says nothing about them
    expect(
      dormancy(role({ type: 'iam-user', credentials: undefined })),
    ).toBeUndefined();
  });
});

describe('expired agent-created identities', () => {
  const expiredRole = () => {
    const s = clean();
    s.type = 'iam-role';
    s.category = 'service-account';
    s.credentials = [];
    s.createdBy = {
      type: 'agent',
      agent: {
        id: 'claude-code',
        onBehalfOf: 'user:default/amir',
        reason: 'provision etl',
        expiresAt: daysAgo(10),
      },
    };
    return s;
  };
  const finding = (s: NonHumanIdentitySpec) =>
    evaluate(s).findings.find(f => f.ruleId === 'NHI-AGENT-CREATED-EXPIRED')
      ?.evidence;

  it('flags an expired agent-created role: it has no keys but can still be assumed', () => {
    expect(finding(expiredRole())).toBe(
      'expired 2026-11-18, created by claude-code; still assumable',
    );
  });

  it('flags anything with a trust relationship, and nothing that cannot be used', () => {
    const trusted = expiredRole();
    trusted.type = 'cloud-service-account';
    trusted.permissions = { trust: { services: ['lambda.amazonaws.com'] } };
    expect(finding(trusted)).toMatch(/still assumable$/);
    const unusable = expiredRole();
    unusable.type = 'api-key';
    expect(finding(unusable)).toBeUndefined();
  });
});

describe('risk score and level', () => {
  it('levels by the worst open finding and scores all of them', () => {
    expect(nhiRiskScore([])).toBe(0);
    expect(nhiRiskScore(['critical'])).toBe(60);
    expect(nhiRiskScore(['critical', 'high'])).toBe(74);
    expect(nhiRiskScore(['low'])).toBe(5);
    expect(nhiRiskScore(Array(40).fill('critical'))).toBe(100);
    const spec = clean();
    spec.permissions = { admin: true, serviceWildcards: ['s3:*'] };
    const { risk } = evaluate(spec);
    expect(risk).toMatchObject({ level: 'critical', score: 66 });
    expect(nhiRuleIds(risk)).toEqual(['NHI-ADMIN', 'NHI-SERVICE-WILDCARD']);
  });

  it('lists an accepted finding but does not count it until the exception expires', () => {
    const spec = clean();
    spec.usedBy = ['component:default/a', 'component:default/b'];
    const accepted = [
      {
        ruleId: 'NHI-SHARED-IDENTITY',
        until: inDays(30),
        by: 'user:default/farah',
      },
    ];
    const { risk, findings } = evaluate(spec, { accepted });
    expect(risk).toEqual({
      level: 'none',
      score: 0,
      findings: [],
      accepted: [
        {
          ruleId: 'NHI-SHARED-IDENTITY',
          evidence: expect.stringContaining('component:default/a'),
          until: accepted[0].until,
          by: 'user:default/farah',
        },
      ],
    });
    expect(findings[0]).toMatchObject({
      ruleId: 'NHI-SHARED-IDENTITY',
      accepted: { by: 'user:default/farah' },
    });
    expect(nhiFindings(risk)).toEqual(findings);
    const expired = evaluate(spec, {
      accepted: [{ ...accepted[0], until: daysAgo(1) }],
    });
    expect(nhiRuleIds(expired.risk)).toEqual(['NHI-SHARED-IDENTITY']);
  });
});

describe('configuration', () => {
  const policy = (evaluation: object) =>
    readNhiEvaluationPolicy(
      new ConfigReader({ nhi: { evaluation } }),
      NHI_RULES.map(r => r.id),
    );

  it('changes the result when a threshold changes', () => {
    const spec = clean();
    spec.lastUsed = { at: daysAgo(70) };
    key(spec).lastUsed = { at: daysAgo(70) };
    expect(nhiRuleIds(evaluate(spec).risk)).not.toContain(
      'NHI-DORMANT-IDENTITY',
    );
    expect(
      nhiRuleIds(evaluate(spec, { policy: policy({ dormantDays: 60 }) }).risk),
    ).toContain('NHI-DORMANT-IDENTITY');
  });

  it('disables rules and overrides severities', () => {
    const spec = clean();
    spec.usedBy = ['component:default/a', 'component:default/b'];
    spec.environments = ['production', 'staging'];
    const { risk } = evaluate(spec, {
      policy: policy({
        rules: {
          'NHI-SHARED-IDENTITY': { enabled: false },
          'NHI-CROSS-ENVIRONMENT': { severity: 'critical' },
        },
      }),
    });
    expect(risk).toMatchObject({
      level: 'critical',
      // the spec keeps a severity only where the policy changed the rule's
      findings: [
        {
          ruleId: 'NHI-CROSS-ENVIRONMENT',
          evidence: expect.any(String),
          severity: 'critical',
        },
      ],
    });
    expect(nhiFindings(risk)[0]).toMatchObject({
      severity: 'critical',
      owasp: NHI_RULES.find(r => r.id === 'NHI-CROSS-ENVIRONMENT')!.owasp,
    });
  });

  it('puts configured rotation policies first', () => {
    const spec = clean();
    delete key(spec).expiresAt;
    key(spec).createdAt = daysAgo(40);
    expect(evaluate(spec).credentials![0].rotation).toMatchObject({
      status: 'ok',
      policy: 'api-key:90d',
    });
    const strict = policy({
      rotation: [
        { match: { kind: 'api-key', type: 'api-key' }, maxAgeDays: 30 },
      ],
    });
    expect(
      evaluate(spec, { policy: strict }).credentials![0].rotation,
    ).toMatchObject({
      status: 'never-rotated',
      policy: 'api-key/api-key:30d',
    });
  });

  it('rejects bad configuration with the key named', () => {
    expect(() => policy({ dormantDays: -1 })).toThrow(
      'nhi.evaluation.dormantDays must be a positive number, got -1',
    );
    expect(() => policy({ rules: { 'NHI-NOPE': { enabled: false } } })).toThrow(
      /there is no rule NHI-NOPE/,
    );
    expect(() =>
      policy({ rules: { 'NHI-ADMIN': { severity: 'awful' } } }),
    ).toThrow(
      'nhi.evaluation.rules.NHI-ADMIN.severity must be one of critical, high, medium, low, got awful',
    );
    expect(() => policy({ rotation: [{ match: { kind: 'token' } }] })).toThrow(
      'nhi.evaluation.rotation[0] needs maxAgeDays or byExpiry: true',
    );
  });

  it('has the seed’s defaults', () => {
    expect(DEFAULT_NHI_EVALUATION_POLICY.dormantDays).toBe(90);
    expect(policy({})).toEqual(DEFAULT_NHI_EVALUATION_POLICY);
  });
});

describe('applyNhiEvaluation', () => {
  const entity = (spec: NonHumanIdentitySpec): NonHumanIdentityEntity => ({
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name: 'datadog-key-1', namespace: 'default' },
    spec,
  });

  it('keeps in the spec what the rule catalog does not already say, and reads it back whole', () => {
    const spec = clean();
    spec.permissions = { admin: true };
    const result = applyNhiEvaluation(entity(spec), { now: NOW });
    expect(result.spec.risk).toEqual({
      score: 60,
      level: 'critical',
      findings: [{ ruleId: 'NHI-ADMIN', evidence: expect.any(String) }],
    });
    expect(nhiFindings(result.spec.risk)).toEqual(
      evaluateNonHumanIdentity(spec, { now: NOW }).findings,
    );
    expect(nhiFindings(result.spec.risk)[0]).toMatchObject({
      severity: 'critical',
      owasp: 'NHI5',
    });
    expect(nhiFindings(undefined)).toEqual([]);
  });

  it('keeps severity and OWASP risk of a rule outside the catalog', () => {
    const custom = {
      ...NHI_RULES.find(r => r.id === 'NHI-ADMIN')!,
      id: 'ACME-ADMIN',
      severity: 'medium' as const,
      owasp: 'NHI9',
    };
    const spec = clean();
    spec.permissions = { admin: true };
    const { risk } = evaluateNonHumanIdentity(spec, {
      now: NOW,
      rules: [custom],
    });
    expect(risk.findings).toEqual([
      {
        ruleId: 'ACME-ADMIN',
        evidence: expect.any(String),
        severity: 'medium',
        owasp: 'NHI9',
      },
    ]);
    expect(nhiFindings(risk)[0]).toMatchObject({
      severity: 'medium',
      owasp: 'NHI9',
    });
  });

  it('replaces findings an earlier evaluation stored', () => {
    const spec = clean() as any;
    spec.risk = {
      score: 60,
      level: 'critical',
      rules: ['NHI-ADMIN'],
      findings: [{ ruleId: 'NHI-ADMIN', evidence: 'x' }],
    };
    const result = applyNhiEvaluation(entity(spec), { now: NOW });
    expect(result.spec.risk).toEqual({ score: 0, level: 'none', findings: [] });
  });
});
