import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { explainNonHumanIdentityError } from '@backstage-nhi/plugin-nhi-common';
import { buildEntity, EnrichmentContext } from './buildEntity';
import { DeclarationIndex } from './declarations';
import { CatalogDirectory } from './directory';

const context: EnrichmentContext = {
  directory: new CatalogDirectory(
    [
      { kind: 'Group', namespace: 'default', name: 'platform' },
      { kind: 'Group', namespace: 'default', name: 'payments' },
      {
        kind: 'User',
        namespace: 'default',
        name: 'ben',
        email: 'ben@example.com',
        memberOf: ['platform'],
      },
      {
        kind: 'User',
        namespace: 'default',
        name: 'chen',
        memberOf: ['payments'],
      },
    ],
    [
      {
        ref: 'nonhumanidentity:default/ops-agent-0a1b2c3d',
        name: 'ops-agent-0a1b2c3d',
        externalId: 'agent:ops-agent',
      },
    ],
  ),
  declarations: new DeclarationIndex([
    {
      entityRef: 'component:default/ci-runner',
      owner: 'group:default/platform',
      patterns: ['arn:aws:iam::123456789012:user/ci-*'],
    },
  ]),
  claims: new Map(),
};
const same = <T>(x: T) => x;

describe('buildEntity', () => {
  it('builds a valid, named and annotated entity', () => {
    const built = buildEntity(
      mockNhiRecord({
        tags: ['AWS', 'IAM User', 'aws'],
        usedBy: ['deploy-bot'],
        links: [
          { url: 'https://console.example/iam/ci-deployer', title: 'Console' },
        ],
      }),
      'aws:production',
      context,
      same,
    );
    expect(explainNonHumanIdentityError(built.entity)).toBeUndefined();
    expect(built.entityRef).toMatch(
      /^nonhumanidentity:default\/aws-ci-deployer-[0-9a-f]{8}$/,
    );
    expect(built.scope).toBe('123456789012');
    expect(built.entity.metadata).toMatchObject({
      title: 'ci-deployer',
      tags: ['aws', 'iam-user'],
      annotations: {
        'backstage-nhi.io/source': 'aws:production',
        'backstage.io/managed-by-location': 'nhi:aws:production',
        'backstage.io/managed-by-origin-location': 'nhi:aws:production',
      },
    });
    // declared by ci-runner (glob) and used by deploy-bot (from the source)
    expect(built.entity.spec.usedBy).toEqual([
      'component:default/ci-runner',
      'component:default/deploy-bot',
    ]);
    expect(built.entity.spec.owner).toBe('group:default/platform');
    expect(built.entity.spec.ownership.provenance).toBe('inferred');
  });

  it('resolves the creator and the agent chain', () => {
    const built = buildEntity(
      mockNhiRecord({
        name: 'setup-admin',
        createdBy: {
          type: 'agent',
          agent: {
            id: 'agent:ops-agent',
            onBehalfOf: 'chen',
            reason: 'setup',
            expiresAt: '2026-12-01',
          },
        },
      }),
      'aws:production',
      context,
      same,
    );
    expect(built.full.spec.createdBy).toEqual({
      type: 'agent',
      ref: 'nonhumanidentity:default/ops-agent-0a1b2c3d',
      agent: {
        id: 'agent:ops-agent',
        ref: 'nonhumanidentity:default/ops-agent-0a1b2c3d',
        onBehalfOf: 'user:default/chen',
        reason: 'setup',
        expiresAt: '2026-12-01',
      },
    });
    // the human the agent acted for answers for it; their team is suggested
    expect(built.entity.spec.owner).toBe('user:default/chen');
    expect(built.full.spec.ownership).toEqual({
      status: 'owned',
      provenance: 'agent-sponsor',
      suggestedOwners: ['group:default/payments'],
    });
    // configured to suggest only: unowned, the team suggested
    const suggestOnly = buildEntity(
      mockNhiRecord({
        name: 'setup-admin',
        createdBy: {
          type: 'agent',
          agent: { id: 'agent:ops-agent', onBehalfOf: 'chen' },
        },
      }),
      'aws:production',
      { ...context, sponsorAsOwner: false },
      same,
    );
    expect(suggestOnly.entity.spec.owner).toBeUndefined();
    expect(suggestOnly.full.spec.ownership).toEqual({
      status: 'unowned',
      provenance: 'none',
      suggestedOwners: ['group:default/payments'],
    });

    const person = buildEntity(
      mockNhiRecord({
        name: 'u2',
        createdBy: { type: 'person', name: 'ben@example.com' },
      }),
      'aws:production',
      context,
      same,
    );
    expect(person.full.spec.createdBy).toEqual({
      type: 'person',
      name: 'ben@example.com',
      ref: 'user:default/ben',
    });
  });

  it('applies an approved claim and keeps the fallback', () => {
    const record = mockNhiRecord({ name: 'lonely' });
    const first = buildEntity(record, 'aws:production', context, same);
    const claims = new Map([
      [
        first.entityRef,
        {
          entityRef: first.entityRef,
          owner: 'group:default/payments',
          claimedBy: 'user:default/chen',
          approvedBy: 'user:default/ben',
          approvedAt: '2026-11-28T00:00:00Z',
        },
      ],
    ]);
    const claimed = buildEntity(
      record,
      'aws:production',
      { ...context, claims },
      same,
    );
    expect(claimed.entity.spec.owner).toBe('group:default/payments');
    expect(claimed.entity.spec.ownership.provenance).toBe('claimed');
    expect(claimed.fallback.ownership.status).toBe('unowned');
    expect(claimed.hash).not.toBe(first.hash);
  });

  it('hashes the same record the same way, whatever the key order', () => {
    const a = buildEntity(mockNhiRecord(), 's:1', context, same);
    const record = mockNhiRecord();
    const reordered = Object.fromEntries(
      Object.entries(record).reverse(),
    ) as typeof record;
    expect(buildEntity(reordered, 's:1', context, same).hash).toBe(a.hash);
  });

  it('runs the evaluate step', () => {
    const built = buildEntity(mockNhiRecord(), 's:1', context, e => ({
      ...e,
      spec: { ...e.spec, rotation: { status: 'overdue' } },
    }));
    expect(built.full.spec.rotation).toEqual({ status: 'overdue' });
  });
});

