import { DAY, NhiCategory } from '@backstage-nhi/plugin-nhi-common';
import { Company, Component, Team } from './company';
import { Random } from './random';

/** One identity in the inventory file format of the file/URL source. */
export type InventoryItem = Record<string, any> & {
  externalId: string;
  name: string;
  type: string;
  provider: string;
};

/** An inventory document. */
export interface Inventory {
  apiVersion: 'backstage-nhi.io/v1alpha1';
  kind: 'IdentityInventory';
  identities: InventoryItem[];
}

/** Options of {@link generateInventory}. */
export interface GenerateOptions {
  /** How many identities. Default 2000. */
  identities?: number;
  /** Same seed, same company. Default 42. */
  seed?: number;
  /**
   * Teams whose identities are all kept clean (owned, fresh, rotated, used,
   * least privilege), so that scorecards have a team that passes. Default
   * `['security']`.
   */
  cleanTeams?: string[];
  /**
   * The day the data is generated for; dates are relative to it and whole
   * days, so restarts on the same day give the same data. Default today.
   */
  now?: Date;
}

type TypeSpec = {
  type: string;
  providers: string[];
  word: string;
  credential?: string;
};

const TYPES: Record<NhiCategory, Array<readonly [TypeSpec, number]>> = {
  'service-account': [
    [
      {
        type: 'kubernetes-service-account',
        providers: ['kubernetes'],
        word: 'sa',
      },
      4,
    ],
    [
      {
        type: 'cloud-service-account',
        providers: ['gcp', 'azure'],
        word: 'sa',
        credential: 'access-key',
      },
      3,
    ],
    [
      {
        type: 'database-account',
        providers: ['postgres', 'mysql', 'mongodb'],
        word: 'db',
        credential: 'password',
      },
      3,
    ],
    [
      {
        type: 'directory-service-account',
        providers: ['active-directory'],
        word: 'svc',
        credential: 'password',
      },
      1,
    ],
  ],
  'api-key': [
    [
      {
        type: 'api-key',
        providers: ['datadog', 'stripe', 'sendgrid', 'pagerduty', 'openai'],
        word: 'key',
        credential: 'api-key',
      },
      4,
    ],
    [
      {
        type: 'integration-token',
        providers: ['vault', 'slack', 'jira', 'salesforce'],
        word: 'token',
        credential: 'token',
      },
      3,
    ],
    [
      {
        type: 'webhook-secret',
        providers: ['github', 'stripe'],
        word: 'webhook',
        credential: 'webhook-secret',
      },
      1,
    ],
    [
      {
        type: 'cicd-token',
        providers: ['github', 'gitlab', 'circleci'],
        word: 'ci-token',
        credential: 'token',
      },
      2,
    ],
    [
      {
        type: 'registry-token',
        providers: ['ghcr', 'dockerhub'],
        word: 'registry',
        credential: 'token',
      },
      1,
    ],
    [
      {
        type: 'oauth-client',
        providers: ['okta', 'google'],
        word: 'oauth',
        credential: 'client-secret',
      },
      1,
    ],
    [
      {
        type: 'personal-access-token',
        providers: ['github'],
        word: 'pat',
        credential: 'token',
      },
      1,
    ],
  ],
  'machine-certificate': [
    [
      {
        type: 'tls-certificate',
        providers: ['acm', 'letsencrypt'],
        word: 'tls',
        credential: 'certificate',
      },
      4,
    ],
    [
      {
        type: 'mtls-client-certificate',
        providers: ['internal-pki'],
        word: 'mtls',
        credential: 'certificate',
      },
      2,
    ],
    [
      {
        type: 'code-signing-certificate',
        providers: ['digicert'],
        word: 'signing',
        credential: 'certificate',
      },
      1,
    ],
    [
      {
        type: 'ssh-key',
        providers: ['github', 'bastion'],
        word: 'ssh',
        credential: 'ssh-key',
      },
      2,
    ],
  ],
  bot: [
    [
      {
        type: 'rpa-bot',
        providers: ['uipath'],
        word: 'rpa',
        credential: 'password',
      },
      1,
    ],
    [
      {
        type: 'chatbot',
        providers: ['slack', 'teams'],
        word: 'bot',
        credential: 'token',
      },
      2,
    ],
    [
      {
        type: 'monitoring-agent',
        providers: ['datadog', 'newrelic'],
        word: 'agent',
        credential: 'api-key',
      },
      2,
    ],
    [
      {
        type: 'backup-agent',
        providers: ['veeam', 'restic'],
        word: 'backup',
        credential: 'access-key',
      },
      1,
    ],
  ],
  'ai-agent': [
    [
      {
        type: 'coding-assistant',
        providers: ['github', 'internal'],
        word: 'assistant',
        credential: 'token',
      },
      3,
    ],
    [
      {
        type: 'autonomous-agent',
        providers: ['internal'],
        word: 'agent',
        credential: 'token',
      },
      2,
    ],
    [
      {
        type: 'mcp-credential',
        providers: ['github', 'jira', 'internal'],
        word: 'mcp',
        credential: 'token',
      },
      2,
    ],
    [
      {
        type: 'agent-delegation-token',
        providers: ['internal'],
        word: 'delegation',
        credential: 'token',
      },
      1,
    ],
  ],
};

