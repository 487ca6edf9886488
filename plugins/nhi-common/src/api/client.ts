import {
  NhiAuditEntry,
  NhiClaim,
  NhiClaimsQuery,
  NhiCreateClaimRequest,
  NhiCreateExceptionRequest,
  NhiException,
  NhiExceptionPolicy,
  NhiExceptionsQuery,
  NhiPage,
} from './types';
import {
  NhiInventoryAnswer,
  NhiInventoryExportPage,
  NhiInventoryFacet,
  NhiInventoryFacets,
  NhiInventoryFilters,
  NhiInventoryPage,
} from './inventory';
import { NhiTrends } from './trends';
import { NonHumanIdentitySpec } from '../kind/types';
import {
  NhiActionDescriptor,
  NhiActionPlan,
  NhiActionRequest,
  NhiActionRequestBody,
  NhiActionRunResult,
} from './actions';
import {
  nhiCall,
  nhiFetch,
  NhiClientOptions,
  NhiRequestInit,
  queryString as query,
} from './http';

export type { NhiClientOptions } from './http';

/**
 * An identity's whole evaluated spec, as
 * `GET /api/catalog/nhi/identities/detail` answers it: the catalog's entity of
 * an identity from a source holds the fields people filter and relate on
 * (owner, ownership status, risk level and rule ids, rotation status…); the
 * credentials, evidence, permission summary, last use and the rest are here.
 *
 * @public
 */
export type NhiIdentityDetail = {
  entityRef: string;
  spec: NonHumanIdentitySpec;
};

/**
 * The last run of an identity source, as `GET /api/catalog/nhi/sources`
 * reports it.
 *
 * @public
 */
export type NhiSourceStatus = {
  type: string;
  id: string;
  key: string;
  lastRun: null | NhiSourceRun;
};

/**
 * A run of an identity source: what it read, applied and could not, as the
 * catalog module records it.
 *
 * @public
 */
export type NhiSourceRun = {
  /** `held`: everything applied but a removal held for confirmation. */
  status: 'running' | 'succeeded' | 'partial' | 'held' | 'failed';
  startedAt: string;
  finishedAt?: string;
  lastSuccessAt?: string;
  counts: Record<string, number>;
  errors: Array<{ message: string; scope?: string; location?: string }>;
  stats?: Record<string, number>;
  /** The removal held for confirmation, if any. */
  held?: NhiHeldRemoval;
  /**
   * Owner names the run could not resolve to a Group or User, with how
   * many identities named each, most frequent first (map them with
   * `nhi.ownership.aliases`).
   */
  unresolvedOwners?: Array<{ value: string; count: number }>;
};

/**
 * A removal a source run held instead of applying: it would have removed
 * more than the configured share of the source's identities, or all of them.
 *
 * @public
 */
export type NhiHeldRemoval = {
  /** Identities it would remove. */
  count: number;
  /** The source's identities when it was held. */
  total: number;
  /** Why it was held, as a sentence. */
  reason: string;
  /** When it was held: what a confirmation names. */
  since: string;
  /** Who confirmed it, once someone did (the next run applies it). */
  confirmedBy?: string;
  confirmedAt?: string;
};

/**
 * The Backstage NHI API: claims, exceptions, audit (the `nhi` backend
 * plugin) and the identity sources (the catalog module).
 *
 * @public
 */
