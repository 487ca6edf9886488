import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NhiActionPlan,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from './source';

/**
 * The identity an action works on, as the pipeline knows it: its entity
 * ref, external id and its whole evaluated spec (the detail).
 *
 * @public
 */
export interface NhiActionIdentity {
  entityRef: string;
  externalId: string;
  spec: NonHumanIdentitySpec;
}

/**
 * What a source action gets for one dry run or run.
 *
 * @public
 */
export interface NhiSourceActionContext {
  logger: LoggerService;
  /** Aborted when the request ends or the backend shuts down. */
  signal: AbortSignal;
  /**
   * The identity acted on; absent for actions whose `target` is `source`
   * (creations).
   */
  identity?: NhiActionIdentity;
  /** Who asked: a user entity ref, or `nhi:expiry-enforcement` for the task. */
  actor: string;
  /** Why (required to run; empty for a dry run). */
  reason: string;
  /** Now, for dates an action writes (an expiry, a tag). */
  now: Date;
}

/**
 * What a run did.
 *
 * @public
 */
export interface NhiSourceActionOutcome extends NhiActionPlan {
  /**
   * The identities as they are after the action, when the source can tell
   * without a read (e.g. the one it just created): the pipeline enriches,
   * evaluates and emits them at once, before the source's next run
   * confirms them.
   */
  records?: NhiIdentityRecord[];
}

/**
 * A remediation action a source offers (see `NHI_ACTION_IDS` for the ids
 * every source may share). The pipeline validates `input` against
 * `inputSchema`, checks the permission, requires a reason, audits and
 * notifies; the source only plans and applies.
 *
 * Contract:
 *
 * - `dryRun` reads the provider and returns exactly what `run` would
 *   change — nothing when there is nothing to do — and changes nothing;
 * - `run` is idempotent (run twice, the second changes nothing and
 *   answers no changes) and leaves nothing half-done: when a step fails it
 *   undoes the steps before it, or the action is one provider call;
 * - bad input the schema cannot tell (a key of another user) throws an
 *   `InputError`; a missing thing a `NotFoundError`; a provider refusal its
 *   own error with the provider's message.
 *
 * @public
 */
export interface NhiSourceAction<TInput = Record<string, unknown>> {
  /** E.g. `access-key:deactivate`. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Works on an existing identity, or creates one (`source`). */
  readonly target: 'identity' | 'source';
  /** Irreversible; the two-person rule applies to these when configured. */
  readonly destructive: boolean;
  /** Identity types it applies to (e.g. `iam-user`); any when absent. */
  readonly identityTypes?: string[];
  /**
   * The permission it needs, by name; `nhi.action.run` when absent
   * (`nhi.agent-identity.create` for agent identities).
   */
  readonly permission?: string;
  /** JSON schema of `input` (an object schema). */
  readonly inputSchema: Record<string, unknown>;
  dryRun(
    input: TInput,
    context: NhiSourceActionContext,
  ): Promise<NhiActionPlan>;
  run(
    input: TInput,
    context: NhiSourceActionContext,
  ): Promise<NhiSourceActionOutcome>;
}
