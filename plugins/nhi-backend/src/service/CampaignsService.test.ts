import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { DAY } from '@backstage-nhi/plugin-nhi-common';
import { CampaignsStore } from '../database/CampaignsStore';
import { ClaimsStore } from '../database/ClaimsStore';
import { nhiCampaignItemRules, nhiClaimRules } from '../permissions/rules';
import {
  addMonths,
  CampaignsService,
  RECURRENCE_ACTOR,
  remediationVerdict,
} from './CampaignsService';
import { InventoryIdentity } from './InventoryReader';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
jest.setTimeout(60_000);

const T0 = new Date('2027-01-04T09:00:00Z');

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
const nhi = (name: string, spec: object = {}): Entity => ({
  apiVersion: 'backstage-nhi.io/v1alpha1',
  kind: 'NonHumanIdentity',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'iam-role',
    category: 'service-account',
    provider: 'aws',
    externalId: name,
    ownership: { status: 'owned', provenance: 'tagged' },
    ...spec,
  },
});
const listed = (
  name: string,
  owner?: string,
  suggested: string[] = [],
): InventoryIdentity => ({
  entityRef: `nonhumanidentity:default/${name}`,
  kind: 'NonHumanIdentity',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'iam-role',
    category: 'service-account',
    provider: 'aws',
    externalId: `arn:aws:iam::1:role/${name}`,
    ...(owner ? { owner } : {}),
    ownership: owner
      ? { status: 'owned', provenance: 'tagged' }
      : { status: 'unowned', provenance: 'none', suggestedOwners: suggested },
    risk: {
      level: 'critical',
      score: 74,
      findings: [{ ruleId: 'NHI-ADMIN' }, { ruleId: 'NHI-DORMANT-IDENTITY' }],
    },
    rotation: { status: 'ok' },
  },
});

async function setup(options: { catalogEntities?: Entity[] } = {}) {
  const knex = await databases.init('SQLITE_3');
  const db = { getClient: async () => knex, migrations: { skip: false } };
  const store = await CampaignsStore.create(db);
  let inventory: InventoryIdentity[] = [
    listed('payments-deployer', 'group:default/payments'),
    listed('shipping-bot', 'group:default/shipping'),
    listed('orphan', undefined, ['group:default/payments']),
  ];
  const notifications = { send: jest.fn() };
  const service = new CampaignsService({
    store,
    claims: await ClaimsStore.create(db),
    inventory: {
      read: jest.fn(async sets => ({
        items: inventory.filter(i =>
          sets.some(f => f.owner !== 'unowned' || !i.spec.owner),
        ),
      })),
    },
    catalog: catalogServiceMock({
      entities: [
        group('payments', 'user:default/jade'),
        group('shipping'),
        group('security'),
        user('jade', ['payments']),
        user('farah', ['security']),
        ...(options.catalogEntities ?? []),
      ],
    }),
    auth: mockServices.auth(),
    permissions: mockServices.permissions.mock({
      authorize: jest.fn(async reqs =>
        reqs.map(() => ({ result: AuthorizeResult.ALLOW })),
      ) as any,
      authorizeConditional: jest.fn(async reqs =>
        reqs.map(() => ({ result: AuthorizeResult.ALLOW })),
      ) as any,
    }),
    reviewRuleset: {
      getRuleByName: (n: string) =>
        Object.values(nhiClaimRules).find(r => r.name === n)! as any,
    },
    campaignRuleset: {
      getRuleByName: (n: string) =>
        Object.values(nhiCampaignItemRules).find(r => r.name === n)! as any,
    },
    notifications: notifications as any,
    logger: mockServices.logger.mock(),
    config: {
      fallbackGroup: 'group:default/security',
      reminderEveryDays: 7,
      dueSoonDays: 3,
      escalateToFallbackAfterDays: 3,
      checkEveryMinutes: 15,
      maxItems: 1000,
      unownedNotifyDays: [0, 7, 21],
      unownedCheckEveryMinutes: 60,
    },
    claimsConfig: {
      reviewerGroups: ['group:default/security'],
      groupLeadsReview: true,
      allowSelfApproval: false,
      requireMembership: true,
      maxExceptionDays: 365,
      maxHighRiskExceptionDays: 90,
      acceptLeakedCredentials: false,
      claimGroupTypes: ['team'],
      excludedClaimGroups: [],
    },
    policy: { unownedGraceDays: 30 },
  });
  const farah = await service.caller(
    mockCredentials.user('user:default/farah'),
    'campaign.manage',
  );
  /** What was sent since the last call: [recipient, title]. */
  const sent = () => {
    const list = notifications.send.mock.calls.map(([n]) => [
      n.recipients.entityRef,
      n.payload.title,
    ]);
    notifications.send.mockClear();
    return list.sort();
  };
  return {
    service,
    store,
    farah,
    sent,
    setInventory: (i: InventoryIdentity[]) => {
      inventory = i;
    },
  };
}

