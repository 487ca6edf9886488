import { stringifyEntityRef } from '@backstage/catalog-model';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_NHI_SOURCE,
  NHI_IDENTITY_ROTATION_STATUSES,
  NHI_INVENTORY_DEFAULT_SORT,
  NHI_INVENTORY_FACETS,
  NHI_INVENTORY_FILTER_KEYS,
  NHI_INVENTORY_SORT_FIELDS,
  nhiOwnerRef,
  nhiRuleIds,
  NHI_KIND,
  NhiInventoryFacet,
  NhiInventoryFacets,
  NhiInventoryExportItem,
  NhiInventoryFilters,
  NhiInventoryItem,
  NhiInventoryPage,
  NhiInventorySort,
  NonHumanIdentityEntity,
  parseNhiInventorySort,
} from '@backstage-nhi/plugin-nhi-common';
import { Knex } from 'knex';

/** The source key of identities written by hand in catalog files. */
export const DECLARED_SOURCE = 'declared';

const TABLE = 'nhi_inventory';
// 23 columns a row: 400 rows stay under SQLite's and PostgreSQL's bind limits.
const CHUNK = 400;
const DORMANT_RULE = 'NHI-DORMANT-IDENTITY';

type Row = {
  entity_ref: string;
  source_key: string;
  name: string;
  namespace: string;
  title: string | null;
  type: string;
  category: string;
  provider: string;
  account: string | null;
  external_id: string;
  owner: string | null;
  ownership_status: string;
  ownership_provenance: string;
  suggested_owners: string | null;
  risk_level: string | null;
  risk_score: number | null;
  rules: string;
  rotation_status: string | null;
  /** How bad the rotation status is, for sorting: see {@link rotationRank}. */
  rotation_rank: number | null;
  last_used_at: string | null;
  last_used_never: boolean | number;
  search_text: string;
  /** JSON of the whole evaluated spec. */
  detail: string | null;
};

/** What a page of the list shows: every column but the detail. */
const LIST_COLUMNS: Array<keyof Row> = [
  'entity_ref',
  'source_key',
  'name',
  'namespace',
  'title',
  'type',
  'category',
  'provider',
  'account',
  'external_id',
  'owner',
  'ownership_status',
  'ownership_provenance',
  'suggested_owners',
  'risk_level',
  'risk_score',
  'rules',
  'rotation_status',
  'last_used_at',
  'last_used_never',
  'search_text',
];

const FACET_COLUMNS: Record<NhiInventoryFacet, keyof Row> = {
  'spec.provider': 'provider',
  'spec.category': 'category',
  'spec.risk.level': 'risk_level',
  'spec.rotation.status': 'rotation_status',
  'spec.ownership.status': 'ownership_status',
  'relations.ownedBy': 'owner',
};

/**
 * How bad a rotation status is, for sorting worst first: `expired` highest,
 * `not-applicable` 0, an unknown status null.
 */
export function rotationRank(status: string | undefined): number | null {
  const i = (NHI_IDENTITY_ROTATION_STATUSES as readonly string[]).indexOf(
    status ?? '',
  );
  return i < 0 ? null : NHI_IDENTITY_ROTATION_STATUSES.length - 1 - i;
}

