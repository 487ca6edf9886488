import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  DAY,
  NhiInventoryFilters,
  NhiInventoryItem,
} from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { NhiCampaignsConfig, NhiClaimsConfig } from '../config';
import { CampaignsStore } from '../database/CampaignsStore';
import { ClaimsStore } from '../database/ClaimsStore';
import { nhiCampaignItemRules, nhiClaimRules } from '../permissions/rules';
import { CampaignsService } from './CampaignsService';
import { ClaimsService } from './ClaimsService';
import { InventoryIdentity } from './InventoryReader';
import { createRouter } from './router';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

jest.setTimeout(60_000);

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
/** An identity as the catalog has it (lean), with its creator. */
const nhi = (name: string, createdBy?: string): Entity => ({
  apiVersion: 'backstage-nhi.io/v1alpha1',
  kind: 'NonHumanIdentity',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage-nhi.io/source': 'aws:prod' },
  },
  spec: {
    type: 'iam-role',
    category: 'service-account',
    provider: 'aws',
    externalId: `arn:aws:iam::1:role/${name}`,
    ownership: { status: 'owned', provenance: 'tagged' },
    ...(createdBy ? { createdBy: { type: 'person', ref: createdBy } } : {}),
  },
});
/** An identity as the inventory lists it. */
const listed = (
  name: string,
  owner?: string,
  extra: Partial<NhiInventoryItem['spec']> = {},
): InventoryIdentity => ({
  entityRef: `nonhumanidentity:default/${name}`,
  kind: 'NonHumanIdentity',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'iam-role',
    category: 'service-account',
    provider: 'aws',
    account: '111111111111',
    externalId: `arn:aws:iam::111111111111:role/${name}`,
    ...(owner ? { owner } : {}),
    ownership: owner
      ? { status: 'owned', provenance: 'tagged' }
      : {
          status: 'unowned',
          provenance: 'none',
          suggestedOwners: ['group:default/payments'],
        },
    risk: { level: 'critical', score: 60, findings: [{ ruleId: 'NHI-ADMIN' }] },
    rotation: { status: 'not-applicable' },
    ...extra,
  },
});

const INVENTORY = [
  listed('payments-deployer', 'group:default/payments'),
  listed('payments-etl', 'group:default/payments'),
  listed('jade-made', 'group:default/payments'),
  listed('shipping-bot', 'group:default/shipping'),
  listed('orphan'),
];

const as = (name: string) => ({
  Authorization: mockCredentials.user.header(`user:default/${name}`),
});

const CLAIMS: NhiClaimsConfig = {
  reviewerGroups: ['group:default/security'],
  groupLeadsReview: true,
  allowSelfApproval: false,
  requireMembership: true,
  maxExceptionDays: 365,
  maxHighRiskExceptionDays: 90,
  acceptLeakedCredentials: false,
  claimGroupTypes: ['team'],
  excludedClaimGroups: [],
};
const CAMPAIGNS: NhiCampaignsConfig = {
  fallbackGroup: 'group:default/security',
  reminderEveryDays: 7,
  dueSoonDays: 3,
  escalateToFallbackAfterDays: 3,
  checkEveryMinutes: 15,
  maxItems: 1000,
  unownedNotifyDays: [0, 7, 21],
  unownedCheckEveryMinutes: 60,
};

type AuditRecord = {
  eventId: string;
  meta?: Record<string, unknown>;
  outcome?: 'success' | 'fail';
  error?: string;
};

