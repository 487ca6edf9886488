import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { DAY, NHI_OWNERSHIP_TOPIC } from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import request from 'supertest';
import { NhiClaimsConfig } from '../config';
import { ClaimsStore } from '../database/ClaimsStore';
import { nhiClaimRules } from '../permissions/rules';
import { ClaimsService } from './ClaimsService';
import { createRouter } from './router';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const nhi = (
  name: string,
  extra: { owner?: string; source?: boolean; findings?: string[] } = {},
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
    // as the pipeline stores them: rule id and evidence
    risk: {
      score: 80,
      level: 'critical',
      findings: (extra.findings ?? []).map(ruleId => ({
        ruleId,
        evidence: 'seen in the test',
      })),
    },
  },
});
const group = (name: string, leads?: string, type = 'team'): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: {
    name,
    namespace: 'default',
    ...(leads ? { annotations: { 'backstage-nhi.io/leads': leads } } : {}),
  },
  spec: { type, children: [] },
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

/** An auditor event as the router reported it. */
type AuditRecord = {
  eventId: string;
  severityLevel?: string;
  meta?: Record<string, unknown>;
  outcome?: 'success' | 'fail';
  error?: string;
};

const CONFIG: NhiClaimsConfig = {
  reviewerGroups: ['group:default/security'],
  groupLeadsReview: true,
  allowSelfApproval: false,
  requireMembership: true,
  maxExceptionDays: 365,
  maxHighRiskExceptionDays: 90,
  acceptLeakedCredentials: false,
  claimGroupTypes: ['team'],
  excludedClaimGroups: ['group:default/guests'],
};

