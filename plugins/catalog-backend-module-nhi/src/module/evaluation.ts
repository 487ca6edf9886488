import { stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  applyNhiEvaluation,
  NHI_RULES,
  readNhiEvaluationPolicy,
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
  private unownedSince = new Map<string, string>();

  constructor(readonly policy: NhiEvaluationPolicy) {}

  /**
   * The evaluation with the policy of `nhi.evaluation`; a bad policy is an
   * `InputError` that stops the backend.
   */
  static fromConfig(config: Config): NhiEvaluation {
    try {
      return new NhiEvaluation(
        readNhiEvaluationPolicy(
          config,
          NHI_RULES.map(r => r.id),
        ),
      );
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }

  /** Sets the accepted risks of one identity (from an event). */
  setAccepted(entityRef: string, accepted: NhiAcceptedRisk[]) {
    if (accepted.length) this.accepted.set(entityRef, accepted);
    else this.accepted.delete(entityRef);
  }

  /**
   * Replaces the leak index, the accepted risks and/or since when identities
   * are unowned (by lower-case entity ref).
   */
  update(data: {
    leaks?: LeakIndex;
    accepted?: Map<string, NhiAcceptedRisk[]>;
    unownedSince?: Map<string, string>;
  }) {
    if (data.leaks) this.leaks = data.leaks;
    if (data.accepted) this.accepted = data.accepted;
    if (data.unownedSince) this.unownedSince = data.unownedSince;
  }

  evaluate = (entity: NonHumanIdentityEntity): NonHumanIdentityEntity => {
    const ref = stringifyEntityRef(entity);
    return applyNhiEvaluation(entity, {
      policy: this.policy,
      now: Date.now(),
      leaksOf: this.leaks.leaksOf,
      accepted: this.accepted.get(ref),
      unownedSince: this.unownedSince.get(ref.toLowerCase()),
    });
  };
}