/** The summary row of one identity. */
export function inventoryRow(
  entity: NonHumanIdentityEntity,
  sourceKey: string,
): Row {
  const { metadata, spec } = entity;
  const namespace = metadata.namespace ?? 'default';
  let owner: string | null = null;
  if (spec.owner) {
    try {
      owner = nhiOwnerRef(spec.owner, namespace);
    } catch {
      owner = spec.owner.toLowerCase();
    }
  }
  const search = [
    metadata.name,
    metadata.title,
    spec.externalId,
    ...(spec.credentials ?? []).map(c => c.id),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join('\n')
    .toLowerCase();
  return {
    entity_ref: stringifyEntityRef({
      kind: NHI_KIND,
      namespace,
      name: metadata.name,
    }).toLowerCase(),
    source_key: sourceKey,
    name: metadata.name,
    namespace,
    title: metadata.title ?? null,
    type: spec.type,
    category: spec.category,
    provider: spec.provider,
    account: spec.account ?? null,
    external_id: spec.externalId,
    owner,
    ownership_status: spec.ownership?.status ?? (owner ? 'owned' : 'unowned'),
    ownership_provenance: spec.ownership?.provenance ?? 'none',
    suggested_owners: spec.ownership?.suggestedOwners?.length
      ? JSON.stringify(spec.ownership.suggestedOwners)
      : null,
    risk_level: spec.risk?.level ?? null,
    risk_score: spec.risk?.score ?? null,
    rules: ` ${nhiRuleIds(spec.risk).join(' ')} `,
    rotation_status: spec.rotation?.status ?? null,
    rotation_rank: rotationRank(spec.rotation?.status),
    last_used_at: spec.lastUsed?.at ?? null,
    last_used_never: !!spec.lastUsed?.never,
    search_text: search,
    detail: JSON.stringify(spec),
  };
}

function toItem(row: Row): NhiInventoryItem {
  const spec: NhiInventoryItem['spec'] = {
    type: row.type,
    category: row.category as NhiInventoryItem['spec']['category'],
    provider: row.provider,
    externalId: row.external_id,
    ownership: {
      status: row.ownership_status as 'owned' | 'unowned',
      provenance:
        row.ownership_provenance as NhiInventoryItem['spec']['ownership']['provenance'],
      ...(row.suggested_owners
        ? { suggestedOwners: JSON.parse(row.suggested_owners) }
        : {}),
    },
  };
  if (row.account) spec.account = row.account;
  if (row.owner) spec.owner = row.owner;
  if (row.risk_level) {
    const ruleIds = row.rules.trim();
    spec.risk = {
      level: row.risk_level,
      score: row.risk_score ?? 0,
      findings: ruleIds ? ruleIds.split(/\s+/).map(ruleId => ({ ruleId })) : [],
    };
  }
  if (row.rotation_status) {
    spec.rotation = {
      status: row.rotation_status as NonNullable<
        NhiInventoryItem['spec']['rotation']
      >['status'],
    };
  }
  if (row.last_used_at || row.last_used_never) {
    spec.lastUsed = row.last_used_never
      ? { never: true }
      : { at: row.last_used_at ?? undefined };
  }
  return {
    kind: NHI_KIND,
    metadata: {
      name: row.name,
      namespace: row.namespace,
      ...(row.title ? { title: row.title } : {}),
    },
    spec,
  };
}

/** The columns an export row is built from: the list's and the detail. */
const EXPORT_COLUMNS: Array<keyof Row> = [
  'entity_ref',
  'name',
  'namespace',
  'title',
  'type',
  'category',
  'provider',
  'account',
  'external_id',
  'owner',
  'ownership_status',
  'ownership_provenance',
  'risk_level',
  'risk_score',
  'rules',
  'rotation_status',
  'detail',
];

function toExportItem(row: Row): NhiInventoryExportItem {
  let detail: Partial<NonHumanIdentityEntity['spec']> | undefined;
  if (row.detail) {
    try {
      detail = JSON.parse(row.detail);
    } catch {
      detail = undefined;
    }
  }
  const spec: NhiInventoryExportItem['spec'] = {
    type: row.type,
    category: row.category as NhiInventoryExportItem['spec']['category'],
    provider: row.provider,
    externalId: row.external_id,
    ownership: {
      status: row.ownership_status as 'owned' | 'unowned',
      provenance:
        row.ownership_provenance as NhiInventoryExportItem['spec']['ownership']['provenance'],
    },
  };
  if (row.account) spec.account = row.account;
  if (row.owner) spec.owner = row.owner;
  if (detail?.usedBy?.length) spec.usedBy = detail.usedBy;
  if (row.risk_level) {
    spec.risk = {
      level: row.risk_level,
      score: row.risk_score ?? 0,
      findings: row.rules
        .split(' ')
        .filter(Boolean)
        .map(ruleId => ({ ruleId })),
    };
  }
  if (row.rotation_status) {
    spec.rotation = {
      status: row.rotation_status as NonNullable<
        NhiInventoryExportItem['spec']['rotation']
      >['status'],
      ...(detail?.rotation?.oldestActiveSince
        ? { oldestActiveSince: detail.rotation.oldestActiveSince }
        : {}),
    };
  }
  if (detail) {
    spec.credentials = (detail.credentials ?? []).map(c => ({
      id: c.id,
      kind: c.kind,
      status: c.status,
      ...(c.createdAt ? { createdAt: c.createdAt } : {}),
      ...(c.lastRotatedAt ? { lastRotatedAt: c.lastRotatedAt } : {}),
      ...(c.expiresAt ? { expiresAt: c.expiresAt } : {}),
      ...(c.rotation?.status
        ? { rotation: { status: c.rotation.status } }
        : {}),
    }));
  }
  return {
    kind: NHI_KIND,
    metadata: {
      name: row.name,
      namespace: row.namespace,
      ...(row.title ? { title: row.title } : {}),
    },
    spec,
  };
}

function likeEscape(text: string) {
  return text.replace(/[\\%_]/g, c => `\\${c}`);
}

/** Reads inventory filters from a query string, refusing what is malformed. */
export function parseInventoryFilters(
  query: Record<string, unknown>,
): NhiInventoryFilters {
  const filters: NhiInventoryFilters = {};
  for (const key of NHI_INVENTORY_FILTER_KEYS) {
    if (key === 'dormant') continue;
    const value = query[key];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') {
      throw new InputError(`${key} must be given once, as text`);
    }
    if (value.length > 1000) {
      throw new InputError(`${key} is longer than 1000 characters`);
    }
    filters[key] = value;
  }
  if (query.dormant !== undefined && query.dormant !== '') {
    if (query.dormant !== 'true' && query.dormant !== 'false') {
      throw new InputError('dormant must be true or false');
    }
    if (query.dormant === 'true') filters.dormant = true;
  }
  // as the catalog matches them: whatever the case
  for (const key of ['category', 'level', 'rotation'] as const) {
    if (filters[key]) filters[key] = filters[key]!.toLowerCase();
  }
  if (filters.rule) filters.rule = filters.rule.toUpperCase();
  if (filters.owner && filters.owner !== 'unowned') {
    try {
      filters.owner = nhiOwnerRef(filters.owner);
    } catch (e) {
      throw new InputError(`owner: ${(e as Error).message}`);
    }
  }
  return filters;
}

