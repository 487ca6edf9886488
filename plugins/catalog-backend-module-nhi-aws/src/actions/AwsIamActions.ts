import {
  CreateRoleCommand,
  CreateRoleCommandOutput,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRoleCommandOutput,
  GetRolePolicyCommand,
  GetRolePolicyCommandOutput,
  GetUserCommand,
  GetUserCommandOutput,
  IAMClient,
  ListAccessKeysCommand,
  ListAccessKeysCommandOutput,
  PutRolePolicyCommand,
  Tag,
  TagRoleCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  NHI_ACTION_IDS,
  NhiActionChange,
  NhiActionPlan,
  nhiAgentIdentityCreatePermission,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiSourceAction,
  NhiSourceActionContext,
  NhiSourceActionOutcome,
} from '@backstage-nhi/plugin-nhi-node';
import { AwsSourceConfig, isAwsTrustPrincipal } from '../config';
import { PolicyAnalyzer } from '../policy/PolicyAnalyzer';
import {
  AwsCallCounter,
  AwsClients,
  AwsCredentialIdentityProvider,
  sendCounted,
} from '../source/clients';
import { toIdentityRecords } from '../source/normalize';
import { partitionOfRegion } from '../source/partition';

/** The inline policy that disables an assumable role (identity:disable). */
export const DENY_ALL_POLICY_NAME = 'nhi-disabled-deny-all';
const DENY_ALL_DOCUMENT = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DisabledByBackstageNhi',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
    },
  ],
};

const ACCESS_KEY_ID = '^[A-Z0-9]{16,128}$';
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
/** Characters an AWS tag value may not hold. */
const NOT_IN_TAG_VALUE = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_ARN =
  /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):(user|role)\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]+)$/;

/** What an action works on: an IAM user or role of an account. */
interface IamTarget {
  kind: 'user' | 'role';
  name: string;
  accountId: string;
  arn: string;
}

/**
 * Options of {@link createAwsIamActions}.
 *
 * @public
 */
export interface AwsIamActionsOptions {
  config: AwsSourceConfig;
  /** The base credentials that assume the actions role. */
  baseCredentials(): Promise<AwsCredentialIdentityProvider>;
  /** Normalizes a created role as the source would. */
  analyzer: PolicyAnalyzer;
  retryBaseDelayMs?: number;
}

/** ISO 8601, seconds, `Z`: how expiry tags are written. */
function isoSeconds(d: Date) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * An AWS SDK error as the error the portal answers: a missing entity is a
 * 404, a conflict or quota a 409, a refused input a 400, and a refusal of
 * the actions role a 503 that names the IAM action the role lacks.
 */
export function toActionError(e: unknown, what: string): Error {
  const err = e as { name?: string; Code?: string; message?: string };
  const code = err?.name ?? err?.Code ?? '';
  const message = `${what}: ${code ? `${code}: ` : ''}${
    err?.message ?? String(e)
  }`;
  switch (code) {
    case 'NoSuchEntityException':
    case 'NoSuchEntity':
      return new NotFoundError(message);
    case 'EntityAlreadyExistsException':
    case 'EntityAlreadyExists':
    case 'LimitExceededException':
    case 'LimitExceeded':
    case 'DeleteConflictException':
    case 'DeleteConflict':
    case 'ConcurrentModificationException':
    case 'ConcurrentModification':
      return new ConflictError(message);
    case 'ValidationError':
    case 'InvalidInputException':
    case 'InvalidInput':
    case 'MalformedPolicyDocumentException':
    case 'MalformedPolicyDocument':
      return new InputError(message);
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'AssumeRoleError':
      return new ServiceUnavailableError(
        `${message} (the actions role needs the policy in the AWS module's README)`,
      );
    default:
      return e instanceof Error ? e : new Error(message);
  }
}

const isNoSuchEntity = (e: unknown) =>
  ['NoSuchEntityException', 'NoSuchEntity'].includes(
    (e as { name?: string })?.name ?? '',
  );

/**
 * The AWS source's remediation actions: deactivate an access key, delete an
 * inactive one, remove a console password, tag a user or role, disable an
 * identity (keys deactivated, a deny-all policy on a role), and create an
 * AI agent's role with its mandatory tags and a trust policy for the agent
 * runtime. They write with `actions.roleName` in the identity's account,
 * assumed from the base credentials — never with the read-only role.
 *
 * @public
 */
