import { mockServices } from '@backstage/backend-test-utils';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  JSON_RULE_ENGINE_CHECK_TYPE,
  JsonRulesEngineFactChecker,
  TechInsightJsonRuleCheck,
} from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
import {
  FactRetriever,
  FactRetrieverContext,
  FlatTechInsightFact,
  TechInsightsStore,
} from '@backstage-community/plugin-tech-insights-node';
import { FactSchema } from '@backstage-community/plugin-tech-insights-common';
import fs from 'fs';
import path from 'path';
import { DateTime } from 'luxon';
import { entities, NOW } from '../__fixtures__/catalog';
import { createNhiFactRetrievers } from '../retrievers/retrievers';
import {
  nhiChecksConfig,
  nhiComponentChecks,
  nhiDefaultChecks,
  nhiGroupChecks,
  nhiGroupGradedChecks,
  nhiGroupStrictChecks,
  nhiIdentityChecks,
} from './checks';
import { nhiOperators } from './operators';

/**
 * A TechInsightsStore holding the latest facts of each retriever, as the
 * tech-insights database returns them (schemas spread with their id and
 * version, like the real `getLatestSchemas`).
 */
async function storeFromRetrievers(
  retrievers: FactRetriever[],
): Promise<TechInsightsStore> {
  const ctx = {
    auth: mockServices.auth(),
    logger: mockServices.logger.mock(),
  } as unknown as FactRetrieverContext;
  const rows = new Map<string, Record<string, FlatTechInsightFact>>();
  const schemas = new Map<string, FactSchema>();
  for (const r of retrievers) {
    schemas.set(r.id, { id: r.id, version: r.version, ...r.schema } as any);
    for (const fact of await r.handler(ctx)) {
      const ref = stringifyEntityRef(fact.entity);
      rows.set(ref, { ...rows.get(ref), [r.id]: { id: r.id, ...fact } });
    }
  }
  return {
    async getLatestFactsByIds(ids, entity) {
      const found = rows.get(entity) ?? {};
      return Object.fromEntries(
        Object.entries(found).filter(([id]) => ids.includes(id)),
      );
    },
    async getLatestSchemas(ids) {
      return [...schemas.entries()]
        .filter(([id]) => !ids || ids.includes(id))
        .map(([, s]) => s);
    },
  } as Partial<TechInsightsStore> as TechInsightsStore;
}

/**
 * Another team's retriever with a fact of the same name as an NHI fact, on
 * the same entities: a vulnerability count called `critical`.
 */
const vulnerabilityRetriever: FactRetriever = {
  id: 'vulnerabilityFactRetriever',
  version: '1.0.0',
  schema: { critical: { type: 'integer', description: 'Critical CVEs' } },
  handler: async () =>
    ['payments-api', 'tracking-api', 'ci-runner', 'docs-site'].map(name => ({
      entity: { namespace: 'default', kind: 'Component', name },
      facts: { critical: 7 },
      timestamp: DateTime.fromJSDate(NOW),
    })),
};

const vulnerabilityCheck: TechInsightJsonRuleCheck = {
  id: 'no-critical-cves',
  type: JSON_RULE_ENGINE_CHECK_TYPE,
  name: 'No critical CVEs',
  description: 'No critical CVEs',
  factIds: ['vulnerabilityFactRetriever'],
  rule: {
    conditions: {
      all: [{ fact: 'critical', operator: 'lessThan', value: 100 }],
    },
  },
};

