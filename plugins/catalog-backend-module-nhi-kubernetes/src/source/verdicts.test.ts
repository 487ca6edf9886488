import { ConfigReader } from '@backstage/config';
import {
  evaluateNonHumanIdentity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readKubernetesSourceConfigs } from '../config';
import {
  FakeKubernetesApi,
  generateKubernetesClusters,
  kube,
  startFakeKubernetesApi,
} from '../testUtils';
import { KubernetesSource } from './KubernetesSource';

// Each verdict a platform engineer would give, read from a generated
// cluster through the real @kubernetes/client-node over HTTP and evaluated
// by the rule catalog as the pipeline does.

jest.setTimeout(60_000);

const NOW = new Date('2026-11-28T00:00:00Z');
let records: NhiIdentityRecord[];
let api: FakeKubernetesApi;

beforeAll(async () => {
  const [prod] = generateKubernetesClusters({ serviceAccounts: 200, now: NOW });
  // A federated account that still holds a legacy token.
  prod.objects.secrets!.push(
    kube.tokenSecret('web', 'storefront-web-token', 'storefront-web-sa', {
      createdAt: '2026-01-10T00:00:00Z',
      lastUsed: '2026-11-20',
    }),
  );
  api = await startFakeKubernetesApi({ cluster: prod });
  const { sources } = readKubernetesSourceConfigs(
    new ConfigReader({
      nhi: {
        sources: {
          kubernetes: {
            verdicts: {
              clusters: [
                {
                  name: 'prod',
                  url: api.url,
                  skipTLSVerify: true,
                  environment: 'production',
                  auth: { serviceAccountToken: api.token },
                },
              ],
            },
          },
        },
      },
    }),
  );
  const read = await readSource(
    KubernetesSource.fromConfig(sources[0], { now: () => NOW }),
  );
  if (read.invalid.length || read.summary.errors.length) {
    throw new Error(
      `the read failed: ${JSON.stringify([read.invalid, read.summary.errors])}`,
    );
  }
  records = read.records;
});

afterAll(() => api.stop());

const record = (name: string) => {
  const r = records.find(x => x.name === name);
  if (!r) throw new Error(`no record ${name}`);
  return r;
};

/** The open findings the rule catalog gives the record, rule id → evidence. */
const findings = (name: string) => {
  const {
    name: _n,
    tags: _t,
    links: _l,
    description: _d,
    scope: _s,
    owner,
    ...spec
  } = record(name);
  const { findings: all } = evaluateNonHumanIdentity(
    {
      ...spec,
      ...(owner
        ? {
            owner: `group:default/${owner.value}`,
            ownership: {
              status: 'owned',
              provenance: 'tagged',
              taggedBy: owner.via,
            },
          }
        : { ownership: { status: 'unowned', provenance: 'none' } }),
    } as NonHumanIdentitySpec,
    { now: NOW },
  );
  return Object.fromEntries(all.map(f => [f.ruleId, f.evidence]));
};

