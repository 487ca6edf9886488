import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  FactRetrieverContext,
  TechInsightFact,
} from '@backstage-community/plugin-tech-insights-node';
import { entities, identities, NOW } from '../__fixtures__/catalog';
import { createNhiFactRetrievers, NhiFactRetrieverOptions } from './retrievers';
import {
  NHI_COMPONENT_FACT_RETRIEVER_ID,
  NHI_GROUP_FACT_RETRIEVER_ID,
  NHI_IDENTITY_FACT_RETRIEVER_ID,
  nhiComponentFactSchema,
  nhiGroupFactSchema,
  nhiIdentityFactSchema,
} from './schema';

function setup(
  catalog = catalogServiceMock({ entities }),
  source: NhiFactRetrieverOptions['identities'] = 'catalog',
) {
  const stream = jest.spyOn(catalog, 'streamEntities');
  const retrievers = createNhiFactRetrievers({
    catalog,
    now: () => NOW,
    pageSize: 3,
    identities: source,
  });
  const logger = mockServices.logger.mock();
  const ctx: FactRetrieverContext = {
    config: new ConfigReader({}),
    discovery: mockServices.discovery(),
    logger,
    auth: mockServices.auth(),
    urlReader: mockServices.urlReader.mock(),
  };
  const run = async (id: string) => {
    const facts = await retrievers[id].handler(ctx);
    return Object.fromEntries(
      facts.map((f: TechInsightFact) => [
        `${f.entity.kind}:${f.entity.namespace}/${f.entity.name}`,
        f.facts,
      ]),
    );
  };
  return { catalog, stream, retrievers, run, logger };
}

const zero = {
  identities: 0,
  critical: 0,
  high: 0,
  unowned: 0,
  dormant: 0,
  overdueRotation: 0,
  leaked: 0,
  admin: 0,
  agentsWithoutExpiry: 0,
  ownershipCoverage: 100,
  oldestCredentialAgeDays: 0,
  credentials: 0,
  credentialsPastPolicy: 0,
  credentialsWithinPolicy: 100,
  dormantShare: 0,
  criticalPer100: 0,
};

