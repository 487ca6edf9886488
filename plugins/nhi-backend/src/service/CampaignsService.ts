import {
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { PermissionRuleset } from '@backstage/plugin-permission-node';
import {
  DAY,
  NHI_RULES,
  NhiCampaign,
  NhiCampaignBulkResult,
  NhiCampaignDecision,
  NhiCampaignDetail,
  NhiCampaignExportFile,
  NhiCampaignItem,
  NhiCampaignItemHistory,
  NhiCampaignStatus,
  NhiCampaignWaiting,
  NhiCreateCampaignRequest,
  NhiEvaluationPolicy,
  NhiInventoryFilters,
  NhiUnownedIdentity,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiCampaignsConfig, NhiClaimsConfig } from '../config';
import {
  CampaignsStore,
  ItemChanges,
  NewCampaignItem,
  OpenRemediation,
  PendingAssignment,
} from '../database/CampaignsStore';
import { ClaimsStore, PageOfRows, PageRequest } from '../database/ClaimsStore';
import {
  Caller,
  CampaignConflicts,
  ClaimsAuthorizer,
  FeedReader,
  NhiAction,
} from '../permissions/ClaimsAuthorizer';
import {
  NhiCampaignItemQuery,
  NhiCampaignItemResource,
  NhiClaimQuery,
  NhiClaimResource,
} from '../permissions/rules';
import { CampaignNoticeKind, CampaignsNotifier } from './CampaignsNotifier';
import { CatalogDirectory } from './CatalogDirectory';
import { buildEvidence, EvidenceFile } from './evidence';
import { InventoryIdentity, InventoryRead } from './InventoryReader';

/** Reads the identities of a scope from the inventory. */
export interface ScopeReader {
  read(filterSets: NhiInventoryFilters[], max?: number): Promise<InventoryRead>;
}

/** What {@link CampaignsService} works with. */
export interface CampaignsServiceOptions {
  store: CampaignsStore;
  claims: ClaimsStore;
  inventory: ScopeReader;
  catalog: CatalogService;
  auth: AuthService;
  permissions: PermissionsService;
  /** The rules of `nhi-claim` (the authorizer decides claims too). */
  reviewRuleset: PermissionRuleset<NhiClaimResource, NhiClaimQuery>;
  /** The rules of `nhi-campaign-item` from the permissions registry. */
  campaignRuleset: PermissionRuleset<
    NhiCampaignItemResource,
    NhiCampaignItemQuery
  >;
  notifications?: NotificationService;
  logger: LoggerService;
  config: NhiCampaignsConfig;
  claimsConfig: NhiClaimsConfig;
  /** The evaluation policy: its `unownedGraceDays`. */
  policy: Pick<NhiEvaluationPolicy, 'unownedGraceDays'>;
}

/** Filters of {@link CampaignsService.listItems}. */
export interface CampaignItemsFilter {
  statuses?: Array<
    'pending' | 'certify' | 'revoke' | 'reduce' | 'not-reviewed'
  >;
  decided?: boolean;
  toReview: boolean;
  owner?: string | null;
  q?: string;
}

/**
 * Rules with a finding that a reduction of permissions makes go away: the
 * catalog's rules mapped to OWASP NHI5 (overprivileged).
 */
const PERMISSION_RULES = new Set(
  NHI_RULES.filter(r => r.owasp === 'NHI5').map(r => r.id),
);

/** The actor the scheduler starts a recurring campaign as. */
export const RECURRENCE_ACTOR = 'nhi-backend:recurrence';

const day = (time: number | string) =>
  new Date(time).toISOString().slice(0, 10);

/** The same moment `months` calendar months later (the last day of a shorter month). */
export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  const dayOfMonth = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0),
  ).getUTCDate();
  d.setUTCDate(Math.min(dayOfMonth, last));
  return d;
}

/**
 * Access reviews of non-human identities: starting a campaign freezes its
 * scope (read from the inventory as this plugin) into items with their
 * reviewers; reviewers certify, revoke or reduce, one at a time or in bulk,
 * or hand an item on; closing makes the decisions final; reminders and
 * escalation run on the scheduler, as do recurrences and the check of
 * remediations against the catalog. Also the unowned-identity policy: since
 * when each identity has been unowned, the notices to its suggested owners
 * and the list for deactivation. Who may do what is the
 * {@link ClaimsAuthorizer}'s; the {@link CampaignsStore} is its own.
 */
export class CampaignsService {
  private readonly authorizer: ClaimsAuthorizer;
  private readonly directory: CatalogDirectory;
  private readonly notifier: CampaignsNotifier;