const CATEGORY_WEIGHTS: Array<readonly [NhiCategory, number]> = [
  ['service-account', 38],
  ['api-key', 30],
  ['machine-certificate', 13],
  ['bot', 8],
  ['ai-agent', 11],
];

/** The company's AI agents, always present: other identities name them as creators. */
const AGENTS = [
  {
    id: 'ops-agent',
    team: 'ai-enablement',
    component: 'ops-agent',
    onBehalfOf: 'amir.karimi',
  },
  {
    id: 'code-review-agent',
    team: 'ai-enablement',
    component: 'code-review-agent',
    onBehalfOf: 'bianca.rossi',
  },
  {
    id: 'support-chat-agent',
    team: 'ai-enablement',
    component: 'support-chat-agent',
    onBehalfOf: 'chen.li',
  },
];

/** Provider, type and category of an identity a declaration pattern describes. */
function specFromPattern(pattern: string): {
  provider: string;
  type: string;
  category: NhiCategory;
  credential: string;
} {
  const [head, second] = pattern.split(':');
  const provider = head === 'k8s' ? 'kubernetes' : head;
  if (head === 'k8s')
    return {
      provider,
      type: 'kubernetes-service-account',
      category: 'service-account',
      credential: 'token',
    };
  if (head === 'gcp')
    return {
      provider,
      type: 'cloud-service-account',
      category: 'service-account',
      credential: 'access-key',
    };
  if (head === 'mcp')
    return {
      provider: second,
      type: 'mcp-credential',
      category: 'ai-agent',
      credential: 'token',
    };
  if (head === 'github')
    return {
      provider,
      type: 'cicd-token',
      category: 'api-key',
      credential: 'token',
    };
  if (second === 'api-key' || second === 'restricted-key')
    return {
      provider,
      type: 'api-key',
      category: 'api-key',
      credential: 'api-key',
    };
  return {
    provider,
    type: 'integration-token',
    category: 'api-key',
    credential: 'token',
  };
}