async function setup(
  options: {
    decision?: AuthorizeResult;
    reviewDecision?: any;
    config?: Partial<NhiClaimsConfig>;
    errorHandler?: express.ErrorRequestHandler;
  } = {},
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
      nhi('aws-ci-deployer-1', { findings: ['NHI-NO-OWNER'] }),
      nhi('owned-key', {
        owner: 'group:default/payments',
        findings: [
          'NHI-LEAKED-CREDENTIAL',
          'NHI-CREDENTIAL-NOT-ROTATED',
          'NHI-SHARED-IDENTITY',
        ],
      }),
      nhi('hand-written', { source: false }),
      group('payments', 'user:default/jade'),
      group('platform'),
      group('security'),
      group('shipping', 'user:default/omar'),
      group('guests'),
      group('engineering', undefined, 'department'),
      user('alice', ['platform']),
      user('jade', ['payments']),
      user('bob', ['payments']),
      user('farah', ['security']),
      user('omar', ['shipping']),
      user('sam', ['shipping']),
      user('guest', ['guests']),
      user('erin', ['engineering']),
    ],
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
  const claims = ClaimsService.create({
    store,
    catalog,
    auth: mockServices.auth(),
    permissions,
    reviewRuleset: {
      getRuleByName: (name: string) =>
        Object.values(nhiClaimRules).find(r => r.name === name)! as any,
    },
    events: events as any,
    notifications: notifications as any,
    config: { ...CONFIG, ...options.config },
    logger: mockServices.logger.mock(),
  });
  const audited: AuditRecord[] = [];
  const router = createRouter({
    claims,
    httpAuth: mockServices.httpAuth(),
    auditor: mockServices.auditor.mock({
      createEvent: jest.fn(async (o: any) => {
        const record: AuditRecord = {
          eventId: o.eventId,
          severityLevel: o.severityLevel,
          meta: o.meta,
        };
        audited.push(record);
        return {
          success: jest.fn(async (s?: any) => {
            record.outcome = 'success';
            record.meta = { ...record.meta, ...s?.meta };
          }),
          fail: jest.fn(async (f: any) => {
            record.outcome = 'fail';
            record.meta = { ...record.meta, ...f.meta };
            record.error = f.error.message;
          }),
        };
      }) as any,
    }),
    logger: mockServices.logger.mock(),
  });
  const app = express()
    .use(router)
    .use(options.errorHandler ?? mockErrorHandler());
  /** Everything the backend keeps, to show that a refused call changed nothing. */
  const state = async () => ({
    claims: await knex('nhi_claims').orderBy('id'),
    exceptions: await knex('nhi_exceptions').orderBy('id'),
    audit: await knex('nhi_audit').orderBy('id'),
  });
  const counts = async () => ({
    claims: Number((await knex('nhi_claims').count({ n: '*' }))[0].n),
    audit: Number((await knex('nhi_audit').count({ n: '*' }))[0].n),
    exceptions: Number((await knex('nhi_exceptions').count({ n: '*' }))[0].n),
  });
  return {
    app,
    knex,
    store,
    events,
    notifications,
    permissions,
    counts,
    state,
    audited,
  };
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
      'until may be at most 365 days away for a medium finding',
    );
    const until = new Date(Date.now() + 10 * DAY).toISOString();
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

  it('lets a backend service read the feeds and nothing else', async () => {
    const { app, state } = await setup();
    const service = { Authorization: mockCredentials.service.header() };
    for (const path of ['/ownership', '/exceptions/active']) {
      const feed = await request(app).get(path).set(service);
      expect({ path, status: feed.status }).toEqual({ path, status: 200 });
    }
    const before = await state();
    for (const [method, path, body] of [
      ['get', '/claims', null],
      ['get', '/exceptions/policy', null],
      ['post', '/claims', claimBody],
    ] as const) {
      const req = (request(app) as any)[method](path).set(service);
      const res = await (body ? req.send(body) : req);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.body.error.message).toBe(
        "This endpoint does not allow 'service' credentials",
      );
    }
    expect(await state()).toEqual(before);
  });

  it('asks the permission policy about reviewing once per request, however many claims a list shows', async () => {
    const { app, permissions } = await setup();
    for (const [who, team] of [
      ['alice', 'platform'],
      ['sam', 'shipping'],
      ['bob', 'payments'],
    ]) {
      await request(app)
        .post('/claims')
        .set(as(who))
        .send({ ...claimBody, group: `group:default/${team}` });
    }
    permissions.authorizeConditional.mockClear();
    const listed = await request(app).get('/claims').set(as('farah'));
    expect(listed.body.items.map((c: any) => c.review)).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
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
      ['post', '/exceptions/some-id/approve', {}],
      ['post', '/exceptions/some-id/reject', { comment: 'no way' }],
      ['get', '/exceptions/policy', null],
      ['post', '/exceptions/some-id/revoke', {}],
      ['get', `/audit?entityRef=${OWNED}`, null],
    ];
    it.each(routes)(
      '%s %s answers 403 and changes nothing',
      async (method, path, body) => {
        const { app, state, audited } = await setup({
          decision: AuthorizeResult.DENY,
        });
        const before = await state();
        const req = (request(app) as any)[method](path).set(as('farah'));
        const res = await (body ? req.send(body) : req);
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
        expect(await state()).toEqual(before);
        // the refusal is an auditor event like any other outcome
        expect(audited).toEqual([
          expect.objectContaining({
            outcome: 'fail',
            error: expect.stringMatching(/^not allowed: nhi\./),
          }),
        ]);
      },
    );
  });
});

const inDays = (days: number) =>
  new Date(Date.now() + days * DAY).toISOString();
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

