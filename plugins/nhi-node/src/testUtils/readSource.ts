import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceReadSummary,
} from '../source';
import { validateNhiRecord } from '../validateRecord';

/**
 * A logger that drops every line: for tests and benchmarks that read a
 * source without wanting its log.
 *
 * @public
 */
export const silentLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/**
 * What {@link readSource} collected.
 *
 * @public
 */
export interface ReadSourceResult {
  /** Every record emitted, in order. */
  records: NhiIdentityRecord[];
  /** Sizes of the emitted batches. */
  batchSizes: number[];
  summary: NhiSourceReadSummary;
  /** Records that fail the model, with the problem: a source under test should have none. */
  invalid: Array<{ record: NhiIdentityRecord; problem: string }>;
}

/**
 * Runs one read of a source the way the pipeline does and collects what it
 * emitted, checking each record against the model.
 *
 * @example
 * ```ts
 * const { records, summary, invalid } = await readSource(source);
 * expect(invalid).toEqual([]);
 * expect(summary.complete).toBe(true);
 * ```
 *
 * @public
 */
export async function readSource(
  source: NhiIdentitySource,
  options?: { signal?: AbortSignal; logger?: LoggerService },
): Promise<ReadSourceResult> {
  const records: NhiIdentityRecord[] = [];
  const batchSizes: number[] = [];
  const invalid: ReadSourceResult['invalid'] = [];
  const summary = await source.read({
    logger: options?.logger ?? silentLogger,
    signal: options?.signal ?? new AbortController().signal,
    async emit(batch) {
      batchSizes.push(batch.length);
      for (const record of batch) {
        records.push(record);
        const problem = validateNhiRecord(record);
        if (problem) invalid.push({ record, problem });
      }
    },
  });
  return { records, batchSizes, summary, invalid };
}