describe('nhiComponentFactRetriever', () => {
  it('writes facts for every component, zero-valued for one with no identities', async () => {
    const { run } = setup();
    expect(await run(NHI_COMPONENT_FACT_RETRIEVER_ID)).toEqual({
      'Component:default/payments-api': {
        identities: 5,
        critical: 2,
        high: 3,
        unowned: 1,
        dormant: 2,
        overdueRotation: 3,
        leaked: 1,
        admin: 1,
        agentsWithoutExpiry: 1,
        ownershipCoverage: 80,
        oldestCredentialAgeDays: 365,
        credentials: 5,
        credentialsPastPolicy: 3,
        credentialsWithinPolicy: 40,
        dormantShare: 40,
        criticalPer100: 40,
      },
      'Component:default/tracking-api': {
        ...zero,
        identities: 2,
        oldestCredentialAgeDays: 272,
        credentials: 2,
      },
      'Component:default/ci-runner': {
        identities: 3,
        critical: 1,
        high: 1,
        unowned: 1,
        dormant: 2,
        overdueRotation: 2,
        leaked: 0,
        admin: 1,
        agentsWithoutExpiry: 0,
        ownershipCoverage: 66.66,
        oldestCredentialAgeDays: 1335,
        credentials: 4,
        credentialsPastPolicy: 2,
        credentialsWithinPolicy: 50,
        // rounded up, so that 66.666 % never passes as 66.66 %
        dormantShare: 66.67,
        criticalPer100: 33.34,
      },
      // No identity uses it: zero facts, so its checks pass instead of
      // being skipped. ghost-service is not in the catalog: no facts.
      'Component:default/docs-site': zero,
    });
  });

  it('reads the catalog in two bulk streams with only the fields it needs', async () => {
    const { catalog, stream, run } = setup();
    const perEntity = [
      jest.spyOn(catalog, 'getEntityByRef'),
      jest.spyOn(catalog, 'getEntitiesByRefs'),
      jest.spyOn(catalog, 'getEntities'),
    ];
    await run(NHI_COMPONENT_FACT_RETRIEVER_ID);
    expect(stream).toHaveBeenCalledTimes(2);
    const requests = stream.mock.calls.map(([request]) => request);
    expect(requests).toContainEqual(
      expect.objectContaining({
        filter: { kind: 'NonHumanIdentity' },
        // Not spec.permissions, spec.risk.findings and the rest.
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'spec.owner',
          'spec.ownership.status',
          'spec.usedBy',
          'spec.risk.level',
          'spec.risk.score',
          'spec.risk.findings',
          'spec.rotation',
          'spec.credentials',
        ],
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        filter: { kind: 'Component' },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
      }),
    );
    for (const spy of perEntity) expect(spy).not.toHaveBeenCalled();
    // Service credentials, not a user's.
    expect(stream.mock.calls[0][1]).toEqual({
      credentials: expect.objectContaining({
        principal: expect.objectContaining({ type: 'service' }),
      }),
    });
  });

  it('stamps facts with the time they were computed at', async () => {
    const { retrievers } = setup();
    const [first] = await retrievers[NHI_COMPONENT_FACT_RETRIEVER_ID].handler({
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
    } as unknown as FactRetrieverContext);
    expect(first.timestamp?.toMillis()).toBe(NOW.getTime());
  });

  it('fails the run when a read fails, so the previous facts stay', async () => {
    const catalog = catalogServiceMock({ entities });
    const real = catalog.streamEntities.bind(catalog);
    jest
      .spyOn(catalog, 'streamEntities')
      .mockImplementation(async function* broken(request, options) {
        if (request?.filter && 'kind' in request.filter) {
          if (request.filter.kind === 'NonHumanIdentity') {
            yield* real(request, options);
            return;
          }
        }
        throw new Error('catalog unavailable');
      });
    const { run } = setup(catalog);
    await expect(run(NHI_COMPONENT_FACT_RETRIEVER_ID)).rejects.toThrow(
      'catalog unavailable',
    );
  });

  it('declares every fact it writes in its schema', async () => {
    const { run } = setup();
    const facts = await run(NHI_COMPONENT_FACT_RETRIEVER_ID);
    for (const row of Object.values(facts)) {
      expect(Object.keys(row).sort()).toEqual(
        Object.keys(nhiComponentFactSchema).sort(),
      );
    }
  });
});

describe('nhiGroupFactRetriever', () => {
  it('writes facts for every group about the identities it owns directly', async () => {
    const { run, stream } = setup();
    expect(await run(NHI_GROUP_FACT_RETRIEVER_ID)).toEqual({
      'Group:default/payments': {
        identities: 4,
        critical: 1,
        high: 2,
        dormant: 0,
        overdueRotation: 2,
        leaked: 1,
        admin: 0,
        agentsWithoutExpiry: 1,
        oldestCredentialAgeDays: 365,
        // pay-legacy-batch: unowned, used by payments-api
        unownedUsed: 1,
        // 4 owned of the 5 it answers for
        ownershipCoverage: 80,
        credentials: 4,
        credentialsPastPolicy: 2,
        credentialsWithinPolicy: 50,
        dormantShare: 0,
        criticalPer100: 25,
      },
      'Group:default/platform': {
        identities: 4,
        critical: 1,
        high: 0,
        dormant: 2,
        overdueRotation: 1,
        leaked: 0,
        admin: 1,
        agentsWithoutExpiry: 0,
        oldestCredentialAgeDays: 272,
        // ci-deployer: unowned, used by ci-runner
        unownedUsed: 1,
        ownershipCoverage: 80,
        // shared-svc-account has no credential to count
        credentials: 3,
        credentialsPastPolicy: 1,
        credentialsWithinPolicy: 66.66,
        dormantShare: 50,
        criticalPer100: 25,
      },
      // Nothing to grade: no identities, none unowned used by its
      // components. Its checks are left out, not passed.
      'Group:default/design': { identities: 0, unownedUsed: 0 },
    });
    // identities, groups, and components with their owners
    expect(stream).toHaveBeenCalledTimes(3);
    expect(Object.keys(nhiGroupFactSchema)).not.toContain('unowned');
  });
});

