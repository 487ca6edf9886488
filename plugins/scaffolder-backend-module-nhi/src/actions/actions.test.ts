import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject } from '@backstage/types';
import express from 'express';
import Router from 'express-promise-router';
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { createNhiAgentIdentityAction } from './agentIdentity';
import { createNhiIdentityActions } from './identityActions';

const JO = 'user:default/jo.dev';
const SEC = 'user:default/farah.haddad';
const KEY_REF = 'nonhumanidentity:default/aws-deploy-bot';
const K8S_REF = 'nonhumanidentity:default/k8s-ci-runner';
const NOW = new Date('2026-12-06T10:00:00Z');

/**
 * The catalog's NHI action routes as the actions see them, on 127.0.0.1:
 * who calls (the token's user), nhi.action.run for the security team only,
 * schema-checked input (400), a dry run that changes nothing, idempotent
 * runs, and an AWS role created once.
 */
async function fakeCatalog() {
  const auth = mockServices.auth({ pluginId: 'catalog' });
  const keys = new Map([['AKIAAAAAAAAAAAAAAAAA', 'Active']]);
  const roles = new Map<string, Record<string, unknown>>();
  const calls: Array<{ user?: string; path: string; body: any }> = [];
  const router = Router();
  router.use(express.json());
  const userOf = async (req: express.Request) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const credentials = await auth.authenticate(token);
    const p = credentials.principal as { userEntityRef?: string };
    calls.push({
      user: p.userEntityRef,
      path: decodeURIComponent(req.path),
      body: req.body,
    });
    return p.userEntityRef;
  };
  const plan = (action: string, body: any) => {
    const source = body.entityRef === K8S_REF ? 'kubernetes:prod' : 'aws:demo';
    if (action === 'access-key:deactivate') {
      const id = body.input?.accessKeyId;
      if (typeof id !== 'string')
        throw new InputError('input must have required property accessKeyId');
      const status = keys.get(id);
      if (!status) throw new NotFoundError(`no access key ${id}`);
      return {
        source,
        entityRef: body.entityRef,
        plan: {
          changes:
            status === 'Inactive'
              ? []
              : [
                  {
                    target: id,
                    operation: 'iam:UpdateAccessKey',
                    description: `Deactivate access key ${id} of deploy-bot`,
                    before: 'Active',
                    after: 'Inactive',
                  },
                ],
        },
      };
    }
    if (action === 'agent-identity:create') {
      for (const k of ['agentId', 'onBehalfOf', 'reason', 'expiresAt']) {
        if (!body.input?.[k])
          throw new InputError(`input must have required property '${k}'`);
      }
      if (Date.parse(body.input.expiresAt) > NOW.getTime() + 168 * 3_600_000) {
        throw new InputError(
          'expiresAt may be at most 168 hours away (nhi.actions.agentIdentity.maxExpiryHours)',
        );
      }
      const name = `agent-${body.input.agentId}-${body.input.expiresAt}`;
      return {
        source: body.source,
        name,
        plan: {
          changes: roles.has(name)
            ? []
            : [
                {
                  target: `arn:aws:iam::111111111111:role/nhi-agents/${name}`,
                  operation: 'iam:CreateRole',
                  description: `Create IAM role ${name}`,
                  after: 'Created',
                },
              ],
        },
      };
    }
    throw new InputError(`source aws:demo offers no ${action}`);
  };
  router.get('/api/catalog/nhi/actions', async (req, res) => {
    await userOf(req);
    res.json({
      items: [
        { id: 'agent-identity:create', source: 'aws:demo', target: 'source' },
      ],
    });
  });
  router.post('/api/catalog/nhi/actions/:action/dry-run', async (req, res) => {
    await userOf(req);
    const { source, entityRef, plan: p } = plan(req.params.action, req.body);
    res.json({ plan: p, source, entityRef });
  });
  router.post('/api/catalog/nhi/actions/:action/run', async (req, res) => {
    const user = await userOf(req);
    const { action } = req.params;
    if (action !== 'agent-identity:create' && user !== SEC) {
      throw new NotAllowedError('not allowed: nhi.action.run');
    }
    if (!req.body.reason || req.body.reason.length < 3) {
      throw new InputError(
        'reason is required: say why (3 characters or more)',
      );
    }
    const p = plan(action, req.body) as any;
    if (!p.plan.changes.length) {
      res.json({ status: 'unchanged', plan: p.plan });
      return;
    }
    if (action === 'access-key:deactivate') {
      keys.set(req.body.input.accessKeyId, 'Inactive');
      res.json({ status: 'succeeded', plan: p.plan, result: p.plan });
      return;
    }
    roles.set(p.name, { ...req.body.input, createdBy: user });
    res.json({
      status: 'succeeded',
      plan: p.plan,
      result: p.plan,
      entityRef: `nonhumanidentity:default/aws-111111111111-role-${p.name}`,
    });
  });
  const app = express().use(router).use(mockErrorHandler());
  const server: Server = await new Promise(resolve => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    keys,
    roles,
    calls,
    options: {
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
      discovery: mockServices.discovery.mock({
        getBaseUrl: async (id: string) => `${base}/api/${id}`,
      }),
      now: () => NOW,
    },
    close: () => new Promise(r => server.close(r)),
  };
}

