import { mockServices } from '@backstage/backend-test-utils';
import { EmittedEntity } from '../database/NhiPipelineStore';
import { NhiRunIntake } from './intake';
import { removalCandidates, removeMissing } from './remove';
import { emptyContext, testRun } from './__testUtils__/run';

const emitted = (name: string, scope: string): EmittedEntity => ({
  entityRef: `nonhumanidentity:default/${name}`,
  scope,
  hash: 'h',
});
const previous = new Map(
  [
    emitted('a1', 'a'),
    emitted('a2', 'a'),
    emitted('b1', 'b'),
    emitted('c1', 'c'),
  ].map(e => [e.entityRef, e]),
);
const ref = (name: string) => `nonhumanidentity:default/${name}`;

function intakeListing(...names: string[]) {
  const listed = new Set(names.map(ref));
  return {
    listed: (r: string) => listed.has(r),
    incompleteScopes: new Set<string>(),
    unscopedInvalid: false,
  };
}

describe('removalCandidates', () => {
  it('removes what a complete read did not list', () => {
    expect(
      removalCandidates({
        previous,
        intake: intakeListing('a1', 'b1'),
        read: { complete: true },
      }),
    ).toEqual({ allComplete: true, candidates: [ref('a2'), ref('c1')] });
  });

  it('removes only in the scopes a partial read completed, without an invalid record there', () => {
    const intake = intakeListing('a1');
    intake.incompleteScopes.add('b');
    expect(
      removalCandidates({
        previous,
        intake,
        read: { complete: false, completeScopes: ['a', 'b'] },
      }),
    ).toEqual({ allComplete: false, candidates: [ref('a2')] });
  });

  it('removes nothing when an invalid record has neither a name nor a scope', () => {
    const intake = { ...intakeListing(), unscopedInvalid: true };
    expect(
      removalCandidates({ previous, intake, read: { complete: true } }),
    ).toEqual({ allComplete: false, candidates: [] });
  });
});

describe('removeMissing', () => {
  function setup(maxRemovalPercent: number) {
    const { run } = testRun();
    const intake = new NhiRunIntake({
      sourceKey: 'test:unit',
      context: emptyContext(),
      evaluate: e => e,
      run,
    });
    intake.seen.add(ref('a1'));
    const connection = { applyMutation: jest.fn() };
    const summary = { write: jest.fn(), remove: jest.fn() };
    const store = {
      deleteEmitted: jest.fn(),
      loadHeldRemoval: jest.fn(async () => undefined),
      holdRemoval: jest.fn(),
      clearHeldRemoval: jest.fn(),
    };
    const remove = (resync: boolean) =>
      removeMissing({
        sourceKey: 'test:unit',
        connection,
        summary,
        store: store as any,
        logger: mockServices.logger.mock(),
        run,
        intake,
        previous,
        read: { complete: true, errors: [] },
        resync,
        batchSize: 2,
        maxRemovalPercent,
        catalogRefsOfSource: async () => [ref('a1'), ref('orphan')],
      });
    return { run, connection, summary, store, remove };
  }

  it('removes in batches from the catalog, the summary and its state; on a resync also what only the catalog has', async () => {
    const { run, connection, summary, store, remove } = setup(100);
    expect(await remove(true)).toEqual({
      allComplete: true,
      held: [],
      removedKnown: 3,
    });
    expect(connection.applyMutation).toHaveBeenCalledTimes(2);
    expect(summary.remove).toHaveBeenLastCalledWith('test:unit', [
      ref('c1'),
      ref('orphan'),
    ]);
    expect(store.deleteEmitted).toHaveBeenCalledTimes(2);
    expect(run.counts.removed).toBe(4);
  });

  it('holds a removal past the guard and records why', async () => {
    const { run, connection, store, remove } = setup(20);
    expect(await remove(false)).toEqual({
      allComplete: true,
      held: [ref('a2'), ref('b1'), ref('c1')],
      removedKnown: 0,
    });
    expect(connection.applyMutation).not.toHaveBeenCalled();
    expect(store.holdRemoval).toHaveBeenCalled();
    expect((await run.finish('held')).errors[0].message).toMatch(
      /^removal held: the run would remove 3 of the source's 4 identities \(75%, more than 20%\)/,
    );
  });

  it('records a failed removal instead of throwing', async () => {
    const { run, connection, remove } = setup(100);
    connection.applyMutation.mockRejectedValueOnce(new Error('catalog down'));
    expect(await remove(false)).toBeUndefined();
    expect((await run.finish('partial')).errors[0].message).toBe(
      'removing identities failed: catalog down',
    );
  });
});
