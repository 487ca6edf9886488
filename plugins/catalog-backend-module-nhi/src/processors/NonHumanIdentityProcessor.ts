import {
  Entity,
  getCompoundEntityRef,
  parseEntityRef,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  RELATION_OWNER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { LoggerService } from '@backstage/backend-plugin-api';
import { LocationSpec } from '@backstage/plugin-catalog-common';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_NHI_SOURCE,
  isNonHumanIdentityEntity,
  nonHumanIdentityEntityV1alpha1Validator,
  NonHumanIdentityEntity,
  RELATION_ACTS_ON_BEHALF_OF,
  RELATION_CREATED_BY,
  RELATION_CREATOR_OF,
  RELATION_HAS_DELEGATE,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiEvaluator } from '../lib/buildEntity';
import { DECLARED_SOURCE } from '../database/NhiInventoryStore';
import { NhiSummaryWriter } from '../pipeline/summary';

/**
 * The catalog processor of the NonHumanIdentity kind.
 *
 * - validates the kind against its JSON schema;
 * - makes ownership explicit on hand-written identities (`spec.ownership`
 *   derived from `spec.owner`, provenance `declared`) and evaluates them, so
 *   that every identity in the catalog can be filtered by owner status and
 *   risk whatever its origin;
 * - emits `ownedBy`/`ownerOf` to the owner, `dependencyOf`/`dependsOn` to
 *   the components that use it, `createdBy`/`creatorOf` to its creator and
 *   `actsOnBehalfOf`/`hasDelegate` to the human an agent acts for.
 *
 * @public
 */
export class NonHumanIdentityProcessor implements CatalogProcessor {
  constructor(
    private readonly options: {
      evaluate?: NhiEvaluator;
      /**
       * Where hand-written identities are summarised for the NHI page (the
       * module passes the summary's owner, `NhiInventorySummary`).
       */
      inventory?: NhiSummaryWriter;
      logger?: LoggerService;
    } = {},
  ) {}

  getProcessorName(): string {
    return 'NonHumanIdentityProcessor';
  }

  async validateEntityKind(entity: Entity): Promise<boolean> {
    return nonHumanIdentityEntityV1alpha1Validator.check(entity);
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    if (!isNonHumanIdentityEntity(entity) || !entity.spec) {
      return entity;
    }
    const spec = entity.spec;
    // Identities from a source arrive complete; hand-written ones get their
    // ownership block from spec.owner.
    if (entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE]) {
      return entity;
    }
    const ownership = spec.owner
      ? { status: 'owned' as const, provenance: 'declared' as const }
      : {
          ...spec.ownership,
          status: 'unowned' as const,
          provenance: 'none' as const,
        };
    const result: NonHumanIdentityEntity = {
      ...entity,
      spec: { ...spec, ownership },
    };
    return this.options.evaluate ? this.options.evaluate(result) : result;
  }

  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (!isNonHumanIdentityEntity(entity)) {
      return entity;
    }
    const selfRef = getCompoundEntityRef(entity);
    const namespace = selfRef.namespace;
    const spec = entity.spec;

    const relate = (
      target: string | undefined,
      defaultKind: string,
      forward: string,
      backward: string,
    ) => {
      if (!target) return;
      let targetRef;
      try {
        targetRef = parseEntityRef(target, {
          defaultKind,
          defaultNamespace: namespace,
        });
      } catch {
        // Not an entity ref (e.g. an agent known only by name): no relation.
        return;
      }
      emit(
        processingResult.relation({
          source: selfRef,
          type: forward,
          target: targetRef,
        }),
      );
      emit(
        processingResult.relation({
          source: targetRef,
          type: backward,
          target: selfRef,
        }),
      );
    };

    relate(spec.owner, 'group', RELATION_OWNED_BY, RELATION_OWNER_OF);
    for (const user of spec.usedBy ?? []) {
      relate(user, 'component', RELATION_DEPENDENCY_OF, RELATION_DEPENDS_ON);
    }
    const creator = spec.createdBy?.ref ?? spec.createdBy?.agent?.ref;
    if (spec.createdBy && creator) {
      const creatorKinds: Record<string, string> = {
        pipeline: 'component',
        agent: 'nonhumanidentity',
      };
      relate(
        creator,
        creatorKinds[spec.createdBy.type] ?? 'user',
        RELATION_CREATED_BY,
        RELATION_CREATOR_OF,
      );
    }
    const onBehalfOf = new Set(
      [spec.agent?.onBehalfOf, spec.createdBy?.agent?.onBehalfOf].filter(
        (u): u is string => !!u && u.startsWith('user:'),
      ),
    );
    for (const user of onBehalfOf) {
      relate(user, 'user', RELATION_ACTS_ON_BEHALF_OF, RELATION_HAS_DELEGATE);
    }
    // Identities from a source are summarised by the pipeline's emit step.
    // Hand-written ones never pass through the pipeline: the processor is
    // the only place that sees each of them as it changes, so it writes
    // their rows (through the summary's one interface) each time the
    // catalog processes them.
    const { inventory, logger } = this.options;
    if (inventory && !entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE]) {
      try {
        await inventory.write(DECLARED_SOURCE, [entity]);
      } catch (e) {
        logger?.warn(
          `NHI inventory summary of ${stringifyEntityRef(
            entity,
          )} not written, the NHI page may miss it until it is processed again: ${e}`,
        );
      }
    }
    return entity;
  }
}
