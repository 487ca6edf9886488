import { DAY } from '@backstage-nhi/plugin-nhi-common';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import {
  CAMPAIGN_END_ACTOR,
  CampaignsStore,
  NewCampaign,
  NewCampaignItem,
  ReviewerScope,
} from './CampaignsStore';

const migrationsDir = resolvePackagePath(
  '@backstage-nhi/plugin-nhi-backend',
  'migrations',
);

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

async function store(id: TestDatabaseId) {
  const knex = await databases.init(id);
  const s = await CampaignsStore.create({
    getClient: async () => knex,
    migrations: { skip: false },
  });
  return { s, knex };
}

/** A driver error, matched by its message (see ClaimsStore.test.ts). */
const dbError = (message: RegExp) => ({
  message: expect.stringMatching(message),
});

const NOW = new Date('2027-01-04T09:00:00Z');

const campaign = (extra: Partial<NewCampaign> = {}): NewCampaign => ({
  name: 'Q1 AWS admin review',
  scope: [{ provider: 'aws', rule: 'NHI-ADMIN' }],
  reviewerRule: 'leads',
  fallbackGroup: 'group:default/security',
  dueAt: new Date(NOW.getTime() + 14 * DAY),
  reminderEveryDays: 7,
  dueSoonDays: 3,
  endAction: 'not-reviewed',
  snapshotAt: NOW,
  createdBy: 'user:default/farah',
  ...extra,
});

const item = (
  name: string,
  owner?: string,
  extra: Partial<NewCampaignItem> = {},
): NewCampaignItem => ({
  entityRef: `nonhumanidentity:default/${name}`,
  title: name,
  type: 'iam-role',
  category: 'service-account',
  provider: 'aws',
  account: '111111111111',
  externalId: `arn:aws:iam::111111111111:role/${name}`,
  owner,
  ownershipProvenance: owner ? 'tagged' : 'none',
  riskLevel: 'critical',
  riskScore: 60,
  ruleIds: ['NHI-ADMIN'],
  rotationStatus: 'not-applicable',
  reviewer: owner ?? 'group:default/security',
  reviewerKind: owner ? 'owner' : 'fallback',
  ...extra,
});

const page = { limit: 100, offset: 0 };

