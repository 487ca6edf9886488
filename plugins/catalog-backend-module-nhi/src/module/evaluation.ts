import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  applyNhiEvaluation,
  NhiAcceptedRisk,
  NhiEvaluationPolicy,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { LeakIndex } from '../lib/leaks';

/**
 * The evaluate step with what it needs beyond the identity: the policy from
 * config, and the latest leak index and accepted risks, which every run
 * refreshes. One instance serves the providers, the processor (hand-written
 * identities) and ownership deltas, so they all evaluate alike.
 */
export class NhiEvaluation {
  private leaks = LeakIndex.empty();
  private accepted = new Map<string, NhiAcceptedRisk[]>();

  constructor(readonly policy: NhiEvaluationPolicy) {}

  /** Sets the accepted risks of one identity (from an event). */
  setAccepted(entityRef: string, accepted: NhiAcceptedRisk[]) {
    if (accepted.length) this.accepted.set(entityRef, accepted);
    else this.accepted.delete(entityRef);
  }

  /** Replaces the leak index and/or the accepted risks. */
  update(data: {
    leaks?: LeakIndex;
    accepted?: Map<string, NhiAcceptedRisk[]>;
  }) {
    if (data.leaks) this.leaks = data.leaks;
    if (data.accepted) this.accepted = data.accepted;
  }

  evaluate = (entity: NonHumanIdentityEntity): NonHumanIdentityEntity =>
    applyNhiEvaluation(entity, {
      policy: this.policy,
      now: Date.now(),
      leaksOf: this.leaks.leaksOf,
      accepted: this.accepted.get(stringifyEntityRef(entity)),
    });
}
