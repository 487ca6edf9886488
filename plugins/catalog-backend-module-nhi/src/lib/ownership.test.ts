import { CatalogDirectory } from './directory';
import { resolveOwnership } from './ownership';

const directory = new CatalogDirectory([
  { kind: 'Group', namespace: 'default', name: 'payments' },
  { kind: 'Group', namespace: 'default', name: 'billing' },
  { kind: 'Group', namespace: 'default', name: 'platform' },
  { kind: 'User', namespace: 'default', name: 'alice', memberOf: ['platform'] },
]);
const claim = {
  entityRef: 'nonhumanidentity:default/x',
  owner: 'group:default/billing',
  claimedBy: 'user:default/alice',
  approvedBy: 'user:default/bob',
  approvedAt: '2026-11-28T10:00:00Z',
  claimId: 'c1',
};
const decl = (entityRef: string, owner?: string) => ({
  entityRef,
  owner,
  patterns: [],
});

describe('resolveOwnership', () => {
  it('prefers an approved claim, keeping the fallback for a release', () => {
    const { result, fallback } = resolveOwnership(
      {
        claim,
        sourceOwner: { value: 'payments', via: 'tag:team' },
        declaredBy: [],
        people: [],
      },
      directory,
    );
    expect(result).toEqual({
      owner: 'group:default/billing',
      ownership: {
        status: 'owned',
        provenance: 'claimed',
        claim: {
          claimedBy: 'user:default/alice',
          approvedBy: 'user:default/bob',
          approvedAt: '2026-11-28T10:00:00Z',
          claimId: 'c1',
        },
      },
    });
    expect(fallback).toEqual({
      owner: 'group:default/payments',
      ownership: {
        status: 'owned',
        provenance: 'tagged',
        taggedBy: 'tag:team',
      },
    });
  });

  it('uses the source owner over declarations', () => {
    const { result } = resolveOwnership(
      {
        sourceOwner: { value: 'payments', via: 'tag:team' },
        declaredBy: [decl('component:default/a', 'group:default/billing')],
        people: [],
      },
      directory,
    );
    expect(result.owner).toBe('group:default/payments');
  });

  it('infers the owner when declaring components agree, noting an unknown tag', () => {
    const { result } = resolveOwnership(
      {
        sourceOwner: { value: 'ghost-team', via: 'tag:owner' },
        declaredBy: [
          decl('component:default/a', 'group:default/billing'),
          decl('component:default/b', 'group:default/billing'),
        ],
        people: [],
      },
      directory,
    );
    expect(result).toEqual({
      owner: 'group:default/billing',
      ownership: {
        status: 'owned',
        provenance: 'inferred',
        inferredFrom: ['component:default/a', 'component:default/b'],
        unresolvedOwner: 'ghost-team',
      },
    });
  });

  it('leaves it unowned with suggestions when declarations disagree', () => {
    const { result } = resolveOwnership(
      {
        declaredBy: [
          decl('component:default/a', 'group:default/billing'),
          decl('component:default/b', 'group:default/payments'),
          decl('component:default/c', 'group:default/payments'),
        ],
        people: ['user:default/alice'],
      },
      directory,
    );
    expect(result).toEqual({
      ownership: {
        status: 'unowned',
        provenance: 'none',
        suggestedOwners: [
          'group:default/payments',
          'group:default/billing',
          'group:default/platform',
        ],
      },
    });
  });

  it('is explicitly unowned when nothing is known', () => {
    expect(
      resolveOwnership({ declaredBy: [], people: [] }, directory).result,
    ).toEqual({
      ownership: { status: 'unowned', provenance: 'none' },
    });
  });

  it('resolves an owner tag through a configured alias, and says so', () => {
    const aliased = new CatalogDirectory(
      [{ kind: 'Group', namespace: 'default', name: 'payments' }],
      [],
      { 'payments-eng': 'group:default/payments', Ghost: 'group:default/gone' },
    );
    const tagged = (value: string) =>
      resolveOwnership(
        {
          sourceOwner: { value, via: 'tag:team' },
          declaredBy: [],
          people: [],
        },
        aliased,
      ).result;
    expect(tagged('Payments-Eng')).toEqual({
      owner: 'group:default/payments',
      ownership: {
        status: 'owned',
        provenance: 'tagged',
        taggedBy: 'tag:team "Payments-Eng" (alias)',
      },
    });
    // without an alias the name rules still apply, and an alias to an
    // entity that is not in the catalog resolves to nobody
    expect(tagged('team-payments').owner).toBe('group:default/payments');
    expect(tagged('ghost').ownership).toEqual({
      status: 'unowned',
      provenance: 'none',
      unresolvedOwner: 'ghost',
    });
  });

  it('makes the human an agent acted for the owner of what it made, suggesting their teams', () => {
    const inputs = {
      declaredBy: [],
      people: ['user:default/alice'],
      sponsor: 'user:default/alice',
    };
    expect(resolveOwnership(inputs, directory).result).toEqual({
      owner: 'user:default/alice',
      ownership: {
        status: 'owned',
        provenance: 'agent-sponsor',
        suggestedOwners: ['group:default/platform'],
      },
    });
    // a team tag, a claim or a declaring component still comes first
    expect(
      resolveOwnership(
        { ...inputs, sourceOwner: { value: 'payments', via: 'tag:team' } },
        directory,
      ).result.owner,
    ).toBe('group:default/payments');
    expect(
      resolveOwnership(
        {
          ...inputs,
          declaredBy: [decl('component:default/api', 'group:default/billing')],
        },
        directory,
      ).result.owner,
    ).toBe('group:default/billing');
    // configured to suggest only: unowned, the teams suggested
    expect(
      resolveOwnership({ ...inputs, sponsorAsOwner: false }, directory).result,
    ).toEqual({
      ownership: {
        status: 'unowned',
        provenance: 'none',
        suggestedOwners: ['group:default/platform'],
      },
    });
  });
});