async function setup(
  options: {
    /** The policy's answer per permission name (ALLOW by default), or per user. */
    policy?: Record<
      string,
      AuthorizeResult | PolicyDecision | ((userRef: string) => AuthorizeResult)
    >;
    inventory?: InventoryIdentity[];
  } = {},
) {
  const knex = await databases.init('SQLITE_3');
  const db = { getClient: async () => knex, migrations: { skip: false } };
  const claimsStore = await ClaimsStore.create(db);
  const store = await CampaignsStore.create(db);
  const catalog = catalogServiceMock({
    entities: [
      group('payments', 'user:default/jade'),
      group('shipping', 'user:default/omar'),
      group('security', 'user:default/farah'),
      user('jade', ['payments']),
      user('bob', ['payments']),
      user('omar', ['shipping']),
      user('priya', ['shipping']),
      user('farah', ['security']),
      user('zoe', ['security']),
      user('erin', []),
      nhi('payments-deployer'),
      nhi('payments-etl'),
      nhi('jade-made', 'user:default/jade'),
      nhi('shipping-bot'),
      nhi('orphan'),
    ],
  });
  const decisionOf = (name: string, o?: any): PolicyDecision => {
    let d = options.policy?.[name] ?? AuthorizeResult.ALLOW;
    if (typeof d === 'function')
      d = d(o?.credentials?.principal?.userEntityRef);
    return typeof d === 'object' ? d : ({ result: d } as PolicyDecision);
  };
  const permissions = mockServices.permissions.mock({
    authorize: jest.fn(async (reqs: any[], o: any) =>
      reqs.map(r => {
        const d = decisionOf(r.permission.name, o);
        return {
          result:
            d.result === AuthorizeResult.CONDITIONAL
              ? AuthorizeResult.DENY
              : d.result,
        };
      }),
    ) as any,
    authorizeConditional: jest.fn(async (reqs: any[], o: any) =>
      reqs.map(r => decisionOf(r.permission.name, o)),
    ) as any,
  });
  const notifications = { send: jest.fn() };
  const inventory = {
    read: jest.fn(async (sets: NhiInventoryFilters[]) => ({
      items: (options.inventory ?? INVENTORY).filter(i =>
        sets.some(
          f =>
            (!f.owner ||
              (f.owner === 'unowned'
                ? !i.spec.owner
                : i.spec.owner === f.owner)) &&
            (!f.provider || i.spec.provider === f.provider),
        ),
      ),
    })),
  };
  const common = {
    catalog,
    auth: mockServices.auth(),
    permissions,
    reviewRuleset: {
      getRuleByName: (name: string) =>
        Object.values(nhiClaimRules).find(r => r.name === name)! as any,
    },
    logger: mockServices.logger.mock(),
  };
  const campaigns = new CampaignsService({
    ...common,
    store,
    claims: claimsStore,
    inventory,
    campaignRuleset: {
      getRuleByName: (name: string) =>
        Object.values(nhiCampaignItemRules).find(r => r.name === name)! as any,
    },
    notifications: notifications as any,
    config: CAMPAIGNS,
    claimsConfig: CLAIMS,
    policy: { unownedGraceDays: 30 },
  });
  const claims = ClaimsService.create({
    ...common,
    store: claimsStore,
    events: { publish: jest.fn(), subscribe: jest.fn() } as any,
    config: CLAIMS,
  });
  const audited: AuditRecord[] = [];
  const router = createRouter({
    claims,
    campaigns,
    httpAuth: mockServices.httpAuth(),
    auditor: mockServices.auditor.mock({
      createEvent: jest.fn(async (o: any) => {
        const record: AuditRecord = { eventId: o.eventId, meta: o.meta };
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
  const app = express().use(router).use(mockErrorHandler());
  const counts = async () => ({
    campaigns: Number((await knex('nhi_campaigns').count({ n: '*' }))[0].n),
    decisions: Number(
      (await knex('nhi_campaign_decisions').count({ n: '*' }))[0].n,
    ),
    audit: Number((await knex('nhi_audit').count({ n: '*' }))[0].n),
  });
  return {
    app,
    knex,
    store,
    claimsStore,
    notifications,
    inventory,
    audited,
    counts,
    campaigns,
  };
}

const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();

const createBody = {
  name: 'Quarterly AWS admin review',
  scope: [{ provider: 'aws' }],
  dueAt: inDays(14),
};

async function started(
  app: express.Express,
  body: object = createBody,
): Promise<any> {
  const res = await request(app).post('/campaigns').set(as('farah')).send(body);
  expect(res.status).toBe(201);
  return res.body;
}

async function itemsOf(app: express.Express, id: string, who = 'farah') {
  const res = await request(app)
    .get(`/campaigns/${id}/items?limit=100`)
    .set(as(who));
  expect(res.status).toBe(200);
  return new Map<string, any>(res.body.items.map((i: any) => [i.title, i]));
}

describe('the campaigns API', () => {
  it('starts a campaign over the frozen scope, assigns each item to its reviewers and tells them', async () => {
    const { app, notifications, inventory } = await setup();
    const campaign = await started(app);
    expect(campaign).toMatchObject({
      name: 'Quarterly AWS admin review',
      status: 'active',
      reviewerRule: 'leads',
      fallbackGroup: 'group:default/security',
      endAction: 'not-reviewed',
      reminderEveryDays: 7,
      createdBy: 'user:default/farah',
      counts: { total: 5, pending: 5 },
    });
    expect(inventory.read).toHaveBeenCalledWith([{ provider: 'aws' }], 1000);
    const items = await itemsOf(app, campaign.id);
    expect(items.get('payments-deployer')).toMatchObject({
      owner: 'group:default/payments',
      reviewer: 'group:default/payments',
      reviewerKind: 'owner',
      // the leads rule: the team's lead decides
      reviewers: ['user:default/jade'],
      ruleIds: ['NHI-ADMIN'],
      riskLevel: 'critical',
      decisionSeq: 0,
    });
    expect(items.get('orphan')).toMatchObject({
      reviewer: 'group:default/security',
      reviewerKind: 'fallback',
      reviewers: ['group:default/security'],
      // farah is in the fallback group
      review: { allowed: true },
    });
    expect(items.get('payments-deployer').review).toEqual({
      allowed: false,
      reason: 'only user:default/jade review it',
    });
    const recipients = notifications.send.mock.calls
      .map(([n]) => n.recipients.entityRef)
      .sort();
    expect(recipients).toEqual([
      'group:default/security',
      'user:default/jade',
      'user:default/omar',
    ]);
    expect(
      notifications.send.mock.calls.find(
        ([n]) => n.recipients.entityRef === 'user:default/jade',
      )![0].payload,
    ).toMatchObject({
      title: 'Access review: Quarterly AWS admin review',
      description: expect.stringContaining('3 identities to review by'),
      link: `/nhi?tab=campaigns&campaign=${campaign.id}`,
    });
  });

  it('refuses a bad campaign with a 400 that names the problem, and starts nothing', async () => {
    const { app, counts } = await setup();
    const cases: Array<[object, string]> = [
      [{ ...createBody, scope: [] }, 'scope needs at least one filter set'],
      [
        { ...createBody, scope: [{ provider: 'aws', colour: 'red' }] },
        'scope[0]: unknown field colour',
      ],
      [
        { ...createBody, scope: [{ rule: 'NHI-NOPE' }] },
        'scope[0]: there is no rule NHI-NOPE',
      ],
      [
        { ...createBody, scope: [{ level: 'severe' }] },
        'scope[0]: level must be critical, high, medium, low or none',
      ],
      [{ ...createBody, dueAt: inDays(-1) }, 'dueAt must be in the future'],
      [{ ...createBody, dueAt: 'next quarter' }, 'dueAt'],
      [
        { ...createBody, reviewerRule: 'everyone' },
        'reviewerRule must be leads or members',
      ],
      [
        { ...createBody, recurrenceMonths: 13 },
        'recurrenceMonths must be from 1 to 12',
      ],
      [{ ...createBody, name: 'Q' }, 'name must be at least 3 characters'],
      [
        { ...createBody, scope: [{ owner: 'group:default/nobody-here' }] },
        'no identity matches the scope',
      ],
    ];
    for (const [body, message] of cases) {
      const res = await request(app)
        .post('/campaigns')
        .set(as('farah'))
        .send(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.message).toContain(message);
    }
    expect((await counts()).campaigns).toBe(0);
  });

  it('answers 403 on every route without its permission, audits the refusal and changes nothing', async () => {
    const deny = AuthorizeResult.DENY;
    const { app, counts, audited, store } = await setup({
      policy: {
        'nhi.campaign.read': deny,
        'nhi.campaign.manage': deny,
        'nhi.campaign.decide': deny,
        'nhi.claim.read': deny,
      },
    });
    const c = await store.createCampaign(
      {
        name: 'seeded',
        scope: [{}],
        reviewerRule: 'leads',
        fallbackGroup: 'group:default/security',
        dueAt: new Date(Date.now() + DAY),
        reminderEveryDays: 7,
        dueSoonDays: 3,
        endAction: 'not-reviewed',
        snapshotAt: new Date(),
        createdBy: 'user:default/farah',
      },
      [
        {
          entityRef: 'nonhumanidentity:default/orphan',
          title: 'orphan',
          type: 'iam-role',
          category: 'service-account',
          provider: 'aws',
          externalId: 'x',
          ownershipProvenance: 'none',
          ruleIds: [],
          reviewer: 'group:default/security',
          reviewerKind: 'fallback',
        },
      ],
    );
    const [item] = (await store.listItems(c.id, {}, { limit: 1, offset: 0 }))
      .items;
    const before = await counts();
    const routes: Array<[string, string, object?]> = [
      ['post', '/campaigns', createBody],
      ['get', '/campaigns'],
      ['get', '/campaigns/waiting'],
      ['get', `/campaigns/history?entityRef=${item.entityRef}`],
      ['get', `/campaigns/${c.id}`],
      ['post', `/campaigns/${c.id}/close`, {}],
      ['get', `/campaigns/${c.id}/items`],
      [
        'post',
        `/campaigns/${c.id}/items/${item.id}/decision`,
        { decision: 'certify' },
      ],
      [
        'post',
        `/campaigns/${c.id}/decisions`,
        { itemIds: [item.id], decision: 'certify' },
      ],
      [
        'post',
        `/campaigns/${c.id}/reassign`,
        { itemIds: [item.id], to: 'user:default/zoe', reason: 'on leave' },
      ],
      ['get', `/campaigns/${c.id}/export/items.csv`],
      ['get', '/unowned'],
    ];
    for (const [method, path, body] of routes) {
      const res = await (request(app) as any)
        [method](path)
        .set(as('farah'))
        .send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    expect(await counts()).toEqual(before);
    expect(audited.filter(a => a.outcome === 'fail')).toHaveLength(
      routes.length,
    );
    expect(audited.every(a => a.outcome === 'fail')).toBe(true);
  });

  it('lets the lead certify one item and revoke another with a note; the note is required; a member is not a reviewer under the leads rule', async () => {
    const { app, knex } = await setup();
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id, 'jade');
    const deployer = items.get('payments-deployer');
    const etl = items.get('payments-etl');

    const byBob = await request(app)
      .post(`/campaigns/${campaign.id}/items/${deployer.id}/decision`)
      .set(as('bob'))
      .send({ decision: 'certify' });
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.message).toBe(
      'you cannot decide this item: only user:default/jade review it',
    );

    const certified = await request(app)
      .post(`/campaigns/${campaign.id}/items/${deployer.id}/decision`)
      .set(as('jade'))
      .send({ decision: 'certify' });
    expect(certified.status).toBe(200);
    expect(certified.body).toMatchObject({
      decision: 'certify',
      decidedBy: 'user:default/jade',
      decisionSeq: 1,
    });

    const noNote = await request(app)
      .post(`/campaigns/${campaign.id}/items/${etl.id}/decision`)
      .set(as('jade'))
      .send({ decision: 'revoke' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.message).toBe(
      'note is required to revoke: say what is to change and why',
    );
    const revoked = await request(app)
      .post(`/campaigns/${campaign.id}/items/${etl.id}/decision`)
      .set(as('jade'))
      .send({ decision: 'revoke', note: 'The ETL moved to Glue in March.' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      decision: 'revoke',
      note: 'The ETL moved to Glue in March.',
      remediation: { action: 'revoke', status: 'open' },
    });

    // a decided item is changed only by naming the decision it replaces
    const unnamed = await request(app)
      .post(`/campaigns/${campaign.id}/items/${etl.id}/decision`)
      .set(as('jade'))
      .send({ decision: 'certify' });
    expect(unnamed.status).toBe(409);
    expect(unnamed.body.error.message).toContain('send replaces: 1');
    const changed = await request(app)
      .post(`/campaigns/${campaign.id}/items/${etl.id}/decision`)
      .set(as('jade'))
      .send({ decision: 'reduce', note: 'Keep it read-only', replaces: 1 });
    expect(changed.body).toMatchObject({ decision: 'reduce', decisionSeq: 2 });

    // the identity's audit trail shows the campaign's decisions
    const trail = await request(app)
      .get(`/audit?entityRef=nonhumanidentity:default/payments-etl`)
      .set(as('bob'));
    expect(trail.body.items.map((a: any) => a.action)).toEqual([
      'campaign.reduce',
      'campaign.revoke',
    ]);
    expect(await knex('nhi_audit').whereNotNull('campaign_id')).toHaveLength(3);
  });

  it('leaves one of ten simultaneous decisions standing and answers 409 to the others', async () => {
    const { app, knex, audited } = await setup();
    const campaign = await started(app);
    const orphan = (await itemsOf(app, campaign.id)).get('orphan');
    const answers = await Promise.all(
      ['farah', 'zoe'].flatMap(who =>
        Array.from({ length: 5 }, (_, i) =>
          request(app)
            .post(`/campaigns/${campaign.id}/items/${orphan.id}/decision`)
            .set(as(who))
            .send(
              i % 2
                ? { decision: 'certify' }
                : { decision: 'revoke', note: `not needed (${who} ${i})` },
            ),
        ),
      ),
    );
    const statuses = answers.map(a => a.status).sort();
    expect(statuses).toEqual([
      200, 409, 409, 409, 409, 409, 409, 409, 409, 409,
    ]);
    expect(
      await knex('nhi_campaign_decisions').where({ item_id: orphan.id }),
    ).toHaveLength(1);
    const decide = audited.filter(a => a.eventId === 'campaign-decide');
    expect(decide.filter(a => a.outcome === 'fail')).toHaveLength(9);
  });

  it('keeps people from certifying what they created or claimed; they delegate it instead', async () => {
    const { app, claimsStore } = await setup({
      policy: {
        // only the security team manages campaigns, as in the demo
        'nhi.campaign.manage': u =>
          u === 'user:default/farah'
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      },
    });
    // jade claimed payments-etl for her team, and created jade-made
    const claim = await claimsStore.createClaim({
      entityRef: 'nonhumanidentity:default/payments-etl',
      group: 'group:default/payments',
      kind: 'claim',
      justification: 'We run the ETL.',
      createdBy: 'user:default/jade',
    });
    await claimsStore.approveClaim({ id: claim.id, by: 'user:default/farah' });
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id, 'jade');
    expect(items.get('jade-made').review).toEqual({
      allowed: false,
      reason:
        'you created this identity: nobody certifies their own; delegate it to someone else',
    });
    expect(items.get('payments-etl').review.reason).toContain(
      'you claimed this identity',
    );
    const own = await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${items.get('jade-made').id}/decision`,
      )
      .set(as('jade'))
      .send({ decision: 'certify' });
    expect(own.status).toBe(403);

    const delegated = await request(app)
      .post(`/campaigns/${campaign.id}/reassign`)
      .set(as('jade'))
      .send({
        itemIds: [items.get('jade-made').id],
        to: 'bob',
        reason: 'I created it; Bob reviews it',
      });
    expect(delegated.status).toBe(200);
    expect(delegated.body.done[0]).toMatchObject({
      reviewer: 'user:default/bob',
      reviewerKind: 'delegate',
      reviewers: ['user:default/bob'],
      delegation: {
        from: 'group:default/payments',
        by: 'user:default/jade',
        reason: 'I created it; Bob reviews it',
      },
    });
    const byBob = await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${items.get('jade-made').id}/decision`,
      )
      .set(as('bob'))
      .send({ decision: 'certify' });
    expect(byBob.status).toBe(200);

    // someone who reviews nothing there cannot hand it on
    const byErin = await request(app)
      .post(`/campaigns/${campaign.id}/reassign`)
      .set(as('erin'))
      .send({
        itemIds: [items.get('payments-deployer').id],
        to: 'bob',
        reason: 'not mine to give',
      });
    expect(byErin.status).toBe(403);
  });

  it('lets a manager reassign anything undecided, and refuses a target that is not in the catalog', async () => {
    const { app } = await setup({
      policy: { 'nhi.campaign.manage': AuthorizeResult.ALLOW },
    });
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id);
    const missing = await request(app)
      .post(`/campaigns/${campaign.id}/reassign`)
      .set(as('farah'))
      .send({
        itemIds: [items.get('shipping-bot').id],
        to: 'user:default/ghost',
        reason: 'gone',
      });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe(
      'to: there is no user or group user:default/ghost',
    );
    const moved = await request(app)
      .post(`/campaigns/${campaign.id}/reassign`)
      .set(as('farah'))
      .send({
        itemIds: [items.get('shipping-bot').id],
        to: 'group:default/payments',
        reason: 'Payments took the bot over',
      });
    expect(moved.body.done[0].reviewers).toEqual(['group:default/payments']);
  });

  it('decides in bulk: what the caller may decide stands, the rest is refused with a reason', async () => {
    const { app, audited } = await setup();
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id, 'jade');
    const ids = [
      items.get('payments-deployer').id,
      items.get('payments-etl').id,
      items.get('jade-made').id,
      items.get('shipping-bot').id,
    ];
    const res = await request(app)
      .post(`/campaigns/${campaign.id}/decisions`)
      .set(as('jade'))
      .send({ itemIds: ids, decision: 'certify' });
    expect(res.status).toBe(200);
    expect(res.body.done.map((i: any) => i.title).sort()).toEqual([
      'payments-deployer',
      'payments-etl',
    ]);
    expect(res.body.refused.map((r: any) => [r.itemId, r.status])).toEqual([
      [items.get('jade-made').id, 403],
      [items.get('shipping-bot').id, 403],
    ]);
    const again = await request(app)
      .post(`/campaigns/${campaign.id}/decisions`)
      .set(as('jade'))
      .send({ itemIds: [ids[0]], decision: 'revoke', note: 'changed my mind' });
    expect(again.body.refused[0]).toMatchObject({ status: 409 });
    const event = audited.filter(a => a.eventId === 'campaign-decide')[0];
    expect(event.meta).toMatchObject({
      decision: 'certify',
      refused: expect.stringContaining('you created this identity'),
    });
  });

  it('lists what waits for a reviewer and for a team, and each identity’s certifications', async () => {
    const { app } = await setup();
    const campaign = await started(app);
    const mine = await request(app).get('/campaigns/waiting').set(as('omar'));
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        campaignId: campaign.id,
        campaignName: 'Quarterly AWS admin review',
        count: 1,
        overdue: false,
      }),
    ]);
    const team = await request(app)
      .get('/campaigns/waiting?group=payments')
      .set(as('erin'));
    expect(team.body.items[0].count).toBe(3);
    const review = await request(app)
      .get(`/campaigns/${campaign.id}/items?toReview=true`)
      .set(as('omar'));
    expect(review.body.items.map((i: any) => i.title)).toEqual([
      'shipping-bot',
    ]);
    const shippingBot = review.body.items[0];
    await request(app)
      .post(`/campaigns/${campaign.id}/items/${shippingBot.id}/decision`)
      .set(as('omar'))
      .send({ decision: 'certify' });
    const history = await request(app)
      .get('/campaigns/history?entityRef=shipping-bot')
      .set(as('erin'));
    expect(history.body.items).toEqual([
      expect.objectContaining({
        campaignName: 'Quarterly AWS admin review',
        campaignStatus: 'active',
        decision: 'certify',
        decidedBy: 'user:default/omar',
      }),
    ]);
    const last = await request(app)
      .get('/campaigns/history?entityRef=shipping-bot&decided=true&limit=1')
      .set(as('erin'));
    expect(last.body).toEqual({
      items: [
        expect.objectContaining({
          decision: 'certify',
          decidedBy: 'user:default/omar',
        }),
      ],
      totalCount: 1,
    });
    const undecided = await request(app)
      .get('/campaigns/history?entityRef=payments-deployer&decided=true')
      .set(as('erin'));
    expect(undecided.body).toEqual({ items: [], totalCount: 0 });
    expect(
      (
        await request(app)
          .get('/campaigns/history?entityRef=shipping-bot&decided=yes')
          .set(as('erin'))
      ).body.error.message,
    ).toBe('decided must be true or false');
    expect(
      (await request(app).get('/campaigns/waiting').set(as('omar'))).body.items,
    ).toEqual([]);
  });

  it('closes: decisions are final, undecided items are not reviewed; only managers close', async () => {
    const deny = AuthorizeResult.DENY;
    const { app } = await setup();
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id);
    await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${items.get('orphan').id}/decision`,
      )
      .set(as('farah'))
      .send({ decision: 'certify' });
    const closed = await request(app)
      .post(`/campaigns/${campaign.id}/close`)
      .set(as('farah'))
      .send({});
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      closedBy: 'user:default/farah',
      counts: { certify: 1, 'not-reviewed': 4, pending: 0 },
    });
    const late = await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${items.get('orphan').id}/decision`,
      )
      .set(as('farah'))
      .send({ decision: 'revoke', note: 'too late', replaces: 1 });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe(
      'campaign "Quarterly AWS admin review" is closed: its decisions are final',
    );
    const detail = await request(app)
      .get(`/campaigns/${campaign.id}`)
      .set(as('bob'));
    expect(detail.body.teams[0]).toMatchObject({
      owner: 'group:default/payments',
      counts: { total: 3, 'not-reviewed': 3 },
    });

    const { app: app2 } = await setup({
      policy: { 'nhi.campaign.manage': deny },
    });
    const res = await request(app2)
      .post(`/campaigns/${campaign.id}/close`)
      .set(as('jade'))
      .send({});
    expect(res.status).toBe(403);
  });

  it('exports evidence an auditor can check: both decisions with their notes, and a manifest of SHA-256 hashes', async () => {
    const { app } = await setup();
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id, 'jade');
    await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${
          items.get('payments-deployer').id
        }/decision`,
      )
      .set(as('jade'))
      .send({ decision: 'certify' });
    await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${
          items.get('payments-etl').id
        }/decision`,
      )
      .set(as('jade'))
      .send({ decision: 'revoke', note: '=HYPERLINK("x"), "moved", to Glue' });
    await request(app)
      .post(`/campaigns/${campaign.id}/close`)
      .set(as('farah'))
      .send({});

    const get = (file: string) =>
      request(app)
        .get(`/campaigns/${campaign.id}/export/${file}`)
        .set(as('bob'))
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(Buffer.from(c)));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });
    const csv = await get('items.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="campaign-${campaign.id}-items.csv"`,
    );
    const lines = (csv.body as Buffer).toString('utf8').trim().split('\r\n');
    expect(lines).toHaveLength(6);
    const header = lines[0].split(',');
    expect(header).toEqual(
      expect.arrayContaining([
        'identity',
        'owner_at_snapshot',
        'reviewer',
        'decision',
        'decided_at',
        'note',
        'remediation_state',
      ]),
    );
    const row = (name: string) =>
      lines.find(l => l.includes(`nonhumanidentity:default/${name},`))!;
    expect(row('payments-deployer')).toContain(',certify,user:default/jade,');
    // quoted, and a formula is defused
    expect(row('payments-etl')).toContain(`,revoke,user:default/jade,`);
    expect(row('payments-etl')).toContain(
      `"'=HYPERLINK(""x""), ""moved"", to Glue"`,
    );
    expect(row('payments-etl')).toContain(',revoke,open,');
    expect(row('orphan')).toContain(',not-reviewed,campaign:end,');

    const json = JSON.parse((await get('items.json')).body.toString('utf8'));
    expect(json.find((i: any) => i.title === 'payments-etl')).toMatchObject({
      decision: 'revoke',
      note: '=HYPERLINK("x"), "moved", to Glue',
      history: [
        expect.objectContaining({
          seq: 1,
          decision: 'revoke',
          decidedBy: 'user:default/jade',
        }),
      ],
    });

    const campaignFile = (await get('campaign.json')).body as Buffer;
    const manifest = JSON.parse(
      (await get('manifest.json')).body.toString('utf8'),
    );
    expect(manifest).toMatchObject({
      campaignId: campaign.id,
      status: 'closed',
      final: true,
      generatedBy: 'user:default/bob',
      algorithm: 'SHA-256',
    });
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(manifest.files).toEqual([
      {
        name: 'campaign.json',
        bytes: campaignFile.length,
        sha256: sha(campaignFile),
      },
      {
        name: 'items.csv',
        bytes: (csv.body as Buffer).length,
        sha256: sha(csv.body),
      },
      expect.objectContaining({ name: 'items.json' }),
    ]);
    expect(JSON.parse(campaignFile.toString('utf8'))).toMatchObject({
      final: true,
      campaign: {
        id: campaign.id,
        scope: [{ provider: 'aws' }],
        snapshotAt: campaign.snapshotAt,
        closedBy: 'user:default/farah',
      },
      counts: { total: 5, certify: 1, revoke: 1, 'not-reviewed': 3 },
    });
    // a closed campaign's files are the same bytes at every download
    expect(sha((await get('items.csv')).body)).toBe(sha(csv.body));

    const zipped = (await get('evidence.zip')).body as Buffer;
    expect(zipped.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(zipped.includes(csv.body)).toBe(true);

    const unknown = await request(app)
      .get(`/campaigns/${campaign.id}/export/secrets.txt`)
      .set(as('bob'));
    expect(unknown.status).toBe(404);
  });

  it('lets a permission policy narrow who decides, with the conditions this plugin registers', async () => {
    const { app } = await setup({
      policy: {
        'nhi.campaign.decide': {
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'nhi',
          resourceType: 'nhi-campaign-item',
          conditions: {
            rule: 'IS_ITEM_OWNED_BY',
            resourceType: 'nhi-campaign-item',
            params: { ownerRefs: ['group:default/shipping'] },
          },
        } as PolicyDecision,
      },
    });
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id);
    // farah reviews the orphan under the configuration, but the policy
    // only lets anyone decide shipping's identities
    expect(items.get('orphan').review).toEqual({
      allowed: false,
      reason: 'the permission policy does not allow you to decide it',
    });
    const byOmar = await request(app)
      .post(
        `/campaigns/${campaign.id}/items/${
          items.get('shipping-bot').id
        }/decision`,
      )
      .set(as('omar'))
      .send({ decision: 'certify' });
    expect(byOmar.status).toBe(200);
  });

  it('gives the pipeline since when identities are unowned, and users the deactivation list', async () => {
    const { app, campaigns } = await setup();
    await campaigns.sweepUnowned(new Date(Date.now() - 40 * DAY));
    const feed = await request(app)
      .get('/unowned')
      .set({ Authorization: mockCredentials.service.header() });
    expect(feed.status).toBe(200);
    expect(feed.body.items).toEqual([
      expect.objectContaining({
        entityRef: 'nonhumanidentity:default/orphan',
        pastGrace: true,
        suggestedOwners: ['group:default/payments'],
      }),
    ]);
    const list = await request(app)
      .get('/unowned?pastGrace=true')
      .set(as('bob'));
    expect(list.body.totalCount).toBe(1);
    const bad = await request(app)
      .get('/unowned?pastGrace=maybe')
      .set(as('bob'));
    expect(bad.status).toBe(400);
  });

  it('refuses bad queries and bodies of the review routes with a 400', async () => {
    const { app } = await setup();
    const campaign = await started(app);
    const items = await itemsOf(app, campaign.id);
    const id = items.get('orphan').id;
    const cases: Array<[string, string, object | undefined, string]> = [
      [
        'get',
        `/campaigns/${campaign.id}/items?limit=5001`,
        undefined,
        'limit must be a whole number from 1 to 5000',
      ],
      [
        'get',
        `/campaigns/${campaign.id}/items?status=maybe`,
        undefined,
        'status must be one of',
      ],
      [
        'get',
        '/campaigns?status=open',
        undefined,
        'status must be active or closed',
      ],
      ['get', '/campaigns/history', undefined, 'entityRef is required'],
      [
        'post',
        `/campaigns/${campaign.id}/items/${id}/decision`,
        { decision: 'approve' },
        'decision must be certify, revoke or reduce',
      ],
      [
        'post',
        `/campaigns/${campaign.id}/items/${id}/decision`,
        { decision: 'certify', replaces: 0 },
        'replaces must be the decisionSeq',
      ],
      [
        'post',
        `/campaigns/${campaign.id}/decisions`,
        { itemIds: [], decision: 'certify' },
        'itemIds must name at least one item',
      ],
      [
        'post',
        `/campaigns/${campaign.id}/reassign`,
        { itemIds: [id], to: 'component:default/x', reason: 'because' },
        'to must be a User or a Group',
      ],
      [
        'post',
        `/campaigns/${campaign.id}/reassign`,
        { itemIds: [id], to: 'farah', reason: 'to myself' },
        'to must be someone else than you',
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await (request(app) as any)
        [method](path)
        .set(as('farah'))
        .send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error.message).toContain(message);
    }
    const unknown = await request(app)
      .get(`/campaigns/00000000-0000-4000-8000-000000000000`)
      .set(as('farah'));
    expect(unknown.status).toBe(404);
  });
});
