import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_NHI_IDENTITIES,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { NhiEnrichmentSeen } from '../database/NhiPipelineStore';

/** How many of what enrichment reads the catalog has. */
export interface EnrichmentCounts {
  /** Groups and Users. */
  directoryEntities: number;
  /** Entities of the declaring kinds with the identities annotation. */
  declarations: number;
}

/**
 * Counts what enrichment reads, with two count queries (no entities are
 * read). A run records the counts it started from; comparing them with
 * today's tells whether the catalog has more (or fewer) people, teams or
 * declaring components than the run resolved against.
 */
export async function countEnrichmentSources(options: {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  declaringKinds: string[];
}): Promise<EnrichmentCounts> {
  const { catalog, credentials, declaringKinds } = options;
  const count = async (filter: Record<string, string | string[] | symbol>) =>
    (
      await catalog.queryEntities(
        { filter: filter as any, limit: 1, fields: ['kind'] },
        { credentials },
      )
    ).totalItems;
  const [directoryEntities, declarations] = await Promise.all([
    count({ kind: ['Group', 'User'] }),
    count({
      kind: declaringKinds,
      [`metadata.annotations.${ANNOTATION_NHI_IDENTITIES}`]:
        CATALOG_FILTER_EXISTS,
    }),
  ]);
  return { directoryEntities, declarations };
}

/**
 * Whether an identity names a team or person the catalog did not know when
 * it was built: an owner the source gave, its creator, or the human an AI
 * agent acts for. Such an identity is resolved again when the catalog's
 * people change.
 */
export function hasUnresolvedReferences(
  record: NhiIdentityRecord,
  entity: NonHumanIdentityEntity,
): boolean {
  const { spec } = entity;
  if (spec.ownership?.unresolvedOwner) return true;
  const creator = record.createdBy;
  if (creator?.type === 'person' && (creator.ref || creator.name)) {
    if (!spec.createdBy?.ref?.startsWith('user:')) return true;
  }
  const unresolvedPerson = (value: string | undefined) =>
    !!value && !value.startsWith('user:');
  return (
    unresolvedPerson(spec.createdBy?.agent?.onBehalfOf) ||
    unresolvedPerson(spec.agent?.onBehalfOf)
  );
}

/**
 * Whether a source's identities are worth resolving again now: the catalog
 * has a different number of Groups and Users than the run resolved against
 * and the run left names unresolved, or a different number of declaring
 * entities and the run left identities unowned (a declaration infers an
 * owner).
 */
export function worthResolvingAgain(
  seen: NhiEnrichmentSeen,
  now: EnrichmentCounts,
): boolean {
  return (
    (seen.unresolved > 0 && now.directoryEntities !== seen.directoryEntities) ||
    (seen.unowned > 0 && now.declarations !== seen.declarations)
  );
}

/**
 * Runs a source again as soon as the groups, users and components its
 * identities point at reach the catalog, instead of at its next scheduled
 * run: after a fresh start the sources run before the catalog has read the
 * organization, and every identity would stay unowned for a whole interval.
 * `check` is cheap when nothing is pending: it counts only when some source
 * left identities unresolved or unowned. A source is started once per change
 * of the counts: a run that fails before it records what it saw is not
 * started again and again.
 */
export class NhiReresolver {
  /** The counts each source was last started for. */
  private readonly startedFor = new Map<string, string>();

  constructor(
    private readonly options: {
      listEnrichment(): Promise<
        Map<string, { running: boolean; seen?: NhiEnrichmentSeen }>
      >;
      count(): Promise<EnrichmentCounts>;
      /** Starts a run of the source now. */
      trigger(sourceKey: string): Promise<void>;
      sourceKeys: string[];
      logger: LoggerService;
    },
  ) {}

  /** Starts a run of each source worth resolving again; returns their keys. */
  async check(): Promise<string[]> {
    const { listEnrichment, count, trigger, sourceKeys, logger } = this.options;
    const runs = await listEnrichment();
    const pending = sourceKeys.filter(key => {
      const run = runs.get(key);
      return (
        run?.seen && !run.running && (run.seen.unresolved || run.seen.unowned)
      );
    });
    if (!pending.length) return [];
    const now = await count();
    const started: string[] = [];
    for (const key of pending) {
      const seen = runs.get(key)!.seen!;
      if (!worthResolvingAgain(seen, now)) continue;
      const counts = `${now.directoryEntities}/${now.declarations}`;
      if (this.startedFor.get(key) === counts) continue;
      try {
        await trigger(key);
        this.startedFor.set(key, counts);
        started.push(key);
        logger.info(
          `NHI source ${key} runs again: the catalog now has ${now.directoryEntities} groups and users and ${now.declarations} declaring entities (its last run saw ${seen.directoryEntities} and ${seen.declarations}, and left ${seen.unresolved} identities with names it could not resolve, ${seen.unowned} unowned)`,
        );
      } catch (e) {
        // already running: that run reads the catalog afresh
        if ((e as Error)?.name !== 'ConflictError') throw e;
      }
    }
    return started;
  }
}
