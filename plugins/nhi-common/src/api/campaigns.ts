import { NhiInventoryFilters } from './inventory';
import { NhiPage, NhiReviewDecision } from './types';
import {
  NhiClientOptions,
  nhiFetch,
  NhiRequestInit,
  queryString,
} from './http';

/**
 * What a reviewer decides about one identity of a campaign:
 *
 * - `certify` — it is still needed, as it is;
 * - `revoke` — it is no longer needed: remove it (a note is required, and a
 *   remediation stays open until its source shows it gone or unusable);
 * - `reduce` — keep it with fewer permissions (a note is required, and a
 *   remediation stays open until its source shows fewer permissions).
 *
 * @public
 */
export type NhiCampaignDecision = 'certify' | 'revoke' | 'reduce';

/**
 * The outcome of an item: a decision, or `not-reviewed` when the campaign
 * closed without one (and its end action leaves it so).
 *
 * @public
 */
export type NhiCampaignOutcome = NhiCampaignDecision | 'not-reviewed';

/**
 * Who reviews an item of an owned identity: the owner team's `leads` (its
 * `backstage-nhi.io/leads` annotation; a team without leads is reviewed by
 * its members), or all its `members`.
 *
 * @public
 */
export type NhiCampaignReviewerRule = 'leads' | 'members';

/**
 * What closing a campaign does to the items nobody decided: leave them
 * `not-reviewed`, or mark them for revocation (a `revoke` decision by the
 * campaign, with its remediation).
 *
 * @public
 */
export type NhiCampaignEndAction = 'not-reviewed' | 'revoke';

/**
 * `active` while reviewers decide; `closed` once a manager closed it: its
 * decisions are final and nothing in it changes any more.
 *
 * @public
 */
export type NhiCampaignStatus = 'active' | 'closed';

/**
 * State of the remediation a `revoke` or `reduce` decision opens:
 *
 * - `open` — the source still shows the identity as it was;
 * - `done` — the source shows the change (the identity is gone, or
 *   unusable for a revocation, or fewer permission findings for a reduction);
 * - `cancelled` — the decision was changed to `certify` before it was done.
 *
 * @public
 */
export type NhiRemediationStatus = 'open' | 'done' | 'cancelled';

/**
 * Counts of a campaign's items, by outcome.
 *
 * @public
 */
export type NhiCampaignCounts = {
  total: number;
  pending: number;
  certify: number;
  revoke: number;
  reduce: number;
  'not-reviewed': number;
  /** Remediations the sources do not show done yet. */
  remediationOpen: number;
};

/**
 * An access review (certification campaign) over non-human identities. Its
 * scope is one or more sets of the inventory's filters (an identity matching
 * any set is in); starting it froze the matching identities and their state
 * (owner, risk, findings, rotation) as its items.
 *
 * @public
 */
export type NhiCampaign = {
  id: string;
  /** The recurring series it belongs to (its first campaign's id). */
  seriesId: string;
  /** 1 for the first campaign of a series, then 2, 3… */
  sequence: number;
  name: string;
  description?: string;
  /** Identities matching any of these filter sets were in scope. */
  scope: NhiInventoryFilters[];
  reviewerRule: NhiCampaignReviewerRule;
  /** Who reviews unowned identities, and overdue items after escalation. */
  fallbackGroup: string;
  /** When decisions are due (ISO time). */
  dueAt: string;
  /** Reviewers with undecided items are reminded every this many days (0: never). */
  reminderEveryDays: number;
  /** Reviewers are reminded this many days before the due date (0: not). */
  dueSoonDays: number;
  endAction: NhiCampaignEndAction;
  /** The campaign repeats every this many months (3: quarterly). */
  recurrenceMonths?: number;
  /** When the next campaign of the series starts, while it is to come. */
  nextStartAt?: string;
  status: NhiCampaignStatus;
  /** When the scope was frozen. */
  snapshotAt: string;
  /** What the inventory could not answer when the scope was frozen, if anything. */
  snapshotNote?: string;
  createdBy: string;
  createdAt: string;
  closedBy?: string;
  closedAt?: string;
  /** Past its due date and still active. */
  overdue: boolean;
  counts: NhiCampaignCounts;
};

