import { ConfigReader, JsonValue } from '@backstage/config';
import { readNhiOwnershipConfig } from './ownershipConfig';

const read = (ownership: JsonValue) =>
  readNhiOwnershipConfig(new ConfigReader({ nhi: { ownership } }));

describe('readNhiOwnershipConfig', () => {
  it('defaults to no aliases and the agent sponsor as owner', () => {
    expect(readNhiOwnershipConfig(new ConfigReader({}))).toEqual({
      aliases: {},
      agentSponsor: 'owner',
    });
  });

  it('maps every name of an entry to its owner ref', () => {
    expect(
      read({
        aliases: [
          {
            owner: 'payments',
            names: ['payments-eng', 'Payments Engineering'],
          },
          { owner: 'user:ops.bot', names: ['ops'] },
        ],
        agentSponsor: 'suggest',
      }),
    ).toEqual({
      aliases: {
        'payments-eng': 'group:default/payments',
        'Payments Engineering': 'group:default/payments',
        ops: 'user:default/ops.bot',
      },
      agentSponsor: 'suggest',
    });
  });

  it.each([
    [
      { aliases: [{ owner: 'component:default/api', names: ['api'] }] },
      'nhi.ownership.aliases[0].owner must be a Group or User entity ref such as group:default/payments, got "component:default/api" (a component cannot own an identity)',
    ],
    [
      { aliases: [{ owner: 'payments', names: [] }] },
      'nhi.ownership.aliases[0].names must list at least one name',
    ],
    [
      {
        aliases: [
          { owner: 'payments', names: ['pay'] },
          { owner: 'billing', names: ['PAY'] },
        ],
      },
      'nhi.ownership.aliases[1].names[0]: "PAY" is already an alias of group:default/payments; aliases are matched regardless of case',
    ],
    [
      { agentSponsor: 'always' },
      'nhi.ownership.agentSponsor must be owner or suggest, got "always"',
    ],
  ])('refuses %j', (ownership, message) => {
    expect(() => read(ownership)).toThrow(message);
  });
});
