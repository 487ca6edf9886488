import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  NHI_PAST_ROTATION_STATUSES,
  NHI_TREND_ALL,
  nhiOwnershipCoverage,
  NhiTrendPoint,
  NhiTrendSeries,
} from '@backstage-nhi/plugin-nhi-common';
import { Knex } from 'knex';

const TABLE = 'nhi_trend_snapshots';
const INVENTORY = 'nhi_inventory';
// 13 columns a row: 500 rows stay under SQLite's bind limit.
const CHUNK = 500;
/** Unowned identities read per page to find the components that use them. */
const PAGE = 2000;

/**
 * The dormancy rules, as the scorecards' `dormant` fact counts them: the
 * identity or one of its credentials is unused past the threshold.
 */
export const NHI_TREND_DORMANT_RULES = [
  'NHI-DORMANT-IDENTITY',
  'NHI-DORMANT-CREDENTIAL',
];

type SnapshotRow = {
  day: string;
  scope: string;
  identities: number;
  owned: number;
  unowned_used: number | null;
  critical: number;
  high: number;
  medium: number;
  low: number;
  past_rotation: number;
  dormant: number;
  taken_at: Date | string;
};

/** The day of a time, `YYYY-MM-DD` in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function dayBefore(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return utcDay(d);
}

/** A ref in lower case, `defaultKind` for short ones; undefined if it is none. */
function normalizeRef(
  ref: unknown,
  defaultKind: string,
  defaultNamespace: string,
): string | undefined {
  if (typeof ref !== 'string' || !ref.trim()) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(ref.trim(), { defaultKind, defaultNamespace }),
    ).toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The owners of components, in lower case, as the snapshot needs them: the
 * group (or user) a component's `spec.owner` names, `group:` by default.
 */
export function componentOwners(
  components: Array<{
    metadata: { name: string; namespace?: string };
    spec?: { owner?: unknown };
  }>,
): Map<string, string> {
  const owners = new Map<string, string>();
  for (const c of components) {
    const namespace = c.metadata.namespace ?? 'default';
    const owner = normalizeRef(c.spec?.owner, 'group', namespace);
    if (!owner) continue;
    owners.set(
      stringifyEntityRef({
        kind: 'component',
        namespace,
        name: c.metadata.name,
      }).toLowerCase(),
      owner,
    );
  }
  return owners;
}

function toPoint(row: SnapshotRow): NhiTrendPoint {
  const identities = Number(row.identities);
  const owned = Number(row.owned);
  const unownedUsed =
    row.unowned_used === null || row.unowned_used === undefined
      ? undefined
      : Number(row.unowned_used);
  return {
    day: row.day,
    identities,
    owned,
    ...(unownedUsed !== undefined ? { unownedUsed } : {}),
    ownershipCoverage:
      unownedUsed === undefined
        ? nhiOwnershipCoverage(owned, identities)
        : nhiOwnershipCoverage(identities, identities + unownedUsed),
    critical: Number(row.critical),
    high: Number(row.high),
    medium: Number(row.medium),
    low: Number(row.low),
    pastRotation: Number(row.past_rotation),
    dormant: Number(row.dormant),
  };
}

/**
 * Trends of the inventory summary (`nhi_trend_snapshots`): a snapshot of the
 * headline figures per day, for the whole inventory and for each group that
 * owns identities or whose components use unowned ones. A snapshot is a few
 * grouped queries over `nhi_inventory` plus one paged read of the unowned
 * identities' detail (for the components that use them); it rewrites the
 * day's rows in one transaction, so the day keeps its last figures.
 */