describe('the catalog entity and the detail', () => {
  it('gives the catalog what it filters and relates on, and keeps the rest as detail', () => {
    const built = buildEntity(
      mockNhiRecord({
        name: 'deployer',
        owner: { value: 'payments', via: 'tag:team' },
        createdBy: {
          type: 'agent',
          at: '2026-01-02T00:00:00Z',
          agent: { id: 'claude-code', onBehalfOf: 'chen', reason: 'setup' },
        },
        environments: ['production'],
        lastUsed: { at: '2026-11-01T00:00:00Z' },
        credentials: [
          {
            id: 'AKIAOLD',
            kind: 'access-key',
            status: 'active',
            createdAt: '2025-06-01T00:00:00Z',
          },
          {
            id: 'AKIANEW',
            kind: 'access-key',
            status: 'active',
            createdAt: '2026-10-01T00:00:00Z',
          },
        ],
        permissions: { admin: true, summary: 'Administrator' },
      }),
      'aws:production',
      context,
      e => ({
        ...e,
        spec: {
          ...e.spec,
          risk: {
            score: 60,
            level: 'critical',
            findings: [{ ruleId: 'NHI-ADMIN', evidence: 'Administrator' }],
          },
          rotation: { status: 'overdue' },
        },
      }),
    );
    expect(explainNonHumanIdentityError(built.entity)).toBeUndefined();
    expect(built.entity.spec).toEqual({
      type: built.full.spec.type,
      category: built.full.spec.category,
      provider: built.full.spec.provider,
      account: built.full.spec.account,
      externalId: built.full.spec.externalId,
      owner: 'group:default/payments',
      ownership: { status: 'owned', provenance: 'tagged' },
      createdBy: {
        type: 'agent',
        agent: {
          id: 'claude-code',
          onBehalfOf: 'user:default/chen',
        },
      },
      risk: {
        score: 60,
        level: 'critical',
        findings: [{ ruleId: 'NHI-ADMIN' }],
      },
      rotation: {
        status: 'overdue',
        oldestActiveSince: '2025-06-01T00:00:00Z',
      },
    });
    // the detail is everything the record and evaluation gave
    expect(built.full.spec).toMatchObject({
      environments: ['production'],
      lastUsed: { at: '2026-11-01T00:00:00Z' },
      credentials: [{ id: 'AKIAOLD' }, { id: 'AKIANEW' }],
      permissions: { admin: true, summary: 'Administrator' },
      ownership: { taggedBy: 'tag:team' },
      risk: { findings: [{ ruleId: 'NHI-ADMIN', evidence: 'Administrator' }] },
    });
    // a change of the detail only changes the detail's hash
    const again = buildEntity(
      mockNhiRecord({
        name: 'deployer',
        owner: { value: 'payments', via: 'tag:team' },
        createdBy: built.full.spec.createdBy,
        lastUsed: { at: '2026-11-02T00:00:00Z' },
      }),
      'aws:production',
      context,
      same,
    );
    const base = buildEntity(
      mockNhiRecord({
        name: 'deployer',
        owner: { value: 'payments', via: 'tag:team' },
        createdBy: built.full.spec.createdBy,
        lastUsed: { at: '2026-11-01T00:00:00Z' },
      }),
      'aws:production',
      context,
      same,
    );
    expect(again.hash).toBe(base.hash);
    expect(again.detailHash).not.toBe(base.detailHash);
  });
});
