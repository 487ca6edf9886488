import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  NhiCredential,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '../kind/types';

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
  > & {
    risk?: {
      level: string;
      score: number;
      /** The rules with open findings (as the catalog's lean entity has them). */
      findings?: Array<{ ruleId: string }>;
    };
  };
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

/**
 * A page of `GET /nhi/inventory` read by keyset (`paging=keyset`, then
 * `cursor`): in entity ref order, without a count; pass `nextCursor` as
 * `cursor` for the next page, absent on the last.
 *
 * @public
 */
export type NhiInventoryKeysetPage = {
  items: NhiInventoryItem[];
  nextCursor?: string;
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

/**
 * The inventory's sortable columns, as `sort=<field>:<asc|desc>` names them:
 *
 * - `risk`: the risk score (identities not evaluated last when descending);
 * - `name`: the name (the identity column);
 * - `type`: type, then provider and account (the type column);
 * - `owner`: the owner's entity ref, unowned identities last either way;
 * - `rotation`: the rotation status, worst (`expired`) to best
 *   (`not-applicable`) when descending;
 * - `lastUsed`: when last used; ascending puts the longest unused first
 *   (never used, then oldest use), unknown last either way.
 *
 * Ties are broken by name, then entity ref, so pages never overlap.
 *
 * @public
 */
export const NHI_INVENTORY_SORT_FIELDS = [
  'risk',
  'name',
  'type',
  'owner',
  'rotation',
  'lastUsed',
] as const;

/** @public */
export type NhiInventorySortField = (typeof NHI_INVENTORY_SORT_FIELDS)[number];

/**
 * An order of the inventory.
 *
 * @public
 */
export type NhiInventorySort = {
  field: NhiInventorySortField;
  order: 'asc' | 'desc';
};

/**
 * The order the inventory opens in: the riskiest first.
 *
 * @public
 */
export const NHI_INVENTORY_DEFAULT_SORT: NhiInventorySort = {
  field: 'risk',
  order: 'desc',
};

/**
 * Reads `risk:desc`, `name` (ascending) and the like; undefined when it is
 * not one of {@link NHI_INVENTORY_SORT_FIELDS} with `asc` or `desc`.
 *
 * @public
 */
export function parseNhiInventorySort(
  value: string | undefined,
): NhiInventorySort | undefined {
  if (!value) return undefined;
  const [field, order = 'asc', ...rest] = value.trim().split(':');
  if (
    rest.length ||
    !(NHI_INVENTORY_SORT_FIELDS as readonly string[]).includes(field) ||
    (order !== 'asc' && order !== 'desc')
  ) {
    return undefined;
  }
  return { field: field as NhiInventorySortField, order };
}

/**
 * The `sort` parameter of an order: `risk:desc`.
 *
 * @public
 */
export function formatNhiInventorySort(sort: NhiInventorySort): string {
  return `${sort.field}:${sort.order}`;
}

/**
 * One identity as `GET /api/catalog/nhi/inventory/export` hands it to
 * services that read every identity (the search collator, the scorecards):
 * the lean catalog entity's fields with the credentials' ids, dates and
 * rotation status from the identity's detail. Metadata only, never a secret.
 *
 * @public
 */
export type NhiInventoryExportItem = {
  kind: NonHumanIdentityEntity['kind'];
  metadata: { name: string; namespace: string; title?: string };
  spec: Pick<
    NonHumanIdentitySpec,
    | 'type'
    | 'category'
    | 'provider'
    | 'account'
    | 'externalId'
    | 'owner'
    | 'usedBy'
    | 'rotation'
  > & {
    ownership: Pick<NonHumanIdentitySpec['ownership'], 'status' | 'provenance'>;
    risk?: {
      level: string;
      score: number;
      findings: Array<{ ruleId: string }>;
    };
    /**
     * Absent when the summary holds no detail for the identity (a row
     * written before the detail was kept).
     */
    credentials?: Array<
      Pick<
        NhiCredential,
        'id' | 'kind' | 'status' | 'createdAt' | 'lastRotatedAt' | 'expiresAt'
      > & { rotation?: { status: string } }
    >;
  };
};

/**
 * A page of the inventory export, in a stable order: pass `nextCursor` as
 * `after` for the next page; absent on the last.
 *
 * @public
 */
export type NhiInventoryExportPage = {
  items: NhiInventoryExportItem[];
  nextCursor?: string;
  /** What the summary does not hold yet (a source's first run under way). */
  pending?: string;
};