const at = (days: number, hours = 0) =>
  new Date(T0.getTime() + days * DAY + hours * 3_600_000);

describe('CampaignsService on the scheduler', () => {
  beforeEach(() => {
    // only the clock is fake: the database driver keeps its own timers
    jest.useFakeTimers({
      now: T0,
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'setInterval',
        'clearTimeout',
        'clearInterval',
        'queueMicrotask',
      ],
    });
  });
  afterEach(() => jest.useRealTimers());

  it('reminds on the cadence, before the due date and daily when overdue, then escalates to the leads and the fallback group', async () => {
    const { service, store, farah, sent } = await setup();
    const campaign = await service.createCampaign(farah, {
      name: 'Q1 review',
      scope: [{}],
      dueAt: at(14).toISOString(),
    });
    expect(sent()).toEqual([
      ['group:default/security', 'Access review: Q1 review'],
      // shipping names no leads: its members are told
      ['group:default/shipping', 'Access review: Q1 review'],
      ['user:default/jade', 'Access review: Q1 review'],
    ]);
    const tick = async (days: number, hours = 0) => {
      jest.setSystemTime(at(days, hours));
      await service.tick(at(days, hours));
      return sent();
    };
    expect(await tick(1)).toEqual([]);
    expect(await tick(7, 1)).toEqual([
      ['group:default/security', 'Reminder — access review: Q1 review'],
      ['group:default/shipping', 'Reminder — access review: Q1 review'],
      ['user:default/jade', 'Reminder — access review: Q1 review'],
    ]);
    // once per occasion, however often the check runs
    expect(await tick(7, 2)).toEqual([]);

    // jade decides; she is not reminded any more
    const jade = await service.caller(
      mockCredentials.user('user:default/jade'),
      'campaign.decide',
    );
    const mine = await service.listItems(
      await service.caller(
        mockCredentials.user('user:default/jade'),
        'campaign.read',
      ),
      campaign.id,
      { toReview: true },
      { limit: 10, offset: 0 },
    );
    expect(mine.items.map(i => i.title)).toEqual(['payments-deployer']);
    await service.decideItem(jade, campaign.id, mine.items[0].id, {
      decision: 'certify',
    });

    expect(await tick(11, 1)).toEqual([
      ['group:default/security', 'Due 2027-01-18 — access review: Q1 review'],
      ['group:default/shipping', 'Due 2027-01-18 — access review: Q1 review'],
    ]);
    expect(await tick(14, 1)).toEqual([
      ['group:default/security', 'Overdue — access review: Q1 review'],
      ['group:default/shipping', 'Overdue — access review: Q1 review'],
    ]);
    expect(
      (
        await store.listItems(
          campaign.id,
          { statuses: ['pending'] },
          { limit: 10, offset: 0 },
        )
      ).items.map(i => i.escalation),
    ).toEqual([1, 1]);
    expect(await tick(14, 5)).toEqual([]);
    expect(await tick(15, 1)).toEqual([
      ['group:default/security', 'Overdue — access review: Q1 review'],
      ['group:default/shipping', 'Overdue — access review: Q1 review'],
    ]);
    // three days overdue: the fallback group may decide what is left
    expect(await tick(17, 1)).toEqual([
      ['group:default/security', 'Escalated to you — access review: Q1 review'],
      ['group:default/security', 'Overdue — access review: Q1 review'],
      ['group:default/shipping', 'Overdue — access review: Q1 review'],
    ]);
    const farahReviews = await service.listItems(
      await service.caller(
        mockCredentials.user('user:default/farah'),
        'campaign.read',
      ),
      campaign.id,
      { toReview: true },
      { limit: 10, offset: 0 },
    );
    expect(farahReviews.items.map(i => i.title).sort()).toEqual([
      'orphan',
      'shipping-bot',
    ]);
    expect(farahReviews.items.every(i => i.review?.allowed)).toBe(true);
  });

  it('escalates overdue items of a team to its leads', async () => {
    const { service, farah, sent } = await setup();
    await service.createCampaign(farah, {
      name: 'Members review',
      scope: [{}],
      reviewerRule: 'members',
      dueAt: at(14).toISOString(),
      reminderEveryDays: 0,
      dueSoonDays: 0,
    });
    expect(sent().map(([r]) => r)).toEqual([
      'group:default/payments',
      'group:default/security',
      'group:default/shipping',
    ]);
    jest.setSystemTime(at(14, 1));
    await service.tick(at(14, 1));
    expect(sent()).toContainEqual([
      'user:default/jade',
      'Escalated to you — access review: Members review',
    ]);
  });

  it('starts the next campaign of a quarterly series once, with the scope read again', async () => {
    const { service, store, farah, setInventory } = await setup();
    const first = await service.createCampaign(farah, {
      name: 'Quarterly review',
      scope: [{}],
      dueAt: at(14).toISOString(),
      recurrenceMonths: 3,
    });
    expect(first.nextStartAt).toBe(addMonths(T0, 3).toISOString());
    setInventory([listed('new-role', 'group:default/payments')]);
    const quarter = addMonths(T0, 3);
    jest.setSystemTime(quarter);
    await service.tick(new Date(quarter.getTime() - 1));
    expect(
      (await store.listCampaigns({}, { limit: 10, offset: 0 })).totalCount,
    ).toBe(1);
    await service.tick(quarter);
    await service.tick(new Date(quarter.getTime() + 60_000));
    const { items } = await store.listCampaigns({}, { limit: 10, offset: 0 });
    expect(items).toHaveLength(2);
    const second = items.find(c => c.id !== first.id)!;
    expect(second).toMatchObject({
      seriesId: first.id,
      sequence: 2,
      name: 'Quarterly review',
      createdBy: RECURRENCE_ACTOR,
      snapshotAt: quarter.toISOString(),
      // as long to decide as the first one had
      dueAt: new Date(quarter.getTime() + 14 * DAY).toISOString(),
      nextStartAt: addMonths(quarter, 3).toISOString(),
      counts: expect.objectContaining({ total: 1 }),
    });
    expect((await store.getCampaign(first.id))!.nextStartAt).toBeUndefined();
  });

  it('closes a remediation once the catalog shows the change', async () => {
    const { service, store, farah } = await setup({
      catalogEntities: [
        // still there, with the admin finding gone
        nhi('shipping-bot', {
          risk: {
            level: 'medium',
            score: 15,
            findings: [{ ruleId: 'NHI-DORMANT-IDENTITY' }],
          },
          rotation: { status: 'ok' },
        }),
        // still there, unchanged
        nhi('orphan', {
          risk: {
            level: 'critical',
            score: 74,
            findings: [
              { ruleId: 'NHI-ADMIN' },
              { ruleId: 'NHI-DORMANT-IDENTITY' },
            ],
          },
          rotation: { status: 'ok' },
        }),
        // payments-deployer is gone from the catalog
      ],
    });
    const campaign = await service.createCampaign(farah, {
      name: 'Cleanup',
      scope: [{}],
      dueAt: at(14).toISOString(),
    });
    const items = new Map(
      (
        await store.listItems(campaign.id, {}, { limit: 10, offset: 0 })
      ).items.map(i => [i.title, i]),
    );
    for (const [title, decision] of [
      ['payments-deployer', 'revoke'],
      ['shipping-bot', 'reduce'],
      ['orphan', 'revoke'],
    ] as const) {
      await store.decide({
        campaignId: campaign.id,
        items: [{ itemId: items.get(title)!.id, expectedSeq: 0 }],
        decision,
        note: 'not needed like this',
        by: 'user:default/farah',
      });
    }
    jest.setSystemTime(at(1));
    await service.tick(at(1));
    const after = new Map(
      (
        await store.listItems(campaign.id, {}, { limit: 10, offset: 0 })
      ).items.map(i => [i.title, i.remediation]),
    );
    expect(after.get('payments-deployer')).toMatchObject({
      status: 'done',
      evidence: 'no longer in the catalog: its source no longer reports it',
      doneAt: at(1).toISOString(),
    });
    expect(after.get('shipping-bot')).toMatchObject({
      status: 'done',
      evidence: 'its source no longer shows NHI-ADMIN',
    });
    expect(after.get('orphan')).toMatchObject({
      status: 'open',
      evidence: 'its source still reports it, usable',
      checkedAt: at(1).toISOString(),
    });
  });

  it('records since when identities are unowned and tells their suggested owners on day 0, 7 and 21', async () => {
    const { service, store, sent, setInventory } = await setup();
    const sweep = async (days: number) => {
      jest.setSystemTime(at(days));
      await service.sweepUnowned(at(days));
      return sent();
    };
    expect(await sweep(0)).toEqual([
      [
        'group:default/payments',
        '1 unowned identity may be yours (day 0 of 30)',
      ],
    ]);
    expect(await sweep(3)).toEqual([]);
    expect(await sweep(7)).toEqual([
      [
        'group:default/payments',
        '1 unowned identity may be yours (day 7 of 30)',
      ],
    ]);
    expect(await sweep(8)).toEqual([]);
    expect(await sweep(21)).toEqual([
      [
        'group:default/payments',
        '1 unowned identity may be yours (day 21 of 30)',
      ],
    ]);
    expect(await sweep(31)).toEqual([]);
    const list = await service.unowned(
      { action: 'feed.read', credentials: mockCredentials.service() },
      { pastGrace: true },
      { limit: 10, offset: 0 },
      at(31).getTime(),
    );
    expect(list.items).toEqual([
      {
        entityRef: 'nonhumanidentity:default/orphan',
        since: T0.toISOString(),
        graceEndsAt: at(30).toISOString(),
        pastGrace: true,
        suggestedOwners: ['group:default/payments'],
      },
    ]);
    // claimed at last: it is forgotten, and its clock starts again if it is ever unowned
    setInventory([]);
    expect(await service.sweepUnowned(at(32))).toEqual({
      seen: 0,
      forgotten: 1,
    });
    expect(
      (await store.listUnowned({}, { limit: 10, offset: 0 })).totalCount,
    ).toBe(0);
  });

  it('tells an identity that skipped notification days about the latest only', async () => {
    const { service, store, sent } = await setup();
    await store.recordUnowned(
      [
        {
          entityRef: 'nonhumanidentity:default/orphan',
          suggestedOwners: ['group:default/web'],
        },
      ],
      at(-25),
    );
    await service.notifyUnowned(T0);
    expect(sent()).toEqual([
      ['group:default/web', '1 unowned identity may be yours (day 21 of 30)'],
    ]);
  });
});

