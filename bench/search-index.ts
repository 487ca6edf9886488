/*
 * Indexing every identity into Backstage search at N identities: the NHI
 * collator reads the catalog module's inventory export through its real
 * HTTP route, a page at a time, and the real search engine indexes it —
 * PostgreSQL's (production) by default, or Lunr's (the demo's, in memory).
 * Prints documents per second, the process's peak RSS and heap while
 * indexing, a second (unchanged) run, and how fast a pasted key id or ARN
 * is found afterwards.
 *
 *   node --expose-gc --require @backstage/cli/config/nodeTransform.cjs bench/search-index.ts --identities 450000
 *
 * Options: --identities N (450000), --engine pg|lunr (pg), --page-size P
 * (1000, the export's maximum), --port (7210). BENCH_PG as for
 * catalog-scale.ts. The database nhibench_search is dropped first.
 */
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ConfigReader } from '@backstage/config';
import { LunrSearchEngine } from '@backstage/plugin-search-backend-node';
import { PgSearchEngine } from '@backstage/plugin-search-backend-module-pg';
import { SearchEngine } from '@backstage/plugin-search-common';
import { NhiClient } from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInsightsRouter } from '../plugins/catalog-backend-module-nhi/src/service/insightsRouter';
import { NhiIdentityCollatorFactory } from '../plugins/search-backend-module-nhi/src/collator/NhiIdentityCollatorFactory';
import { arg, timed } from './lib';
import {
  fillInventorySummary,
  freshDatabase,
  mb,
  memorySampler,
} from './summaryData';

const N = arg('identities', 450_000);
const PAGE_SIZE = arg('page-size', 1000);
const PORT = arg('port', 7210);
const ENGINE = process.argv.includes('--engine')
  ? process.argv[process.argv.indexOf('--engine') + 1]
  : 'pg';

const quiet = {
  info() {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
  debug() {},
  child() {
    return quiet;
  },
} as any;

const gc = () => (global as { gc?: () => void }).gc?.();

async function index(
  engine: SearchEngine,
  factory: NhiIdentityCollatorFactory,
) {
  const indexer = (await engine.getIndexer('nhi-identity')) as Writable;
  await pipeline(await factory.getCollator(), indexer);
  if (!indexer.closed) {
    await new Promise(resolve => indexer.once('close', resolve));
  }
}

async function main() {
  if (ENGINE !== 'pg' && ENGINE !== 'lunr') {
    throw new Error(`--engine must be pg or lunr, got ${ENGINE}`);
  }
  const knex = await freshDatabase('nhibench_search');
  const { store, written } = await fillInventorySummary(knex, N);

  // the real export route, with the catalog's read permission allowed
  const router = createInsightsRouter({
    store,
    sources: ['file:bench'],
    httpAuth: {
      credentials: async () => ({
        principal: { type: 'service', subject: 'plugin:search' },
      }),
    } as any,
    permissions: {
      authorizeConditional: async () => [{ result: AuthorizeResult.ALLOW }],
    } as any,
    auditor: {
      createEvent: async () => ({
        success: async () => {},
        fail: async () => {},
      }),
    } as any,
  });
  const server = express()
    .use('/api/catalog', router)
    .listen(PORT, '127.0.0.1');
  await new Promise(r => server.once('listening', r));
  const client = new NhiClient({
    discoveryApi: {
      getBaseUrl: async id => `http://127.0.0.1:${PORT}/api/${id}`,
    },
    fetchApi: { fetch },
  });
  let requests = 0;
  const factory = new NhiIdentityCollatorFactory({
    read: (after, limit) => {
      requests += 1;
      return client.exportInventory({ after, limit });
    },
    pageSize: PAGE_SIZE,
    logger: quiet,
  });

  const engine: SearchEngine =
    ENGINE === 'pg'
      ? await PgSearchEngine.fromConfig(
          // as app-config.production.yaml: shorter documents rank first
          new ConfigReader({ search: { pg: { normalization: 1 } } }),
          { database: { getClient: async () => knex } as any, logger: quiet },
        )
      : new LunrSearchEngine({ logger: quiet });

  gc();
  const before = process.memoryUsage();
  const sampler = memorySampler();
  const t0 = performance.now();
  await index(engine, factory);
  const firstMs = performance.now() - t0;
  const first = sampler.stop();
  gc();
  const after = process.memoryUsage();

  console.log(
    `\n=== search index of NHI identities, engine ${ENGINE}, N = ${written} ===`,
  );
  console.log(
    `first index: ${(firstMs / 1000).toFixed(1)} s, ${Math.round(
      written / (firstMs / 1000),
    )} identities/s, ${requests} export requests of up to ${PAGE_SIZE}`,
  );
  console.log(
    `memory: RSS ${mb(before.rss)} before, peak ${mb(
      first.rss,
    )} while indexing; heap ${mb(before.heapUsed)} before, peak ${mb(
      first.heap,
    )}, ${mb(after.heapUsed)} after${
      (global as { gc?: unknown }).gc
        ? ' a full GC'
        : ' (run with --expose-gc for the heap after a GC)'
    }`,
  );

  requests = 0;
  const second = memorySampler();
  const t1 = performance.now();
  await index(engine, factory);
  const secondMs = performance.now() - t1;
  console.log(
    `second index, nothing changed: ${(secondMs / 1000).toFixed(
      1,
    )} s, peak RSS ${mb(second.stop().rss)}`,
  );

  // what people paste: a key id and an external id of identities in the middle
  const sample = await knex('nhi_inventory')
    .whereNotNull('detail')
    .orderBy('entity_ref')
    .offset(Math.floor(written / 2))
    .limit(200)
    .select('name', 'external_id', 'detail');
  const withKey = sample.find(
    r => (JSON.parse(r.detail).credentials ?? []).length,
  );
  const keyId = withKey
    ? JSON.parse(withKey.detail).credentials[0].id
    : undefined;
  const queries: Array<[string, string, string | undefined]> = [
    ['a key id', keyId ?? 'none', withKey?.name],
    ['an external id', sample[0].external_id, sample[0].name],
    ['a word ("deployer")', 'deployer', undefined],
  ];
  for (const [what, term, expected] of queries) {
    const { results } = await engine.query({ term, pageLimit: 25 });
    const rank = expected
      ? results.findIndex(r => (r.document as any).name === expected) + 1
      : 0;
    const { p95, median } = await timed(20, () =>
      engine.query({ term, pageLimit: 25 }),
    );
    console.log(
      `query ${what.padEnd(22)} p95 ${p95
        .toFixed(0)
        .padStart(5)} ms   median ${median.toFixed(0).padStart(5)} ms${
        expected ? `   identity at rank ${rank || 'not found'}` : ''
      }`,
    );
  }
  if (ENGINE === 'pg') {
    const size = await knex.raw(
      "select pg_size_pretty(pg_total_relation_size('documents')) as size",
    );
    console.log(`documents table with its indexes: ${size.rows[0].size}`);
  }
  server.close();
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
