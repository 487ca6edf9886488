import type { catalogApiRef } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import {
  NhiApi,
  NhiInventoryFacet,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import {
  catalogFilter,
  InventoryFilters,
  INVENTORY_FIELDS,
  SEARCH_FIELDS,
} from './filters';

type CatalogApi = typeof catalogApiRef.T;

/** Counts by facet, as the catalog's `getEntityFacets` returns them. */
export type FacetCounts = Record<
  string,
  Array<{ value: string; count: number }>
>;

/**
 * Whether the summary route is missing or refused (an older catalog module, a
 * denied read): the catalog answers those as it always did.
 */
function askCatalog(e: unknown) {
  return (
    e instanceof ResponseError &&
    (e.response.status === 404 || e.response.status === 403)
  );
}

/**
 * A page of the inventory: from the pipeline's summary when it can answer
 * (indexed, fast at any size), else from the catalog's query API.
 */
export async function inventoryPage(
  apis: { nhiApi: NhiApi; catalogApi: CatalogApi },
  filters: InventoryFilters,
  page: { offset: number; limit: number },
): Promise<{ items: NonHumanIdentityEntity[]; totalCount: number }> {
  try {
    const answer = await apis.nhiApi.queryInventory({ ...filters, ...page });
    if (answer.ready) {
      return {
        items: answer.items as unknown as NonHumanIdentityEntity[],
        totalCount: answer.totalCount,
      };
    }
  } catch (e) {
    if (!askCatalog(e)) throw e;
  }
  const result = await apis.catalogApi.queryEntities({
    filter: catalogFilter(filters),
    fields: INVENTORY_FIELDS,
    limit: page.limit,
    offset: page.offset,
    orderFields: { field: 'metadata.name', order: 'asc' },
    ...(filters.q
      ? { fullTextFilter: { term: filters.q, fields: SEARCH_FIELDS } }
      : {}),
  });
  return {
    items: result.items as NonHumanIdentityEntity[],
    totalCount: result.totalItems,
  };
}

/**
 * Counts of the inventory under the filters (the free text aside), from the
 * summary when it can answer, else from the catalog's facets.
 */
export async function inventoryFacets(
  apis: { nhiApi: NhiApi; catalogApi: CatalogApi },
  filters: InventoryFilters,
  facets: readonly NhiInventoryFacet[],
): Promise<FacetCounts> {
  const withoutText = { ...filters, q: undefined };
  try {
    const answer = await apis.nhiApi.getInventoryFacets(withoutText, facets);
    if (answer.ready) return answer.facets as FacetCounts;
  } catch (e) {
    if (!askCatalog(e)) throw e;
  }
  const { facets: counts } = await apis.catalogApi.getEntityFacets({
    filter: catalogFilter(withoutText),
    facets: [...facets],
  });
  return counts;
}
