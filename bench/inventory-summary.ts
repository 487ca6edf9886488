/*
 * The NHI page's queries over the inventory summary at N identities, on the
 * local PostgreSQL, without the catalog: how fast the summary is written and
 * how fast the page's pages, search and counts come back, through the page's
 * own data functions over the real HTTP routes.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/inventory-summary.ts --identities 450000
 *
 * Options: --identities N (450000), --port P (7209). BENCH_PG as for
 * catalog-scale.ts. The database nhibench_summary is dropped first.
 */
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { loadCompany, generateInventory } from '@backstage-nhi/demo-data';
import {
  NhiClient,
  NHI_RULES,
  NonHumanIdentityEntity,
  readNhiEvaluationPolicy,
} from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import knexFactory from 'knex';
import { NhiPipelineStore } from '../plugins/catalog-backend-module-nhi/src/database/NhiPipelineStore';
import { DECLARED_SOURCE } from '../plugins/catalog-backend-module-nhi/src/database/NhiInventoryStore';
import { buildEntity } from '../plugins/catalog-backend-module-nhi/src/lib/buildEntity';
import { DeclarationIndex } from '../plugins/catalog-backend-module-nhi/src/lib/declarations';
import { CatalogDirectory } from '../plugins/catalog-backend-module-nhi/src/lib/directory';
import { NhiEvaluation } from '../plugins/catalog-backend-module-nhi/src/module/evaluation';
import { createSourcesRouter } from '../plugins/catalog-backend-module-nhi/src/service/router';
import { parseInventory } from '../plugins/catalog-backend-module-nhi/src/sources/file/parseInventory';
import {
  INVENTORY_FACETS,
  OVERVIEW_FACETS,
} from '../plugins/nhi/src/components/NhiPage/filters';
import {
  inventoryFacets,
  inventoryPage,
} from '../plugins/nhi/src/components/NhiPage/inventoryData';
import { arg, log, printTimings, tableSize } from './lib';

const PG = process.env.BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432';
const N = arg('identities', 450_000);
const PORT = arg('port', 7209);
const DB = 'nhibench_summary';

async function main() {
  const admin = knexFactory({ client: 'pg', connection: `${PG}/postgres` });
  await admin.raw(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.raw(`CREATE DATABASE ${DB}`);
  await admin.destroy();
  const knex = knexFactory({
    client: 'pg',
    connection: `${PG}/${DB}`,
    pool: { min: 0, max: 10 },
  });
  const store = await NhiPipelineStore.create({
    getClient: async () => knex,
  } as any);

  // N identities as the file source builds them: the demo generator's
  // inventory, parsed, built and evaluated by the pipeline's own code
  const company = loadCompany();
  const directory = new CatalogDirectory(
    company.teams.map(t => ({
      kind: 'Group',
      namespace: 'default',
      name: t.name,
    })),
    [],
  );
  const evaluation = new NhiEvaluation(
    readNhiEvaluationPolicy(
      undefined,
      NHI_RULES.map(r => r.id),
    ),
  );
  const context = {
    directory,
    declarations: new DeclarationIndex([]),
    claims: new Map(),
  };
  const CHUNK = 50_000;
  let written = 0;
  let writeMs = 0;
  const t0 = performance.now();
  for (let start = 0; start < N; start += CHUNK) {
    const count = Math.min(CHUNK, N - start);
    const inventory = generateInventory(company, {
      identities: count,
      seed: 1000 + start,
    });
    // names are unique per generated batch; make them unique across batches
    for (const item of inventory.identities) {
      item.externalId = `${item.externalId}#${start}`;
    }
    const parsed = parseInventory(JSON.stringify(inventory), {
      format: 'json',
      location: 'bench',
    });
    const entities: NonHumanIdentityEntity[] = parsed.records.map(
      r => buildEntity(r, 'file:bench', context, evaluation.evaluate).entity,
    );
    const w = performance.now();
    await store.inventory.upsert('file:bench', entities);
    writeMs += performance.now() - w;
    written += entities.length;
    log(`${written} identities summarised`);
  }
  log(
    `generated and built in ${(
      (performance.now() - t0 - writeMs) /
      1000
    ).toFixed(1)} s; written in ${(writeMs / 1000).toFixed(1)} s (${Math.round(
      written / (writeMs / 1000),
    )} rows/s)`,
  );
  await store.startRun('file:bench', new Date());
  await store.markInventorySynced('file:bench', new Date());
  await store.markInventorySynced(DECLARED_SOURCE, new Date());
  // as autovacuum would (it is off on this machine's PostgreSQL)
  await knex.raw('VACUUM ANALYZE nhi_inventory');

  // the real routes, with the catalog's read permission allowed
  const router = createSourcesRouter({
    sources: [{ type: 'file', id: 'bench', key: 'file:bench' }],
    store,
    // the detail route is not measured here
    catalog: {} as any,
    httpAuth: {
      credentials: async () => ({
        principal: { type: 'user', userEntityRef: 'user:default/bench' },
      }),
    } as any,
    permissions: {
      authorizeConditional: async () => [{ result: AuthorizeResult.ALLOW }],
    } as any,
    scheduler: {} as any,
    logger: { info() {}, warn() {}, child: () => ({}) } as any,
  });
  const server = express()
    .use('/api/catalog', router)
    .listen(PORT, '127.0.0.1');
  await new Promise(r => server.once('listening', r));
  const nhiApi = new NhiClient({
    discoveryApi: {
      getBaseUrl: async id => `http://127.0.0.1:${PORT}/api/${id}`,
    },
    fetchApi: { fetch },
  });
  const catalogApi = {} as any; // never asked: the summary is ready
  const apis = { nhiApi, catalogApi };

  // a credential id to search for, as someone pasting a leaked key would
  const someKey = (
    await knex('nhi_inventory')
      .where('category', 'api-key')
      .select('search_text')
      .first()
  )?.search_text
    .split('\n')
    .pop();
  const figures: Array<[string, () => Promise<unknown>]> = [
    ['first page', () => inventoryPage(apis, {}, { offset: 0, limit: 20 })],
    [
      'page 1,000',
      () => inventoryPage(apis, {}, { offset: 20 * 999, limit: 20 }),
    ],
    [
      'unowned, first page',
      () => inventoryPage(apis, { owner: 'unowned' }, { offset: 0, limit: 20 }),
    ],
    [
      `search one key id (${someKey})`,
      () => inventoryPage(apis, { q: someKey }, { offset: 0, limit: 20 }),
    ],
    [
      'search "akia"',
      () => inventoryPage(apis, { q: 'akia' }, { offset: 0, limit: 20 }),
    ],
    ['overview counts', () => inventoryFacets(apis, {}, OVERVIEW_FACETS)],
    ['inventory counts', () => inventoryFacets(apis, {}, INVENTORY_FACETS)],
    [
      'inventory counts, critical only',
      () => inventoryFacets(apis, { level: 'critical' }, INVENTORY_FACETS),
    ],
    [
      'teams counts (by owner)',
      () => inventoryFacets(apis, {}, ['relations.ownedBy']),
    ],
  ];
  console.log(`\n=== NHI page over the inventory summary, N = ${written} ===`);
  await printTimings(figures, 44);
  console.log(
    `table with its indexes: ${await tableSize(knex, 'nhi_inventory')}`,
  );
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
