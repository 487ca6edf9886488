import { DatabaseService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  NhiActionPlan,
  NhiActionRequest,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';

const TABLE = 'nhi_action_log';

type Row = {
  id: string;
  action: string;
  source_key: string;
  entity_ref: string | null;
  input: string;
  reason: string;
  requested_by: string;
  requested_at: Date | string;
  status: NhiActionRequest['status'];
  plan: string;
  decided_by: string | null;
  decided_at: Date | string | null;
  comment: string | null;
  result: string | null;
  error: string | null;
  finished_at: Date | string | null;
  dedupe_key: string | null;
};

const time = (v: Date | string | null | undefined) =>
  v === null || v === undefined ? undefined : toIsoTime(v) ?? String(v);

function toRequest(row: Row): NhiActionRequest {
  return {
    id: row.id,
    action: row.action,
    source: row.source_key,
    ...(row.entity_ref ? { entityRef: row.entity_ref } : {}),
    input: JSON.parse(row.input),
    reason: row.reason,
    requestedBy: row.requested_by,
    requestedAt: time(row.requested_at)!,
    status: row.status,
    plan: JSON.parse(row.plan),
    ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at ? { decidedAt: time(row.decided_at) } : {}),
    ...(row.comment ? { comment: row.comment } : {}),
    ...(row.result ? { result: JSON.parse(row.result) } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed|duplicate key/i.test(err?.message ?? '')
  );
}

/** A new entry of the action log. */
export interface NewActionEntry {
  action: string;
  source: string;
  entityRef?: string;
  input: Record<string, unknown>;
  reason: string;
  requestedBy: string;
  requestedAt: Date;
  status: 'pending' | 'running' | 'succeeded';
  plan: NhiActionPlan;
  /** Unique while set (see the table's comment); a second one is a 409. */
  dedupeKey?: string;
  /** For `succeeded` entries written at once (nothing to do). */
  result?: NhiActionPlan;
}

/**
 * The remediation actions' log in the catalog database (`nhi_action_log`):
 * requests waiting for a second person, runs and how they ended. A request
 * is confirmed by one conditional update (pending → running, by someone
 * other than the requester), so two confirmations never both run it.
 */
export class NhiActionStore {
  static async create(database: DatabaseService): Promise<NhiActionStore> {
    // the table is made by the pipeline's migrations (NhiPipelineStore)
    return new NhiActionStore(await database.getClient());
  }

  constructor(private readonly knex: Knex) {}

  /** Adds an entry; a `dedupeKey` already held is a `ConflictError`. */
  async add(entry: NewActionEntry): Promise<NhiActionRequest> {
    const row: Row = {
      id: randomUUID(),
      action: entry.action,
      source_key: entry.source,
      entity_ref: entry.entityRef ?? null,
      input: JSON.stringify(entry.input),
      reason: entry.reason,
      requested_by: entry.requestedBy,
      requested_at: entry.requestedAt,
      status: entry.status,
      plan: JSON.stringify(entry.plan),
      decided_by: null,
      decided_at: null,
      comment: null,
      result: entry.result ? JSON.stringify(entry.result) : null,
      error: null,
      finished_at: entry.status === 'succeeded' ? entry.requestedAt : null,
      dedupe_key: entry.dedupeKey ?? null,
    };
    try {
      await this.knex(TABLE).insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new ConflictError(
          entry.status === 'pending'
            ? `the same ${entry.action} already waits for a second person's confirmation`
            : `${entry.action} was recorded already (${entry.dedupeKey})`,
        );
      }
      throw e;
    }
    return toRequest(row);
  }

  async get(id: string): Promise<NhiActionRequest> {
    const row = await this.knex<Row>(TABLE).where({ id }).first();
    if (!row) throw new NotFoundError(`no action request ${id}`);
    return toRequest(row);
  }

  /** Whether an entry holds this dedupe key. */
  async has(dedupeKey: string): Promise<boolean> {
    return !!(await this.knex(TABLE)
      .where({ dedupe_key: dedupeKey })
      .first('id'));
  }

  /** Newest first, at most `limit`. */
  async list(q: {
    entityRef?: string;
    status?: NhiActionRequest['status'];
    limit?: number;
  }): Promise<NhiActionRequest[]> {
    let query = this.knex<Row>(TABLE);
    if (q.entityRef) query = query.where({ entity_ref: q.entityRef });
    if (q.status) query = query.where({ status: q.status });
    const rows = await query
      .orderBy('requested_at', 'desc')
      .orderBy('id')
      .limit(q.limit ?? 100);
    return rows.map(toRequest);
  }

  /**
   * Decides a pending request: `running` (confirmed: the caller runs it
   * next) or `rejected`. A request that is not pending any more — decided
   * by someone else meanwhile — is a `ConflictError`; nobody decides their
   * own.
   */
  async decide(
    id: string,
    decision: {
      status: 'running' | 'rejected';
      by: string;
      at: Date;
      comment?: string;
    },
  ): Promise<NhiActionRequest> {
    const current = await this.get(id);
    if (current.requestedBy === decision.by) {
      throw new ConflictError(
        'a second person confirms or rejects a request: not the one who asked for it',
      );
    }
    const updated = await this.knex(TABLE)
      .where({ id, status: 'pending' })
      .whereNot({ requested_by: decision.by })
      .update({
        status: decision.status,
        decided_by: decision.by,
        decided_at: decision.at,
        comment: decision.comment ?? null,
        dedupe_key: null,
        ...(decision.status === 'rejected' ? { finished_at: decision.at } : {}),
      });
    if (updated !== 1) {
      throw new ConflictError(
        `action request ${id} is ${
          (await this.get(id)).status
        }, not pending: it was decided already`,
      );
    }
    return this.get(id);
  }

  /** How a run ended. */
  async finish(
    id: string,
    outcome:
      | { status: 'succeeded'; result: NhiActionPlan; entityRef?: string }
      | { status: 'failed'; error: string },
    at: Date,
  ): Promise<NhiActionRequest> {
    await this.knex(TABLE)
      .where({ id })
      .update({
        status: outcome.status,
        finished_at: at,
        ...(outcome.status === 'succeeded'
          ? {
              result: JSON.stringify(outcome.result),
              ...(outcome.entityRef ? { entity_ref: outcome.entityRef } : {}),
            }
          : // a failed enforcement may be tried again by the next run
            { error: outcome.error.slice(0, 4000), dedupe_key: null }),
      });
    return this.get(id);
  }
}