describe.each(databases.eachSupportedId())(
  'CampaignsStore on %p',
  databaseId => {
    it('freezes the scope as items and counts them by outcome and owner', async () => {
      const { s } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [
          item('deployer', 'group:default/payments'),
          item('etl', 'group:default/data', { riskScore: 80 }),
          item('orphan'),
        ],
        NOW,
      );
      expect(c).toMatchObject({
        status: 'active',
        sequence: 1,
        seriesId: c.id,
        scope: [{ provider: 'aws', rule: 'NHI-ADMIN' }],
        snapshotAt: NOW.toISOString(),
        counts: { total: 3, pending: 3 },
      });
      const { items, totalCount } = await s.listItems(c.id, {}, page);
      expect(totalCount).toBe(3);
      // the riskiest first
      expect(items.map(i => i.title)).toEqual(['etl', 'deployer', 'orphan']);
      expect(items[2]).toMatchObject({
        reviewer: 'group:default/security',
        reviewerKind: 'fallback',
        ruleIds: ['NHI-ADMIN'],
        decisionSeq: 0,
      });
      expect(items[2].owner).toBeUndefined();
      expect(await s.teamProgress(c.id)).toEqual([
        expect.objectContaining({ owner: 'group:default/data' }),
        expect.objectContaining({ owner: 'group:default/payments' }),
        expect.objectContaining({
          counts: expect.objectContaining({ total: 1, pending: 1 }),
        }),
      ]);
      expect((await s.teamProgress(c.id))[2].owner).toBeUndefined();
    });

    it('writes 10,000 items in one start, and refuses an identity twice', async () => {
      const { s, knex } = await store(databaseId);
      const many = Array.from({ length: 10_000 }, (_, i) =>
        item(`role-${i}`, 'group:default/payments'),
      );
      const c = await s.createCampaign(campaign(), many, NOW);
      expect(c.counts.total).toBe(10_000);
      expect(
        Number(
          (
            await knex('nhi_campaign_items')
              .where('campaign_id', c.id)
              .count({ n: '*' })
          )[0].n,
        ),
      ).toBe(10_000);
      await expect(
        s.createCampaign(campaign(), [item('a'), item('a')], NOW),
      ).rejects.toThrow('the scope names an identity twice');
      // nothing of the failed start is left
      expect(Number((await knex('nhi_campaigns').count({ n: '*' }))[0].n)).toBe(
        1,
      );
    });

    it('records a decision with its history and audit entry; a second first decision is a conflict; a change names the one it replaces', async () => {
      const { s, knex } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [item('deployer', 'group:default/payments')],
        NOW,
      );
      const [{ id }] = (await s.listItems(c.id, {}, page)).items;
      const first = await s.decide({
        campaignId: c.id,
        items: [{ itemId: id, expectedSeq: 0 }],
        decision: 'revoke',
        note: 'The deploy pipeline moved to OIDC.',
        by: 'user:default/jade',
        now: NOW,
      });
      expect(first.refused).toEqual([]);
      expect(first.done[0]).toMatchObject({
        decision: 'revoke',
        decisionSeq: 1,
        decidedBy: 'user:default/jade',
        note: 'The deploy pipeline moved to OIDC.',
        remediation: {
          action: 'revoke',
          status: 'open',
          openedAt: NOW.toISOString(),
        },
      });
      const again = await s.decide({
        campaignId: c.id,
        items: [{ itemId: id, expectedSeq: 0 }],
        decision: 'certify',
        by: 'user:default/omar',
      });
      expect(again.done).toEqual([]);
      expect(again.refused).toEqual([
        {
          itemId: id,
          status: 409,
          reason: expect.stringContaining(
            'was decided by user:default/jade (revoke)',
          ),
        },
      ]);
      const changed = await s.decide({
        campaignId: c.id,
        items: [{ itemId: id, expectedSeq: 1 }],
        decision: 'certify',
        by: 'user:default/jade',
      });
      expect(changed.done[0]).toMatchObject({
        decision: 'certify',
        decisionSeq: 2,
        remediation: { status: 'cancelled' },
      });
      const history = await s.decisionHistory(c.id);
      expect(history.get(id)!.map(d => [d.seq, d.decision])).toEqual([
        [1, 'revoke'],
        [2, 'certify'],
      ]);
      const audit = await knex('nhi_audit')
        .where({ campaign_id: c.id })
        .orderBy('id');
      expect(audit.map(a => a.action)).toEqual([
        'campaign.revoke',
        'campaign.certify',
      ]);
      expect(JSON.parse(audit[1].details)).toEqual({
        campaign: 'Q1 AWS admin review',
        replaces: 'revoke',
      });
      // the history is append-only
      await expect(
        knex('nhi_campaign_decisions').update({ decision: 'certify' }),
      ).rejects.toMatchObject(dbError(/append-only/));
      await expect(
        knex('nhi_campaign_decisions').delete(),
      ).rejects.toMatchObject(dbError(/append-only/));
    });

    it('leaves exactly one of 20 simultaneous decisions on one item standing', async () => {
      const { s, knex } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [item('deployer', 'group:default/payments')],
        NOW,
      );
      const [{ id }] = (await s.listItems(c.id, {}, page)).items;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s.decide({
            campaignId: c.id,
            items: [{ itemId: id, expectedSeq: 0 }],
            decision: i % 2 ? 'certify' : 'revoke',
            note: `reviewer ${i}`,
            by: `user:default/reviewer-${i}`,
          }),
        ),
      );
      const done = results.flatMap(r => r.done);
      const refused = results.flatMap(r => r.refused);
      expect(done).toHaveLength(1);
      expect(refused).toHaveLength(19);
      expect(refused.every(r => r.status === 409)).toBe(true);
      const [stored] = (await s.listItems(c.id, {}, page)).items;
      expect(stored).toMatchObject({
        decision: done[0].decision,
        decidedBy: done[0].decidedBy,
        decisionSeq: 1,
      });
      expect(
        await knex('nhi_campaign_decisions').where({ item_id: id }),
      ).toHaveLength(1);
      expect(await knex('nhi_audit').where({ campaign_id: c.id })).toHaveLength(
        1,
      );
      // the database itself refuses a second decision of the same step
      await expect(
        knex('nhi_campaign_decisions').insert({
          campaign_id: c.id,
          item_id: id,
          seq: 1,
          decision: 'certify',
          decided_by: 'user:default/mallory',
          decided_at: new Date(),
        }),
      ).rejects.toMatchObject(dbError(/unique/i));
    });

    it('closes with the end action: undecided items not reviewed, or marked for revocation; nothing changes after', async () => {
      const { s, knex } = await store(databaseId);
      const kept = await s.createCampaign(
        campaign(),
        [
          item('a', 'group:default/payments'),
          item('b', 'group:default/payments'),
        ],
        NOW,
      );
      const strict = await s.createCampaign(
        campaign({ endAction: 'revoke', name: 'Strict' }),
        [item('c', 'group:default/payments')],
        NOW,
      );
      const [a] = (await s.getItems(kept.id, [])).concat(
        (await s.listItems(kept.id, { q: 'a' }, page)).items,
      );
      await s.decide({
        campaignId: kept.id,
        items: [{ itemId: a.id, expectedSeq: 0 }],
        decision: 'certify',
        by: 'user:default/jade',
      });
      const closed = await s.close({
        id: kept.id,
        by: 'user:default/farah',
        now: new Date(NOW.getTime() + 15 * DAY),
      });
      expect(closed).toMatchObject({
        status: 'closed',
        closedBy: 'user:default/farah',
        counts: { total: 2, certify: 1, 'not-reviewed': 1, pending: 0 },
      });
      const b = (await s.listItems(kept.id, { q: 'b' }, page)).items[0];
      expect(b).toMatchObject({
        decision: 'not-reviewed',
        decidedBy: CAMPAIGN_END_ACTOR,
      });
      expect(b.remediation).toBeUndefined();
      await expect(
        s.decide({
          campaignId: kept.id,
          items: [{ itemId: b.id, expectedSeq: 1 }],
          decision: 'certify',
          by: 'user:default/jade',
        }),
      ).rejects.toThrow(
        'campaign "Q1 AWS admin review" is closed: its decisions are final',
      );
      await expect(
        s.reassign({
          campaignId: kept.id,
          itemIds: [b.id],
          to: 'user:default/sam',
          reason: 'on leave',
          by: 'user:default/farah',
        }),
      ).rejects.toThrow('is closed');
      await expect(
        s.close({ id: kept.id, by: 'user:default/farah' }),
      ).rejects.toThrow('is closed already');

      await s.close({ id: strict.id, by: 'user:default/farah' });
      const [c] = (await s.listItems(strict.id, {}, page)).items;
      expect(c).toMatchObject({
        decision: 'revoke',
        decidedBy: CAMPAIGN_END_ACTOR,
        note: expect.stringContaining('marked for revocation'),
        remediation: { action: 'revoke', status: 'open' },
      });
      expect(
        (await knex('nhi_audit').where({ campaign_id: strict.id })).map(
          r => r.action,
        ),
      ).toEqual(['campaign.revoke']);
    });

    it('hands undecided items on with the reason, never decided ones', async () => {
      const { s, knex } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [
          item('a', 'group:default/payments'),
          item('b', 'group:default/payments'),
        ],
        NOW,
      );
      const [a, b] = (await s.listItems(c.id, {}, page)).items.sort((x, y) =>
        x.title.localeCompare(y.title),
      );
      await s.decide({
        campaignId: c.id,
        items: [{ itemId: b.id, expectedSeq: 0 }],
        decision: 'certify',
        by: 'user:default/jade',
      });
      const result = await s.reassign({
        campaignId: c.id,
        itemIds: [a.id, b.id, 'not-an-id'],
        to: 'user:default/sam',
        reason: 'Sam runs the deploy pipeline',
        by: 'user:default/jade',
        now: NOW,
      });
      expect(result.done).toEqual([
        expect.objectContaining({
          id: a.id,
          reviewer: 'user:default/sam',
          reviewerKind: 'delegate',
          delegation: {
            from: 'group:default/payments',
            by: 'user:default/jade',
            at: NOW.toISOString(),
            reason: 'Sam runs the deploy pipeline',
          },
        }),
      ]);
      expect(result.refused.map(r => [r.itemId, r.status])).toEqual([
        [b.id, 409],
        ['not-an-id', 404],
      ]);
      expect(
        (await knex('nhi_audit').where({ action: 'campaign.reassigned' }))
          .length,
      ).toBe(1);
    });

    it("lists a reviewer's items: assigned, by the rule, by a group, escalated", async () => {
      const { s } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [
          item('payments-role', 'group:default/payments'),
          item('data-role', 'group:default/data'),
          item('orphan'),
          item('sams', 'user:default/sam'),
        ],
        NOW,
      );
      const titles = async (scope: ReviewerScope) =>
        (await s.listItems(c.id, { reviewerScope: scope }, page)).items
          .map(i => i.title)
          .sort();
      const jade: ReviewerScope = {
        userRef: 'user:default/jade',
        ownerGroups: ['group:default/payments'],
        memberGroups: ['group:default/payments'],
        ledGroups: ['group:default/payments'],
        inFallbackGroup: false,
      };
      const farah: ReviewerScope = {
        userRef: 'user:default/farah',
        ownerGroups: [],
        memberGroups: ['group:default/security'],
        ledGroups: ['group:default/security'],
        inFallbackGroup: true,
      };
      const sam: ReviewerScope = {
        userRef: 'user:default/sam',
        ownerGroups: [],
        memberGroups: ['group:default/shipping'],
        ledGroups: [],
        inFallbackGroup: false,
      };
      expect(await titles(jade)).toEqual(['payments-role']);
      expect(await titles(farah)).toEqual(['orphan']);
      expect(await titles(sam)).toEqual(['sams']);
      // overdue: the leads first, then the fallback group
      expect(await s.escalate(c.id, 1)).toBe(4);
      expect(
        await titles({
          ...jade,
          ledGroups: ['group:default/data'],
          ownerGroups: [],
        }),
      ).toEqual(['data-role']);
      expect(await titles(farah)).toEqual(['orphan']);
      await s.escalate(c.id, 2);
      expect(await titles(farah)).toEqual([
        'data-role',
        'orphan',
        'payments-role',
        'sams',
      ]);
      expect(await s.pendingCount(c.id, { reviewerScope: jade })).toBe(1);
      expect(await s.pendingCount(c.id, { owner: 'group:default/data' })).toBe(
        1,
      );
    });

    it('starts each step of a recurring series once', async () => {
      const { s } = await store(databaseId);
      const first = await s.createCampaign(
        campaign({
          recurrenceMonths: 3,
          nextStartAt: new Date(NOW.getTime() + 90 * DAY),
        }),
        [item('a', 'group:default/payments')],
        NOW,
      );
      expect(first.nextStartAt).toBe(
        new Date(NOW.getTime() + 90 * DAY).toISOString(),
      );
      expect(
        await s.recurrencesDue(new Date(NOW.getTime() + 89 * DAY)),
      ).toEqual([]);
      const due = await s.recurrencesDue(new Date(NOW.getTime() + 91 * DAY));
      expect(due.map(d => d.id)).toEqual([first.id]);
      const series = { id: first.seriesId, sequence: 2 };
      const starts = await Promise.allSettled([
        s.createCampaign(campaign({ series }), [
          item('a', 'group:default/payments'),
        ]),
        s.createCampaign(campaign({ series }), [
          item('a', 'group:default/payments'),
        ]),
      ]);
      expect(starts.filter(r => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        (starts.find(r => r.status === 'rejected') as PromiseRejectedResult)
          .reason.message,
      ).toBe(`step 2 of the series ${first.id} has started already`);
    });

    it('records a notice once per subject, kind, recipient and period, whoever asks', async () => {
      const { s } = await store(databaseId);
      const notice = {
        subject: 'c1',
        kind: 'overdue',
        recipient: 'group:default/payments',
        period: '2027-01-20',
      };
      const sent = await Promise.all([
        s.recordNotice(notice),
        s.recordNotice(notice),
        s.recordNotice(notice),
      ]);
      expect(sent.filter(Boolean)).toHaveLength(1);
      expect(await s.recordNotice({ ...notice, period: '2027-01-21' })).toBe(
        true,
      );
    });

    it('closes a remediation when the source shows it, with the evidence in the audit trail', async () => {
      const { s, knex } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [item('a', 'group:default/payments')],
        NOW,
      );
      const [a] = (await s.listItems(c.id, {}, page)).items;
      await s.decide({
        campaignId: c.id,
        items: [{ itemId: a.id, expectedSeq: 0 }],
        decision: 'reduce',
        note: 'Read-only is enough',
        by: 'user:default/jade',
      });
      expect(await s.openRemediations(10)).toEqual([
        expect.objectContaining({
          itemId: a.id,
          action: 'reduce',
          ruleIds: ['NHI-ADMIN'],
          riskScore: 60,
        }),
      ]);
      await s.updateRemediation({
        itemId: a.id,
        done: false,
        evidence: 'still the same',
      });
      expect(await s.openRemediations(10)).toHaveLength(1);
      expect(
        await s.updateRemediation({
          itemId: a.id,
          done: true,
          evidence: 'its source no longer shows NHI-ADMIN',
        }),
      ).toBe(true);
      expect(await s.openRemediations(10)).toEqual([]);
      const [done] = (await s.listItems(c.id, {}, page)).items;
      expect(done.remediation).toMatchObject({
        status: 'done',
        evidence: 'its source no longer shows NHI-ADMIN',
      });
      expect(
        (await knex('nhi_audit').where({ action: 'campaign.remediated' }))
          .length,
      ).toBe(1);
      const history = await s.identityHistory(a.entityRef, page);
      expect(history.items[0]).toMatchObject({
        campaignName: 'Q1 AWS admin review',
        campaignStatus: 'active',
        decision: 'reduce',
      });
    });

    it("lists an identity's last decisions, the latest first, without pending or not-reviewed items", async () => {
      const { s } = await store(databaseId);
      const ref = 'nonhumanidentity:default/deployer';
      const first = await s.createCampaign(
        campaign({ name: 'Q1 review' }),
        [item('deployer', 'group:default/payments'), item('etl')],
        NOW,
      );
      const second = await s.createCampaign(
        campaign({ name: 'Q2 review' }),
        [item('deployer', 'group:default/payments')],
        new Date(NOW.getTime() + DAY),
      );
      const third = await s.createCampaign(
        campaign({ name: 'Q3 review' }),
        [item('deployer', 'group:default/payments')],
        new Date(NOW.getTime() + 2 * DAY),
      );
      const idOf = async (c: { id: string }) =>
        (await s.listItems(c.id, {}, page)).items.find(
          i => i.title === 'deployer',
        )!.id;
      // decided in the older campaign after the newer one: the decision's
      // time orders them, not the campaign's
      await s.decide({
        campaignId: second.id,
        items: [{ itemId: await idOf(second), expectedSeq: 0 }],
        decision: 'revoke',
        note: 'unused since March',
        by: 'user:default/jade',
        now: new Date(NOW.getTime() + 3 * DAY),
      });
      await s.decide({
        campaignId: first.id,
        items: [{ itemId: await idOf(first), expectedSeq: 0 }],
        decision: 'certify',
        by: 'user:default/erin',
        now: new Date(NOW.getTime() + 4 * DAY),
      });
      await s.close({ id: third.id, by: 'user:default/farah' });

      const decided = await s.identityHistory(ref, page, { decided: true });
      expect(decided.totalCount).toBe(2);
      expect(
        decided.items.map(i => [i.campaignName, i.decision, i.decidedBy]),
      ).toEqual([
        ['Q1 review', 'certify', 'user:default/erin'],
        ['Q2 review', 'revoke', 'user:default/jade'],
      ]);
      const last = await s.identityHistory(
        ref,
        { limit: 1, offset: 0 },
        { decided: true },
      );
      expect(last.items.map(i => i.campaignName)).toEqual(['Q1 review']);
      // every campaign it was in, newest first
      const all = await s.identityHistory(ref, page);
      expect(all.items.map(i => [i.campaignName, i.decision])).toEqual([
        ['Q3 review', 'not-reviewed'],
        ['Q2 review', 'revoke'],
        ['Q1 review', 'certify'],
      ]);
      expect(
        (
          await s.identityHistory('nonhumanidentity:default/etl', page, {
            decided: true,
          })
        ).items,
      ).toEqual([]);
    });

    it('tracks since when identities are unowned, keeps the date while they stay so and forgets them once owned', async () => {
      const { s } = await store(databaseId);
      const day0 = NOW;
      await s.recordUnowned(
        [
          {
            entityRef: 'nonhumanidentity:default/A',
            suggestedOwners: ['group:default/data'],
          },
          { entityRef: 'nonhumanidentity:default/b', suggestedOwners: [] },
        ],
        day0,
      );
      const day8 = new Date(day0.getTime() + 8 * DAY);
      await s.recordUnowned(
        [
          {
            entityRef: 'nonhumanidentity:default/a',
            suggestedOwners: ['group:default/web'],
          },
        ],
        day8,
      );
      expect(await s.forgetUnownedNotSeenSince(day8)).toBe(1);
      const { items } = await s.listUnowned({}, page);
      expect(items).toEqual([
        {
          entityRef: 'nonhumanidentity:default/a',
          since: day0.toISOString(),
          lastSeenAt: day8.toISOString(),
          suggestedOwners: ['group:default/web'],
          notifiedStage: -1,
        },
      ]);
      expect(
        await s.unownedToNotify(1, new Date(day8.getTime() - 7 * DAY)),
      ).toHaveLength(1);
      await s.markUnownedNotified(['nonhumanidentity:default/a'], 1);
      expect(await s.unownedToNotify(1, day8)).toEqual([]);
      expect(await s.unownedToNotify(2, day8)).toHaveLength(1);
      expect(
        (
          await s.listUnowned(
            { sinceBefore: new Date(day0.getTime() - 1) },
            page,
          )
        ).totalCount,
      ).toBe(0);
    });

    it('migrates down and up again, keeping the audit trail', async () => {
      const { s, knex } = await store(databaseId);
      const c = await s.createCampaign(
        campaign(),
        [item('a', 'group:default/payments')],
        NOW,
      );
      const [a] = (await s.listItems(c.id, {}, page)).items;
      await s.decide({
        campaignId: c.id,
        items: [{ itemId: a.id, expectedSeq: 0 }],
        decision: 'certify',
        by: 'user:default/jade',
      });
      await knex.migrate.down({ directory: migrationsDir });
      expect(await knex.schema.hasTable('nhi_campaigns')).toBe(false);
      expect(await knex.schema.hasColumn('nhi_audit', 'campaign_id')).toBe(
        false,
      );
      expect(
        await knex('nhi_audit').where({ action: 'campaign.certify' }),
      ).toHaveLength(1);
      await knex.migrate.latest({ directory: migrationsDir });
      expect(await knex.schema.hasTable('nhi_campaign_items')).toBe(true);
    });
  },
);
