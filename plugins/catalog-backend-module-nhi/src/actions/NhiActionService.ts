import {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  NHI_ACTION_IDS,
  NHI_KIND,
  NhiActionDescriptor,
  NhiActionPlan,
  nhiActionConfirmPermission,
  nhiActionPermissions,
  nhiActionReadPermission,
  NhiActionRequest,
  NhiActionRequestBody,
  nhiActionRunPermission,
  NhiActionRunResult,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceAction,
  NhiSourceActionContext,
} from '@backstage-nhi/plugin-nhi-node';
import Ajv, { ValidateFunction } from 'ajv';
import { NhiActionStore } from '../database/NhiActionStore';
import { NhiActionsConfig } from './config';

/** The actor of expiry enforcement in the action log. */
export const EXPIRY_ENFORCEMENT_ACTOR = 'nhi:expiry-enforcement';
/** The rule that lists agent-created identities past their expiry. */
const AGENT_CREATED_EXPIRED = 'NHI-AGENT-CREATED-EXPIRED';
const HOUR = 3_600_000;

/** A configured source, with what the pipeline does for it after an action. */
export interface NhiActionSourceHandle {
  source: NhiIdentitySource;
  /** Enriches, evaluates and emits identities at once; their entity refs. */
  applyRecords(records: NhiIdentityRecord[]): Promise<string[]>;
  /** Starts a run now, so the next read confirms the change. */
  triggerRun(): Promise<void>;
}

/** Where an identity comes from and its whole spec (the inventory summary). */
export interface NhiActionIdentities {
  /** The source key that emitted it, if a source did. */
  sourceOf(entityRef: string): Promise<string | undefined>;
  /** Its whole evaluated spec. */
  detail(entityRef: string): Promise<NonHumanIdentitySpec | undefined>;
  /** Agent-created identities past their expiry (entity refs), page by page. */
  expired(): AsyncIterable<string[]>;
}

/** Tells an identity's owner what happened to it. */
export interface NhiActionNotifier {
  notify(message: {
    /** Group or user entity refs. */
    recipients: string[];
    title: string;
    description: string;
    link?: string;
    severity?: 'normal' | 'high';
  }): Promise<void>;
}

type Resolved = {
  handle: NhiActionSourceHandle;
  sourceKey: string;
  action: NhiSourceAction<any>;
  entityRef?: string;
  spec?: NonHumanIdentitySpec;
};

/** The user (or service) behind credentials, as the log names them. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (p.userEntityRef) return p.userEntityRef;
  return p.subject ? `service:${p.subject}` : 'unknown';
}

const permissionByName = new Map<string, BasicPermission>(
  nhiActionPermissions.map(p => [p.name, p as BasicPermission]),
);

/**
 * Runs the sources' remediation actions for the portal, the scaffolder
 * actions and expiry enforcement alike: checks the action's permission and
 * the caller's right to see the identity, validates the input against the
 * action's schema (400), always plans with a dry run first, requires a
 * reason, applies the two-person rule, logs every request and outcome,
 * notifies the owner, and makes the catalog show the change (the records
 * an action returns at once, then a run of the source).
 */
export class NhiActionService {
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  private readonly validators = new WeakMap<object, ValidateFunction>();

  constructor(
    private readonly options: {
      sources: Map<string, NhiActionSourceHandle>;
      identities: NhiActionIdentities;
      catalog: CatalogService;
      permissions: PermissionsService;
      actions: NhiActionStore;
      logger: LoggerService;
      notifier?: NhiActionNotifier;
      config: NhiActionsConfig;
      /** Link to an identity's page, for notifications. */
      entityLink?(entityRef: string): string;
      now?: () => Date;
    },
  ) {}

  private now() {
    return this.options.now?.() ?? new Date();
  }