describe('Kubernetes verdicts through the real client', () => {
  it('a cluster-admin binding: administrator (critical), saying which binding and that its pods hold the token', () => {
    const r = record('platform/deploy-bot-sa');
    expect(r.permissions?.admin).toBe(true);
    expect(findings('platform/deploy-bot-sa')['NHI-ADMIN']).toBe(
      'Cluster administrator: * on * in every API group, cluster-wide via ClusterRoleBinding deploy-bot-cluster-admin (ClusterRole cluster-admin); its token is mounted into the pods that run as it',
    );
    expect(r.owner).toEqual({ value: 'platform', via: 'workload label:team' });
    expect(r.usedBy).toEqual(['deploy-bot']);
    expect(r.lastUsed).toEqual({ at: '2026-11-28' });
  });

  it('a namespace-scoped admin is no cluster administrator: its escalation paths name the namespace', () => {
    const r = record('sandbox/scratch-admin');
    expect(r.permissions?.admin).toBe(false);
    expect(r.permissions?.summary).toBe(
      'Namespace-scoped only, not cluster-wide: ClusterRole admin in sandbox',
    );
    const f = findings('sandbox/scratch-admin');
    expect(f['NHI-ADMIN']).toBeUndefined();
    expect(f['NHI-PRIVILEGE-ESCALATION']).toMatch(
      /^escalation paths: impersonate serviceaccounts in sandbox, create pods in sandbox, create workloads in sandbox/,
    );
    // Nobody owns the sandbox, and nothing has run as it for the 600 days it exists.
    expect(r.owner).toBeUndefined();
    expect(f['NHI-NO-OWNER']).toBe('no owner');
    expect(f['NHI-DORMANT-IDENTITY']).toBe(
      'no use recorded in the 600 days its source tracks (created 2025-04-07)',
    );
  });

  it('a legacy token unused for 120 days: a dormant, never-rotated, non-expiring credential, while the CronJob keeps the account in use', () => {
    const r = record('payments/billing-worker-sa');
    expect(r.credentials).toEqual([
      {
        id: 'payments/billing-worker-token',
        kind: 'token',
        status: 'active',
        createdAt: '2025-07-16T00:00:00.000Z',
        lastRotatedAt: '2025-07-16T00:00:00.000Z',
        lastUsed: { at: '2026-07-31' },
      },
    ]);
    const f = findings('payments/billing-worker-sa');
    expect(f['NHI-DORMANT-CREDENTIAL']).toBe(
      'payments/billing-worker-token (last used 2026-07-31)',
    );
    expect(f['NHI-CREDENTIAL-NOT-ROTATED']).toMatch(
      /^payments\/billing-worker-token never-rotated \(policy token:90d/,
    );
    expect(f['NHI-NO-EXPIRY']).toBe('no expiry: payments/billing-worker-token');
    expect(f['NHI-DORMANT-IDENTITY']).toBeUndefined();
    expect(r.owner).toEqual({ value: 'payments', via: 'namespace label:team' });
  });

  it('an account nothing runs as, whose token was last used 200 days ago: dormant', () => {
    expect(record('payments/legacy-reconciler').lastUsed).toEqual({
      at: '2026-05-12',
    });
    expect(findings('payments/legacy-reconciler')['NHI-DORMANT-IDENTITY']).toBe(
      'last used 2026-05-12 (dormant after 90 days)',
    );
    expect(record('payments/legacy-reconciler').description).toContain(
      'No pod or workload runs as it.',
    );
  });

  it('a federated account per cloud: workload identity in its favour, no finding of its own', () => {
    expect(record('payments/payments-api-sa').federation).toEqual([
      {
        kind: 'workload-identity',
        target: 'arn:aws:iam::100000001112:role/payments-api-irsa',
      },
    ]);
    expect(record('data/ml-feature-store-sa').federation).toEqual([
      {
        kind: 'workload-identity',
        target: 'ml-feature-store@lumen-data.iam.gserviceaccount.com',
      },
    ]);
    expect(record('payments/payments-api-sa').credentials).toEqual([]);
    expect(record('payments/payments-api-sa').description).toContain(
      'Bound (projected) tokens are short-lived and cannot be listed',
    );
    expect(findings('payments/payments-api-sa')).toEqual({});
    // …and one that kept its legacy token beside the federation.
    expect(
      findings('web/storefront-web-sa')['NHI-K8S-TOKEN-BESIDE-FEDERATION'],
    ).toBe(
      'federated to 6f1d2a7e-3b4c-4d5e-8f90-a1b2c3d4e5f6; legacy token web/storefront-web-token still active',
    );
  });

  it("a namespace's default account bound to edit (an aggregated role) is flagged; other default accounts are not, nor called dormant", () => {
    const f = findings('shipping/default');
    expect(f['NHI-K8S-DEFAULT-SA-BOUND']).toBe(
      'default account of namespace shipping holds ClusterRole/edit in shipping',
    );
    // `edit` has no rules of its own: they come from the aggregated roles.
    expect(f['NHI-PRIVILEGE-ESCALATION']).toContain('create pods in shipping');
    expect(
      findings('payments/default')['NHI-K8S-DEFAULT-SA-BOUND'],
    ).toBeUndefined();
    expect(record('payments/default').lastUsed).toBeUndefined();
  });

  it('a CI account with escalation paths and a static token; a cluster-wide Secrets reader', () => {
    const ci = findings('platform/ci-runner-sa');
    expect(ci['NHI-PRIVILEGE-ESCALATION']).toBe(
      'escalation paths: rbac:bind, create pods in any namespace, create workloads in any namespace (deployments) and 2 more',
    );
    expect(record('platform/ci-runner-sa').permissions?.escalation).toEqual([
      'rbac:bind',
      'create pods in any namespace',
      'create workloads in any namespace (deployments)',
      'pods/exec in any namespace',
      'serviceaccounts/token create in any namespace',
    ]);
    expect(ci['NHI-STATIC-CI-CREDENTIAL']).toBe(
      'CI/CD uses static token platform/ci-runner-token',
    );
    expect(
      findings('platform/terraform-pipeline-sa')['NHI-DATA-EXFILTRATION'],
    ).toBe('actions: secrets:get on *, secrets:list on *, secrets:watch on *');
  });

  it('an account an AI agent made carries its provenance', () => {
    expect(record('ai-enablement/ops-agent-sa').createdBy).toMatchObject({
      type: 'agent',
      agent: {
        id: 'ops-agent',
        onBehalfOf: 'chen.li',
        reason: 'runbook automation',
        expiresAt: '2027-01-27',
      },
    });
    expect(record('ai-enablement/ops-agent-sa').environments).toEqual([
      'production',
    ]);
  });
});