function iso(ms: number, dateOnly = false): string {
  const s = new Date(ms).toISOString();
  return dateOnly ? s.slice(0, 10) : `${s.slice(0, 19)}Z`;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Generates the demo company's inventory: identities of every category,
 * owners spread over the teams (most named by an owner field, spelled the
 * way real tags are; some only inferable from a component's declaration;
 * about 15% with no owner at all), AI agents acting for people and creating
 * identities, credentials of many ages (fresh, overdue, dormant, never used,
 * expired, expiring). Deterministic for a seed and a day.
 */
export function generateInventory(
  company: Company,
  options: GenerateOptions = {},
): Inventory {
  const count = options.identities ?? 2000;
  const random = new Random(options.seed ?? 42);
  const today = Math.floor((options.now ?? new Date()).getTime() / DAY) * DAY;
  const teams = company.teams;
  const componentsOf = new Map(
    teams.map(t => [
      t.name,
      company.components.filter(c => c.owner === t.name),
    ]),
  );
  const declaring = company.components.filter(c => c.declares.length > 0);
  const cleanTeams = new Set(options.cleanTeams ?? ['security']);
  const cleanComponents = new Set(
    company.components.filter(c => cleanTeams.has(c.owner)).map(c => c.name),
  );
  const identities: InventoryItem[] = [];
  const usedIds = new Set<string>();

  const daysAgo = (d: number) => today - d * DAY;
  const memberOf = (team: Team) => random.pick(team.members);

  /** Owner spelled the way tags spell it. */
  const ownerTag = (team: Team) =>
    random.weighted<string>([
      [team.name, 5],
      [team.title, 2],
      [`team-${team.name}`, 1],
      [team.email ?? team.name, 1],
      [`group:default/${team.name}`, 1],
    ]);

  const uniqueId = (base: string) => {
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}-${n}`;
    usedIds.add(id);
    return id;
  };

  /** A credential of the given kind with dates that tell a story. */
  const credential = (kind: string, id: string, createdDaysAgo: number) => {
    const c: Record<string, any> = { id, kind, status: 'active' };
    c.createdAt = iso(daysAgo(createdDaysAgo));
    if (random.chance(0.35) && createdDaysAgo > 20) {
      c.lastRotatedAt = iso(
        daysAgo(random.int(1, Math.min(createdDaysAgo - 1, 400))),
      );
    }
    const use = random.weighted<string>([
      ['recent', 52],
      ['dormant', 36],
      ['never', 8],
      ['unknown', 4],
    ]);
    // never used before it was created: a credential younger than the
    // dormancy threshold was last used on its first day at the earliest
    if (use === 'recent')
      c.lastUsed = {
        at: iso(daysAgo(random.int(0, Math.min(20, createdDaysAgo)))),
      };
    else if (use === 'dormant')
      c.lastUsed = {
        at: iso(
          daysAgo(
            Math.min(
              createdDaysAgo,
              random.int(91, Math.max(92, createdDaysAgo)),
            ),
          ),
        ),
      };
    else if (use === 'never') c.lastUsed = { never: true };
    if (kind === 'certificate' && random.chance(0.95)) {
      const lifetime = random.pick([90, 365, 397, 730]);
      c.expiresAt = iso(daysAgo(createdDaysAgo) + lifetime * DAY, true);
      if (Date.parse(c.expiresAt) < today) c.status = 'expired';
    } else if (kind === 'token' && random.chance(0.55)) {
      c.expiresAt = iso(
        daysAgo(createdDaysAgo) + random.pick([1, 30, 90, 365]) * DAY,
      );
      if (Date.parse(c.expiresAt) < today) c.status = 'expired';
    }
    if (random.chance(0.04)) c.status = 'inactive';
    return c;
  };

  const push = (item: InventoryItem) => {
    identities.push(item);
  };

  // The AI agents' own identities.
  for (const agent of AGENTS) {
    const team = teams.find(t => t.name === agent.team) ?? teams[0];
    push({
      externalId: `agent:${agent.id}`,
      name: agent.id,
      description: `The ${agent.id}'s own identity.`,
      type: 'autonomous-agent',
      category: 'ai-agent',
      provider: 'internal',
      account: 'lumen-freight',
      owner: team.name,
      usedBy: [agent.component],
      environments: ['production'],
      agent: {
        onBehalfOf: agent.onBehalfOf,
        reason: `Runs ${agent.component}.`,
        expiresAt: iso(today + 90 * DAY),
      },
      createdBy: {
        type: 'person',
        name: team.leads[0] ?? team.members[0].name,
        at: iso(daysAgo(120)),
      },
      lastUsed: { at: iso(daysAgo(0)) },
      credentials: [
        {
          id: `tok-${agent.id}-${random.hex(6)}`,
          kind: 'token',
          status: 'active',
          createdAt: iso(daysAgo(0)),
          expiresAt: iso(today + DAY),
          lastUsed: { at: iso(daysAgo(0)) },
        },
      ],
    });
  }

  // Fixed scenarios the demo and the end-to-end tests rely on.
  push({
    externalId: 'internal:token:legacy-reporting',
    name: 'legacy-reporting-token',
    description: 'Token a forgotten reporting job used to pull shipment data.',
    type: 'integration-token',
    category: 'api-key',
    provider: 'internal',
    account: 'lumen-freight',
    environments: ['production'],
    createdBy: { type: 'person', name: 'wei.zhang', at: iso(daysAgo(900)) },
    lastUsed: { at: iso(daysAgo(200)) },
    credentials: [
      {
        id: 'tok_demo_legacy_reporting',
        kind: 'token',
        status: 'active',
        createdAt: iso(daysAgo(900)),
        lastUsed: { at: iso(daysAgo(200)) },
      },
    ],
    permissions: { scopes: ['shipments:read', 'customers:read'] },
  });
  push({
    externalId: 'internal:role:setup-admin',
    name: 'setup-admin',
    description:
      'Created by the ops agent "for initial setup"; the permission reduction step never ran.',
    type: 'cloud-service-account',
    category: 'service-account',
    provider: 'gcp',
    account: 'lumen-logistics-prod',
    environments: ['production'],
    createdBy: {
      type: 'agent',
      at: iso(daysAgo(75)),
      agent: {
        id: 'ops-agent',
        onBehalfOf: 'chen.li',
        reason: 'initial setup of route-planner',
        expiresAt: iso(daysAgo(74)),
      },
    },
    lastUsed: { at: iso(daysAgo(74)) },
    credentials: [
      {
        id: `key-setup-admin-${random.hex(8)}`,
        kind: 'access-key',
        status: 'active',
        createdAt: iso(daysAgo(75)),
        lastUsed: { at: iso(daysAgo(74)) },
      },
    ],
    permissions: { admin: true, summary: 'Owner of the production project.' },
  });

  /** An identity of a team that keeps its house in order. */
  const cleanItem = (team: Team): InventoryItem => {
    const component = random.pick(componentsOf.get(team.name) ?? []);
    const kind = random.pick(['api-key', 'token', 'certificate'] as const);
    const provider = {
      'api-key': 'datadog',
      token: 'vault',
      certificate: 'acm',
    }[kind];
    const type = {
      'api-key': 'api-key',
      token: 'integration-token',
      certificate: 'tls-certificate',
    }[kind];
    const name = `${
      component?.name ?? team.name
    }-${provider}-${kind}-${random.int(1, 99)}`;
    const created = random.int(1, 40);
    const lifetime = kind === 'certificate' ? 397 : 90;
    return {
      externalId: uniqueId(
        `${provider}:${type}:${slug(name)}:${random.hex(8)}`,
      ),
      name,
      type,
      category: kind === 'certificate' ? 'machine-certificate' : 'api-key',
      provider,
      account: 'lumen-prod',
      owner: team.name,
      environments: ['production'],
      ...(component ? { usedBy: [component.name] } : {}),
      createdBy: {
        type: 'person',
        name: memberOf(team).name,
        at: iso(daysAgo(created)),
      },
      lastUsed: { at: iso(daysAgo(Math.min(created, random.int(0, 3)))) },
      credentials: [
        {
          id: `${kind}-${random.hex(10)}`,
          kind,
          status: 'active',
          createdAt: iso(daysAgo(created)),
          expiresAt: iso(daysAgo(created) + lifetime * DAY),
          lastUsed: { at: iso(daysAgo(Math.min(created, random.int(0, 3)))) },
        },
      ],
    };
  };

  while (identities.length < count) {
    if (cleanTeams.size && random.chance(0.04)) {
      const team = teams.find(t => cleanTeams.has(t.name));
      if (team) {
        push(cleanItem(team));
        continue;
      }
    }
    let category = random.weighted(CATEGORY_WEIGHTS);
    let spec = random.weighted(TYPES[category]);
    let provider = random.pick(spec.providers);
    const team = random.pick(teams.filter(t => !cleanTeams.has(t.name)));
    const teamComponents = componentsOf.get(team.name) ?? [];
    const component: Component | undefined = teamComponents.length
      ? random.pick(teamComponents)
      : undefined;
    const env = random.weighted<string[]>([
      [['production'], 58],
      [['staging'], 24],
      [['development'], 12],
      [['production', 'staging'], 6],
    ]);

    const mode = random.weighted<string>([
      ['tagged', 70],
      ['declared', 15],
      ['unowned', 10],
      ['unknown-tag', 3],
      ['ambiguous', 2],
    ]);

    let externalId: string;
    let name: string;
    let owner: string | undefined;
    let usedBy: string[] | undefined;
    let declarer: Component | undefined;
    if (mode === 'declared' || mode === 'ambiguous') {
      declarer =
        mode === 'ambiguous'
          ? undefined
          : random.pick(
              declaring.filter(d => d.declares.some(p => p.includes('*'))),
            );
      const pattern =
        mode === 'ambiguous'
          ? 'datadog:api-key:shared-*'
          : random.pick(declarer!.declares.filter(p => p.includes('*')));
      externalId = uniqueId(pattern.replace('*', `${random.hex(6)}`));
      name = externalId.split(':').slice(-1)[0];
      const declared = specFromPattern(pattern);
      category = declared.category;
      provider = declared.provider;
      spec = {
        type: declared.type,
        providers: [provider],
        word: 'key',
        credential: declared.credential,
      };
    } else {
      const base = component?.name ?? team.name;
      name = `${base}-${provider}-${spec.word}-${random.int(1, 99)}`;
      externalId = uniqueId(
        `${provider}:${spec.type}:${slug(name)}:${random.hex(8)}`,
      );
      if (mode === 'tagged') owner = ownerTag(team);
      if (mode === 'unknown-tag')
        owner = random.pick(['legacy-team', 'ops-old', 'contractors', 'TBD']);
    }
    if (component && mode !== 'ambiguous' && random.chance(0.7)) {
      usedBy = [component.name];
      if (random.chance(0.06)) {
        const others = company.components.filter(
          c => c.name !== component.name && !cleanComponents.has(c.name),
        );
        usedBy.push(random.pick(others).name, random.pick(others).name);
        usedBy = [...new Set(usedBy)];
      }
    }

    const ageDays = random.weighted<number>([
      [random.int(1, 60), 30],
      [random.int(61, 365), 35],
      [random.int(366, 1500), 35],
    ]);
    const creator = random.weighted<string>([
      ['person', 45],
      ['pipeline', 25],
      ['agent', 12],
      ['unknown', 18],
    ]);
    const item: InventoryItem = {
      externalId,
      name,
      type: spec.type,
      category,
      provider,
      account:
        provider === 'kubernetes'
          ? `prod-cluster/${team.name}`
          : `lumen-${random.pick(['prod', 'staging', 'shared'])}`,
      environments: env,
    };
    if (owner) item.owner = owner;
    if (usedBy) item.usedBy = usedBy;
    if (creator === 'person') {
      item.createdBy = {
        type: 'person',
        name: random.chance(0.5)
          ? memberOf(team).name
          : memberOf(team).email ?? memberOf(team).name,
        at: iso(daysAgo(ageDays)),
      };
    } else if (creator === 'pipeline') {
      item.createdBy = {
        type: 'pipeline',
        ref: random.pick([
          'component:default/terraform-pipeline',
          'component:default/ci-runner',
        ]),
        at: iso(daysAgo(ageDays)),
      };
    } else if (creator === 'agent') {
      const agent = random.pick(AGENTS);
      const agentDelegation: Record<string, any> = {
        id: agent.id,
        onBehalfOf: memberOf(team).name,
      };
      if (random.chance(0.7))
        agentDelegation.reason = random.pick([
          'set up a new service',
          'rotate a broken integration',
          'debug a failing pipeline',
          'provision a staging environment',
        ]);
      if (random.chance(0.6))
        agentDelegation.expiresAt = iso(
          daysAgo(ageDays) + random.pick([1, 7, 30]) * DAY,
        );
      item.createdBy = {
        type: 'agent',
        at: iso(daysAgo(ageDays)),
        agent: agentDelegation,
      };
    }
    if (category === 'ai-agent') {
      const delegation: Record<string, any> = {};
      if (random.chance(0.8)) delegation.onBehalfOf = memberOf(team).name;
      const expiry = random.weighted<string>([
        ['future', 60],
        ['past', 20],
        ['none', 20],
      ]);
      if (expiry === 'future')
        delegation.expiresAt = iso(today + random.int(1, 90) * DAY);
      if (expiry === 'past')
        delegation.expiresAt = iso(daysAgo(random.int(1, 120)));
      if (random.chance(0.7))
        delegation.reason = random.pick([
          'reviews pull requests',
          'answers support chats',
          'triages alerts',
          'writes release notes',
        ]);
      if (Object.keys(delegation).length) item.agent = delegation;
    }

    const credentials: Record<string, any>[] = [];
    if (spec.credential) {
      const idFor = () => {
        if (spec.credential === 'access-key') {
          return `${provider === 'gcp' ? 'gk' : 'ak'}-${random.hex(16)}`;
        }
        if (spec.credential === 'certificate') {
          return random.hex(16).match(/../g)!.join(':');
        }
        return `${spec.word}-${random.hex(10)}`;
      };
      credentials.push(credential(spec.credential, idFor(), ageDays));
      if (random.chance(0.12))
        credentials.push(
          credential(spec.credential, idFor(), random.int(1, ageDays)),
        );
    } else if (random.chance(0.4)) {
      credentials.push(
        credential(
          'token',
          `sa-token-${random.hex(10)}`,
          random.int(1, ageDays),
        ),
      );
    }
    if (category === 'service-account' && random.chance(0.05)) {
      credentials.push(
        credential('password', `console-${random.hex(4)}`, ageDays),
      );
      item.interactiveLogin = true;
      item.mfa = random.chance(0.3);
    }
    if (credentials.length) item.credentials = credentials;
    const latestUse = credentials
      .map(c => c.lastUsed?.at)
      .filter(Boolean)
      .sort()
      .pop();
    if (latestUse) item.lastUsed = { at: latestUse };
    else if (credentials.length && credentials.every(c => c.lastUsed?.never))
      item.lastUsed = { never: true };

    const perm = random.weighted<string>([
      ['plain', 78],
      ['wildcard', 10],
      ['admin', 5],
      ['escalation', 4],
      ['exfil', 3],
    ]);
    if (perm === 'admin')
      item.permissions = { admin: true, summary: 'Administrator.' };
    if (perm === 'wildcard')
      item.permissions = {
        serviceWildcards: [
          random.pick(['storage:*', 's3:*', 'pubsub:*', 'secrets:*']),
        ],
      };
    if (perm === 'escalation')
      item.permissions = {
        escalation: ['iam.serviceAccounts.actAs+run.services.create'],
      };
    if (perm === 'exfil')
      item.permissions = { dataExfiltration: ['storage.objects.get on *'] };
    if (spec.type === 'cloud-service-account' || spec.type === 'cicd-token') {
      const trust = random.weighted<string>([
        ['none', 86],
        ['external', 5],
        ['external-no-id', 4],
        ['oidc-open', 3],
        ['public', 2],
      ]);
      const other = `${random.int(100000000000, 999999999999)}`;
      if (trust === 'external')
        item.permissions = {
          ...(item.permissions ?? {}),
          trust: { externalAccounts: [other] },
        };
      if (trust === 'external-no-id')
        item.permissions = {
          ...(item.permissions ?? {}),
          trust: {
            externalAccounts: [other],
            externalAccountsWithoutExternalId: [other],
          },
        };
      if (trust === 'oidc-open')
        item.permissions = {
          ...(item.permissions ?? {}),
          trust: {
            oidc: [
              {
                provider: 'token.actions.githubusercontent.com',
                subjectRestricted: false,
              },
            ],
          },
        };
      if (trust === 'public')
        item.permissions = {
          ...(item.permissions ?? {}),
          trust: { public: true },
        };
    }
    if (spec.type === 'personal-access-token' || spec.type === 'cicd-token') {
      item.permissions = {
        ...(item.permissions ?? {}),
        scopes: random.chance(0.3) ? ['repo', 'admin:org'] : ['repo:read'],
      };
    }
    push(item);
  }
  return {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'IdentityInventory',
    identities: identities.slice(0, count),
  };
}

