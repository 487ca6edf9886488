import {
  SchedulerServiceTaskScheduleDefinition,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceReadContext,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import path from 'node:path';
import { NhiFileSourceConfig } from '../../module/config';
import { parseInventory } from './parseInventory';
import {
  isUrlTarget,
  OpenedTarget,
  openTarget,
  readTarget,
} from '../../lib/readTarget';
import { JsonInventoryOutcome, readJsonInventory } from './jsonInventory';

const BATCH = 1000;

/**
 * Reads an identity inventory (YAML or JSON) from a file or a URL: for every
 * system no connector exists for yet (Vault tokens, Datadog API keys, TLS
 * certificates, AI-agent credentials). Bad items are reported with their
 * line and skipped; a read with bad items is partial, so nothing is removed
 * from the catalog because of them.
 *
 * @public
 */
export class FileInventorySource implements NhiIdentitySource {
  readonly type = 'file';

  static fromConfig(
    config: NhiFileSourceConfig,
    options: { urlReader: UrlReaderService },
  ): FileInventorySource {
    return new FileInventorySource(config, options.urlReader);
  }

  private constructor(
    private readonly config: NhiFileSourceConfig,
    private readonly urlReader: UrlReaderService,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get schedule(): SchedulerServiceTaskScheduleDefinition | undefined {
    return this.config.schedule;
  }

  private get isUrl(): boolean {
    return isUrlTarget(this.config.target);
  }

  private get format(): 'yaml' | 'json' {
    if (this.config.format) return this.config.format;
    const target = this.config.target.split(/[?#]/)[0].toLowerCase();
    return target.endsWith('.json') ? 'json' : 'yaml';
  }

  async read(context: NhiSourceReadContext): Promise<NhiSourceReadSummary> {
    const location = this.isUrl
      ? this.config.target
      : path.basename(this.config.target);
    const unreadable = (e: unknown): NhiSourceReadSummary => ({
      complete: false,
      completeScopes: [],
      errors: [
        {
          location: this.config.target,
          message: `could not be read: ${(e as Error).message}`,
        },
      ],
    });
    if (this.format === 'json') {
      // Streamed: memory stays bounded whatever the inventory's size.
      let target: OpenedTarget;
      try {
        target = await openTarget(
          this.config.target,
          this.urlReader,
          context.signal,
        );
      } catch (e) {
        return unreadable(e);
      }
      // An error from the pipeline's emit or an abort ends the read as it
      // is; any other is the target's (e.g. a folder given as the file).
      let emitError: unknown;
      try {
        const outcome = await readJsonInventory(() => target.chunks(), {
          location,
          batchSize: BATCH,
          emit: async records => {
            try {
              await context.emit(records);
            } catch (e) {
              emitError = e;
              throw e;
            }
          },
        });
        return summaryOf(outcome);
      } catch (e) {
        if (e === emitError || context.signal.aborted) throw e;
        return unreadable(e);
      } finally {
        await target.close();
      }
    }

    let text: string;
    try {
      text = await readTarget(
        this.config.target,
        this.urlReader,
        context.signal,
      );
    } catch (e) {
      return unreadable(e);
    }
    const parsed = parseInventory(text, { format: this.format, location });
    // Large inventories: let the text and each emitted batch be collected
    // while the rest is still being emitted.
    const bytes = Buffer.byteLength(text);
    text = '';
    if (!parsed.fatal) {
      const records: Array<NhiIdentityRecord | undefined> = parsed.records;
      for (let i = 0; i < records.length; i += BATCH) {
        const batch = records.slice(i, i + BATCH) as NhiIdentityRecord[];
        records.fill(undefined, i, i + BATCH);
        await context.emit(batch);
      }
    }
    return summaryOf({ ...parsed, bytes });
  }
}

/** A read's summary: a document with bad items is a partial read. */
function summaryOf(outcome: JsonInventoryOutcome): NhiSourceReadSummary {
  if (outcome.fatal) {
    return { complete: false, completeScopes: [], errors: [outcome.fatal] };
  }
  return {
    complete: outcome.errors.length === 0,
    completeScopes: [],
    errors: outcome.errors,
    // each error is one bad item
    invalid: outcome.errors.length,
    stats: { items: outcome.items, bytes: outcome.bytes },
  };
}
