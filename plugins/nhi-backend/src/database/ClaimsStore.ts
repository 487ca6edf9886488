import {
  DatabaseService,
  isDatabaseConflictError,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  NhiAuditEntry,
  NhiClaim,
  NhiClaimStatus,
  NhiException,
  NhiExceptionStatus,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { Knex } from 'knex';
import { inRetriedTransaction } from './transactions';
import { randomUUID } from 'node:crypto';
import { isRowId } from '../lib/identifiers';

const migrationsDir = resolvePackagePath(
  '@backstage-nhi/plugin-nhi-backend',
  'migrations',
);

type ClaimRow = {
  id: string;
  entity_ref: string;
  group_ref: string;
  kind: 'claim' | 'transfer';
  from_group_ref?: string | null;
  status: NhiClaimStatus;
  justification: string;
  created_by: string;
  created_at: Date | string | number;
  decided_by: string | null;
  decided_at: Date | string | number | null;
  comment: string | null;
  closed_reason: string | null;
};

/** The statuses an exception row holds (`expired` is computed). */
export type StoredExceptionStatus = Exclude<NhiExceptionStatus, 'expired'>;

/** Severity of a finding, as an exception records it. */
export type FindingSeverity = NonNullable<NhiException['severity']>;

/** Which part of a list to read: `limit` rows after skipping `offset`. */
export interface PageRequest {
  limit: number;
  offset: number;
}

/** Part of a list, with the number of rows the whole list has. */
export interface PageOfRows<T> {
  items: T[];
  totalCount: number;
}

type ExceptionRow = {
  id: string;
  entity_ref: string;
  rule_id: string;
  justification: string;
  until: Date | string | number;
  status: StoredExceptionStatus;
  severity: FindingSeverity | null;
  created_by: string;
  created_at: Date | string | number;
  reviewed_by: string | null;
  reviewed_at: Date | string | number | null;
  review_comment: string | null;
  revoked_by: string | null;
  revoked_at: Date | string | number | null;
};

type AuditRow = {
  id: number | string;
  entity_ref: string;
  at: Date | string | number;
  actor: string;
  action: string;
  claim_id: string | null;
  exception_id: string | null;
  details: string | null;
};

/** Filters of {@link ClaimsStore.listClaims}. */
export interface ClaimFilter {
  entityRef?: string;
  /** Claims for one of these groups. */
  groups?: string[];
  /** Claims for one of these groups, or transfers away from one of them. */
  involvingGroups?: string[];
  statuses?: NhiClaimStatus[];
  createdBy?: string;
  excludeCreatedBy?: string;
}

/** Filters of {@link ClaimsStore.listExceptions}. */
export interface ExceptionFilter {
  entityRef?: string;
  /** Only exceptions in force now. */
  activeOnly?: boolean;
  /** Only these stored statuses. */
  statuses?: StoredExceptionStatus[];
}

/** Claims and exceptions are listed newest first. */
const NEWEST_FIRST: Array<{ column: string; order: 'asc' | 'desc' }> = [
  { column: 'created_at', order: 'desc' },
  { column: 'id', order: 'asc' },
];

/** The result of an approval, for events, notifications and the audit. */
export interface ApprovalResult {
  claim: NhiClaim;
  /** The approved claim it replaced (a transfer), if any. */
  superseded?: NhiClaim;
  /** Competing open claims it closed. */
  closed: NhiClaim[];
}

function toClaim(row: ClaimRow): NhiClaim {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    group: row.group_ref,
    kind: row.kind,
    ...(row.from_group_ref ? { fromGroup: row.from_group_ref } : {}),
    status: row.status,
    justification: row.justification,
    createdBy: row.created_by,
    createdAt: toIsoTime(row.created_at)!,
    ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at ? { decidedAt: toIsoTime(row.decided_at) } : {}),
    ...(row.comment ? { comment: row.comment } : {}),
    ...(row.closed_reason ? { closedReason: row.closed_reason } : {}),
  };
}

