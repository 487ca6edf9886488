import {
  NHI_INVENTORY_FILTER_KEYS,
  NHI_KIND,
  nhiOwnerRef,
  NhiInventoryFacet,
  NhiInventoryFilters,
} from '@backstage-nhi/plugin-nhi-common';

/** The inventory's filters, as kept in the page URL. */
export type InventoryFilters = NhiInventoryFilters;

export const FILTER_KEYS = NHI_INVENTORY_FILTER_KEYS;

/** Reads filters from URL search params. */
export function filtersFromParams(params: URLSearchParams): InventoryFilters {
  const f: InventoryFilters = {};
  for (const key of FILTER_KEYS) {
    const v = params.get(key);
    if (!v) continue;
    if (key === 'dormant') f.dormant = v === 'true';
    else (f as Record<string, string>)[key] = v;
  }
  return f;
}

/** The catalog filter for the inventory's filters (server side, no client scan). */
export function catalogFilter(
  f: InventoryFilters,
): Record<string, string | string[]> {
  const filter: Record<string, string | string[]> = { kind: NHI_KIND };
  if (f.provider) filter['spec.provider'] = f.provider;
  if (f.category) filter['spec.category'] = f.category;
  if (f.level) filter['spec.risk.level'] = f.level;
  if (f.rotation) filter['spec.rotation.status'] = f.rotation;
  // One catalog filter key holds one condition (several values are an OR), so
  // "dormant" applies when no rule is chosen; the page disables it otherwise.
  if (f.rule) filter['spec.risk.findings.ruleId'] = f.rule;
  else if (f.dormant)
    filter['spec.risk.findings.ruleId'] = 'NHI-DORMANT-IDENTITY';
  if (f.owner === 'unowned') filter['spec.ownership.status'] = 'unowned';
  else if (f.owner) filter['relations.ownedBy'] = ownerRef(f.owner) ?? f.owner;
  return filter;
}

/** Fields searched by the free-text box. */
export const SEARCH_FIELDS = [
  'metadata.name',
  'metadata.title',
  'spec.externalId',
  'spec.credentials.id',
];

/** The fields an inventory row shows: what the page asks the catalog for. */
export const INVENTORY_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'spec.type',
  'spec.category',
  'spec.provider',
  'spec.account',
  'spec.externalId',
  'spec.owner',
  'spec.ownership',
  'spec.lastUsed',
  'spec.risk.level',
  'spec.risk.score',
  'spec.rotation',
];

/** The counts next to the inventory's filters. */
export const INVENTORY_FACETS: NhiInventoryFacet[] = [
  'spec.provider',
  'spec.category',
  'spec.risk.level',
  'spec.rotation.status',
];

/** The counts behind the overview's charts. */
export const OVERVIEW_FACETS: NhiInventoryFacet[] = [
  'spec.category',
  'spec.risk.level',
  'spec.ownership.status',
  'spec.rotation.status',
  'spec.provider',
];

/** The owner's full ref (see `nhiOwnerRef`), or undefined when it is none. */
export function ownerRef(owner: string): string | undefined {
  try {
    return nhiOwnerRef(owner);
  } catch {
    return undefined;
  }
}
