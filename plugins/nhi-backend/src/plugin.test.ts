import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { nhiPlugin } from './plugin';

const IDENTITY = 'nonhumanidentity:default/ci-deployer';

/**
 * The catalog module's inventory routes, answering one unowned identity:
 * its count, and its one keyset page.
 */
async function fakeCatalog() {
  const app = express();
  app.get('/api/catalog/nhi/inventory/facets', (_req, res) => {
    res.json({ ready: true, totalCount: 1, facets: {} });
  });
  app.get('/api/catalog/nhi/inventory', (_req, res) => {
    res.json({
      ready: true,
      items: [
        {
          kind: 'NonHumanIdentity',
          metadata: { name: 'ci-deployer', namespace: 'default' },
          spec: {
            type: 'iam-user',
            category: 'service-account',
            provider: 'aws',
            externalId: 'arn:aws:iam::1:user/ci-deployer',
            ownership: { status: 'unowned', provenance: 'none' },
            risk: {
              level: 'high',
              score: 35,
              findings: [{ ruleId: 'NHI-NO-OWNER' }],
            },
          },
        },
      ],
    });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise(r => server.once('listening', r));
  return server;
}

let catalogServer: Awaited<ReturnType<typeof fakeCatalog>>;
beforeAll(async () => {
  catalogServer = await fakeCatalog();
});
afterAll(() => catalogServer.close());

async function start() {
  const { port } = catalogServer.address() as AddressInfo;
  const { server } = await startTestBackend({
    features: [
      nhiPlugin,
      mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
      mockServices.rootConfig.factory({
        data: { nhi: { claims: { reviewers: { groups: ['security'] } } } },
      }),
      // the catalog's routes are served by the fake; the rest by the backend
      createServiceFactory({
        service: coreServices.discovery,
        deps: {},
        factory: () => ({
          getBaseUrl: async (pluginId: string) =>
            `http://127.0.0.1:${port}/api/${pluginId}`,
          getExternalBaseUrl: async (pluginId: string) =>
            `http://127.0.0.1:${port}/api/${pluginId}`,
        }),
      }),
      catalogServiceMock.factory({
        entities: [
          {
            apiVersion: 'backstage-nhi.io/v1alpha1',
            kind: 'NonHumanIdentity',
            metadata: {
              name: 'ci-deployer',
              namespace: 'default',
              annotations: { 'backstage-nhi.io/source': 'aws:prod' },
            },
            spec: {
              type: 'iam-user',
              category: 'service-account',
              provider: 'aws',
              externalId: 'arn:aws:iam::1:user/ci-deployer',
              ownership: { status: 'unowned', provenance: 'none' },
            },
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: {
              name: 'platform',
              namespace: 'default',
              annotations: { 'backstage-nhi.io/leads': 'user:default/lee' },
            },
            spec: { type: 'team', children: [] },
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: { name: 'alice', namespace: 'default' },
            spec: { memberOf: ['platform'] },
            relations: [
              { type: 'memberOf', targetRef: 'group:default/platform' },
            ],
          },
        ],
      }),
    ],
  });
  return server;
}

describe('nhiPlugin', () => {
  it('serves the API and lets permission policies decide on claims with its rules', async () => {
    const server = await start();
    const created = await request(server)
      .post('/api/nhi/claims')
      .set('Authorization', mockCredentials.user.header('user:default/alice'))
      .send({
        entityRef: IDENTITY,
        group: 'group:default/platform',
        justification: 'Our CI deploys with it.',
      });
    expect(created.status).toBe(201);

    // What the permission backend asks when a policy answers with
    // conditions: the claim is loaded, with the leads of its group.
    const condition = (rule: string, params: object) => ({
      id: rule,
      resourceRef: created.body.id,
      resourceType: 'nhi-claim',
      conditions: { rule, resourceType: 'nhi-claim', params },
    });
    const applied = await request(server)
      .post('/api/nhi/.well-known/backstage/permissions/apply-conditions')
      .set('Authorization', mockCredentials.service.header())
      .send({
        items: [
          condition('IS_FOR_GROUP', { groupRefs: ['group:default/platform'] }),
          condition('IS_FOR_GROUP', { groupRefs: ['group:default/other'] }),
          condition('IS_LEAD_OF_CLAIMED_GROUP', {
            userRefs: ['user:default/lee'],
          }),
          condition('IS_CLAIMED_BY', { userRefs: ['user:default/bob'] }),
        ],
      });
    expect(applied.status).toBe(200);
    expect(applied.body.items.map((i: any) => i.result)).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.DENY,
      AuthorizeResult.ALLOW,
      AuthorizeResult.DENY,
    ]);
  });

  it('gives the pipeline its feeds as a backend service, and nothing else', async () => {
    const server = await start();
    const service = mockCredentials.service.header();
    const feed = await request(server)
      .get('/api/nhi/ownership')
      .set('Authorization', service);
    expect(feed.status).toBe(200);
    expect(feed.body).toEqual({ items: [] });
    const claims = await request(server)
      .get('/api/nhi/claims')
      .set('Authorization', service);
    expect(claims.status).toBe(403);
  });

  it("starts a campaign over the catalog module's inventory and lets policies decide on its items with its rules", async () => {
    const server = await start();
    const created = await request(server)
      .post('/api/nhi/campaigns')
      .set('Authorization', mockCredentials.user.header('user:default/alice'))
      .send({
        name: 'Unowned identities',
        scope: [{ owner: 'unowned' }],
        dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      });
    expect(created.status).toBe(201);
    expect(created.body.counts.total).toBe(1);
    const items = await request(server)
      .get(`/api/nhi/campaigns/${created.body.id}/items`)
      .set('Authorization', mockCredentials.user.header('user:default/alice'));
    const [item] = items.body.items;
    expect(item).toMatchObject({
      entityRef: 'nonhumanidentity:default/ci-deployer',
      reviewer: 'group:default/security',
      ruleIds: ['NHI-NO-OWNER'],
    });
    const condition = (rule: string, params: object) => ({
      id: rule,
      resourceRef: item.id,
      resourceType: 'nhi-campaign-item',
      conditions: { rule, resourceType: 'nhi-campaign-item', params },
    });
    const applied = await request(server)
      .post('/api/nhi/.well-known/backstage/permissions/apply-conditions')
      .set('Authorization', mockCredentials.service.header())
      .send({
        items: [
          condition('IS_ITEM_REVIEWER', {
            claims: ['user:default/farah', 'group:default/security'],
          }),
          condition('IS_ITEM_REVIEWER', { claims: ['user:default/alice'] }),
          condition('IS_ITEM_OWNED_BY', {
            ownerRefs: ['group:default/platform'],
          }),
        ],
      });
    expect(applied.status).toBe(200);
    expect(applied.body.items.map((i: any) => i.result)).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.DENY,
      AuthorizeResult.DENY,
    ]);
  });
});