  constructor(private readonly options: CampaignsServiceOptions) {
    this.directory = new CatalogDirectory(options.catalog, options.auth);
    this.authorizer = ClaimsAuthorizer.create({
      config: options.claimsConfig,
      permissions: options.permissions,
      auth: options.auth,
      directory: this.directory,
      reviewRuleset: options.reviewRuleset,
      campaignRuleset: options.campaignRuleset,
    });
    this.notifier = new CampaignsNotifier({
      notifications: options.notifications,
      logger: options.logger,
    });
  }

  /** The user asking to do `action`, let through its permission; a 403 otherwise. */
  caller<A extends NhiAction>(
    credentials: BackstageCredentials,
    action: A,
  ): Promise<Caller<A>> {
    return this.authorizer.caller(credentials, action);
  }

  /** A backend service or a user allowed to read the pipeline's feeds. */
  feedReader(credentials: BackstageCredentials): Promise<FeedReader> {
    return this.authorizer.feedReader(credentials);
  }

  /** Campaign items as permission rules see them, for the permissions registry. */
  async itemResources(
    ids: string[],
  ): Promise<Array<NhiCampaignItemResource | undefined>> {
    return Promise.all(
      ids.map(async id => {
        const item = await this.options.store.findItem(id);
        const campaign =
          item && (await this.options.store.getCampaign(item.campaignId));
        return item && campaign ? this.resource(item, campaign) : undefined;
      }),
    );
  }

  private async resource(
    item: Omit<NhiCampaignItem, 'reviewers'>,
    campaign: NhiCampaign,
    caller?: Caller,
  ): Promise<NhiCampaignItemResource> {
    return {
      ...item,
      reviewers: await this.authorizer.itemReviewers(item, campaign, caller),
      campaignStatus: campaign.status,
    };
  }

  private async mustGetCampaign(id: string): Promise<NhiCampaign> {
    const campaign = await this.options.store.getCampaign(id);
    if (!campaign) throw new NotFoundError(`no campaign ${id}`);
    return campaign;
  }

  /**
   * Starts a campaign: reads the scope from the inventory, freezes every
   * identity in it with its state and reviewer (the owner, or the fallback
   * group for an unowned one) and notifies the reviewers. Refused (400): a
   * due date that is not in the future, a scope larger than `maxItems`, an
   * empty scope.
   */
  async createCampaign(
    caller: Caller<'campaign.manage'>,
    request: NhiCreateCampaignRequest & { dueAt: string },
  ): Promise<NhiCampaign> {
    const now = new Date();
    const dueAt = new Date(request.dueAt);
    if (dueAt.getTime() <= now.getTime()) {
      throw new InputError('dueAt must be in the future');
    }
    return this.start(
      {
        ...request,
        dueAt,
        createdBy: caller.userRef,
      },
      now,
    );
  }

  private async start(
    request: Omit<NhiCreateCampaignRequest, 'dueAt'> & {
      dueAt: Date;
      createdBy: string;
      series?: { id: string; sequence: number };
    },
    now: Date,
  ): Promise<NhiCampaign> {
    const { config, store, inventory, logger } = this.options;
    const read = await inventory.read(request.scope, config.maxItems);
    if (!read.items.length) {
      throw new InputError(
        'no identity matches the scope: there is nothing to review',
      );
    }
    const fallbackGroup = config.fallbackGroup;
    const items = read.items.map(i => toNewItem(i, fallbackGroup));
    const campaign = await store.createCampaign(
      {
        name: request.name,
        description: request.description,
        scope: request.scope,
        reviewerRule: request.reviewerRule ?? 'leads',
        fallbackGroup,
        dueAt: request.dueAt,
        reminderEveryDays:
          request.reminderEveryDays ?? config.reminderEveryDays,
        dueSoonDays: request.dueSoonDays ?? config.dueSoonDays,
        endAction: request.endAction ?? 'not-reviewed',
        recurrenceMonths: request.recurrenceMonths,
        nextStartAt: request.recurrenceMonths
          ? addMonths(now, request.recurrenceMonths)
          : undefined,
        snapshotAt: now,
        snapshotNote: read.note,
        createdBy: request.createdBy,
        series: request.series,
      },
      items,
      now,
    );
    logger.info(
      `NHI campaign ${campaign.id} "${campaign.name}" started by ${
        request.createdBy
      }: ${items.length} identities, due ${day(campaign.dueAt)}`,
    );
    await this.notify(campaign, 'started', '1', now);
    return campaign;
  }