/**
 * Progress of one owner (team, user, or none) in a campaign.
 *
 * @public
 */
export type NhiCampaignTeamProgress = {
  /** The owner when the scope was frozen; absent for unowned identities. */
  owner?: string;
  counts: NhiCampaignCounts;
};

/**
 * A campaign with its progress per owner, as `GET /campaigns/:id` answers.
 *
 * @public
 */
export type NhiCampaignDetail = NhiCampaign & {
  teams: NhiCampaignTeamProgress[];
  /** Whether the caller may close it (`nhi.campaign.manage`). */
  manage: boolean;
};

/**
 * One identity of a campaign: its state when the scope was frozen, its
 * reviewer, the decision and the remediation.
 *
 * @public
 */
export type NhiCampaignItem = {
  id: string;
  campaignId: string;
  entityRef: string;
  title: string;
  type: string;
  category: string;
  provider: string;
  account?: string;
  externalId: string;
  /** The owner when the scope was frozen; absent when unowned. */
  owner?: string;
  ownershipProvenance: string;
  riskLevel?: string;
  riskScore?: number;
  /** Rules with open findings when the scope was frozen. */
  ruleIds: string[];
  rotationStatus?: string;
  /**
   * Who the item is assigned to: the owner (a team, or a user), the
   * fallback group (unowned), or whoever it was delegated to.
   */
  reviewer: string;
  reviewerKind: 'owner' | 'fallback' | 'delegate';
  /** 0; 1 once overdue (the owner team's leads); 2 later (the fallback group too). */
  escalation: number;
  /** The users and groups who may decide it now. */
  reviewers: string[];
  decision?: NhiCampaignOutcome;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  /**
   * How many decisions were made on it (0: none yet). A change of decision
   * names the one it replaces with this number, so that two people changing
   * it at once do not overwrite each other.
   */
  decisionSeq: number;
  /** The last delegation or reassignment. */
  delegation?: { from: string; by: string; at: string; reason: string };
  remediation?: {
    action: 'revoke' | 'reduce';
    status: NhiRemediationStatus;
    openedAt: string;
    checkedAt?: string;
    doneAt?: string;
    /** What the source showed when it was found done, or why it is open. */
    evidence?: string;
  };
  /** For the caller: whether they may decide it now, and if not why. */
  review?: NhiReviewDecision;
};

/**
 * An item with its campaign's name and state, as an identity's history of
 * certifications lists it.
 *
 * @public
 */
export type NhiCampaignItemHistory = NhiCampaignItem & {
  campaignName: string;
  campaignStatus: NhiCampaignStatus;
  campaignDueAt: string;
};

/**
 * Body of `POST /campaigns`: starts a campaign now.
 *
 * @public
 */
export type NhiCreateCampaignRequest = {
  name: string;
  description?: string;
  /** One to ten sets of the inventory's filters; an identity matching any is in scope. */
  scope: NhiInventoryFilters[];
  /** Default `leads`. */
  reviewerRule?: NhiCampaignReviewerRule;
  /** ISO date or date-time, in the future. */
  dueAt: string;
  /** Default from the configuration (7). */
  reminderEveryDays?: number;
  /** Default from the configuration (3). */
  dueSoonDays?: number;
  /** Default `not-reviewed`. */
  endAction?: NhiCampaignEndAction;
  /** Repeat every this many months (1–12; 3 is quarterly). */
  recurrenceMonths?: number;
};

/**
 * Filters of a campaign's items.
 *
 * @public
 */
export type NhiCampaignItemsQuery = {
  /** `pending` (no decision), `decided`, or outcomes, comma separated. */
  status?: string;
  /** Only items the caller may decide now. */
  toReview?: boolean;
  /** Only identities this owner had (`unowned` for none). */
  owner?: string;
  /** Name, title or external id contains this text. */
  q?: string;
  limit?: number;
  cursor?: string;
};

