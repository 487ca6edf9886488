import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { componentOwners, utcDay } from '../database/NhiTrendStore';

/**
 * One run of the trend snapshot task: reads the owners of every Component
 * (one streamed catalog read), takes the day's snapshot of the inventory
 * summary, and deletes snapshots past the retention. A failed read writes
 * nothing: the day's previous figures stay until the next run.
 */
export async function takeTrendSnapshot(options: {
  store: NhiPipelineStore;
  catalog: CatalogService;
  credentials: BackstageCredentials;
  retentionDays: number;
  logger: LoggerService;
  now?: Date;
}): Promise<{ rows: number; pruned: number }> {
  const { store, catalog, credentials, logger } = options;
  const now = options.now ?? new Date();
  const components: Array<{
    metadata: { name: string; namespace?: string };
    spec?: { owner?: unknown };
  }> = [];
  for await (const page of catalog.streamEntities(
    {
      filter: { kind: 'Component' },
      fields: ['kind', 'metadata.name', 'metadata.namespace', 'spec.owner'],
      pageSize: 1000,
    },
    { credentials },
  )) {
    components.push(...page);
  }
  const day = utcDay(now);
  const t0 = Date.now();
  const rows = await store.trends.take(day, componentOwners(components));
  const pruned = await store.trends.prune(day, options.retentionDays);
  if (rows) {
    logger.info(
      `NHI trends: snapshot of ${day} taken (${rows} series) in ${
        Date.now() - t0
      } ms${pruned ? `; ${pruned} rows past the retention deleted` : ''}`,
    );
  } else {
    logger.info(
      'NHI trends: no snapshot, the inventory summary holds no identity yet',
    );
  }
  return { rows, pruned };
}
