/**
 * Remediation actions: what a source can do to an identity (deactivate a
 * key, tag it, create an AI agent's identity…), as the portal's API, the
 * identity page and the scaffolder actions see them. Every action has a dry
 * run that says exactly what would change, a required reason, an audit
 * event, and is idempotent: run twice, the second run changes nothing.
 */

/**
 * The actions every source may implement under these ids, with the input
 * each id documents; a source may offer more of its own.
 *
 * - `access-key:deactivate` `{ accessKeyId }` — the reversible choice;
 * - `access-key:delete` `{ accessKeyId }` — only an inactive key;
 * - `login-profile:delete` `{}` — removes a console password;
 * - `identity:tag` `{ tags: { owner?, 'expires-at'?, … } }`;
 * - `identity:disable` `{}` — makes an identity unusable, reversibly (keys
 *   deactivated, a deny-all policy on a role): what expiry enforcement runs;
 * - `agent-identity:create` `{ agentId, onBehalfOf, reason, expiresAt, … }`
 *   — creates an AI agent's identity with its mandatory provenance.
 *
 * @public
 */
export const NHI_ACTION_IDS = {
  accessKeyDeactivate: 'access-key:deactivate',
  accessKeyDelete: 'access-key:delete',
  loginProfileDelete: 'login-profile:delete',
  identityTag: 'identity:tag',
  identityDisable: 'identity:disable',
  agentIdentityCreate: 'agent-identity:create',
} as const;

/**
 * One change an action makes (or would make, in a dry run): which resource,
 * the provider's operation, and the state before and after in words a
 * reviewer can check.
 *
 * @public
 */
export type NhiActionChange = {
  /** The resource changed: an ARN, a key id. */
  target: string;
  /** The provider's operation, e.g. `iam:UpdateAccessKey`. */
  operation: string;
  /** One sentence, e.g. `Deactivate access key AKIA… of deploy-bot`. */
  description: string;
  /** The state before, e.g. `Active`; absent for something new. */
  before?: string;
  /** The state after, e.g. `Inactive`. */
  after?: string;
};

/**
 * What an action would do (a dry run) or did. No changes means there is
 * nothing to do: the identity is already as the action would leave it.
 *
 * @public
 */
export type NhiActionPlan = {
  changes: NhiActionChange[];
  /** Things a reviewer should know, e.g. `the key was used 3 days ago`. */
  warnings?: string[];
};

/**
 * An action a source offers, as `GET /api/catalog/nhi/actions` lists it.
 *
 * @public
 */
export type NhiActionDescriptor = {
  /** E.g. `access-key:deactivate`; see {@link NHI_ACTION_IDS}. */
  id: string;
  /** The source that offers it, `<type>:<id>`. */
  source: string;
  title: string;
  description: string;
  /** Irreversible (a deleted key is gone). */
  destructive: boolean;
  /** Runs only after a second person confirms it (the two-person rule). */
  requiresConfirmation: boolean;
  /** Whether the action works on an existing identity or creates one. */
  target: 'identity' | 'source';
  /** The permission it needs, e.g. `nhi.action.run`. */
  permission: string;
  /** JSON schema of its `input`. */
  inputSchema: Record<string, unknown>;
};

/**
 * The body of `POST /api/catalog/nhi/actions/:id/dry-run` and `…/run`.
 *
 * @public
 */
export type NhiActionRequestBody = {
  /** The identity acted on (every action but creations). */
  entityRef?: string;
  /** The source acted on, `<type>:<id>` (creations). */
  source?: string;
  /** The action's input, as its `inputSchema` says. */
  input: Record<string, unknown>;
  /** Why; required to run (not for a dry run). */
  reason?: string;
};

/**
 * A run of an action that waits for, or had, a second person's decision, or
 * that ran: the action log kept with the pipeline.
 *
 * - `pending` — waits for a second person (the two-person rule);
 * - `running` — confirmed (or not needing confirmation) and under way;
 * - `succeeded`, `failed` — how it ended;
 * - `rejected` — the second person said no.
 *
 * @public
 */
export type NhiActionRequest = {
  id: string;
  action: string;
  source: string;
  entityRef?: string;
  input: Record<string, unknown>;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'rejected';
  /** The dry run shown when it was asked for. */
  plan: NhiActionPlan;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  /** What was done, once it ran. */
  result?: NhiActionPlan;
  error?: string;
};

/**
 * What `POST /api/catalog/nhi/actions/:id/run` answers:
 *
 * - `succeeded` — done; `result.changes` lists what changed;
 * - `unchanged` — nothing to do (already done: a retry is harmless);
 * - `pending` — a destructive action under the two-person rule: `request`
 *   waits for a second person.
 *
 * @public
 */
export type NhiActionRunResult = {
  status: 'succeeded' | 'unchanged' | 'pending';
  plan: NhiActionPlan;
  result?: NhiActionPlan;
  request?: NhiActionRequest;
  /** The identity an action created, once it is in the catalog. */
  entityRef?: string;
};
