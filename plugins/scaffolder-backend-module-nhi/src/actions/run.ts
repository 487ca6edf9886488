import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { JsonObject, JsonValue } from '@backstage/types';
import {
  NhiActionPlan,
  NhiActionRequestBody,
  NhiActionRunResult,
  NhiClient,
} from '@backstage-nhi/plugin-nhi-common';
import { createHash } from 'node:crypto';
import { callCatalog } from './client';

/** What every NHI scaffolder action outputs. */
export type NhiActionOutput = {
  /** `dry-run`, or how the run ended: `succeeded`, `unchanged`, `pending`. */
  status: 'dry-run' | NhiActionRunResult['status'];
  /** What changed (or would, in a dry run), one sentence each. */
  changes: string[];
  /** The identity acted on, or the one created. */
  entityRef?: string;
  /** The request a second person confirms (status `pending`). */
  requestId?: string;
};

/** The part of the scaffolder's action context these actions use. */
export interface NhiRunContext {
  logger: LoggerService;
  isDryRun?: boolean;
  checkpoint<T extends JsonValue | void>(opts: {
    key: string;
    fn: () => Promise<T> | T;
  }): Promise<T>;
}

/** The zod-checked input, or an `InputError` naming the field. */
export function checked<T>(
  parse: (input: unknown) =>
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: Array<{ path: PropertyKey[]; message: string }> };
      },
  input: unknown,
): T {
  const result = parse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join('.');
  throw new InputError(`input${path ? `.${path}` : ''}: ${issue.message}`);
}

function logPlan(logger: LoggerService, title: string, plan: NhiActionPlan) {
  if (!plan.changes.length) {
    logger.info(`${title}: nothing to do, already done`);
  }
  for (const c of plan.changes) {
    logger.info(
      `${title}: ${c.description}${
        c.before || c.after
          ? ` (${c.before ?? 'nothing'} → ${c.after ?? 'nothing'})`
          : ''
      }`,
    );
  }
  for (const w of plan.warnings ?? []) logger.warn(`${title}: ${w}`);
}

/**
 * The dry run through the catalog (always first, logged step by step), and
 * unless the task is a dry run the run itself: through `ctx.checkpoint`, so
 * a retried or recovered task reuses the first run's answer instead of
 * asking again. A second run would be harmless anyway (the catalog answers
 * `unchanged`), but it would log a second request.
 */
export async function planAndRun(options: {
  ctx: NhiRunContext;
  client: NhiClient;
  /** The source contract's action id, e.g. `access-key:deactivate`. */
  action: string;
  title: string;
  body: Omit<NhiActionRequestBody, 'reason'>;
  reason: string;
  /** Refuses a plan before anything runs (e.g. the wrong source). */
  check?(dryRun: { source?: string; entityRef?: string }): void;
}): Promise<NhiActionOutput> {
  const { ctx, client, action, title, body, reason } = options;
  const dryRun = await callCatalog(`${title} (dry run)`, () =>
    client.dryRunAction(action, body),
  );
  // the route answers the source and identity it resolved with the plan
  options.check?.(dryRun as { source?: string; entityRef?: string });
  logPlan(ctx.logger, ctx.isDryRun ? `${title} (dry run)` : title, dryRun.plan);
  const changes = dryRun.plan.changes.map(c => c.description);
  if (ctx.isDryRun) {
    return {
      status: 'dry-run',
      changes,
      ...(body.entityRef ? { entityRef: body.entityRef } : {}),
    };
  }
  const key = `nhi-action:${action}:${createHash('sha256')
    .update(JSON.stringify([body.entityRef, body.source, body.input, reason]))
    .digest('hex')}`;
  const result = (await ctx.checkpoint({
    key,
    fn: async () =>
      (await callCatalog(title, () =>
        client.runAction(action, { ...body, reason }),
      )) as unknown as JsonObject,
  })) as unknown as NhiActionRunResult;
  const done = result.result?.changes ?? result.plan.changes;
  if (result.status === 'pending') {
    ctx.logger.warn(
      `${title}: waits for a second person (the two-person rule): request ${result.request?.id}, confirmed or rejected on the identity's page`,
    );
  } else {
    ctx.logger.info(
      `${title}: ${result.status}${
        result.status === 'succeeded'
          ? ` — ${done.map(c => c.description).join('; ')}`
          : ''
      }`,
    );
  }
  const entityRef = result.entityRef ?? body.entityRef;
  return {
    status: result.status,
    changes: done.map(c => c.description),
    ...(entityRef ? { entityRef } : {}),
    ...(result.request ? { requestId: result.request.id } : {}),
  };
}