function toException(row: ExceptionRow, now: number): NhiException {
  const until = toIsoTime(row.until)!;
  let status: NhiException['status'] = row.status;
  if (
    (status === 'active' || status === 'requested') &&
    Date.parse(until) <= now
  ) {
    status = 'expired';
  }
  return {
    id: row.id,
    entityRef: row.entity_ref,
    ruleId: row.rule_id,
    justification: row.justification,
    until,
    status,
    ...(row.severity ? { severity: row.severity } : {}),
    createdBy: row.created_by,
    createdAt: toIsoTime(row.created_at)!,
    ...(row.reviewed_by ? { reviewedBy: row.reviewed_by } : {}),
    ...(row.reviewed_at ? { reviewedAt: toIsoTime(row.reviewed_at) } : {}),
    ...(row.review_comment ? { reviewComment: row.review_comment } : {}),
    ...(row.revoked_by ? { revokedBy: row.revoked_by } : {}),
    ...(row.revoked_at ? { revokedAt: toIsoTime(row.revoked_at) } : {}),
  };
}

/**
 * Counts what a query matches and reads one page of it, in an order that
 * ends with a unique column so that pages never overlap.
 */
async function paged<Row, T>(
  query: Knex.QueryBuilder,
  order: Array<{ column: string; order: 'asc' | 'desc' }>,
  page: PageRequest,
  toItem: (row: Row) => T,
): Promise<PageOfRows<T>> {
  const [{ count }] = await query.clone().count({ count: '*' });
  const rows: Row[] = await query
    .orderBy(order)
    .limit(page.limit)
    .offset(page.offset);
  return { items: rows.map(toItem), totalCount: Number(count) };
}

/**
 * The claims backend's database: claims, exceptions and the audit trail.
 * Every change and its audit entries are written in one transaction; the
 * invariants (one open claim per identity and group, one owner per
 * identity, one active exception per identity and rule, append-only audit)
 * are unique indexes and triggers, so they hold under concurrent requests.
 */