describe('transfers', () => {
  /** Sam (Shipping) asks for the identity Payments owns. */
  async function transferSetup() {
    const env = await setup();
    const created = await request(env.app).post('/claims').set(as('sam')).send({
      entityRef: OWNED,
      group: 'group:default/shipping',
      justification: 'Our tracker reads the bucket with it now.',
    });
    expect(created.status).toBe(201);
    return { ...env, claim: created.body };
  }

  it('records where the identity would come from and tells both teams, the owner’s lead and the reviewers', async () => {
    const { claim, notifications } = await transferSetup();
    expect(claim).toMatchObject({
      kind: 'transfer',
      fromGroup: 'group:default/payments',
      group: 'group:default/shipping',
    });
    expect(notifications.send).toHaveBeenCalledTimes(1);
    const sent = notifications.send.mock.calls[0][0];
    expect(sent.recipients).toEqual({
      type: 'entity',
      entityRef: [
        'group:default/security',
        'user:default/jade',
        'group:default/payments',
        'group:default/shipping',
      ],
      excludeEntityRef: 'user:default/sam',
    });
    expect(sent.payload.title).toBe(
      'Transfer requested: owned-key from group:default/payments to group:default/shipping',
    );
  });

  it('does not let the receiving team’s lead approve alone, and changes nothing', async () => {
    const { app, claim, state, events, audited } = await transferSetup();
    const before = await state();
    const res = await request(app)
      .post(`/claims/${claim.id}/approve`)
      .set(as('omar'))
      .send({});
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'you cannot review this claim: group:default/payments owns it: only a lead of group:default/payments (its owner today) or members of group:default/security (with a reason) decide this transfer',
    );
    expect(await state()).toEqual(before);
    expect(events.publish).not.toHaveBeenCalled();
    expect(audited[audited.length - 1]).toMatchObject({
      eventId: 'claim-approve',
      outcome: 'fail',
      meta: {
        claimId: claim.id,
        entityRef: OWNED,
        from: 'group:default/payments',
      },
    });
    // what the UI shows the receiving lead
    const listed = await request(app)
      .get(`/claims?entityRef=${OWNED}`)
      .set(as('omar'));
    expect(listed.body.items[0].review).toEqual({
      allowed: false,
      reason:
        'group:default/payments owns it: only a lead of group:default/payments (its owner today) or members of group:default/security (with a reason) decide this transfer',
    });
  });

  it('moves ownership when the current owner’s lead consents, and tells both teams', async () => {
    const { app, claim, events, notifications, store } = await transferSetup();
    // the owner's lead sees it among the claims to review
    const toReview = await request(app)
      .get('/claims?toReview=true')
      .set(as('jade'));
    expect(toReview.body.items.map((c: any) => c.id)).toEqual([claim.id]);
    expect(toReview.body.items[0].review).toEqual({ allowed: true });

    const res = await request(app)
      .post(`/claims/${claim.id}/approve`)
      .set(as('jade'))
      .send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'approved',
      decidedBy: 'user:default/jade',
    });
    expect((await store.currentOwner(OWNED))!.group).toBe(
      'group:default/shipping',
    );
    expect(events.publish).toHaveBeenCalledWith(
      expect.objectContaining({
        eventPayload: expect.objectContaining({
          claim: expect.objectContaining({ owner: 'group:default/shipping' }),
        }),
      }),
    );
    expect(notifications.send).toHaveBeenLastCalledWith(
      expect.objectContaining({
        recipients: {
          type: 'entity',
          entityRef: [
            'user:default/sam',
            'group:default/payments',
            'group:default/shipping',
          ],
        },
      }),
    );
    const audit = await store.listAudit(OWNED, { limit: 5, offset: 0 });
    expect(audit.items[0]).toMatchObject({
      action: 'claim.approved',
      details: { from: 'group:default/payments', consent: 'owner' },
    });
  });

  it('lets a security reviewer decide without consent only with a reason', async () => {
    const { app, claim, state, store } = await transferSetup();
    const listed = await request(app)
      .get(`/claims/${claim.id}`)
      .set(as('farah'));
    expect(listed.body.review).toEqual({
      allowed: true,
      commentRequired: true,
    });
    const before = await state();
    const silent = await request(app)
      .post(`/claims/${claim.id}/approve`)
      .set(as('farah'))
      .send({});
    expect(silent.status).toBe(400);
    expect(silent.body.error.message).toBe(
      `group:default/payments owns ${OWNED} and has not consented: a reviewer approving this transfer gives the reason as comment`,
    );
    expect(await state()).toEqual(before);

    const res = await request(app)
      .post(`/claims/${claim.id}/approve`)
      .set(as('farah'))
      .send({ comment: 'Payments left the tracker; confirmed in INC-42' });
    expect(res.status).toBe(200);
    const audit = await store.listAudit(OWNED, { limit: 5, offset: 0 });
    expect(audit.items[0]).toMatchObject({
      action: 'claim.approved',
      details: {
        from: 'group:default/payments',
        consent: 'reviewer',
        comment: 'Payments left the tracker; confirmed in INC-42',
      },
    });
  });

  it('treats a claim as a transfer when its identity got an owner after it was made', async () => {
    const { app, store } = await setup();
    const first = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send(claimBody);
    const second = await request(app)
      .post('/claims')
      .set(as('sam'))
      .send({ ...claimBody, group: 'group:default/shipping' });
    expect(second.body.kind).toBe('claim');
    await request(app)
      .post(`/claims/${first.body.id}/approve`)
      .set(as('farah'))
      .send({});
    // the approval closed the competing claim; a new one is a transfer
    const third = await request(app)
      .post('/claims')
      .set(as('sam'))
      .send({ ...claimBody, group: 'group:default/shipping' });
    expect(third.body).toMatchObject({
      kind: 'transfer',
      fromGroup: 'group:default/platform',
    });
    const byOmar = await request(app)
      .post(`/claims/${third.body.id}/approve`)
      .set(as('omar'))
      .send({});
    expect(byOmar.status).toBe(403);
    expect((await store.currentOwner(UNOWNED))!.group).toBe(
      'group:default/platform',
    );
  });

  it('honours a policy that lets the leads of the current owner review', async () => {
    const leads = (userRefs: string[]) => ({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'nhi',
      resourceType: 'nhi-claim',
      conditions: {
        anyOf: [
          {
            rule: 'IS_LEAD_OF_CLAIMED_GROUP',
            resourceType: 'nhi-claim',
            params: { userRefs },
          },
          {
            rule: 'IS_LEAD_OF_CURRENT_OWNER',
            resourceType: 'nhi-claim',
            params: { userRefs },
          },
        ],
      },
    });
    const { app } = await setup({
      reviewDecision: leads(['user:default/jade']),
    });
    const created = await request(app).post('/claims').set(as('sam')).send({
      entityRef: OWNED,
      group: 'group:default/shipping',
      justification: 'Our tracker reads the bucket with it now.',
    });
    const res = await request(app)
      .post(`/claims/${created.body.id}/approve`)
      .set(as('jade'))
      .send({});
    expect(res.status).toBe(200);
  });
});