export class NhiTrendStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Takes the snapshot of `day` from the inventory summary. `owners` maps
   * each component (lower-case ref) to its owner, for the unowned
   * identities a team's components use. Writes nothing, and returns 0, when
   * the summary holds no identity yet; else the rows written.
   */
  async take(day: string, owners: Map<string, string>): Promise<number> {
    const knex = this.knex;
    const past = NHI_PAST_ROTATION_STATUSES.map(s => `'${s}'`).join(', ');
    const dormant = NHI_TREND_DORMANT_RULES.map(
      r => `rules LIKE '% ${r} %'`,
    ).join(' OR ');
    const count = (condition: string, alias: string) =>
      knex.raw(`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END) AS ${alias}`);
    const grouped = (await knex(INVENTORY)
      .select(
        'owner',
        knex.raw('COUNT(*) AS identities'),
        count(`ownership_status = 'owned'`, 'owned'),
        count(`risk_level = 'critical'`, 'critical'),
        count(`risk_level = 'high'`, 'high'),
        count(`risk_level = 'medium'`, 'medium'),
        count(`risk_level = 'low'`, 'low'),
        count(`rotation_status IN (${past})`, 'past_rotation'),
        count(`(${dormant})`, 'dormant'),
      )
      .groupBy('owner')) as Array<Record<string, unknown>>;

    const figures = [
      'identities',
      'owned',
      'critical',
      'high',
      'medium',
      'low',
      'past_rotation',
      'dormant',
    ] as const;
    type Figures = Record<(typeof figures)[number], number>;
    const zero = (): Figures =>
      Object.fromEntries(figures.map(f => [f, 0])) as Figures;
    const all = zero();
    const byGroup = new Map<string, Figures>();
    for (const row of grouped) {
      const owner = typeof row.owner === 'string' ? row.owner : undefined;
      const group = owner?.startsWith('group:') ? zero() : undefined;
      for (const f of figures) {
        const n = Number(row[f] ?? 0);
        all[f] += n;
        if (group) group[f] += n;
      }
      if (owner && group) byGroup.set(owner, group);
    }
    if (all.identities === 0) return 0;

    const unownedUsed = await this.unownedUsedByOwner(owners);
    const takenAt = new Date();
    const rows: SnapshotRow[] = [
      {
        day,
        scope: NHI_TREND_ALL,
        ...all,
        unowned_used: null,
        taken_at: takenAt,
      },
    ];
    const groups = new Set([
      ...byGroup.keys(),
      ...[...unownedUsed.keys()].filter(o => o.startsWith('group:')),
    ]);
    for (const scope of groups) {
      rows.push({
        day,
        scope,
        ...(byGroup.get(scope) ?? zero()),
        unowned_used: unownedUsed.get(scope) ?? 0,
        taken_at: takenAt,
      });
    }
    await knex.transaction(async tx => {
      await tx(TABLE).where({ day }).delete();
      for (let i = 0; i < rows.length; i += CHUNK) {
        await tx(TABLE).insert(rows.slice(i, i + CHUNK));
      }
    });
    return rows.length;
  }

  /**
   * For each owner, how many unowned identities the components it owns use
   * (each identity once per owner), from the unowned rows' detail, a page
   * at a time.
   */
  private async unownedUsedByOwner(
    owners: Map<string, string>,
  ): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (!owners.size) return counts;
    let after: string | undefined;
    for (;;) {
      const query = this.knex(INVENTORY)
        .where({ ownership_status: 'unowned' })
        .whereNotNull('detail')
        .select('entity_ref', 'namespace', 'detail')
        .orderBy('entity_ref')
        .limit(PAGE);
      if (after) query.where('entity_ref', '>', after);
      const rows = (await query) as Array<{
        entity_ref: string;
        namespace: string;
        detail: string;
      }>;
      for (const row of rows) {
        let usedBy: unknown;
        try {
          usedBy = JSON.parse(row.detail)?.usedBy;
        } catch {
          continue;
        }
        if (!Array.isArray(usedBy)) continue;
        const answering = new Set<string>();
        for (const user of usedBy) {
          const ref = normalizeRef(user, 'component', row.namespace);
          const owner = ref && owners.get(ref);
          if (owner) answering.add(owner);
        }
        for (const owner of answering) {
          counts.set(owner, (counts.get(owner) ?? 0) + 1);
        }
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].entity_ref;
    }
    return counts;
  }

  /**
   * The daily points of each scope (`all` or a lower-case group ref) from
   * `days - 1` days before `today` to `today`, oldest first.
   */
  async series(
    scopes: string[],
    days: number,
    today: string,
  ): Promise<{ from: string; series: NhiTrendSeries[] }> {
    const from = dayBefore(today, days - 1);
    const rows = (await this.knex(TABLE)
      .whereIn('scope', scopes)
      .where('day', '>=', from)
      .where('day', '<=', today)
      .orderBy([
        { column: 'scope', order: 'asc' },
        { column: 'day', order: 'asc' },
      ])
      .select('*')) as SnapshotRow[];
    const byScope = new Map<string, NhiTrendPoint[]>(scopes.map(s => [s, []]));
    for (const row of rows) byScope.get(row.scope)?.push(toPoint(row));
    return {
      from,
      series: scopes.map(owner => ({ owner, points: byScope.get(owner)! })),
    };
  }

  /** Keeps the snapshots of the last `keepDays` days, today included. */
  async prune(today: string, keepDays: number): Promise<number> {
    return this.knex(TABLE)
      .where('day', '<', dayBefore(today, keepDays - 1))
      .delete();
  }
}