/**
 * Reads the `sort` parameter (`risk:desc`, `name`…); the default order, the
 * riskiest first, without one. Refuses anything else with the fields it
 * takes.
 */
export function parseInventorySortParam(value: unknown): NhiInventorySort {
  if (value === undefined || value === '') return NHI_INVENTORY_DEFAULT_SORT;
  const sort =
    typeof value === 'string' ? parseNhiInventorySort(value) : undefined;
  if (!sort) {
    throw new InputError(
      `sort must be one of ${NHI_INVENTORY_SORT_FIELDS.join(
        ', ',
      )}, optionally followed by :asc or :desc (e.g. risk:desc)`,
    );
  }
  return sort;
}

/**
 * ORDER BY of each sort, in SQL that SQLite and PostgreSQL both take; ties
 * are broken by name and entity ref so that pages never overlap. The
 * default, the riskiest first, has an index of its own
 * (`nhi_inventory_risk_sort_idx`), as do the owner and rotation orders.
 */
function orderBy(sort: NhiInventorySort): string {
  const dir = sort.order === 'desc' ? 'DESC' : 'ASC';
  const ties = 'name ASC, entity_ref ASC';
  switch (sort.field) {
    case 'name':
      return `name ${dir}, entity_ref ${dir}`;
    case 'risk':
      return `risk_score ${dir} NULLS LAST, ${ties}`;
    case 'rotation':
      return `rotation_rank ${dir} NULLS LAST, ${ties}`;
    case 'owner':
      return `owner ${dir} NULLS LAST, ${ties}`;
    case 'type':
      return `type ${dir}, provider ${dir}, account ${dir} NULLS LAST, ${ties}`;
    case 'lastUsed':
      // ascending: the longest unused first (never used, then the oldest
      // use); descending: the latest use first; unknown last either way
      return sort.order === 'asc'
        ? `CASE WHEN last_used_at IS NOT NULL THEN 1 WHEN last_used_never THEN 0 ELSE 2 END ASC, last_used_at ASC, ${ties}`
        : `CASE WHEN last_used_at IS NOT NULL THEN 0 WHEN last_used_never THEN 1 ELSE 2 END ASC, last_used_at DESC, ${ties}`;
    default:
      throw new InputError(`cannot sort by ${sort.field}`);
  }
}

