import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  DAY,
  isPastRotation,
  NhiCredential,
  nhiOwnershipCoverage,
  nhiRuleIds,
  NonHumanIdentitySpec,
  worstRotation,
} from '@backstage-nhi/plugin-nhi-common';

/** Rule ids whose open findings the facts count. */
export const NHI_FACT_RULES = {
  dormant: ['NHI-DORMANT-IDENTITY', 'NHI-DORMANT-CREDENTIAL'],
  leaked: ['NHI-LEAKED-CREDENTIAL'],
  admin: ['NHI-ADMIN'],
  agentWithoutExpiry: ['NHI-AGENT-NO-EXPIRY'],
} as const;

/**
 * The catalog fields of a NonHumanIdentity the facts are computed from; the
 * bulk read asks for these only.
 *
 * @public
 */
export const NHI_FACT_FIELDS: readonly string[] = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'spec.owner',
  'spec.ownership.status',
  'spec.usedBy',
  'spec.risk.level',
  'spec.risk.score',
  'spec.risk.findings',
  'spec.rotation',
  'spec.credentials',
];

/**
 * Facts about one NonHumanIdentity entity.
 *
 * @public
 */
export type NhiIdentityFacts = {
  /** Risk level: its worst open finding (`none` when not evaluated). */
  riskLevel: string;
  /** Risk score 0–100 (0 when not evaluated). */
  riskScore: number;
  /** Its rotation status is past the policy: overdue, never-rotated or expired. */
  overdueRotation: boolean;
  /** Open NHI-DORMANT-IDENTITY or NHI-DORMANT-CREDENTIAL finding. */
  dormant: boolean;
  /** Open NHI-LEAKED-CREDENTIAL finding. */
  leaked: boolean;
  /** Open NHI-ADMIN finding. */
  admin: boolean;
  /** Open NHI-AGENT-NO-EXPIRY finding. */
  agentWithoutExpiry: boolean;
  /** Nobody owns it. */
  unowned: boolean;
  /** Days since its oldest active credential was last rotated or created; 0 when none. */
  oldestCredentialAgeDays: number;
  /**
   * Its active credentials; for the catalog's lean copy of an identity from
   * a source (which holds no credentials), 1 when its rotation status is
   * that of an active credential.
   */
  credentials: number;
  /** Of those, how many are past their rotation policy. */
  credentialsPastPolicy: number;
};

/**
 * Facts about a set of identities: the ones a Component uses or a Group owns.
 *
 * @public
 */
export type NhiAggregateFacts = {
  /** How many identities. */
  identities: number;
  /** How many at risk level critical. */
  critical: number;
  /** How many at risk level high. */
  high: number;
  /** How many nobody owns. */
  unowned: number;
  /** How many are dormant or have a dormant credential. */
  dormant: number;
  /** How many are past the rotation policy: overdue, never-rotated or expired. */
  overdueRotation: number;
  /** How many have a leaked credential. */
  leaked: number;
  /** How many have administrator access. */
  admin: number;
  /** How many are AI-agent identities without expiry. */
  agentsWithoutExpiry: number;
  /** Percentage (0–100, two decimals, rounded down) that have an owner; 100 when there are no identities. */
  ownershipCoverage: number;
  /** Days since the oldest active credential among them was last rotated or created; 0 when none. */
  oldestCredentialAgeDays: number;
  /** Their active credentials. */
  credentials: number;
  /** Of those, how many are past their rotation policy. */
  credentialsPastPolicy: number;
  /**
   * Percentage (0–100, two decimals, rounded down) of their active
   * credentials within their rotation policy; 100 when there are none.
   */
  credentialsWithinPolicy: number;
  /**
   * Percentage (0–100, two decimals, rounded up) of them that are dormant or
   * have a dormant credential; 0 when there are no identities.
   */
  dormantShare: number;
  /**
   * Critical identities per 100 identities (two decimals, rounded up); 0
   * when there are no identities.
   */
  criticalPer100: number;
};

/**
 * Facts per Component (by the identities' `spec.usedBy`) and per owner (by
 * their `spec.owner`), keyed by lower-case entity ref.
 *
 * @public
 */
export type NhiAggregation = {
  /**
   * Keyed by the ref of each entity that uses identities: named in their
   * `spec.usedBy` (the `dependsOn` relation), of any kind.
   */
  byDependent: Map<string, NhiAggregateFacts>;
  /** Keyed by the ref of each owner (Group or User). */
  byOwner: Map<string, NhiAggregateFacts>;
  /**
   * The unowned identities each entity uses (identity refs), keyed like
   * `byDependent`: a team is answerable for the unowned identities its
   * components use.
   */
  unownedByDependent: Map<string, Set<string>>;
};

/**
 * The facts of an entity with no identities.
 *
 * @public
 */