describe('NHI checks run through the json-rules-engine fact checker', () => {
  let checker: JsonRulesEngineFactChecker;

  beforeAll(async () => {
    const retrievers = createNhiFactRetrievers({
      catalog: catalogServiceMock({ entities }),
      now: () => NOW,
      identities: 'catalog',
    });
    checker = new JsonRulesEngineFactChecker({
      // A copy: the fact checker writes rule.name into the checks it runs.
      checks: structuredClone([
        ...nhiDefaultChecks,
        // as techInsightsModuleNhiFactChecker adds them, at their defaults
        ...nhiGroupGradedChecks(),
        ...nhiIdentityChecks,
        vulnerabilityCheck,
      ]),
      repository: await storeFromRetrievers([
        ...Object.values(retrievers),
        // Last, so that a merge of facts by name would let it win.
        vulnerabilityRetriever,
      ]),
      logger: mockServices.logger.mock(),
      operators: nhiOperators,
    });
  });

  async function results(entityRef: string) {
    const all = await checker.runChecks(entityRef);
    return Object.fromEntries(
      all
        .filter(r => r.check.id.startsWith('nhi-'))
        .map(r => [r.check.id, r.result]),
    );
  }

  it('passes every component check for a clean component', async () => {
    expect(await results('component:default/tracking-api')).toEqual({
      'nhi-component-no-critical-identities': true,
      'nhi-component-rotation-within-policy': true,
      'nhi-component-no-dormant-credentials': true,
      'nhi-component-identities-owned': true,
      'nhi-component-no-leaked-credentials': true,
      'nhi-component-agents-expire': true,
      'nhi-component-ownership-coverage': true,
    });
  });

  it('fails every component check for a messy component', async () => {
    expect(await results('component:default/payments-api')).toEqual({
      'nhi-component-no-critical-identities': false,
      'nhi-component-rotation-within-policy': false,
      'nhi-component-no-dormant-credentials': false,
      'nhi-component-identities-owned': false,
      'nhi-component-no-leaked-credentials': false,
      'nhi-component-agents-expire': false,
      // 80 % < 90 %.
      'nhi-component-ownership-coverage': false,
    });
  });

  it('judges each fact separately', async () => {
    expect(await results('component:default/ci-runner')).toEqual({
      'nhi-component-no-critical-identities': false,
      'nhi-component-rotation-within-policy': false,
      'nhi-component-no-dormant-credentials': false,
      'nhi-component-identities-owned': false,
      'nhi-component-no-leaked-credentials': true,
      'nhi-component-agents-expire': true,
      'nhi-component-ownership-coverage': false,
    });
  });

  it('passes a component that uses no identities instead of skipping it', async () => {
    const docs = await results('component:default/docs-site');
    expect(Object.keys(docs)).toHaveLength(nhiComponentChecks.length);
    expect(Object.values(docs).every(Boolean)).toBe(true);
  });

  it('grades groups on measures, and leaves a group with no identities ungraded', async () => {
    expect(await results('group:default/payments')).toEqual({
      // 4 owned of the 5 it answers for: 80 % < 90 %
      'nhi-group-ownership-coverage': false,
      // 2 of its 4 credentials past policy: 50 % < 90 %
      'nhi-group-credentials-within-policy': false,
      'nhi-group-dormant-share': true,
      // 1 critical of 4: 25 per 100 > 1
      'nhi-group-critical-per-100': false,
      'nhi-group-no-leaked-credentials': false,
      'nhi-group-agents-expire': false,
    });
    // the graded checks are added by the fact checker module, not configured
    expect(nhiGroupChecks.map(c => c.id)).toEqual([
      'nhi-group-no-leaked-credentials',
      'nhi-group-agents-expire',
    ]);
    // design owns nothing and its components use nothing unowned: no
    // results at all ("no identities"), not six passes
    expect(await results('group:default/design')).toEqual({});
  });

  it('tells a team that meets the bar from one that does not, with thresholds from config', async () => {
    const thresholds = {
      ownershipCoverage: 75,
      credentialsWithinPolicy: 60,
      dormantShare: 50,
      criticalPer100: 30,
    };
    const graded = new JsonRulesEngineFactChecker({
      checks: structuredClone(nhiGroupGradedChecks(thresholds)),
      repository: await storeFromRetrievers(
        Object.values(
          createNhiFactRetrievers({
            catalog: catalogServiceMock({ entities }),
            now: () => NOW,
            identities: 'catalog',
          }),
        ),
      ),
      logger: mockServices.logger.mock(),
      operators: nhiOperators,
    });
    const passed = async (ref: string) =>
      Object.fromEntries(
        (await graded.runChecks(ref)).map(r => [r.check.id, r.result]),
      );
    // platform: coverage 80 %, 66.66 % within policy, 50 % dormant, 25
    // critical per 100
    expect(Object.values(await passed('group:default/platform'))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // payments: half its credentials are past policy
    expect(await passed('group:default/payments')).toEqual({
      'nhi-group-ownership-coverage': true,
      'nhi-group-credentials-within-policy': false,
      'nhi-group-dormant-share': true,
      'nhi-group-critical-per-100': true,
    });
    expect(nhiGroupGradedChecks(thresholds).map(c => [c.id, c.name])).toEqual([
      ['nhi-group-ownership-coverage', 'Ownership coverage at least 75%'],
      [
        'nhi-group-credentials-within-policy',
        'Credentials within rotation policy: at least 60%',
      ],
      ['nhi-group-dormant-share', 'Dormant identities at most 50%'],
      ['nhi-group-critical-per-100', 'At most 30 critical per 100 identities'],
    ]);
  });

  it('runs the identity checks on identities', async () => {
    expect(await results('nonhumanidentity:default/ci-deployer')).toEqual({
      'nhi-identity-not-critical': true,
      'nhi-identity-rotation-within-policy': false,
      'nhi-identity-not-dormant': false,
      'nhi-identity-has-owner': false,
      'nhi-identity-not-leaked': true,
      'nhi-identity-agent-expires': true,
    });
    expect(await results('nonhumanidentity:default/pay-db-user')).toMatchObject(
      { 'nhi-identity-not-critical': false, 'nhi-identity-not-leaked': false },
    );
    const clean = await results('nonhumanidentity:default/track-cert');
    expect(Object.values(clean)).toEqual(Array(6).fill(true));
  });

  it('reads its own facts, not another retriever’s of the same name', async () => {
    // The vulnerability retriever says critical: 7 for tracking-api.
    const all = await checker.runChecks('component:default/tracking-api');
    expect(all.find(r => r.check.id === 'no-critical-cves')?.result).toBe(true);
    expect(
      all.find(r => r.check.id === 'nhi-component-no-critical-identities')
        ?.result,
    ).toBe(true);
  });

  it('reports the fact values it judged', async () => {
    const [coverage] = await checker.runChecks('component:default/ci-runner', [
      'nhi-component-ownership-coverage',
    ]);
    expect(coverage.facts.ownershipCoverage).toMatchObject({
      value: 66.66,
      type: 'float',
    });
  });
});

describe('nhiDefaultChecks', () => {
  it('are all valid json-rules-engine checks with nhi- ids', async () => {
    const ids = [
      ...nhiDefaultChecks,
      ...nhiIdentityChecks,
      ...nhiGroupStrictChecks,
      ...nhiGroupGradedChecks(),
    ].map(c => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^nhi-[a-z0-9-]+$/);
    const checker = new JsonRulesEngineFactChecker({
      checks: [],
      repository: await storeFromRetrievers(
        Object.values(
          createNhiFactRetrievers({
            catalog: catalogServiceMock(),
            identities: 'catalog',
          }),
        ),
      ),
      logger: mockServices.logger.mock(),
      operators: nhiOperators,
    });
    for (const check of structuredClone([
      ...nhiDefaultChecks,
      ...nhiIdentityChecks,
      ...nhiGroupStrictChecks,
      ...nhiGroupGradedChecks(),
    ])) {
      expect({ id: check.id, ...(await checker.validate(check)) }).toEqual({
        id: check.id,
        valid: true,
      });
    }
  });
});

/**
 * YAML for the plain data of checks, in the style prettier keeps: block
 * mappings and sequences, strings quoted only when they must be.
 */
function toYaml(value: unknown, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const scalar = (v: unknown): string => {
    if (typeof v !== 'string') return String(v);
    const plain =
      /^[A-Za-z][^:#'"\n]*$/.test(v) &&
      !/\s$/.test(v) &&
      !/^(true|false|null|yes|no|on|off|~)$/i.test(v);
    return plain ? v : `'${v.replace(/'/g, "''")}'`;
  };
  if (Array.isArray(value)) {
    return value.flatMap(item => {
      if (item === null || typeof item !== 'object') {
        return [`${pad}- ${scalar(item)}`];
      }
      const [first, ...rest] = toYaml(item, indent + 2);
      return [`${pad}- ${first.trimStart()}`, ...rest];
    });
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    if (v === undefined) return [];
    if (v !== null && typeof v === 'object') {
      return [`${pad}${k}:`, ...toYaml(v, indent + 2)];
    }
    return [`${pad}${k}: ${scalar(v)}`];
  });
}

describe('the README', () => {
  const readme = () =>
    fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const block = (checks: TechInsightJsonRuleCheck[]) =>
    [
      '```yaml',
      ...toYaml({
        techInsights: { factChecker: { checks: nhiChecksConfig(checks) } },
      }),
      '```',
    ].join('\n');

  it('has the default checks as YAML, the same as nhiDefaultChecks', () => {
    expect(readme()).toContain(block(nhiDefaultChecks));
  });

  it('has the identity checks as YAML, the same as nhiIdentityChecks', () => {
    expect(readme()).toContain(block(nhiIdentityChecks));
  });
});
