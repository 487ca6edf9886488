import { EmittedEntity } from '../database/NhiPipelineStore';
import { emittedState, NhiBatchEmitter, writeIdentities } from './emit';
import { builtIdentity, testRun } from './__testUtils__/run';

function setup(
  options: {
    previous?: EmittedEntity[];
    resync?: boolean;
    byOthers?: Map<string, string>;
  } = {},
) {
  const { run } = testRun();
  const connection = { applyMutation: jest.fn() };
  const summary = { write: jest.fn(), remove: jest.fn() };
  const store = {
    upsertEmitted: jest.fn(),
    emittedByOthers: jest.fn(async () => options.byOthers ?? new Map()),
  };
  const onTakenByOther = jest.fn();
  const emitter = new NhiBatchEmitter({
    sourceKey: 'test:unit',
    connection,
    summary,
    store,
    run,
    previous: new Map((options.previous ?? []).map(e => [e.entityRef, e])),
    resync: options.resync ?? false,
    otherSources: ['test:other'],
    batchSize: 2,
    onTakenByOther,
  });
  const sentToCatalog = () =>
    connection.applyMutation.mock.calls.flatMap(([m]) =>
      m.added.map((a: any) => a.entity.metadata.title),
    );
  return {
    run,
    connection,
    summary,
    store,
    emitter,
    onTakenByOther,
    sentToCatalog,
  };
}

describe('NhiBatchEmitter', () => {
  it('writes new identities in batches: catalog, then summary, then hashes', async () => {
    const { run, summary, store, emitter, sentToCatalog } = setup();
    await emitter.add(builtIdentity({ name: 'a' }));
    expect(sentToCatalog()).toEqual([]);
    await emitter.add(builtIdentity({ name: 'b' }));
    expect(sentToCatalog()).toEqual(['a', 'b']);
    await emitter.add(builtIdentity({ name: 'c' }));
    await emitter.flush();
    expect(sentToCatalog()).toEqual(['a', 'b', 'c']);
    expect(summary.write).toHaveBeenCalledTimes(2);
    expect(store.upsertEmitted).toHaveBeenCalledTimes(2);
    expect(run.counts).toMatchObject({ changed: 3, emitted: 3, unchanged: 0 });
  });

  it('only counts an unchanged identity, and sends a detail-only change to the summary but not the catalog', async () => {
    const same = builtIdentity({ name: 'same' });
    const detail = builtIdentity({ name: 'detail' });
    const { run, summary, emitter, sentToCatalog } = setup({
      previous: [
        emittedState(same),
        { ...emittedState(detail), detailHash: 'older' },
      ],
    });
    await emitter.add(same);
    await emitter.add(detail);
    await emitter.flush();
    expect(sentToCatalog()).toEqual([]);
    expect(summary.write).toHaveBeenCalledWith('test:unit', [detail.full]);
    expect(run.counts).toMatchObject({ unchanged: 1, changed: 1, emitted: 0 });
  });

  it('sends everything again on a resync', async () => {
    const same = builtIdentity({ name: 'same' });
    const { run, emitter, sentToCatalog } = setup({
      previous: [emittedState(same)],
      resync: true,
    });
    await emitter.add(same);
    await emitter.flush();
    expect(sentToCatalog()).toEqual(['same']);
    expect(run.counts).toMatchObject({ unchanged: 1, emitted: 1 });
  });

  it('reports an identity another source emits instead of sending it', async () => {
    const taken = builtIdentity({ name: 'taken' });
    const { run, emitter, onTakenByOther, sentToCatalog } = setup({
      byOthers: new Map([[taken.entityRef, 'test:other']]),
    });
    await emitter.add(taken);
    await emitter.add(builtIdentity({ name: 'mine' }));
    expect(sentToCatalog()).toEqual(['mine']);
    expect(onTakenByOther).toHaveBeenCalledWith(taken.entityRef);
    expect(run.counts.duplicate).toBe(1);
    expect(run.errorCount).toBe(1);
  });
});

describe('writeIdentities', () => {
  it('does not write the hashes when the summary could not be written', async () => {
    const connection = { applyMutation: jest.fn() };
    const summary = {
      write: jest.fn(async () => {
        throw new Error('database down');
      }),
      remove: jest.fn(),
    };
    const store = { upsertEmitted: jest.fn() };
    await expect(
      writeIdentities({ sourceKey: 'test:unit', connection, summary, store }, [
        builtIdentity(),
      ]),
    ).rejects.toThrow('database down');
    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    expect(store.upsertEmitted).not.toHaveBeenCalled();
  });
});
