import {
  NhiCredential,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';

/**
 * What of an identity the catalog entity holds: what people and plugins
 * filter, count and relate on through the catalog — identity, owner and
 * ownership status, the components that use it, its creator and the human an
 * agent acts for (the relations), risk level and score, the ids of the rules
 * with open findings, the rotation status and the oldest active credential.
 *
 * The rest — credentials, evidence, the permission summary, trust, last
 * use, environments, federation, claim details — is detail that nobody
 * filters on: the catalog would write a search row for each of its leaves
 * for every identity (an AWS user's full spec is 40-odd rows), so it lives
 * in the identity's summary row and is read through
 * `GET /api/catalog/nhi/identities/detail`.
 */
export function toCatalogEntity(
  full: NonHumanIdentityEntity,
): NonHumanIdentityEntity {
  const spec = full.spec;
  const lean: NonHumanIdentitySpec = {
    type: spec.type,
    category: spec.category,
    provider: spec.provider,
    ...(spec.account !== undefined ? { account: spec.account } : {}),
    externalId: spec.externalId,
    ...(spec.owner ? { owner: spec.owner } : {}),
    ownership: {
      status: spec.ownership.status,
      provenance: spec.ownership.provenance,
    },
  };
  if (spec.usedBy?.length) lean.usedBy = spec.usedBy;
  const creation = leanCreation(spec.createdBy);
  if (creation) lean.createdBy = creation;
  if (spec.agent?.onBehalfOf)
    lean.agent = { onBehalfOf: spec.agent.onBehalfOf };
  if (spec.risk) {
    lean.risk = {
      level: spec.risk.level,
      score: spec.risk.score,
      findings: spec.risk.findings.map(f => ({ ruleId: f.ruleId })),
    };
  }
  if (spec.rotation) {
    const oldest = oldestActiveSince(spec.credentials);
    lean.rotation = {
      status: spec.rotation.status,
      ...(oldest ? { oldestActiveSince: oldest } : {}),
    };
  }
  return { ...full, spec: lean };
}

/** Who or what created it, as far as relations need: type and refs. */
function leanCreation(
  c: NonHumanIdentitySpec['createdBy'],
): NonHumanIdentitySpec['createdBy'] | undefined {
  if (!c) return undefined;
  const out: NonNullable<NonHumanIdentitySpec['createdBy']> = { type: c.type };
  if (c.ref) out.ref = c.ref;
  if (c.agent) {
    out.agent = { id: c.agent.id };
    if (c.agent.ref) out.agent.ref = c.agent.ref;
    if (c.agent.onBehalfOf) out.agent.onBehalfOf = c.agent.onBehalfOf;
  }
  return out;
}

/**
 * When the oldest active credential was last rotated (or created): what the
 * scorecards' "oldest credential" fact needs, without the credentials.
 */
function oldestActiveSince(
  credentials: NhiCredential[] | undefined,
): string | undefined {
  let oldest: string | undefined;
  let oldestTime = Infinity;
  for (const c of credentials ?? []) {
    if (c.status !== 'active') continue;
    const since = c.lastRotatedAt ?? c.createdAt;
    const t = since ? Date.parse(since) : NaN;
    if (!Number.isNaN(t) && t < oldestTime) {
      oldestTime = t;
      oldest = since;
    }
  }
  return oldest;
}
