import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  FactRetrieverContext,
  TechInsightFact,
} from '@backstage-community/plugin-tech-insights-node';
import { entities, NOW } from '../__fixtures__/catalog';
import { createNhiFactRetrievers } from './retrievers';
import {
  NHI_COMPONENT_FACT_RETRIEVER_ID,
  NHI_GROUP_FACT_RETRIEVER_ID,
  NHI_IDENTITY_FACT_RETRIEVER_ID,
  nhiComponentFactSchema,
  nhiGroupFactSchema,
  nhiIdentityFactSchema,
} from './schema';

function setup(catalog = catalogServiceMock({ entities })) {
  const stream = jest.spyOn(catalog, 'streamEntities');
  const retrievers = createNhiFactRetrievers({
    catalog,
    now: () => NOW,
    pageSize: 3,
  });
  const ctx: FactRetrieverContext = {
    config: new ConfigReader({}),
    discovery: mockServices.discovery(),
    logger: mockServices.logger.mock(),
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
  return { catalog, stream, retrievers, run };
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
      },
      'Component:default/tracking-api': {
        ...zero,
        identities: 2,
        oldestCredentialAgeDays: 272,
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
      },
      'Group:default/design': {
        identities: 0,
        critical: 0,
        high: 0,
        dormant: 0,
        overdueRotation: 0,
        leaked: 0,
        admin: 0,
        agentsWithoutExpiry: 0,
        oldestCredentialAgeDays: 0,
        unownedUsed: 0,
      },
    });
    // identities, groups, and components with their owners
    expect(stream).toHaveBeenCalledTimes(3);
    expect(Object.keys(nhiGroupFactSchema)).not.toContain('unowned');
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
