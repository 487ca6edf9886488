import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { NHI_OWNERSHIP_TOPIC } from '@backstage-nhi/nhi-common';
import express from 'express';
import request from 'supertest';
import { ClaimsStore } from '../database/ClaimsStore';
import { nhiClaimRules } from '../permissions/rules';
import { ClaimsService } from './ClaimsService';
import { createRouter } from './router';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const nhi = (
  name: string,
  extra: { owner?: string; source?: boolean } = {},
): Entity => ({
  apiVersion: 'backstage-nhi.io/v1alpha1',
  kind: 'NonHumanIdentity',
  metadata: {
    name,
    namespace: 'default',
    ...(extra.source === false
      ? {}
      : { annotations: { 'backstage-nhi.io/source': 'aws:prod' } }),
  },
  spec: {
    type: 'iam-user',
    category: 'service-account',
    provider: 'aws',
    externalId: `arn:aws:iam::1:user/${name}`,
    ...(extra.owner ? { owner: extra.owner } : {}),
    ownership: extra.owner
      ? { status: 'owned', provenance: 'tagged' }
      : { status: 'unowned', provenance: 'none' },
  },
});
const group = (name: string, leads?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: {
    name,
    namespace: 'default',
    ...(leads ? { annotations: { 'backstage-nhi.io/leads': leads } } : {}),
  },
  spec: { type: 'team', children: [] },
});
const user = (name: string, groups: string[]): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: { memberOf: groups },
  relations: groups.map(g => ({
    type: 'memberOf',
    targetRef: `group:default/${g}`,
  })),
});

const UNOWNED = 'nonhumanidentity:default/aws-ci-deployer-1';
const OWNED = 'nonhumanidentity:default/owned-key';
const as = (name: string) => ({
  Authorization: mockCredentials.user.header(`user:default/${name}`),
});

async function setup(
  options: { decision?: AuthorizeResult; reviewDecision?: any } = {},
) {
  const knex = await databases.init('SQLITE_3');
  const store = await ClaimsStore.create({
    getClient: async () => knex,
    migrations: { skip: false },
  });
  const events = { publish: jest.fn(), subscribe: jest.fn() };
  const notifications = { send: jest.fn() };
  const catalog = catalogServiceMock({
    entities: [
      nhi('aws-ci-deployer-1'),
      nhi('owned-key', { owner: 'group:default/payments' }),
      nhi('hand-written', { source: false }),
      group('payments', 'user:default/jade'),
      group('platform'),
      group('security'),
      user('alice', ['platform']),
      user('jade', ['payments']),
      user('bob', ['payments']),
      user('farah', ['security']),
    ],
  });
  const claims = new ClaimsService({
    store,
    catalog,
    auth: mockServices.auth(),
    events: events as any,
    notifications: notifications as any,
    config: {
      reviewerGroups: ['group:default/security'],
      groupLeadsReview: true,
      allowSelfApproval: false,
      requireMembership: true,
      maxExceptionDays: 365,
    },
    logger: mockServices.logger.mock(),
  });
  const decision = options.decision ?? AuthorizeResult.ALLOW;
  const permissions = mockServices.permissions.mock({
    authorize: jest.fn(async reqs =>
      reqs.map(() => ({ result: decision })),
    ) as any,
    authorizeConditional: jest.fn(async reqs =>
      reqs.map(() => options.reviewDecision ?? { result: decision }),
    ) as any,
  });
  const router = createRouter({
    claims,
    httpAuth: mockServices.httpAuth(),
    auth: mockServices.auth(),
    permissions,
    auditor: mockServices.auditor.mock({
      createEvent: jest.fn(async () => ({
        success: jest.fn(),
        fail: jest.fn(),
      })) as any,
    }),
    reviewRuleset: {
      getRuleByName: (name: string) =>
        Object.values(nhiClaimRules).find(r => r.name === name)! as any,
    },
  });
  const app = express().use(router).use(mockErrorHandler());
  const counts = async () => ({
    claims: Number((await knex('nhi_claims').count({ n: '*' }))[0].n),
    audit: Number((await knex('nhi_audit').count({ n: '*' }))[0].n),
    exceptions: Number((await knex('nhi_exceptions').count({ n: '*' }))[0].n),
  });
  return { app, store, events, notifications, counts };
}

const claimBody = {
  entityRef: UNOWNED,
  group: 'group:default/platform',
  justification: 'Our CI deploys with it.',
};