export interface NhiApi {
  createClaim(request: NhiCreateClaimRequest): Promise<NhiClaim>;
  listClaims(query?: NhiClaimsQuery): Promise<NhiPage<NhiClaim>>;
  approveClaim(id: string, comment?: string): Promise<NhiClaim>;
  rejectClaim(id: string, comment: string): Promise<NhiClaim>;
  withdrawClaim(id: string): Promise<NhiClaim>;
  releaseOwnership(entityRef: string, comment?: string): Promise<NhiClaim>;
  /**
   * Accepts a finding until a date; for an owner and a high or critical
   * finding, the answer is a request (`status: 'requested'`) a reviewer decides.
   */
  createException(request: NhiCreateExceptionRequest): Promise<NhiException>;
  listExceptions(query: NhiExceptionsQuery): Promise<NhiPage<NhiException>>;
  /** Approves a request to accept a finding (reviewers). */
  approveException(id: string, comment?: string): Promise<NhiException>;
  /** Rejects a request to accept a finding, with the reason (reviewers). */
  rejectException(id: string, comment: string): Promise<NhiException>;
  /** Revokes an accepted risk, or withdraws a request. */
  revokeException(id: string): Promise<NhiException>;
  /** What may be accepted and for how long, and whether the caller reviews. */
  getExceptionPolicy(): Promise<NhiExceptionPolicy>;
  listAudit(query: {
    entityRef: string;
    limit?: number;
    cursor?: string;
  }): Promise<NhiPage<NhiAuditEntry>>;
  /**
   * An identity's whole evaluated spec — credentials, evidence, permission
   * summary, last use — of which the catalog's entity holds a lean part.
   * 404 unless the caller may read the entity.
   */
  getIdentityDetail(entityRef: string): Promise<NhiIdentityDetail>;
  listSources(): Promise<{ items: NhiSourceStatus[] }>;
  runSource(type: string, id: string): Promise<void>;
  /**
   * Confirms the removal a source's run held (`nhi.source.run`): `heldSince`
   * is the hold's `since` as shown, so a hold replaced meanwhile is not
   * confirmed unseen (409). A run starts that applies it.
   */
  confirmHeldRemoval(
    type: string,
    id: string,
    heldSince: string,
  ): Promise<void>;
  /**
   * A page of the inventory summary, in the order `sort` names
   * (`risk:desc`, see `NHI_INVENTORY_SORT_FIELDS`); by name without one.
   */
  queryInventory(
    query: NhiInventoryFilters & {
      offset?: number;
      limit?: number;
      sort?: string;
    },
  ): Promise<NhiInventoryAnswer<NhiInventoryPage>>;
  /** Counts of the inventory summary under the filters. */
  getInventoryFacets(
    filters: NhiInventoryFilters,
    facets: readonly NhiInventoryFacet[],
  ): Promise<NhiInventoryAnswer<NhiInventoryFacets>>;
  /**
   * The daily headline figures of the whole inventory (`"all"`) and of
   * teams (group refs), for the last `days` days (default 30).
   */
  getTrends(query: {
    owners: string[];
    days?: number;
  }): Promise<NhiInventoryAnswer<NhiTrends>>;
  /**
   * The remediation actions offered for an identity (by its source), or
   * with `source` those a source offers (creations among them).
   */
  listActions(query: {
    entityRef?: string;
    source?: string;
  }): Promise<{ items: NhiActionDescriptor[] }>;
  /** What an action would change, changing nothing. */
  dryRunAction(
    actionId: string,
    body: Omit<NhiActionRequestBody, 'reason'>,
  ): Promise<{ plan: NhiActionPlan }>;
  /**
   * Runs an action (`reason` required). A destructive action under the
   * two-person rule answers `pending` with the request a second person
   * confirms.
   */
  runAction(
    actionId: string,
    body: NhiActionRequestBody & { reason: string },
  ): Promise<NhiActionRunResult>;
  /** The action log of an identity, or every pending request. */
  listActionRequests(query: {
    entityRef?: string;
    status?: NhiActionRequest['status'];
  }): Promise<{ items: NhiActionRequest[] }>;
  /** Confirms, as the second person, a pending request: it runs. */
  confirmActionRequest(id: string): Promise<NhiActionRunResult>;
  /** Rejects a pending request, with the reason. */
  rejectActionRequest(id: string, comment: string): Promise<NhiActionRequest>;
}

/**
 * The HTTP client of {@link NhiApi}. Throws `ResponseError` (with the
 * backend's message) on any non-2xx answer.
 *
 * @public
 */
export class NhiClient implements NhiApi {
  constructor(private readonly options: NhiClientOptions) {}

  private call<T>(
    pluginId: 'nhi' | 'catalog',
    path: string,
    init?: NhiRequestInit,
  ): Promise<T> {
    return nhiCall<T>(this.options, pluginId, path, init);
  }

  createClaim(request: NhiCreateClaimRequest) {
    return this.call<NhiClaim>('nhi', '/claims', {
      method: 'POST',
      body: request,
    });
  }

  listClaims(q: NhiClaimsQuery = {}) {
    return this.call<NhiPage<NhiClaim>>('nhi', `/claims${query(q)}`);
  }

  approveClaim(id: string, comment?: string) {
    return this.call<NhiClaim>(
      'nhi',
      `/claims/${encodeURIComponent(id)}/approve`,
      {
        method: 'POST',
        body: comment ? { comment } : {},
      },
    );
  }

  rejectClaim(id: string, comment: string) {
    return this.call<NhiClaim>(
      'nhi',
      `/claims/${encodeURIComponent(id)}/reject`,
      {
        method: 'POST',
        body: { comment },
      },
    );
  }

  withdrawClaim(id: string) {
    return this.call<NhiClaim>(
      'nhi',
      `/claims/${encodeURIComponent(id)}/withdraw`,
      {
        method: 'POST',
      },
    );
  }

  releaseOwnership(entityRef: string, comment?: string) {
    return this.call<NhiClaim>('nhi', '/ownership/release', {
      method: 'POST',
      body: comment ? { entityRef, comment } : { entityRef },
    });
  }

  createException(request: NhiCreateExceptionRequest) {
    return this.call<NhiException>('nhi', '/exceptions', {
      method: 'POST',
      body: request,
    });
  }

  listExceptions(q: NhiExceptionsQuery) {
    return this.call<NhiPage<NhiException>>('nhi', `/exceptions${query(q)}`);
  }

