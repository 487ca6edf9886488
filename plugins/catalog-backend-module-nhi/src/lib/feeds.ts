import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  NhiAcceptedRisk,
  NhiApprovedClaim,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiOwnershipFeed } from './loadContext';

/** Accepted risks by identity entity ref. */
export type AcceptedRisks = Map<string, NhiAcceptedRisk[]>;

/** Since when each identity has been unowned (ISO time), by entity ref. */
export type UnownedSince = Map<string, string>;

/**
 * Reads the claims backend's bulk feeds (approved claims, active accepted
 * risks, since when identities are unowned) over HTTP as the catalog's
 * service identity, a few paged requests per run. When the claims backend
 * is not installed (404) they are empty.
 */
export class NhiBackendFeeds implements NhiOwnershipFeed {
  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
      fetch?: typeof fetch;
      pageSize?: number;
    },
  ) {}

  private async get(path: string): Promise<any | undefined> {
    const { discovery, auth } = this.options;
    const base = await discovery.getBaseUrl('nhi');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'nhi',
    });
    const response = await (this.options.fetch ?? fetch)(`${base}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return response.json();
  }

  async readApprovedClaims(): Promise<NhiApprovedClaim[]> {
    const claims: NhiApprovedClaim[] = [];
    const limit = this.options.pageSize ?? 500;
    let after: string | undefined;
    for (;;) {
      const page = await this.get(
        `/ownership?limit=${limit}${
          after ? `&after=${encodeURIComponent(after)}` : ''
        }`,
      );
      if (!page) return claims;
      claims.push(...page.items);
      if (!page.nextCursor) return claims;
      after = page.nextCursor;
    }
  }

  async readAcceptedRisks(): Promise<AcceptedRisks> {
    const accepted: AcceptedRisks = new Map();
    const limit = this.options.pageSize ?? 500;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.get(
        `/exceptions/active?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (!page) return accepted;
      for (const item of page.items as Array<
        NhiAcceptedRisk & { entityRef: string }
      >) {
        const list = accepted.get(item.entityRef) ?? [];
        list.push({ ruleId: item.ruleId, until: item.until, by: item.by });
        accepted.set(item.entityRef, list);
      }
      if (!page.nextCursor) return accepted;
      cursor = page.nextCursor;
    }
  }

  /**
   * Since when each identity has been unowned, as the claims backend's
   * unowned-identity policy first saw it (`GET /unowned`); evaluation turns
   * it into NHI-UNOWNED-PAST-GRACE once the grace period has passed.
   */
  async readUnownedSince(): Promise<UnownedSince> {
    const since: UnownedSince = new Map();
    const limit = this.options.pageSize ?? 500;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.get(
        `/unowned?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (!page) return since;
      for (const item of page.items as Array<{
        entityRef: string;
        since: string;
      }>) {
        since.set(item.entityRef.toLowerCase(), item.since);
      }
      if (!page.nextCursor) return since;
      cursor = page.nextCursor;
    }
  }
}
