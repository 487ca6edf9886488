import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { DefaultAuditorService } from '@backstage/backend-defaults/auditor';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { createSourcesRouter } from './router';

function app(
  result: AuthorizeResult,
  options: {
    entities?: any[];
    details?: Map<string, any>;
  } = {},
) {
  const store = {
    listRuns: jest.fn().mockResolvedValue([]),
    confirmHeldRemoval: jest.fn().mockResolvedValue('confirmed'),
    inventory: {
      details: jest.fn(async () => options.details ?? new Map()),
    },
  } as any;
  const catalog = catalogServiceMock({ entities: options.entities ?? [] });
  const scheduler = mockServices.scheduler.mock();
  const httpAuth = mockServices.httpAuth();
  // the real auditor, writing its events here: who asked is its business
  const audit: any[] = [];
  const auditor = DefaultAuditorService.create(
    event => {
      audit.push(event);
    },
    {
      auth: mockServices.auth(),
      httpAuth,
      plugin: { getId: () => 'catalog' },
    },
  );
  const router = createSourcesRouter({
    sources: [{ type: 'file', id: 'demo', key: 'file:demo' }],
    store,
    catalog,
    httpAuth,
    permissions: mockServices.permissions.mock({
      authorize: async () => [{ result }],
    } as any),
    scheduler,
    auditor,
    logger: mockServices.logger.mock(),
  });
  return {
    app: express().use(router).use(mockErrorHandler()),
    scheduler,
    store,
    audit,
  };
}

const asUser = (ref = 'user:default/farah') => ({
  Authorization: mockCredentials.user.header(ref),
});

/** The auditor's events, as who did what with which outcome. */
const events = (audit: any[]) =>
  audit.map(e => ({
    eventId: e.eventId,
    actor: e.actor.actorId,
    status: e.status,
    source: e.meta?.source,
    ...(e.status === 'failed' ? { error: e.error.message } : {}),
  }));

describe('GET /nhi/identities/detail', () => {
  const lean = {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name: 'aws-deployer-1a2b3c4d', namespace: 'default' },
    spec: { type: 'iam-user', externalId: 'arn:x', risk: { findings: [] } },
  };
  const ref = 'nonhumanidentity:default/aws-deployer-1a2b3c4d';

  it('answers the whole spec from the summary', async () => {
    const whole = { ...lean.spec, credentials: [{ id: 'AKIAONE' }] };
    const { app: server } = app(AuthorizeResult.ALLOW, {
      entities: [lean],
      details: new Map([[ref, whole]]),
    });
    const res = await request(server)
      .get(`/nhi/identities/detail?entityRef=${ref}`)
      .set(asUser());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ entityRef: ref, spec: whole });
  });

  it('answers the catalog’s copy when the summary has no detail (a hand-written identity)', async () => {
    const { app: server } = app(AuthorizeResult.ALLOW, { entities: [lean] });
    const res = await request(server)
      .get(`/nhi/identities/detail?entityRef=${ref}`)
      .set(asUser());
    expect(res.body.spec).toEqual(lean.spec);
  });

  it('answers 404 for what the catalog does not give the caller, 400 for what is not an identity ref', async () => {
    const { app: server, store } = app(AuthorizeResult.ALLOW, {
      details: new Map([[ref, { secret: 'detail' }]]),
    });
    const missing = await request(server)
      .get(`/nhi/identities/detail?entityRef=${ref}`)
      .set(asUser());
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).not.toContain('detail"');
    for (const bad of [
      'entityRef=component:default/x',
      'entityRef=',
      'entityRef=a&entityRef=b',
      '',
    ]) {
      const res = await request(server)
        .get(`/nhi/identities/detail?${bad}`)
        .set(asUser());
      expect([bad, res.status]).toEqual([bad, 400]);
    }
    expect(store.inventory.details).not.toHaveBeenCalled();
  });
});

