import {
  LoggerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import {
  NhiAgentDelegation,
  NhiCategory,
  NhiCreation,
  NhiCredential,
  NhiFederation,
  NhiLastUse,
  NhiPermissionSummary,
} from '@backstage-nhi/plugin-nhi-common';
import type { NhiSourceAction } from './actions';

/**
 * One identity as a source read it, normalized to the suite's model. A source
 * fills what it knows and nothing else: it never decides owners (beyond
 * reporting an owner the system itself names) and never evaluates risk.
 *
 * People and teams are named as the source saw them (a tag value, an e-mail,
 * a user name, or an entity ref); the pipeline resolves them against the
 * catalog.
 *
 * @public
 */
export interface NhiIdentityRecord {
  /** Stable id in the provider (ARN, key id, fingerprint). Never a secret. */
  externalId: string;
  /** Display name, e.g. the IAM user name. */
  name: string;
  description?: string;
  /** Kind of identity, kebab-case (see `NHI_TYPES`). */
  type: string;
  category: NhiCategory;
  /** Lower-case provider id, e.g. `aws`. */
  provider: string;
  /** Account or scope within the provider. */
  account?: string;
  /**
   * The unit a read can succeed or fail for (an AWS account, a file). Defaults
   * to `account`. See {@link NhiSourceReadSummary.completeScopes}.
   */
  scope?: string;
  /** Catalog tags, lower-case kebab-case. */
  tags?: string[];
  /** An owner the system itself names, and how: e.g. `{ value: 'payments', via: 'tag:team' }`. */
  owner?: { value: string; via: string };
  /** Components or Resources that use the identity, as names or entity refs. */
  usedBy?: string[];
  environments?: string[];
  /** Who created it; `ref`, `agent.onBehalfOf` may be names or e-mails to resolve. */
  createdBy?: NhiCreation;
  /** For AI-agent identities; `onBehalfOf` may be a name or e-mail to resolve. */
  agent?: NhiAgentDelegation;
  expiresAt?: string;
  lastUsed?: NhiLastUse;
  interactiveLogin?: boolean;
  mfa?: boolean;
  /** Credential metadata; the pipeline fills each credential's `rotation`. */
  credentials?: Omit<NhiCredential, 'rotation'>[];
  permissions?: NhiPermissionSummary;
  /** Federated, short-lived ways the identity is used (workload identity, OIDC, federated credentials). */
  federation?: NhiFederation[];
  /** Links shown on the entity page, e.g. the provider's console. */
  links?: Array<{ url: string; title: string }>;
}

/**
 * A problem a source met while reading: where (a scope such as an account, or
 * a location such as `inventory.yaml:42`) and what.
 *
 * @public
 */
export interface NhiSourceError {
  message: string;
  scope?: string;
  location?: string;
}

/**
 * How a read ended. When `complete` is false the read was partial: the
 * pipeline updates what was read but removes nothing outside
 * `completeScopes`, so identities from a failed account or a broken file
 * keep their previously ingested entities.
 *
 * @public
 */
export interface NhiSourceReadSummary {
  /** True when everything the source covers was read. */
  complete: boolean;
  /** For a partial read: the scopes that were read completely. */
  completeScopes?: string[];
  errors: NhiSourceError[];
  /**
   * Items the source read but could not make records of (each reported in
   * `errors`, e.g. a bad inventory item): counted with the run's read and
   * invalid records, so the counts agree with the problems listed.
   */
  invalid?: number;
  /** Figures worth recording with the run, e.g. `{ apiCalls: 12 }`. */
  stats?: Record<string, number>;
}

/**
 * What a source gets for one read.
 *
 * @public
 */
export interface NhiSourceReadContext {
  logger: LoggerService;
  /** Aborted when the run times out or the backend shuts down. */
  signal: AbortSignal;
  /**
   * Hands a batch of identities to the pipeline. Sources should stream in
   * batches (hundreds to a few thousand) rather than build everything first;
   * awaiting the returned promise gives back-pressure.
   */
  emit(records: NhiIdentityRecord[]): Promise<void>;
}

/**
 * An identity source: reads one system and normalizes what it finds. It
 * knows nothing of risk or owners; the pipeline does the rest.
 *
 * @public
 */
export interface NhiIdentitySource {
  /** The source type, e.g. `aws` or `file`. */
  readonly type: string;
  /** Unique among sources of the same type, e.g. `production`. */
  readonly id: string;
  /** When to run; the pipeline's default applies when absent. */
  readonly schedule?: SchedulerServiceTaskScheduleDefinition;
  /** Reads everything, emitting batches through `context.emit`. */
  read(context: NhiSourceReadContext): Promise<NhiSourceReadSummary>;
  /**
   * Remediation actions the source offers (deactivate a key, tag, create
   * an AI agent's identity…); none when absent. See `NhiSourceAction`.
   */
  readonly actions?: NhiSourceAction<any>[];
}

/**
 * The key that names a source in annotations, logs and run records:
 * `<type>:<id>`.
 *
 * @public
 */
export function nhiSourceKey(source: Pick<NhiIdentitySource, 'type' | 'id'>) {
  return `${source.type}:${source.id}`;
}