describe('exceptions', () => {
  const accept = (ruleId: string, days: number, extra: object = {}) => ({
    entityRef: OWNED,
    ruleId,
    justification: 'Vendor rotates it next quarter.',
    until: inDays(days),
    ...extra,
  });

  it.each<[string, string, object, number, string]>([
    [
      'a leaked credential, by an owner',
      'jade',
      accept('NHI-LEAKED-CREDENTIAL', 30),
      400,
      'NHI-LEAKED-CREDENTIAL cannot be accepted: a leaked credential must be rotated (deactivate it and issue a new one)',
    ],
    [
      'a leaked credential, by a reviewer',
      'farah',
      accept('NHI-LEAKED-CREDENTIAL', 30),
      400,
      'NHI-LEAKED-CREDENTIAL cannot be accepted: a leaked credential must be rotated (deactivate it and issue a new one)',
    ],
    [
      'a rule the identity does not have',
      'jade',
      accept('NHI-ADMIN', 30),
      400,
      `NHI-ADMIN is not a finding of ${OWNED}: only what its risk evaluation found can be accepted`,
    ],
    [
      'a high finding for longer than 90 days',
      'jade',
      accept('NHI-CREDENTIAL-NOT-ROTATED', 120),
      400,
      'until may be at most 90 days away for a high finding',
    ],
    [
      'a high finding for longer than 90 days, by a reviewer',
      'farah',
      accept('NHI-CREDENTIAL-NOT-ROTATED', 91),
      400,
      'until may be at most 90 days away for a high finding',
    ],
    [
      'a finding of an identity one does not own',
      'alice',
      accept('NHI-SHARED-IDENTITY', 30),
      403,
      'only members of group:default/payments or reviewers can accept a risk on this identity',
    ],
  ])(
    'refuses %s and changes nothing',
    async (_, who, body, status, message) => {
      const { app, state, events, notifications, audited } = await setup();
      const before = await state();
      const res = await request(app)
        .post('/exceptions')
        .set(as(who))
        .send(body);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toBe(message);
      expect(await state()).toEqual(before);
      expect(events.publish).not.toHaveBeenCalled();
      expect(notifications.send).not.toHaveBeenCalled();
      expect(audited).toEqual([
        expect.objectContaining({
          eventId: 'exception-create',
          outcome: 'fail',
          error: message,
        }),
      ]);
    },
  );

  it('makes an owner’s acceptance of a high finding a request that a reviewer approves', async () => {
    const { app, events, notifications, state } = await setup();
    const requested = await request(app)
      .post('/exceptions')
      .set(as('jade'))
      .send(accept('NHI-CREDENTIAL-NOT-ROTATED', 60));
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({
      status: 'requested',
      severity: 'high',
      createdBy: 'user:default/jade',
    });
    // not accepted yet: nothing for the pipeline
    expect(events.publish).not.toHaveBeenCalled();
    const feed = await request(app)
      .get('/exceptions/active')
      .set({ Authorization: mockCredentials.service.header() });
    expect(feed.body.items).toEqual([]);
    expect(notifications.send).toHaveBeenCalledWith(
      expect.objectContaining({
        recipients: {
          type: 'entity',
          entityRef: ['group:default/security'],
          excludeEntityRef: 'user:default/jade',
        },
        payload: expect.objectContaining({
          title:
            'Risk acceptance requested: Credential past its rotation policy (high) on owned-key',
          topic: 'nhi-exceptions',
        }),
      }),
    );

    // an owner cannot decide it, a reviewer sees that they can
    const listedByBob = await request(app)
      .get(`/exceptions?entityRef=${OWNED}&status=requested`)
      .set(as('bob'));
    expect(listedByBob.body.items[0].review).toEqual({
      allowed: false,
      reason:
        'only members of group:default/security decide requests to accept a high finding',
    });
    const before = await state();
    const byBob = await request(app)
      .post(`/exceptions/${requested.body.id}/approve`)
      .set(as('bob'))
      .send({});
    expect(byBob.status).toBe(403);
    expect(await state()).toEqual(before);
    const listedByFarah = await request(app)
      .get(`/exceptions?entityRef=${OWNED}&status=requested`)
      .set(as('farah'));
    expect(listedByFarah.body.items[0].review).toEqual({ allowed: true });

    const approved = await request(app)
      .post(`/exceptions/${requested.body.id}/approve`)
      .set(as('farah'))
      .send({ comment: 'Rotation is booked with the vendor' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'active',
      reviewedBy: 'user:default/farah',
      reviewComment: 'Rotation is booked with the vendor',
    });
    expect(events.publish).toHaveBeenCalledWith({
      topic: 'nhi.exceptions',
      eventPayload: {
        entityRef: OWNED,
        accepted: [
          {
            ruleId: 'NHI-CREDENTIAL-NOT-ROTATED',
            until: requested.body.until,
            by: 'user:default/jade',
          },
        ],
      },
    });
    expect(notifications.send).toHaveBeenLastCalledWith(
      expect.objectContaining({
        recipients: { type: 'entity', entityRef: 'user:default/jade' },
      }),
    );
    const again = await request(app)
      .post(`/exceptions/${requested.body.id}/approve`)
      .set(as('farah'))
      .send({});
    expect(again.status).toBe(403);
    expect(again.body.error.message).toBe(
      'you cannot review this request: it is active, not a request waiting for review',
    );
  });

  it('lets a reviewer reject a request with a reason; the requester may withdraw another', async () => {
    const { app, events, state } = await setup();
    const requested = await request(app)
      .post('/exceptions')
      .set(as('jade'))
      .send(accept('NHI-CREDENTIAL-NOT-ROTATED', 30));
    const before = await state();
    const noReason = await request(app)
      .post(`/exceptions/${requested.body.id}/reject`)
      .set(as('farah'))
      .send({});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toBe(
      'invalid rejection: comment is required',
    );
    expect(await state()).toEqual(before);
    const rejected = await request(app)
      .post(`/exceptions/${requested.body.id}/reject`)
      .set(as('farah'))
      .send({ comment: 'Rotate it; it is overdue by a year' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      reviewComment: 'Rotate it; it is overdue by a year',
    });
    expect(events.publish).not.toHaveBeenCalled();

    const second = await request(app)
      .post('/exceptions')
      .set(as('jade'))
      .send(accept('NHI-CREDENTIAL-NOT-ROTATED', 30));
    expect(second.body.status).toBe('requested');
    const duplicate = await request(app)
      .post('/exceptions')
      .set(as('bob'))
      .send(accept('NHI-CREDENTIAL-NOT-ROTATED', 30));
    expect(duplicate.status).toBe(409);
    const withdrawn = await request(app)
      .post(`/exceptions/${second.body.id}/revoke`)
      .set(as('jade'))
      .send({});
    expect(withdrawn.body.status).toBe('revoked');
    expect(events.publish).not.toHaveBeenCalled();
  });

  it('accepts a medium finding from an owner, and a high one from a reviewer, at once', async () => {
    const { app, events } = await setup();
    const medium = await request(app)
      .post('/exceptions')
      .set(as('jade'))
      .send(accept('NHI-SHARED-IDENTITY', 200));
    expect(medium.status).toBe(201);
    expect(medium.body).toMatchObject({ status: 'active', severity: 'medium' });
    const high = await request(app)
      .post('/exceptions')
      .set(as('farah'))
      .send(accept('NHI-CREDENTIAL-NOT-ROTATED', 90));
    expect(high.status).toBe(201);
    expect(high.body).toMatchObject({ status: 'active', severity: 'high' });
    expect(events.publish).toHaveBeenCalledTimes(2);
  });

  it('lets a leaked credential be requested when the configuration allows it', async () => {
    const { app } = await setup({ config: { acceptLeakedCredentials: true } });
    const res = await request(app)
      .post('/exceptions')
      .set(as('jade'))
      .send(accept('NHI-LEAKED-CREDENTIAL', 14));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'requested',
      severity: 'critical',
    });
  });

  it('tells the UI the limits and whether the caller reviews', async () => {
    const { app } = await setup();
    const owner = await request(app).get('/exceptions/policy').set(as('jade'));
    expect(owner.status).toBe(200);
    expect(owner.body).toEqual({
      maxDays: { critical: 90, high: 90, medium: 365, low: 365 },
      reviewRequired: ['critical', 'high'],
      notAcceptable: ['NHI-LEAKED-CREDENTIAL'],
      reviewer: false,
    });
    const reviewer = await request(app)
      .get('/exceptions/policy')
      .set(as('farah'));
    expect(reviewer.body.reviewer).toBe(true);
  });
});