describe('the claims API', () => {
  it('runs a claim from creation to approval, with events, notifications and audit', async () => {
    const { app, events, notifications } = await setup();
    const created = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send(claimBody);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'open',
      kind: 'claim',
      createdBy: 'user:default/alice',
    });
    expect(notifications.send).toHaveBeenCalledWith(
      expect.objectContaining({
        recipients: {
          type: 'entity',
          entityRef: ['group:default/security'],
          excludeEntityRef: 'user:default/alice',
        },
      }),
    );

    // the claimant cannot review it; a security reviewer can
    const own = await request(app)
      .post(`/claims/${created.body.id}/approve`)
      .set(as('alice'))
      .send({});
    expect(own.status).toBe(403);
    expect(own.body.error.message).toBe(
      'you cannot review this claim: nobody reviews their own claim',
    );
    const toReview = await request(app)
      .get('/claims?toReview=true')
      .set(as('farah'));
    expect(toReview.body.items.map((c: any) => c.id)).toEqual([
      created.body.id,
    ]);
    expect(toReview.body.items[0].review).toEqual({ allowed: true });

    const approved = await request(app)
      .post(`/claims/${created.body.id}/approve`)
      .set(as('farah'))
      .send({ comment: 'confirmed with the team' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decidedBy: 'user:default/farah',
    });
    expect(events.publish).toHaveBeenCalledWith({
      topic: NHI_OWNERSHIP_TOPIC,
      eventPayload: {
        entityRef: UNOWNED,
        claim: expect.objectContaining({
          owner: 'group:default/platform',
          claimedBy: 'user:default/alice',
          approvedBy: 'user:default/farah',
        }),
      },
    });
    const feed = await request(app)
      .get('/ownership')
      .set({ Authorization: mockCredentials.service.header() });
    expect(feed.body.items).toEqual([
      expect.objectContaining({
        entityRef: UNOWNED,
        owner: 'group:default/platform',
      }),
    ]);
    const audit = await request(app)
      .get(`/audit?entityRef=${UNOWNED}`)
      .set(as('bob'));
    expect(audit.body.items.map((a: any) => a.action)).toEqual([
      'claim.approved',
      'claim.created',
    ]);
  });

  it('lets the leads of the claimed group review, and no one else', async () => {
    const { app } = await setup();
    const created = await request(app)
      .post('/claims')
      .set(as('bob'))
      .send({ ...claimBody, group: 'group:default/payments' });
    const byAlice = await request(app)
      .post(`/claims/${created.body.id}/reject`)
      .set(as('alice'))
      .send({ comment: 'not yours' });
    expect(byAlice.status).toBe(403);
    expect(byAlice.body.error.message).toBe(
      'you cannot review this claim: only members of group:default/security or leads of group:default/payments review this claim',
    );
    const byLead = await request(app)
      .post(`/claims/${created.body.id}/reject`)
      .set(as('jade'))
      .send({ comment: 'this is the data team’s' });
    expect(byLead.status).toBe(200);
    expect(byLead.body).toMatchObject({
      status: 'rejected',
      comment: 'this is the data team’s',
    });
  });

  it('honours a conditional policy decision on review', async () => {
    const { app } = await setup({
      reviewDecision: {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'nhi',
        resourceType: 'nhi-claim',
        conditions: {
          rule: 'IS_FOR_GROUP',
          resourceType: 'nhi-claim',
          params: { groupRefs: ['group:default/payments'] },
        },
      },
    });
    const created = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send(claimBody);
    const res = await request(app)
      .post(`/claims/${created.body.id}/approve`)
      .set(as('farah'))
      .send({});
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'you cannot review this claim: the permission policy does not allow you to review it',
    );
  });

  it('makes a claim for an owned identity a transfer, and refuses claiming what one owns', async () => {
    const { app } = await setup();
    const transfer = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send({ ...claimBody, entityRef: OWNED });
    expect(transfer.body.kind).toBe('transfer');
    const mine = await request(app)
      .post('/claims')
      .set(as('bob'))
      .send({
        ...claimBody,
        entityRef: OWNED,
        group: 'group:default/payments',
      });
    expect(mine.status).toBe(409);
    expect(mine.body.error.message).toBe(
      `${OWNED} is already owned by group:default/payments`,
    );
  });

  it.each<[string, object, string]>([
    [
      'a missing justification',
      { entityRef: UNOWNED, group: 'platform' },
      'invalid claim: justification is required',
    ],
    [
      'a short justification',
      { ...claimBody, justification: 'mine' },
      'invalid claim: justification must be at least 10 characters',
    ],
    [
      'an unknown field',
      { ...claimBody, secret: 'x' },
      'invalid claim: unknown field secret',
    ],
    [
      'a bad entity ref',
      { ...claimBody, entityRef: 'group:' },
      'entityRef is not an entity ref: group:',
    ],
    [
      'a group that is a user',
      { ...claimBody, group: 'user:default/alice' },
      'group must be a Group, got user:default/alice',
    ],
    [
      'a hand-written identity',
      { ...claimBody, entityRef: 'nonhumanidentity:default/hand-written' },
      'nonhumanidentity:default/hand-written is declared in a catalog-info.yaml; change its spec.owner there instead of claiming it',
    ],
  ])('answers 400 for %s and writes nothing', async (_, body, message) => {
    const { app, counts } = await setup();
    const res = await request(app).post('/claims').set(as('alice')).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
    expect(await counts()).toEqual({ claims: 0, audit: 0, exceptions: 0 });
  });

  it('answers 404 for an unknown identity, 409 for a duplicate, 403 outside the group', async () => {
    const { app, counts } = await setup();
    const unknown = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send({ ...claimBody, entityRef: 'nonhumanidentity:default/nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(
      'no non-human identity nonhumanidentity:default/nope',
    );
    await request(app).post('/claims').set(as('alice')).send(claimBody);
    const again = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send(claimBody);
    expect(again.status).toBe(409);
    const outsider = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send({ ...claimBody, group: 'group:default/payments' });
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.message).toBe(
      'you can only claim for a group you belong to; you are not in group:default/payments',
    );
    expect((await counts()).claims).toBe(1);
  });

  it('validates exceptions and releases', async () => {
    const { app, events } = await setup();
    const past = await request(app).post('/exceptions').set(as('jade')).send({
      entityRef: OWNED,
      ruleId: 'NHI-SHARED-IDENTITY',
      justification: 'migration under way',
      until: '2020-01-01',
    });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toBe('until must be in the future');
    const unknownRule = await request(app)
      .post('/exceptions')
      .set(as('jade'))
      .send({
        entityRef: OWNED,
        ruleId: 'NHI-NOPE',
        justification: 'migration under way',
        until: '2099-01-01',
      });
    expect(unknownRule.body.error.message).toBe(
      'ruleId: there is no rule NHI-NOPE (see docs/rules.md)',
    );
    const tooFar = await request(app).post('/exceptions').set(as('jade')).send({
      entityRef: OWNED,
      ruleId: 'NHI-SHARED-IDENTITY',
      justification: 'migration under way',
      until: '2099-01-01',
    });
    expect(tooFar.body.error.message).toBe(
      'until may be at most 365 days away',
    );
    const until = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const outsider = await request(app)
      .post('/exceptions')
      .set(as('alice'))
      .send({
        entityRef: OWNED,
        ruleId: 'NHI-SHARED-IDENTITY',
        justification: 'migration under way',
        until,
      });
    expect(outsider.status).toBe(403);
    const ok = await request(app).post('/exceptions').set(as('jade')).send({
      entityRef: OWNED,
      ruleId: 'NHI-SHARED-IDENTITY',
      justification: 'migration under way',
      until,
    });
    expect(ok.status).toBe(201);
    expect(events.publish).toHaveBeenCalledWith({
      topic: 'nhi.exceptions',
      eventPayload: {
        entityRef: OWNED,
        accepted: [
          {
            ruleId: 'NHI-SHARED-IDENTITY',
            until: ok.body.until,
            by: 'user:default/jade',
          },
        ],
      },
    });
    const released = await request(app)
      .post('/ownership/release')
      .set(as('jade'))
      .send({ entityRef: OWNED });
    expect(released.status).toBe(409);
    expect(released.body.error.message).toBe(
      `${OWNED} has no claimed owner; an owner from its source or a declaration is changed there`,
    );
  });

  describe('with every permission denied', () => {
    const routes: Array<[string, string, object | null]> = [
      ['post', '/claims', claimBody],
      ['get', '/claims', null],
      ['get', '/claims/some-id', null],
      ['post', '/claims/some-id/approve', {}],
      ['post', '/claims/some-id/reject', { comment: 'no way' }],
      ['post', '/claims/some-id/withdraw', {}],
      ['post', '/ownership/release', { entityRef: OWNED }],
      ['get', '/ownership', null],
      [
        'post',
        '/exceptions',
        {
          entityRef: OWNED,
          ruleId: 'NHI-ADMIN',
          justification: 'accepted for now',
          until: '2099-01-01',
        },
      ],
      ['get', '/exceptions', null],
      ['get', '/exceptions/active', null],
      ['post', '/exceptions/some-id/revoke', {}],
      ['get', `/audit?entityRef=${OWNED}`, null],
    ];
    it.each(routes)(
      '%s %s answers 403 and changes nothing',
      async (method, path, body) => {
        const { app, counts } = await setup({ decision: AuthorizeResult.DENY });
        const before = await counts();
        const req = (request(app) as any)[method](path).set(as('farah'));
        const res = await (body ? req.send(body) : req);
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
        expect(await counts()).toEqual(before);
      },
    );
  });
});