type Fake = Awaited<ReturnType<typeof fakeCatalog>>;
let fake: Fake;
beforeEach(async () => {
  fake = await fakeCatalog();
});
afterEach(async () => {
  await fake.close();
});

/** A mock context of `user`, with what the scaffolder adds. */
function contextOf(
  input: JsonObject,
  user: string,
  extra: { isDryRun?: boolean; checkpoints?: Map<string, unknown> } = {},
) {
  const ctx = createMockActionContext({ input, user: { ref: user } });
  return {
    ...ctx,
    isDryRun: extra.isDryRun,
    getInitiatorCredentials: async () => mockCredentials.user(user),
    // the scaffolder's checkpoints: a retried task gets the stored value
    async checkpoint(opts: { key: string; fn: () => any }) {
      const store = extra.checkpoints ?? new Map();
      if (!store.has(opts.key)) store.set(opts.key, await opts.fn());
      return store.get(opts.key);
    },
  } as typeof ctx;
}

const outputs = (ctx: { output: jest.Mock | any }) =>
  Object.fromEntries((ctx.output as jest.Mock).mock.calls);

const deactivate = () =>
  createNhiIdentityActions(fake.options).find(
    a => a.id === 'nhi:aws:access-key:deactivate',
  )!;

describe('nhi:aws:access-key:deactivate', () => {
  const input = {
    entityRef: KEY_REF,
    accessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
    reason: 'dormant for 200 days',
  };

  it('deactivates the key on behalf of the user who runs the template', async () => {
    const ctx = contextOf(input, SEC);
    await deactivate().handler(ctx);
    expect(fake.keys.get('AKIAAAAAAAAAAAAAAAAA')).toBe('Inactive');
    expect(outputs(ctx)).toEqual({
      status: 'succeeded',
      changes: ['Deactivate access key AKIAAAAAAAAAAAAAAAAA of deploy-bot'],
      entityRef: KEY_REF,
    });
    // a dry run first, then the run with the reason, both as the user
    expect(fake.calls.map(c => [c.user, c.path])).toEqual([
      [SEC, '/api/catalog/nhi/actions/access-key:deactivate/dry-run'],
      [SEC, '/api/catalog/nhi/actions/access-key:deactivate/run'],
    ]);
    expect(fake.calls[1].body).toEqual({
      entityRef: KEY_REF,
      input: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA' },
      reason: 'dormant for 200 days',
    });
  });

  it('changes nothing in a dry run of the template', async () => {
    const ctx = contextOf(input, SEC, { isDryRun: true });
    await deactivate().handler(ctx);
    expect(fake.keys.get('AKIAAAAAAAAAAAAAAAAA')).toBe('Active');
    expect(outputs(ctx)).toMatchObject({
      status: 'dry-run',
      changes: ['Deactivate access key AKIAAAAAAAAAAAAAAAAA of deploy-bot'],
    });
    expect(fake.calls.map(c => c.path)).toEqual([
      '/api/catalog/nhi/actions/access-key:deactivate/dry-run',
    ]);
  });

  it('fails clearly without the permission, and changes nothing', async () => {
    const ctx = contextOf(input, JO);
    const run = deactivate().handler(ctx);
    await expect(run).rejects.toThrow(NotAllowedError);
    await expect(run).rejects.toThrow(
      /Deactivate access key .*you are not allowed to \(not allowed: nhi.action.run\)/,
    );
    expect(fake.keys.get('AKIAAAAAAAAAAAAAAAAA')).toBe('Active');
  });

  it('refuses bad input before calling anything', async () => {
    for (const bad of [
      { ...input, reason: '' },
      { ...input, accessKeyId: 'not a key' },
      { accessKeyId: input.accessKeyId, reason: input.reason },
      { ...input, unexpected: true },
    ]) {
      await expect(deactivate().handler(contextOf(bad, SEC))).rejects.toThrow(
        InputError,
      );
    }
    expect(fake.calls).toEqual([]);
  });

  it('answers the catalog’s 400 and 404 as input and not-found errors', async () => {
    await expect(
      deactivate().handler(
        contextOf({ ...input, accessKeyId: 'AKIABBBBBBBBBBBBBBBB' }, SEC),
      ),
    ).rejects.toThrow(NotFoundError);
    await expect(
      createNhiIdentityActions(fake.options)
        .find(a => a.id === 'nhi:identity:disable')!
        .handler(contextOf({ entityRef: KEY_REF, reason: 'expired' }, SEC)),
    ).rejects.toThrow(/source aws:demo offers no identity:disable/);
  });

  it('is idempotent: run again, it succeeds with nothing to do', async () => {
    await deactivate().handler(contextOf(input, SEC));
    const again = contextOf(input, SEC);
    await deactivate().handler(again);
    expect(outputs(again)).toMatchObject({ status: 'unchanged', changes: [] });
    expect(fake.keys.get('AKIAAAAAAAAAAAAAAAAA')).toBe('Inactive');
  });

  it('refuses an identity of another source than AWS', async () => {
    await expect(
      deactivate().handler(contextOf({ ...input, entityRef: K8S_REF }, SEC)),
    ).rejects.toThrow(
      'nhi:aws:access-key:deactivate acts on identities of aws sources; nonhumanidentity:default/k8s-ci-runner is from kubernetes:prod',
    );
    expect(fake.calls.map(c => c.path)).not.toContain(
      '/api/catalog/nhi/actions/access-key:deactivate/run',
    );
  });
});