describe('refusals are audited', () => {
  it('records ten refused approvals and rejections as failed auditor events, changing nothing', async () => {
    const { app, state, audited } = await setup();
    const created = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send(claimBody);
    const id = created.body.id;
    audited.length = 0;
    const before = await state();
    const attempts: Array<[string, string, unknown, number]> = [
      ['alice', `/claims/${id}/approve`, {}, 403], // own claim
      ['alice', `/claims/${id}/reject`, { comment: 'never mind' }, 403],
      ['bob', `/claims/${id}/approve`, {}, 403], // neither lead nor reviewer
      ['bob', `/claims/${id}/reject`, { comment: 'not theirs' }, 403],
      ['farah', `/claims/${id}/reject`, {}, 400], // no reason
      ['farah', `/claims/${id}/reject`, { comment: 5 }, 400],
      ['farah', `/claims/${id}/approve`, { secret: 1 }, 400],
      ['farah', `/claims/${id}/approve`, [], 400],
      [
        'farah',
        '/claims/00000000-0000-4000-8000-000000000000/approve',
        {},
        404,
      ],
      ['farah', '/claims/not-a-claim/reject', { comment: 'no such' }, 404],
    ];
    for (const [who, path, body, status] of attempts) {
      const res = await request(app)
        .post(path)
        .set(as(who))
        .send(body as object);
      expect(res.status).toBe(status);
    }
    expect(await state()).toEqual(before);
    expect(audited).toHaveLength(10);
    for (const [i, event] of audited.entries()) {
      expect(event).toMatchObject({
        eventId: attempts[i][1].endsWith('approve')
          ? 'claim-approve'
          : 'claim-reject',
        severityLevel: 'medium',
        outcome: 'fail',
      });
    }
  });
});