export function emptyNhiAggregateFacts(): NhiAggregateFacts {
  return {
    identities: 0,
    critical: 0,
    high: 0,
    unowned: 0,
    dormant: 0,
    overdueRotation: 0,
    leaked: 0,
    admin: 0,
    agentsWithoutExpiry: 0,
    ownershipCoverage: 100,
    oldestCredentialAgeDays: 0,
    credentials: 0,
    credentialsPastPolicy: 0,
    credentialsWithinPolicy: 100,
    dormantShare: 0,
    criticalPer100: 0,
  };
}

/** Rounded up to two decimals, so that 10.001 % never passes as 10 %. */
function shareRoundedUp(part: number, total: number): number {
  return total > 0 ? Math.ceil((part * 10_000) / total) / 100 : 0;
}

/**
 * An identity's active credentials and how many are past their rotation
 * policy: from its credentials (the detail, or a hand-written entity), else
 * from its rotation status, which is its worst active credential's.
 */
function credentialTally(spec: Partial<NonHumanIdentitySpec>): {
  credentials: number;
  pastPolicy: number;
} {
  if (Array.isArray(spec.credentials)) {
    const active = spec.credentials.filter(c => c.status === 'active');
    return {
      credentials: active.length,
      pastPolicy: active.filter(c => isPastRotation(c.rotation?.status)).length,
    };
  }
  const status = spec.rotation?.status;
  if (!status || status === 'not-applicable' || status === 'inactive') {
    return { credentials: 0, pastPolicy: 0 };
  }
  return { credentials: 1, pastPolicy: isPastRotation(status) ? 1 : 0 };
}

function toMillis(now: Date | number): number {
  return typeof now === 'number' ? now : now.getTime();
}

function specOf(identity: Entity): Partial<NonHumanIdentitySpec> {
  return (identity.spec ?? {}) as Partial<NonHumanIdentitySpec>;
}

/**
 * A ref as the NonHumanIdentity processor turns it into a relation: default
 * kind for short refs, the identity's namespace by default; undefined when
 * it is not an entity ref.
 */
function normalizeRef(
  ref: unknown,
  defaultKind: string,
  defaultNamespace: string,
): string | undefined {
  if (typeof ref !== 'string' || !ref.trim()) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(ref.trim(), { defaultKind, defaultNamespace }),
    );
  } catch {
    return undefined;
  }
}

/**
 * Days since the oldest active credential was rotated: from the credentials
 * of a hand-written identity, or from `rotation.oldestActiveSince` of one
 * from a source (whose catalog entity does not hold its credentials).
 */
function oldestActiveCredentialAgeDays(
  credentials: NhiCredential[] | undefined,
  oldestActiveSince: string | undefined,
  now: number,
): number {
  if (!credentials && oldestActiveSince) {
    const since = Date.parse(oldestActiveSince);
    return Number.isNaN(since)
      ? 0
      : Math.max(0, Math.floor((now - since) / DAY));
  }
  let oldest = 0;
  for (const c of credentials ?? []) {
    if (c.status !== 'active') continue;
    const since = Date.parse(c.lastRotatedAt ?? c.createdAt ?? '');
    if (Number.isNaN(since)) continue;
    oldest = Math.max(oldest, Math.floor((now - since) / DAY));
  }
  return oldest;
}

/**
 * The owner of an identity as an entity ref (`group:` by default, like the
 * `ownedBy` relation the kind processor emits), or undefined when it is
 * unowned.
 *
 * @public
 */
export function nhiOwnerRef(identity: Entity): string | undefined {
  const spec = specOf(identity);
  if (spec.ownership?.status === 'unowned') return undefined;
  return normalizeRef(
    spec.owner,
    'group',
    identity.metadata.namespace ?? 'default',
  );
}

/**
 * The facts of one identity at time `now`. Pure. Counts open findings only
 * (`spec.risk.findings`): accepted risks and disabled rules do not count, so the
 * facts agree with the identity's risk on its page.
 *
 * @public
 */
export function nhiIdentityFacts(
  identity: Entity,
  now: Date | number,
): NhiIdentityFacts {
  const spec = specOf(identity);
  const rules = new Set(nhiRuleIds(spec.risk));
  const fired = (ids: readonly string[]) => ids.some(id => rules.has(id));
  const rotation =
    spec.rotation?.status ?? worstRotation(spec.credentials ?? []);
  const tally = credentialTally(spec);
  return {
    riskLevel: spec.risk?.level ?? 'none',
    riskScore: spec.risk?.score ?? 0,
    overdueRotation: isPastRotation(rotation),
    dormant: fired(NHI_FACT_RULES.dormant),
    leaked: fired(NHI_FACT_RULES.leaked),
    admin: fired(NHI_FACT_RULES.admin),
    agentWithoutExpiry: fired(NHI_FACT_RULES.agentWithoutExpiry),
    unowned: nhiOwnerRef(identity) === undefined,
    oldestCredentialAgeDays: oldestActiveCredentialAgeDays(
      spec.credentials,
      spec.rotation?.oldestActiveSince,
      toMillis(now),
    ),
    credentials: tally.credentials,
    credentialsPastPolicy: tally.pastPolicy,
  };
}

