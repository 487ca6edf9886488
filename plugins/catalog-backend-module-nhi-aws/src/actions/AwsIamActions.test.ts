import { ConfigReader, JsonObject } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { NHI_ACTION_IDS } from '@backstage-nhi/plugin-nhi-common';
import {
  NhiSourceAction,
  NhiSourceActionContext,
  validateNhiRecord,
} from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readAwsSourceConfig } from '../config';
import { PolicyAnalyzer } from '../policy/PolicyAnalyzer';
import {
  IamCompanyModel,
  IamEndpoint,
  IamEndpointOptions,
  startIamEndpoint,
} from '../testUtils';
import { AwsIamSource } from '../source/AwsIamSource';
import { DENY_ALL_POLICY_NAME } from './AwsIamActions';

jest.setTimeout(60_000);

const NOW = new Date('2026-12-01T10:00:00Z');
const ACCOUNT = '111111111111';
const analyzer = new PolicyAnalyzer();
const endpoints: IamEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.stop()));
});

/** A small account: a dormant deploy user with two keys and a password, and a role. */
function company(): IamCompanyModel {
  return {
    organizationId: 'o-abcdefghij',
    managementAccountId: ACCOUNT,
    awsManagedPolicies: [],
    accounts: [
      {
        id: ACCOUNT,
        name: 'prod',
        groups: [],
        policies: [],
        users: [
          {
            name: 'deploy-bot',
            id: 'AIDADEPLOYBOT0000001',
            createdAt: '2024-01-01T00:00:00Z',
            tags: { team: 'payments' },
            accessKeys: [
              {
                id: 'AKIADEPLOYBOTKEY0001',
                status: 'Active',
                createdAt: '2024-01-01T00:00:00Z',
                lastUsed: {
                  at: '2025-06-01T00:00:00Z',
                  region: 'us-east-1',
                  service: 's3',
                },
              },
              {
                id: 'AKIADEPLOYBOTKEY0002',
                status: 'Active',
                createdAt: '2024-03-01T00:00:00Z',
                lastUsed: {
                  at: '2026-11-29T00:00:00Z',
                  region: 'us-east-1',
                  service: 'sts',
                },
              },
            ],
            password: { lastChanged: '2024-01-01T00:00:00Z' },
          },
        ],
        roles: [
          {
            name: 'reports-runner',
            id: 'AROAREPORTSRUNNER001',
            createdAt: '2024-01-01T00:00:00Z',
            trustPolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'lambda.amazonaws.com' },
                  Action: 'sts:AssumeRole',
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

async function setup(
  options: Partial<IamEndpointOptions> = {},
  actions: JsonObject = {
    roleName: 'NhiActions',
    agentIdentity: {
      trustPrincipal: 'arn:aws:iam::111111111111:role/agent-runtime',
    },
  },
) {
  const model = company();
  const endpoint = await startIamEndpoint({
    model,
    now: () => NOW,
    faults: { readOnlyRoles: ['NhiReadOnly'] },
    ...options,
  });
  endpoints.push(endpoint);
  const source = AwsIamSource.fromConfig(
    readAwsSourceConfig(
      new ConfigReader({
        endpoint: endpoint.url,
        credentialReport: { pollIntervalSeconds: 0 },
        accounts: [
          {
            accountId: ACCOUNT,
            roleArn: `arn:aws:iam::${ACCOUNT}:role/NhiReadOnly`,
          },
        ],
        actions,
      }),
      'prod',
    ),
    {
      credentials: async () => endpoint.credentials,
      retryBaseDelayMs: 1,
      analyzer,
      now: () => NOW,
    },
  );
  const action = (id: string): NhiSourceAction<any> => {
    const found = source.actions?.find(a => a.id === id);
    if (!found) throw new Error(`no action ${id}`);
    return found;
  };
  const read = async () => {
    const { records } = await readSource(source);
    return new Map(records.map(r => [r.externalId, r]));
  };
  return { model, endpoint, source, action, read };
}

const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/deploy-bot`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/reports-runner`;

function context(
  externalId?: string,
  credentials: Array<{ id: string; lastUsed?: { at: string } }> = [],
): NhiSourceActionContext {
  return {
    logger: mockServices.logger.mock(),
    signal: new AbortController().signal,
    identity: externalId
      ? {
          entityRef: 'nonhumanidentity:default/x',
          externalId,
          spec: {
            type: 'iam-user',
            category: 'service-account',
            provider: 'aws',
            externalId,
            credentials: credentials.map(c => ({
              kind: 'access-key',
              status: 'active',
              ...c,
            })),
          } as any,
        }
      : undefined,
    actor: 'user:default/farah.haddad',
    reason: 'dormant since June',
    now: NOW,
  };
}

/** A deep copy of what the endpoint holds, to compare before and after. */
const snapshot = (model: IamCompanyModel) =>
  JSON.parse(JSON.stringify(model.accounts));

describe('AWS actions', () => {
  it('offers none unless actions are configured', async () => {
    const model = company();
    const endpoint = await startIamEndpoint({ model });
    endpoints.push(endpoint);
    const source = AwsIamSource.fromConfig(
      readAwsSourceConfig(
        new ConfigReader({
          endpoint: endpoint.url,
          accounts: [{ accountId: ACCOUNT }],
        }),
        'prod',
      ),
      { credentials: async () => endpoint.credentials },
    );
    expect(source.actions).toBeUndefined();
  });

  it('deactivates a key: the dry run changes nothing, the run does, a retry is a no-op, the next read sees it', async () => {
    const { model, endpoint, action, read } = await setup();
    const deactivate = action(NHI_ACTION_IDS.accessKeyDeactivate);
    const before = snapshot(model);

    const plan = await deactivate.dryRun(
      { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
      context(USER_ARN),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        target: 'AKIADEPLOYBOTKEY0001',
        operation: 'iam:UpdateAccessKey',
        before: 'Active',
        after: 'Inactive',
      }),
    ]);
    expect(snapshot(model)).toEqual(before);
    expect(endpoint.writes).toEqual([]);

    const done = await deactivate.run(
      { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
      context(USER_ARN),
    );
    expect(done.changes).toEqual(plan.changes);
    const keys = model.accounts[0].users[0].accessKeys!;
    expect(keys.map(k => [k.id, k.status])).toEqual([
      ['AKIADEPLOYBOTKEY0001', 'Inactive'],
      ['AKIADEPLOYBOTKEY0002', 'Active'],
    ]);
    // written with the actions role, not the read-only one
    expect(endpoint.writes).toEqual([
      expect.objectContaining({
        action: 'UpdateAccessKey',
        role: 'NhiActions',
        params: expect.objectContaining({
          UserName: 'deploy-bot',
          AccessKeyId: 'AKIADEPLOYBOTKEY0001',
          Status: 'Inactive',
        }),
      }),
    ]);

    const again = await deactivate.run(
      { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
      context(USER_ARN),
    );
    expect(again.changes).toEqual([]);
    expect(endpoint.writes).toHaveLength(1);

    const records = await read();
    expect(
      records
        .get(USER_ARN)!
        .credentials!.find(c => c.id === 'AKIADEPLOYBOTKEY0001')!.status,
    ).toBe('inactive');
  });

  it('warns when the key was used lately', async () => {
    const { action } = await setup();
    const plan = await action(NHI_ACTION_IDS.accessKeyDeactivate).dryRun(
      { accessKeyId: 'AKIADEPLOYBOTKEY0002' },
      context(USER_ARN, [
        {
          id: 'AKIADEPLOYBOTKEY0002',
          lastUsed: { at: '2026-11-29T00:00:00Z' },
        },
      ]),
    );
    expect(plan.warnings).toEqual([
      expect.stringContaining('AKIADEPLOYBOTKEY0002 was used 2 days ago'),
    ]);
  });

  it('refuses a key of another user, a role, the root user and an account it does not read', async () => {
    const { action } = await setup();
    const deactivate = action(NHI_ACTION_IDS.accessKeyDeactivate);
    await expect(
      deactivate.dryRun(
        { accessKeyId: 'AKIAOTHERUSERKEY0001' },
        context(USER_ARN),
      ),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('is not a key of IAM user deploy-bot'),
    });
    await expect(
      deactivate.dryRun(
        { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
        context(ROLE_ARN),
      ),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      deactivate.dryRun(
        { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
        context(`arn:aws:iam::${ACCOUNT}:root`),
      ),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('root'),
    });
    await expect(
      deactivate.dryRun(
        { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
        context('arn:aws:iam::999999999999:user/deploy-bot'),
      ),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('not one source aws:prod reads'),
    });
  });

  it('deletes only an inactive key, and a retry after the delete is a no-op', async () => {
    const { model, endpoint, action, read } = await setup();
    const del = action(NHI_ACTION_IDS.accessKeyDelete);
    expect(del.destructive).toBe(true);
    const ctx = context(USER_ARN, [{ id: 'AKIADEPLOYBOTKEY0001' }]);
    await expect(
      del.dryRun({ accessKeyId: 'AKIADEPLOYBOTKEY0001' }, ctx),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('deactivate it first'),
    });
    await action(NHI_ACTION_IDS.accessKeyDeactivate).run(
      { accessKeyId: 'AKIADEPLOYBOTKEY0001' },
      ctx,
    );
    const before = snapshot(model);
    const plan = await del.dryRun({ accessKeyId: 'AKIADEPLOYBOTKEY0001' }, ctx);
    expect(plan.changes).toEqual([
      expect.objectContaining({
        operation: 'iam:DeleteAccessKey',
        before: 'Inactive',
        after: 'Deleted',
      }),
    ]);
    expect(snapshot(model)).toEqual(before);

    await del.run({ accessKeyId: 'AKIADEPLOYBOTKEY0001' }, ctx);
    expect(model.accounts[0].users[0].accessKeys!.map(k => k.id)).toEqual([
      'AKIADEPLOYBOTKEY0002',
    ]);
    expect(
      (await del.run({ accessKeyId: 'AKIADEPLOYBOTKEY0001' }, ctx)).changes,
    ).toEqual([]);
    expect(endpoint.writes.map(w => w.action)).toEqual([
      'UpdateAccessKey',
      'DeleteAccessKey',
    ]);
    expect(
      (await read())
        .get(USER_ARN)!
        .credentials!.filter(c => c.kind === 'access-key')
        .map(c => c.id),
    ).toEqual(['AKIADEPLOYBOTKEY0002']);
  });

  it('removes a console password once', async () => {
    const { model, endpoint, action } = await setup();
    const remove = action(NHI_ACTION_IDS.loginProfileDelete);
    const before = snapshot(model);
    const plan = await remove.dryRun({}, context(USER_ARN));
    expect(plan.changes).toEqual([
      expect.objectContaining({ operation: 'iam:DeleteLoginProfile' }),
    ]);
    expect(snapshot(model)).toEqual(before);
    await remove.run({}, context(USER_ARN));
    expect(model.accounts[0].users[0].password).toBeUndefined();
    expect((await remove.run({}, context(USER_ARN))).changes).toEqual([]);
    expect((await remove.dryRun({}, context(USER_ARN))).changes).toEqual([]);
    expect(endpoint.writes.map(w => w.action)).toEqual(['DeleteLoginProfile']);
  });

  it('tags a user and a role with only what differs, and the next read takes the owner and expiry from them', async () => {
    const { model, endpoint, action, read } = await setup();
    const tag = action(NHI_ACTION_IDS.identityTag);
    const plan = await tag.dryRun(
      { tags: { team: 'payments', 'expires-at': '2027-01-31T00:00:00Z' } },
      context(USER_ARN),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        operation: 'iam:TagUser',
        after: 'expires-at=2027-01-31T00:00:00Z',
      }),
    ]);
    expect(endpoint.writes).toEqual([]);
    await tag.run({ tags: { owner: 'team-reports' } }, context(ROLE_ARN));
    expect(model.accounts[0].roles[0].tags).toEqual({ owner: 'team-reports' });
    expect(
      (await tag.run({ tags: { owner: 'team-reports' } }, context(ROLE_ARN)))
        .changes,
    ).toEqual([]);
    expect((await read()).get(ROLE_ARN)!.owner).toEqual({
      value: 'team-reports',
      via: 'tag:owner',
    });
  });

  it('refuses bad tags before calling AWS, and answers AWS’s tag quota as a conflict with nothing written', async () => {
    const { model, endpoint, action } = await setup({
      limits: { tagsPerResource: 2 },
    });
    const tag = action(NHI_ACTION_IDS.identityTag);
    await expect(
      tag.dryRun({ tags: { 'expires-at': 'soon' } }, context(USER_ARN)),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      tag.dryRun({ tags: { owner: 'a,b' } }, context(USER_ARN)),
    ).rejects.toMatchObject({ name: 'InputError' });
    expect(endpoint.totalCalls()).toBe(0);
    await expect(
      tag.run({ tags: { owner: 'x', reason: 'y' } }, context(USER_ARN)),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('LimitExceeded'),
    });
    expect(model.accounts[0].users[0].tags).toEqual({ team: 'payments' });
  });

  it('disables a user by deactivating its keys, and undoes them all when one fails', async () => {
    const { model, endpoint, action } = await setup({
      faults: {
        readOnlyRoles: ['NhiReadOnly'],
        failWrites: [
          {
            action: 'UpdateAccessKey',
            when: { AccessKeyId: 'AKIADEPLOYBOTKEY0002', Status: 'Inactive' },
            status: 409,
            code: 'ConcurrentModification',
          },
        ],
      },
    });
    const disable = action(NHI_ACTION_IDS.identityDisable);
    const plan = await disable.dryRun({}, context(USER_ARN));
    expect(plan.changes.map(c => c.target)).toEqual([
      'AKIADEPLOYBOTKEY0001',
      'AKIADEPLOYBOTKEY0002',
    ]);
    expect(plan.warnings).toEqual([
      expect.stringContaining('keeps its console password'),
    ]);
    await expect(disable.run({}, context(USER_ARN))).rejects.toThrow(
      /injected failure/,
    );
    // nothing half-done: the first key is active again
    expect(model.accounts[0].users[0].accessKeys!.map(k => k.status)).toEqual([
      'Active',
      'Active',
    ]);
    expect(endpoint.writes.map(w => w.params.Status)).toEqual([
      'Inactive',
      'Active',
    ]);
    // the fault was once: a retry goes through
    await disable.run({}, context(USER_ARN));
    expect(model.accounts[0].users[0].accessKeys!.map(k => k.status)).toEqual([
      'Inactive',
      'Inactive',
    ]);
  });

  it('disables a role with a deny-all inline policy, once, and the next read sees nothing allowed', async () => {
    const { model, endpoint, action, read } = await setup();
    const disable = action(NHI_ACTION_IDS.identityDisable);
    const before = snapshot(model);
    expect((await disable.dryRun({}, context(ROLE_ARN))).changes).toEqual([
      expect.objectContaining({ operation: 'iam:PutRolePolicy' }),
    ]);
    expect(snapshot(model)).toEqual(before);
    await disable.run({}, context(ROLE_ARN));
    expect(model.accounts[0].roles[0].inlinePolicies).toEqual([
      {
        name: DENY_ALL_POLICY_NAME,
        document: expect.objectContaining({
          Statement: [expect.objectContaining({ Effect: 'Deny', Action: '*' })],
        }),
      },
    ]);
    expect((await disable.run({}, context(ROLE_ARN))).changes).toEqual([]);
    expect(endpoint.writes).toHaveLength(1);
    const role = (await read()).get(ROLE_ARN)!;
    expect(role.permissions?.admin).toBe(false);
    expect(role.permissions?.serviceWildcards ?? []).toEqual([]);
  });

  describe('agent-identity:create', () => {
    const input = {
      agentId: 'claude-code-payments',
      onBehalfOf: 'user:default/priya.raman',
      reason: 'Rotate the payments DB password, ticket PAY-1234',
      expiresAt: '2026-12-02T10:00:00Z',
    };

    it('creates a role with the four tags and a trust policy for the runtime that ends at the expiry, once', async () => {
      const { model, endpoint, action, read } = await setup();
      const create = action(NHI_ACTION_IDS.agentIdentityCreate);
      expect(create.permission).toBe('nhi.agent-identity.create');
      const before = snapshot(model);
      const plan = await create.dryRun(input, context());
      expect(plan.changes).toEqual([
        expect.objectContaining({
          operation: 'iam:CreateRole',
          target: `arn:aws:iam::${ACCOUNT}:role/nhi-agents/agent-claude-code-payments-20261202T1000`,
        }),
      ]);
      expect(plan.warnings).toEqual([
        expect.stringContaining('the reason is tagged as'),
      ]);
      expect(snapshot(model)).toEqual(before);

      const outcome = await create.run(input, context());
      const role = model.accounts[0].roles.find(r =>
        r.name.startsWith('agent-'),
      )!;
      expect(role.tags).toEqual({
        'agent-id': 'claude-code-payments',
        'on-behalf-of': 'user:default/priya.raman',
        reason: 'Rotate the payments DB password  ticket PAY-1234',
        'expires-at': '2026-12-02T10:00:00Z',
        'created-by': 'user:default/farah.haddad',
      });
      expect(role.path).toBe('/nhi-agents/');
      expect(role.trustPolicy).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AgentRuntime',
            Effect: 'Allow',
            Principal: {
              AWS: 'arn:aws:iam::111111111111:role/agent-runtime',
            },
            Action: 'sts:AssumeRole',
            Condition: {
              DateLessThan: { 'aws:CurrentTime': '2026-12-02T10:00:00Z' },
            },
          },
        ],
      });
      // the record the catalog gets at once
      expect(outcome.records).toHaveLength(1);
      const record = outcome.records![0];
      expect(validateNhiRecord(record)).toBeUndefined();
      expect(record).toMatchObject({
        externalId: plan.changes[0].target,
        type: 'iam-role',
        createdBy: {
          type: 'agent',
          agent: {
            id: 'claude-code-payments',
            onBehalfOf: 'user:default/priya.raman',
            expiresAt: '2026-12-02T10:00:00Z',
          },
        },
      });

      // a retry creates nothing
      expect((await create.run(input, context())).changes).toEqual([]);
      expect(endpoint.writes.map(w => w.action)).toEqual(['CreateRole']);
      // and the next read lists it with its provenance
      expect((await read()).get(plan.changes[0].target)?.createdBy).toEqual(
        record.createdBy,
      );
    });

    it('refuses a past expiry, an empty field, a missing principal, and a role of that name that is not this agent’s', async () => {
      const { model, endpoint, action } = await setup(
        {},
        { roleName: 'NhiActions' },
      );
      const create = action(NHI_ACTION_IDS.agentIdentityCreate);
      await expect(
        create.dryRun(
          {
            ...input,
            trustPrincipal: 'bedrock.amazonaws.com',
            expiresAt: '2026-11-30T00:00:00Z',
          },
          context(),
        ),
      ).rejects.toMatchObject({ message: expect.stringContaining('passed') });
      await expect(
        create.dryRun(
          { ...input, trustPrincipal: 'bedrock.amazonaws.com', reason: ',,,' },
          context(),
        ),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining('reason'),
      });
      await expect(create.dryRun(input, context())).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining('trustPrincipal is required'),
      });
      await expect(
        create.run(
          {
            ...input,
            trustPrincipal: 'bedrock.amazonaws.com',
            roleName: 'reports-runner',
          },
          context(),
        ),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      expect(endpoint.writes).toEqual([]);
      expect(model.accounts[0].roles).toHaveLength(1);
    });

    it('answers AWS’s role quota as a conflict and the read-only role’s refusal as a service error, creating nothing', async () => {
      const full = await setup({ limits: { rolesPerAccount: 1 } });
      await expect(
        full.action(NHI_ACTION_IDS.agentIdentityCreate).run(input, context()),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining('LimitExceeded'),
      });
      expect(full.model.accounts[0].roles).toHaveLength(1);

      const readOnly = await setup(
        {},
        {
          roleName: 'NhiReadOnly',
          agentIdentity: { trustPrincipal: 'bedrock.amazonaws.com' },
        },
      );
      await expect(
        readOnly
          .action(NHI_ACTION_IDS.agentIdentityCreate)
          .run(input, context()),
      ).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        message: expect.stringContaining('iam:CreateRole'),
      });
      expect(readOnly.model.accounts[0].roles).toHaveLength(1);
    });
  });
});
