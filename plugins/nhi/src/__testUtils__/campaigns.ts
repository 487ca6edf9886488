/*
 * Test fixtures of access reviews: a campaign, its items and a mocked
 * NhiCampaignsApi. Only for tests.
 */
import {
  NhiCampaign,
  NhiCampaignCounts,
  NhiCampaignDetail,
  NhiCampaignItem,
  NhiCampaignItemHistory,
  NhiCampaignsApi,
} from '@backstage-nhi/plugin-nhi-common';
import { daysAgo, daysFromNow, page } from './fixtures';

/** Counts of a campaign's items; `total` is the sum unless given. */
export function counts(
  overrides: Partial<NhiCampaignCounts> = {},
): NhiCampaignCounts {
  const c = {
    pending: 0,
    certify: 0,
    revoke: 0,
    reduce: 0,
    'not-reviewed': 0,
    remediationOpen: 0,
    ...overrides,
  };
  return {
    total: c.pending + c.certify + c.revoke + c.reduce + c['not-reviewed'],
    ...c,
    ...overrides,
  };
}

/** "Q3 AWS admin review": active, 10 items, 4 decided, due in 10 days. */
export function campaign(overrides: Partial<NhiCampaign> = {}): NhiCampaign {
  return {
    id: 'camp-1',
    seriesId: 'camp-1',
    sequence: 1,
    name: 'Q3 AWS admin review',
    scope: [{ provider: 'aws', rule: 'NHI-ADMIN' }],
    reviewerRule: 'leads',
    fallbackGroup: 'group:default/security',
    dueAt: daysFromNow(10),
    reminderEveryDays: 7,
    dueSoonDays: 3,
    endAction: 'not-reviewed',
    recurrenceMonths: 3,
    nextStartAt: daysFromNow(80),
    status: 'active',
    snapshotAt: daysAgo(5),
    createdBy: 'user:default/sam',
    createdAt: daysAgo(5),
    overdue: false,
    counts: counts({ pending: 6, certify: 3, revoke: 1, remediationOpen: 1 }),
    ...overrides,
  };
}

/** The campaign with its progress per owner; the caller manages it. */
export function campaignDetail(
  overrides: Partial<NhiCampaignDetail> = {},
): NhiCampaignDetail {
  return {
    ...campaign(),
    teams: [
      {
        owner: 'group:default/payments',
        counts: counts({ pending: 2, certify: 3, revoke: 1 }),
      },
      { counts: counts({ pending: 4 }) },
    ],
    manage: true,
    ...overrides,
  };
}

/** ci-deployer in campaign camp-1: pending, owned by payments, the caller may decide. */
export function campaignItem(
  overrides: Partial<NhiCampaignItem> = {},
): NhiCampaignItem {
  return {
    id: 'item-1',
    campaignId: 'camp-1',
    entityRef: 'nonhumanidentity:default/ci-deployer',
    title: 'ci-deployer',
    type: 'iam-user',
    category: 'service-account',
    provider: 'aws',
    account: '123456789012',
    externalId: 'arn:aws:iam::123456789012:user/ci-deployer',
    owner: 'group:default/payments',
    ownershipProvenance: 'tagged',
    riskLevel: 'high',
    riskScore: 70,
    ruleIds: ['NHI-ADMIN'],
    rotationStatus: 'overdue',
    reviewer: 'group:default/payments',
    reviewerKind: 'owner',
    escalation: 0,
    reviewers: ['user:default/alice'],
    decisionSeq: 0,
    review: { allowed: true },
    ...overrides,
  };
}

/** An item as an identity's history lists it. */
export function historyItem(
  overrides: Partial<NhiCampaignItemHistory> = {},
): NhiCampaignItemHistory {
  return {
    ...campaignItem(),
    campaignName: 'Q3 AWS admin review',
    campaignStatus: 'active',
    campaignDueAt: daysFromNow(10),
    ...overrides,
  };
}

/** An NhiCampaignsApi whose methods are jest mocks; lists are empty unless overridden. */
export function mockCampaignsApi(
  overrides: Partial<NhiCampaignsApi> = {},
): jest.Mocked<NhiCampaignsApi> {
  const api: NhiCampaignsApi = {
    listCampaigns: async () => page<NhiCampaign>([]),
    getCampaign: async id => campaignDetail({ id }),
    createCampaign: async req =>
      campaign({ ...req, id: 'camp-new', seriesId: 'camp-new' }),
    closeCampaign: async id =>
      campaign({ id, status: 'closed', closedAt: new Date().toISOString() }),
    listCampaignItems: async () => page<NhiCampaignItem>([]),
    decideCampaignItem: async (_c, itemId, body) =>
      campaignItem({
        id: itemId,
        decision: body.decision,
        note: body.note,
        decisionSeq: (body.replaces ?? 0) + 1,
      }),
    decideCampaignItems: async () => ({ done: [], refused: [] }),
    reassignCampaignItems: async () => ({ done: [], refused: [] }),
    listWaitingReviews: async () => ({ items: [] }),
    listIdentityCertifications: async () => page<NhiCampaignItemHistory>([]),
    downloadCampaignExport: async () => new Blob(['x']),
    listUnownedIdentities: async () => page([]),
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(api).map(([key, fn]) => [
      key,
      jest.isMockFunction(fn) ? fn : jest.fn(fn as (...a: any[]) => any),
    ]),
  ) as unknown as jest.Mocked<NhiCampaignsApi>;
}
