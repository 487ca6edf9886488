import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { NonHumanIdentityEntity } from '../kind/types';

/**
 * The NHI page's inventory filters, as kept in its URL and sent to
 * `GET /api/catalog/nhi/inventory`.
 *
 * @public
 */
export type NhiInventoryFilters = {
  provider?: string;
  category?: string;
  /** Risk level. */
  level?: string;
  /** A risk rule id. */
  rule?: string;
  /** `unowned`, or an owner entity ref (`team-a` means `group:default/team-a`). */
  owner?: string;
  /** Only identities with the dormant-identity finding. */
  dormant?: boolean;
  /** Rotation status. */
  rotation?: string;
  /** Free text: external id, ARN, key id, name or title. */
  q?: string;
};

/**
 * The facets the inventory summary counts, named as the catalog's fields.
 *
 * @public
 */
export const NHI_INVENTORY_FACETS = [
  'spec.provider',
  'spec.category',
  'spec.risk.level',
  'spec.rotation.status',
  'spec.ownership.status',
  'relations.ownedBy',
] as const;

/** @public */
export type NhiInventoryFacet = (typeof NHI_INVENTORY_FACETS)[number];

/**
 * An identity as the inventory lists it: the entity with only the fields a
 * row shows.
 *
 * @public
 */
export type NhiInventoryItem = {
  kind: NonHumanIdentityEntity['kind'];
  metadata: { name: string; namespace: string; title?: string };
  spec: Pick<
    NonHumanIdentityEntity['spec'],
    | 'type'
    | 'category'
    | 'provider'
    | 'account'
    | 'externalId'
    | 'owner'
    | 'ownership'
    | 'lastUsed'
    | 'rotation'
  > & { risk?: { level: string; score: number } };
};

/**
 * An answer of the inventory summary. `ready: false` when the summary cannot
 * answer for the caller (the catalog's read permission is conditional for
 * them, or a source has not written all its identities yet): ask the catalog.
 *
 * @public
 */
export type NhiInventoryAnswer<T> =
  | ({
      ready: true;
      /** What the summary does not hold yet (a source's first run under way). */
      pending?: string;
    } & T)
  | { ready: false; reason: string };

/** @public */
export type NhiInventoryPage = {
  items: NhiInventoryItem[];
  totalCount: number;
};

/** @public */
export type NhiInventoryFacets = {
  /** Identities matching the filters. */
  totalCount: number;
  facets: Partial<
    Record<NhiInventoryFacet, Array<{ value: string; count: number }>>
  >;
};

/**
 * The keys of {@link NhiInventoryFilters}, as the page's URL and the
 * inventory routes take them.
 *
 * @public
 */
export const NHI_INVENTORY_FILTER_KEYS: ReadonlyArray<
  keyof NhiInventoryFilters
> = [
  'provider',
  'category',
  'level',
  'rule',
  'owner',
  'dormant',
  'rotation',
  'q',
];

/**
 * An owner as the catalog's `ownedBy` relation names it, in lower case:
 * `team-a` is `group:default/team-a`. Throws when it is not an entity ref.
 *
 * @public
 */
export function nhiOwnerRef(
  owner: string,
  defaultNamespace = 'default',
): string {
  return stringifyEntityRef(
    parseEntityRef(owner.trim(), { defaultKind: 'group', defaultNamespace }),
  ).toLowerCase();
}