describe('nhi:agent-identity:create', () => {
  const action = () => createNhiAgentIdentityAction(fake.options);
  const input = {
    agentId: 'claude-code-payments',
    reason: 'refactors the payments service',
  };

  it('creates the agent identity for the user who runs it, expiring in 24 hours by default', async () => {
    const ctx = contextOf(input, JO);
    await action().handler(ctx);
    const [role] = [...fake.roles.values()];
    expect(role).toEqual({
      agentId: 'claude-code-payments',
      onBehalfOf: JO,
      reason: 'refactors the payments service',
      expiresAt: '2026-12-07T10:00:00.000Z',
      createdBy: JO,
    });
    expect(outputs(ctx)).toEqual({
      status: 'succeeded',
      changes: [
        'Create IAM role agent-claude-code-payments-2026-12-07T10:00:00.000Z',
      ],
      entityRef:
        'nonhumanidentity:default/aws-111111111111-role-agent-claude-code-payments-2026-12-07T10:00:00.000Z',
      source: 'aws:demo',
      expiresAt: '2026-12-07T10:00:00.000Z',
    });
  });

  it('takes the human, the expiry in hours and the runtime from the form', async () => {
    await action().handler(
      contextOf(
        {
          ...input,
          onBehalfOf: 'user:default/priya.raman',
          expiresInHours: 4,
          trustPrincipal: 'bedrock.amazonaws.com',
          source: 'aws:demo',
        },
        JO,
      ),
    );
    expect([...fake.roles.values()][0]).toMatchObject({
      onBehalfOf: 'user:default/priya.raman',
      expiresAt: '2026-12-06T14:00:00.000Z',
      trustPrincipal: 'bedrock.amazonaws.com',
    });
  });

  it('refuses to run without its inputs, and an expiry past the maximum', async () => {
    for (const bad of [
      {},
      { reason: input.reason },
      { agentId: input.agentId },
      { ...input, agentId: '  ' },
      { ...input, expiresInHours: -1 },
      { ...input, expiresInHours: 2, expiresAt: '2026-12-07T00:00:00Z' },
    ]) {
      await expect(action().handler(contextOf(bad, JO))).rejects.toThrow(
        InputError,
      );
    }
    expect(fake.calls).toEqual([]);
    await expect(
      action().handler(contextOf({ ...input, expiresInHours: 500 }, JO)),
    ).rejects.toThrow(/at most 168 hours/);
    expect(fake.roles.size).toBe(0);
  });

  it('creates one role when the task is retried later', async () => {
    const checkpoints = new Map<string, unknown>();
    await action().handler(contextOf(input, JO, { checkpoints }));
    const later = new Date(NOW.getTime() + 3_600_000);
    const retry = createNhiAgentIdentityAction({
      ...fake.options,
      now: () => later,
    });
    await retry.handler(contextOf(input, JO, { checkpoints }));
    expect(fake.roles.size).toBe(1);
    // the same task's expiry, and the run's answer, are reused
    expect(fake.calls.filter(c => c.path.endsWith('/run'))).toHaveLength(1);
  });

  it('changes nothing in a dry run', async () => {
    const ctx = contextOf(input, JO, { isDryRun: true });
    await action().handler(ctx);
    expect(fake.roles.size).toBe(0);
    expect(outputs(ctx)).toMatchObject({
      status: 'dry-run',
      changes: [
        'Create IAM role agent-claude-code-payments-2026-12-07T10:00:00.000Z',
      ],
    });
  });
});
