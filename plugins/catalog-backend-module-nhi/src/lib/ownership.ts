import {
  NhiApprovedClaim,
  NhiOwnership,
} from '@backstage-nhi/plugin-nhi-common';
import { Declaration } from './declarations';
import { CatalogDirectory } from './directory';

/** An owner (absent when unowned) and where it came from. */
export interface ResolvedOwnership {
  owner?: string;
  ownership: NhiOwnership;
}

/** What ownership is decided from, for one identity. */
export interface OwnershipInputs {
  /** The approved claim for the identity, if any. */
  claim?: NhiApprovedClaim;
  /** An owner the source named, and how. */
  sourceOwner?: { value: string; via: string };
  /** Components that declare the identity. */
  declaredBy: Declaration[];
  /** Users connected to the identity (creator, accountable human) for suggestions. */
  people: string[];
  /**
   * The human an AI agent acted for (a User ref): the owner of an
   * agent-created identity nobody else owns, unless `sponsorAsOwner` is
   * false (then only their teams are suggested).
   */
  sponsor?: string;
  /** Whether the agent's sponsor owns the identity (`nhi.ownership.agentSponsor: owner`). Default true. */
  sponsorAsOwner?: boolean;
}

/**
 * Decides an identity's owner in order of precedence: approved claim, owner
 * named by the source (when it resolves to a catalog Group or User), owner
 * inferred from the components that declare it (when they agree), else
 * unowned with suggestions. Returns the result with the claim and the
 * `fallback` without it (what a released claim reverts to).
 */
export function resolveOwnership(
  inputs: OwnershipInputs,
  directory: CatalogDirectory,
): { result: ResolvedOwnership; fallback: ResolvedOwnership } {
  const fallback = resolveWithoutClaim(inputs, directory);
  if (inputs.claim) {
    return { result: claimedOwnership(inputs.claim), fallback };
  }
  return { result: fallback, fallback };
}

/** The ownership an approved claim gives. */
export function claimedOwnership(claim: NhiApprovedClaim): ResolvedOwnership {
  return {
    owner: claim.owner,
    ownership: {
      status: 'owned',
      provenance: 'claimed',
      claim: {
        claimedBy: claim.claimedBy,
        approvedBy: claim.approvedBy,
        approvedAt: claim.approvedAt,
        ...(claim.claimId ? { claimId: claim.claimId } : {}),
      },
    },
  };
}

function resolveWithoutClaim(
  inputs: OwnershipInputs,
  directory: CatalogDirectory,
): ResolvedOwnership {
  let unresolvedOwner: string | undefined;
  if (inputs.sourceOwner?.value) {
    const owner = directory.resolveOwner(inputs.sourceOwner.value);
    if (owner) {
      const alias = directory.aliasOf(inputs.sourceOwner.value);
      return {
        owner,
        ownership: {
          status: 'owned',
          provenance: 'tagged',
          taggedBy: alias
            ? `${
                inputs.sourceOwner.via
              } "${inputs.sourceOwner.value.trim()}" (alias)`
            : inputs.sourceOwner.via,
        },
      };
    }
    unresolvedOwner = inputs.sourceOwner.value;
  }

  // Owners of the declaring components, most frequent first.
  const counts = new Map<string, string[]>();
  for (const d of inputs.declaredBy) {
    if (!d.owner) continue;
    const list = counts.get(d.owner) ?? [];
    list.push(d.entityRef);
    counts.set(d.owner, list);
  }
  const ranked = [...counts.entries()].sort(
    (a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]),
  );
  if (ranked.length === 1) {
    return {
      owner: ranked[0][0],
      ownership: {
        status: 'owned',
        provenance: 'inferred',
        inferredFrom: ranked[0][1],
        ...(unresolvedOwner ? { unresolvedOwner } : {}),
      },
    };
  }

  const suggestions = new Set<string>(ranked.map(([owner]) => owner));
  if (inputs.sponsor && inputs.sponsorAsOwner !== false && !ranked.length) {
    // An agent acted for this human: they answer for what it made, and
    // their teams are where it probably belongs.
    const teams = directory.groupsOf(inputs.sponsor);
    return {
      owner: inputs.sponsor,
      ownership: {
        status: 'owned',
        provenance: 'agent-sponsor',
        ...(teams.length ? { suggestedOwners: teams.slice(0, 5) } : {}),
        ...(unresolvedOwner ? { unresolvedOwner } : {}),
      },
    };
  }
  for (const person of inputs.people) {
    for (const group of directory.groupsOf(person)) suggestions.add(group);
  }
  return {
    ownership: {
      status: 'unowned',
      provenance: 'none',
      ...(suggestions.size
        ? { suggestedOwners: [...suggestions].slice(0, 5) }
        : {}),
      ...(unresolvedOwner ? { unresolvedOwner } : {}),
    },
  };
}