/** A gitleaks finding, in the scanner's JSON report format. */
export type GitleaksFinding = {
  Description: string;
  StartLine: number;
  Match: string;
  Secret: string;
  File: string;
  Commit: string;
  Link: string;
  RuleID: string;
  Date: string;
};

/**
 * A gitleaks report for the demo: a few of the inventory's credentials
 * "found" in repositories (always the legacy reporting token). The fake
 * secret part is random filler, never a real secret.
 */
export function generateLeakReport(
  inventory: Inventory,
  options: { seed?: number; findings?: number; cleanTeams?: string[] } = {},
): GitleaksFinding[] {
  const random = new Random((options.seed ?? 42) + 1);
  const clean = new Set(options.cleanTeams ?? ['security']);
  const withCreds = inventory.identities.filter(
    i => i.credentials?.length && !clean.has(String(i.owner)),
  );
  const chosen = [
    withCreds.find(i => i.name === 'legacy-reporting-token'),
    ...Array.from({ length: (options.findings ?? 8) - 1 }, () =>
      random.pick(withCreds),
    ),
  ].filter((i): i is InventoryItem => !!i);
  const repos = [
    'lumen-freight/infra',
    'lumen-freight/payments-api',
    'lumen-freight/data-jobs',
    'lumen-freight/storefront',
  ];
  const files = [
    '.env.production',
    'deploy/values.yaml',
    'scripts/sync.py',
    'docs/setup.md',
    'terraform/main.tf',
  ];
  return chosen.map(item => {
    const credential = item.credentials[0];
    const repo = random.pick(repos);
    const commit = random.hex(40);
    const secret = `${credential.id}.${random.hex(24)}`;
    return {
      Description: 'Generic API Key',
      StartLine: random.int(1, 200),
      Match: `token = ${secret}`,
      Secret: secret,
      File: random.pick(files),
      Commit: commit,
      Link: `https://git.lumenfreight.example/${repo}/commit/${commit}`,
      RuleID: 'generic-api-key',
      Date: new Date(Date.UTC(2026, 0, random.int(1, 300))).toISOString(),
    };
  });
}
