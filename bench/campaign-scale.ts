/*
 * Access reviews at scale: a campaign over N identities (100,000 by
 * default) is started through the real CampaignsService — its scope read
 * through the real InventoryReader from the catalog module's inventory
 * route (over a PostgreSQL summary of N identities, as in production), and
 * frozen into the real CampaignsStore — then a reviewer's page of 5,000
 * items (their queue: what they may decide, annotated with whether and why
 * not) is read. Both on SQLite and on PostgreSQL for the campaigns store.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/campaign-scale.ts --identities 100000
 *
 * Options: --identities N (100000), --page 5000, --port (7211), --db
 * sqlite,pg (both), --reuse-inventory (read the summary a previous run
 * filled instead of filling it again). BENCH_PG as for catalog-scale.ts. The databases
 * nhibench_campaign_inventory and nhibench_campaigns are dropped first.
 *
 * The catalog is an in-memory mock (catalogServiceMock) for the reviewer's
 * groups and the "did they create it" check, and notifications are counted,
 * not sent: the figures are the campaign's own reading, writing and
 * querying. Targets (issue 24): the start under 30 s, the page under 1 s.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCompany } from '@backstage-nhi/demo-data';
import { NhiPipelineStore } from '../plugins/catalog-backend-module-nhi/src/database/NhiPipelineStore';
import { createSourcesRouter } from '../plugins/catalog-backend-module-nhi/src/service/router';
import {
  readNhiCampaignsConfig,
  readNhiClaimsConfig,
} from '../plugins/nhi-backend/src/config';
import { CampaignsStore } from '../plugins/nhi-backend/src/database/CampaignsStore';
import { ClaimsStore } from '../plugins/nhi-backend/src/database/ClaimsStore';
import {
  nhiCampaignItemRules,
  nhiClaimRules,
} from '../plugins/nhi-backend/src/permissions/rules';
import { CampaignsService } from '../plugins/nhi-backend/src/service/CampaignsService';
import { InventoryReader } from '../plugins/nhi-backend/src/service/InventoryReader';
import { arg, flag, log, quietLogger as quiet, timed } from './lib';
import {
  fillInventorySummary,
  freshDatabase,
  mb,
  memorySampler,
  PG,
} from './summaryData';

const N = arg('identities', 100_000);
const INVENTORY_DB = 'nhibench_campaign_inventory';
const PAGE = arg('page', 5000);
const PORT = arg('port', 7211);
const DBS = (
  process.argv.includes('--db')
    ? process.argv[process.argv.indexOf('--db') + 1]
    : 'sqlite,pg'
).split(',');
for (const db of DBS) {
  if (db !== 'sqlite' && db !== 'pg') {
    throw new Error(`--db takes sqlite and/or pg, got ${db}`);
  }
}

const allow = async (reqs: unknown[]) =>
  reqs.map(() => ({ result: AuthorizeResult.ALLOW }));

/** The campaigns store's database: a file for SQLite (as the demo), or a fresh PostgreSQL one. */
async function campaignsDatabase(kind: string): Promise<Knex> {
  if (kind === 'pg') return freshDatabase('nhibench_campaigns');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhibench-campaigns-'));
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'nhi.sqlite') },
    useNullAsDefault: true,
  });
}

