import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DAY,
  NHI_RULES,
  NonHumanIdentityEntity,
  readNhiEvaluationPolicy,
} from '@backstage-nhi/plugin-nhi-common';
import { LeakIndex } from '../lib/leaks';
import { createEnrichmentLoader } from './enrichment';
import { NhiEvaluation } from './evaluation';

const unowned: NonHumanIdentityEntity = {
  apiVersion: 'backstage-nhi.io/v1alpha1',
  kind: 'NonHumanIdentity',
  metadata: { name: 'old-key', namespace: 'default' },
  spec: {
    type: 'api-key',
    category: 'api-key',
    provider: 'datadog',
    externalId: 'old-key',
    ownership: { status: 'unowned', provenance: 'none' },
  },
};

function setup() {
  const evaluation = new NhiEvaluation(
    readNhiEvaluationPolicy(
      undefined,
      NHI_RULES.map(r => r.id),
    ),
  );
  const feeds = {
    readApprovedClaims: jest.fn(async () => [
      {
        entityRef: 'nonhumanidentity:default/old-key',
        owner: 'group:default/shipping',
        claimedBy: 'user:default/ana',
        approvedBy: 'user:default/lead',
        approvedAt: '2026-12-01T00:00:00.000Z',
      },
    ]),
    readAcceptedRisks: jest.fn(async () => new Map()),
    readUnownedSince: jest.fn(async () => new Map<string, string>()),
  };
  const loader = createEnrichmentLoader({
    catalog: catalogServiceMock({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Group',
          metadata: { name: 'shipping', namespace: 'default' },
          spec: { type: 'team', children: [] },
        },
      ],
    }),
    auth: mockServices.auth(),
    declaringKinds: ['Component'],
    feeds,
    leakReports: {
      read: async () => ({ index: LeakIndex.empty(), warnings: [] }),
    },
    ownership: { aliases: {}, agentSponsor: 'owner' },
    evaluation,
  });
  const ruleIds = () =>
    evaluation.evaluate(unowned).spec.risk!.findings.map(f => f.ruleId);
  return { loader, feeds, ruleIds };
}

describe('createEnrichmentLoader', () => {
  it('reads the catalog and the claims in bulk, counted for re-resolution', async () => {
    const { loader } = setup();
    const loaded = await loader.loadContext();
    expect(loaded.counts).toEqual({ directoryEntities: 1, declarations: 0 });
    expect(loaded.stats).toMatchObject({
      directoryEntities: 1,
      declarations: 0,
      claims: 1,
      leaks: 0,
    });
    expect(
      loaded.context.claims.get('nonhumanidentity:default/old-key'),
    ).toMatchObject({ owner: 'group:default/shipping' });
    expect(loaded.warnings).toEqual([]);
    expect(await loader.countEnrichment()).toEqual(loaded.counts);
  });

  it('feeds the evaluation, and keeps its last read with a warning when a feed fails', async () => {
    const { loader, feeds, ruleIds } = setup();
    feeds.readUnownedSince.mockResolvedValueOnce(
      new Map([
        [
          'nonhumanidentity:default/old-key',
          new Date(Date.now() - 31 * DAY).toISOString(),
        ],
      ]),
    );
    await loader.loadContext();
    expect(ruleIds()).toContain('NHI-UNOWNED-PAST-GRACE');

    feeds.readUnownedSince.mockRejectedValueOnce(new Error('backend down'));
    feeds.readAcceptedRisks.mockRejectedValueOnce(new Error('backend down'));
    const loaded = await loader.loadContext();
    expect(loaded.warnings.map(w => w.message)).toEqual([
      'accepted risks could not be read from the claims backend, the last ones read are used: backend down',
      'since when identities are unowned could not be read from the claims backend, the last read is used: backend down',
    ]);
    expect(ruleIds()).toContain('NHI-UNOWNED-PAST-GRACE');
  });

  it('fails when the approved claims cannot be read, so that claimed owners are never dropped', async () => {
    const { loader, feeds } = setup();
    feeds.readApprovedClaims.mockRejectedValueOnce(new Error('backend down'));
    await expect(loader.loadContext()).rejects.toThrow('backend down');
  });
});
