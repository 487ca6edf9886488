/*
 * What a person pasting an id into the portal's search gets, on both search
 * engines: the documents of the collator indexed by the real Lunr engine
 * (the demo's) and the real PostgreSQL engine (production's), queried as
 * the search page queries them, next to catalog documents that share words
 * with the identities.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { LunrSearchEngine } from '@backstage/plugin-search-backend-node';
import { PgSearchEngine } from '@backstage/plugin-search-backend-module-pg';
import {
  IndexableDocument,
  SearchEngine,
} from '@backstage/plugin-search-common';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NhiInventoryExportItem } from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityCollatorFactory } from './NhiIdentityCollatorFactory';
import { exportItem } from '../__fixtures__/items';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

const key = (n: number) => `AKIA${String(n).padStart(12, '0')}EXMP`;

/** A company's identities whose names, ARNs and keys look alike. */
function company(): NhiInventoryExportItem[] {
  const items: NhiInventoryExportItem[] = [];
  const teams = ['payments', 'shipping', 'web', 'data'];
  for (let i = 0; i < 240; i++) {
    const team = teams[i % teams.length];
    const name = `${team}-deployer${i < 4 ? '' : `-${i}`}`;
    items.push(
      exportItem(name, {
        owner: `group:default/${team}`,
        ownership: { status: 'owned', provenance: 'tagged' },
        risk: { level: 'medium', score: 40, findings: [] },
        credentials: [
          { id: key(i), kind: 'access-key', status: 'active' },
          { id: key(i + 1000), kind: 'access-key', status: 'inactive' },
        ],
      }),
    );
  }
  items.push(
    exportItem('gcp-billing-exporter', {
      type: 'gcp-service-account',
      provider: 'gcp',
      account: 'lumen-billing',
      externalId: 'billing-exporter@lumen-billing.iam.gserviceaccount.com',
      credentials: [
        {
          id: '9f2c3b1a0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f80',
          kind: 'access-key',
          status: 'active',
        },
      ],
    }),
    exportItem('k8s-payments-api', {
      type: 'kubernetes-service-account',
      provider: 'kubernetes',
      account: 'prod',
      externalId: 'system:serviceaccount:payments:payments-api',
    }),
    exportItem('k8s-payments-worker', {
      type: 'kubernetes-service-account',
      provider: 'kubernetes',
      account: 'prod',
      externalId: 'system:serviceaccount:payments:payments-worker',
    }),
  );
  return items;
}

/** Catalog documents that share words with the identities. */
const CATALOG_DOCS: IndexableDocument[] = [
  'payments',
  'payments-api',
  'deployer-docs',
  'aws-accounts',
  'billing-exporter',
].map(name => ({
  title: name,
  text: `The ${name} of Lumen Freight: deploys to aws with a deployer key, payments, billing, service accounts`,
  location: `/catalog/default/component/${name}`,
  kind: 'Component',
}));

async function index(engine: SearchEngine, type: string, docs: Readable) {
  const indexer = (await engine.getIndexer(type)) as Writable;
  await pipeline(docs, indexer);
  if (!indexer.closed) {
    await new Promise(resolve => indexer.once('close', resolve));
  }
}

async function indexAll(engine: SearchEngine) {
  const items = company();
  const factory = new NhiIdentityCollatorFactory({
    read: async (after, limit) => {
      const start = after ? Number(after) : 0;
      const next = start + limit;
      return {
        items: items.slice(start, next),
        ...(next < items.length ? { nextCursor: String(next) } : {}),
      };
    },
    pageSize: 100,
    logger: mockServices.logger.mock(),
  });
  await index(engine, 'nhi-identity', await factory.getCollator());
  await index(engine, 'software-catalog', Readable.from(CATALOG_DOCS));
}

/** The locations of the first results for a term, as the search page asks. */
async function top(engine: SearchEngine, term: string, n = 3) {
  const { results } = await engine.query({ term, pageLimit: 25 });
  return results.slice(0, n).map(r => r.document.location);
}

const PASTED: Array<[string, string]> = [
  // an access key id, as pasted and as typed in lower case
  [key(7), 'data-deployer-7'],
  [key(7).toLowerCase(), 'data-deployer-7'],
  // the key that was rotated away still finds its identity
  [key(1002), 'web-deployer'],
  // an ARN, among ARNs that share every word but the last
  ['arn:aws:iam::123456789012:user/payments-deployer', 'payments-deployer'],
  [
    'arn:aws:iam::123456789012:user/payments-deployer-12',
    'payments-deployer-12',
  ],
  // a Google service account's e-mail and key id
  [
    'billing-exporter@lumen-billing.iam.gserviceaccount.com',
    'gcp-billing-exporter',
  ],
  ['9f2c3b1a0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f80', 'gcp-billing-exporter'],
  // a Kubernetes service account, colons and all
  ['system:serviceaccount:payments:payments-api', 'k8s-payments-api'],
];

describe('pasting an id into the search', () => {
  describe('on Lunr (the demo)', () => {
    const engine = new LunrSearchEngine({ logger: mockServices.logger.mock() });
    beforeAll(() => indexAll(engine));

    it.each(PASTED)('finds %p first', async (term, name) => {
      expect((await top(engine, term))[0]).toBe(
        `/catalog/default/nonhumanidentity/${name}`,
      );
    });
  });

  (databases.supports('POSTGRES_15') ? describe : describe.skip)(
    'on PostgreSQL (production)',
    () => {
      async function pgEngine(normalization: number) {
        const knex = await databases.init('POSTGRES_15');
        const engine = await PgSearchEngine.fromConfig(
          new ConfigReader({ search: { pg: { normalization } } }),
          {
            database: mockServices.database.mock({
              getClient: async () => knex,
            }),
            logger: mockServices.logger.mock(),
          },
        );
        await indexAll(engine);
        return engine;
      }

      // With the engine's default ranking (normalization 0) an ARN ties with
      // every longer ARN it is a prefix of (…/payments-deployer with
      // …/payments-deployer-4): the PostgreSQL engine matches each word as
      // a prefix too. Ranking shorter documents first breaks the tie.
      describe('ranking shorter documents first, as app-config.production.yaml sets it', () => {
        let engine: SearchEngine;
        beforeAll(async () => {
          engine = await pgEngine(1);
        });

        it.each(PASTED)('finds %p first', async (term, name) => {
          expect((await top(engine, term))[0]).toBe(
            `/catalog/default/nonhumanidentity/${name}`,
          );
        });
      });
    },
  );
});