describe('remediationVerdict', () => {
  const open = {
    itemId: 'i',
    campaignId: 'c',
    entityRef: 'nonhumanidentity:default/x',
    ruleIds: ['NHI-ADMIN', 'NHI-DORMANT-IDENTITY'],
    riskScore: 74,
    openedAt: T0.toISOString(),
  };
  it('judges a revocation by the identity being gone or unusable', () => {
    expect(
      remediationVerdict({ ...open, action: 'revoke' }, undefined).done,
    ).toBe(true);
    expect(
      remediationVerdict(
        { ...open, action: 'revoke' },
        { rotation: { status: 'inactive' } },
      ),
    ).toEqual({
      done: true,
      evidence: 'its source shows every credential inactive',
    });
    expect(
      remediationVerdict(
        { ...open, action: 'revoke' },
        { rotation: { status: 'ok' } },
      ).done,
    ).toBe(false);
  });
  it('judges a reduction by a permission finding gone or a lower risk score', () => {
    const still = { risk: { score: 74, findings: [{ ruleId: 'NHI-ADMIN' }] } };
    expect(remediationVerdict({ ...open, action: 'reduce' }, still).done).toBe(
      false,
    );
    // a finding that is not about permissions going away does not count
    expect(
      remediationVerdict(
        { ...open, action: 'reduce' },
        {
          risk: {
            score: 74,
            findings: [{ ruleId: 'NHI-ADMIN' }, { ruleId: 'NHI-NO-OWNER' }],
          },
        },
      ).done,
    ).toBe(false);
    expect(
      remediationVerdict(
        { ...open, action: 'reduce' },
        {
          risk: { score: 74, findings: [{ ruleId: 'NHI-DORMANT-IDENTITY' }] },
        },
      ),
    ).toEqual({ done: true, evidence: 'its source no longer shows NHI-ADMIN' });
    expect(
      remediationVerdict(
        {
          ...open,
          ruleIds: ['NHI-DORMANT-IDENTITY'],
          riskScore: 40,
          action: 'reduce',
        },
        { risk: { score: 15, findings: [] } },
      ),
    ).toEqual({ done: true, evidence: 'its risk score fell from 40 to 15' });
  });
});

describe('addMonths', () => {
  it('keeps the day of the month, or the last day of a shorter month', () => {
    expect(addMonths(new Date('2027-01-31T09:00:00Z'), 1).toISOString()).toBe(
      '2027-02-28T09:00:00.000Z',
    );
    expect(addMonths(new Date('2027-11-15T09:00:00Z'), 3).toISOString()).toBe(
      '2028-02-15T09:00:00.000Z',
    );
  });
});