describe('paging', () => {
  it('pages with the cursor it gives', async () => {
    const { app } = await setup();
    await request(app).post('/claims').set(as('alice')).send(claimBody);
    await request(app)
      .post('/claims')
      .set(as('sam'))
      .send({ ...claimBody, group: 'group:default/shipping' });
    const first = await request(app).get('/claims?limit=1').set(as('bob'));
    expect(first.body.totalCount).toBe(2);
    expect(first.body.nextCursor).toBe(b64('1'));
    const second = await request(app)
      .get(`/claims?limit=1&cursor=${first.body.nextCursor}`)
      .set(as('bob'));
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it.each([
    '/claims',
    '/exceptions',
    '/exceptions/active',
    `/audit?entityRef=${OWNED}`,
  ])('refuses a cursor it never gave on %s with a 400', async path => {
    const { app, state } = await setup();
    const before = await state();
    const join = path.includes('?') ? '&' : '?';
    for (const cursor of [
      b64('99999999999999999999'),
      b64('2147483648'),
      b64('-1'),
      b64('1.5'),
      b64('01'),
      '!!!',
      'AAAA',
    ]) {
      const res = await request(app)
        .get(`${path}${join}cursor=${encodeURIComponent(cursor)}`)
        .set(as('bob'));
      expect({ cursor, status: res.status }).toEqual({ cursor, status: 400 });
      expect(res.body.error.message).toBe(
        'cursor is not valid: pass the nextCursor of the previous page',
      );
    }
    expect(await state()).toEqual(before);
  });

  it('refuses an ownership page cursor that is not a claim id, and the old after', async () => {
    const { app } = await setup();
    for (const query of [
      `cursor=${b64('\u0000x')}`,
      'cursor=%00x',
      'after=1',
    ]) {
      const res = await request(app)
        .get(`/ownership?${query}`)
        .set({ Authorization: mockCredentials.service.header() });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
    const ok = await request(app)
      .get(`/ownership?cursor=${b64('0b1c6a8e-3f5d-4c2b-9a7e-1d2c3b4a5f60')}`)
      .set({ Authorization: mockCredentials.service.header() });
    expect(ok.status).toBe(200);
  });
});

describe('in production', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });

  it('answers a database failure with a 500 that shows neither SQL nor a stack', async () => {
    process.env.NODE_ENV = 'production';
    const { app, knex, audited } = await setup({
      // Backstage's own error middleware, set up as a production backend does
      errorHandler: mockErrorHandler(),
    });
    await knex.schema.dropTable('nhi_claims');
    const res = await request(app).get('/claims').set(as('bob'));
    expect(res.status).toBe(500);
    expect(res.body.error.message).toMatch(
      /^internal error [0-9a-f]{12}: the nhi backend's log has the details$/,
    );
    expect(JSON.stringify(res.body)).not.toMatch(/select|nhi_claims|sqlite/i);
    expect(res.body.error.stack).toBeUndefined();
    expect(audited).toEqual([
      expect.objectContaining({ eventId: 'claim-read', outcome: 'fail' }),
    ]);
  });

  it('shows no stack trace with a refusal either', async () => {
    process.env.NODE_ENV = 'production';
    const { app } = await setup({ errorHandler: mockErrorHandler() });
    const res = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send({ ...claimBody, justification: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      name: 'InputError',
      message: 'invalid claim: justification must be text',
    });
  });
});