  /** Campaigns, newest first. */
  listCampaigns(
    _caller: Caller<'campaign.read'>,
    filter: { status?: NhiCampaignStatus },
    page: PageRequest,
  ): Promise<PageOfRows<NhiCampaign>> {
    return this.options.store.listCampaigns(filter, page);
  }

  /** A campaign with its progress per owner, and whether the caller manages it. */
  async getCampaign(
    caller: Caller<'campaign.read'>,
    id: string,
  ): Promise<NhiCampaignDetail> {
    const campaign = await this.mustGetCampaign(id);
    return {
      ...campaign,
      teams: await this.options.store.teamProgress(id),
      manage: await this.authorizer.mayManageCampaigns(caller),
    };
  }

  /** Closes a campaign: decisions become final; undecided items get its end action. */
  async closeCampaign(
    caller: Caller<'campaign.manage'>,
    id: string,
  ): Promise<NhiCampaign> {
    const campaign = await this.mustGetCampaign(id);
    const closed = await this.options.store.close({
      id: campaign.id,
      by: caller.userRef,
    });
    this.options.logger.info(
      `NHI campaign ${id} "${campaign.name}" closed by ${caller.userRef}`,
    );
    return closed;
  }

  /**
   * Who created or claimed these identities, when it is the caller: one
   * catalog read (as this plugin) and one claims query for the lot.
   */
  private async conflicts(
    caller: Caller,
    entityRefs: string[],
  ): Promise<CampaignConflicts> {
    const created = new Set<string>();
    const me = caller.userRef.toLowerCase();
    const credentials = await this.options.auth.getOwnServiceCredentials();
    for (let i = 0; i < entityRefs.length; i += 1000) {
      const chunk = entityRefs.slice(i, i + 1000);
      const { items } = await this.options.catalog.getEntitiesByRefs(
        {
          entityRefs: chunk,
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'spec.createdBy',
          ],
        },
        { credentials },
      );
      items.forEach((entity, j) => {
        const creation = (entity?.spec as { createdBy?: any } | undefined)
          ?.createdBy;
        const creators = [creation?.ref, creation?.agent?.onBehalfOf]
          .filter((r): r is string => typeof r === 'string')
          .map(r => r.toLowerCase());
        if (creators.includes(me)) created.add(chunk[j].toLowerCase());
      });
    }
    const claimed = await this.options.claims.claimedBy(
      caller.userRef,
      entityRefs,
    );
    return { created, claimed };
  }

  /** Items with who reviews them and, while active, whether the caller may decide each. */
  private async annotate(
    caller: Caller,
    campaign: NhiCampaign,
    items: Array<Omit<NhiCampaignItem, 'reviewers'>>,
  ): Promise<NhiCampaignItem[]> {
    const resources = await Promise.all(
      items.map(i => this.resource(i, campaign, caller)),
    );
    if (campaign.status !== 'active') {
      return resources.map(({ campaignStatus: _s, ...r }) => ({
        ...r,
        review: {
          allowed: false,
          reason: 'the campaign is closed: its decisions are final',
        },
      }));
    }
    const mine = resources.filter(r =>
      this.authorizer.isOneOf(caller, r.reviewers),
    );
    const conflicts = mine.length
      ? await this.conflicts(
          caller,
          mine.map(r => r.entityRef),
        )
      : { created: new Set<string>(), claimed: new Set<string>() };
    return Promise.all(
      resources.map(async ({ campaignStatus: _s, ...r }) => ({
        ...r,
        review: await this.authorizer.campaignItemReview(
          { ...r, campaignStatus: campaign.status },
          caller,
          conflicts,
        ),
      })),
    );
  }

  /** A page of a campaign's items, the riskiest first. */
  async listItems(
    caller: Caller<'campaign.read'>,
    campaignId: string,
    filter: CampaignItemsFilter,
    page: PageRequest,
  ): Promise<PageOfRows<NhiCampaignItem>> {
    const campaign = await this.mustGetCampaign(campaignId);
    const toReview = filter.toReview && campaign.status === 'active';
    if (filter.toReview && !toReview) return { items: [], totalCount: 0 };
    const result = await this.options.store.listItems(
      campaign.id,
      {
        statuses: toReview ? ['pending'] : filter.statuses,
        decided: filter.decided,
        owner: filter.owner,
        q: filter.q,
        reviewerScope: toReview
          ? await this.authorizer.reviewerScope(caller, campaign)
          : undefined,
      },
      page,
    );
    return {
      items: await this.annotate(caller, campaign, result.items),
      totalCount: result.totalCount,
    };
  }

  /**
   * Decides one item: certify, or revoke / reduce with a note. `replaces`
   * is the item's `decisionSeq` when changing a decision. A 403 saying why
   * unless the caller may decide it; a 409 when someone else decided it
   * first (or meanwhile), when it is decided already and `replaces` is not
   * given, or when the campaign is closed.
   */
  async decideItem(
    caller: Caller<'campaign.decide'>,
    campaignId: string,
    itemId: string,
    body: { decision: NhiCampaignDecision; note?: string; replaces?: number },
  ): Promise<NhiCampaignItem> {
    assertNote(body.decision, body.note);
    const campaign = await this.mustGetCampaign(campaignId);
    const [item] = await this.options.store.getItems(campaign.id, [itemId]);
    if (!item) throw new NotFoundError(`no item ${itemId} in this campaign`);
    const resource = await this.resource(item, campaign, caller);
    const review = await this.authorizer.campaignItemReview(
      resource,
      caller,
      await this.conflicts(caller, [item.entityRef]),
    );
    if (!review.allowed) {
      if (campaign.status !== 'active') {
        throw new ConflictError(
          `campaign "${campaign.name}" is closed: its decisions are final`,
        );
      }
      throw new NotAllowedError(
        `you cannot decide this item: ${review.reason}`,
      );
    }
    if (item.decisionSeq > 0 && body.replaces === undefined) {
      throw new ConflictError(
        `${item.title} was decided already by ${item.decidedBy} (${item.decision}); to change that, send replaces: ${item.decisionSeq}`,
      );
    }
    const result = await this.options.store.decide({
      campaignId: campaign.id,
      items: [{ itemId: item.id, expectedSeq: body.replaces ?? 0 }],
      decision: body.decision,
      note: body.note,
      by: caller.userRef,
    });
    if (result.refused.length) {
      const [refusal] = result.refused;
      throw refusal.status === 404
        ? new NotFoundError(refusal.reason)
        : new ConflictError(refusal.reason);
    }
    const [decided] = result.done;
    return {
      ...decided,
      reviewers: resource.reviewers,
      review: { allowed: true },
    };
  }

  /**
   * Decides undecided items at once (at most 500): each the caller may
   * not decide, or that is decided already (or meanwhile), is refused with
   * its reason; the others stand.
   */
  async decideItems(
    caller: Caller<'campaign.decide'>,
    campaignId: string,
    body: { itemIds: string[]; decision: NhiCampaignDecision; note?: string },
  ): Promise<NhiCampaignBulkResult> {
    assertNote(body.decision, body.note);
    const campaign = await this.mustGetCampaign(campaignId);
    if (campaign.status !== 'active') {
      throw new ConflictError(
        `campaign "${campaign.name}" is closed: its decisions are final`,
      );
    }
    const ids = [...new Set(body.itemIds)];
    const items = await this.options.store.getItems(campaign.id, ids);
    const annotated = await this.annotate(caller, campaign, items);
    const refused: ItemChanges['refused'] = [];
    const allowed: string[] = [];
    const found = new Map(annotated.map(i => [i.id, i]));
    for (const id of ids) {
      const item = found.get(id);
      if (!item) {
        refused.push({
          itemId: id,
          status: 404,
          reason: `no item ${id} in this campaign`,
        });
      } else if (!item.review?.allowed) {
        refused.push({
          itemId: id,
          status: 403,
          reason: `you cannot decide ${item.title}: ${item.review?.reason}`,
        });
      } else if (item.decisionSeq > 0) {
        refused.push({
          itemId: id,
          status: 409,
          reason: `${item.title} was decided already by ${item.decidedBy} (${item.decision})`,
        });
      } else {
        allowed.push(id);
      }
    }
    const result = allowed.length
      ? await this.options.store.decide({
          campaignId: campaign.id,
          items: allowed.map(itemId => ({ itemId, expectedSeq: 0 })),
          decision: body.decision,
          note: body.note,
          by: caller.userRef,
        })
      : { done: [], refused: [] };
    return {
      done: result.done.map(d => ({
        ...d,
        reviewers: found.get(d.id)?.reviewers ?? [],
        review: { allowed: true },
      })),
      refused: [...refused, ...result.refused],
    };
  }

  /**
   * Hands undecided items on to a user or a group, with the reason: their
   * reviewers delegate, campaign managers reassign. The target must be in
   * the catalog and not the caller.
   */
  async reassignItems(
    caller: Caller<'campaign.read'>,
    campaignId: string,
    body: { itemIds: string[]; to: string; reason: string },
  ): Promise<NhiCampaignBulkResult> {
    const campaign = await this.mustGetCampaign(campaignId);
    if (campaign.status !== 'active') {
      throw new ConflictError(
        `campaign "${campaign.name}" is closed: its decisions are final`,
      );
    }
    if (body.to.toLowerCase() === caller.userRef.toLowerCase()) {
      throw new InputError('to must be someone else than you');
    }
    const target = await this.options.catalog.getEntityByRef(body.to, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    if (!target || !['user', 'group'].includes(target.kind.toLowerCase())) {
      throw new InputError(`to: there is no user or group ${body.to}`);
    }
    const ids = [...new Set(body.itemIds)];
    const items = await this.options.store.getItems(campaign.id, ids);
    const found = new Map(items.map(i => [i.id, i]));
    const refused: ItemChanges['refused'] = [];
    const allowed: string[] = [];
    for (const id of ids) {
      const item = found.get(id);
      if (!item) {
        refused.push({
          itemId: id,
          status: 404,
          reason: `no item ${id} in this campaign`,
        });
        continue;
      }
      const decision = await this.authorizer.campaignItemDelegation(
        await this.resource(item, campaign, caller),
        caller,
      );
      if (!decision.allowed) {
        refused.push({
          itemId: id,
          status: 403,
          reason: `you cannot hand ${item.title} on: ${decision.reason}`,
        });
      } else {
        allowed.push(id);
      }
    }
    if (!allowed.length && refused.every(r => r.status === 403)) {
      throw new NotAllowedError(
        refused[0]?.reason ?? 'you cannot hand these items on',
      );
    }
    const result = allowed.length
      ? await this.options.store.reassign({
          campaignId: campaign.id,
          itemIds: allowed,
          to: body.to,
          reason: body.reason,
          by: caller.userRef,
        })
      : { done: [], refused: [] };
    return {
      done: await Promise.all(
        result.done.map(async d => ({
          ...d,
          reviewers: await this.authorizer.itemReviewers(d, campaign, caller),
        })),
      ),
      refused: [...refused, ...result.refused],
    };
  }

  /**
   * Active campaigns with items waiting: for the caller (what they may
   * decide), or for a group (its identities not decided yet).
   */
  async waiting(
    caller: Caller<'campaign.read'>,
    filter: { group?: string },
  ): Promise<NhiCampaignWaiting[]> {
    const result: NhiCampaignWaiting[] = [];
    for (const campaign of await this.options.store.activeCampaigns()) {
      const count = await this.options.store.pendingCount(
        campaign.id,
        filter.group
          ? { owner: filter.group }
          : {
              reviewerScope: await this.authorizer.reviewerScope(
                caller,
                campaign,
              ),
            },
      );
      if (count) {
        result.push({
          campaignId: campaign.id,
          campaignName: campaign.name,
          dueAt: campaign.dueAt,
          overdue: campaign.overdue,
          count,
        });
      }
    }
    return result;
  }

  /**
   * The campaigns an identity was in, newest first; with `decided`, only
   * its reviewers' decisions, the latest first (its last certification).
   */
  async history(
    caller: Caller<'campaign.read'>,
    entityRef: string,
    page: PageRequest,
    filter: { decided?: boolean } = {},
  ): Promise<PageOfRows<NhiCampaignItemHistory>> {
    const result = await this.options.store.identityHistory(
      entityRef,
      page,
      filter,
    );
    const campaigns = new Map<string, NhiCampaign>();
    const items = await Promise.all(
      result.items.map(async item => {
        let campaign = campaigns.get(item.campaignId);
        if (!campaign) {
          campaign = await this.mustGetCampaign(item.campaignId);
          campaigns.set(campaign.id, campaign);
        }
        return {
          ...item,
          reviewers: await this.authorizer.itemReviewers(
            item,
            campaign,
            caller,
          ),
        };
      }),
    );
    return { items, totalCount: result.totalCount };
  }

  /** One file of a campaign's evidence. */
  async exportFile(
    caller: Caller<'campaign.read'>,
    id: string,
    file: NhiCampaignExportFile,
  ): Promise<EvidenceFile> {
    const campaign = await this.mustGetCampaign(id);
    const { store } = this.options;
    const [teams, items, history] = await Promise.all([
      store.teamProgress(id),
      store.allItems(id),
      store.decisionHistory(id),
    ]);
    const files = buildEvidence({
      campaign,
      teams,
      items,
      history,
      generatedAt: new Date(),
      generatedBy: caller.userRef,
    });
    return files.get(file)!;
  }

  /**
   * Identities the unowned-identity policy tracks, longest unowned first;
   * `pastGrace` lists those past the grace period (for deactivation).
   */
  async unowned(
    _reader: FeedReader | Caller<'campaign.read'>,
    filter: { pastGrace: boolean },
    page: PageRequest,
    now = Date.now(),
  ): Promise<PageOfRows<NhiUnownedIdentity>> {
    const grace = this.options.policy.unownedGraceDays * DAY;
    const result = await this.options.store.listUnowned(
      filter.pastGrace ? { sinceBefore: new Date(now - grace) } : {},
      page,
    );
    return {
      items: result.items.map(r => {
        const graceEnds = Date.parse(r.since) + grace;
        return {
          entityRef: r.entityRef,
          since: r.since,
          graceEndsAt: new Date(graceEnds).toISOString(),
          pastGrace: graceEnds <= now,
          ...(r.suggestedOwners.length
            ? { suggestedOwners: r.suggestedOwners }
            : {}),
        };
      }),
      totalCount: result.totalCount,
    };
  }

  /** Who is told about items assigned as `assignment` (before escalation). */
  private async recipientsOf(
    assignment: PendingAssignment,
    campaign: NhiCampaign,
  ): Promise<string[]> {
    if (
      assignment.reviewerKind === 'owner' &&
      assignment.reviewer.startsWith('group:') &&
      campaign.reviewerRule === 'leads'
    ) {
      const leads = await this.directory.leadsOfGroup(assignment.reviewer);
      if (leads.length) return leads;
    }
    return [assignment.reviewer];
  }

  /**
   * Sends one kind of notice about a campaign to everyone with undecided
   * items, once per `period` each (whichever replica runs it).
   */
  private async notify(
    campaign: NhiCampaign,
    kind: CampaignNoticeKind,
    period: string,
    now: Date,
    pending?: PendingAssignment[],
  ) {
    if (!this.notifier.enabled) return;
    const assignments =
      pending ?? (await this.options.store.pendingAssignments(campaign.id));
    const counts = new Map<string, number>();
    for (const a of assignments) {
      for (const r of await this.recipientsOf(a, campaign)) {
        counts.set(r, (counts.get(r) ?? 0) + a.count);
      }
    }
    await this.send(campaign, kind, period, now, counts);
  }

  private async send(
    campaign: NhiCampaign,
    kind: CampaignNoticeKind,
    period: string,
    now: Date,
    counts: Map<string, number>,
  ) {
    for (const [recipient, count] of counts) {
      const first = await this.options.store.recordNotice({
        subject: campaign.id,
        kind,
        recipient,
        period,
        now,
      });
      if (first) await this.notifier.campaign(kind, campaign, recipient, count);
    }
  }

  /**
   * Reminders and escalation of one active campaign at `now`: a reminder
   * every `reminderEveryDays` since it started, one `dueSoonDays` before
   * the due date, then daily while overdue; once overdue its undecided
   * items escalate to the owner team's leads, and after
   * `escalateToFallbackAfterDays` to the fallback group, each told once.
   */
  async remind(campaign: NhiCampaign, now: Date) {
    const { store, config } = this.options;
    const pending = await store.pendingAssignments(campaign.id);
    if (!pending.length) return;
    const t = now.getTime();
    const due = Date.parse(campaign.dueAt);
    if (t < due) {
      if (campaign.reminderEveryDays > 0) {
        const n = Math.floor(
          (t - Date.parse(campaign.snapshotAt)) /
            (campaign.reminderEveryDays * DAY),
        );
        if (n >= 1)
          await this.notify(campaign, 'reminder', String(n), now, pending);
      }
      if (campaign.dueSoonDays > 0 && t >= due - campaign.dueSoonDays * DAY) {
        await this.notify(campaign, 'due-soon', '1', now, pending);
      }
      return;
    }
    await this.notify(campaign, 'overdue', day(t), now, pending);
    if (await store.escalate(campaign.id, 1)) {
      this.options.logger.info(
        `NHI campaign ${campaign.id}: overdue items escalated to the owner teams' leads`,
      );
    }
    const leads = new Map<string, number>();
    for (const a of pending) {
      if (!a.owner?.startsWith('group:')) continue;
      for (const lead of await this.directory.leadsOfGroup(a.owner)) {
        leads.set(lead, (leads.get(lead) ?? 0) + a.count);
      }
    }
    if (this.notifier.enabled)
      await this.send(campaign, 'escalated', '1', now, leads);
    if (t >= due + config.escalateToFallbackAfterDays * DAY) {
      await store.escalate(campaign.id, 2);
      if (this.notifier.enabled) {
        const total = pending.reduce((n, a) => n + a.count, 0);
        await this.send(
          campaign,
          'escalated',
          '2',
          now,
          new Map([[campaign.fallbackGroup, total]]),
        );
      }
    }
  }

  /**
   * Starts the next campaign of a recurring series: the same scope and
   * settings, read from the inventory now, due as long after its start as
   * the previous one was.
   */
  async startNext(
    previous: NhiCampaign,
    now: Date,
  ): Promise<NhiCampaign | undefined> {
    const { store, logger } = this.options;
    const duration =
      Date.parse(previous.dueAt) - Date.parse(previous.snapshotAt);
    try {
      const next = await this.start(
        {
          name: previous.name,
          description: previous.description,
          scope: previous.scope,
          reviewerRule: previous.reviewerRule,
          dueAt: new Date(now.getTime() + Math.max(duration, DAY)),
          reminderEveryDays: previous.reminderEveryDays,
          dueSoonDays: previous.dueSoonDays,
          endAction: previous.endAction,
          recurrenceMonths: previous.recurrenceMonths,
          createdBy: RECURRENCE_ACTOR,
          series: { id: previous.seriesId, sequence: previous.sequence + 1 },
        },
        now,
      );
      await store.clearNextStart(previous.id);
      return next;
    } catch (e) {
      if ((e as Error).name === 'ConflictError') {
        // another replica started it
        await store.clearNextStart(previous.id);
        return undefined;
      }
      logger.warn(
        `NHI campaign series ${previous.seriesId}: step ${
          previous.sequence + 1
        } not started, tried again on the next check: ${e}`,
      );
      return undefined;
    }
  }

  /**
   * Looks at the identities of open remediations in the catalog (as this
   * plugin, 500 at a time) and closes those whose source shows the change:
   * gone from the catalog; for a revocation, every credential inactive; for
   * a reduction, a permission finding (OWASP NHI5) it had is gone, or its
   * risk score fell.
   */
  async checkRemediations(now: Date, limit = 2000): Promise<number> {
    const { store, catalog, auth } = this.options;
    const open = await store.openRemediations(limit);
    const credentials = await auth.getOwnServiceCredentials();
    let done = 0;
    for (let i = 0; i < open.length; i += 500) {
      const chunk = open.slice(i, i + 500);
      const { items } = await catalog.getEntitiesByRefs(
        {
          entityRefs: chunk.map(r => r.entityRef),
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'spec.risk',
            'spec.rotation',
          ],
        },
        { credentials },
      );
      for (let j = 0; j < chunk.length; j++) {
        const verdict = remediationVerdict(chunk[j], items[j]?.spec as any);
        if (
          await store.updateRemediation({
            itemId: chunk[j].itemId,
            done: verdict.done,
            evidence: verdict.evidence,
            now,
          })
        ) {
          if (verdict.done) done++;
        }
      }
    }
    return done;
  }

  /**
   * The scheduled check: recurring campaigns whose next step is due,
   * reminders and escalation of the active ones, and open remediations.
   * One failing campaign does not stop the others.
   */
  async tick(now = new Date()) {
    const { store, logger } = this.options;
    for (const previous of await store.recurrencesDue(now)) {
      await this.startNext(previous, now);
    }
    for (const campaign of await store.activeCampaigns(now.getTime())) {
      try {
        await this.remind(campaign, now);
      } catch (e) {
        logger.warn(`NHI campaign ${campaign.id}: reminders failed: ${e}`);
      }
    }
    try {
      const done = await this.checkRemediations(now);
      if (done) logger.info(`NHI campaigns: ${done} remediations done`);
    } catch (e) {
      logger.warn(`NHI campaigns: remediations not checked: ${e}`);
    }
  }

  /**
   * The unowned-identity policy's scheduled sweep: reads the unowned
   * identities from the inventory, records since when each is unowned
   * (forgetting those owned again, once the inventory answered whole), and
   * notifies suggested owners on the configured days.
   */
  async sweepUnowned(
    now = new Date(),
  ): Promise<{ seen: number; forgotten: number }> {
    const { store, inventory, logger } = this.options;
    const read = await inventory.read([{ owner: 'unowned' }]);
    await store.recordUnowned(
      read.items.map(i => ({
        entityRef: i.entityRef,
        suggestedOwners: i.spec.ownership?.suggestedOwners ?? [],
      })),
      now,
    );
    // an incomplete read (a source still reading) must not restart the clock
    const forgotten = read.note
      ? 0
      : await store.forgetUnownedNotSeenSince(now);
    if (read.note) {
      logger.info(
        `NHI unowned identities: ${read.note}; none forgotten this time`,
      );
    }
    await this.notifyUnowned(now);
    return { seen: read.items.length, forgotten };
  }

  /**
   * Notifies suggested owners of identities that reached a notification
   * day, one notice per owner and day; an identity that passed several
   * days since the last sweep is told about the latest only.
   */
  async notifyUnowned(now: Date) {
    const { store, config, policy } = this.options;
    const days = config.unownedNotifyDays;
    for (let stage = days.length - 1; stage >= 0; stage--) {
      const rows = await store.unownedToNotify(
        stage,
        new Date(now.getTime() - days[stage] * DAY),
      );
      if (!rows.length) continue;
      const byOwner = new Map<string, { count: number; graceEnds: number }>();
      for (const r of rows) {
        const graceEnds = Date.parse(r.since) + policy.unownedGraceDays * DAY;
        for (const owner of r.suggestedOwners) {
          const entry = byOwner.get(owner) ?? { count: 0, graceEnds };
          entry.count++;
          entry.graceEnds = Math.min(entry.graceEnds, graceEnds);
          byOwner.set(owner, entry);
        }
      }
      for (const [owner, { count, graceEnds }] of byOwner) {
        await this.notifier.unowned(
          owner,
          count,
          days[stage],
          policy.unownedGraceDays,
          new Date(graceEnds).toISOString(),
        );
      }
      await store.markUnownedNotified(
        rows.map(r => r.entityRef),
        stage,
      );
    }
  }
}

