/*
 * N identities in the inventory summary of a fresh PostgreSQL database, built
 * with the pipeline's own code (the demo generator's inventory, parsed,
 * built and evaluated as the file source does), for the benchmarks that read
 * the summary: search-index.ts and trend-snapshot.ts.
 */
import { loadCompany, generateInventory } from '@backstage-nhi/demo-data';
import {
  NHI_RULES,
  NonHumanIdentityEntity,
  readNhiEvaluationPolicy,
} from '@backstage-nhi/plugin-nhi-common';
import knexFactory, { Knex } from 'knex';
import { NhiPipelineStore } from '../plugins/catalog-backend-module-nhi/src/database/NhiPipelineStore';
import { DECLARED_SOURCE } from '../plugins/catalog-backend-module-nhi/src/database/NhiInventoryStore';
import { buildEntity } from '../plugins/catalog-backend-module-nhi/src/lib/buildEntity';
import { DeclarationIndex } from '../plugins/catalog-backend-module-nhi/src/lib/declarations';
import { CatalogDirectory } from '../plugins/catalog-backend-module-nhi/src/lib/directory';
import { NhiEvaluation } from '../plugins/catalog-backend-module-nhi/src/module/evaluation';
import { parseInventory } from '../plugins/catalog-backend-module-nhi/src/sources/file/parseInventory';
import { log } from './lib';

export const PG =
  process.env.BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432';

/** A fresh database (dropped first) and a knex client for it. */
export async function freshDatabase(name: string): Promise<Knex> {
  const admin = knexFactory({ client: 'pg', connection: `${PG}/postgres` });
  await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  return knexFactory({
    client: 'pg',
    connection: `${PG}/${name}`,
    pool: { min: 0, max: 10 },
  });
}

/**
 * Writes N identities to the summary as the file source would, marks it
 * complete, vacuums it; returns the store and the demo company (for its
 * components and teams).
 */
export async function fillInventorySummary(knex: Knex, n: number) {
  const store = await NhiPipelineStore.create({
    getClient: async () => knex,
  } as any);
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
  const t0 = performance.now();
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
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
      r => buildEntity(r, 'file:bench', context, evaluation.evaluate).full,
    );
    await store.inventory.upsert('file:bench', entities);
    written += entities.length;
    log(`${written} identities summarised`);
  }
  log(
    `summary of ${written} identities written in ${(
      (performance.now() - t0) /
      1000
    ).toFixed(1)} s`,
  );
  await store.startRun('file:bench', new Date());
  await store.markInventorySynced('file:bench', new Date());
  await store.markInventorySynced(DECLARED_SOURCE, new Date());
  // as autovacuum would (it may be off on a benchmark machine)
  await knex.raw('VACUUM ANALYZE nhi_inventory');
  return { store, company, written };
}

/** Samples this process's RSS and heap every 50 ms; `stop()` gives the peaks. */
export function memorySampler() {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    reset() {
      rss = 0;
      heap = 0;
      sample();
    },
    stop() {
      clearInterval(timer);
      sample();
      return { rss, heap };
    },
  };
}

export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
