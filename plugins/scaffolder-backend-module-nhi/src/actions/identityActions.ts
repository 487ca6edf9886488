import { InputError } from '@backstage/errors';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { NHI_ACTION_IDS } from '@backstage-nhi/plugin-nhi-common';
import { z as zod } from 'zod/v3';
import { nhiClientFor, NhiScaffolderActionsOptions } from './client';
import { checked, planAndRun } from './run';

type Z = typeof zod;

/** The inputs every action on an existing identity takes. */
const common = {
  entityRef: (z: Z) =>
    z
      .string()
      .min(1)
      .max(512)
      .describe(
        'The identity acted on, e.g. nonhumanidentity:default/aws-123456789012-user-deploy-bot',
      ),
  reason: (z: Z) =>
    z
      .string()
      .trim()
      .min(3, 'reason is required: say why (3 characters or more)')
      .max(1000)
      .describe('Why: kept in the action log and the audit trail'),
};

const output = {
  status: (z: Z) =>
    z
      .enum(['dry-run', 'succeeded', 'unchanged', 'pending'])
      .describe(
        'dry-run; or succeeded, unchanged (nothing to do: already done) or pending (waits for a second person)',
      ),
  changes: (z: Z) =>
    z.array(z.string()).describe('What changed, or would in a dry run'),
  entityRef: (z: Z) => z.string().optional().describe('The identity'),
  requestId: (z: Z) =>
    z
      .string()
      .optional()
      .describe('The request a second person confirms (status pending)'),
};

type Extra = Record<string, (z: Z) => zod.ZodTypeAny>;

/**
 * One scaffolder action over one of the source contract's identity actions:
 * the dry run through the catalog first, then the run, on behalf of the
 * user who runs the template.
 */
function identityAction<E extends Extra>(
  options: NhiScaffolderActionsOptions,
  spec: {
    id: string;
    action: string;
    title: string;
    description: string;
    /** Only identities of sources of this type (e.g. `aws`). */
    sourceType?: string;
    extra: E;
    /** The source action's input, from the scaffolder action's. */
    toInput(input: { [K in keyof E]: unknown }): Record<string, unknown>;
    example: string;
  },
): TemplateAction<any, any, 'v2'> {
  const schema = zod
    .object({
      ...Object.fromEntries(
        Object.entries({ ...common, ...spec.extra }).map(([k, f]) => [
          k,
          f(zod),
        ]),
      ),
    })
    .strict();
  return createTemplateAction({
    id: spec.id,
    description: spec.description,
    supportsDryRun: true,
    examples: [{ description: spec.title, example: spec.example }],
    schema: { input: { ...common, ...spec.extra }, output },
    async handler(ctx) {
      const input = checked(i => schema.safeParse(i), ctx.input) as {
        entityRef: string;
        reason: string;
      } & { [K in keyof E]: unknown };
      const client = nhiClientFor(options, await ctx.getInitiatorCredentials());
      const result = await planAndRun({
        ctx,
        client,
        action: spec.action,
        title: `${spec.title} (${input.entityRef})`,
        body: { entityRef: input.entityRef, input: spec.toInput(input) },
        reason: input.reason,
        check: ({ source }) => {
          if (
            spec.sourceType &&
            source &&
            !source.startsWith(`${spec.sourceType}:`)
          ) {
            throw new InputError(
              `${spec.id} acts on identities of ${spec.sourceType} sources; ${input.entityRef} is from ${source}`,
            );
          }
        },
      });
      for (const [k, v] of Object.entries(result)) {
        ctx.output(k as keyof typeof result, v as never);
      }
    },
  });
}

const accessKeyId = (z: Z) =>
  z
    .string()
    .regex(/^[A-Z0-9]{16,128}$/, 'accessKeyId must be an AWS access key id')
    .describe('The access key id, e.g. AKIA…');

const example = (id: string, input: string) =>
  `steps:
  - id: act
    action: ${id}
    input:
      entityRef: \${{ parameters.entityRef }}
${input}      reason: \${{ parameters.reason }}`;

/**
 * The remediation actions on existing identities, as scaffolder actions:
 * `nhi:aws:access-key:deactivate`, `nhi:aws:access-key:delete`,
 * `nhi:aws:console-password:remove`, `nhi:identity:tag` and
 * `nhi:identity:disable`. Each calls the catalog's NHI action routes on
 * behalf of the user who runs the template — so the user's permissions
 * (`nhi.action.run`), the two-person rule, the action log and the audit
 * trail apply as on the identity page — with a dry run first and a
 * required reason.
 *
 * @public
 */
export function createNhiIdentityActions(
  options: NhiScaffolderActionsOptions,
): TemplateAction<any, any, 'v2'>[] {
  return [
    identityAction(options, {
      id: 'nhi:aws:access-key:deactivate',
      action: NHI_ACTION_IDS.accessKeyDeactivate,
      title: 'Deactivate access key',
      description:
        'Deactivates an access key of an IAM user (reversible: it can be activated again). A dry run first; the run needs nhi.action.run.',
      sourceType: 'aws',
      extra: { accessKeyId },
      toInput: i => ({ accessKeyId: i.accessKeyId }),
      example: example(
        'nhi:aws:access-key:deactivate',
        '      accessKeyId: ${{ parameters.accessKeyId }}\n',
      ),
    }),
    identityAction(options, {
      id: 'nhi:aws:access-key:delete',
      action: NHI_ACTION_IDS.accessKeyDelete,
      title: 'Delete inactive access key',
      description:
        'Deletes an inactive access key of an IAM user (irreversible; an active key is refused: deactivate it first). Under the two-person rule it waits for a second person.',
      sourceType: 'aws',
      extra: { accessKeyId },
      toInput: i => ({ accessKeyId: i.accessKeyId }),
      example: example(
        'nhi:aws:access-key:delete',
        '      accessKeyId: ${{ parameters.accessKeyId }}\n',
      ),
    }),
    identityAction(options, {
      id: 'nhi:aws:console-password:remove',
      action: NHI_ACTION_IDS.loginProfileDelete,
      title: 'Remove console password',
      description:
        'Removes the console password (login profile) of an IAM user, which a non-human identity should not have.',
      sourceType: 'aws',
      extra: {},
      toInput: () => ({}),
      example: example('nhi:aws:console-password:remove', ''),
    }),
    identityAction(options, {
      id: 'nhi:identity:tag',
      action: NHI_ACTION_IDS.identityTag,
      title: 'Tag identity',
      description:
        'Sets tags on an identity at its source (e.g. owner, expires-at); tags it has and are not named stay.',
      extra: {
        tags: z =>
          z
            .record(z.string().min(1).max(128), z.string().max(256))
            .refine(t => Object.keys(t).length > 0, 'give at least one tag')
            .describe(
              'Tags to set, e.g. { owner: payments, expires-at: 2027-01-31 }',
            ),
      },
      toInput: i => ({ tags: i.tags }),
      example: example(
        'nhi:identity:tag',
        '      tags:\n        owner: ${{ parameters.owner }}\n',
      ),
    }),
    identityAction(options, {
      id: 'nhi:identity:disable',
      action: NHI_ACTION_IDS.identityDisable,
      title: 'Disable identity',
      description:
        'Makes an identity unusable, reversibly: its access keys deactivated, or a deny-all inline policy on a role.',
      extra: {},
      toInput: () => ({}),
      example: example('nhi:identity:disable', ''),
    }),
  ];
}
