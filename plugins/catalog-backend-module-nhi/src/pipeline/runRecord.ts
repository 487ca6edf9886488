import { LoggerService } from '@backstage/backend-plugin-api';
import { NhiSourceError } from '@backstage-nhi/plugin-nhi-node';
import { NhiPipelineStore, NhiSourceRun } from '../database/NhiPipelineStore';
import { NhiSecretScanner } from '../lib/secrets/SecretScanner';
import { redactErrors } from '../lib/secrets/screenRecords';

/** Counts of one run, recorded with it. */
export interface NhiRunCounts {
  read: number;
  invalid: number;
  duplicate: number;
  /** Identities whose entity or detail changed (their summary was written). */
  changed: number;
  unchanged: number;
  /** Identities sent to the catalog: those whose lean entity changed. */
  emitted: number;
  removed: number;
  entities: number;
}

const MAX_RECORDED_ERRORS = 100;
/** Unresolved owner names kept per run, most frequent first. */
const MAX_UNRESOLVED_OWNERS = 50;

/**
 * The bookkeeping of one run of a source: its counts, its problems (the
 * first 100), the owner names nobody in the catalog answers to (for the
 * Sources card), its start and its finish, recorded for the UI and logged.
 */
export class NhiRunRecord {
  readonly counts: NhiRunCounts = {
    read: 0,
    invalid: 0,
    duplicate: 0,
    changed: 0,
    unchanged: 0,
    emitted: 0,
    removed: 0,
    entities: 0,
  };
  readonly startedAt = new Date();
  private readonly errors: NhiSourceError[] = [];
  private readonly unresolvedOwners = new Map<string, number>();

  constructor(
    private readonly options: {
      sourceKey: string;
      store: Pick<NhiPipelineStore, 'startRun' | 'finishRun'>;
      logger: LoggerService;
      /** Redacts what a problem quotes of what the source read. */
      scanner: NhiSecretScanner;
    },
  ) {}

  /** Records that the run started (the UI shows it running). */
  async start() {
    await this.options.store.startRun(this.options.sourceKey, this.startedAt);
  }

  /** Records a problem of the run; past the first 100 they are dropped. */
  addError = (error: NhiSourceError) => {
    if (this.errors.length < MAX_RECORDED_ERRORS) this.errors.push(error);
  };

  /** Problems recorded so far. */
  get errorCount(): number {
    return this.errors.length;
  }

  /** Counts an owner name that resolved to nobody in the catalog. */
  noteUnresolvedOwner(name: string) {
    this.unresolvedOwners.set(name, (this.unresolvedOwners.get(name) ?? 0) + 1);
  }

  /** Records and logs the run's outcome, and returns it. */
  async finish(
    status: NhiSourceRun['status'],
    stats?: Record<string, number>,
  ): Promise<NhiSourceRun> {
    const { sourceKey: key, store, logger, scanner } = this.options;
    const { counts, errors } = this;
    const run: NhiSourceRun = {
      sourceKey: key,
      status,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      counts: { ...counts },
      // a problem may quote what the source read
      errors: await redactErrors(errors, scanner),
      stats,
      unresolvedOwners: [...this.unresolvedOwners]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, MAX_UNRESOLVED_OWNERS)
        .map(([value, count]) => ({ value, count })),
    };
    await store.finishRun(run);
    const secs = ((Date.now() - this.startedAt.getTime()) / 1000).toFixed(1);
    const line = `NHI source ${key} ${status} in ${secs}s: read ${counts.read}, changed ${counts.changed}, unchanged ${counts.unchanged}, removed ${counts.removed}, invalid ${counts.invalid}, errors ${errors.length}`;
    if (status === 'succeeded') logger.info(line);
    else {
      logger.warn(line);
      for (const e of run.errors.slice(0, 5)) {
        logger.warn(
          `NHI source ${key}: ${[e.location, e.scope]
            .filter(Boolean)
            .join(' ')}${e.location || e.scope ? ': ' : ''}${e.message}`,
        );
      }
    }
    return run;
  }
}

/** The message of anything thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
