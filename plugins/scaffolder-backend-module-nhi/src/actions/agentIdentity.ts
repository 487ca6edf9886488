import { InputError } from '@backstage/errors';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { NHI_ACTION_IDS } from '@backstage-nhi/plugin-nhi-common';
import { z as zod } from 'zod/v3';
import {
  callCatalog,
  nhiClientFor,
  NhiScaffolderActionsOptions,
} from './client';
import { checked, planAndRun } from './run';

const HOUR = 3_600_000;

type Z = typeof zod;

const input = {
  agentId: (z: Z) =>
    z
      .string()
      .trim()
      .min(1, 'agentId is required: the agent’s id')
      .max(128)
      .describe('The agent’s id, e.g. claude-code-payments'),
  onBehalfOf: (z: Z) =>
    z
      .string()
      .trim()
      .max(256)
      .optional()
      .describe(
        'The human the agent acts for (a user entity ref); default (absent or empty): the user who runs the template',
      ),
  reason: (z: Z) =>
    z
      .string()
      .trim()
      .min(3, 'reason is required: why the agent needs an identity')
      .max(256)
      .describe('Why the agent needs an identity (tagged on it)'),
  expiresInHours: (z: Z) =>
    z
      .number()
      .positive()
      .optional()
      .describe(
        'Hours until it expires; default nhi.actions.agentIdentity.defaultExpiryHours (24), at most maxExpiryHours',
      ),
  expiresAt: (z: Z) =>
    z
      .string()
      .optional()
      .describe('Or the expiry as an ISO 8601 date and time'),
  source: (z: Z) =>
    z
      .string()
      .optional()
      .describe(
        'The source that creates it, e.g. aws:prod; default: the only one that offers agent identities',
      ),
  trustPrincipal: (z: Z) =>
    z
      .string()
      .optional()
      .describe(
        'The agent runtime’s principal (IAM role ARN or AWS service); default: the source’s agentIdentity.trustPrincipal',
      ),
  account: (z: Z) =>
    z.string().optional().describe('The 12-digit AWS account to create it in'),
  roleName: (z: Z) => z.string().optional().describe('The role’s name'),
  owner: (z: Z) => z.string().optional().describe('The team that owns it'),
};

const schema = zod
  .object(
    Object.fromEntries(Object.entries(input).map(([k, f]) => [k, f(zod)])) as {
      [K in keyof typeof input]: ReturnType<(typeof input)[K]>;
    },
  )
  .strict()
  .refine(i => !(i.expiresAt && i.expiresInHours), {
    message: 'give expiresInHours or expiresAt, not both',
    path: ['expiresAt'],
  });

/**
 * `nhi:agent-identity:create`: creates an AI agent's identity at a source
 * (on AWS, an IAM role only the agent runtime may assume, until the
 * expiry) tagged with the agent's id, the human it acts for, the reason and
 * the expiry — none of which may be missing — through the catalog's NHI
 * action route on behalf of the user who runs the template (permission
 * `nhi.agent-identity.create`, longest expiry
 * `nhi.actions.agentIdentity.maxExpiryHours`). The catalog registers the
 * new identity at once, with its delegation chain (agent → human); the
 * output `entityRef` names it.
 *
 * @public
 */
export function createNhiAgentIdentityAction(
  options: NhiScaffolderActionsOptions,
): TemplateAction<any, any, 'v2'> {
  return createTemplateAction({
    id: 'nhi:agent-identity:create',
    description:
      'Creates an AI agent’s identity (an IAM role on AWS) tagged with the agent id, the human it acts for, the reason and a mandatory expiry, and registers it in the catalog at once with its delegation chain. A dry run first; needs nhi.agent-identity.create.',
    supportsDryRun: true,
    examples: [
      {
        description: 'An agent identity for the user who runs the template',
        example: `steps:
  - id: create
    action: nhi:agent-identity:create
    input:
      agentId: \${{ parameters.agentId }}
      onBehalfOf: \${{ parameters.onBehalfOf or user.ref }}
      reason: \${{ parameters.reason }}
      expiresInHours: \${{ parameters.expiresInHours }}`,
      },
    ],
    schema: {
      input,
      output: {
        status: z => z.enum(['dry-run', 'succeeded', 'unchanged', 'pending']),
        changes: z => z.array(z.string()),
        entityRef: z =>
          z.string().optional().describe('The new identity in the catalog'),
        requestId: z => z.string().optional(),
        source: z => z.string().describe('The source that created it'),
        expiresAt: z => z.string().describe('When it expires'),
      },
    },
    async handler(ctx) {
      const i = checked(v => schema.safeParse(v), ctx.input);
      const onBehalfOf = i.onBehalfOf || ctx.user?.ref;
      if (!onBehalfOf) {
        throw new InputError(
          'input.onBehalfOf is required: the human the agent acts for',
        );
      }
      const client = nhiClientFor(options, await ctx.getInitiatorCredentials());
      let source = i.source;
      if (!source) {
        const { items } = await callCatalog('Listing NHI sources', () =>
          client.listActions({}),
        );
        const offering = items
          .filter(a => a.id === NHI_ACTION_IDS.agentIdentityCreate)
          .map(a => a.source);
        if (offering.length !== 1) {
          throw new InputError(
            offering.length
              ? `input.source is required: ${offering.join(
                  ', ',
                )} create agent identities`
              : 'no NHI source creates agent identities: configure nhi.sources.aws.<id>.actions',
          );
        }
        source = offering[0];
      }
      // Fixed once per task: a retried task creates the same role, not a
      // second one expiring later.
      const expiresAt = await ctx.checkpoint({
        key: 'nhi-agent-identity-expires-at',
        fn: () => {
          if (i.expiresAt) return i.expiresAt;
          const hours = i.expiresInHours ?? options.defaultExpiryHours ?? 24;
          const now = options.now?.() ?? new Date();
          return new Date(now.getTime() + hours * HOUR).toISOString();
        },
      });
      const result = await planAndRun({
        ctx,
        client,
        action: NHI_ACTION_IDS.agentIdentityCreate,
        title: `Create AI-agent identity ${i.agentId}`,
        body: {
          source,
          input: Object.fromEntries(
            Object.entries({
              agentId: i.agentId,
              onBehalfOf,
              reason: i.reason,
              expiresAt,
              trustPrincipal: i.trustPrincipal,
              account: i.account,
              roleName: i.roleName,
              owner: i.owner,
            }).filter(([, v]) => v !== undefined && v !== ''),
          ),
        },
        reason: i.reason,
      });
      for (const [k, v] of Object.entries(result)) {
        ctx.output(k as any, v as never);
      }
      ctx.output('source', source);
      ctx.output('expiresAt', expiresAt);
    },
  });
}
