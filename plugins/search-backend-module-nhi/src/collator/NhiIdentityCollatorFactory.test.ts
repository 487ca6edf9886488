import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { exportItem } from '../__fixtures__/items';
import {
  exactForms,
  NhiIdentityCollatorFactory,
  NhiIdentityDocument,
  nhiIdentityDocument,
  readNhiCollatorPageSize,
} from './NhiIdentityCollatorFactory';

async function collect(factory: NhiIdentityCollatorFactory) {
  const docs: NhiIdentityDocument[] = [];
  for await (const doc of await factory.getCollator()) docs.push(doc);
  return docs;
}

describe('nhiIdentityDocument', () => {
  it('makes the external id and key ids findable as pasted, with the owner and risk to show', () => {
    const doc = nhiIdentityDocument(
      exportItem('ci-deployer', {
        owner: 'group:default/payments',
        ownership: { status: 'owned', provenance: 'tagged' },
        risk: { level: 'critical', score: 92, findings: [] },
        rotation: { status: 'overdue' },
        credentials: [
          { id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', status: 'active' },
          {
            id: 'AKIAI44QH8DHBEXAMPLE',
            kind: 'access-key',
            status: 'inactive',
          },
        ],
      }),
    );
    expect(doc).toEqual({
      title: 'ci-deployer',
      text: 'IAM user in aws 123456789012 · arn:aws:iam::123456789012:user/ci-deployer · keys AKIAIOSFODNN7EXAMPLE, AKIAI44QH8DHBEXAMPLE · critical risk',
      location: '/catalog/default/nonhumanidentity/ci-deployer',
      authorization: {
        resourceRef: 'nonhumanidentity:default/ci-deployer',
      },
      kind: 'NonHumanIdentity',
      namespace: 'default',
      name: 'ci-deployer',
      entityRef: 'nonhumanidentity:default/ci-deployer',
      identityType: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      account: '123456789012',
      externalId: 'arn:aws:iam::123456789012:user/ci-deployer',
      keyIds: ['AKIAIOSFODNN7EXAMPLE', 'AKIAI44QH8DHBEXAMPLE'],
      exactIds:
        'arn:aws:iam::123456789012:user/ci-deployer arnawsiam123456789012user/ci-deployer AKIAIOSFODNN7EXAMPLE AKIAI44QH8DHBEXAMPLE',
      owner: 'group:default/payments',
      ownership: 'owned',
      riskLevel: 'critical',
      riskScore: 92,
      rotation: 'overdue',
    });
  });

  it('says unowned, and leaves out what the identity does not have', () => {
    const doc = nhiIdentityDocument({
      ...exportItem('legacy-token', {
        type: 'api-key',
        category: 'api-key',
        provider: 'vault',
        account: undefined,
        externalId: 'vault:token:legacy reporting',
      }),
      metadata: { name: 'legacy-token', namespace: 'ops', title: 'Legacy' },
    });
    expect(doc).toMatchObject({
      title: 'Legacy',
      text: 'API key in vault · vault:token:legacy reporting · unowned',
      location: '/catalog/ops/nonhumanidentity/legacy-token',
      account: '',
      keyIds: [],
      // an id with a space cannot be one search term
      exactIds: '',
      owner: '',
      riskLevel: '',
      rotation: '',
    });
  });

  it('keeps both forms only where they differ', () => {
    expect(exactForms('AKIAIOSFODNN7EXAMPLE')).toEqual([
      'AKIAIOSFODNN7EXAMPLE',
    ]);
    expect(exactForms('datadog:api-key:7d1e')).toEqual([
      'datadog:api-key:7d1e',
      'datadogapi-key7d1e',
    ]);
  });
});

describe('NhiIdentityCollatorFactory', () => {
  const logger = mockServices.logger.mock();

  it('reads the export a page at a time, only as the engine takes documents', async () => {
    const pages = [
      {
        items: [exportItem('a'), exportItem('b')],
        nextCursor: 'nonhumanidentity:default/b',
        pending: 'still reading aws:prod',
      },
      { items: [exportItem('c')] },
    ];
    const read = jest.fn(async (after: string | undefined) =>
      after ? pages[1] : pages[0],
    );
    const factory = new NhiIdentityCollatorFactory({
      read,
      pageSize: 2,
      logger,
    });
    expect(factory.type).toBe('nhi-identity');
    expect(factory.visibilityPermission.name).toBe('catalog.entity.read');

    const documents = factory.documents();
    expect((await documents.next()).value.name).toBe('a');
    expect(read).toHaveBeenCalledTimes(1);
    expect(read).toHaveBeenLastCalledWith(undefined, 2);
    expect((await documents.next()).value.name).toBe('b');
    expect(read).toHaveBeenCalledTimes(1);
    expect((await documents.next()).value.name).toBe('c');
    expect(read).toHaveBeenLastCalledWith('nonhumanidentity:default/b', 2);
    expect((await documents.next()).done).toBe(true);
    expect(logger.info).toHaveBeenCalledWith(
      'NHI search: indexing the identities the inventory summary holds so far (still reading aws:prod)',
    );

    expect((await collect(factory)).map(d => d.name)).toEqual(['a', 'b', 'c']);
  });

  it('fails the collation when a page cannot be read, so the engine keeps its index', async () => {
    const factory = new NhiIdentityCollatorFactory({
      read: async after => {
        if (after) throw new Error('catalog answered 503');
        return { items: [exportItem('a')], nextCursor: 'x' };
      },
      logger,
    });
    await expect(collect(factory)).rejects.toThrow('catalog answered 503');
  });

  it('asks the catalog as a service with a token for it', async () => {
    const calls: Array<{ url: string; auth?: string }> = [];
    const realFetch = global.fetch;
    global.fetch = (async (url: string, init?: RequestInit) => {
      calls.push({
        url,
        auth: new Headers(init?.headers).get('authorization') ?? undefined,
      });
      return new Response(JSON.stringify({ items: [exportItem('a')] }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });
    }) as any;
    try {
      const factory = NhiIdentityCollatorFactory.fromConfig(
        new ConfigReader({ search: { collators: { nhi: { pageSize: 250 } } } }),
        {
          discovery: mockServices.discovery(),
          auth: mockServices.auth(),
          logger,
        },
      );
      expect((await collect(factory)).map(d => d.name)).toEqual(['a']);
    } finally {
      global.fetch = realFetch;
    }
    expect(calls).toEqual([
      {
        url: 'http://localhost:0/api/catalog/nhi/inventory/export?limit=250',
        auth: expect.stringMatching(/^Bearer .*catalog/),
      },
    ]);
  });

  it.each([0, 1001, 2.5])('refuses a page size of %p', pageSize => {
    expect(() =>
      readNhiCollatorPageSize(
        new ConfigReader({ search: { collators: { nhi: { pageSize } } } }),
      ),
    ).toThrow(
      `search.collators.nhi.pageSize must be a whole number from 1 to 1000, got ${pageSize}`,
    );
  });
});