/**
 * What happened to each item of a bulk decision or reassignment.
 *
 * @public
 */
export type NhiCampaignBulkResult = {
  done: NhiCampaignItem[];
  refused: Array<{ itemId: string; status: number; reason: string }>;
};

/**
 * Reviews waiting in one active campaign.
 *
 * @public
 */
export type NhiCampaignWaiting = {
  campaignId: string;
  campaignName: string;
  dueAt: string;
  overdue: boolean;
  /** Items waiting for a decision. */
  count: number;
};

/**
 * An identity nobody has owned since `since`, as the unowned-identity
 * policy records it.
 *
 * @public
 */
export type NhiUnownedIdentity = {
  entityRef: string;
  /** When it was first seen unowned. */
  since: string;
  /** When its grace period ends (or ended): it is then listed for deactivation. */
  graceEndsAt: string;
  pastGrace: boolean;
  suggestedOwners?: string[];
};

/**
 * The files of a campaign's evidence: the campaign (scope, snapshot,
 * settings, counts), its items as CSV and JSON, and the manifest with the
 * SHA-256 of each; `evidence.zip` holds them all with a README.
 *
 * @public
 */
export const NHI_CAMPAIGN_EXPORT_FILES = [
  'campaign.json',
  'items.csv',
  'items.json',
  'manifest.json',
  'evidence.zip',
] as const;

/** @public */
export type NhiCampaignExportFile = (typeof NHI_CAMPAIGN_EXPORT_FILES)[number];

/**
 * Access reviews of non-human identities: campaigns, their items, decisions,
 * delegation, evidence, and the unowned-identity policy (the `nhi` backend
 * plugin).
 *
 * @public
 */
export interface NhiCampaignsApi {
  listCampaigns(query?: {
    status?: NhiCampaignStatus;
    limit?: number;
    cursor?: string;
  }): Promise<NhiPage<NhiCampaign>>;
  getCampaign(id: string): Promise<NhiCampaignDetail>;
  /** Starts a campaign: its scope is frozen now (`nhi.campaign.manage`). */
  createCampaign(request: NhiCreateCampaignRequest): Promise<NhiCampaign>;
  /** Closes it: decisions become final (`nhi.campaign.manage`). */
  closeCampaign(id: string): Promise<NhiCampaign>;
  listCampaignItems(
    campaignId: string,
    query?: NhiCampaignItemsQuery,
  ): Promise<NhiPage<NhiCampaignItem>>;
  /**
   * Decides one item. `replaces` is the item's `decisionSeq` when changing
   * a decision; a decision made meanwhile by someone else is a 409.
   */
  decideCampaignItem(
    campaignId: string,
    itemId: string,
    body: { decision: NhiCampaignDecision; note?: string; replaces?: number },
  ): Promise<NhiCampaignItem>;
  /** Decides up to 500 undecided items at once; each refusal says why. */
  decideCampaignItems(
    campaignId: string,
    body: { itemIds: string[]; decision: NhiCampaignDecision; note?: string },
  ): Promise<NhiCampaignBulkResult>;
  /** Delegates (a reviewer) or reassigns (a manager) items, with a reason. */
  reassignCampaignItems(
    campaignId: string,
    body: { itemIds: string[]; to: string; reason: string },
  ): Promise<NhiCampaignBulkResult>;
  /** Active campaigns with items waiting for the caller, or for a group. */
  listWaitingReviews(query?: {
    group?: string;
  }): Promise<{ items: NhiCampaignWaiting[] }>;
  /**
   * The campaigns an identity was in, newest first; with `decided`, only
   * its reviewers' decisions (certify, revoke, reduce), the latest first:
   * `{ decided: true, limit: 1 }` is its last certification.
   */
  listIdentityCertifications(query: {
    entityRef: string;
    decided?: boolean;
    limit?: number;
  }): Promise<NhiPage<NhiCampaignItemHistory>>;
  /** One file of a campaign's evidence. */
  downloadCampaignExport(
    campaignId: string,
    file: NhiCampaignExportFile,
  ): Promise<Blob>;
  /** Identities the unowned-identity policy tracks; `pastGrace` lists those for deactivation. */
  listUnownedIdentities(query?: {
    pastGrace?: boolean;
    limit?: number;
    cursor?: string;
  }): Promise<NhiPage<NhiUnownedIdentity>>;
}

