import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import {
  hasUnresolvedReferences,
  NhiReresolver,
  worthResolvingAgain,
} from './reresolution';

const seen = (over: object = {}) => ({
  directoryEntities: 0,
  declarations: 0,
  unresolved: 0,
  unowned: 0,
  ...over,
});

describe('worthResolvingAgain', () => {
  it('when people arrived and names were left unresolved', () => {
    const now = { directoryEntities: 12, declarations: 0 };
    expect(worthResolvingAgain(seen({ unresolved: 3 }), now)).toBe(true);
    expect(worthResolvingAgain(seen({ unowned: 3 }), now)).toBe(false);
    expect(
      worthResolvingAgain(seen({ unresolved: 3, directoryEntities: 12 }), now),
    ).toBe(false);
  });

  it('when declaring entities arrived and identities were left unowned', () => {
    const now = { directoryEntities: 0, declarations: 4 };
    expect(worthResolvingAgain(seen({ unowned: 1 }), now)).toBe(true);
    expect(worthResolvingAgain(seen({ unresolved: 1 }), now)).toBe(false);
  });
});

describe('hasUnresolvedReferences', () => {
  const entity = (spec: object) => ({ spec: { ...spec } } as any);
  it('sees an owner, a creator or an accountable human the catalog did not know', () => {
    const record = mockNhiRecord();
    expect(
      hasUnresolvedReferences(
        record,
        entity({ ownership: { status: 'unowned', unresolvedOwner: 'pay' } }),
      ),
    ).toBe(true);
    expect(
      hasUnresolvedReferences(
        { ...record, createdBy: { type: 'person', name: 'alice@x' } },
        entity({ createdBy: { type: 'person', name: 'alice@x' } }),
      ),
    ).toBe(true);
    expect(
      hasUnresolvedReferences(
        record,
        entity({ agent: { onBehalfOf: 'bob@example.com' } }),
      ),
    ).toBe(true);
    expect(
      hasUnresolvedReferences(
        { ...record, createdBy: { type: 'person', name: 'alice@x' } },
        entity({
          ownership: { status: 'owned' },
          createdBy: { type: 'person', ref: 'user:default/alice' },
          agent: { onBehalfOf: 'user:default/bob' },
        }),
      ),
    ).toBe(false);
  });
});

describe('NhiReresolver', () => {
  function setup(
    runs: Map<string, any>,
    counts = { directoryEntities: 5, declarations: 0 },
  ) {
    const trigger = jest.fn(async (_key: string) => {});
    const count = jest.fn(async () => counts);
    const reresolver = new NhiReresolver({
      listEnrichment: async () => runs,
      count,
      trigger,
      sourceKeys: [...runs.keys(), 'file:never-ran'],
      logger: mockServices.logger.mock(),
    });
    return { reresolver, trigger, count };
  }

  it('runs the sources whose unresolved names may resolve now, not running ones', async () => {
    const { reresolver, trigger } = setup(
      new Map([
        ['aws:prod', { running: false, seen: seen({ unresolved: 4 }) }],
        ['aws:dev', { running: true, seen: seen({ unresolved: 4 }) }],
        [
          'file:ok',
          {
            running: false,
            seen: seen({ unresolved: 4, directoryEntities: 5 }),
          },
        ],
      ]),
    );
    expect(await reresolver.check()).toEqual(['aws:prod']);
    expect(trigger).toHaveBeenCalledTimes(1);
  });

  it('starts a source once per change of the counts, even if its run fails', async () => {
    const counts = { directoryEntities: 5, declarations: 0 };
    const { reresolver, trigger } = setup(
      new Map([
        ['aws:prod', { running: false, seen: seen({ unresolved: 1 }) }],
      ]),
      counts,
    );
    expect(await reresolver.check()).toEqual(['aws:prod']);
    // its run failed before recording what it saw: not started again
    expect(await reresolver.check()).toEqual([]);
    counts.directoryEntities = 9;
    expect(await reresolver.check()).toEqual(['aws:prod']);
    expect(trigger).toHaveBeenCalledTimes(2);
  });

  it('does not count when no source has anything left to resolve', async () => {
    const { reresolver, count } = setup(
      new Map([['aws:prod', { running: false, seen: seen() }]]),
    );
    expect(await reresolver.check()).toEqual([]);
    expect(count).not.toHaveBeenCalled();
  });

  it('takes a run that started meanwhile for done', async () => {
    const { reresolver, trigger } = setup(
      new Map([
        ['aws:prod', { running: false, seen: seen({ unresolved: 1 }) }],
      ]),
    );
    trigger.mockRejectedValueOnce(
      new ConflictError('Task is currently running'),
    );
    expect(await reresolver.check()).toEqual([]);
    trigger.mockRejectedValueOnce(new Error('database down'));
    await expect(reresolver.check()).rejects.toThrow('database down');
  });
});