type Tally = Omit<
  NhiAggregateFacts,
  | 'ownershipCoverage'
  | 'credentialsWithinPolicy'
  | 'dormantShare'
  | 'criticalPer100'
>;

function add(tally: Tally, facts: NhiIdentityFacts) {
  tally.identities += 1;
  if (facts.riskLevel === 'critical') tally.critical += 1;
  if (facts.riskLevel === 'high') tally.high += 1;
  if (facts.unowned) tally.unowned += 1;
  if (facts.dormant) tally.dormant += 1;
  if (facts.overdueRotation) tally.overdueRotation += 1;
  if (facts.leaked) tally.leaked += 1;
  if (facts.admin) tally.admin += 1;
  if (facts.agentWithoutExpiry) tally.agentsWithoutExpiry += 1;
  tally.oldestCredentialAgeDays = Math.max(
    tally.oldestCredentialAgeDays,
    facts.oldestCredentialAgeDays,
  );
  tally.credentials += facts.credentials;
  tally.credentialsPastPolicy += facts.credentialsPastPolicy;
}

function finish(tally: Tally): NhiAggregateFacts {
  const owned = tally.identities - tally.unowned;
  return {
    ...tally,
    // Rounded down so that 89.999 % never shows or passes as 90 %.
    ownershipCoverage: nhiOwnershipCoverage(owned, tally.identities),
    credentialsWithinPolicy: nhiOwnershipCoverage(
      tally.credentials - tally.credentialsPastPolicy,
      tally.credentials,
    ),
    dormantShare: shareRoundedUp(tally.dormant, tally.identities),
    criticalPer100: shareRoundedUp(tally.critical, tally.identities),
  };
}

/**
 * Accumulates identities one page at a time, so that a streamed catalog read
 * of every identity never has to be held in memory: only one tally per
 * component and per owner is.
 *
 * @public
 */
export class NhiFactAggregator {
  readonly #now: number;
  readonly #byDependent = new Map<string, Tally>();
  readonly #byOwner = new Map<string, Tally>();
  readonly #unownedByDependent = new Map<string, Set<string>>();

  /** @param now - the time credential ages are measured at */
  constructor(now: Date | number) {
    this.#now = toMillis(now);
  }

  /** Adds one identity to the tallies of the entities that use and own it. */
  add(identity: Entity): void {
    const facts = nhiIdentityFacts(identity, this.#now);
    const namespace = identity.metadata.namespace ?? 'default';
    const users = new Set<string>();
    for (const user of specOf(identity).usedBy ?? []) {
      const ref = normalizeRef(user, 'component', namespace);
      if (ref) users.add(ref);
    }
    for (const ref of users) add(this.#tally(this.#byDependent, ref), facts);
    if (facts.unowned) {
      const identityRef = stringifyEntityRef(identity);
      for (const ref of users) {
        const set = this.#unownedByDependent.get(ref) ?? new Set<string>();
        set.add(identityRef);
        this.#unownedByDependent.set(ref, set);
      }
    }
    const owner = nhiOwnerRef(identity);
    if (owner) add(this.#tally(this.#byOwner, owner), facts);
  }

  /** The facts so far. */
  result(): NhiAggregation {
    const done = (m: Map<string, Tally>) =>
      new Map([...m].map(([ref, tally]) => [ref, finish(tally)]));
    return {
      byDependent: done(this.#byDependent),
      byOwner: done(this.#byOwner),
      unownedByDependent: this.#unownedByDependent,
    };
  }

  #tally(map: Map<string, Tally>, ref: string): Tally {
    let tally = map.get(ref);
    if (!tally) {
      const {
        ownershipCoverage: _coverage,
        credentialsWithinPolicy: _within,
        dormantShare: _dormant,
        criticalPer100: _critical,
        ...zero
      } = emptyNhiAggregateFacts();
      tally = zero;
      map.set(ref, tally);
    }
    return tally;
  }
}

/**
 * Aggregates identities into facts per entity that uses them (from
 * `spec.usedBy`, normalised like the `dependencyOf` relation) and per owner
 * (from `spec.owner`, normalised like the `ownedBy` relation). Direct
 * ownership only: a parent group's facts do not include its child groups'
 * identities. An identity named twice in `spec.usedBy` counts once. Pure.
 *
 * @public
 */
export function aggregateNhiFacts(
  identities: Iterable<Entity>,
  now: Date | number,
): NhiAggregation {
  const aggregator = new NhiFactAggregator(now);
  for (const identity of identities) aggregator.add(identity);
  return aggregator.result();
}