/**
 * The HTTP client of {@link NhiCampaignsApi}. Throws `ResponseError` (with
 * the backend's message) on any non-2xx answer.
 *
 * @public
 */
export class NhiCampaignsClient implements NhiCampaignsApi {
  constructor(private readonly options: NhiClientOptions) {}

  private fetch(path: string, init?: NhiRequestInit): Promise<Response> {
    return nhiFetch(this.options, 'nhi', path, init);
  }

  private async call<T>(path: string, init?: NhiRequestInit): Promise<T> {
    return (await this.fetch(path, init)).json();
  }

  private campaign(id: string) {
    return `/campaigns/${encodeURIComponent(id)}`;
  }

  listCampaigns(
    q: { status?: NhiCampaignStatus; limit?: number; cursor?: string } = {},
  ) {
    return this.call<NhiPage<NhiCampaign>>(`/campaigns${queryString(q)}`);
  }

  getCampaign(id: string) {
    return this.call<NhiCampaignDetail>(this.campaign(id));
  }

  createCampaign(request: NhiCreateCampaignRequest) {
    return this.call<NhiCampaign>('/campaigns', {
      method: 'POST',
      body: request,
    });
  }

  closeCampaign(id: string) {
    return this.call<NhiCampaign>(`${this.campaign(id)}/close`, {
      method: 'POST',
    });
  }

  listCampaignItems(campaignId: string, q: NhiCampaignItemsQuery = {}) {
    return this.call<NhiPage<NhiCampaignItem>>(
      `${this.campaign(campaignId)}/items${queryString(q)}`,
    );
  }

  decideCampaignItem(
    campaignId: string,
    itemId: string,
    body: { decision: NhiCampaignDecision; note?: string; replaces?: number },
  ) {
    return this.call<NhiCampaignItem>(
      `${this.campaign(campaignId)}/items/${encodeURIComponent(
        itemId,
      )}/decision`,
      { method: 'POST', body },
    );
  }

  decideCampaignItems(
    campaignId: string,
    body: { itemIds: string[]; decision: NhiCampaignDecision; note?: string },
  ) {
    return this.call<NhiCampaignBulkResult>(
      `${this.campaign(campaignId)}/decisions`,
      { method: 'POST', body },
    );
  }

  reassignCampaignItems(
    campaignId: string,
    body: { itemIds: string[]; to: string; reason: string },
  ) {
    return this.call<NhiCampaignBulkResult>(
      `${this.campaign(campaignId)}/reassign`,
      { method: 'POST', body },
    );
  }

  listWaitingReviews(q: { group?: string } = {}) {
    return this.call<{ items: NhiCampaignWaiting[] }>(
      `/campaigns/waiting${queryString(q)}`,
    );
  }

  listIdentityCertifications(q: {
    entityRef: string;
    decided?: boolean;
    limit?: number;
  }) {
    return this.call<NhiPage<NhiCampaignItemHistory>>(
      `/campaigns/history${queryString(q)}`,
    );
  }

  async downloadCampaignExport(
    campaignId: string,
    file: NhiCampaignExportFile,
  ) {
    const response = await this.fetch(
      `${this.campaign(campaignId)}/export/${file}`,
    );
    return response.blob();
  }

  listUnownedIdentities(
    q: { pastGrace?: boolean; limit?: number; cursor?: string } = {},
  ) {
    return this.call<NhiPage<NhiUnownedIdentity>>(`/unowned${queryString(q)}`);
  }
}
