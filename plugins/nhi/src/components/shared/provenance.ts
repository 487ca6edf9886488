import { NhiOwnership } from '@backstage-nhi/plugin-nhi-common';
import { day } from './format';

/** The sentence that says where an owner came from. */
export function provenanceText(ownership: NhiOwnership | undefined): string {
  if (!ownership) return 'not known';
  switch (ownership.provenance) {
    case 'claimed': {
      const c = ownership.claim;
      return c
        ? `claimed by ${c.claimedBy}, approved by ${c.approvedBy} on ${day(
            c.approvedAt,
          )}`
        : 'claimed';
    }
    case 'tagged':
      return `named by its source (${ownership.taggedBy ?? 'tag'})`;
    case 'inferred':
      return `inferred from ${
        ownership.inferredFrom?.join(', ') ?? 'a declaring component'
      }`;
    case 'declared':
      return 'declared in its catalog-info.yaml';
    case 'agent-sponsor':
      return 'the person the AI agent that made it acted for, until a team claims it';
    default:
      return 'nobody owns it';
  }
}
