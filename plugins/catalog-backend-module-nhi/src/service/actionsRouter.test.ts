import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { DefaultAuditorService } from '@backstage/backend-defaults/auditor';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader, JsonObject } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  NHI_ACTION_IDS,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceAction,
} from '@backstage-nhi/plugin-nhi-node';
import express from 'express';
import request from 'supertest';
import { readNhiActionsConfig } from '../actions/config';
import {
  NhiActionService,
  NhiActionSourceHandle,
} from '../actions/NhiActionService';
import { NhiActionStore } from '../database/NhiActionStore';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { createActionsRouter } from './actionsRouter';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const REF = 'nonhumanidentity:default/aws-deploy-bot-1a2b3c4d';
const ROLE_REF = 'nonhumanidentity:default/aws-agent-role-9f9f9f9f';
const FARAH = 'user:default/farah.haddad';
const OMAR = 'user:default/omar.farouk';
const PRIYA = 'user:default/priya.raman';
const NOW = new Date('2026-12-06T10:00:00Z');

function entity(ref: string, spec: Partial<NonHumanIdentitySpec>) {
  return {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name: ref.split('/')[1], namespace: 'default' },
    spec: {
      type: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      externalId: 'arn:aws:iam::111111111111:user/deploy-bot',
      owner: 'group:default/payments',
      ...spec,
    },
  };
}

/**
 * A source whose "provider" is a map of key statuses, with the actions of
 * the contract: deactivate (reversible), delete (destructive) and create.
 */
function fakeSource() {
  const keys = new Map([
    ['AKIA1', 'Active'],
    ['AKIA2', 'Inactive'],
  ]);
  const roles = new Map<string, Record<string, string>>();
  let failNext = false;
  const keyInput = {
    type: 'object',
    required: ['accessKeyId'],
    additionalProperties: false,
    properties: { accessKeyId: { type: 'string', pattern: '^AKIA' } },
  };
  const plan = (id: string, to: string) => {
    const status = keys.get(id);
    if (!status) throw new NotFoundError(`no key ${id}`);
    return status === to
      ? { changes: [] }
      : {
          changes: [
            {
              target: id,
              operation: 'iam:UpdateAccessKey',
              description: `Set ${id} ${to}`,
              before: status,
              after: to,
            },
          ],
        };
  };
  const deactivate: NhiSourceAction<{ accessKeyId: string }> = {
    id: NHI_ACTION_IDS.accessKeyDeactivate,
    title: 'Deactivate access key',
    description: '',
    target: 'identity',
    destructive: false,
    identityTypes: ['iam-user'],
    inputSchema: keyInput,
    dryRun: async ({ accessKeyId }) => plan(accessKeyId, 'Inactive'),
    run: async ({ accessKeyId }) => {
      const p = plan(accessKeyId, 'Inactive');
      if (failNext) {
        failNext = false;
        throw new Error('AWS said no');
      }
      keys.set(accessKeyId, 'Inactive');
      return p;
    },
  };
  const del: NhiSourceAction<{ accessKeyId: string }> = {
    id: NHI_ACTION_IDS.accessKeyDelete,
    title: 'Delete inactive access key',
    description: '',
    target: 'identity',
    destructive: true,
    identityTypes: ['iam-user'],
    inputSchema: keyInput,
    dryRun: async ({ accessKeyId }) =>
      keys.has(accessKeyId) ? plan(accessKeyId, 'Deleted') : { changes: [] },
    run: async ({ accessKeyId }) => {
      const p = keys.has(accessKeyId)
        ? plan(accessKeyId, 'Deleted')
        : { changes: [] };
      keys.delete(accessKeyId);
      return p;
    },
  };
  const create: NhiSourceAction<any> = {
    id: NHI_ACTION_IDS.agentIdentityCreate,
    title: 'Create AI-agent identity',
    description: '',
    target: 'source',
    destructive: false,
    permission: 'nhi.agent-identity.create',
    inputSchema: {
      type: 'object',
      required: ['agentId', 'onBehalfOf', 'reason', 'expiresAt'],
      additionalProperties: false,
      properties: {
        agentId: { type: 'string', minLength: 1 },
        onBehalfOf: { type: 'string', minLength: 1 },
        reason: { type: 'string', minLength: 3 },
        expiresAt: { type: 'string' },
        owner: { type: 'string' },
      },
    },
    dryRun: async input =>
      roles.has(input.agentId)
        ? { changes: [] }
        : {
            changes: [
              {
                target: `role/${input.agentId}`,
                operation: 'iam:CreateRole',
                description: `Create role ${input.agentId}`,
              },
            ],
          },
    run: async input => {
      if (roles.has(input.agentId)) return { changes: [] };
      roles.set(input.agentId, input);
      const record: NhiIdentityRecord = {
        externalId: `arn:aws:iam::111111111111:role/${input.agentId}`,
        name: input.agentId,
        type: 'iam-role',
        category: 'service-account',
        provider: 'aws',
        createdBy: {
          type: 'agent',
          agent: {
            id: input.agentId,
            onBehalfOf: input.onBehalfOf,
            reason: input.reason,
            expiresAt: input.expiresAt,
          },
        },
      };
      return {
        changes: [
          {
            target: `role/${input.agentId}`,
            operation: 'iam:CreateRole',
            description: `Create role ${input.agentId}`,
          },
        ],
        records: [record],
      };
    },
  };
  const disable: NhiSourceAction<Record<string, never>> = {
    id: NHI_ACTION_IDS.identityDisable,
    title: 'Disable identity',
    description: '',
    target: 'identity',
    destructive: false,
    inputSchema: { type: 'object', additionalProperties: false },
    dryRun: async () =>
      roles.get('disabled')
        ? { changes: [] }
        : {
            changes: [
              {
                target: 'role',
                operation: 'iam:PutRolePolicy',
                description: 'deny all',
              },
            ],
          },
    run: async () => {
      if (roles.get('disabled')) return { changes: [] };
      roles.set('disabled', {});
      return {
        changes: [
          { target: 'role', operation: 'iam:PutRolePolicy', description: '' },
        ],
      };
    },
  };
  const source: NhiIdentitySource = {
    type: 'aws',
    id: 'prod',
    read: async () => ({ complete: true, errors: [] }),
    actions: [deactivate, del, create, disable],
  };
  return {
    source,
    keys,
    roles,
    failOnce: () => {
      failNext = true;
    },
  };
}

