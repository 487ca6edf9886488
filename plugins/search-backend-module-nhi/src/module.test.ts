import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import searchPlugin from '@backstage/plugin-search-backend';
import express from 'express';
import { AddressInfo } from 'node:net';
import { exportItem } from './__fixtures__/items';
import { searchModuleNhiCollator } from './module';

jest.setTimeout(60_000);

const IDENTITIES = [
  exportItem('ci-deployer', {
    owner: 'group:default/payments',
    ownership: { status: 'owned', provenance: 'tagged' },
    credentials: [
      { id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', status: 'active' },
    ],
  }),
  exportItem('report-job', {
    credentials: [
      { id: 'AKIAI44QH8DHBEXAMPLE', kind: 'access-key', status: 'active' },
    ],
  }),
];

/** The catalog's inventory export, as the NHI catalog module serves it. */
const fakeCatalog = (seen: Array<{ path: string; auth?: string }>) =>
  createBackendPlugin({
    pluginId: 'catalog',
    register(env) {
      env.registerInit({
        deps: { httpRouter: coreServices.httpRouter },
        async init({ httpRouter }) {
          const router = express.Router();
          router.get('/nhi/inventory/export', (req, res) => {
            seen.push({ path: req.url, auth: req.headers.authorization });
            const after = req.query.after;
            res.json(
              after
                ? { items: IDENTITIES.slice(1) }
                : { items: IDENTITIES.slice(0, 1), nextCursor: 'c1' },
            );
          });
          httpRouter.use(router);
        },
      });
    },
  });

let scheduler: SchedulerService | undefined;
const captureScheduler = createBackendModule({
  pluginId: 'search',
  moduleId: 'test-scheduler',
  register(env) {
    env.registerInit({
      deps: { s: coreServices.scheduler },
      async init({ s }) {
        scheduler = s;
      },
    });
  },
});

describe('searchModuleNhiCollator', () => {
  it('indexes the identities from the catalog’s export, so a pasted key id finds its identity', async () => {
    const seen: Array<{ path: string; auth?: string }> = [];
    const { server } = await startTestBackend({
      features: [
        searchPlugin,
        searchModuleNhiCollator,
        captureScheduler,
        fakeCatalog(seen),
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.rootConfig.factory({
          data: { search: { collators: { nhi: { pageSize: 1 } } } },
        }),
      ],
    });
    await scheduler!.triggerTask('search_index_nhi_identity');
    // as a service, a page after the other
    expect(seen.map(s => s.path)).toEqual([
      '/nhi/inventory/export?limit=1',
      '/nhi/inventory/export?after=c1&limit=1',
    ]);
    expect(seen[0].auth).toMatch(/^Bearer /);

    const base = `http://localhost:${
      (server.address() as AddressInfo).port
    }/api/search`;
    const res = await fetch(
      `${base}/query?term=AKIAI44QH8DHBEXAMPLE&types[0]=nhi-identity`,
      { headers: { Authorization: mockCredentials.user.header() } },
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.results[0]).toMatchObject({
      type: 'nhi-identity',
      document: {
        title: 'report-job',
        location: '/catalog/default/nonhumanidentity/report-job',
        keyIds: ['AKIAI44QH8DHBEXAMPLE'],
        ownership: 'unowned',
      },
    });
  });
});