  approveException(id: string, comment?: string) {
    return this.call<NhiException>(
      'nhi',
      `/exceptions/${encodeURIComponent(id)}/approve`,
      { method: 'POST', body: comment ? { comment } : {} },
    );
  }

  rejectException(id: string, comment: string) {
    return this.call<NhiException>(
      'nhi',
      `/exceptions/${encodeURIComponent(id)}/reject`,
      { method: 'POST', body: { comment } },
    );
  }

  getExceptionPolicy() {
    return this.call<NhiExceptionPolicy>('nhi', '/exceptions/policy');
  }

  revokeException(id: string) {
    return this.call<NhiException>(
      'nhi',
      `/exceptions/${encodeURIComponent(id)}/revoke`,
      {
        method: 'POST',
      },
    );
  }

  listAudit(q: { entityRef: string; limit?: number; cursor?: string }) {
    return this.call<NhiPage<NhiAuditEntry>>('nhi', `/audit${query(q)}`);
  }

  getIdentityDetail(entityRef: string) {
    return this.call<NhiIdentityDetail>(
      'catalog',
      `/nhi/identities/detail${query({ entityRef })}`,
    );
  }

  listSources() {
    return this.call<{ items: NhiSourceStatus[] }>('catalog', '/nhi/sources');
  }

  queryInventory(
    q: NhiInventoryFilters & { offset?: number; limit?: number; sort?: string },
  ) {
    return this.call<NhiInventoryAnswer<NhiInventoryPage>>(
      'catalog',
      `/nhi/inventory${query(q)}`,
    );
  }

  getInventoryFacets(
    filters: NhiInventoryFilters,
    facets: readonly NhiInventoryFacet[],
  ) {
    return this.call<NhiInventoryAnswer<NhiInventoryFacets>>(
      'catalog',
      `/nhi/inventory/facets${query({ ...filters, facet: [...facets] })}`,
    );
  }

  getTrends(q: { owners: string[]; days?: number }) {
    return this.call<NhiInventoryAnswer<NhiTrends>>(
      'catalog',
      `/nhi/trends${query({ owners: q.owners, days: q.days })}`,
    );
  }

  /**
   * A page of every identity for services that read them all (the search
   * collator, the scorecards): `after` is the previous page's `nextCursor`;
   * `limit` up to 1000. Not part of {@link NhiApi}: a backend's bulk read,
   * which needs the catalog's read permission unconditionally.
   */
  exportInventory(
    q: { after?: string; limit?: number } = {},
  ): Promise<NhiInventoryExportPage> {
    return this.call<NhiInventoryExportPage>(
      'catalog',
      `/nhi/inventory/export${query(q)}`,
    );
  }

  async runSource(type: string, id: string) {
    await this.call<void>(
      'catalog',
      `/nhi/sources/${encodeURIComponent(type)}/${encodeURIComponent(id)}/run`,
      { method: 'POST' },
    );
  }

  async confirmHeldRemoval(type: string, id: string, heldSince: string) {
    await this.call<void>(
      'catalog',
      `/nhi/sources/${encodeURIComponent(type)}/${encodeURIComponent(
        id,
      )}/removals/confirm`,
      { method: 'POST', body: { heldSince } },
    );
  }

  listActions(q: { entityRef?: string; source?: string }) {
    return this.call<{ items: NhiActionDescriptor[] }>(
      'catalog',
      `/nhi/actions${query(q)}`,
    );
  }

  dryRunAction(actionId: string, body: Omit<NhiActionRequestBody, 'reason'>) {
    return this.call<{ plan: NhiActionPlan }>(
      'catalog',
      `/nhi/actions/${encodeURIComponent(actionId)}/dry-run`,
      { method: 'POST', body },
    );
  }

  async runAction(
    actionId: string,
    body: NhiActionRequestBody & { reason: string },
  ) {
    // 202 (pending confirmation) has a body here, unlike the other POSTs
    const response = await nhiFetch(
      this.options,
      'catalog',
      `/nhi/actions/${encodeURIComponent(actionId)}/run`,
      { method: 'POST', body },
    );
    return (await response.json()) as NhiActionRunResult;
  }

  listActionRequests(q: {
    entityRef?: string;
    status?: NhiActionRequest['status'];
  }) {
    return this.call<{ items: NhiActionRequest[] }>(
      'catalog',
      `/nhi/actions/requests${query(q)}`,
    );
  }

  confirmActionRequest(id: string) {
    return this.call<NhiActionRunResult>(
      'catalog',
      `/nhi/actions/requests/${encodeURIComponent(id)}/confirm`,
      { method: 'POST' },
    );
  }

  rejectActionRequest(id: string, comment: string) {
    return this.call<NhiActionRequest>(
      'catalog',
      `/nhi/actions/requests/${encodeURIComponent(id)}/reject`,
      { method: 'POST', body: { comment } },
    );
  }
}