describe('createSourcesRouter', () => {
  it('lists sources and starts a run when allowed, audited with who asked', async () => {
    const { app: a, scheduler, audit } = app(AuthorizeResult.ALLOW);
    const list = await request(a).get('/nhi/sources').set(asUser());
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      { type: 'file', id: 'demo', key: 'file:demo', lastRun: null },
    ]);
    const run = await request(a)
      .post('/nhi/sources/file/demo/run')
      .set(asUser());
    expect(run.status).toBe(202);
    expect(scheduler.triggerTask).toHaveBeenCalledWith('nhi-source:file:demo');
    expect(events(audit)).toEqual([
      {
        eventId: 'source-run',
        actor: 'user:default/farah',
        status: 'initiated',
        source: 'file:demo',
      },
      {
        eventId: 'source-run',
        actor: 'user:default/farah',
        status: 'succeeded',
        source: 'file:demo',
      },
    ]);
  });

  it('answers 403 and does nothing when the permission is denied, and audits the refusal', async () => {
    const { app: a, scheduler, store, audit } = app(AuthorizeResult.DENY);
    const list = await request(a).get('/nhi/sources').set(asUser());
    expect(list.status).toBe(403);
    expect(store.listRuns).not.toHaveBeenCalled();
    const run = await request(a)
      .post('/nhi/sources/file/demo/run')
      .set(asUser('user:development/guest'));
    expect(run.status).toBe(403);
    expect(run.body.error.message).toBe('not allowed: nhi.source.run');
    expect(scheduler.triggerTask).not.toHaveBeenCalled();
    expect(events(audit)).toEqual([
      {
        eventId: 'source-run',
        actor: 'user:development/guest',
        status: 'initiated',
        source: 'file:demo',
      },
      {
        eventId: 'source-run',
        actor: 'user:development/guest',
        status: 'failed',
        source: 'file:demo',
        error: 'not allowed: nhi.source.run',
      },
    ]);
  });

  it('answers 404 for an unknown source, audited', async () => {
    const { app: a, scheduler, audit } = app(AuthorizeResult.ALLOW);
    const run = await request(a)
      .post('/nhi/sources/aws/nope/run')
      .set(asUser());
    expect(run.status).toBe(404);
    expect(scheduler.triggerTask).not.toHaveBeenCalled();
    expect(events(audit).map(e => e.status)).toEqual(['initiated', 'failed']);
  });

  describe('confirming a held removal', () => {
    const confirm = (a: express.Express, body: unknown, user = asUser()) =>
      request(a)
        .post('/nhi/sources/file/demo/removals/confirm')
        .set(user)
        .send(body as object);

    it('records who confirmed which hold and starts a run', async () => {
      const { app: a, scheduler, store, audit } = app(AuthorizeResult.ALLOW);
      const res = await confirm(a, { heldSince: '2026-12-06T10:00:00.000Z' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ key: 'file:demo', status: 'confirmed' });
      expect(store.confirmHeldRemoval).toHaveBeenCalledWith(
        'file:demo',
        'user:default/farah',
        expect.any(Date),
        '2026-12-06T10:00:00.000Z',
      );
      expect(scheduler.triggerTask).toHaveBeenCalledWith(
        'nhi-source:file:demo',
      );
      expect(events(audit)).toEqual([
        expect.objectContaining({
          eventId: 'source-removal-confirm',
          status: 'initiated',
        }),
        expect.objectContaining({
          eventId: 'source-removal-confirm',
          actor: 'user:default/farah',
          status: 'succeeded',
          source: 'file:demo',
        }),
      ]);
    });

    it('is confirmed even when a run is in progress already', async () => {
      const { app: a, scheduler } = app(AuthorizeResult.ALLOW);
      scheduler.triggerTask.mockRejectedValueOnce(
        new ConflictError('Task nhi-source:file:demo is currently running'),
      );
      expect((await confirm(a, {})).status).toBe(202);
    });

    it('answers 403 without nhi.source.run and changes nothing', async () => {
      const { app: a, scheduler, store, audit } = app(AuthorizeResult.DENY);
      const res = await confirm(a, {}, asUser('user:default/jade.thompson'));
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe('not allowed: nhi.source.run');
      expect(store.confirmHeldRemoval).not.toHaveBeenCalled();
      expect(scheduler.triggerTask).not.toHaveBeenCalled();
      expect(events(audit)[1]).toEqual({
        eventId: 'source-removal-confirm',
        actor: 'user:default/jade.thompson',
        status: 'failed',
        source: 'file:demo',
        error: 'not allowed: nhi.source.run',
      });
    });

    it('answers 409 when nothing is held, or a different hold is, and starts nothing', async () => {
      const { app: a, scheduler, store } = app(AuthorizeResult.ALLOW);
      store.confirmHeldRemoval.mockResolvedValueOnce('none');
      const none = await confirm(a, {});
      expect(none.status).toBe(409);
      expect(none.body.error.message).toBe('no removal of file:demo is held');
      store.confirmHeldRemoval.mockResolvedValueOnce('changed');
      const changed = await confirm(a, { heldSince: '2026-01-01T00:00:00Z' });
      expect(changed.status).toBe(409);
      expect(changed.body.error.message).toBe(
        'the removal held for file:demo is not the one held since 2026-01-01T00:00:00Z; review it again',
      );
      expect(scheduler.triggerTask).not.toHaveBeenCalled();
    });

    it('answers 400 for a bad body and 404 for an unknown source, changing nothing', async () => {
      const { app: a, scheduler, store } = app(AuthorizeResult.ALLOW);
      const bad = await confirm(a, { heldSince: 5 });
      expect(bad.status).toBe(400);
      const unknown = await request(a)
        .post('/nhi/sources/aws/nope/removals/confirm')
        .set(asUser())
        .send({});
      expect(unknown.status).toBe(404);
      expect(store.confirmHeldRemoval).not.toHaveBeenCalled();
      expect(scheduler.triggerTask).not.toHaveBeenCalled();
    });
  });
});
