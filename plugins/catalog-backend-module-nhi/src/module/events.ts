import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams } from '@backstage/plugin-events-node';
import {
  NHI_EXCEPTIONS_TOPIC,
  NHI_OWNERSHIP_TOPIC,
  NhiExceptionsEvent,
  NhiOwnershipEvent,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { NhiEntityProvider } from '../providers/NhiEntityProvider';
import { NhiEvaluation } from './evaluation';

/** The topics the catalog module follows: ownership and accepted risks. */
export const NHI_PIPELINE_TOPICS = [NHI_OWNERSHIP_TOPIC, NHI_EXCEPTIONS_TOPIC];

/**
 * Applies the claims backend's events to the catalog within seconds, as
 * deltas by the provider that emitted the identity: an approved or released
 * claim (its owner), new or ended accepted risks (evaluated again). A change
 * that cannot be applied now is not lost: the next run reads claims and
 * accepted risks in bulk.
 */
export function nhiEventHandler(options: {
  store: Pick<NhiPipelineStore, 'getEmitted'>;
  providers: Pick<
    NhiEntityProvider,
    'sourceKey' | 'applyOwnershipChange' | 'reevaluate'
  >[];
  evaluation: Pick<NhiEvaluation, 'setAccepted'>;
  logger: LoggerService;
}): (params: EventParams) => Promise<void> {
  const { store, evaluation, logger } = options;
  const byKey = new Map(options.providers.map(p => [p.sourceKey, p]));
  const providerOf = async (entityRef: string) => {
    const emitted = await store.getEmitted(entityRef);
    const provider = emitted && byKey.get(emitted.sourceKey);
    return emitted && provider ? { emitted, provider } : undefined;
  };
  return async params => {
    const payload = params.eventPayload as
      | NhiOwnershipEvent
      | NhiExceptionsEvent;
    if (!payload?.entityRef) return;
    const entityRef = payload.entityRef.toLowerCase();
    try {
      if (params.topic === NHI_EXCEPTIONS_TOPIC) {
        evaluation.setAccepted(
          entityRef,
          (payload as NhiExceptionsEvent).accepted ?? [],
        );
      }
      const found = await providerOf(entityRef);
      if (!found) {
        logger.info(
          `NHI change to ${entityRef} not applied now: it is not ingested by an NHI source (a hand-written identity is re-evaluated when the catalog processes it)`,
        );
        return;
      }
      if (params.topic === NHI_OWNERSHIP_TOPIC) {
        await found.provider.applyOwnershipChange(
          entityRef,
          (payload as NhiOwnershipEvent).claim,
          found.emitted,
        );
      } else {
        await found.provider.reevaluate(entityRef);
      }
    } catch (e) {
      // Not lost: the next run reads claims and accepted risks in bulk.
      logger.warn(
        `NHI change to ${entityRef} not applied now, the next run will: ${e}`,
      );
    }
  };
}
