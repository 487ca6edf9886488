import {
  NhiCampaign,
  NhiCampaignCounts,
  NhiCampaignOutcome,
  NhiInventoryFilters,
} from '@backstage-nhi/plugin-nhi-common';

/** What a reviewer reads for each outcome. */
export const OUTCOME_LABEL: Record<NhiCampaignOutcome | 'pending', string> = {
  pending: 'waiting',
  certify: 'certified',
  revoke: 'revoke',
  reduce: 'reduce',
  'not-reviewed': 'not reviewed',
};

/** Items with an outcome (decided, or closed as not reviewed). */
export function decidedCount(c: NhiCampaignCounts): number {
  return c.total - c.pending;
}

/** "3 of 10 decided (30%)". */
export function progressText(c: NhiCampaignCounts): string {
  const decided = decidedCount(c);
  const percent = c.total ? Math.floor((100 * decided) / c.total) : 0;
  return `${decided.toLocaleString()} of ${c.total.toLocaleString()} decided (${percent}%)`;
}

/** One filter set as text: "provider aws · rule NHI-ADMIN"; "every identity" when empty. */
export function filterSetText(set: NhiInventoryFilters): string {
  const parts = Object.entries(set)
    .filter(([, v]) => v !== undefined && v !== '' && v !== false)
    .map(([k, v]) => (v === true ? k : `${k} ${v}`));
  return parts.length ? parts.join(' · ') : 'every identity';
}

/** A campaign's scope as text: its filter sets, joined by "or". */
export function scopeText(campaign: Pick<NhiCampaign, 'scope'>): string {
  return campaign.scope.map(filterSetText).join(' or ');
}

/** "quarterly", "every 6 months", "once". */
export function recurrenceText(months?: number): string {
  if (!months) return 'once';
  if (months === 1) return 'monthly';
  if (months === 3) return 'quarterly';
  if (months === 12) return 'yearly';
  return `every ${months} months`;
}

/** The short name of an entity ref: `group:default/payments` is `payments`. */
export function shortRef(ref: string): string {
  return ref.replace(/^[^:]+:default\//, '');
}

/** The HTTP status of an error from an NHI client, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const e = error as {
    statusCode?: number;
    response?: { status?: number };
  };
  return e?.statusCode ?? e?.response?.status;
}
