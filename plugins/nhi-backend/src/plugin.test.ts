import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { nhiPlugin } from './plugin';

const IDENTITY = 'nonhumanidentity:default/ci-deployer';

async function start() {
  const { server } = await startTestBackend({
    features: [
      nhiPlugin,
      mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
      mockServices.rootConfig.factory({
        data: { nhi: { claims: { reviewers: { groups: ['security'] } } } },
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
});
