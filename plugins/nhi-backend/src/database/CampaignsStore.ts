import {
  DatabaseService,
  isDatabaseConflictError,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  NhiCampaign,
  NhiCampaignCounts,
  NhiCampaignDecision,
  NhiCampaignEndAction,
  NhiCampaignItem,
  NhiCampaignOutcome,
  NhiCampaignReviewerRule,
  NhiCampaignStatus,
  NhiCampaignTeamProgress,
  NhiInventoryFilters,
  NhiRemediationStatus,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { Knex } from 'knex';
import { inRetriedTransaction } from './transactions';
import { randomUUID } from 'node:crypto';
import { isRowId } from '../lib/identifiers';
import { PageOfRows, PageRequest } from './ClaimsStore';

const migrationsDir = resolvePackagePath(
  '@backstage-nhi/plugin-nhi-backend',
  'migrations',
);

type Time = Date | string | number;

type CampaignRow = {
  id: string;
  series_id: string;
  sequence: number;
  name: string;
  description: string | null;
  scope: string;
  reviewer_rule: NhiCampaignReviewerRule;
  fallback_group: string;
  due_at: Time;
  reminder_days: number;
  due_soon_days: number;
  end_action: NhiCampaignEndAction;
  recurrence_months: number | null;
  next_start_at: Time | null;
  status: NhiCampaignStatus;
  item_count: number;
  snapshot_at: Time;
  snapshot_note: string | null;
  created_by: string;
  created_at: Time;
  closed_by: string | null;
  closed_at: Time | null;
};

type ItemRow = {
  id: string;
  campaign_id: string;
  entity_ref: string;
  title: string;
  type: string;
  category: string;
  provider: string;
  account: string | null;
  external_id: string;
  owner_ref: string | null;
  ownership_provenance: string;
  risk_level: string | null;
  risk_score: number | null;
  rule_ids: string;
  rotation_status: string | null;
  reviewer_ref: string;
  reviewer_kind: NhiCampaignItem['reviewerKind'];
  escalation: number;
  decision: NhiCampaignOutcome | null;
  decision_seq: number;
  decided_by: string | null;
  decided_at: Time | null;
  note: string | null;
  delegated_from: string | null;
  delegated_by: string | null;
  delegated_at: Time | null;
  delegation_reason: string | null;
  remediation_action: 'revoke' | 'reduce' | null;
  remediation_status: NhiRemediationStatus | null;
  remediation_opened_at: Time | null;
  remediation_checked_at: Time | null;
  remediation_done_at: Time | null;
  remediation_evidence: string | null;
};

/** What a campaign is started with. */
export interface NewCampaign {
  name: string;
  description?: string;
  scope: NhiInventoryFilters[];
  reviewerRule: NhiCampaignReviewerRule;
  fallbackGroup: string;
  dueAt: Date;
  reminderEveryDays: number;
  dueSoonDays: number;
  endAction: NhiCampaignEndAction;
  recurrenceMonths?: number;
  nextStartAt?: Date;
  snapshotAt: Date;
  snapshotNote?: string;
  createdBy: string;
  /** For a campaign of a recurring series: the series and its step. */
  series?: { id: string; sequence: number };
}

/** One identity frozen into a campaign, with its reviewer. */
export interface NewCampaignItem {
  entityRef: string;
  title: string;
  type: string;
  category: string;
  provider: string;
  account?: string;
  externalId: string;
  owner?: string;
  ownershipProvenance: string;
  riskLevel?: string;
  riskScore?: number;
  ruleIds: string[];
  rotationStatus?: string;
  reviewer: string;
  reviewerKind: 'owner' | 'fallback';
}

/**
 * Which items a caller reviews in one campaign: assigned to them, to an
 * owner group they review under the campaign's rule, to a (fallback or
 * delegate) group they belong to, escalated to a group they lead, or
 * escalated to the fallback group when they are in it.
 */
export interface ReviewerScope {
  userRef: string;
  /** Owner groups whose items the caller reviews under the campaign's rule. */
  ownerGroups: string[];
  /** Every group the caller belongs to. */
  memberGroups: string[];
  /** Groups the caller leads (overdue items escalate to them). */
  ledGroups: string[];
  /** Whether the caller is in the campaign's fallback group. */
  inFallbackGroup: boolean;
}

/** Filters of {@link CampaignsStore.listItems}. */
export interface ItemFilter {
  /** `pending` for undecided, or outcomes. */
  statuses?: Array<NhiCampaignOutcome | 'pending'>;
  /** Any decided item. */
  decided?: boolean;
  reviewerScope?: ReviewerScope;
  /** `null` for unowned. */
  owner?: string | null;
  q?: string;
  ids?: string[];
}

/** A decision to record on one item. */
export interface ItemDecision {
  itemId: string;
  /** The item's `decisionSeq` the decision was made on (0: first decision). */
  expectedSeq: number;
}

/** What became of each item of a change made to several at once. */
export interface ItemChanges {
  done: NhiCampaignItem[];
  refused: Array<{ itemId: string; status: number; reason: string }>;
}

/** An item with an open remediation, for the check against the source. */
export interface OpenRemediation {
  itemId: string;
  campaignId: string;
  entityRef: string;
  action: 'revoke' | 'reduce';
  ruleIds: string[];
  riskScore?: number;
  openedAt: string;
}

/** An identity the unowned-identity policy tracks. */
export interface UnownedRow {
  entityRef: string;
  since: string;
  lastSeenAt: string;
  suggestedOwners: string[];
  notifiedStage: number;
}

/** Pending items of a campaign, by whom they are assigned to. */
export interface PendingAssignment {
  reviewer: string;
  reviewerKind: NhiCampaignItem['reviewerKind'];
  owner?: string;
  escalation: number;
  count: number;
}

/** A decision of an item's history, for the evidence. */
export interface DecisionRecord {
  itemId: string;
  seq: number;
  decision: NhiCampaignOutcome;
  note?: string;
  decidedBy: string;
  decidedAt: string;
}

const PENDING = 'pending';
/** Who decides what the end action decides when a campaign closes. */
export const CAMPAIGN_END_ACTOR = 'campaign:end';

function emptyCounts(): NhiCampaignCounts {
  return {
    total: 0,
    pending: 0,
    certify: 0,
    revoke: 0,
    reduce: 0,
    'not-reviewed': 0,
    remediationOpen: 0,
  };
}

function toCampaign(
  row: CampaignRow,
  counts: NhiCampaignCounts,
  now: number,
): NhiCampaign {
  const dueAt = toIsoTime(row.due_at)!;
  return {
    id: row.id,
    seriesId: row.series_id,
    sequence: Number(row.sequence),
    name: row.name,
    ...(row.description ? { description: row.description } : {}),
    scope: JSON.parse(row.scope),
    reviewerRule: row.reviewer_rule,
    fallbackGroup: row.fallback_group,
    dueAt,
    reminderEveryDays: Number(row.reminder_days),
    dueSoonDays: Number(row.due_soon_days),
    endAction: row.end_action,
    ...(row.recurrence_months
      ? { recurrenceMonths: Number(row.recurrence_months) }
      : {}),
    ...(row.next_start_at ? { nextStartAt: toIsoTime(row.next_start_at) } : {}),
    status: row.status,
    snapshotAt: toIsoTime(row.snapshot_at)!,
    ...(row.snapshot_note ? { snapshotNote: row.snapshot_note } : {}),
    createdBy: row.created_by,
    createdAt: toIsoTime(row.created_at)!,
    ...(row.closed_by ? { closedBy: row.closed_by } : {}),
    ...(row.closed_at ? { closedAt: toIsoTime(row.closed_at) } : {}),
    overdue: row.status === 'active' && Date.parse(dueAt) <= now,
    counts,
  };
}

function ruleIdsOf(text: string): string[] {
  return text.split(' ').filter(Boolean);
}

/** An item as the API answers it (without `reviewers` and `review`, which the service adds). */
export function toItem(row: ItemRow): Omit<NhiCampaignItem, 'reviewers'> {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    entityRef: row.entity_ref,
    title: row.title,
    type: row.type,
    category: row.category,
    provider: row.provider,
    ...(row.account ? { account: row.account } : {}),
    externalId: row.external_id,
    ...(row.owner_ref ? { owner: row.owner_ref } : {}),
    ownershipProvenance: row.ownership_provenance,
    ...(row.risk_level ? { riskLevel: row.risk_level } : {}),
    ...(row.risk_score !== null && row.risk_score !== undefined
      ? { riskScore: Number(row.risk_score) }
      : {}),
    ruleIds: ruleIdsOf(row.rule_ids),
    ...(row.rotation_status ? { rotationStatus: row.rotation_status } : {}),
    reviewer: row.reviewer_ref,
    reviewerKind: row.reviewer_kind,
    escalation: Number(row.escalation),
    ...(row.decision ? { decision: row.decision } : {}),
    ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at ? { decidedAt: toIsoTime(row.decided_at) } : {}),
    ...(row.note ? { note: row.note } : {}),
    decisionSeq: Number(row.decision_seq),
    ...(row.delegated_by
      ? {
          delegation: {
            from: row.delegated_from ?? '',
            by: row.delegated_by,
            at: toIsoTime(row.delegated_at)!,
            reason: row.delegation_reason ?? '',
          },
        }
      : {}),
    ...(row.remediation_action && row.remediation_status
      ? {
          remediation: {
            action: row.remediation_action,
            status: row.remediation_status,
            openedAt: toIsoTime(row.remediation_opened_at)!,
            ...(row.remediation_checked_at
              ? { checkedAt: toIsoTime(row.remediation_checked_at) }
              : {}),
            ...(row.remediation_done_at
              ? { doneAt: toIsoTime(row.remediation_done_at) }
              : {}),
            ...(row.remediation_evidence
              ? { evidence: row.remediation_evidence }
              : {}),
          },
        }
      : {}),
  };
}

