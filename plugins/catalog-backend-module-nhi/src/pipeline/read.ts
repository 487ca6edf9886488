import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NhiIdentitySource,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import { NhiSecretScanner } from '../lib/secrets/SecretScanner';
import { ScreenedRecord, screenRecords } from '../lib/secrets/screenRecords';
import { errorMessage, NhiRunRecord } from './runRecord';

/**
 * The read step: the source reads and streams its records, each batch
 * screened for secrets before anything is validated or kept, and handed on
 * record by record (`take`); `flush` writes what is pending at the end.
 *
 * Returns the source's summary, its problems and invalid items added to
 * the run; undefined when the read failed or was aborted (recorded as a
 * problem: nothing is removed then).
 */
export async function readSource(options: {
  source: NhiIdentitySource;
  logger: LoggerService;
  signal?: AbortSignal;
  scanner: NhiSecretScanner;
  run: NhiRunRecord;
  take(screened: ScreenedRecord): Promise<void>;
  flush(): Promise<void>;
}): Promise<NhiSourceReadSummary | undefined> {
  const { source, logger, scanner, run, take, flush } = options;
  const signal = options.signal ?? new AbortController().signal;
  let summary: NhiSourceReadSummary;
  try {
    summary = await source.read({
      logger,
      signal,
      emit: async records => {
        if (signal.aborted) {
          throw new Error('the run was aborted');
        }
        // normalize: secrets out before anything is validated or kept
        for (const screened of await screenRecords(records, scanner)) {
          await take(screened);
        }
      },
    });
    await flush();
  } catch (e) {
    try {
      await flush();
    } catch {
      // the run failed already; what was not written is written next run
    }
    run.addError({
      message: `the read failed, nothing was removed: ${errorMessage(e)}`,
    });
    return undefined;
  }
  for (const e of summary.errors) run.addError(e);
  // items the source could not make records of, reported in its errors
  run.counts.read += summary.invalid ?? 0;
  run.counts.invalid += summary.invalid ?? 0;
  return summary;
}
