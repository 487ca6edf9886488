import { Entity } from '@backstage/catalog-model';
import { NHI_RULES } from '@backstage-nhi/plugin-nhi-common';
import { identities, NOW } from '../__fixtures__/catalog';
import {
  aggregateNhiFacts,
  emptyNhiAggregateFacts,
  NHI_FACT_RULES,
  NhiFactAggregator,
  nhiIdentityFacts,
  nhiOwnerRef,
} from './aggregate';

function identity(spec: Record<string, unknown>): Entity {
  return {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name: 'x', namespace: 'default' },
    spec: spec as Entity['spec'],
  };
}

describe('aggregateNhiFacts', () => {
  const { byDependent, byOwner } = aggregateNhiFacts(identities, NOW);

  it('counts the identities each component uses', () => {
    expect(byDependent.get('component:default/payments-api')).toEqual({
      identities: 5,
      critical: 2,
      high: 3,
      unowned: 1,
      dormant: 2,
      overdueRotation: 3,
      leaked: 1,
      admin: 1,
      agentsWithoutExpiry: 1,
      ownershipCoverage: 80,
      oldestCredentialAgeDays: 365,
      // pay-db-user overdue, pay-stripe-key never rotated, pay-admin-role
      // expired: 2 of 5 within policy
      credentials: 5,
      credentialsPastPolicy: 3,
      credentialsWithinPolicy: 40,
      dormantShare: 40,
      criticalPer100: 40,
    });
    expect(byDependent.get('component:default/tracking-api')).toEqual({
      ...emptyNhiAggregateFacts(),
      identities: 2,
      oldestCredentialAgeDays: 272,
      // due soon is still within policy
      credentials: 2,
    });
    expect(byDependent.get('component:default/ci-runner')).toEqual({
      identities: 3,
      critical: 1,
      high: 1,
      unowned: 1,
      dormant: 2,
      overdueRotation: 2,
      leaked: 0,
      admin: 1,
      agentsWithoutExpiry: 0,
      // 2 of 3, rounded down: never 66.67.
      ownershipCoverage: 66.66,
      oldestCredentialAgeDays: 1335,
      // ci-deployer's revoked key does not count
      credentials: 4,
      credentialsPastPolicy: 2,
      credentialsWithinPolicy: 50,
      // 2 of 3 and 1 of 3, rounded up: never 66.66 or 33.33
      dormantShare: 66.67,
      criticalPer100: 33.34,
    });
  });

  it('keys every entity named in usedBy, of any kind, and nothing else', () => {
    expect([...byDependent.keys()].sort()).toEqual([
      'component:default/ci-runner',
      'component:default/ghost-service',
      'component:default/payments-api',
      'component:default/tracking-api',
      'resource:default/orders-db',
    ]);
  });

  it('counts the identities each owner owns directly', () => {
    expect(byOwner.get('group:default/payments')).toEqual({
      identities: 4,
      critical: 1,
      high: 2,
      unowned: 0,
      dormant: 0,
      overdueRotation: 2,
      // orphan-token's leak is an accepted risk.
      leaked: 1,
      admin: 0,
      agentsWithoutExpiry: 1,
      ownershipCoverage: 100,
      oldestCredentialAgeDays: 365,
      credentials: 4,
      credentialsPastPolicy: 2,
      credentialsWithinPolicy: 50,
      dormantShare: 0,
      criticalPer100: 25,
    });
    expect(byOwner.get('group:default/platform')).toEqual({
      identities: 4,
      critical: 1,
      high: 0,
      unowned: 0,
      dormant: 2,
      overdueRotation: 1,
      leaked: 0,
      admin: 1,
      agentsWithoutExpiry: 0,
      ownershipCoverage: 100,
      oldestCredentialAgeDays: 272,
      credentials: 3,
      credentialsPastPolicy: 1,
      credentialsWithinPolicy: 66.66,
      dormantShare: 50,
      criticalPer100: 25,
    });
    expect(byOwner.get('user:default/amir.karimi')?.identities).toBe(1);
    expect(byOwner.size).toBe(3);
  });

  it('gives the same answer page by page as all at once', () => {
    const aggregator = new NhiFactAggregator(NOW);
    for (const page of [identities.slice(0, 4), identities.slice(4)]) {
      for (const i of page) aggregator.add(i);
    }
    expect(aggregator.result()).toEqual(aggregateNhiFacts(identities, NOW));
  });

  it('has nothing for no identities', () => {
    const none = aggregateNhiFacts([], NOW);
    expect(none.byDependent.size).toBe(0);
    expect(none.byOwner.size).toBe(0);
  });
});