export function createAwsIamActions(
  options: AwsIamActionsOptions,
): NhiSourceAction<any>[] {
  const { config } = options;
  const actions = config.actions;
  if (!actions) return [];
  const partition = partitionOfRegion(config.region);
  const tagKeys = config.agentTagKeys;

  const regionOf = (accountId: string) =>
    config.accounts.find(a => a.accountId === accountId)?.region ??
    config.region;

  const checkAccount = (accountId: string) => {
    const known =
      config.accounts.some(a => a.accountId === accountId) ||
      !!config.organization;
    if (!known || config.organization?.exclude.includes(accountId)) {
      throw new InputError(
        `account ${accountId} is not one source aws:${config.id} reads`,
      );
    }
  };

  /** Runs `fn` with an IAM client of the actions role in `accountId`. */
  const withIam = async <T>(
    accountId: string,
    signal: AbortSignal,
    fn: (send: <O>(command: object) => Promise<O>) => Promise<T>,
  ): Promise<T> => {
    checkAccount(accountId);
    const region = regionOf(accountId);
    const counter = new AwsCallCounter();
    const clients = new AwsClients(
      {
        region,
        endpoint: config.endpoint,
        // someone waits for an action: fewer retries than a read (IAM's
        // LimitExceeded counts as throttling for the SDK)
        maxAttempts: Math.min(config.maxAttempts, 3),
        retryBaseDelayMs: options.retryBaseDelayMs,
      },
      counter,
    );
    try {
      const iam: IAMClient = clients.iam(
        clients.assumeRole({
          base: await options.baseCredentials(),
          roleArn: `arn:${partition.id}:iam::${accountId}:role/${actions.roleName}`,
          externalId: actions.externalId,
          region,
          signal,
        }),
        region,
      );
      return await fn(<O>(command: object) =>
        sendCounted<O>(counter, 'iam', iam, command, signal),
      );
    } finally {
      clients.destroy();
    }
  };

  const targetOf = (
    context: NhiSourceActionContext,
    kinds: Array<'user' | 'role'>,
  ): IamTarget => {
    const externalId = context.identity?.externalId ?? '';
    const m = IAM_ARN.exec(externalId);
    if (!m || !kinds.includes(m[3] as 'user' | 'role')) {
      throw new InputError(
        `${externalId || 'this identity'} is not an IAM ${kinds.join(
          ' or ',
        )} this action can change${
          /:root$/.test(externalId)
            ? ' (the root user’s keys are managed only when signed in as root)'
            : ''
        }`,
      );
    }
    return {
      kind: m[3] as 'user' | 'role',
      accountId: m[2],
      name: m[4],
      arn: externalId,
    };
  };

  const listKeys = async (
    send: <O>(c: object) => Promise<O>,
    userName: string,
  ) => {
    const keys: NonNullable<ListAccessKeysCommandOutput['AccessKeyMetadata']> =
      [];
    let marker: string | undefined;
    do {
      const page = await send<ListAccessKeysCommandOutput>(
        new ListAccessKeysCommand({ UserName: userName, Marker: marker }),
      );
      keys.push(...(page.AccessKeyMetadata ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return keys;
  };

  /** A recent use of a credential, as a warning. */
  const recentUse = (
    context: NhiSourceActionContext,
    credentialId: string,
  ): string[] => {
    const c = context.identity?.spec.credentials?.find(
      x => x.id === credentialId,
    );
    const at = c?.lastUsed?.at ? Date.parse(c.lastUsed.at) : NaN;
    if (!Number.isFinite(at)) return [];
    const days = Math.floor((context.now.getTime() - at) / 86_400_000);
    return days < 30
      ? [
          `${credentialId} was used ${
            days <= 0 ? 'today' : `${days} day${days === 1 ? '' : 's'} ago`
          }${
            c?.lastUsed?.service ? ` (${c.lastUsed.service})` : ''
          }: whatever uses it will fail`,
        ]
      : [];
  };

  // access-key:deactivate — the reversible choice
  const keyInput = {
    type: 'object',
    required: ['accessKeyId'],
    additionalProperties: false,
    properties: {
      accessKeyId: {
        type: 'string',
        pattern: ACCESS_KEY_ID,
        title: 'Access key id',
        description: 'The key, e.g. AKIAIOSFODNN7EXAMPLE',
      },
    },
  };
  const planDeactivate = async (
    send: <O>(c: object) => Promise<O>,
    target: IamTarget,
    input: { accessKeyId: string },
    context: NhiSourceActionContext,
  ): Promise<NhiActionPlan> => {
    const key = (await listKeys(send, target.name)).find(
      k => k.AccessKeyId === input.accessKeyId,
    );
    if (!key) {
      throw new NotFoundError(
        `access key ${input.accessKeyId} is not a key of IAM user ${target.name}`,
      );
    }
    if (key.Status !== 'Active') return { changes: [] };
    return {
      changes: [
        {
          target: input.accessKeyId,
          operation: 'iam:UpdateAccessKey',
          description: `Deactivate access key ${input.accessKeyId} of IAM user ${target.name} in account ${target.accountId} (it can be activated again)`,
          before: 'Active',
          after: 'Inactive',
        },
      ],
      warnings: recentUse(context, input.accessKeyId),
    };
  };
  const deactivateKey: NhiSourceAction<{ accessKeyId: string }> = {
    id: NHI_ACTION_IDS.accessKeyDeactivate,
    title: 'Deactivate access key',
    description:
      'Sets an IAM user’s access key to Inactive: requests signed with it fail, and it can be activated again.',
    target: 'identity',
    destructive: false,
    identityTypes: ['iam-user'],
    inputSchema: keyInput,
    dryRun: async (input, context) => {
      const target = targetOf(context, ['user']);
      return withIam(target.accountId, context.signal, send =>
        planDeactivate(send, target, input, context),
      ).catch(e => {
        throw toActionError(e, `reading the keys of ${target.name}`);
      });
    },
    run: async (input, context) => {
      const target = targetOf(context, ['user']);
      return withIam(target.accountId, context.signal, async send => {
        const plan = await planDeactivate(send, target, input, context);
        if (!plan.changes.length) return plan;
        await send(
          new UpdateAccessKeyCommand({
            UserName: target.name,
            AccessKeyId: input.accessKeyId,
            Status: 'Inactive',
          }),
        );
        return plan;
      }).catch(e => {
        throw toActionError(
          e,
          `deactivating ${input.accessKeyId} of ${target.name}`,
        );
      });
    },
  };

  // access-key:delete — only an inactive key: deactivate first
  const planDelete = async (
    send: <O>(c: object) => Promise<O>,
    target: IamTarget,
    input: { accessKeyId: string },
    context: NhiSourceActionContext,
  ): Promise<NhiActionPlan> => {
    const key = (await listKeys(send, target.name)).find(
      k => k.AccessKeyId === input.accessKeyId,
    );
    if (!key) {
      // gone already (a retry), if the identity had it; else a wrong id
      if (
        context.identity?.spec.credentials?.some(
          c => c.id === input.accessKeyId,
        )
      ) {
        return { changes: [] };
      }
      throw new NotFoundError(
        `access key ${input.accessKeyId} is not a key of IAM user ${target.name}`,
      );
    }
    if (key.Status === 'Active') {
      throw new InputError(
        `access key ${input.accessKeyId} is active: deactivate it first (reversible), and delete it once nothing failed`,
      );
    }
    return {
      changes: [
        {
          target: input.accessKeyId,
          operation: 'iam:DeleteAccessKey',
          description: `Delete inactive access key ${input.accessKeyId} of IAM user ${target.name} in account ${target.accountId} (this cannot be undone)`,
          before: 'Inactive',
          after: 'Deleted',
        },
      ],
    };
  };
  const deleteKey: NhiSourceAction<{ accessKeyId: string }> = {
    id: NHI_ACTION_IDS.accessKeyDelete,
    title: 'Delete inactive access key',
    description:
      'Deletes an IAM user’s access key that is already inactive. Irreversible: deactivate first, and delete once nothing broke.',
    target: 'identity',
    destructive: true,
    identityTypes: ['iam-user'],
    inputSchema: keyInput,
    dryRun: async (input, context) => {
      const target = targetOf(context, ['user']);
      return withIam(target.accountId, context.signal, send =>
        planDelete(send, target, input, context),
      ).catch(e => {
        throw toActionError(e, `reading the keys of ${target.name}`);
      });
    },
    run: async (input, context) => {
      const target = targetOf(context, ['user']);
      return withIam(target.accountId, context.signal, async send => {
        const plan = await planDelete(send, target, input, context);
        if (!plan.changes.length) return plan;
        try {
          await send(
            new DeleteAccessKeyCommand({
              UserName: target.name,
              AccessKeyId: input.accessKeyId,
            }),
          );
        } catch (e) {
          // deleted meanwhile: the goal is reached
          if (!isNoSuchEntity(e)) throw e;
        }
        return plan;
      }).catch(e => {
        throw toActionError(
          e,
          `deleting ${input.accessKeyId} of ${target.name}`,
        );
      });
    },
  };

  // login-profile:delete
  const planLogin = async (
    send: <O>(c: object) => Promise<O>,
    target: IamTarget,
    context: NhiSourceActionContext,
  ): Promise<NhiActionPlan> => {
    try {
      await send(new GetLoginProfileCommand({ UserName: target.name }));
    } catch (e) {
      if (isNoSuchEntity(e)) return { changes: [] };
      throw e;
    }
    return {
      changes: [
        {
          target: target.arn,
          operation: 'iam:DeleteLoginProfile',
          description: `Remove the console password of IAM user ${target.name} in account ${target.accountId} (a new one would have to be set to sign in again)`,
          before: 'Console password set',
          after: 'No console access',
        },
      ],
      warnings: recentUse(context, 'console-password'),
    };
  };
  const deleteLogin: NhiSourceAction<Record<string, never>> = {
    id: NHI_ACTION_IDS.loginProfileDelete,
    title: 'Remove console password',
    description:
      'Deletes an IAM user’s login profile: nobody can sign in to the console as it. Its access keys are untouched.',
    target: 'identity',
    destructive: true,
    identityTypes: ['iam-user'],
    inputSchema: { type: 'object', additionalProperties: false },
    dryRun: async (_input, context) => {
      const target = targetOf(context, ['user']);
      return withIam(target.accountId, context.signal, send =>
        planLogin(send, target, context),
      ).catch(e => {
        throw toActionError(e, `reading the login profile of ${target.name}`);
      });
    },
    run: async (_input, context) => {
      const target = targetOf(context, ['user']);
      return withIam(target.accountId, context.signal, async send => {
        const plan = await planLogin(send, target, context);
        if (!plan.changes.length) return plan;
        try {
          await send(new DeleteLoginProfileCommand({ UserName: target.name }));
        } catch (e) {
          if (!isNoSuchEntity(e)) throw e;
        }
        return plan;
      }).catch(e => {
        throw toActionError(
          e,
          `removing the console password of ${target.name}`,
        );
      });
    },
  };

  // identity:tag
  const currentTags = async (
    send: <O>(c: object) => Promise<O>,
    target: IamTarget,
  ): Promise<Tag[]> => {
    if (target.kind === 'user') {
      const out = await send<GetUserCommandOutput>(
        new GetUserCommand({ UserName: target.name }),
      );
      return out.User?.Tags ?? [];
    }
    const out = await send<GetRoleCommandOutput>(
      new GetRoleCommand({ RoleName: target.name }),
    );
    return out.Role?.Tags ?? [];
  };
  const checkTags = (tags: Record<string, string>) => {
    for (const [key, value] of Object.entries(tags)) {
      if (!TAG_KEY.test(key)) {
        throw new InputError(
          `tag key ${JSON.stringify(
            key,
          )} is not a valid AWS tag key (1 to 128 letters, digits, spaces and _.:/=+-@)`,
        );
      }
      if (!TAG_VALUE.test(value)) {
        throw new InputError(
          `the value of tag ${key} may only hold letters, digits, spaces and _.:/=+-@ (up to 256)`,
        );
      }
      if (
        key.toLowerCase() === tagKeys.expiresAt.toLowerCase() &&
        !Number.isFinite(Date.parse(value))
      ) {
        throw new InputError(
          `${key} must be an ISO 8601 date or time, e.g. 2027-01-31T00:00:00Z`,
        );
      }
    }
  };
  const planTag = async (
    send: <O>(c: object) => Promise<O>,
    target: IamTarget,
    input: { tags: Record<string, string> },
  ): Promise<{ plan: NhiActionPlan; tags: Tag[] }> => {
    const current = await currentTags(send, target);
    const changes: NhiActionChange[] = [];
    const tags: Tag[] = [];
    for (const [key, value] of Object.entries(input.tags)) {
      const before = current.find(
        t => t.Key?.toLowerCase() === key.toLowerCase(),
      );
      if (before?.Value === value && before.Key === key) continue;
      tags.push({ Key: key, Value: value });
      changes.push({
        target: target.arn,
        operation: target.kind === 'user' ? 'iam:TagUser' : 'iam:TagRole',
        description: `Tag IAM ${target.kind} ${target.name} with ${key}=${value}`,
        before: before ? `${before.Key}=${before.Value}` : undefined,
        after: `${key}=${value}`,
      });
    }
    return { plan: { changes }, tags };
  };
  const tagIdentity: NhiSourceAction<{ tags: Record<string, string> }> = {
    id: NHI_ACTION_IDS.identityTag,
    title: 'Tag identity',
    description: `Adds or changes tags of an IAM user or role, e.g. its owner (${config.ownerTagKeys[0]}) or expiry (${tagKeys.expiresAt}). Other tags are kept.`,
    target: 'identity',
    destructive: false,
    identityTypes: ['iam-user', 'iam-role'],
    inputSchema: {
      type: 'object',
      required: ['tags'],
      additionalProperties: false,
      properties: {
        tags: {
          type: 'object',
          title: 'Tags',
          description: `e.g. { "${config.ownerTagKeys[0]}": "payments", "${tagKeys.expiresAt}": "2027-01-31T00:00:00Z" }`,
          minProperties: 1,
          maxProperties: 50,
          additionalProperties: { type: 'string', maxLength: 256 },
        },
      },
    },
    dryRun: async (input, context) => {
      checkTags(input.tags);
      const target = targetOf(context, ['user', 'role']);
      return withIam(target.accountId, context.signal, async send => {
        return (await planTag(send, target, input)).plan;
      }).catch(e => {
        throw toActionError(e, `reading the tags of ${target.name}`);
      });
    },
    run: async (input, context) => {
      checkTags(input.tags);
      const target = targetOf(context, ['user', 'role']);
      return withIam(target.accountId, context.signal, async send => {
        const { plan, tags } = await planTag(send, target, input);
        if (!tags.length) return plan;
        // one call: all the tags or none
        await send(
          target.kind === 'user'
            ? new TagUserCommand({ UserName: target.name, Tags: tags })
            : new TagRoleCommand({ RoleName: target.name, Tags: tags }),
        );
        return plan;
      }).catch(e => {
        throw toActionError(e, `tagging ${target.name}`);
      });
    },
  };

  // identity:disable — reversible: keys deactivated, or a deny-all policy
  const planDisable = async (
    send: <O>(c: object) => Promise<O>,
    target: IamTarget,
  ): Promise<NhiActionPlan & { keys: string[] }> => {
    if (target.kind === 'user') {
      const keys = (await listKeys(send, target.name))
        .filter(k => k.Status === 'Active')
        .map(k => k.AccessKeyId!);
      let hasLogin = true;
      try {
        await send(new GetLoginProfileCommand({ UserName: target.name }));
      } catch (e) {
        if (!isNoSuchEntity(e)) throw e;
        hasLogin = false;
      }
      return {
        keys,
        changes: keys.map(id => ({
          target: id,
          operation: 'iam:UpdateAccessKey',
          description: `Deactivate access key ${id} of IAM user ${target.name}`,
          before: 'Active',
          after: 'Inactive',
        })),
        warnings: hasLogin
          ? [
              `${target.name} keeps its console password: remove it with “Remove console password” if nobody should sign in as it`,
            ]
          : [],
      };
    }
    try {
      const out = await send<GetRolePolicyCommandOutput>(
        new GetRolePolicyCommand({
          RoleName: target.name,
          PolicyName: DENY_ALL_POLICY_NAME,
        }),
      );
      const doc = JSON.parse(decodeURIComponent(out.PolicyDocument ?? ''));
      if (JSON.stringify(doc) === JSON.stringify(DENY_ALL_DOCUMENT)) {
        return { keys: [], changes: [] };
      }
    } catch (e) {
      if (!isNoSuchEntity(e) && !(e instanceof SyntaxError)) throw e;
    }
    return {
      keys: [],
      changes: [
        {
          target: target.arn,
          operation: 'iam:PutRolePolicy',
          description: `Put the inline policy ${DENY_ALL_POLICY_NAME} (Deny * on *) on IAM role ${target.name}: every session of it is refused everything; deleting the policy restores it`,
          before: 'Allowed by its policies',
          after: 'Everything denied',
        },
      ],
    };
  };
  const disableIdentity: NhiSourceAction<Record<string, never>> = {
    id: NHI_ACTION_IDS.identityDisable,
    title: 'Disable identity',
    description: `Makes an IAM identity unusable, reversibly: a user’s active access keys are deactivated; a role gets the inline policy ${DENY_ALL_POLICY_NAME} denying everything. Nothing is deleted.`,
    target: 'identity',
    destructive: false,
    identityTypes: ['iam-user', 'iam-role'],
    inputSchema: { type: 'object', additionalProperties: false },
    dryRun: async (_input, context) => {
      const target = targetOf(context, ['user', 'role']);
      return withIam(target.accountId, context.signal, async send => {
        const { keys: _k, ...plan } = await planDisable(send, target);
        return plan;
      }).catch(e => {
        throw toActionError(e, `reading ${target.name}`);
      });
    },
    run: async (_input, context) => {
      const target = targetOf(context, ['user', 'role']);
      return withIam(target.accountId, context.signal, async send => {
        const { keys, ...plan } = await planDisable(send, target);
        if (!plan.changes.length) return plan;
        if (target.kind === 'role') {
          await send(
            new PutRolePolicyCommand({
              RoleName: target.name,
              PolicyName: DENY_ALL_POLICY_NAME,
              PolicyDocument: JSON.stringify(DENY_ALL_DOCUMENT),
            }),
          );
          return plan;
        }
        const done: string[] = [];
        try {
          for (const id of keys) {
            await send(
              new UpdateAccessKeyCommand({
                UserName: target.name,
                AccessKeyId: id,
                Status: 'Inactive',
              }),
            );
            done.push(id);
          }
        } catch (e) {
          // nothing half-done: the keys deactivated so far are active again
          const undone: string[] = [];
          for (const id of done) {
            try {
              await send(
                new UpdateAccessKeyCommand({
                  UserName: target.name,
                  AccessKeyId: id,
                  Status: 'Active',
                }),
              );
            } catch {
              undone.push(id);
            }
          }
          if (undone.length) {
            throw new Error(
              `${(e as Error).message}; and ${undone.join(
                ', ',
              )} could not be activated again: they stay inactive`,
            );
          }
          throw e;
        }
        return plan;
      }).catch(e => {
        throw toActionError(e, `disabling ${target.name}`);
      });
    },
  };

  // agent-identity:create
  type AgentInput = {
    agentId: string;
    onBehalfOf: string;
    reason: string;
    expiresAt: string;
    account?: string;
    roleName?: string;
    trustPrincipal?: string;
    owner?: string;
  };
  const agentRole = (input: AgentInput, context: NhiSourceActionContext) => {
    const expires = new Date(input.expiresAt);
    if (!Number.isFinite(expires.getTime())) {
      throw new InputError('expiresAt must be an ISO 8601 date and time');
    }
    if (expires.getTime() <= context.now.getTime()) {
      throw new InputError(`expiresAt ${input.expiresAt} has passed`);
    }
    const accountId =
      input.account ??
      actions.agentIdentity?.defaultAccount ??
      (config.accounts.length === 1 ? config.accounts[0].accountId : '');
    if (!accountId) {
      throw new InputError(
        `account is required: source aws:${config.id} has no agentIdentity.defaultAccount`,
      );
    }
    const principal =
      input.trustPrincipal ?? actions.agentIdentity?.trustPrincipal;
    if (!principal) {
      throw new InputError(
        `trustPrincipal is required: the agent runtime’s principal (an IAM role ARN or an AWS service); source aws:${config.id} configures none`,
      );
    }
    if (!isAwsTrustPrincipal(principal)) {
      throw new InputError(
        `trustPrincipal ${JSON.stringify(
          principal,
        )} must be an IAM role, user or account ARN, or an AWS service such as bedrock.amazonaws.com`,
      );
    }
    const expiresAt = isoSeconds(expires);
    const slug = input.agentId
      .toLowerCase()
      .replace(/[^a-z0-9+=,.@-]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const stamp = expiresAt.replace(/[-:]/g, '').slice(0, 13); // 20270131T0000
    const roleName =
      input.roleName ?? `agent-${slug.slice(0, 64 - 20)}-${stamp}`;
    if (!ROLE_NAME.test(roleName)) {
      throw new InputError(
        `roleName ${JSON.stringify(
          roleName,
        )} is not an IAM role name (up to 64 letters, digits and +=,.@_-)`,
      );
    }
    const warnings: string[] = [];
    const clean = (label: string, value: string) => {
      const out = value.replace(NOT_IN_TAG_VALUE, ' ').trim().slice(0, 256);
      if (out !== value) {
        warnings.push(
          `the ${label} is tagged as “${out}”: AWS tag values hold only letters, digits, spaces and _.:/=+-@`,
        );
      }
      return out;
    };
    const tags: Tag[] = [
      { Key: tagKeys.agentId, Value: clean('agent id', input.agentId) },
      {
        Key: tagKeys.onBehalfOf,
        Value: clean('on-behalf-of', input.onBehalfOf),
      },
      { Key: tagKeys.reason, Value: clean('reason', input.reason) },
      { Key: tagKeys.expiresAt, Value: expiresAt },
      { Key: config.createdByTagKey, Value: clean('creator', context.actor) },
      ...(input.owner
        ? [{ Key: config.ownerTagKeys[0], Value: clean('owner', input.owner) }]
        : []),
    ];
    const missing = tags
      .slice(0, 4)
      .filter(t => !t.Value)
      .map(t => t.Key);
    if (missing.length) {
      throw new InputError(
        `an agent identity needs ${missing.join(', ')}: none may be empty`,
      );
    }
    const service = /\.amazonaws\.com(\.cn)?$/.test(principal);
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AgentRuntime',
          Effect: 'Allow',
          Principal: service ? { Service: principal } : { AWS: principal },
          Action: 'sts:AssumeRole',
          // AWS itself refuses the role after its expiry, whatever else runs
          Condition: { DateLessThan: { 'aws:CurrentTime': expiresAt } },
        },
      ],
    };
    const path = actions.agentIdentity?.path ?? '/nhi-agents/';
    return {
      accountId,
      roleName,
      path,
      arn: `arn:${partition.id}:iam::${accountId}:role${path}${roleName}`,
      principal,
      tags,
      trust,
      expiresAt,
      warnings,
    };
  };
  const planCreate = async (
    send: <O>(c: object) => Promise<O>,
    role: ReturnType<typeof agentRole>,
  ): Promise<NhiActionPlan> => {
    try {
      const out = await send<GetRoleCommandOutput>(
        new GetRoleCommand({ RoleName: role.roleName }),
      );
      const tags = new Map(
        (out.Role?.Tags ?? []).map(t => [t.Key?.toLowerCase(), t.Value]),
      );
      const same = role.tags
        .slice(0, 4)
        .every(t => tags.get(t.Key!.toLowerCase()) === t.Value);
      if (same) return { changes: [] }; // created by an earlier run
      throw new ConflictError(
        `role ${role.roleName} exists already in account ${role.accountId} and is not this agent identity; give another roleName`,
      );
    } catch (e) {
      if (!isNoSuchEntity(e)) throw e;
    }
    return {
      changes: [
        {
          target: role.arn,
          operation: 'iam:CreateRole',
          description: `Create IAM role ${role.roleName} in account ${
            role.accountId
          }, assumable by ${role.principal} until ${
            role.expiresAt
          }, with no permissions${
            actions.agentIdentity?.permissionsBoundary
              ? ` and the permissions boundary ${actions.agentIdentity.permissionsBoundary}`
              : ''
          }; tags ${role.tags.map(t => `${t.Key}=${t.Value}`).join(', ')}`,
          after: 'Created',
        },
      ],
      warnings: role.warnings,
    };
  };
  const createAgentIdentity: NhiSourceAction<AgentInput> = {
    id: NHI_ACTION_IDS.agentIdentityCreate,
    title: 'Create AI-agent identity',
    description:
      'Creates an IAM role for an AI agent, tagged with the agent’s id, the human it acts for, the reason and its expiry, that only the agent runtime can assume and only until the expiry. It has no permissions until they are attached.',
    target: 'source',
    destructive: false,
    permission: nhiAgentIdentityCreatePermission.name,
    inputSchema: {
      type: 'object',
      required: ['agentId', 'onBehalfOf', 'reason', 'expiresAt'],
      additionalProperties: false,
      properties: {
        agentId: {
          type: 'string',
          title: 'Agent id',
          minLength: 1,
          maxLength: 128,
          description: 'The agent’s id, e.g. claude-code-payments',
        },
        onBehalfOf: {
          type: 'string',
          title: 'On behalf of',
          minLength: 1,
          maxLength: 256,
          description: 'The human the agent acts for (a user entity ref)',
        },
        reason: {
          type: 'string',
          title: 'Reason',
          minLength: 3,
          maxLength: 256,
        },
        expiresAt: {
          type: 'string',
          title: 'Expires at',
          description: 'ISO 8601 date and time',
          minLength: 10,
        },
        account: {
          type: 'string',
          title: 'AWS account',
          pattern: '^\\d{12}$',
        },
        roleName: {
          type: 'string',
          title: 'Role name',
          pattern: '^[\\w+=,.@-]{1,64}$',
        },
        trustPrincipal: {
          type: 'string',
          title: 'Agent runtime principal',
          description: 'IAM role ARN or AWS service allowed to assume the role',
        },
        owner: {
          type: 'string',
          title: 'Owner',
          description: 'The team that owns it',
          maxLength: 256,
        },
      },
    },
    dryRun: async (input, context) => {
      const role = agentRole(input, context);
      return withIam(role.accountId, context.signal, send =>
        planCreate(send, role),
      ).catch(e => {
        throw toActionError(e, `checking role ${role.roleName}`);
      });
    },
    run: async (input, context) => {
      const role = agentRole(input, context);
      return withIam(
        role.accountId,
        context.signal,
        async (send): Promise<NhiSourceActionOutcome> => {
          const plan = await planCreate(send, role);
          if (!plan.changes.length) return plan;
          let created: CreateRoleCommandOutput;
          try {
            // one call: the role exists with every tag, or not at all
            created = await send<CreateRoleCommandOutput>(
              new CreateRoleCommand({
                RoleName: role.roleName,
                Path: role.path,
                AssumeRolePolicyDocument: JSON.stringify(role.trust),
                Description:
                  `AI agent ${input.agentId} for ${input.onBehalfOf} until ${role.expiresAt}`.slice(
                    0,
                    1000,
                  ),
                MaxSessionDuration: 3600,
                PermissionsBoundary: actions.agentIdentity?.permissionsBoundary,
                Tags: role.tags,
              }),
            );
          } catch (e) {
            const name = (e as { name?: string }).name ?? '';
            // a concurrent run created it: fine if it is this one
            if (/EntityAlreadyExists/.test(name)) {
              const again = await planCreate(send, role);
              if (!again.changes.length) return again;
            }
            throw e;
          }
          const records = [];
          const r = created.Role;
          if (r) {
            for await (const record of toIdentityRecords(
              {
                users: [],
                groups: [],
                policies: [],
                roles: [
                  {
                    RoleName: r.RoleName,
                    RoleId: r.RoleId,
                    Arn: r.Arn,
                    Path: r.Path,
                    CreateDate: r.CreateDate,
                    AssumeRolePolicyDocument:
                      r.AssumeRolePolicyDocument ??
                      encodeURIComponent(JSON.stringify(role.trust)),
                    Tags: r.Tags ?? role.tags,
                    RolePolicyList: [],
                    AttachedManagedPolicies: [],
                    InstanceProfileList: [],
                  },
                ],
                report: new Map(),
                accessKeys: new Map(),
              },
              {
                accountId: role.accountId,
                partition,
                region: regionOf(role.accountId),
                includeServiceLinkedRoles: false,
                ownerTagKeys: config.ownerTagKeys,
                environmentTagKeys: config.environmentTagKeys,
                createdByTagKey: config.createdByTagKey,
                agentTagKeys: config.agentTagKeys,
                organization: {
                  id: config.organizationId,
                  accounts: new Set([
                    ...config.accounts.map(a => a.accountId),
                    ...config.organizationAccounts,
                  ]),
                },
                now: context.now,
              },
              options.analyzer,
            )) {
              records.push(record);
            }
          }
          return { ...plan, records };
        },
      ).catch(e => {
        throw toActionError(e, `creating role ${role.roleName}`);
      });
    },
  };

  return [
    deactivateKey,
    deleteKey,
    deleteLogin,
    tagIdentity,
    disableIdentity,
    createAgentIdentity,
  ];
}