/** A note is required to revoke or reduce. */
function assertNote(decision: NhiCampaignDecision, note: string | undefined) {
  if (decision !== 'certify' && !note) {
    throw new InputError(
      `note is required to ${decision}: say what is to change and why`,
    );
  }
}

/** An identity of the inventory as an item of a new campaign. */
function toNewItem(
  identity: InventoryIdentity,
  fallbackGroup: string,
): NewCampaignItem {
  const { spec, metadata } = identity;
  const owner = spec.owner;
  return {
    entityRef: identity.entityRef,
    title: metadata.title ?? metadata.name,
    type: spec.type,
    category: spec.category,
    provider: spec.provider,
    account: spec.account,
    externalId: spec.externalId,
    owner,
    ownershipProvenance: spec.ownership?.provenance ?? 'none',
    riskLevel: spec.risk?.level,
    riskScore: spec.risk?.score,
    ruleIds: (spec.risk?.findings ?? []).map(f => f.ruleId),
    rotationStatus: spec.rotation?.status,
    reviewer: owner ?? fallbackGroup,
    reviewerKind: owner ? 'owner' : 'fallback',
  };
}

/** Whether the catalog shows an open remediation done, and what it shows. */
export function remediationVerdict(
  remediation: OpenRemediation,
  spec:
    | {
        risk?: { score?: number; findings?: Array<{ ruleId: string }> };
        rotation?: { status?: string };
      }
    | undefined,
): { done: boolean; evidence: string } {
  if (!spec) {
    return {
      done: true,
      evidence: 'no longer in the catalog: its source no longer reports it',
    };
  }
  if (remediation.action === 'revoke') {
    if (spec.rotation?.status === 'inactive') {
      return {
        done: true,
        evidence: 'its source shows every credential inactive',
      };
    }
    return {
      done: false,
      evidence: 'its source still reports it, usable',
    };
  }
  const now = new Set((spec.risk?.findings ?? []).map(f => f.ruleId));
  const gone = remediation.ruleIds.filter(
    r => PERMISSION_RULES.has(r) && !now.has(r),
  );
  if (gone.length) {
    return {
      done: true,
      evidence: `its source no longer shows ${gone.join(', ')}`,
    };
  }
  if (
    remediation.riskScore !== undefined &&
    spec.risk?.score !== undefined &&
    spec.risk.score < remediation.riskScore
  ) {
    return {
      done: true,
      evidence: `its risk score fell from ${remediation.riskScore} to ${spec.risk.score}`,
    };
  }
  return {
    done: false,
    evidence: 'its source still shows the same permissions',
  };
}
