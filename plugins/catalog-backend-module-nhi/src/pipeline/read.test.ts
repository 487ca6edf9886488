import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { mockServices } from '@backstage/backend-test-utils';
import { NhiSecretScanner } from '../lib/secrets/SecretScanner';
import { LEAKY_DESCRIPTION } from '../lib/secrets/__fixtures__/secrets';
import { readSource } from './read';
import { testRun } from './__testUtils__/run';

function setup(
  read: (emit: (r: NhiIdentityRecord[]) => Promise<void>) => Promise<any>,
  signal?: AbortSignal,
) {
  const { run } = testRun();
  const taken: NhiIdentityRecord[] = [];
  const flush = jest.fn();
  const result = readSource({
    source: { type: 'test', id: 'unit', read: ({ emit }) => read(emit) },
    logger: mockServices.logger.mock(),
    signal,
    scanner: new NhiSecretScanner(),
    run,
    take: async ({ record }) => {
      taken.push(record);
    },
    flush,
  });
  return { run, taken, flush, result };
}

describe('readSource', () => {
  it('hands on screened records, flushes at the end and adds the source’s problems to the run', async () => {
    const { run, taken, flush, result } = setup(async emit => {
      await emit([
        mockNhiRecord({ name: 'a', description: LEAKY_DESCRIPTION }),
      ]);
      await emit([mockNhiRecord({ name: 'b' })]);
      return {
        complete: false,
        completeScopes: ['1'],
        errors: [{ message: 'account 2: access denied' }],
        invalid: 2,
      };
    });
    expect(await result).toMatchObject({ complete: false });
    expect(taken.map(r => r.name)).toEqual(['a', 'b']);
    expect(taken[0].description).not.toEqual(LEAKY_DESCRIPTION);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(run.counts).toMatchObject({ read: 2, invalid: 2 });
    expect(run.errorCount).toBe(1);
  });

  it('fails an aborted or failed read, writing what was pending', async () => {
    const controller = new AbortController();
    controller.abort();
    const { run, taken, flush, result } = setup(async emit => {
      await emit([mockNhiRecord()]);
      return { complete: true, errors: [] };
    }, controller.signal);
    expect(await result).toBeUndefined();
    expect(taken).toEqual([]);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(run.errorCount).toBe(1);
    expect((await run.finish('failed')).errors[0].message).toBe(
      'the read failed, nothing was removed: the run was aborted',
    );
  });
});
