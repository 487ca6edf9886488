import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { createSourcesRouter } from './router';

function app(result: AuthorizeResult) {
  const store = { listRuns: jest.fn().mockResolvedValue([]) } as any;
  const scheduler = mockServices.scheduler.mock();
  const router = createSourcesRouter({
    sources: [{ type: 'file', id: 'demo', key: 'file:demo' }],
    store,
    httpAuth: mockServices.httpAuth(),
    permissions: mockServices.permissions.mock({
      authorize: async () => [{ result }],
    } as any),
    scheduler,
    logger: mockServices.logger.mock(),
  });
  return {
    app: express().use(router).use(mockErrorHandler()),
    scheduler,
    store,
  };
}

describe('createSourcesRouter', () => {
  const auth = { Authorization: mockCredentials.user.header() };

  it('lists sources and starts a run when allowed', async () => {
    const { app: a, scheduler } = app(AuthorizeResult.ALLOW);
    const list = await request(a).get('/nhi/sources').set(auth);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      { type: 'file', id: 'demo', key: 'file:demo', lastRun: null },
    ]);
    const run = await request(a).post('/nhi/sources/file/demo/run').set(auth);
    expect(run.status).toBe(202);
    expect(scheduler.triggerTask).toHaveBeenCalledWith('nhi-source:file:demo');
  });

  it('answers 403 and does nothing when the permission is denied', async () => {
    const { app: a, scheduler, store } = app(AuthorizeResult.DENY);
    const list = await request(a).get('/nhi/sources').set(auth);
    expect(list.status).toBe(403);
    expect(store.listRuns).not.toHaveBeenCalled();
    const run = await request(a).post('/nhi/sources/file/demo/run').set(auth);
    expect(run.status).toBe(403);
    expect(run.body.error.message).toBe('not allowed: nhi.source.run');
    expect(scheduler.triggerTask).not.toHaveBeenCalled();
  });
});