describe('bad input', () => {
  it.each<[string, string, unknown, string]>([
    [
      'a number for entityRef',
      '/claims',
      { ...claimBody, entityRef: 123 },
      'invalid claim: entityRef must be text',
    ],
    [
      'an array for a body',
      '/claims',
      [],
      'invalid claim: the request body must be a JSON object',
    ],
    [
      'a missing field next to a wrong one',
      '/claims',
      { entityRef: UNOWNED, group: ['platform'] },
      'invalid claim: group must be text; justification is required',
    ],
    [
      'a number for an exception’s until',
      '/exceptions',
      {
        entityRef: OWNED,
        ruleId: 'NHI-SHARED-IDENTITY',
        justification: 'migration under way',
        until: 20990101,
      },
      'invalid exception: until must be text',
    ],
  ])('names what is wrong with %s', async (_, path, body, message) => {
    const { app, state } = await setup();
    const before = await state();
    const res = await request(app)
      .post(path)
      .set(as('jade'))
      .send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
    expect(await state()).toEqual(before);
  });

  it('says a comment must be text', async () => {
    const { app, state } = await setup();
    const created = await request(app)
      .post('/claims')
      .set(as('alice'))
      .send(claimBody);
    const before = await state();
    const res = await request(app)
      .post(`/claims/${created.body.id}/reject`)
      .set(as('farah'))
      .send({ comment: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'invalid rejection: comment must be text',
    );
    expect(await state()).toEqual(before);
  });

  it('refuses a body that is not JSON, audited', async () => {
    const { app, state, audited } = await setup();
    const before = await state();
    const broken = await request(app)
      .post('/claims')
      .set(as('alice'))
      .set('Content-Type', 'application/json')
      .send('{"entityRef": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toBe(
      'the request body is not valid JSON',
    );
    const plain = await request(app)
      .post('/claims')
      .set(as('alice'))
      .set('Content-Type', 'text/plain')
      .send('entityRef=x');
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toBe(
      'the request body must be JSON (Content-Type: application/json)',
    );
    expect(await state()).toEqual(before);
    expect(audited.map(a => [a.eventId, a.outcome])).toEqual([
      ['claim-create', 'fail'],
      ['claim-create', 'fail'],
    ]);
  });

  it.each<[string, string]>([
    [
      '/claims?status[]=open',
      'query parameter status must be given once, as text (a list is one value separated by commas)',
    ],
    [
      '/claims?entityRef[a]=b',
      'query parameter entityRef must be given once, as text (a list is one value separated by commas)',
    ],
    [
      '/claims?status=open&status=approved',
      'query parameter status must be given once, as text (a list is one value separated by commas)',
    ],
    [
      '/claims?stauts=open',
      'unknown query parameter stauts; this route takes entityRef, group, status, mine, toReview, limit, cursor',
    ],
    [
      '/exceptions?active[]=true',
      'query parameter active must be given once, as text (a list is one value separated by commas)',
    ],
    [
      '/exceptions?status=expired',
      'status must be one of requested, active, rejected, revoked, got expired',
    ],
    [
      `/audit?entityRef[]=${OWNED}`,
      'query parameter entityRef must be given once, as text (a list is one value separated by commas)',
    ],
    ['/claims?limit=1e2', 'limit must be a whole number from 1 to 500'],
  ])('refuses %s with a 400', async (path, message) => {
    const { app } = await setup();
    const res = await request(app).get(path).set(as('bob'));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
  });

  describe.each([
    ['U+0000', '\u0000'],
    ['U+202A', '\u202A'],
    ['U+202E', '\u202E'],
    ['U+2066', '\u2066'],
    ['U+2069', '\u2069'],
  ])('with %s in a text', (code, char) => {
    const message = (field: string) =>
      `${field} contains ${code}, a control or bidirectional formatting character, which is not allowed`;

    it('refuses it in a claim’s justification, a comment, an exception and a query', async () => {
      const { app, state } = await setup();
      const created = await request(app)
        .post('/claims')
        .set(as('alice'))
        .send(claimBody);
      const before = await state();
      const claim = await request(app)
        .post('/claims')
        .set(as('sam'))
        .send({
          ...claimBody,
          group: 'group:default/shipping',
          justification: `Ours, we ${char}run it in CI`,
        });
      expect(claim.status).toBe(400);
      expect(claim.body.error.message).toBe(
        `invalid claim: ${message('justification')}`,
      );
      const reject = await request(app)
        .post(`/claims/${created.body.id}/reject`)
        .set(as('farah'))
        .send({ comment: `not ${char}yours` });
      expect(reject.status).toBe(400);
      expect(reject.body.error.message).toBe(
        `invalid rejection: ${message('comment')}`,
      );
      const exception = await request(app)
        .post('/exceptions')
        .set(as('jade'))
        .send({
          entityRef: OWNED,
          ruleId: 'NHI-SHARED-IDENTITY',
          justification: `fine ${char} until the migration`,
          until: inDays(10),
        });
      expect(exception.status).toBe(400);
      expect(exception.body.error.message).toBe(
        `invalid exception: ${message('justification')}`,
      );
      const query = await request(app)
        .get(`/claims?entityRef=${encodeURIComponent(`${UNOWNED}${char}`)}`)
        .set(as('bob'));
      expect(query.status).toBe(400);
      expect(query.body.error.message).toBe(message('entityRef'));
      expect(await state()).toEqual(before);
    });
  });
});

describe('groups identities can be claimed for', () => {
  it.each<[string, string, string, string]>([
    [
      'the guests group',
      'guest',
      'group:default/guests',
      'group:default/guests cannot own identities (nhi.claims.groups.exclude); claim for your team',
    ],
    [
      'a department',
      'erin',
      'group:default/engineering',
      'group:default/engineering is a group of type department; identities are claimed for teams (groups of type team)',
    ],
  ])('refuses %s with a 400', async (_, who, groupRef, message) => {
    const { app, state } = await setup();
    const before = await state();
    const res = await request(app)
      .post('/claims')
      .set(as(who))
      .send({ ...claimBody, group: groupRef });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
    expect(await state()).toEqual(before);
  });

  it('refuses to approve a claim made for such a group before the rule existed', async () => {
    const { app, store, state } = await setup();
    const claim = await store.createClaim({
      entityRef: UNOWNED,
      group: 'group:default/guests',
      kind: 'claim',
      justification: 'made through the old API',
      createdBy: 'user:default/guest',
    });
    const before = await state();
    const res = await request(app)
      .post(`/claims/${claim.id}/approve`)
      .set(as('farah'))
      .send({});
    expect(res.status).toBe(400);
    expect(await state()).toEqual(before);
    const rejected = await request(app)
      .post(`/claims/${claim.id}/reject`)
      .set(as('farah'))
      .send({ comment: 'claims are for teams' });
    expect(rejected.status).toBe(200);
  });
});