/** Reads the requested facets, refusing unknown ones. */
export function parseInventoryFacets(value: unknown): NhiInventoryFacet[] {
  if (value === undefined || value === '') return [...NHI_INVENTORY_FACETS];
  if (typeof value !== 'string') {
    throw new InputError('facet must be given once, comma separated');
  }
  const facets = value.split(',').map(f => f.trim());
  for (const f of facets) {
    if (!(NHI_INVENTORY_FACETS as readonly string[]).includes(f)) {
      throw new InputError(
        `unknown facet ${JSON.stringify(f)}; known: ${NHI_INVENTORY_FACETS.join(
          ', ',
        )}`,
      );
    }
  }
  return [...new Set(facets)] as NhiInventoryFacet[];
}

/**
 * The inventory summary (`nhi_inventory`): one narrow row per identity,
 * written with the same deltas the pipeline sends to the catalog, so that
 * the NHI page's pages and counts are indexed queries over one table.
 */
export class NhiInventoryStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Writes the rows of one source's identities. A row another source wrote
   * stays as it is (the catalog keeps the entity of the source that emitted
   * it first); a source takes over the row of a hand-written identity.
   */
  async upsert(sourceKey: string, entities: NonHumanIdentityEntity[]) {
    for (let i = 0; i < entities.length; i += CHUNK) {
      const now = new Date();
      const rows = entities
        .slice(i, i + CHUNK)
        .map(e => ({ ...inventoryRow(e, sourceKey), updated_at: now }));
      await this.knex(TABLE)
        .insert(rows)
        .onConflict('entity_ref')
        .merge()
        .where(q => {
          q.where(`${TABLE}.source_key`, sourceKey);
          if (sourceKey !== DECLARED_SOURCE) {
            q.orWhere(`${TABLE}.source_key`, DECLARED_SOURCE);
          }
        });
    }
  }

  /**
   * The whole evaluated spec of identities (the catalog entity holds a lean
   * part of it), by lower-case entity ref; those without a row, or with a
   * row written before the detail was kept, are absent.
   */
  async details(
    entityRefs: string[],
  ): Promise<Map<string, NonHumanIdentityEntity['spec']>> {
    const result = new Map<string, NonHumanIdentityEntity['spec']>();
    for (let i = 0; i < entityRefs.length; i += CHUNK) {
      const rows = await this.knex(TABLE)
        .whereIn(
          'entity_ref',
          entityRefs.slice(i, i + CHUNK).map(r => r.toLowerCase()),
        )
        .whereNotNull('detail')
        .select('entity_ref', 'detail');
      for (const row of rows)
        result.set(row.entity_ref, JSON.parse(row.detail));
    }
    return result;
  }

  /** Removes rows of one source (refs as kind:namespace/name, any case). */
  async delete(sourceKey: string, entityRefs: string[]) {
    for (let i = 0; i < entityRefs.length; i += CHUNK) {
      await this.knex(TABLE)
        .where({ source_key: sourceKey })
        .whereIn(
          'entity_ref',
          entityRefs.slice(i, i + CHUNK).map(r => r.toLowerCase()),
        )
        .delete();
    }
  }

  /** The refs of one source's rows (those last written before a time). */
  async refsOf(sourceKey: string, writtenBefore?: Date): Promise<string[]> {
    const query = this.knex(TABLE).where({ source_key: sourceKey });
    if (writtenBefore) query.where('updated_at', '<', writtenBefore);
    const rows = await query.select('entity_ref');
    return rows.map(r => r.entity_ref);
  }

  private filtered(filters: NhiInventoryFilters) {
    const query = this.knex<Row>(TABLE);
    if (filters.provider) query.where('provider', filters.provider);
    if (filters.category) query.where('category', filters.category);
    if (filters.level) query.where('risk_level', filters.level);
    if (filters.rotation) query.where('rotation_status', filters.rotation);
    if (filters.rule) {
      query.whereRaw(`rules like ? escape '\\'`, [
        `% ${likeEscape(filters.rule)} %`,
      ]);
    }
    if (filters.dormant) {
      query.whereRaw(`rules like ? escape '\\'`, [
        `% ${likeEscape(DORMANT_RULE)} %`,
      ]);
    }
    if (filters.owner === 'unowned') {
      query.where('ownership_status', 'unowned');
    } else if (filters.owner) {
      query.where('owner', filters.owner.toLowerCase());
    }
    const q = filters.q?.trim().toLowerCase();
    if (q) {
      query.whereRaw(`search_text like ? escape '\\'`, [`%${likeEscape(q)}%`]);
    }
    return query;
  }

  /**
   * A page under the filters, in the given order (by name when none is
   * given), with the count of all that match.
   */
  async query(
    filters: NhiInventoryFilters,
    page: { offset: number; limit: number },
    sort: NhiInventorySort = { field: 'name', order: 'asc' },
  ): Promise<NhiInventoryPage> {
    const [rows, [{ count }]] = await Promise.all([
      this.filtered(filters)
        .select(LIST_COLUMNS)
        .orderByRaw(orderBy(sort))
        .offset(page.offset)
        .limit(page.limit),
      this.filtered(filters).count({ count: '*' }),
    ]);
    return {
      items: (rows as Row[]).map(toItem),
      totalCount: Number(count),
    };
  }

  /**
   * A page under the filters in entity ref order, after `after` (the
   * previous page's `nextCursor`), over the primary key: without an offset
   * or a count, the last of 100,000 costs as much as the first. For readers
   * of a whole filtered set (a campaign's scope).
   */
  async queryAfter(
    filters: NhiInventoryFilters,
    after: string | undefined,
    limit: number,
  ): Promise<{ items: NhiInventoryItem[]; nextCursor?: string }> {
    return keysetPage(
      this.filtered(filters).select(LIST_COLUMNS),
      after,
      limit,
      toItem,
    );
  }

  /**
   * Every identity, a page at a time, for bulk readers (the search
   * collator, the scorecards): in entity ref order after `after` (the
   * previous page's `nextCursor`), over the primary key, so that reading all
   * 450,000 costs as much per page at the end as at the start.
   */
  async exportPage(
    after: string | undefined,
    limit: number,
  ): Promise<{ items: NhiInventoryExportItem[]; nextCursor?: string }> {
    return keysetPage(
      this.knex<Row>(TABLE).select(EXPORT_COLUMNS),
      after,
      limit,
      toExportItem,
    );
  }

  /**
   * Counts under the filters: one grouped query per facet, in parallel, each
   * over its column's index.
   */
  async facets(
    filters: NhiInventoryFilters,
    facets: NhiInventoryFacet[],
  ): Promise<NhiInventoryFacets> {
    const counted = await Promise.all(
      facets.map(async facet => {
        const column = FACET_COLUMNS[facet];
        const rows = (await this.filtered(filters)
          .whereNotNull(column)
          .select({ value: column })
          .count({ count: '*' })
          .groupBy(column)) as Array<{ value: unknown; count: unknown }>;
        const tally = new Map<string, number>();
        for (const row of rows) {
          tally.set(String(row.value), Number(row.count));
        }
        return [facet, tally] as const;
      }),
    );
    // Every identity has a category: its counts add up to the total.
    const category = counted.find(([f]) => f === 'spec.category')?.[1];
    const totalCount = category
      ? [...category.values()].reduce((a, b) => a + b, 0)
      : Number(
          (
            (await this.filtered(filters).count({ count: '*' })) as Array<{
              count: unknown;
            }>
          )[0].count,
        );
    const result: NhiInventoryFacets['facets'] = {};
    for (const [facet, tally] of counted) result[facet] = sortCounts(tally);
    return { totalCount, facets: result };
  }
}

