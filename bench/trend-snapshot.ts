/*
 * The daily trend snapshot at N identities: the catalog module's task over
 * the inventory summary (a grouped query over every row, then the detail of
 * the unowned ones for the components that use them), and the trends route
 * the NHI page and the team card read. No catalog: the components and their
 * owners are the demo company's.
 *
 *   node --expose-gc --require @backstage/cli/config/nodeTransform.cjs bench/trend-snapshot.ts --identities 450000
 *
 * Options: --identities N (450000), --days D (snapshots written for the
 * series queries, 400). BENCH_PG as for catalog-scale.ts. The database
 * nhibench_trends is dropped first.
 */
import { stringifyEntityRef } from '@backstage/catalog-model';
import { componentOwners } from '../plugins/catalog-backend-module-nhi/src/database/NhiTrendStore';
import { arg, log, printTimings, tableSize, timed } from './lib';
import {
  fillInventorySummary,
  freshDatabase,
  mb,
  memorySampler,
} from './summaryData';

const N = arg('identities', 450_000);
const DAYS = arg('days', 400);

const gc = () => (global as { gc?: () => void }).gc?.();

function day(offset: number) {
  const d = new Date(Date.UTC(2026, 11, 31));
  d.setUTCDate(d.getUTCDate() - offset);
  return d.toISOString().slice(0, 10);
}

async function main() {
  const knex = await freshDatabase('nhibench_trends');
  const { store, company, written } = await fillInventorySummary(knex, N);
  const owners = componentOwners(
    company.components.map(c => ({
      metadata: { name: c.name },
      spec: { owner: c.owner },
    })),
  );
  const unowned = await knex('nhi_inventory')
    .where({ ownership_status: 'unowned' })
    .count({ n: '*' });

  gc();
  const sampler = memorySampler();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const rows = await store.trends.take(day(0), owners);
  const takeMs = performance.now() - t0;
  const peak = sampler.stop();
  console.log(`\n=== NHI trend snapshot, N = ${written} ===`);
  console.log(
    `one snapshot: ${(takeMs / 1000).toFixed(
      1,
    )} s, ${rows} series (all + teams), ${
      unowned[0].n
    } unowned identities' detail read for the components that use them`,
  );
  console.log(
    `memory: RSS ${mb(before.rss)} before, peak ${mb(peak.rss)}; heap ${mb(
      before.heapUsed,
    )} before, peak ${mb(peak.heap)}`,
  );
  const again = await timed(5, () => store.trends.take(day(0), owners));
  console.log(
    `the same day again (the hourly task): p95 ${(again.p95 / 1000).toFixed(
      1,
    )} s, median ${(again.median / 1000).toFixed(1)} s`,
  );

  // a year of history, as the series queries meet it
  const today = await knex('nhi_trend_snapshots').where({ day: day(0) });
  const history = [];
  for (let i = 1; i < DAYS; i++) {
    for (const r of today) history.push({ ...r, day: day(i) });
  }
  for (let i = 0; i < history.length; i += 500) {
    await knex('nhi_trend_snapshots').insert(history.slice(i, i + 500));
  }
  const teams = company.teams.map(t =>
    stringifyEntityRef({ kind: 'group', namespace: 'default', name: t.name }),
  );
  const series: Array<[string, () => Promise<unknown>]> = [
    ['overview (all, 30 days)', () => store.trends.series(['all'], 30, day(0))],
    [
      'team card (one team, 30 days)',
      () => store.trends.series([teams[0]], 30, day(0)),
    ],
    [
      `teams tab (${teams.length} teams, 30 days)`,
      () => store.trends.series(teams, 30, day(0)),
    ],
    [
      `everything (${teams.length + 1} series, ${DAYS} days)`,
      () => store.trends.series(['all', ...teams], DAYS, day(0)),
    ],
  ];
  await printTimings(series, 40);
  log(
    `trend table with ${DAYS} days: ${await tableSize(
      knex,
      'nhi_trend_snapshots',
    )}`,
  );
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
