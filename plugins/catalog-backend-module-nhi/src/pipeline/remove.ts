import { LoggerService } from '@backstage/backend-plugin-api';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import {
  NhiSourceError,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import { sourceLocation } from '../lib/buildEntity';
import { DEFAULT_MAX_REMOVAL_PERCENT, planRemovals } from '../lib/removals';
import { EmittedEntity, NhiPipelineStore } from '../database/NhiPipelineStore';
import { NhiRunIntake } from './intake';
import { errorMessage, NhiRunRecord } from './runRecord';
import { NhiSummaryWriter } from './summary';

/** What the removal step decided. */
export interface NhiRemovalOutcome {
  /** The read was complete for the whole source. */
  allComplete: boolean;
  /** Identities held back until a person confirms their removal. */
  held: string[];
  /** How many of the identities removed the pipeline had emitted. */
  removedKnown: number;
}

/**
 * Which identities emitted before a run it would remove: those it did not
 * list, only where the read was complete — the whole source, or the scopes
 * (e.g. AWS accounts) it read completely and where no record was invalid
 * beyond naming.
 */
export function removalCandidates(options: {
  previous: Map<string, EmittedEntity>;
  intake: Pick<NhiRunIntake, 'listed' | 'incompleteScopes' | 'unscopedInvalid'>;
  read: Pick<NhiSourceReadSummary, 'complete' | 'completeScopes'>;
}): { allComplete: boolean; candidates: string[] } {
  const { previous, intake, read } = options;
  const allComplete =
    read.complete &&
    !intake.unscopedInvalid &&
    intake.incompleteScopes.size === 0;
  const completeScopes = new Set(
    read.complete ? [] : read.completeScopes ?? [],
  );
  for (const s of intake.incompleteScopes) completeScopes.delete(s);
  const candidates = [...previous.values()]
    .filter(
      e =>
        !intake.listed(e.entityRef) &&
        !intake.unscopedInvalid &&
        (allComplete || completeScopes.has(e.scope)),
    )
    .map(e => e.entityRef);
  return { allComplete, candidates };
}

/**
 * The removal step of a run: removes what the source no longer lists where
 * its read was complete, past the removal guard (see `planRemovals`); on
 * the first complete run of the process, also what the catalog has from
 * the source that the pipeline's state does not know (e.g. after the state
 * was reset). Undefined when removing failed (recorded as a problem).
 */
export async function removeMissing(options: {
  sourceKey: string;
  connection: Pick<EntityProviderConnection, 'applyMutation'>;
  summary: NhiSummaryWriter;
  store: Pick<
    NhiPipelineStore,
    'deleteEmitted' | 'loadHeldRemoval' | 'holdRemoval' | 'clearHeldRemoval'
  >;
  logger: LoggerService;
  run: NhiRunRecord;
  intake: NhiRunIntake;
  previous: Map<string, EmittedEntity>;
  read: NhiSourceReadSummary;
  resync: boolean;
  batchSize: number;
  maxRemovalPercent?: number;
  /** Every identity the catalog has from this source. */
  catalogRefsOfSource(): Promise<string[]>;
}): Promise<NhiRemovalOutcome | undefined> {
  const {
    sourceKey,
    connection,
    summary,
    store,
    run,
    intake,
    previous,
    batchSize,
  } = options;
  const { allComplete, candidates } = removalCandidates(options);
  let removedKnown = 0;
  try {
    if (allComplete && options.resync) {
      for (const ref of await options.catalogRefsOfSource()) {
        if (!intake.listed(ref) && !previous.has(ref)) candidates.push(ref);
      }
    }
    const { remove, held } = await guardRemovals({
      ...options,
      candidates,
      total:
        previous.size + candidates.filter(ref => !previous.has(ref)).length,
      now: run.startedAt,
    });
    const { locationKey } = sourceLocation(sourceKey);
    for (let i = 0; i < remove.length; i += batchSize) {
      const chunk = remove.slice(i, i + batchSize);
      await connection.applyMutation({
        type: 'delta',
        added: [],
        removed: chunk.map(entityRef => ({ entityRef, locationKey })),
      });
      await summary.remove(sourceKey, chunk);
      await store.deleteEmitted(sourceKey, chunk);
      run.counts.removed += chunk.length;
      removedKnown += chunk.filter(ref => previous.has(ref)).length;
    }
    return { allComplete, held, removedKnown };
  } catch (e) {
    run.addError({ message: `removing identities failed: ${errorMessage(e)}` });
    return undefined;
  }
}

/**
 * The removal guard (see `planRemovals`): what of `candidates` to remove
 * now, given the removal held before, if any; holds the rest and records
 * why as a run problem. `total` is the source's identities before the run.
 */
export async function guardRemovals(options: {
  sourceKey: string;
  store: Pick<
    NhiPipelineStore,
    'loadHeldRemoval' | 'holdRemoval' | 'clearHeldRemoval'
  >;
  logger: LoggerService;
  maxRemovalPercent?: number;
  candidates: string[];
  total: number;
  intake: Pick<NhiRunIntake, 'listed'>;
  now: Date;
  run: { addError(e: NhiSourceError): void };
}): Promise<{ remove: string[]; held: string[] }> {
  const {
    sourceKey: key,
    store,
    logger,
    candidates,
    total,
    now,
    run,
  } = options;
  const before = await store.loadHeldRemoval(key);
  const plan = planRemovals({
    candidates,
    total,
    held: before,
    listed: options.intake.listed,
    maxPercent: options.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT,
  });
  if (plan.applied) {
    logger.info(
      `NHI source ${key}: removing the ${
        plan.remove.length
      } identities held since ${before!.since}, ${
        plan.applied === 'confirmed'
          ? `confirmed by ${before!.confirmedBy}`
          : 'as this run would remove them again'
      }`,
    );
  }
  if (plan.hold.length) {
    const [type, ...id] = key.split(':');
    const reason = plan.keep ? before!.reason : plan.reason!;
    run.addError({
      message: `removal held${
        plan.keep ? ` since ${before!.since}` : ''
      }: ${reason}. Those identities stay; a person allowed to run sources confirms the removal on the NHI page (Sources) or with POST /api/catalog/nhi/sources/${type}/${id.join(
        ':',
      )}/removals/confirm, or the next run does if it would remove the same identities`,
    });
    if (!plan.keep) {
      await store.holdRemoval(key, plan.hold, {
        total,
        reason,
        since: now.toISOString(),
      });
    }
  } else if (before) {
    await store.clearHeldRemoval(key);
  }
  return { remove: plan.remove, held: plan.hold };
}
