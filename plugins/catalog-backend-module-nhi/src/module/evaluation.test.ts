import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DAY,
  NHI_RULES,
  NonHumanIdentityEntity,
  readNhiEvaluationPolicy,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiEvaluation } from './evaluation';

const unowned = (name: string): NonHumanIdentityEntity => ({
  apiVersion: 'backstage-nhi.io/v1alpha1',
  kind: 'NonHumanIdentity',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'api-key',
    category: 'api-key',
    provider: 'datadog',
    externalId: name,
    ownership: { status: 'unowned', provenance: 'none' },
  },
});

describe('NhiEvaluation', () => {
  it('finds an identity unowned past the grace period from since when the claims backend has seen it unowned', () => {
    const evaluation = new NhiEvaluation(
      readNhiEvaluationPolicy(
        undefined,
        NHI_RULES.map(r => r.id),
      ),
    );
    const ruleIds = (e: NonHumanIdentityEntity) =>
      evaluation.evaluate(e).spec.risk!.findings.map(f => f.ruleId);
    expect(ruleIds(unowned('Old-Key'))).not.toContain('NHI-UNOWNED-PAST-GRACE');
    evaluation.update({
      unownedSince: new Map([
        [
          'nonhumanidentity:default/old-key',
          new Date(Date.now() - 31 * DAY).toISOString(),
        ],
        [
          'nonhumanidentity:default/new-key',
          new Date(Date.now() - 2 * DAY).toISOString(),
        ],
      ]),
    });
    expect(ruleIds(unowned('Old-Key'))).toContain('NHI-UNOWNED-PAST-GRACE');
    expect(evaluation.evaluate(unowned('Old-Key')).spec.risk!.level).toBe(
      'critical',
    );
    expect(ruleIds(unowned('new-key'))).not.toContain('NHI-UNOWNED-PAST-GRACE');
  });

  it('reads its policy from config and refuses a bad one at startup', () => {
    expect(NhiEvaluation.fromConfig(new ConfigReader({})).policy).toEqual(
      readNhiEvaluationPolicy(
        undefined,
        NHI_RULES.map(r => r.id),
      ),
    );
    expect(() =>
      NhiEvaluation.fromConfig(
        new ConfigReader({
          nhi: {
            evaluation: { rules: { 'NHI-NO-SUCH-RULE': { enabled: false } } },
          },
        }),
      ),
    ).toThrow(InputError);
  });
});
