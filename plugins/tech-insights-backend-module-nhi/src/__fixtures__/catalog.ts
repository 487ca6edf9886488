import { Entity } from '@backstage/catalog-model';
import {
  NhiRotationStatus,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';

/** The time the fixture's facts are computed at. */
export const NOW = new Date('2026-11-28T00:00:00Z');

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { type: 'service', lifecycle: 'production', owner },
  };
}

function group(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
  };
}

type Spec = Partial<NonHumanIdentitySpec>;

function nhi(name: string, spec: Spec): Entity {
  const owned = spec.owner !== undefined;
  return {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      externalId: `arn:aws:iam::123456789012:user/${name}`,
      ownership: owned
        ? { status: 'owned', provenance: 'tagged' }
        : { status: 'unowned', provenance: 'none' },
      risk: { score: 0, level: 'none', findings: [] },
      rotation: { status: 'ok' },
      // A field the facts do not need: the bulk read must leave it out.
      permissions: { summary: 'x'.repeat(200) },
      ...spec,
    },
  };
}

function risk(level: string, rules: string[]) {
  return {
    score: { critical: 60, high: 35, medium: 15, low: 5, none: 0 }[level]!,
    level,
    findings: rules.map(ruleId => ({ ruleId, evidence: 'seen' })),
  } as NonHumanIdentitySpec['risk'];
}

const active = (
  createdAt: string,
  lastRotatedAt?: string,
  rotation?: NhiRotationStatus,
) => ({
  id: `key-${createdAt}`,
  kind: 'access-key' as const,
  status: 'active' as const,
  createdAt,
  lastRotatedAt,
  ...(rotation ? { rotation: { status: rotation } } : {}),
});

/**
 * Eleven identities across three components and two groups (plus a
 * component and a group with none). Known answers at {@link NOW}:
 *
 * - payments-api (messy): identities 1–5;
 * - tracking-api (clean): identities 6–7;
 * - ci-runner: identities 5, 8, 11;
 * - docs-site: none;
 * - group payments owns 1, 2, 4, 9; platform owns 5, 6, 7, 10; design none.
 */
export const identities: Entity[] = [
  // 1: critical, leaked, overdue; last rotated 2026-01-01 → 331 days.
  nhi('pay-db-user', {
    owner: 'group:default/payments',
    usedBy: ['component:default/payments-api'],
    risk: risk('critical', [
      'NHI-LEAKED-CREDENTIAL',
      'NHI-CREDENTIAL-NOT-ROTATED',
    ]),
    rotation: { status: 'overdue' },
    credentials: [
      active('2025-06-01T00:00:00Z', '2026-01-01T00:00:00Z', 'overdue'),
    ],
  }),
  // 2: high, never rotated, used by a short ref; created a year ago → 365.
  nhi('pay-stripe-key', {
    owner: 'group:default/payments',
    usedBy: ['payments-api'],
    risk: risk('high', ['NHI-CREDENTIAL-NOT-ROTATED']),
    rotation: { status: 'never-rotated' },
    credentials: [active('2025-11-28T00:00:00Z', undefined, 'never-rotated')],
  }),
  // 3: unowned, dormant; its inactive 2020 key does not count → 27 days.
  nhi('pay-legacy-batch', {
    usedBy: ['component:default/payments-api'],
    risk: risk('high', ['NHI-NO-OWNER', 'NHI-DORMANT-IDENTITY']),
    credentials: [
      { ...active('2020-01-01T00:00:00Z'), status: 'inactive' },
      active('2026-11-01T00:00:00Z'),
    ],
  }),
  // 4: AI agent without expiry, payments-api named twice → counted once.
  nhi('pay-agent', {
    category: 'ai-agent',
    type: 'autonomous-agent',
    owner: 'group:default/payments',
    usedBy: ['component:default/payments-api', 'Payments-API'],
    risk: risk('high', ['NHI-AGENT-NO-EXPIRY']),
    credentials: [active('2026-11-27T00:00:00Z')],
  }),
  // 5: admin, dormant credential, expired; shared by two components → 90.
  nhi('pay-admin-role', {
    owner: 'group:default/platform',
    usedBy: ['component:default/payments-api', 'component:default/ci-runner'],
    risk: risk('critical', ['NHI-ADMIN', 'NHI-DORMANT-CREDENTIAL']),
    rotation: { status: 'expired' },
    credentials: [
      active('2026-05-01T00:00:00Z', '2026-08-30T00:00:00Z', 'expired'),
    ],
  }),
  // 6: clean certificate → 272 days.
  nhi('track-cert', {
    owner: 'group:default/platform',
    usedBy: ['component:default/tracking-api'],
    credentials: [active('2026-03-01T00:00:00Z')],
  }),
  // 7: low risk only, due soon → 30 days.
  nhi('track-api-key', {
    owner: 'group:default/platform',
    usedBy: ['component:default/tracking-api'],
    risk: risk('low', ['NHI-NEVER-USED-CREDENTIAL']),
    rotation: { status: 'due-soon' },
    credentials: [active('2026-10-29T00:00:00Z', undefined, 'due-soon')],
  }),
  // 8: unowned, dormant, never rotated; key from 2023-04-02T09:12 → 1335.
  nhi('ci-deployer', {
    usedBy: ['component:default/ci-runner'],
    risk: risk('high', [
      'NHI-NO-OWNER',
      'NHI-DORMANT-CREDENTIAL',
      'NHI-TWO-ACTIVE-KEYS',
    ]),
    rotation: { status: 'never-rotated' },
    credentials: [
      active('2023-04-02T09:12:00Z', undefined, 'never-rotated'),
      active('2026-10-01T00:00:00Z'),
      { ...active('2019-01-01T00:00:00Z'), status: 'revoked' },
    ],
  }),
  // 9: its leak is an accepted risk (not an open finding) → not counted; 10.
  nhi('orphan-token', {
    owner: 'group:default/payments',
    risk: {
      score: 0,
      level: 'none',
      findings: [],
      accepted: [
        {
          ruleId: 'NHI-LEAKED-CREDENTIAL',
          evidence: 'found by gitleaks',
          until: '2027-01-01',
          by: 'user:default/ciso',
        },
      ],
    },
    credentials: [active('2026-11-18T00:00:00Z')],
  }),
  // 10: short owner ref; used by a component that is not in the catalog and
  // by a Resource: neither gets component facts. No credentials → 0.
  nhi('shared-svc-account', {
    owner: 'platform',
    usedBy: ['component:default/ghost-service', 'resource:default/orders-db'],
    risk: risk('medium', ['NHI-DORMANT-IDENTITY']),
    rotation: { status: 'not-applicable' },
  }),
  // 11: owned by a user, not a group → 8 days.
  nhi('ci-bot', {
    owner: 'user:default/amir.karimi',
    usedBy: ['component:default/ci-runner'],
    credentials: [active('2026-11-20T00:00:00Z')],
  }),
];

/** Components and groups of the fixture. */
export const components = [
  component('payments-api', 'group:default/payments'),
  component('tracking-api', 'group:default/platform'),
  component('ci-runner', 'group:default/platform'),
  component('docs-site', 'group:default/design'),
];

/** Groups of the fixture. */
export const groups = [group('payments'), group('platform'), group('design')];

/** Everything in the fixture catalog. */
export const entities: Entity[] = [...identities, ...components, ...groups];
