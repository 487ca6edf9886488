/** Default for `nhi.pipeline.maxRemovalPercent`. */
export const DEFAULT_MAX_REMOVAL_PERCENT = 20;

/** A removal held back by an earlier run. */
export interface HeldRemoval {
  /** The identities it would remove. */
  refs: ReadonlySet<string>;
  /** Who confirmed it, once someone did. */
  confirmedBy?: string;
}

/** What one run removes and what it holds. */
export interface RemovalPlan {
  /** Identities to remove now. */
  remove: string[];
  /** Identities to hold (not removed until confirmed); empty when none. */
  hold: string[];
  /** Why they are held, for the run's record. */
  reason?: string;
  /**
   * The earlier hold stays as it is (`hold` is its identities): this run
   * neither listed any of them again nor read where the rest are.
   */
  keep?: boolean;
  /**
   * How the earlier hold, if any, was applied: confirmed by a person, or by
   * this run agreeing (it would remove every held identity again).
   */
  applied?: 'confirmed' | 'agreed';
}

/**
 * Decides which of the identities a run would remove it removes now. A run
 * that would remove more than `maxPercent` of the source's identities, or
 * all of them, holds them instead: an empty or truncated export must not
 * wipe a source.
 *
 * A held removal is applied when a person confirms it (except identities
 * listed again since), or when the next run agrees: it would remove every
 * held identity again. It is dropped, and what is missing judged anew, once
 * a run lists a held identity again; it stays as it is while runs only fail
 * to read where held identities are. What a run would remove beyond the
 * held identities is judged on its own.
 */
export function planRemovals(input: {
  /** The identities this run would remove. */
  candidates: readonly string[];
  /** The source's identities before the run. */
  total: number;
  held?: HeldRemoval;
  /** Whether this run listed an identity (it is still in the source). */
  listed(entityRef: string): boolean;
  maxPercent: number;
}): RemovalPlan {
  const { candidates, total, held, listed, maxPercent } = input;
  const remove: string[] = [];
  let rest: readonly string[] = candidates;
  let applied: RemovalPlan['applied'];
  let kept: string[] = [];
  if (held && held.refs.size) {
    const heldRefs = [...held.refs];
    const wanted = new Set(candidates);
    const missing = heldRefs.filter(ref => wanted.has(ref));
    const outside = candidates.filter(ref => !held.refs.has(ref));
    if (held.confirmedBy || missing.length === heldRefs.length) {
      remove.push(...missing);
      rest = outside;
      applied = held.confirmedBy ? 'confirmed' : 'agreed';
    } else if (!heldRefs.some(listed)) {
      kept = heldRefs;
      rest = outside;
    }
  }
  const judge = (refs: readonly string[]) => {
    if (!refs.length) return undefined;
    if (refs.length >= total) {
      return `the run would remove all ${total} identities of the source`;
    }
    if (refs.length * 100 > total * maxPercent) {
      return `the run would remove ${
        refs.length
      } of the source's ${total} identities (${Math.round(
        (refs.length * 100) / total,
      )}%, more than ${maxPercent}%)`;
    }
    return undefined;
  };
  const reason = judge(rest);
  if (kept.length) {
    if (!reason) {
      return { remove: [...remove, ...rest], hold: kept, keep: true };
    }
    // more went missing on top of the held ones: one hold of both
    const both = [...kept, ...rest];
    return { remove, hold: both, reason: judge(both) };
  }
  if (!reason) return { remove: [...remove, ...rest], hold: [], applied };
  return { remove, hold: [...rest], reason, applied };
}