describe('nhiIdentityFacts', () => {
  it('gives the facts of one identity', () => {
    expect(nhiIdentityFacts(identities[0], NOW)).toEqual({
      riskLevel: 'critical',
      riskScore: 60,
      overdueRotation: true,
      dormant: false,
      leaked: true,
      admin: false,
      agentWithoutExpiry: false,
      unowned: false,
      oldestCredentialAgeDays: 331,
      credentials: 1,
      credentialsPastPolicy: 1,
    });
  });

  it('treats an identity not yet evaluated as having no findings', () => {
    expect(nhiIdentityFacts(identity({ owner: 'team-a' }), NOW)).toEqual({
      riskLevel: 'none',
      riskScore: 0,
      overdueRotation: false,
      dormant: false,
      leaked: false,
      admin: false,
      agentWithoutExpiry: false,
      unowned: false,
      oldestCredentialAgeDays: 0,
      credentials: 0,
      credentialsPastPolicy: 0,
    });
  });

  it('counts the catalog’s lean copy of an identity as one credential with its rotation status, having no credentials', () => {
    const lean = (status: string) =>
      nhiIdentityFacts(identity({ rotation: { status } }), NOW);
    expect(lean('overdue')).toMatchObject({
      credentials: 1,
      credentialsPastPolicy: 1,
    });
    expect(lean('due-soon')).toMatchObject({
      credentials: 1,
      credentialsPastPolicy: 0,
    });
    expect(lean('not-applicable')).toMatchObject({
      credentials: 0,
      credentialsPastPolicy: 0,
    });
  });

  it('falls back to the credentials when the identity has no rotation summary', () => {
    const facts = nhiIdentityFacts(
      identity({
        credentials: [
          {
            id: 'a',
            kind: 'token',
            status: 'active',
            rotation: { status: 'ok' },
          },
          {
            id: 'b',
            kind: 'token',
            status: 'active',
            rotation: { status: 'overdue' },
          },
        ],
      }),
      NOW,
    );
    expect(facts.overdueRotation).toBe(true);
  });

  it('reads the oldest credential of an identity from a source from its rotation summary (its catalog entity holds no credentials)', () => {
    const since = new Date(NOW.getTime() - 120 * 86_400_000).toISOString();
    expect(
      nhiIdentityFacts(
        identity({ rotation: { status: 'overdue', oldestActiveSince: since } }),
        NOW,
      ).oldestCredentialAgeDays,
    ).toBe(120);
    // credentials, where the entity has them, are the answer
    expect(
      nhiIdentityFacts(
        identity({
          rotation: { status: 'ok', oldestActiveSince: since },
          credentials: [],
        }),
        NOW,
      ).oldestCredentialAgeDays,
    ).toBe(0);
  });

  it('ignores credentials dated in the future or not dated', () => {
    const facts = nhiIdentityFacts(
      identity({
        credentials: [
          { id: 'a', kind: 'token', status: 'active', createdAt: '2027-01-01' },
          { id: 'b', kind: 'token', status: 'active' },
          { id: 'c', kind: 'token', status: 'active', createdAt: 'soon' },
        ],
      }),
      NOW,
    );
    expect(facts.oldestCredentialAgeDays).toBe(0);
  });

  it('counts the rules it names, which all exist', () => {
    const ids = NHI_RULES.map(r => r.id);
    for (const rule of Object.values(NHI_FACT_RULES).flat()) {
      expect(ids).toContain(rule);
    }
  });
});

describe('nhiOwnerRef', () => {
  it('resolves the owner like the ownedBy relation', () => {
    expect(nhiOwnerRef(identity({ owner: 'Payments' }))).toBe(
      'group:default/payments',
    );
    expect(nhiOwnerRef(identity({ owner: 'user:jo' }))).toBe('user:default/jo');
  });

  it('has no owner for an unowned identity', () => {
    expect(nhiOwnerRef(identity({}))).toBeUndefined();
    expect(nhiOwnerRef(identity({ owner: '' }))).toBeUndefined();
    expect(
      nhiOwnerRef(
        identity({ owner: 'group:a', ownership: { status: 'unowned' } }),
      ),
    ).toBeUndefined();
  });
});
