import { NhiApprovedClaim } from '@backstage-nhi/plugin-nhi-common';
import { EnrichmentContext } from '../lib/buildEntity';

/**
 * Ownership events (an approved or released claim) a provider applied as a
 * delta, laid over the claims feed a run reads: an event that arrived after
 * the feed was read wins over it, so that a run in progress does not undo a
 * claim approved a second ago. Events from before the feed was read are in
 * the feed, and forgotten.
 */
export class RecentClaims {
  private readonly recent = new Map<
    string,
    { claim: NhiApprovedClaim | null; at: number }
  >();

  /** Notes an ownership event: `null` when the claim was released. */
  set(entityRef: string, claim: NhiApprovedClaim | null, at = Date.now()) {
    this.recent.set(entityRef, { claim, at });
  }

  /**
   * The enrichment context with the events since `loadedAt` (when its claims
   * feed was read) laid over its claims.
   */
  overlay(context: EnrichmentContext, loadedAt: number): EnrichmentContext {
    for (const [ref, entry] of this.recent) {
      if (entry.at < loadedAt) this.recent.delete(ref);
    }
    const claims = context.claims;
    return {
      ...context,
      claims: {
        get: (ref: string) => {
          const recent = this.recent.get(ref);
          return recent ? recent.claim ?? undefined : claims.get(ref);
        },
      },
    };
  }
}