function likeEscape(text: string) {
  return text.replace(/[\\%_]/g, c => `\\${c}`);
}

/** Bind parameters per statement stay well under SQLite's 32,766 and PostgreSQL's 65,535. */
const BIND_LIMIT = 30_000;
const ITEM_COLUMNS = 24;
const IN_CHUNK = 900;

/**
 * The access reviews' database: campaigns, their items (each identity's
 * state when the scope was frozen, its reviewer, decision and remediation),
 * the history of decisions, the notifications sent, and the identities the
 * unowned-identity policy tracks. Every decision and reassignment is
 * written with its audit entry (`nhi_audit`) in one transaction; the
 * invariants are unique indexes, so they hold under concurrent requests:
 * one item per identity and campaign, one decision per item and step (two
 * reviewers deciding at once: one stands, the other is a 409), one
 * campaign per step of a series, a notice sent once per period.
 */
export class CampaignsStore {
  /** The store over the plugin's database, migrated to the latest schema. */
  static async create(database: DatabaseService): Promise<CampaignsStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await knex.migrate.latest({ directory: migrationsDir });
    }
    return new CampaignsStore(knex);
  }

  private readonly isPg: boolean;
  /**
   * Rows per multi-row insert: SQLite writes one as a compound SELECT of at
   * most 500 terms; PostgreSQL takes as many as the bind limit allows.
   */
  private readonly insertChunk: number;

  private constructor(private readonly knex: Knex) {
    this.isPg = knex.client.config.client === 'pg';
    this.insertChunk = this.isPg ? Math.floor(BIND_LIMIT / ITEM_COLUMNS) : 400;
  }

  private tx<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return inRetriedTransaction(this.knex, fn);
  }

  /**
   * Reads the campaign in the transaction and holds it against a
   * concurrent close until the transaction ends (PostgreSQL; SQLite
   * serializes writers anyway); a 404 for none, a 409 unless active.
   */
  private async activeCampaign(
    tx: Knex.Transaction,
    id: string,
  ): Promise<CampaignRow> {
    const query = tx<CampaignRow>('nhi_campaigns').where({ id });
    if (this.isPg) query.forShare();
    const row = (await query.first()) as CampaignRow | undefined;
    if (!row) throw new NotFoundError(`no campaign ${id}`);
    if (row.status !== 'active') {
      throw new ConflictError(
        `campaign "${row.name}" is closed: its decisions are final`,
      );
    }
    return row;
  }

  private async auditRows(
    tx: Knex.Transaction,
    rows: Array<{
      entityRef: string;
      at: Date;
      actor: string;
      action: string;
      campaignId: string;
      details: Record<string, unknown>;
    }>,
  ) {
    for (let i = 0; i < rows.length; i += this.insertChunk) {
      await tx('nhi_audit').insert(
        rows.slice(i, i + this.insertChunk).map(r => ({
          entity_ref: r.entityRef,
          at: r.at,
          actor: r.actor,
          action: r.action,
          campaign_id: r.campaignId,
          details: JSON.stringify(r.details),
        })),
      );
    }
  }

  /**
   * Starts a campaign with its items, all in one transaction: a failure
   * leaves nothing behind. Items are written in chunks of a few thousand
   * rows. A second start of the same step of a series is a 409.
   */
  async createCampaign(
    campaign: NewCampaign,
    items: NewCampaignItem[],
    now = new Date(),
  ): Promise<NhiCampaign> {
    const id = randomUUID();
    const row: CampaignRow = {
      id,
      series_id: campaign.series?.id ?? id,
      sequence: campaign.series?.sequence ?? 1,
      name: campaign.name,
      description: campaign.description ?? null,
      scope: JSON.stringify(campaign.scope),
      reviewer_rule: campaign.reviewerRule,
      fallback_group: campaign.fallbackGroup,
      due_at: campaign.dueAt,
      reminder_days: campaign.reminderEveryDays,
      due_soon_days: campaign.dueSoonDays,
      end_action: campaign.endAction,
      recurrence_months: campaign.recurrenceMonths ?? null,
      next_start_at: campaign.nextStartAt ?? null,
      status: 'active',
      item_count: items.length,
      snapshot_at: campaign.snapshotAt,
      snapshot_note: campaign.snapshotNote ?? null,
      created_by: campaign.createdBy,
      created_at: now,
      closed_by: null,
      closed_at: null,
    };
    try {
      await this.tx(async tx => {
        await tx('nhi_campaigns').insert(row);
        for (let i = 0; i < items.length; i += this.insertChunk) {
          await tx('nhi_campaign_items').insert(
            items.slice(i, i + this.insertChunk).map(item => ({
              id: randomUUID(),
              campaign_id: id,
              entity_ref: item.entityRef,
              title: item.title.slice(0, 255),
              type: item.type.slice(0, 64),
              category: item.category.slice(0, 64),
              provider: item.provider.slice(0, 64),
              account: item.account?.slice(0, 255) ?? null,
              external_id: item.externalId,
              owner_ref: item.owner ?? null,
              ownership_provenance: item.ownershipProvenance.slice(0, 32),
              risk_level: item.riskLevel ?? null,
              risk_score: item.riskScore ?? null,
              rule_ids: ` ${item.ruleIds.join(' ')} `,
              rotation_status: item.rotationStatus ?? null,
              reviewer_ref: item.reviewer,
              reviewer_kind: item.reviewerKind,
              escalation: 0,
              decision: null,
              decision_seq: 0,
            })),
          );
        }
      });
    } catch (e) {
      if (isDatabaseConflictError(e)) {
        throw new ConflictError(
          campaign.series
            ? `step ${campaign.series.sequence} of the series ${campaign.series.id} has started already`
            : 'the scope names an identity twice',
        );
      }
      throw e;
    }
    return toCampaign(
      row,
      { ...emptyCounts(), total: items.length, pending: items.length },
      now.getTime(),
    );
  }

  /** Counts of the campaigns' items by outcome, by campaign id. */
  async counts(campaignIds: string[]): Promise<Map<string, NhiCampaignCounts>> {
    const result = new Map<string, NhiCampaignCounts>(
      campaignIds.map(id => [id, emptyCounts()]),
    );
    if (!campaignIds.length) return result;
    const rows = (await this.knex('nhi_campaign_items')
      .whereIn('campaign_id', campaignIds)
      .select('campaign_id', 'decision', 'remediation_status')
      .count({ count: '*' })
      .groupBy('campaign_id', 'decision', 'remediation_status')) as Array<{
      campaign_id: string;
      decision: NhiCampaignOutcome | null;
      remediation_status: string | null;
      count: unknown;
    }>;
    for (const r of rows) {
      const c = result.get(r.campaign_id)!;
      addCount(c, r.decision, r.remediation_status, Number(r.count));
    }
    return result;
  }

  /** The campaign, or undefined; an id that is not a uuid names nothing. */
  async getCampaign(
    id: string,
    now = Date.now(),
  ): Promise<NhiCampaign | undefined> {
    if (!isRowId(id)) return undefined;
    const row = await this.knex<CampaignRow>('nhi_campaigns')
      .where({ id })
      .first();
    if (!row) return undefined;
    const counts = await this.counts([id]);
    return toCampaign(row, counts.get(id)!, now);
  }

  /** Campaigns, newest first. */
  async listCampaigns(
    filter: { status?: NhiCampaignStatus },
    page: PageRequest,
    now = Date.now(),
  ): Promise<PageOfRows<NhiCampaign>> {
    const query = this.knex<CampaignRow>('nhi_campaigns');
    if (filter.status) query.where('status', filter.status);
    const [{ count }] = await query.clone().count({ count: '*' });
    const rows: CampaignRow[] = await query
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(page.limit)
      .offset(page.offset);
    const counts = await this.counts(rows.map(r => r.id));
    return {
      items: rows.map(r => toCampaign(r, counts.get(r.id)!, now)),
      totalCount: Number(count),
    };
  }

  /** Progress per owner when the scope was frozen, most items first. */
  async teamProgress(campaignId: string): Promise<NhiCampaignTeamProgress[]> {
    const rows = (await this.knex('nhi_campaign_items')
      .where('campaign_id', campaignId)
      .select('owner_ref', 'decision', 'remediation_status')
      .count({ count: '*' })
      .groupBy('owner_ref', 'decision', 'remediation_status')) as Array<{
      owner_ref: string | null;
      decision: NhiCampaignOutcome | null;
      remediation_status: string | null;
      count: unknown;
    }>;
    const byOwner = new Map<string, NhiCampaignCounts>();
    for (const r of rows) {
      const key = r.owner_ref ?? '';
      if (!byOwner.has(key)) byOwner.set(key, emptyCounts());
      addCount(
        byOwner.get(key)!,
        r.decision,
        r.remediation_status,
        Number(r.count),
      );
    }
    return [...byOwner]
      .map(([owner, counts]) => ({ ...(owner ? { owner } : {}), counts }))
      .sort((a, b) => {
        if (!a.owner !== !b.owner) return a.owner ? -1 : 1; // unowned last
        return (
          b.counts.total - a.counts.total ||
          (a.owner ?? '').localeCompare(b.owner ?? '')
        );
      });
  }

  private scoped(query: Knex.QueryBuilder, scope: ReviewerScope) {
    query.where(q => {
      q.where('reviewer_ref', scope.userRef);
      if (scope.ownerGroups.length) {
        q.orWhere(w =>
          w
            .where('reviewer_kind', 'owner')
            .whereIn('reviewer_ref', scope.ownerGroups),
        );
      }
      if (scope.memberGroups.length) {
        q.orWhere(w =>
          w
            .whereIn('reviewer_kind', ['fallback', 'delegate'])
            .whereIn('reviewer_ref', scope.memberGroups),
        );
      }
      if (scope.ledGroups.length) {
        q.orWhere(w =>
          w.where('escalation', '>=', 1).whereIn('owner_ref', scope.ledGroups),
        );
      }
      if (scope.inFallbackGroup) q.orWhere('escalation', '>=', 2);
    });
  }

  private filteredItems(campaignId: string, filter: ItemFilter) {
    const query = this.knex<ItemRow>('nhi_campaign_items').where(
      'campaign_id',
      campaignId,
    );
    if (filter.statuses) {
      const statuses = filter.statuses;
      const outcomes = statuses.filter(s => s !== PENDING);
      query.where(q => {
        if (outcomes.length) q.whereIn('decision', outcomes);
        if (statuses.includes(PENDING)) q.orWhereNull('decision');
      });
    }
    if (filter.decided) query.whereNotNull('decision');
    if (filter.reviewerScope) this.scoped(query, filter.reviewerScope);
    if (filter.owner === null) query.whereNull('owner_ref');
    else if (filter.owner) query.where('owner_ref', filter.owner);
    const q = filter.q?.trim().toLowerCase();
    if (q) {
      const like = `%${likeEscape(q)}%`;
      query.where(w =>
        w
          .whereRaw(`lower(title) like ? escape '\\'`, [like])
          .orWhereRaw(`lower(entity_ref) like ? escape '\\'`, [like])
          .orWhereRaw(`lower(external_id) like ? escape '\\'`, [like]),
      );
    }
    if (filter.ids) query.whereIn('id', filter.ids.filter(isRowId));
    return query;
  }

  /**
   * Items of a campaign under the filter: the riskiest first, then by
   * title, with the count of all that match.
   */
  async listItems(
    campaignId: string,
    filter: ItemFilter,
    page: PageRequest,
  ): Promise<PageOfRows<Omit<NhiCampaignItem, 'reviewers'>>> {
    const query = this.filteredItems(campaignId, filter);
    const [[{ count }], rows] = await Promise.all([
      query.clone().count({ count: '*' }),
      query
        .clone()
        .select('*')
        .orderByRaw(
          'risk_score desc nulls last, title asc, entity_ref asc, id asc',
        )
        .limit(page.limit)
        .offset(page.offset),
    ]);
    return {
      items: (rows as ItemRow[]).map(toItem),
      totalCount: Number(count),
    };
  }

  /** Items by id (those of another campaign or none are absent). */
  async getItems(
    campaignId: string,
    ids: string[],
  ): Promise<Array<Omit<NhiCampaignItem, 'reviewers'>>> {
    const result: Array<Omit<NhiCampaignItem, 'reviewers'>> = [];
    const valid = ids.filter(isRowId);
    for (let i = 0; i < valid.length; i += IN_CHUNK) {
      const rows: ItemRow[] = await this.knex<ItemRow>('nhi_campaign_items')
        .where('campaign_id', campaignId)
        .whereIn('id', valid.slice(i, i + IN_CHUNK));
      result.push(...rows.map(toItem));
    }
    return result;
  }

  /** An item of any campaign by its id, or undefined. */
  async findItem(
    id: string,
  ): Promise<Omit<NhiCampaignItem, 'reviewers'> | undefined> {
    if (!isRowId(id)) return undefined;
    const row = await this.knex<ItemRow>('nhi_campaign_items')
      .where({ id })
      .first();
    return row ? toItem(row) : undefined;
  }

  /**
   * Records a decision on each item, each in its own savepoint of one
   * transaction that holds the campaign open: an item decided meanwhile
   * (its `decision_seq` moved past the expected one), decided already, or
   * not in the campaign is refused (409, 404) and the others stand. Revoke
   * and reduce open the item's remediation; certify cancels one. Each
   * decision is a row of the append-only history and an audit entry.
   * Throws (404, 409) when the campaign is missing or closed.
   */
  async decide(options: {
    campaignId: string;
    items: ItemDecision[];
    decision: NhiCampaignDecision;
    note?: string;
    by: string;
    now?: Date;
  }): Promise<ItemChanges> {
    const now = options.now ?? new Date();
    return this.tx(async tx => {
      const campaign = await this.activeCampaign(tx, options.campaignId);
      const done: NhiCampaignItem[] = [];
      const refused: ItemChanges['refused'] = [];
      for (const { itemId, expectedSeq } of options.items) {
        try {
          const item = await tx.transaction(async sp => {
            const row = isRowId(itemId)
              ? await sp<ItemRow>('nhi_campaign_items')
                  .where({ id: itemId, campaign_id: campaign.id })
                  .first()
              : undefined;
            if (!row) {
              throw new NotFoundError(`no item ${itemId} in this campaign`);
            }
            const seq = Number(row.decision_seq);
            if (seq !== expectedSeq) {
              throw new ConflictError(
                seq === 0
                  ? `the decision you changed is no longer there; review it again`
                  : `${row.title} was decided by ${row.decided_by} (${
                      row.decision
                    }) at ${toIsoTime(
                      row.decided_at,
                    )}; review it again to change that`,
              );
            }
            const remediation =
              options.decision === 'certify'
                ? {
                    remediation_status:
                      row.remediation_status === 'open'
                        ? 'cancelled'
                        : row.remediation_status,
                  }
                : {
                    remediation_action: options.decision,
                    remediation_status:
                      row.remediation_status === 'done' &&
                      row.remediation_action === options.decision
                        ? 'done'
                        : 'open',
                    remediation_opened_at:
                      row.remediation_status === 'open' ||
                      row.remediation_status === 'done'
                        ? row.remediation_opened_at
                        : now,
                    ...(row.remediation_action !== options.decision
                      ? {
                          remediation_done_at: null,
                          remediation_evidence: null,
                          remediation_checked_at: null,
                        }
                      : {}),
                  };
            const changes = {
              decision: options.decision,
              decision_seq: seq + 1,
              decided_by: options.by,
              decided_at: now,
              note: options.note ?? null,
              ...remediation,
            };
            const updated = await sp('nhi_campaign_items')
              .where({ id: row.id, decision_seq: seq })
              .update(changes);
            if (updated !== 1) {
              throw new ConflictError(
                `${row.title} was decided by someone else at the same time; review it again`,
              );
            }
            await sp('nhi_campaign_decisions').insert({
              campaign_id: campaign.id,
              item_id: row.id,
              seq: seq + 1,
              decision: options.decision,
              note: options.note ?? null,
              decided_by: options.by,
              decided_at: now,
            });
            await this.auditRows(sp, [
              {
                entityRef: row.entity_ref,
                at: now,
                actor: options.by,
                action: `campaign.${options.decision}`,
                campaignId: campaign.id,
                details: {
                  campaign: campaign.name,
                  ...(options.note ? { note: options.note } : {}),
                  ...(seq ? { replaces: row.decision } : {}),
                },
              },
            ]);
            return toItem({ ...row, ...changes } as ItemRow);
          });
          done.push(item as NhiCampaignItem);
        } catch (e) {
          const name = (e as Error)?.name;
          if (name === 'NotFoundError' || name === 'ConflictError') {
            refused.push({
              itemId,
              status: name === 'NotFoundError' ? 404 : 409,
              reason: (e as Error).message,
            });
          } else if (isDatabaseConflictError(e)) {
            refused.push({
              itemId,
              status: 409,
              reason:
                'someone else decided it at the same time; review it again',
            });
          } else {
            throw e;
          }
        }
      }
      return { done, refused };
    });
  }

  /**
   * Assigns undecided items to someone else (a delegation by a reviewer,
   * or a manager's reassignment), with the reason; decided items and items
   * of another campaign are refused. Throws (404, 409) when the campaign is
   * missing or closed.
   */
  async reassign(options: {
    campaignId: string;
    itemIds: string[];
    to: string;
    reason: string;
    by: string;
    now?: Date;
  }): Promise<ItemChanges> {
    const now = options.now ?? new Date();
    return this.tx(async tx => {
      const campaign = await this.activeCampaign(tx, options.campaignId);
      const done: NhiCampaignItem[] = [];
      const refused: ItemChanges['refused'] = [];
      for (const itemId of options.itemIds) {
        const row = isRowId(itemId)
          ? await tx<ItemRow>('nhi_campaign_items')
              .where({ id: itemId, campaign_id: campaign.id })
              .first()
          : undefined;
        if (!row) {
          refused.push({
            itemId,
            status: 404,
            reason: `no item ${itemId} in this campaign`,
          });
          continue;
        }
        const changes = {
          reviewer_ref: options.to,
          reviewer_kind: 'delegate' as const,
          delegated_from: row.reviewer_ref,
          delegated_by: options.by,
          delegated_at: now,
          delegation_reason: options.reason,
        };
        const updated = await tx('nhi_campaign_items')
          .where({ id: row.id, decision_seq: 0 })
          .whereNull('decision')
          .update(changes);
        if (updated !== 1) {
          refused.push({
            itemId,
            status: 409,
            reason: `${row.title} is decided already; only undecided items are delegated`,
          });
          continue;
        }
        await this.auditRows(tx, [
          {
            entityRef: row.entity_ref,
            at: now,
            actor: options.by,
            action: 'campaign.reassigned',
            campaignId: campaign.id,
            details: {
              campaign: campaign.name,
              from: row.reviewer_ref,
              to: options.to,
              reason: options.reason,
            },
          },
        ]);
        done.push(toItem({ ...row, ...changes }) as NhiCampaignItem);
      }
      return { done, refused };
    });
  }

  /**
   * Closes an active campaign: its decisions become final, and every
   * undecided item gets the end action's outcome (`not-reviewed`, or a
   * `revoke` by the campaign with its remediation), with its history row and
   * audit entry — all in one transaction. A 409 when it is closed already.
   */
  async close(options: {
    id: string;
    by: string;
    now?: Date;
  }): Promise<NhiCampaign> {
    const now = options.now ?? new Date();
    await this.tx(async tx => {
      const campaign = await tx<CampaignRow>('nhi_campaigns')
        .where({ id: options.id })
        .first();
      if (!campaign) throw new NotFoundError(`no campaign ${options.id}`);
      const updated = await tx('nhi_campaigns')
        .where({ id: campaign.id, status: 'active' })
        .update({
          status: 'closed',
          closed_by: options.by,
          closed_at: now,
          next_start_at: null,
        });
      if (updated !== 1) {
        throw new ConflictError(
          `campaign "${campaign.name}" is closed already`,
        );
      }
      const revoke = campaign.end_action === 'revoke';
      const decision: NhiCampaignOutcome = revoke ? 'revoke' : 'not-reviewed';
      const note = revoke
        ? `Not reviewed by ${toIsoTime(campaign.due_at)!.slice(
            0,
            10,
          )}: marked for revocation when the campaign closed`
        : null;
      const pending = await tx<ItemRow>('nhi_campaign_items')
        .where({ campaign_id: campaign.id })
        .whereNull('decision')
        .select('id', 'entity_ref');
      for (let i = 0; i < pending.length; i += this.insertChunk) {
        const chunk = pending.slice(i, i + this.insertChunk);
        await tx('nhi_campaign_items')
          .whereIn(
            'id',
            chunk.map(r => r.id),
          )
          .whereNull('decision')
          .update({
            decision,
            decision_seq: 1,
            decided_by: CAMPAIGN_END_ACTOR,
            decided_at: now,
            note,
            ...(revoke
              ? {
                  remediation_action: 'revoke',
                  remediation_status: 'open',
                  remediation_opened_at: now,
                }
              : {}),
          });
        await tx('nhi_campaign_decisions').insert(
          chunk.map(r => ({
            campaign_id: campaign.id,
            item_id: r.id,
            seq: 1,
            decision,
            note,
            decided_by: CAMPAIGN_END_ACTOR,
            decided_at: now,
          })),
        );
        await this.auditRows(
          tx,
          chunk.map(r => ({
            entityRef: r.entity_ref,
            at: now,
            actor: CAMPAIGN_END_ACTOR,
            action: `campaign.${decision}`,
            campaignId: campaign.id,
            details: {
              campaign: campaign.name,
              closedBy: options.by,
              ...(note ? { note } : {}),
            },
          })),
        );
      }
    });
    return (await this.getCampaign(options.id, now.getTime()))!;
  }

  /** Active campaigns, oldest first. */
  async activeCampaigns(now = Date.now()): Promise<NhiCampaign[]> {
    const rows: CampaignRow[] = await this.knex<CampaignRow>('nhi_campaigns')
      .where('status', 'active')
      .orderBy('created_at', 'asc');
    const counts = await this.counts(rows.map(r => r.id));
    return rows.map(r => toCampaign(r, counts.get(r.id)!, now));
  }

  /** Campaigns whose series' next step is due to start. */
  async recurrencesDue(now: Date): Promise<NhiCampaign[]> {
    const rows: CampaignRow[] = await this.knex<CampaignRow>('nhi_campaigns')
      .whereNotNull('next_start_at')
      .where('next_start_at', '<=', now);
    const counts = await this.counts(rows.map(r => r.id));
    return rows.map(r => toCampaign(r, counts.get(r.id)!, now.getTime()));
  }

  /** The series' next step started (or will never): no more starts from this campaign. */
  async clearNextStart(id: string) {
    await this.knex('nhi_campaigns')
      .where({ id })
      .update({ next_start_at: null });
  }

  /** Undecided items of a campaign by assignment, for reminders and escalation. */
  async pendingAssignments(campaignId: string): Promise<PendingAssignment[]> {
    const rows = (await this.knex('nhi_campaign_items')
      .where('campaign_id', campaignId)
      .whereNull('decision')
      .select('reviewer_ref', 'reviewer_kind', 'owner_ref', 'escalation')
      .count({ count: '*' })
      .groupBy(
        'reviewer_ref',
        'reviewer_kind',
        'owner_ref',
        'escalation',
      )) as Array<{
      reviewer_ref: string;
      reviewer_kind: NhiCampaignItem['reviewerKind'];
      owner_ref: string | null;
      escalation: unknown;
      count: unknown;
    }>;
    return rows.map(r => ({
      reviewer: r.reviewer_ref,
      reviewerKind: r.reviewer_kind,
      ...(r.owner_ref ? { owner: r.owner_ref } : {}),
      escalation: Number(r.escalation),
      count: Number(r.count),
    }));
  }

  /** Raises the escalation of a campaign's undecided items to `level`; how many rose. */
  async escalate(campaignId: string, level: number): Promise<number> {
    return this.knex('nhi_campaign_items')
      .where('campaign_id', campaignId)
      .whereNull('decision')
      .where('escalation', '<', level)
      .update({ escalation: level });
  }

  /**
   * Records that a notice is sent: true the first time for this subject,
   * kind, recipient and period, false after (whichever replica asks).
   */
  async recordNotice(notice: {
    subject: string;
    kind: string;
    recipient: string;
    period: string;
    now?: Date;
  }): Promise<boolean> {
    try {
      await this.knex('nhi_notices').insert({
        subject: notice.subject,
        kind: notice.kind,
        recipient: notice.recipient,
        period: notice.period,
        sent_at: notice.now ?? new Date(),
      });
      return true;
    } catch (e) {
      if (isDatabaseConflictError(e)) return false;
      throw e;
    }
  }

  /** Items whose remediation the sources do not show done yet, oldest first. */
  async openRemediations(limit: number): Promise<OpenRemediation[]> {
    const rows: ItemRow[] = await this.knex<ItemRow>('nhi_campaign_items')
      .where('remediation_status', 'open')
      .orderByRaw('remediation_checked_at asc nulls first, id asc')
      .limit(limit);
    return rows.map(r => ({
      itemId: r.id,
      campaignId: r.campaign_id,
      entityRef: r.entity_ref,
      action: r.remediation_action!,
      ruleIds: ruleIdsOf(r.rule_ids),
      ...(r.risk_score !== null ? { riskScore: Number(r.risk_score) } : {}),
      openedAt: toIsoTime(r.remediation_opened_at)!,
    }));
  }

  /**
   * Records what the source showed for an open remediation: still open
   * (checked now), or done with the evidence (and an audit entry).
   */
  async updateRemediation(update: {
    itemId: string;
    done: boolean;
    evidence: string;
    now?: Date;
  }): Promise<boolean> {
    const now = update.now ?? new Date();
    return this.tx(async tx => {
      const row = await tx<ItemRow>('nhi_campaign_items')
        .where({ id: update.itemId })
        .first();
      if (!row || row.remediation_status !== 'open') return false;
      const changed = await tx('nhi_campaign_items')
        .where({ id: row.id, remediation_status: 'open' })
        .update(
          update.done
            ? {
                remediation_status: 'done',
                remediation_done_at: now,
                remediation_checked_at: now,
                remediation_evidence: update.evidence,
              }
            : {
                remediation_checked_at: now,
                remediation_evidence: update.evidence,
              },
        );
      if (changed === 1 && update.done) {
        await this.auditRows(tx, [
          {
            entityRef: row.entity_ref,
            at: now,
            actor: 'nhi-backend',
            action: 'campaign.remediated',
            campaignId: row.campaign_id,
            details: {
              action: row.remediation_action,
              evidence: update.evidence,
            },
          },
        ]);
      }
      return changed === 1;
    });
  }

  /**
   * Items of one identity over every campaign, newest campaign first, with
   * the campaign's name, status and due date.
   */
  async identityHistory(
    entityRef: string,
    page: PageRequest,
    filter: { decided?: boolean } = {},
  ): Promise<
    PageOfRows<
      Omit<NhiCampaignItem, 'reviewers'> & {
        campaignName: string;
        campaignStatus: NhiCampaignStatus;
        campaignDueAt: string;
      }
    >
  > {
    const query = this.knex('nhi_campaign_items as i')
      .join('nhi_campaigns as c', 'c.id', 'i.campaign_id')
      .where('i.entity_ref', entityRef.toLowerCase());
    if (filter.decided) {
      // a reviewer's decision; not-reviewed is the campaign's, at its close
      query.whereIn('i.decision', ['certify', 'revoke', 'reduce']);
    }
    const [{ count }] = await query.clone().count({ count: '*' });
    const rows = await query
      .select(
        'i.*',
        'c.name as campaign_name',
        'c.status as campaign_status',
        'c.due_at as campaign_due_at',
      )
      .orderBy([
        ...(filter.decided
          ? [{ column: 'i.decided_at', order: 'desc' as const }]
          : []),
        { column: 'c.created_at', order: 'desc' },
        { column: 'i.id', order: 'asc' },
      ])
      .limit(page.limit)
      .offset(page.offset);
    return {
      items: rows.map((r: ItemRow & Record<string, any>) => ({
        ...toItem(r),
        campaignName: r.campaign_name,
        campaignStatus: r.campaign_status,
        campaignDueAt: toIsoTime(r.campaign_due_at)!,
      })),
      totalCount: Number(count),
    };
  }

  /**
   * Undecided items per active campaign, for a reviewer (their scope in
   * each) or for an owner group.
   */
  async pendingCount(
    campaignId: string,
    filter: { reviewerScope?: ReviewerScope; owner?: string },
  ): Promise<number> {
    const query = this.filteredItems(campaignId, {
      statuses: [PENDING],
      reviewerScope: filter.reviewerScope,
      owner: filter.owner,
    });
    const [{ count }] = await query.count({ count: '*' });
    return Number(count);
  }

  /** Every item of a campaign in a stable order, for the evidence. */
  async allItems(
    campaignId: string,
  ): Promise<Array<Omit<NhiCampaignItem, 'reviewers'>>> {
    const items: Array<Omit<NhiCampaignItem, 'reviewers'>> = [];
    let after = '';
    for (;;) {
      const rows: ItemRow[] = await this.knex<ItemRow>('nhi_campaign_items')
        .where('campaign_id', campaignId)
        .where('entity_ref', '>', after)
        .orderBy('entity_ref', 'asc')
        .limit(5000);
      items.push(...rows.map(toItem));
      if (rows.length < 5000) return items;
      after = rows[rows.length - 1].entity_ref;
    }
  }

  /** Every decision of a campaign, in the order made, by item id. */
  async decisionHistory(
    campaignId: string,
  ): Promise<Map<string, DecisionRecord[]>> {
    const result = new Map<string, DecisionRecord[]>();
    let after = 0;
    for (;;) {
      const rows = await this.knex('nhi_campaign_decisions')
        .where('campaign_id', campaignId)
        .where('id', '>', after)
        .orderBy('id', 'asc')
        .limit(5000);
      for (const r of rows) {
        const list = result.get(r.item_id) ?? [];
        list.push({
          itemId: r.item_id,
          seq: Number(r.seq),
          decision: r.decision,
          ...(r.note ? { note: r.note } : {}),
          decidedBy: r.decided_by,
          decidedAt: toIsoTime(r.decided_at)!,
        });
        result.set(r.item_id, list);
      }
      if (rows.length < 5000) return result;
      after = Number(rows[rows.length - 1].id);
    }
  }

  /**
   * Records identities seen unowned now: new ones are unowned since now;
   * known ones keep their `since` and get their suggested owners refreshed.
   */
  async recordUnowned(
    seen: Array<{ entityRef: string; suggestedOwners: string[] }>,
    now = new Date(),
  ) {
    for (let i = 0; i < seen.length; i += this.insertChunk) {
      await this.knex('nhi_unowned')
        .insert(
          seen.slice(i, i + this.insertChunk).map(s => ({
            entity_ref: s.entityRef.toLowerCase(),
            since: now,
            last_seen_at: now,
            suggested_owners: s.suggestedOwners.length
              ? JSON.stringify(s.suggestedOwners)
              : null,
            notified_stage: -1,
          })),
        )
        .onConflict('entity_ref')
        .merge(['last_seen_at', 'suggested_owners']);
    }
  }

  /** Forgets identities not seen unowned since `before` (owned now, or gone); how many. */
  async forgetUnownedNotSeenSince(before: Date): Promise<number> {
    return this.knex('nhi_unowned').where('last_seen_at', '<', before).delete();
  }

  /** Tracked unowned identities, longest unowned first. */
  async listUnowned(
    filter: { sinceBefore?: Date },
    page: PageRequest,
  ): Promise<PageOfRows<UnownedRow>> {
    const query = this.knex('nhi_unowned');
    if (filter.sinceBefore) query.where('since', '<=', filter.sinceBefore);
    const [{ count }] = await query.clone().count({ count: '*' });
    const rows = await query
      .orderBy([
        { column: 'since', order: 'asc' },
        { column: 'entity_ref', order: 'asc' },
      ])
      .limit(page.limit)
      .offset(page.offset);
    return { items: rows.map(toUnowned), totalCount: Number(count) };
  }

  /** Tracked identities that have not been notified of `stage` yet, unowned since `sinceBefore`. */
  async unownedToNotify(
    stage: number,
    sinceBefore: Date,
  ): Promise<UnownedRow[]> {
    const rows = await this.knex('nhi_unowned')
      .where('notified_stage', '<', stage)
      .where('since', '<=', sinceBefore)
      .orderBy('entity_ref');
    return rows.map(toUnowned);
  }

  /** Marks identities notified up to `stage`. */
  async markUnownedNotified(entityRefs: string[], stage: number) {
    for (let i = 0; i < entityRefs.length; i += IN_CHUNK) {
      await this.knex('nhi_unowned')
        .whereIn('entity_ref', entityRefs.slice(i, i + IN_CHUNK))
        .where('notified_stage', '<', stage)
        .update({ notified_stage: stage });
    }
  }
}

function toUnowned(r: any): UnownedRow {
  return {
    entityRef: r.entity_ref,
    since: toIsoTime(r.since)!,
    lastSeenAt: toIsoTime(r.last_seen_at)!,
    suggestedOwners: r.suggested_owners ? JSON.parse(r.suggested_owners) : [],
    notifiedStage: Number(r.notified_stage),
  };
}

function addCount(
  c: NhiCampaignCounts,
  decision: NhiCampaignOutcome | null,
  remediation: string | null,
  n: number,
) {
  c.total += n;
  if (!decision) c.pending += n;
  else c[decision] += n;
  if (remediation === 'open') c.remediationOpen += n;
}
