import { CatalogDirectory } from './directory';

const directory = new CatalogDirectory(
  [
    {
      kind: 'Group',
      namespace: 'default',
      name: 'payments',
      title: 'Payments',
      email: 'payments@example.com',
    },
    { kind: 'Group', namespace: 'default', name: 'data', title: 'Data & ML' },
    { kind: 'Group', namespace: 'emea', name: 'data' },
    {
      kind: 'User',
      namespace: 'default',
      name: 'alice',
      title: 'Alice Nakamura',
      email: 'Alice@Example.com',
      memberOf: ['payments', 'group:emea/data'],
    },
    { kind: 'User', namespace: 'default', name: 'payments' },
  ],
  [
    {
      ref: 'nonhumanidentity:default/ops-agent-1',
      name: 'ops-agent-1',
      externalId: 'agent:ops-agent',
      title: 'ops-agent',
    },
  ],
);

describe('CatalogDirectory', () => {
  it.each([
    ['payments', 'group:default/payments'],
    ['Payments', 'group:default/payments'],
    ['team-payments', 'group:default/payments'],
    ['payments-team', 'group:default/payments'],
    ['group:payments', 'group:default/payments'],
    ['group:default/payments', 'group:default/payments'],
    ['payments@example.com', 'group:default/payments'],
    ['alice@example.com', 'user:default/alice'],
    ['user:alice', 'user:default/alice'],
    ['Data & ML', 'group:default/data'],
    ['data', 'group:default/data'],
    ['group:emea/data', 'group:emea/data'],
  ])('resolves the owner %p to %p', (value, ref) => {
    expect(directory.resolveOwner(value)).toBe(ref);
  });

  it.each(['nobody', 'group:default/nobody', 'nobody@example.com', '', '  '])(
    'does not resolve the unknown owner %p',
    value => {
      expect(directory.resolveOwner(value)).toBeUndefined();
    },
  );

  it('resolves people to users only', () => {
    expect(directory.resolveUser('payments')).toBe('user:default/payments');
    expect(directory.resolveUser('Alice Nakamura')).toBe('user:default/alice');
    expect(directory.resolveUser('group:payments')).toBeUndefined();
  });

  it('knows which groups a user is in', () => {
    expect(directory.groupsOf('user:default/alice')).toEqual([
      'group:default/payments',
      'group:emea/data',
    ]);
    expect(directory.groupsOf('user:default/nobody')).toEqual([]);
  });

  it('finds AI agents by id, name or title', () => {
    for (const key of ['agent:ops-agent', 'ops-agent-1', 'OPS-AGENT']) {
      expect(directory.resolveAgent(key)).toBe(
        'nonhumanidentity:default/ops-agent-1',
      );
    }
    expect(directory.resolveAgent('other')).toBeUndefined();
  });
});
