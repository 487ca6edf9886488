import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { NhiActionService } from '../actions/NhiActionService';

/** No NUL, other control characters or bidirectional overrides in text. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine(
      s =>
        // eslint-disable-next-line no-control-regex
        !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202a-\u202e\u2066-\u2069]/.test(
          s,
        ),
      'must not hold control characters or bidirectional overrides',
    );

const actionBody = z
  .object({
    entityRef: text(512).optional(),
    source: text(255).optional(),
    input: z.record(z.string(), z.unknown()).default({}),
    reason: text(1000).optional(),
  })
  .strict();

const rejectBody = z.object({ comment: text(1000) }).strict();

const STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'rejected',
] as const;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.join('.');
    throw new InputError(`${what}${path ? `.${path}` : ''}: ${issue.message}`);
  }
  return result.data;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function single(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InputError(`${name} must be given once, as text`);
  }
  return value;
}

/**
 * The remediation actions' routes, mounted on the catalog's router (the
 * sources, and so their actions, live in the catalog's process):
 *
 * - `GET  /nhi/actions?entityRef=|source=` — the actions offered for an
 *   identity, by a source, or the creations every source offers;
 * - `POST /nhi/actions/:action/dry-run` `{ entityRef | source, input }` →
 *   `{ plan }`: what would change; changes nothing;
 * - `POST /nhi/actions/:action/run` `{ entityRef | source, input, reason }`
 *   → 200 `succeeded` / `unchanged`, or 202 `pending` (the two-person rule);
 * - `GET  /nhi/actions/requests?entityRef=&status=` — the action log;
 * - `POST /nhi/actions/requests/:id/confirm` — a second person runs it;
 * - `POST /nhi/actions/requests/:id/reject` `{ comment }`.
 *
 * Every request is an auditor event (changes at `high`, reads at `low`)
 * created before anything is checked, so a refusal is recorded too.
 */
export function createActionsRouter(options: {
  service: NhiActionService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
}): express.Router {
  const { service, httpAuth, auditor } = options;
  const router = Router();
  router.use('/nhi/actions', express.json({ limit: '64kb' }));

  const audited = async <T>(
    req: express.Request,
    eventId: string,
    severityLevel: 'low' | 'high',
    meta: Record<string, string | undefined>,
    fn: () => Promise<T>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      request: req,
      severityLevel,
      meta: Object.fromEntries(
        Object.entries(meta).filter(([, v]) => v !== undefined),
      ) as Record<string, string>,
    });
    try {
      const result = await fn();
      await event.success({
        meta: { status: (result as { status?: string })?.status ?? 'ok' },
      });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };
  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  router.get('/nhi/actions', async (req, res) => {
    const entityRef = single(req.query.entityRef, 'entityRef');
    const source = single(req.query.source, 'source');
    const items = await audited(
      req,
      'nhi-action-list',
      'low',
      { entityRef, source },
      async () => service.list(await credentialsOf(req), { entityRef, source }),
    );
    res.json({ items });
  });

  router.get('/nhi/actions/requests', async (req, res) => {
    const entityRef = single(req.query.entityRef, 'entityRef');
    const status = single(req.query.status, 'status');
    if (status && !(STATUSES as readonly string[]).includes(status)) {
      throw new InputError(`status must be one of ${STATUSES.join(', ')}`);
    }
    const items = await audited(
      req,
      'nhi-action-requests',
      'low',
      { entityRef, status },
      async () =>
        service.listRequests(await credentialsOf(req), {
          entityRef,
          status: status as (typeof STATUSES)[number] | undefined,
        }),
    );
    res.json({ items });
  });

  router.post('/nhi/actions/requests/:id/confirm', async (req, res) => {
    const result = await audited(
      req,
      'nhi-action-confirm',
      'high',
      { request: req.params.id },
      async () => service.confirm(await credentialsOf(req), req.params.id),
    );
    res.json(result);
  });

  router.post('/nhi/actions/requests/:id/reject', async (req, res) => {
    const result = await audited(
      req,
      'nhi-action-reject',
      'high',
      { request: req.params.id },
      async () => {
        const credentials = await credentialsOf(req);
        const { comment } = parse(rejectBody, req.body, 'body');
        return service.reject(credentials, req.params.id, comment);
      },
    );
    res.json(result);
  });

  router.post('/nhi/actions/:action/dry-run', async (req, res) => {
    const action = req.params.action;
    const result = await audited(
      req,
      'nhi-action-dry-run',
      'low',
      {
        action,
        entityRef: str(req.body?.entityRef),
        source: str(req.body?.source),
      },
      async () => {
        const credentials = await credentialsOf(req);
        const body = parse(actionBody, req.body, 'body');
        return service.dryRun(credentials, action, body);
      },
    );
    res.json(result);
  });

  router.post('/nhi/actions/:action/run', async (req, res) => {
    const action = req.params.action;
    const result = await audited(
      req,
      'nhi-action-run',
      'high',
      {
        action,
        entityRef: str(req.body?.entityRef),
        source: str(req.body?.source),
        reason: str(req.body?.reason),
      },
      async () => {
        const credentials = await credentialsOf(req);
        const body = parse(actionBody, req.body, 'body');
        return service.run(credentials, action, body);
      },
    );
    res.status(result.status === 'pending' ? 202 : 200).json(result);
  });

  return router;
}
