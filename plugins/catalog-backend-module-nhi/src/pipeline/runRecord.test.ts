import { GITHUB_TOKEN } from '../lib/secrets/__fixtures__/secrets';
import { testRun } from './__testUtils__/run';

describe('NhiRunRecord', () => {
  it('records the run with its counts, its first 100 problems and the most frequent unresolved owners', async () => {
    const { run, store, logger } = testRun();
    await run.start();
    expect(store.startRun).toHaveBeenCalledWith('test:unit', run.startedAt);
    run.counts.read = 3;
    for (let i = 0; i < 120; i++) run.addError({ message: `problem ${i}` });
    expect(run.errorCount).toBe(100);
    for (const name of ['payments', 'zeta', 'alpha', 'payments']) {
      run.noteUnresolvedOwner(name);
    }
    const recorded = await run.finish('partial', { apiCalls: 2 });
    expect(recorded).toMatchObject({
      sourceKey: 'test:unit',
      status: 'partial',
      counts: { read: 3 },
      stats: { apiCalls: 2 },
      unresolvedOwners: [
        { value: 'payments', count: 2 },
        { value: 'alpha', count: 1 },
        { value: 'zeta', count: 1 },
      ],
    });
    expect(recorded.errors).toHaveLength(100);
    expect(store.finishRun).toHaveBeenCalledWith(recorded);
    // the outcome line and the first five problems
    expect(logger.warn).toHaveBeenCalledTimes(6);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^NHI source test:unit partial in [\d.]+s: read 3, .* errors 100$/,
      ),
    );
  });

  it('logs a successful run as info, and redacts secrets a problem quotes', async () => {
    const { run, logger } = testRun();
    run.addError({
      message: `bad line: token ${GITHUB_TOKEN}`,
      scope: '123',
    });
    const recorded = await run.finish('succeeded');
    expect(recorded.errors[0].message).toMatch(/^bad line: token /);
    expect(recorded.errors[0].message).not.toContain(GITHUB_TOKEN);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
