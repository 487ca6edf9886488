/**
 * The series of the whole inventory in `GET /api/catalog/nhi/trends`, next
 * to those of teams (by group ref).
 *
 * @public
 */
export const NHI_TREND_ALL = 'all';

/**
 * Bounds of `GET /api/catalog/nhi/trends`: days back, and series per request.
 *
 * @public
 */
export const NHI_TREND_LIMITS = { maxDays: 400, maxOwners: 100 } as const;

/**
 * The headline figures of one day, for the whole inventory or for one team:
 * the last snapshot taken that day (UTC).
 *
 * @public
 */
export type NhiTrendPoint = {
  /** The day, `YYYY-MM-DD` (UTC). */
  day: string;
  /** Identities (for a team: those it owns). */
  identities: number;
  /** Of those, how many have an owner (for a team: all of them). */
  owned: number;
  /**
   * For a team: unowned identities used by the components it owns, which
   * it answers for too. Absent for the whole inventory.
   */
  unownedUsed?: number;
  /**
   * Percentage, 0–100, rounded down to two decimals: of the whole
   * inventory, those with an owner; of a team's, those it owns among those
   * it owns and the unowned ones its components use. 100 when there are none.
   */
  ownershipCoverage: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  /** Rotation status overdue, never rotated or expired. */
  pastRotation: number;
  /** Dormant, or with a dormant credential (the dormancy rules' findings). */
  dormant: number;
};

/**
 * The daily points of the whole inventory (`owner: "all"`) or of a team,
 * oldest first; days without a snapshot are absent.
 *
 * @public
 */
export type NhiTrendSeries = { owner: string; points: NhiTrendPoint[] };

/**
 * What `GET /api/catalog/nhi/trends` answers (inside an
 * `NhiInventoryAnswer`).
 *
 * @public
 */
export type NhiTrends = {
  /** The first day asked for, `YYYY-MM-DD` (UTC). */
  from: string;
  series: NhiTrendSeries[];
};

/**
 * Ownership coverage in percent, rounded down to two decimals so that
 * 89.999 % never shows or passes as 90 %; 100 when there is nothing to own.
 *
 * @public
 */
export function nhiOwnershipCoverage(owned: number, total: number): number {
  return total > 0 ? Math.floor((owned * 10_000) / total) / 100 : 100;
}