async function run(
  kind: string,
  teams: Array<{ name: string; leads: string[]; members: string[] }>,
) {
  const knex = await campaignsDatabase(kind);
  const db = { getClient: async () => knex, migrations: { skip: false } };
  const store = await CampaignsStore.create(db as any);
  // how long freezing the items takes (one transaction, chunked inserts)
  let writeMs = 0;
  const create = store.createCampaign.bind(store);
  store.createCampaign = async (...args) => {
    const w0 = performance.now();
    try {
      return await create(...args);
    } finally {
      writeMs = performance.now() - w0;
    }
  };
  const entities: Entity[] = teams.flatMap(t => [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: {
        name: t.name,
        namespace: 'default',
        annotations: { 'backstage-nhi.io/leads': t.leads.join(',') },
      },
      spec: { type: 'team', children: [] },
    },
    ...t.members.map(m => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: m, namespace: 'default' },
      spec: { memberOf: [t.name] },
      relations: [{ type: 'memberOf', targetRef: `group:default/${t.name}` }],
    })),
  ]);
  let notices = 0;
  const auth = mockServices.auth();
  const inventory = new InventoryReader({
    discovery: {
      getBaseUrl: async (id: string) => `http://127.0.0.1:${PORT}/api/${id}`,
      getExternalBaseUrl: async (id: string) =>
        `http://127.0.0.1:${PORT}/api/${id}`,
    },
    auth,
  });
  const service = new CampaignsService({
    store,
    claims: await ClaimsStore.create(db as any),
    inventory,
    catalog: catalogServiceMock({ entities }),
    auth,
    permissions: {
      authorize: allow,
      authorizeConditional: allow,
    } as any,
    reviewRuleset: {
      getRuleByName: (n: string) =>
        Object.values(nhiClaimRules).find(r => r.name === n)! as any,
    },
    campaignRuleset: {
      getRuleByName: (n: string) =>
        Object.values(nhiCampaignItemRules).find(r => r.name === n)! as any,
    },
    notifications: {
      send: async () => {
        notices += 1;
      },
    } as any,
    logger: quiet,
    // the defaults of an empty configuration (at most 500,000 items)
    config: readNhiCampaignsConfig(new ConfigReader({})),
    claimsConfig: readNhiClaimsConfig(new ConfigReader({})),
    policy: { unownedGraceDays: 30 },
  });

  const manager = await service.caller(
    mockCredentials.user('user:default/bench.manager'),
    'campaign.manage',
  );
  // the inventory read alone, to tell it from the writing of the items
  const r0 = performance.now();
  const read = await inventory.read([{}]);
  const readMs = performance.now() - r0;

  const sampler = memorySampler();
  const t0 = performance.now();
  const campaign = await service.createCampaign(manager, {
    name: 'Quarterly review of every identity',
    scope: [{}],
    reviewerRule: 'members',
    dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
  const startMs = performance.now() - t0;
  const memory = sampler.stop();

  // the reviewer of the team with the most items reads their queue
  const managerReads = await service.caller(
    mockCredentials.user('user:default/bench.manager'),
    'campaign.read',
  );
  const detail = await service.getCampaign(managerReads, campaign.id);
  const biggest = [...detail.teams]
    .filter(t => t.owner)
    .sort((a, b) => b.counts.total - a.counts.total)[0];
  const team = teams.find(t => `group:default/${t.name}` === biggest.owner)!;
  const reviewer = await service.caller(
    mockCredentials.user(`user:default/${team.members[0]}`),
    'campaign.read',
  );
  let pageSize = 0;
  let mayDecide = 0;
  const page = await timed(5, async () => {
    const result = await service.listItems(
      reviewer,
      campaign.id,
      { toReview: true },
      { limit: PAGE, offset: 0 },
    );
    pageSize = result.items.length;
    mayDecide = result.items.filter(i => i.review?.allowed).length;
  });
  // the same page with the caller's decision on each, as the table shows it
  const all = await timed(5, () =>
    service.listItems(
      managerReads,
      campaign.id,
      { toReview: false },
      { limit: PAGE, offset: 0 },
    ),
  );

  console.log(
    `\n=== access-review campaign, campaigns store on ${
      kind === 'pg' ? 'PostgreSQL' : 'SQLite'
    } ===`,
  );
  console.log(
    `start over ${campaign.counts.total.toLocaleString()} identities: ${(
      startMs / 1000
    ).toFixed(1)} s (target < 30 s: ${
      startMs < 30_000 ? 'met' : 'NOT met'
    }), ${Math.round(
      campaign.counts.total / (startMs / 1000),
    ).toLocaleString()} identities/s, ${notices} start notices, peak RSS ${mb(
      memory.rss,
    )}`,
  );
  console.log(
    `of which reading the scope from the inventory route (${read.items.length.toLocaleString()} identities, keyset pages of 500): ${(
      readMs / 1000
    ).toFixed(1)} s when read alone; writing the items: ${(
      writeMs / 1000
    ).toFixed(1)} s`,
  );
  console.log(
    `reviewer ${team.members[0]} of ${biggest.owner} (${
      biggest.counts.total
    } items): page of ${pageSize} to review (${mayDecide} decidable): median ${page.median.toFixed(
      0,
    )} ms, p95 ${page.p95.toFixed(0)} ms (target < 1 s: ${
      page.p95 < 1000 ? 'met' : 'NOT met'
    })`,
  );
  console.log(
    `first page of ${PAGE} of all items for a manager: median ${all.median.toFixed(
      0,
    )} ms, p95 ${all.p95.toFixed(0)} ms`,
  );
  await knex.destroy();
  return { startMs, page };
}

async function main() {
  // --reuse-inventory: the summary a previous run filled (it takes minutes)
  const inventoryDb = flag('reuse-inventory')
    ? knexFactory({
        client: 'pg',
        connection: `${PG}/${INVENTORY_DB}`,
        pool: { min: 0, max: 10 },
      })
    : await freshDatabase(INVENTORY_DB);
  const { store, company, written } = flag('reuse-inventory')
    ? {
        store: await NhiPipelineStore.create({
          getClient: async () => inventoryDb,
        } as any),
        company: loadCompany(),
        written: Number(
          (await inventoryDb('nhi_inventory').count({ n: '*' }))[0].n,
        ),
      }
    : await fillInventorySummary(inventoryDb, N);
  // the catalog module's real inventory route, as the campaigns read it
  const router = createSourcesRouter({
    sources: [{ type: 'file', id: 'bench', key: 'file:bench' }],
    store,
    // the identity detail route is not read here
    catalog: {} as any,
    httpAuth: {
      credentials: async () => ({
        principal: { type: 'service', subject: 'plugin:nhi' },
      }),
    } as any,
    permissions: {
      authorizeConditional: async () => [{ result: AuthorizeResult.ALLOW }],
    } as any,
    scheduler: {} as any,
    logger: quiet,
  });
  const server = express()
    .use('/api/catalog', router)
    .listen(PORT, '127.0.0.1');
  await new Promise(r => server.once('listening', r));
  log(`inventory of ${written} identities served on ${PORT}`);

  const teams = company.teams.map(t => ({
    name: t.name,
    leads: t.leads,
    members: t.members.map(m => m.name),
  }));
  try {
    for (const kind of DBS) {
      log(`campaign on ${kind}`);
      await run(kind, teams);
    }
  } finally {
    server.close();
    await inventoryDb.destroy();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
