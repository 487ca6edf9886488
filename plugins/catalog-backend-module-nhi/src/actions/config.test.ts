import { ConfigReader } from '@backstage/config';
import { readNhiActionsConfig } from './config';

const read = (actions: object) =>
  readNhiActionsConfig(new ConfigReader({ nhi: { actions } }));

describe('readNhiActionsConfig', () => {
  it('defaults to no two-person rule, agent identities for 24 hours at most a week, and no enforcement', () => {
    expect(readNhiActionsConfig(new ConfigReader({}))).toEqual({
      twoPersonRule: { enabled: false },
      agentIdentity: { defaultExpiryHours: 24, maxExpiryHours: 168 },
      expiryEnforcement: {
        mode: 'off',
        schedule: expect.objectContaining({ frequency: { minutes: 15 } }),
      },
    });
  });

  it('reads every key', () => {
    expect(
      read({
        twoPersonRule: { enabled: true, actions: ['access-key:delete'] },
        agentIdentity: { defaultExpiryHours: 8, maxExpiryHours: 72 },
        expiryEnforcement: {
          mode: 'deactivate',
          schedule: { frequency: { minutes: 5 }, timeout: { minutes: 2 } },
        },
      }),
    ).toEqual({
      twoPersonRule: { enabled: true, actions: ['access-key:delete'] },
      agentIdentity: { defaultExpiryHours: 8, maxExpiryHours: 72 },
      expiryEnforcement: {
        mode: 'deactivate',
        schedule: { frequency: { minutes: 5 }, timeout: { minutes: 2 } },
      },
    });
  });

  it.each([
    [
      { expiryEnforcement: { mode: 'delete' } },
      'nhi.actions.expiryEnforcement.mode must be one of off, report, deactivate, got "delete"',
    ],
    [
      { agentIdentity: { maxExpiryHours: 0 } },
      'nhi.actions.agentIdentity.maxExpiryHours must be a number of hours above 0',
    ],
    [
      { agentIdentity: { defaultExpiryHours: 48, maxExpiryHours: 24 } },
      'defaultExpiryHours (48) is above maxExpiryHours (24)',
    ],
  ])('rejects %j, naming the key', (actions, message) => {
    expect(() => read(actions)).toThrow(message);
  });
});