  private async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ) {
    const [decision] = await this.options.permissions.authorize(
      [{ permission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`not allowed: ${permission.name}`);
    }
  }

  private requiresConfirmation(action: NhiSourceAction<any>): boolean {
    const rule = this.options.config.twoPersonRule;
    if (!rule.enabled) return false;
    return rule.actions ? rule.actions.includes(action.id) : action.destructive;
  }

  private permissionOf(action: NhiSourceAction<any>): BasicPermission {
    return (
      permissionByName.get(action.permission ?? '') ?? nhiActionRunPermission
    );
  }

  private describe(
    sourceKey: string,
    action: NhiSourceAction<any>,
  ): NhiActionDescriptor {
    return {
      id: action.id,
      source: sourceKey,
      title: action.title,
      description: action.description,
      destructive: action.destructive,
      requiresConfirmation: this.requiresConfirmation(action),
      target: action.target,
      permission: this.permissionOf(action).name,
      inputSchema: action.inputSchema,
    };
  }

  /** The identity as the caller may see it; 404 otherwise. */
  private async identity(
    raw: string,
    credentials: BackstageCredentials,
  ): Promise<{
    entityRef: string;
    sourceKey: string;
    spec: NonHumanIdentitySpec;
  }> {
    let entityRef: string;
    try {
      const ref = parseEntityRef(raw.trim(), {
        defaultKind: NHI_KIND,
        defaultNamespace: 'default',
      });
      if (ref.kind.toLowerCase() !== NHI_KIND.toLowerCase()) {
        throw new Error(`it names a ${ref.kind}`);
      }
      entityRef = stringifyEntityRef(ref);
    } catch (e) {
      throw new InputError(
        `entityRef must name a ${NHI_KIND}: ${(e as Error).message}`,
      );
    }
    const entity = await this.options.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity) throw new NotFoundError(`no ${entityRef} in the catalog`);
    const sourceKey = await this.options.identities.sourceOf(entityRef);
    if (!sourceKey || !this.options.sources.has(sourceKey)) {
      throw new InputError(
        `${entityRef} is not from a configured source: a hand-written identity is changed where it is declared`,
      );
    }
    const spec =
      (await this.options.identities.detail(entityRef)) ??
      (entity.spec as NonHumanIdentitySpec);
    return { entityRef, sourceKey, spec };
  }

  private async resolve(
    actionId: string,
    body: { entityRef?: string; source?: string },
    credentials: BackstageCredentials,
  ): Promise<Resolved> {
    if (body.entityRef) {
      const { entityRef, sourceKey, spec } = await this.identity(
        body.entityRef,
        credentials,
      );
      const handle = this.options.sources.get(sourceKey)!;
      const action = handle.source.actions?.find(
        a => a.id === actionId && a.target === 'identity',
      );
      if (!action) {
        throw new InputError(
          `source ${sourceKey} offers no ${actionId} for identities`,
        );
      }
      if (action.identityTypes && !action.identityTypes.includes(spec.type)) {
        throw new InputError(
          `${actionId} applies to ${action.identityTypes.join(', ')}, not to ${
            spec.type
          }`,
        );
      }
      return { handle, sourceKey, action, entityRef, spec };
    }
    if (!body.source) {
      throw new InputError(
        'give entityRef (the identity to act on) or source (where to create one)',
      );
    }
    const handle = this.options.sources.get(body.source);
    if (!handle) throw new NotFoundError(`no NHI source ${body.source}`);
    const action = handle.source.actions?.find(
      a => a.id === actionId && a.target === 'source',
    );
    if (!action) {
      throw new InputError(`source ${body.source} offers no ${actionId}`);
    }
    return { handle, sourceKey: body.source, action };
  }

  /**
   * The input as the action runs it: defaults applied (an agent identity
   * acts for the caller and expires in `defaultExpiryHours`), checked
   * against the action's schema and, for agent identities, the longest
   * expiry allowed.
   */
  private prepareInput(
    action: NhiSourceAction<any>,
    input: Record<string, unknown>,
    actor: string,
  ): Record<string, unknown> {
    const prepared = { ...input };
    if (action.id === NHI_ACTION_IDS.agentIdentityCreate) {
      const cfg = this.options.config.agentIdentity;
      const now = this.now().getTime();
      if (prepared.onBehalfOf === undefined && actor.startsWith('user:')) {
        prepared.onBehalfOf = actor;
      }
      if (typeof prepared.onBehalfOf === 'string') {
        try {
          const ref = parseEntityRef(prepared.onBehalfOf.trim(), {
            defaultKind: 'user',
            defaultNamespace: 'default',
          });
          if (ref.kind.toLowerCase() !== 'user') {
            throw new Error(`it names a ${ref.kind}`);
          }
          prepared.onBehalfOf = stringifyEntityRef(ref);
        } catch (e) {
          throw new InputError(
            `onBehalfOf must name the human the agent acts for (a user): ${
              (e as Error).message
            }`,
          );
        }
      }
      if (prepared.expiresAt === undefined) {
        prepared.expiresAt = new Date(
          now + cfg.defaultExpiryHours * HOUR,
        ).toISOString();
      }
      if (typeof prepared.expiresAt === 'string') {
        const at = Date.parse(prepared.expiresAt);
        if (!Number.isFinite(at)) {
          throw new InputError(
            'expiresAt must be an ISO 8601 date and time, e.g. 2027-01-31T12:00:00Z',
          );
        }
        if (at <= now) {
          throw new InputError(`expiresAt ${prepared.expiresAt} has passed`);
        }
        if (at > now + cfg.maxExpiryHours * HOUR) {
          throw new InputError(
            `expiresAt may be at most ${cfg.maxExpiryHours} hours away (nhi.actions.agentIdentity.maxExpiryHours)`,
          );
        }
      }
      for (const key of ['agentId', 'reason'] as const) {
        if (typeof prepared[key] === 'string') {
          prepared[key] = (prepared[key] as string).trim();
        }
      }
    }
    let validate = this.validators.get(action.inputSchema);
    if (!validate) {
      validate = this.ajv.compile(action.inputSchema);
      this.validators.set(action.inputSchema, validate);
    }
    if (!validate(prepared)) {
      const e = validate.errors?.[0];
      throw new InputError(
        `input${e?.instancePath ?? ''} ${e?.message ?? 'is not valid'}${
          e?.params && 'additionalProperty' in e.params
            ? `: ${
                (e.params as { additionalProperty: string }).additionalProperty
              }`
            : ''
        }`,
      );
    }
    return prepared;
  }

  private context(
    resolved: Resolved,
    actor: string,
    reason: string,
  ): NhiSourceActionContext {
    return {
      logger: this.options.logger.child({
        action: resolved.action.id,
        source: resolved.sourceKey,
      }),
      signal: AbortSignal.timeout(120_000),
      identity:
        resolved.entityRef && resolved.spec
          ? {
              entityRef: resolved.entityRef,
              externalId: resolved.spec.externalId,
              spec: resolved.spec,
            }
          : undefined,
      actor,
      reason,
      now: this.now(),
    };
  }

  /** The actions of an identity's source, or of a source, or of all. */
  async list(
    credentials: BackstageCredentials,
    q: { entityRef?: string; source?: string },
  ): Promise<NhiActionDescriptor[]> {
    await this.authorize(credentials, nhiActionReadPermission);
    if (q.entityRef) {
      const { sourceKey, spec } = await this.identity(q.entityRef, credentials);
      return (this.options.sources.get(sourceKey)!.source.actions ?? [])
        .filter(
          a =>
            a.target === 'identity' &&
            (!a.identityTypes || a.identityTypes.includes(spec.type)),
        )
        .map(a => this.describe(sourceKey, a));
    }
    const out: NhiActionDescriptor[] = [];
    for (const [key, handle] of this.options.sources) {
      if (q.source && key !== q.source) continue;
      for (const a of handle.source.actions ?? []) {
        if (q.source || a.target === 'source') out.push(this.describe(key, a));
      }
    }
    if (q.source && !this.options.sources.has(q.source)) {
      throw new NotFoundError(`no NHI source ${q.source}`);
    }
    return out;
  }

  /** What an action would change; changes nothing. */
  async dryRun(
    credentials: BackstageCredentials,
    actionId: string,
    body: NhiActionRequestBody,
  ): Promise<{ plan: NhiActionPlan; source: string; entityRef?: string }> {
    const resolved = await this.resolve(actionId, body, credentials);
    await this.authorize(credentials, this.permissionOf(resolved.action));
    const actor = actorOf(credentials);
    const input = this.prepareInput(resolved.action, body.input ?? {}, actor);
    const plan = await resolved.action.dryRun(
      input,
      this.context(resolved, actor, ''),
    );
    return {
      plan,
      source: resolved.sourceKey,
      ...(resolved.entityRef ? { entityRef: resolved.entityRef } : {}),
    };
  }

  /**
   * Runs an action: a dry run first; nothing to do answers `unchanged`; an
   * action under the two-person rule answers `pending`; else it runs.
   */
  async run(
    credentials: BackstageCredentials,
    actionId: string,
    body: NhiActionRequestBody,
  ): Promise<NhiActionRunResult> {
    const resolved = await this.resolve(actionId, body, credentials);
    await this.authorize(credentials, this.permissionOf(resolved.action));
    const actor = actorOf(credentials);
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    if (reason.length < 3) {
      throw new InputError(
        'reason is required: say why (3 characters or more)',
      );
    }
    const input = this.prepareInput(resolved.action, body.input ?? {}, actor);
    const context = this.context(resolved, actor, reason);
    const plan = await resolved.action.dryRun(input, context);
    const base = {
      action: resolved.action.id,
      source: resolved.sourceKey,
      entityRef: resolved.entityRef,
      input,
      reason,
      requestedBy: actor,
      requestedAt: this.now(),
      plan,
    };
    if (!plan.changes.length) {
      await this.options.actions.add({
        ...base,
        status: 'succeeded',
        result: { changes: [] },
      });
      return { status: 'unchanged', plan };
    }
    if (this.requiresConfirmation(resolved.action)) {
      const request = await this.options.actions.add({
        ...base,
        status: 'pending',
        dedupeKey: `pending:${resolved.action.id}:${
          resolved.entityRef ?? resolved.sourceKey
        }:${JSON.stringify(input)}`.slice(0, 512),
      });
      await this.notify(resolved, {
        title: `${resolved.action.title} waits for a second person`,
        description: `${actor} asked to ${plan.changes
          .map(c => c.description)
          .join(
            '; ',
          )} — “${reason}”. Someone else allowed to confirm actions confirms or rejects it on the identity's page.`,
        input,
      });
      return { status: 'pending', plan, request };
    }
    const request = await this.options.actions.add({
      ...base,
      status: 'running',
    });
    return this.execute(request, resolved, input, context);
  }

  /** Runs a logged request and records how it ended. */
  private async execute(
    request: NhiActionRequest,
    resolved: Resolved,
    input: Record<string, unknown>,
    context: NhiSourceActionContext,
  ): Promise<NhiActionRunResult> {
    const { actions, logger } = this.options;
    let outcome;
    try {
      outcome = await resolved.action.run(input, context);
    } catch (e) {
      await actions.finish(
        request.id,
        { status: 'failed', error: (e as Error).message ?? String(e) },
        this.now(),
      );
      throw e;
    }
    const { records, ...result } = outcome;
    let created: string | undefined;
    if (records?.length) {
      try {
        [created] = await resolved.handle.applyRecords(records);
      } catch (e) {
        logger.warn(
          `NHI action ${request.id}: the new identity reaches the catalog with the next run of ${resolved.sourceKey}: ${e}`,
        );
      }
    }
    await actions.finish(
      request.id,
      { status: 'succeeded', result, entityRef: created },
      this.now(),
    );
    if (result.changes.length) {
      // the next read confirms the change (and brings what records lack)
      resolved.handle
        .triggerRun()
        .catch(e =>
          logger.info(
            `NHI action ${request.id}: ${resolved.sourceKey} is read again at its next run: ${e}`,
          ),
        );
      await this.notify(resolved, {
        title: `${resolved.action.title}: done`,
        description: `${result.changes
          .map(c => c.description)
          .join('; ')} — by ${request.requestedBy}${
          request.decidedBy ? `, confirmed by ${request.decidedBy}` : ''
        }: “${request.reason}”`,
        input,
        entityRef: created,
      });
    }
    logger.info(
      `NHI action ${request.action} on ${
        request.entityRef ?? created ?? request.source
      } by ${request.requestedBy}: ${result.changes.length} change(s)`,
    );
    return {
      status: result.changes.length ? 'succeeded' : 'unchanged',
      plan: request.plan,
      result,
      ...(created ? { entityRef: created } : {}),
    };
  }

  /** Tells the owner (or, for a creation, its owner and human). */
  private async notify(
    resolved: Resolved,
    message: {
      title: string;
      description: string;
      input: Record<string, unknown>;
      entityRef?: string;
      severity?: 'normal' | 'high';
    },
  ) {
    const { notifier, logger, entityLink } = this.options;
    if (!notifier) return;
    const recipients = new Set<string>();
    if (resolved.spec?.owner) recipients.add(resolved.spec.owner);
    if (!resolved.spec) {
      for (const key of ['owner', 'onBehalfOf']) {
        const v = message.input[key];
        if (typeof v !== 'string' || !v) continue;
        try {
          recipients.add(
            stringifyEntityRef(
              parseEntityRef(v, {
                defaultKind: key === 'owner' ? 'group' : 'user',
                defaultNamespace: 'default',
              }),
            ),
          );
        } catch {
          // not a ref: nobody to notify under that name
        }
      }
    }
    if (!recipients.size) return;
    const ref = resolved.entityRef ?? message.entityRef;
    try {
      await notifier.notify({
        recipients: [...recipients],
        title: `${message.title}${ref ? ` (${ref})` : ''}`,
        description: message.description,
        link: ref && entityLink ? entityLink(ref) : undefined,
        severity: message.severity,
      });
    } catch (e) {
      logger.warn(`NHI action notification not sent: ${e}`);
    }
  }

  /** The action log of an identity, or requests by status. */
  async listRequests(
    credentials: BackstageCredentials,
    q: { entityRef?: string; status?: NhiActionRequest['status'] },
  ): Promise<NhiActionRequest[]> {
    await this.authorize(credentials, nhiActionReadPermission);
    let entityRef: string | undefined;
    if (q.entityRef) {
      entityRef = (await this.identityRef(q.entityRef, credentials)).entityRef;
    }
    return this.options.actions.list({ entityRef, status: q.status });
  }

  private async identityRef(raw: string, credentials: BackstageCredentials) {
    let entityRef: string;
    try {
      entityRef = stringifyEntityRef(
        parseEntityRef(raw.trim(), {
          defaultKind: NHI_KIND,
          defaultNamespace: 'default',
        }),
      );
    } catch (e) {
      throw new InputError(`entityRef is not an entity ref: ${e}`);
    }
    const entity = await this.options.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity) throw new NotFoundError(`no ${entityRef} in the catalog`);
    return { entityRef };
  }

  /** Confirms, as a second person, a pending request: it runs now. */
  async confirm(
    credentials: BackstageCredentials,
    id: string,
  ): Promise<NhiActionRunResult> {
    await this.authorize(credentials, nhiActionConfirmPermission);
    const by = actorOf(credentials);
    const pending = await this.options.actions.get(id);
    const resolved = await this.resolve(
      pending.action,
      { entityRef: pending.entityRef, source: pending.source },
      credentials,
    );
    const request = await this.options.actions.decide(id, {
      status: 'running',
      by,
      at: this.now(),
    });
    return this.execute(
      request,
      resolved,
      request.input,
      this.context(resolved, request.requestedBy, request.reason),
    );
  }

  /** Rejects a pending request, saying why. */
  async reject(
    credentials: BackstageCredentials,
    id: string,
    comment: string,
  ): Promise<NhiActionRequest> {
    await this.authorize(credentials, nhiActionConfirmPermission);
    if (comment.trim().length < 3) {
      throw new InputError('comment is required: say why it is rejected');
    }
    const request = await this.options.actions.decide(id, {
      status: 'rejected',
      by: actorOf(credentials),
      at: this.now(),
      comment: comment.trim(),
    });
    await this.options.notifier
      ?.notify({
        recipients: [request.requestedBy].filter(r => r.startsWith('user:')),
        title: `${request.action} rejected${
          request.entityRef ? ` (${request.entityRef})` : ''
        }`,
        description: `${request.decidedBy} rejected it: “${comment.trim()}”`,
      })
      .catch(e =>
        this.options.logger.warn(`NHI action notification not sent: ${e}`),
      );
    return request;
  }

  /**
   * Expiry enforcement, one pass: every agent-created identity past its
   * `expires-at` (and still usable) is reported to its owner once per
   * expiry and, in `deactivate` mode, disabled with its source's
   * `identity:disable` — reversibly. Each is an auditor event and an entry
   * of the action log. Returns what it did.
   */
  async enforceExpiry(
    auditor?: AuditorService,
  ): Promise<{ reported: number; disabled: number; failed: number }> {
    const { config, identities, actions, sources, logger } = this.options;
    const mode = config.expiryEnforcement.mode;
    const counts = { reported: 0, disabled: 0, failed: 0 };
    if (mode === 'off') return counts;
    for await (const page of identities.expired()) {
      for (const entityRef of page) {
        const spec = await identities.detail(entityRef);
        const sourceKey = await identities.sourceOf(entityRef);
        const expiresAt = spec?.createdBy?.agent?.expiresAt;
        const handle = sourceKey ? sources.get(sourceKey) : undefined;
        if (!spec || !expiresAt || !handle || !sourceKey) continue;
        const dedupeKey = `expiry:${entityRef}:${expiresAt}`.slice(0, 512);
        if (await actions.has(dedupeKey)) continue;
        const disable = handle.source.actions?.find(
          a =>
            a.id === NHI_ACTION_IDS.identityDisable &&
            (!a.identityTypes || a.identityTypes.includes(spec.type)),
        );
        const resolved: Resolved = {
          handle,
          sourceKey,
          action: disable ?? {
            id: 'expiry:report',
            title: 'Agent identity expired',
            description: '',
            target: 'identity',
            destructive: false,
            inputSchema: {},
            dryRun: async () => ({ changes: [] }),
            run: async () => ({ changes: [] }),
          },
          entityRef,
          spec,
        };
        const reason = `created by agent ${
          spec.createdBy?.agent?.id ?? 'unknown'
        } with expires-at ${expiresAt}, which has passed`;
        const event = await auditor?.createEvent({
          eventId: 'nhi-action-expiry',
          severityLevel: 'medium',
          meta: { entityRef, mode, expiresAt },
        });
        try {
          const context = this.context(
            resolved,
            EXPIRY_ENFORCEMENT_ACTOR,
            reason,
          );
          if (mode === 'deactivate' && disable) {
            const plan = await disable.dryRun({}, context);
            const request = await actions.add({
              action: disable.id,
              source: sourceKey,
              entityRef,
              input: {},
              reason,
              requestedBy: EXPIRY_ENFORCEMENT_ACTOR,
              requestedAt: this.now(),
              status: 'running',
              plan,
              dedupeKey,
            });
            await this.execute(request, resolved, {}, context);
            counts.disabled++;
          } else {
            await actions.add({
              action: 'expiry:report',
              source: sourceKey,
              entityRef,
              input: {},
              reason,
              requestedBy: EXPIRY_ENFORCEMENT_ACTOR,
              requestedAt: this.now(),
              status: 'succeeded',
              plan: {
                changes: [],
                warnings: [
                  mode === 'deactivate'
                    ? `source ${sourceKey} cannot disable a ${spec.type}: nothing was changed`
                    : 'expiry enforcement reports only (nhi.actions.expiryEnforcement.mode: report): nothing was changed',
                ],
              },
              result: { changes: [] },
              dedupeKey,
            });
            await this.notify(resolved, {
              title: 'An AI agent’s identity is past its expiry',
              description: `${reason}; it can still be used. Disable or delete it, or give it a new expiry.`,
              input: {},
              severity: 'high',
            });
            counts.reported++;
          }
          await event?.success();
        } catch (e) {
          // a ConflictError here: another replica handled it meanwhile
          if ((e as Error).name !== 'ConflictError') counts.failed++;
          logger.warn(
            `NHI expiry enforcement of ${entityRef} failed, the next pass tries again: ${e}`,
          );
          await event?.fail({ error: e as Error });
        }
      }
    }
    if (counts.reported || counts.disabled || counts.failed) {
      logger.info(
        `NHI expiry enforcement (${mode}): ${counts.disabled} disabled, ${counts.reported} reported, ${counts.failed} failed`,
      );
    }
    return counts;
  }
}

export { AGENT_CREATED_EXPIRED };
