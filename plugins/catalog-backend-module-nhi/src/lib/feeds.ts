import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  NhiAcceptedRisk,
  NhiApprovedClaim,
  NhiCursorPage,
  NhiFeedsClient,
  readAllPages,
} from '@backstage-nhi/plugin-nhi-common';
import { nhiBackendClientOptions } from '@backstage-nhi/plugin-nhi-node';
import { NhiOwnershipFeed } from './loadContext';

/** Accepted risks by identity entity ref. */
export type AcceptedRisks = Map<string, NhiAcceptedRisk[]>;

/** Since when each identity has been unowned (ISO time), by entity ref. */
export type UnownedSince = Map<string, string>;

/**
 * Reads the claims backend's bulk feeds (approved claims, active accepted
 * risks, since when identities are unowned) through its typed client, as
 * the catalog's own service identity, a few pages per run. When the claims
 * backend is not installed (404) they are empty.
 */
export class NhiBackendFeeds implements NhiOwnershipFeed {
  private readonly client: NhiFeedsClient;
  private readonly limit: number;

  constructor(options: {
    discovery: DiscoveryService;
    auth: AuthService;
    fetch?: typeof fetch;
    pageSize?: number;
  }) {
    this.limit = options.pageSize ?? 500;
    this.client = new NhiFeedsClient(
      nhiBackendClientOptions({ ...options, targetPluginId: 'nhi' }),
    );
  }

  /** Every item of a feed; none when the claims backend is not installed. */
  private async readAll<T>(
    readPage: (page: {
      limit: number;
      cursor?: string;
    }) => Promise<NhiCursorPage<T>>,
  ): Promise<T[]> {
    try {
      return await readAllPages(cursor =>
        readPage({ limit: this.limit, cursor }),
      );
    } catch (error) {
      if (ResponseError.is(error) && error.statusCode === 404) return [];
      throw error;
    }
  }

  async readApprovedClaims(): Promise<NhiApprovedClaim[]> {
    return this.readAll(page => this.client.listApprovedClaims(page));
  }

  async readAcceptedRisks(): Promise<AcceptedRisks> {
    const accepted: AcceptedRisks = new Map();
    for (const item of await this.readAll(page =>
      this.client.listActiveAcceptedRisks(page),
    )) {
      const list = accepted.get(item.entityRef) ?? [];
      list.push({ ruleId: item.ruleId, until: item.until, by: item.by });
      accepted.set(item.entityRef, list);
    }
    return accepted;
  }

  /**
   * Since when each identity has been unowned, as the claims backend's
   * unowned-identity policy first saw it (`GET /unowned`); evaluation turns
   * it into NHI-UNOWNED-PAST-GRACE once the grace period has passed.
   */
  async readUnownedSince(): Promise<UnownedSince> {
    const since: UnownedSince = new Map();
    for (const item of await this.readAll(page =>
      this.client.listUnownedIdentities(page),
    )) {
      since.set(item.entityRef.toLowerCase(), item.since);
    }
    return since;
  }
}