async function setup(
  options: {
    allowed?: string[];
    config?: JsonObject;
    expired?: string[];
  } = {},
) {
  const knex = await databases.init('SQLITE_3');
  // the pipeline's migrations make the action log's table
  await NhiPipelineStore.create({
    getClient: async () => knex,
    migrations: { skip: false },
  } as any);
  const actions = new NhiActionStore(knex);
  const fake = fakeSource();
  const allowed = new Set(
    options.allowed ?? [
      'nhi.action.run',
      'nhi.action.read',
      'nhi.action.confirm',
      'nhi.agent-identity.create',
    ],
  );
  const permissions = mockServices.permissions.mock({
    authorize: async (reqs: any[]) =>
      reqs.map(r => ({
        result: allowed.has(r.permission.name)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      })),
  } as any);
  const specs = new Map<string, any>([
    [
      REF,
      entity(REF, {
        credentials: [
          { id: 'AKIA1', kind: 'access-key', status: 'active' } as any,
        ],
      }).spec,
    ],
    [
      ROLE_REF,
      entity(ROLE_REF, {
        type: 'iam-role',
        externalId: 'arn:aws:iam::111111111111:role/agent',
        createdBy: {
          type: 'agent',
          agent: {
            id: 'agent-7',
            onBehalfOf: PRIYA,
            reason: 'x',
            expiresAt: '2026-12-05T00:00:00Z',
          },
        },
      }).spec,
    ],
  ]);
  const catalog = catalogServiceMock({
    entities: [entity(REF, {}), entity(ROLE_REF, { type: 'iam-role' })],
  });
  const applied: NhiIdentityRecord[][] = [];
  const triggered: number[] = [];
  const handle: NhiActionSourceHandle = {
    source: fake.source,
    applyRecords: async records => {
      applied.push(records);
      return records.map(
        r => `nonhumanidentity:default/aws-${r.name.toLowerCase()}`,
      );
    },
    triggerRun: async () => {
      triggered.push(1);
    },
  };
  const notified: any[] = [];
  const service = new NhiActionService({
    sources: new Map([['aws:prod', handle]]),
    identities: {
      sourceOf: async ref => (specs.has(ref) ? 'aws:prod' : undefined),
      detail: async ref => specs.get(ref),
      async *expired() {
        yield options.expired ?? [];
      },
    },
    catalog,
    permissions,
    actions,
    logger: mockServices.logger.mock(),
    config: readNhiActionsConfig(
      new ConfigReader({ nhi: { actions: options.config ?? {} } }),
    ),
    notifier: {
      notify: async m => {
        notified.push(m);
      },
    },
    now: () => new Date(Date.now()),
  });
  const httpAuth = mockServices.httpAuth();
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
  const app = express()
    .use(createActionsRouter({ service, httpAuth, auditor }))
    .use(mockErrorHandler());
  return {
    app,
    service,
    fake,
    actions,
    applied,
    triggered,
    notified,
    audit,
  };
}