describe('reading identities from the catalog module’s inventory export', () => {
  /** The identities as the export hands them: lean, with their credentials. */
  const exported = identities.map(e => {
    const { permissions: _p, ...spec } = e.spec as Record<string, unknown>;
    return { kind: e.kind, metadata: e.metadata, spec };
  });

  it('grades teams on the credentials the export holds, a page at a time, without reading identities from the catalog', async () => {
    const read = jest.fn(async (after: string | undefined, limit: number) => {
      const start = after ? Number(after) : 0;
      return {
        items: exported.slice(start, start + limit) as any,
        ...(start + limit < exported.length
          ? { nextCursor: String(start + limit) }
          : {}),
      };
    });
    const { run, stream } = setup(catalogServiceMock({ entities }), read);
    const facts = await run(NHI_GROUP_FACT_RETRIEVER_ID);
    expect(facts['Group:default/payments']).toMatchObject({
      identities: 4,
      credentialsWithinPolicy: 50,
      ownershipCoverage: 80,
    });
    expect(read).toHaveBeenCalledTimes(4); // 11 identities, 3 a page
    // groups and components only: the identities came from the export
    expect(
      stream.mock.calls.map(([request]) => (request?.filter as any)?.kind),
    ).toEqual(['Group', 'Component']);
  });

  it('falls back to the catalog when the catalog module has no export, and says so', async () => {
    const notFound = Object.assign(new Error('Not Found'), {
      response: { status: 404 },
    });
    const { run, stream, logger } = setup(
      catalogServiceMock({ entities }),
      async () => {
        throw notFound;
      },
    );
    const facts = await run(NHI_GROUP_FACT_RETRIEVER_ID);
    expect(facts['Group:default/platform']).toMatchObject({ identities: 4 });
    expect(stream).toHaveBeenCalledTimes(3);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('the catalog has no inventory export'),
    );
  });

  it('fails the run when the export fails otherwise, so the previous facts stay', async () => {
    const { run } = setup(catalogServiceMock({ entities }), async () => {
      throw Object.assign(new Error('Service Unavailable'), {
        response: { status: 503 },
      });
    });
    await expect(run(NHI_GROUP_FACT_RETRIEVER_ID)).rejects.toThrow(
      'Service Unavailable',
    );
  });
});

describe('nhiIdentityFactRetriever', () => {
  it('writes one row per identity from one bulk stream', async () => {
    const { run, stream } = setup();
    const facts = await run(NHI_IDENTITY_FACT_RETRIEVER_ID);
    expect(Object.keys(facts)).toHaveLength(11);
    expect(stream).toHaveBeenCalledTimes(1);
    expect(facts['NonHumanIdentity:default/ci-deployer']).toEqual({
      riskLevel: 'high',
      riskScore: 35,
      overdueRotation: true,
      dormant: true,
      leaked: false,
      admin: false,
      agentWithoutExpiry: false,
      unowned: true,
      oldestCredentialAgeDays: 1335,
      credentials: 2,
      credentialsPastPolicy: 1,
    });
    expect(facts['NonHumanIdentity:default/pay-agent']).toMatchObject({
      agentWithoutExpiry: true,
      unowned: false,
      oldestCredentialAgeDays: 1,
    });
    expect(
      Object.keys(facts['NonHumanIdentity:default/ci-bot']).sort(),
    ).toEqual(Object.keys(nhiIdentityFactSchema).sort());
  });
});

describe('the fact schemas', () => {
  it('name the rotation statuses and risk levels the facts count', () => {
    expect(nhiComponentFactSchema.overdueRotation.description).toBe(
      'Identities the component uses with a credential past its rotation policy (rotation status overdue, never-rotated or expired)',
    );
    expect(nhiIdentityFactSchema.overdueRotation.description).toBe(
      'A credential is past its rotation policy (rotation status overdue, never-rotated or expired)',
    );
    expect(nhiIdentityFactSchema.riskLevel.description).toBe(
      'Risk level: critical, high, medium, low or none (its worst open finding)',
    );
  });
});
