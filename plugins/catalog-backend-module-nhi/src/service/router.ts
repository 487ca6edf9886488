import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  nhiSourceReadPermission,
  nhiSourceRunPermission,
} from '@backstage-nhi/nhi-common';
import express from 'express';
import Router from 'express-promise-router';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { nhiSourceTaskId } from '../providers/NhiEntityProvider';

/** A configured source as the API lists it. */
export interface NhiSourceInfo {
  type: string;
  id: string;
  key: string;
}

/**
 * The pipeline's routes, mounted on the catalog's router:
 *
 * - `GET  /nhi/sources` — every source with its last run (status, counts,
 *   errors), for the NHI page;
 * - `POST /nhi/sources/:type/:id/run` — start a run now (202).
 */
export function createSourcesRouter(options: {
  sources: NhiSourceInfo[];
  store: NhiPipelineStore;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  scheduler: SchedulerService;
  logger: LoggerService;
}): express.Router {
  const { sources, store, httpAuth, permissions, scheduler, logger } = options;
  const router = Router();
  router.use(express.json());

  const authorize = async (
    req: express.Request,
    permission: BasicPermission,
  ) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`not allowed: ${permission.name}`);
    }
    return credentials;
  };

  router.get('/nhi/sources', async (req, res) => {
    await authorize(req, nhiSourceReadPermission);
    const runs = new Map((await store.listRuns()).map(r => [r.sourceKey, r]));
    res.json({
      items: sources.map(s => ({ ...s, lastRun: runs.get(s.key) ?? null })),
    });
  });

  router.post('/nhi/sources/:type/:id/run', async (req, res) => {
    const credentials = await authorize(req, nhiSourceRunPermission);
    const key = `${req.params.type}:${req.params.id}`;
    if (!sources.some(s => s.key === key)) {
      throw new NotFoundError(`no NHI source ${key}`);
    }
    await scheduler.triggerTask(nhiSourceTaskId(key));
    logger.info(
      `NHI source ${key}: run requested by ${
        'userEntityRef' in credentials.principal
          ? credentials.principal.userEntityRef
          : 'a service'
      }`,
    );
    res.status(202).json({ key, status: 'started' });
  });

  return router;
}