const as = (ref: string) => ({
  Authorization: mockCredentials.user.header(ref),
});

beforeEach(() => {
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate'] });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('remediation action routes', () => {
  const deactivate = (reason?: string, accessKeyId = 'AKIA1') => ({
    entityRef: REF,
    input: { accessKeyId },
    ...(reason === undefined ? {} : { reason }),
  });

  it('lists the actions that apply to the identity', async () => {
    const { app } = await setup();
    const res = await request(app)
      .get('/nhi/actions')
      .query({ entityRef: REF })
      .set(as(FARAH));
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: any) => a.id)).toEqual([
      'access-key:deactivate',
      'access-key:delete',
      'identity:disable',
    ]);
    const all = await request(app).get('/nhi/actions').set(as(FARAH));
    expect(all.body.items).toEqual([
      expect.objectContaining({
        id: 'agent-identity:create',
        source: 'aws:prod',
        permission: 'nhi.agent-identity.create',
      }),
    ]);
  });

  it('dry-runs without changing anything, then runs, and a retry is unchanged; the catalog is refreshed and the owner told', async () => {
    const { app, fake, triggered, notified, actions, audit } = await setup();
    const dry = await request(app)
      .post('/nhi/actions/access-key:deactivate/dry-run')
      .set(as(FARAH))
      .send(deactivate());
    expect(dry.status).toBe(200);
    expect(dry.body.plan.changes).toEqual([
      expect.objectContaining({ target: 'AKIA1', after: 'Inactive' }),
    ]);
    expect(fake.keys.get('AKIA1')).toBe('Active');

    const run = await request(app)
      .post('/nhi/actions/access-key:deactivate/run')
      .set(as(FARAH))
      .send(deactivate('dormant since June'));
    expect(run.status).toBe(200);
    expect(run.body.status).toBe('succeeded');
    expect(fake.keys.get('AKIA1')).toBe('Inactive');
    expect(triggered).toHaveLength(1);
    expect(notified).toEqual([
      expect.objectContaining({
        recipients: ['group:default/payments'],
        title: expect.stringContaining('Deactivate access key: done'),
        description: expect.stringContaining('dormant since June'),
      }),
    ]);

    const again = await request(app)
      .post('/nhi/actions/access-key:deactivate/run')
      .set(as(FARAH))
      .send(deactivate('dormant since June'));
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('unchanged');
    expect(triggered).toHaveLength(1);

    const log = await actions.list({ entityRef: REF });
    expect(log.map(r => [r.status, r.requestedBy, r.reason])).toEqual([
      ['succeeded', FARAH, 'dormant since June'],
      ['succeeded', FARAH, 'dormant since June'],
    ]);
    expect(
      audit
        .filter(e => e.eventId === 'nhi-action-run')
        .map(e => [e.status, e.actor.actorId, e.meta.reason]),
    ).toEqual([
      ['initiated', FARAH, 'dormant since June'],
      ['succeeded', FARAH, 'dormant since June'],
      ['initiated', FARAH, 'dormant since June'],
      ['succeeded', FARAH, 'dormant since June'],
    ]);
  });

  it.each([
    ['GET', '/nhi/actions', 'nhi.action.read', undefined],
    ['GET', '/nhi/actions/requests', 'nhi.action.read', undefined],
    [
      'POST',
      '/nhi/actions/access-key:deactivate/dry-run',
      'nhi.action.run',
      deactivate(),
    ],
    [
      'POST',
      '/nhi/actions/access-key:deactivate/run',
      'nhi.action.run',
      deactivate('because'),
    ],
    [
      'POST',
      '/nhi/actions/agent-identity:create/run',
      'nhi.agent-identity.create',
      {
        source: 'aws:prod',
        input: { agentId: 'a', reason: 'because' },
        reason: 'because',
      },
    ],
    ['POST', '/nhi/actions/requests/x/confirm', 'nhi.action.confirm', {}],
    [
      'POST',
      '/nhi/actions/requests/x/reject',
      'nhi.action.confirm',
      { comment: 'no way' },
    ],
  ])(
    '%s %s is 403 without %s, changes nothing and is audited',
    async (method, path, permission, body) => {
      const all = [
        'nhi.action.run',
        'nhi.action.read',
        'nhi.action.confirm',
        'nhi.agent-identity.create',
      ];
      const { app, fake, audit } = await setup({
        allowed: all.filter(p => p !== permission),
      });
      const req =
        method === 'GET' ? request(app).get(path) : request(app).post(path);
      const res = await req.set(as(FARAH)).send(body);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(permission);
      expect(fake.keys.get('AKIA1')).toBe('Active');
      expect(fake.roles.size).toBe(0);
      expect(audit.map(e => e.status)).toEqual(['initiated', 'failed']);
    },
  );

  it.each([
    ['no reason', deactivate(), 'reason is required'],
    ['a blank reason', deactivate('  '), 'reason is required'],
    [
      'input the action does not take',
      { ...deactivate('because'), input: { accessKeyId: 'AKIA1', x: 1 } },
      'must NOT have additional properties: x',
    ],
    [
      'a key id of the wrong shape',
      deactivate('because', 'key-1'),
      'input/accessKeyId must match pattern',
    ],
    [
      'an unknown body field',
      { ...deactivate('because'), force: true },
      'Unrecognized key',
    ],
    [
      'neither identity nor source',
      { input: {}, reason: 'because' },
      'give entityRef',
    ],
    [
      'a control character in the reason',
      deactivate('because\u202e'),
      'control characters',
    ],
  ])('refuses %s with a 400 and changes nothing', async (_, body, message) => {
    const { app, fake, actions } = await setup();
    const res = await request(app)
      .post('/nhi/actions/access-key:deactivate/run')
      .set(as(FARAH))
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(message);
    expect(fake.keys.get('AKIA1')).toBe('Active');
    expect(await actions.list({})).toEqual([]);
  });

  it('answers 404 for an identity the caller cannot see and 400 for an action its source does not offer', async () => {
    const { app } = await setup();
    const missing = await request(app)
      .post('/nhi/actions/access-key:deactivate/dry-run')
      .set(as(FARAH))
      .send({
        entityRef: 'nonhumanidentity:default/nope',
        input: { accessKeyId: 'AKIA1' },
      });
    expect(missing.status).toBe(404);
    const wrongType = await request(app)
      .post('/nhi/actions/access-key:deactivate/dry-run')
      .set(as(FARAH))
      .send({ entityRef: ROLE_REF, input: { accessKeyId: 'AKIA1' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('applies to iam-user');
  });

  it('records a failed run as failed, and a retry then succeeds', async () => {
    const { app, fake, actions } = await setup();
    fake.failOnce();
    const failed = await request(app)
      .post('/nhi/actions/access-key:deactivate/run')
      .set(as(FARAH))
      .send(deactivate('because'));
    expect(failed.status).toBe(500);
    expect(fake.keys.get('AKIA1')).toBe('Active');
    jest.setSystemTime(new Date(NOW.getTime() + 60_000));
    const ok = await request(app)
      .post('/nhi/actions/access-key:deactivate/run')
      .set(as(FARAH))
      .send(deactivate('because'));
    expect(ok.body.status).toBe('succeeded');
    expect(
      (await actions.list({ entityRef: REF })).map(r => [r.status, r.error]),
    ).toEqual([
      ['succeeded', undefined],
      ['failed', 'AWS said no'],
    ]);
  });

  describe('the two-person rule', () => {
    const del = {
      entityRef: REF,
      input: { accessKeyId: 'AKIA2' },
      reason: 'unused for a year',
    };

    it('holds a destructive action until another person confirms it', async () => {
      const { app, fake, notified } = await setup({
        config: { twoPersonRule: { enabled: true } },
      });
      // reversible actions run at once
      const listed = await request(app)
        .get('/nhi/actions')
        .query({ entityRef: REF })
        .set(as(FARAH));
      expect(
        listed.body.items.map((a: any) => [a.id, a.requiresConfirmation]),
      ).toEqual([
        ['access-key:deactivate', false],
        ['access-key:delete', true],
        ['identity:disable', false],
      ]);

      const asked = await request(app)
        .post('/nhi/actions/access-key:delete/run')
        .set(as(FARAH))
        .send(del);
      expect(asked.status).toBe(202);
      expect(asked.body.status).toBe('pending');
      expect(fake.keys.has('AKIA2')).toBe(true);
      expect(notified[0].title).toContain('waits for a second person');
      const id = asked.body.request.id;

      // asking again while it waits is a conflict, not a second request
      const twice = await request(app)
        .post('/nhi/actions/access-key:delete/run')
        .set(as(FARAH))
        .send(del);
      expect(twice.status).toBe(409);

      const pending = await request(app)
        .get('/nhi/actions/requests')
        .query({ status: 'pending' })
        .set(as(OMAR));
      expect(pending.body.items.map((r: any) => r.id)).toEqual([id]);

      const own = await request(app)
        .post(`/nhi/actions/requests/${id}/confirm`)
        .set(as(FARAH));
      expect(own.status).toBe(409);
      expect(own.body.error.message).toContain('second person');
      expect(fake.keys.has('AKIA2')).toBe(true);

      const confirmed = await request(app)
        .post(`/nhi/actions/requests/${id}/confirm`)
        .set(as(OMAR));
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.status).toBe('succeeded');
      expect(fake.keys.has('AKIA2')).toBe(false);

      const late = await request(app)
        .post(`/nhi/actions/requests/${id}/confirm`)
        .set(as(PRIYA));
      expect(late.status).toBe(409);
      const log = await request(app)
        .get('/nhi/actions/requests')
        .query({ entityRef: REF })
        .set(as(OMAR));
      expect(log.body.items[0]).toMatchObject({
        status: 'succeeded',
        requestedBy: FARAH,
        decidedBy: OMAR,
      });
    });

    it('lets exactly one of two simultaneous confirmations run it', async () => {
      const { app, service } = await setup({
        config: { twoPersonRule: { enabled: true } },
      });
      const asked = await request(app)
        .post('/nhi/actions/access-key:delete/run')
        .set(as(FARAH))
        .send(del);
      const id = asked.body.request.id;
      const results = await Promise.allSettled([
        service.confirm(mockCredentials.user(OMAR), id),
        service.confirm(mockCredentials.user(PRIYA), id),
      ]);
      expect(results.map(r => r.status).sort()).toEqual([
        'fulfilled',
        'rejected',
      ]);
      expect(
        (results.find(r => r.status === 'rejected') as PromiseRejectedResult)
          .reason.name,
      ).toBe('ConflictError');
    });

    it('rejects with a reason, and the requester is told', async () => {
      const { app, fake, notified } = await setup({
        config: { twoPersonRule: { enabled: true } },
      });
      const asked = await request(app)
        .post('/nhi/actions/access-key:delete/run')
        .set(as(FARAH))
        .send(del);
      const id = asked.body.request.id;
      const noReason = await request(app)
        .post(`/nhi/actions/requests/${id}/reject`)
        .set(as(OMAR))
        .send({});
      expect(noReason.status).toBe(400);
      const rejected = await request(app)
        .post(`/nhi/actions/requests/${id}/reject`)
        .set(as(OMAR))
        .send({ comment: 'the vendor still uses it' });
      expect(rejected.body).toMatchObject({
        status: 'rejected',
        decidedBy: OMAR,
        comment: 'the vendor still uses it',
      });
      expect(fake.keys.has('AKIA2')).toBe(true);
      expect(notified.at(-1)).toMatchObject({
        recipients: [FARAH],
        description: expect.stringContaining('the vendor still uses it'),
      });
    });
  });

  describe('agent identities', () => {
    const body = (input: Record<string, unknown>) => ({
      source: 'aws:prod',
      input,
      reason: 'payments migration',
    });

    it('acts for the caller and expires in 24 hours by default, and emits the new identity at once', async () => {
      const { app, fake, applied, actions } = await setup();
      const res = await request(app)
        .post('/nhi/actions/agent-identity:create/run')
        .set(as(PRIYA))
        .send(body({ agentId: 'claude-payments', reason: 'DB migration' }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'succeeded',
        entityRef: 'nonhumanidentity:default/aws-claude-payments',
      });
      expect(fake.roles.get('claude-payments')).toEqual({
        agentId: 'claude-payments',
        reason: 'DB migration',
        onBehalfOf: PRIYA,
        expiresAt: '2026-12-07T10:00:00.000Z',
      });
      expect(applied).toHaveLength(1);
      expect((await actions.list({}))[0].entityRef).toBe(
        'nonhumanidentity:default/aws-claude-payments',
      );
    });

    it.each([
      [{ reason: 'DB migration' }, "must have required property 'agentId'"],
      [{ agentId: 'a' }, "must have required property 'reason'"],
      [
        {
          agentId: 'a',
          reason: 'DB migration',
          expiresAt: '2026-12-20T00:00:00Z',
        },
        'at most 168 hours away',
      ],
      [
        {
          agentId: 'a',
          reason: 'DB migration',
          expiresAt: '2026-12-01T00:00:00Z',
        },
        'has passed',
      ],
      [
        {
          agentId: 'a',
          reason: 'DB migration',
          onBehalfOf: 'group:default/payments',
        },
        'onBehalfOf must name the human',
      ],
    ])('refuses %j with a 400', async (input, message) => {
      const { app, fake } = await setup();
      const res = await request(app)
        .post('/nhi/actions/agent-identity:create/run')
        .set(as(PRIYA))
        .send(body(input));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(message);
      expect(fake.roles.size).toBe(0);
    });

    it('takes the longest expiry from config', async () => {
      const { app } = await setup({
        config: { agentIdentity: { maxExpiryHours: 4, defaultExpiryHours: 2 } },
      });
      const res = await request(app)
        .post('/nhi/actions/agent-identity:create/dry-run')
        .set(as(PRIYA))
        .send({
          source: 'aws:prod',
          input: {
            agentId: 'a',
            reason: 'DB migration',
            expiresAt: '2026-12-06T15:00:00Z',
          },
        });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('at most 4 hours');
    });
  });

  describe('expiry enforcement', () => {
    it('does nothing when off', async () => {
      const { service, fake } = await setup({ expired: [ROLE_REF] });
      expect(await service.enforceExpiry()).toEqual({
        reported: 0,
        disabled: 0,
        failed: 0,
      });
      expect(fake.roles.size).toBe(0);
    });

    it('reports an expired agent identity to its owner once', async () => {
      const { service, notified, actions, fake } = await setup({
        expired: [ROLE_REF],
        config: { expiryEnforcement: { mode: 'report' } },
      });
      expect((await service.enforceExpiry()).reported).toBe(1);
      expect((await service.enforceExpiry()).reported).toBe(0);
      expect(notified).toEqual([
        expect.objectContaining({
          recipients: ['group:default/payments'],
          severity: 'high',
          title: expect.stringContaining('past its expiry'),
        }),
      ]);
      expect(fake.roles.size).toBe(0);
      expect((await actions.list({ entityRef: ROLE_REF }))[0]).toMatchObject({
        action: 'expiry:report',
        requestedBy: 'nhi:expiry-enforcement',
        status: 'succeeded',
      });
    });

    it('disables it, reversibly and once, in deactivate mode', async () => {
      const { service, fake, triggered, actions } = await setup({
        expired: [ROLE_REF],
        config: { expiryEnforcement: { mode: 'deactivate' } },
      });
      expect((await service.enforceExpiry()).disabled).toBe(1);
      expect(fake.roles.has('disabled')).toBe(true);
      expect(triggered).toHaveLength(1);
      expect((await service.enforceExpiry()).disabled).toBe(0);
      expect(
        (await actions.list({ entityRef: ROLE_REF })).map(r => [
          r.action,
          r.status,
          r.reason,
        ]),
      ).toEqual([
        [
          'identity:disable',
          'succeeded',
          'created by agent agent-7 with expires-at 2026-12-05T00:00:00Z, which has passed',
        ],
      ]);
    });
  });
});