/**
 * The page of a query after `after` in entity ref order, reading one row
 * more than `limit` to know whether another page follows.
 */
async function keysetPage<T>(
  query: Knex.QueryBuilder,
  after: string | undefined,
  limit: number,
  toResult: (row: Row) => T,
): Promise<{ items: T[]; nextCursor?: string }> {
  if (after) query.where('entity_ref', '>', after);
  const rows = (await query
    .orderBy('entity_ref', 'asc')
    .limit(limit + 1)) as Row[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    items: page.map(toResult),
    ...(more ? { nextCursor: page[page.length - 1].entity_ref } : {}),
  };
}

function sortCounts(tally: Map<string, number>) {
  return [...tally]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

/**
 * Keeps the summary rows of hand-written identities (kind NonHumanIdentity
 * in catalog files, without a source annotation) in step with the catalog:
 *
 * - once per database, adds every one the catalog has (the processor writes
 *   them only when it next processes each, which may be a processing
 *   interval away after an upgrade), then records that they are all in;
 * - removes the rows of those no longer in the catalog, leaving rows written
 *   in the last minutes alone (the catalog may not have stitched them yet).
 *
 * Returns how many rows it added and removed.
 */
export async function syncDeclaredInventory(options: {
  inventory: NhiInventoryStore;
  catalog: CatalogService;
  credentials: BackstageCredentials;
  synced: boolean;
  markSynced(): Promise<void>;
  graceMs?: number;
}): Promise<{ added: number; removed: number }> {
  const { inventory, catalog, credentials } = options;
  let added = 0;
  if (!options.synced) {
    const declared: string[] = [];
    for await (const page of catalog.streamEntities(
      {
        filter: { kind: NHI_KIND },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          `metadata.annotations.${ANNOTATION_NHI_SOURCE}`,
        ],
        pageSize: 1000,
      },
      { credentials },
    )) {
      for (const entity of page) {
        if (!entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE]) {
          declared.push(stringifyEntityRef(entity));
        }
      }
    }
    for (let i = 0; i < declared.length; i += CHUNK) {
      const { items } = await catalog.getEntitiesByRefs(
        { entityRefs: declared.slice(i, i + CHUNK) },
        { credentials },
      );
      const found = items.filter(
        (e): e is NonHumanIdentityEntity =>
          !!e && e.kind === NHI_KIND && !!e.spec,
      );
      await inventory.upsert(DECLARED_SOURCE, found);
      added += found.length;
    }
    await options.markSynced();
  }

  const refs = await inventory.refsOf(
    DECLARED_SOURCE,
    new Date(Date.now() - (options.graceMs ?? 5 * 60_000)),
  );
  const gone: string[] = [];
  for (let i = 0; i < refs.length; i += CHUNK) {
    const chunk = refs.slice(i, i + CHUNK);
    const { items } = await catalog.getEntitiesByRefs(
      {
        entityRefs: chunk,
        fields: ['kind', 'metadata.name', 'metadata.annotations'],
      },
      { credentials },
    );
    items.forEach((entity, j) => {
      if (!entity || entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE]) {
        gone.push(chunk[j]);
      }
    });
  }
  await inventory.delete(DECLARED_SOURCE, gone);
  return { added, removed: gone.length };
}