export class ClaimsStore {
  /** The store over the plugin's database, migrated to the latest schema. */
  static async create(database: DatabaseService): Promise<ClaimsStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await knex.migrate.latest({ directory: migrationsDir });
    }
    return new ClaimsStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  private tx<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return inRetriedTransaction(this.knex, fn);
  }

  private async audit(
    tx: Knex.Transaction,
    entry: Omit<NhiAuditEntry, 'id' | 'at'> & { at: Date },
  ) {
    await tx('nhi_audit').insert({
      entity_ref: entry.entityRef,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      claim_id: entry.claimId ?? null,
      exception_id: entry.exceptionId ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }

  /**
   * Marks the exceptions of an identity and rule in these statuses whose
   * date has passed as revoked by `expiry`, so that they no longer hold the
   * unique indexes a new exception or an approval needs.
   */
  private async expire(
    tx: Knex.Transaction,
    entityRef: string,
    ruleId: string,
    statuses: StoredExceptionStatus[],
    now: Date,
  ) {
    await tx('nhi_exceptions')
      .where({ entity_ref: entityRef, rule_id: ruleId })
      .whereIn('status', statuses)
      .andWhere('until', '<=', now)
      .update({ status: 'revoked', revoked_by: 'expiry', revoked_at: now });
  }

  /** The claim, or undefined; an id that is not a uuid names nothing. */
  async getClaim(id: string): Promise<NhiClaim | undefined> {
    if (!isRowId(id)) return undefined;
    const row = await this.knex<ClaimRow>('nhi_claims').where({ id }).first();
    return row ? toClaim(row) : undefined;
  }

  /** The approved claim of an identity: its current claimed owner. */
  async currentOwner(entityRef: string): Promise<NhiClaim | undefined> {
    const row = await this.knex<ClaimRow>('nhi_claims')
      .where({ entity_ref: entityRef, status: 'approved' })
      .first();
    return row ? toClaim(row) : undefined;
  }

  async createClaim(options: {
    entityRef: string;
    group: string;
    kind: 'claim' | 'transfer';
    /** For a transfer: the group that owns the identity now. */
    fromGroup?: string;
    justification: string;
    createdBy: string;
    now?: Date;
  }): Promise<NhiClaim> {
    const now = options.now ?? new Date();
    const row: ClaimRow = {
      id: randomUUID(),
      entity_ref: options.entityRef,
      group_ref: options.group,
      kind: options.kind,
      from_group_ref: options.fromGroup ?? null,
      status: 'open',
      justification: options.justification,
      created_by: options.createdBy,
      created_at: now,
      decided_by: null,
      decided_at: null,
      comment: null,
      closed_reason: null,
    };
    try {
      await this.tx(async tx => {
        await tx('nhi_claims').insert(row);
        await this.audit(tx, {
          entityRef: options.entityRef,
          at: now,
          actor: options.createdBy,
          action:
            options.kind === 'transfer'
              ? 'transfer.requested'
              : 'claim.created',
          claimId: row.id,
          details: {
            group: options.group,
            ...(options.fromGroup ? { from: options.fromGroup } : {}),
            justification: options.justification,
          },
        });
      });
    } catch (e) {
      if (isDatabaseConflictError(e)) {
        throw new ConflictError(
          `${options.group} already has an open claim for ${options.entityRef}`,
        );
      }
      throw e;
    }
    return toClaim(row);
  }

  /** Claims matching the filter, newest first. */
  async listClaims(
    filter: ClaimFilter,
    page: PageRequest,
  ): Promise<PageOfRows<NhiClaim>> {
    const query = this.knex<ClaimRow>('nhi_claims');
    if (filter.entityRef) query.where('entity_ref', filter.entityRef);
    if (filter.groups) query.whereIn('group_ref', filter.groups);
    if (filter.involvingGroups) {
      const groups = filter.involvingGroups;
      query.where(q =>
        q.whereIn('group_ref', groups).orWhereIn('from_group_ref', groups),
      );
    }
    if (filter.statuses) query.whereIn('status', filter.statuses);
    if (filter.createdBy) query.where('created_by', filter.createdBy);
    if (filter.excludeCreatedBy)
      query.whereNot('created_by', filter.excludeCreatedBy);
    return paged(query, NEWEST_FIRST, page, toClaim);
  }

  /**
   * Approves an open claim: it becomes the identity's owner; the previous
   * owner's claim (a transfer) is superseded and every other open claim for
   * the identity is closed with the reason. Throws ConflictError when the
   * claim is no longer open (someone decided first), or when
   * `expectedOwner` is given and the claimed owner is no longer that group
   * (the decision was made about another owner).
   */
  async approveClaim(options: {
    id: string;
    by: string;
    comment?: string;
    /** The group the approver saw as the claimed owner, null for none. */
    expectedOwner?: string | null;
    /** More details for the audit entry of the approval. */
    details?: Record<string, unknown>;
    now?: Date;
  }): Promise<ApprovalResult> {
    const now = options.now ?? new Date();
    try {
      return await this.tx(async tx => {
        const row = await tx<ClaimRow>('nhi_claims')
          .where({ id: options.id })
          .first();
        if (!row) throw new NotFoundError(`no claim ${options.id}`);
        if (row.status !== 'open') {
          throw new ConflictError(
            `claim ${options.id} is ${row.status}, not open`,
          );
        }
        const reason = `${row.group_ref}'s claim ${row.id} was approved`;
        const previous = await tx<ClaimRow>('nhi_claims')
          .where({ entity_ref: row.entity_ref, status: 'approved' })
          .first();
        if (
          options.expectedOwner !== undefined &&
          (previous?.group_ref ?? null) !== options.expectedOwner
        ) {
          throw new ConflictError(
            `the owner of ${row.entity_ref} changed to ${
              previous?.group_ref ?? 'none'
            } while the claim was reviewed; review it again`,
          );
        }
        if (previous) {
          await tx('nhi_claims')
            .where({ id: previous.id, status: 'approved' })
            .update({ status: 'superseded', closed_reason: reason });
          await this.audit(tx, {
            entityRef: row.entity_ref,
            at: now,
            actor: options.by,
            action: 'claim.superseded',
            claimId: previous.id,
            details: { group: previous.group_ref, reason },
          });
        }
        const competing = await tx<ClaimRow>('nhi_claims')
          .where({ entity_ref: row.entity_ref, status: 'open' })
          .whereNot({ id: row.id });
        for (const c of competing) {
          await tx('nhi_claims').where({ id: c.id, status: 'open' }).update({
            status: 'closed',
            closed_reason: reason,
            decided_at: now,
          });
          await this.audit(tx, {
            entityRef: row.entity_ref,
            at: now,
            actor: options.by,
            action: 'claim.closed',
            claimId: c.id,
            details: { group: c.group_ref, reason },
          });
        }
        const updated = await tx('nhi_claims')
          .where({ id: row.id, status: 'open' })
          .update({
            status: 'approved',
            decided_by: options.by,
            decided_at: now,
            comment: options.comment ?? null,
          });
        if (updated !== 1) {
          throw new ConflictError(`claim ${options.id} is no longer open`);
        }
        await this.audit(tx, {
          entityRef: row.entity_ref,
          at: now,
          actor: options.by,
          action: 'claim.approved',
          claimId: row.id,
          details: {
            group: row.group_ref,
            claimedBy: row.created_by,
            ...(options.comment ? { comment: options.comment } : {}),
            ...options.details,
          },
        });
        const after = await tx<ClaimRow>('nhi_claims')
          .where({ id: row.id })
          .first();
        return {
          claim: toClaim(after!),
          superseded: previous
            ? toClaim({
                ...previous,
                status: 'superseded',
                closed_reason: reason,
              })
            : undefined,
          closed: competing.map(c =>
            toClaim({ ...c, status: 'closed', closed_reason: reason }),
          ),
        };
      });
    } catch (e) {
      if (isDatabaseConflictError(e)) {
        throw new ConflictError(
          `another claim for this identity was approved at the same time`,
        );
      }
      throw e;
    }
  }

  /** Rejects or withdraws an open claim. */
  async decideClaim(options: {
    id: string;
    by: string;
    status: 'rejected' | 'withdrawn';
    comment?: string;
    now?: Date;
  }): Promise<NhiClaim> {
    const now = options.now ?? new Date();
    return this.tx(async tx => {
      const row = await tx<ClaimRow>('nhi_claims')
        .where({ id: options.id })
        .first();
      if (!row) throw new NotFoundError(`no claim ${options.id}`);
      const updated = await tx('nhi_claims')
        .where({ id: options.id, status: 'open' })
        .update({
          status: options.status,
          decided_by: options.by,
          decided_at: now,
          comment: options.comment ?? null,
        });
      if (updated !== 1) {
        throw new ConflictError(
          `claim ${options.id} is ${row.status}, not open`,
        );
      }
      await this.audit(tx, {
        entityRef: row.entity_ref,
        at: now,
        actor: options.by,
        action:
          options.status === 'rejected' ? 'claim.rejected' : 'claim.withdrawn',
        claimId: row.id,
        details: {
          group: row.group_ref,
          ...(options.comment ? { comment: options.comment } : {}),
        },
      });
      return toClaim(
        (await tx<ClaimRow>('nhi_claims').where({ id: row.id }).first())!,
      );
    });
  }

  /** Ends the current claimed ownership of an identity. */
  async releaseOwnership(options: {
    entityRef: string;
    by: string;
    comment?: string;
    now?: Date;
  }): Promise<NhiClaim> {
    const now = options.now ?? new Date();
    return this.tx(async tx => {
      const row = await tx<ClaimRow>('nhi_claims')
        .where({ entity_ref: options.entityRef, status: 'approved' })
        .first();
      if (!row) {
        throw new NotFoundError(
          `${options.entityRef} has no claimed owner to release`,
        );
      }
      await tx('nhi_claims')
        .where({ id: row.id, status: 'approved' })
        .update({
          status: 'released',
          closed_reason: options.comment ?? 'released by its owner',
        });
      await this.audit(tx, {
        entityRef: options.entityRef,
        at: now,
        actor: options.by,
        action: 'ownership.released',
        claimId: row.id,
        details: {
          group: row.group_ref,
          ...(options.comment ? { comment: options.comment } : {}),
        },
      });
      return toClaim({
        ...row,
        status: 'released',
        closed_reason: options.comment ?? 'released by its owner',
      });
    });
  }

  /**
   * Which of these identities the user claimed (their claim is the
   * approved owner), in lower case: nobody certifies those in a campaign.
   */
  async claimedBy(userRef: string, entityRefs: string[]): Promise<Set<string>> {
    const claimed = new Set<string>();
    const lower = [...new Set(entityRefs.map(r => r.toLowerCase()))];
    for (let i = 0; i < lower.length; i += 900) {
      const chunk = lower.slice(i, i + 900);
      const rows = await this.knex<ClaimRow>('nhi_claims')
        .where({ created_by: userRef, status: 'approved' })
        .whereRaw(
          `lower(entity_ref) in (${chunk.map(() => '?').join(', ')})`,
          chunk,
        )
        .select('entity_ref');
      for (const r of rows) claimed.add(r.entity_ref.toLowerCase());
    }
    return claimed;
  }

  /** Approved claims after a claim id, in id order: the pipeline's ownership feed. */
  async approvedClaims(page: {
    after?: string;
    limit: number;
  }): Promise<NhiClaim[]> {
    const query = this.knex<ClaimRow>('nhi_claims')
      .where({ status: 'approved' })
      .orderBy('id')
      .limit(page.limit);
    if (page.after) query.where('id', '>', page.after);
    return (await query).map(toClaim);
  }

  /**
   * Records an exception: `active` accepts the finding now; `requested`
   * waits for a reviewer. One active exception and one open request per
   * identity and rule (unique indexes); a request for a rule that is
   * accepted already is a conflict. Expired ones no longer block.
   */
  async createException(options: {
    entityRef: string;
    ruleId: string;
    justification: string;
    until: Date;
    createdBy: string;
    status?: 'active' | 'requested';
    severity?: FindingSeverity;
    now?: Date;
  }): Promise<NhiException> {
    const now = options.now ?? new Date();
    const status = options.status ?? 'active';
    const row: ExceptionRow = {
      id: randomUUID(),
      entity_ref: options.entityRef,
      rule_id: options.ruleId,
      justification: options.justification,
      until: options.until,
      status,
      severity: options.severity ?? null,
      created_by: options.createdBy,
      created_at: now,
      reviewed_by: null,
      reviewed_at: null,
      review_comment: null,
      revoked_by: null,
      revoked_at: null,
    };
    const accepted = () =>
      new ConflictError(
        `${options.ruleId} is already accepted on ${options.entityRef}; revoke that exception first`,
      );
    try {
      await this.tx(async tx => {
        // An expired exception or request for the same rule no longer blocks a new one.
        await this.expire(
          tx,
          row.entity_ref,
          row.rule_id,
          ['active', 'requested'],
          now,
        );
        if (status === 'requested') {
          const active = await tx('nhi_exceptions')
            .where({
              entity_ref: row.entity_ref,
              rule_id: row.rule_id,
              status: 'active',
            })
            .first();
          if (active) throw accepted();
        }
        await tx('nhi_exceptions').insert(row);
        await this.audit(tx, {
          entityRef: row.entity_ref,
          at: now,
          actor: row.created_by,
          action:
            status === 'requested'
              ? 'exception.requested'
              : 'exception.created',
          exceptionId: row.id,
          details: {
            ruleId: row.rule_id,
            until: options.until.toISOString(),
            justification: row.justification,
            ...(row.severity ? { severity: row.severity } : {}),
          },
        });
      });
    } catch (e) {
      if (isDatabaseConflictError(e)) {
        if (status === 'requested') {
          throw new ConflictError(
            `accepting ${options.ruleId} on ${options.entityRef} is already requested and waits for a reviewer`,
          );
        }
        throw accepted();
      }
      throw e;
    }
    return toException(row, now.getTime());
  }

  /**
   * Approves (the finding is accepted from now until its date) or rejects a
   * request. Throws ConflictError when it is no longer an open request
   * (decided, withdrawn or expired) or, on approval, when the rule was
   * accepted meanwhile.
   */
  async reviewException(options: {
    id: string;
    by: string;
    decision: 'approved' | 'rejected';
    comment?: string;
    now?: Date;
  }): Promise<NhiException> {
    const now = options.now ?? new Date();
    const status: StoredExceptionStatus =
      options.decision === 'approved' ? 'active' : 'rejected';
    try {
      return await this.tx(async tx => {
        const row = await tx<ExceptionRow>('nhi_exceptions')
          .where({ id: options.id })
          .first();
        if (!row) throw new NotFoundError(`no exception ${options.id}`);
        const current = toException(row, now.getTime());
        if (current.status !== 'requested') {
          throw new ConflictError(
            `exception ${options.id} is ${current.status}, not a request waiting for review`,
          );
        }
        if (status === 'active') {
          await this.expire(tx, row.entity_ref, row.rule_id, ['active'], now);
        }
        const changes: Partial<ExceptionRow> = {
          status,
          reviewed_by: options.by,
          reviewed_at: now,
          review_comment: options.comment ?? null,
        };
        const updated = await tx('nhi_exceptions')
          .where({ id: row.id, status: 'requested' })
          .update(changes);
        if (updated !== 1) {
          throw new ConflictError(
            `exception ${options.id} was decided by someone else`,
          );
        }
        await this.audit(tx, {
          entityRef: row.entity_ref,
          at: now,
          actor: options.by,
          action:
            status === 'active' ? 'exception.approved' : 'exception.rejected',
          exceptionId: row.id,
          details: {
            ruleId: row.rule_id,
            requestedBy: row.created_by,
            ...(options.comment ? { comment: options.comment } : {}),
          },
        });
        return toException({ ...row, ...changes }, now.getTime());
      });
    } catch (e) {
      if (isDatabaseConflictError(e)) {
        throw new ConflictError(
          `the rule is already accepted on this identity; revoke that exception first`,
        );
      }
      throw e;
    }
  }

  /** The exception, or undefined; an id that is not a uuid names nothing. */
  async getException(id: string): Promise<NhiException | undefined> {
    if (!isRowId(id)) return undefined;
    const row = await this.knex<ExceptionRow>('nhi_exceptions')
      .where({ id })
      .first();
    return row ? toException(row, Date.now()) : undefined;
  }

  /** Exceptions matching the filter, newest first. */
  async listExceptions(
    filter: ExceptionFilter,
    page: PageRequest,
    now = new Date(),
  ): Promise<PageOfRows<NhiException>> {
    const query = this.knex<ExceptionRow>('nhi_exceptions');
    if (filter.entityRef) query.where('entity_ref', filter.entityRef);
    if (filter.statuses) query.whereIn('status', filter.statuses);
    if (filter.activeOnly)
      query.where('status', 'active').andWhere('until', '>', now);
    return paged(query, NEWEST_FIRST, page, (r: ExceptionRow) =>
      toException(r, now.getTime()),
    );
  }

  /** Revokes an active exception, or withdraws a request. */
  async revokeException(options: {
    id: string;
    by: string;
    now?: Date;
  }): Promise<NhiException> {
    const now = options.now ?? new Date();
    return this.tx(async tx => {
      const row = await tx<ExceptionRow>('nhi_exceptions')
        .where({ id: options.id })
        .first();
      if (!row) throw new NotFoundError(`no exception ${options.id}`);
      const updated = await tx('nhi_exceptions')
        .where({ id: options.id })
        .whereIn('status', ['active', 'requested'])
        .update({ status: 'revoked', revoked_by: options.by, revoked_at: now });
      if (updated !== 1) {
        throw new ConflictError(
          `exception ${options.id} is ${
            row.status === 'revoked' ? 'already revoked' : row.status
          }`,
        );
      }
      await this.audit(tx, {
        entityRef: row.entity_ref,
        at: now,
        actor: options.by,
        action:
          row.status === 'requested'
            ? 'exception.withdrawn'
            : 'exception.revoked',
        exceptionId: row.id,
        details: { ruleId: row.rule_id },
      });
      return toException(
        { ...row, status: 'revoked', revoked_by: options.by, revoked_at: now },
        now.getTime(),
      );
    });
  }

  /** The audit trail of an identity, newest first. */
  async listAudit(
    entityRef: string,
    page: PageRequest,
  ): Promise<PageOfRows<NhiAuditEntry>> {
    const query = this.knex('nhi_audit').where({ entity_ref: entityRef });
    return paged(
      query,
      [{ column: 'id', order: 'desc' }],
      page,
      (r: AuditRow) => ({
        id: Number(r.id),
        entityRef: r.entity_ref,
        at: toIsoTime(r.at)!,
        actor: r.actor,
        action: r.action,
        ...(r.claim_id ? { claimId: r.claim_id } : {}),
        ...(r.exception_id ? { exceptionId: r.exception_id } : {}),
        ...(r.details ? { details: JSON.parse(r.details) } : {}),
      }),
    );
  }
}
