import { ConfigReader, JsonObject } from '@backstage/config';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { testCertificates } from '../__testUtils__/certificates';
import { readKubernetesSourceConfigs } from '../config';
import {
  FakeKubernetesApi,
  FakeKubernetesApiOptions,
  generateKubernetesClusters,
  kube,
  kubernetesCluster,
  startFakeKubernetesApi,
} from '../testUtils';
import { KubernetesSource } from './KubernetesSource';

jest.setTimeout(120_000);

const NOW = new Date('2026-11-28T00:00:00Z');
const apis: FakeKubernetesApi[] = [];

afterEach(async () => {
  await Promise.all(apis.splice(0).map(a => a.stop()));
});

async function serve(options: FakeKubernetesApiOptions) {
  const api = await startFakeKubernetesApi(options);
  apis.push(api);
  return api;
}

/** A source over the given clusters, as app-config would give them. */
function source(config: JsonObject, extra: JsonObject = {}) {
  const { sources } = readKubernetesSourceConfigs(
    new ConfigReader({
      nhi: { sources: { kubernetes: { test: config } } },
      ...extra,
    }),
  );
  return KubernetesSource.fromConfig(sources[0], {
    retryBaseDelayMs: 1,
    now: () => NOW,
  });
}

const cluster = (api: FakeKubernetesApi, name: string, extra = {}) => ({
  name,
  url: api.url,
  skipTLSVerify: true,
  auth: { serviceAccountToken: api.token },
  ...extra,
});

const ids = (records: NhiIdentityRecord[]) =>
  records.map(r => r.externalId).sort();

/** The external ids the source should emit for a cluster model. */
const expectedIds = (model: ReturnType<typeof generateKubernetesClusters>[0]) =>
  (model.objects.serviceaccounts ?? [])
    .map(o => `k8s:${model.name}:${o.metadata.namespace}:${o.metadata.name}`)
    .sort();

describe('KubernetesSource over HTTP with the real @kubernetes/client-node', () => {
  const [prod, staging] = generateKubernetesClusters({
    serviceAccounts: 600,
    now: NOW,
  });

  it('reads every service account of two clusters with one paginated list per resource type', async () => {
    const a = await serve({ cluster: prod });
    const b = await serve({ cluster: staging });
    const { records, summary, invalid, batchSizes } = await readSource(
      source({
        clusters: [cluster(a, 'prod'), cluster(b, 'staging')],
        pageSize: 100,
      }),
    );
    expect(invalid).toEqual([]);
    expect(summary).toMatchObject({
      complete: true,
      completeScopes: ['prod', 'staging'],
      errors: [],
    });
    expect(ids(records)).toEqual(
      [...expectedIds(prod), ...expectedIds(staging)].sort(),
    );
    expect(new Set(records.map(r => r.scope))).toEqual(
      new Set(['prod', 'staging']),
    );
    expect(batchSizes.every(n => n > 0 && n <= 1000)).toBe(true);

    // Never a request per service account: only lists, each paged.
    for (const api of [a, b]) {
      expect(
        api.requests.filter(
          r => !/^GET \/(api\/v1|apis\/[\w.]+\/v1)\/[a-z]+\?/.test(r),
        ),
      ).toEqual([
        'GET /api/v1/namespaces/kube-system/configmaps/kube-apiserver-legacy-service-account-token-tracking',
      ]);
    }
    const accounts = prod.objects.serviceaccounts!.length;
    expect(a.calls.serviceaccounts).toBe(Math.ceil(accounts / 100));
    expect(summary.stats!.apiCalls).toBe(a.totalCalls() + b.totalCalls());
    expect(summary.stats!.apiCalls / records.length).toBeLessThanOrEqual(0.1);
    // The field selector keeps other Secrets off the wire.
    expect(a.requests.find(r => r.includes('/secrets?'))).toContain(
      'fieldSelector=type%3Dkubernetes.io%2Fservice-account-token',
    );
  });

  it('restarts a list from its first page when its continue token expired (410 Gone)', async () => {
    const a = await serve({
      cluster: prod,
      faults: { expireContinue: { serviceaccounts: 1, pods: 2 } },
    });
    const { records, summary } = await readSource(
      source({ clusters: [cluster(a, 'prod')], pageSize: 50 }),
    );
    expect(summary.complete).toBe(true);
    expect(ids(records)).toEqual(expectedIds(prod));
    expect(a.refused.expired).toBe(3);
    expect(summary.stats).toMatchObject({ listRestarts: 3 });
    // Each restart began again without a continue token.
    const firstPages = a.requests.filter(
      r =>
        r.startsWith('GET /api/v1/serviceaccounts?') &&
        !r.includes('continue='),
    );
    expect(firstPages).toHaveLength(2);
  });

  it('gives up on a list whose token keeps expiring, and says so', async () => {
    const a = await serve({
      cluster: prod,
      faults: { expireContinue: { pods: 10 } },
    });
    const { records, summary } = await readSource(
      source({ clusters: [cluster(a, 'prod')], pageSize: 50 }),
    );
    expect(records).toHaveLength(prod.objects.serviceaccounts!.length);
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual(['prod']);
    expect(summary.errors).toEqual([
      {
        scope: 'prod',
        message: expect.stringMatching(
          /^cluster prod: the workloads that run as its service accounts are unknown: listing pods failed: 410 Expired: The provided continue parameter is too old/,
        ),
      },
    ]);
    expect(
      records.find(r => r.name === 'payments/payments-api-sa')?.description,
    ).toContain('Workloads unknown: pods could not be listed (410 Expired');
  });

  it('waits out throttling (429 with Retry-After) and reads everything', async () => {
    const a = await serve({
      cluster: prod,
      faults: { throttleRate: 0.3, seed: 7 },
    });
    const { records, summary } = await readSource(
      source({
        clusters: [cluster(a, 'prod')],
        pageSize: 100,
        maxAttempts: 10,
      }),
    );
    expect(summary.complete).toBe(true);
    expect(ids(records)).toEqual(expectedIds(prod));
    expect(a.refused.throttled).toBeGreaterThan(0);
    expect(summary.stats!.throttled).toBe(a.refused.throttled);
    expect(summary.stats!.httpAttempts).toBe(a.totalCalls());
  });

  it('ingests the service accounts of a cluster that forbids RBAC reads, with permissions unknown and the missing permission named', async () => {
    const a = await serve({
      cluster: prod,
      faults: { forbidden: ['roles', 'rolebindings'] },
    });
    const { records, summary, invalid } = await readSource(
      source({ clusters: [cluster(a, 'prod')] }),
    );
    expect(invalid).toEqual([]);
    expect(ids(records)).toEqual(expectedIds(prod));
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual(['prod']);
    expect(summary.errors).toEqual([
      {
        scope: 'prod',
        message:
          'cluster prod: permissions of its service accounts are unknown: listing roles.rbac.authorization.k8s.io failed: 403 Forbidden: roles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:nhi:reader" cannot list resource "roles" in API group "rbac.authorization.k8s.io" at the cluster scope (the source needs list on roles.rbac.authorization.k8s.io in all namespaces (a ClusterRole bound with a ClusterRoleBinding))',
      },
      {
        scope: 'prod',
        message: expect.stringContaining(
          'listing rolebindings.rbac.authorization.k8s.io failed: 403 Forbidden',
        ),
      },
    ]);
    const admin = records.find(r => r.name === 'platform/deploy-bot-sa')!;
    expect(admin.permissions).toEqual({
      summary: expect.stringMatching(
        /^Permissions unknown: roles\.rbac\.authorization\.k8s\.io could not be listed \(403 Forbidden/,
      ),
    });
    // The rest is still there: credentials, workloads, owner.
    expect(admin.usedBy).toEqual(['deploy-bot']);
    expect(
      records.find(r => r.name === 'platform/ci-runner-sa')?.credentials,
    ).toHaveLength(1);
  });

  it('keeps the identities of a cluster that is down, refuses the credentials or forbids service accounts: no complete scope for it', async () => {
    const up = await serve({ cluster: prod });
    const down = await serve({ cluster: staging, faults: { down: true } });
    const refusing = await serve({
      cluster: kubernetesCluster('qa', {
        serviceaccounts: [kube.serviceAccount('a', 'b')],
      }),
    });
    const forbidding = await serve({
      cluster: kubernetesCluster('dev', {
        serviceaccounts: [kube.serviceAccount('a', 'b')],
      }),
      faults: { forbidden: ['serviceaccounts'] },
    });
    const { records, summary } = await readSource(
      source({
        clusters: [
          cluster(up, 'prod'),
          cluster(down, 'staging'),
          cluster(refusing, 'qa', { auth: { serviceAccountToken: 'revoked' } }),
          cluster(forbidding, 'dev'),
          {
            name: 'gone',
            url: 'http://127.0.0.1:1',
            skipTLSVerify: true,
            auth: { serviceAccountToken: 'x' },
          },
        ],
        maxAttempts: 2,
      }),
    );
    expect(ids(records)).toEqual(expectedIds(prod));
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual(['prod']);
    const byScope = Object.fromEntries(
      summary.errors.map(e => [e.scope, e.message]),
    );
    expect(Object.keys(byScope).sort()).toEqual([
      'dev',
      'gone',
      'qa',
      'staging',
    ]);
    expect(byScope.staging).toMatch(
      /^cluster staging could not be read, its identities are kept as they were: listing serviceaccounts failed: unreachable: .*socket hang up|ECONNRESET/,
    );
    expect(byScope.gone).toMatch(/unreachable: .*ECONNREFUSED/);
    expect(byScope.qa).toBe(
      'cluster qa could not be read, its identities are kept as they were: listing serviceaccounts failed: 401 Unauthorized: the cluster refused the credentials (a service-account token or client certificate it does not accept, or one that expired)',
    );
    expect(byScope.dev).toMatch(
      /listing serviceaccounts failed: 403 Forbidden: serviceaccounts is forbidden: .*; the source needs list on serviceaccounts in all namespaces/,
    );
    // Only one request to a refusing cluster: no list after the first fails.
    expect(refusing.totalCalls()).toBe(1);
  });

  it('authenticates with a client certificate over HTTPS, checking the server against its CA', async () => {
    const pems = testCertificates();
    const a = await serve({
      cluster: prod,
      tokens: [],
      tls: { key: pems.server.key, cert: pems.server.cert, ca: pems.ca },
    });
    expect(a.url).toMatch(/^https:/);
    const read = await readSource(
      source({
        clusters: [
          {
            name: 'prod',
            url: a.url,
            caData: Buffer.from(pems.ca).toString('base64'),
            auth: {
              clientCertificateData: Buffer.from(pems.client.cert).toString(
                'base64',
              ),
              clientKeyData: pems.client.key,
            },
          },
        ],
      }),
    );
    expect(read.summary.errors).toEqual([]);
    expect(ids(read.records)).toEqual(expectedIds(prod));

    // Without the CA the server's certificate is not trusted.
    const untrusted = await readSource(
      source({
        clusters: [
          {
            name: 'prod',
            url: a.url,
            auth: {
              clientCertificateData: pems.client.cert,
              clientKeyData: pems.client.key,
            },
          },
        ],
        maxAttempts: 1,
      }),
    );
    expect(untrusted.records).toEqual([]);
    expect(untrusted.summary.errors[0].message).toMatch(
      /unreachable: .*(unable to (get|verify) .*certificate|self[- ]signed)/,
    );
  });

  it("reads the clusters of Backstage's Kubernetes plugin, and reports one whose authProvider it cannot use", async () => {
    const a = await serve({ cluster: staging });
    const { sources } = readKubernetesSourceConfigs(
      new ConfigReader({
        kubernetes: {
          serviceLocatorMethod: { type: 'multiTenant' },
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'staging',
                  url: a.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: a.token,
                  skipTLSVerify: true,
                },
                {
                  name: 'eks-prod',
                  url: 'https://eks.example.com',
                  authProvider: 'aws',
                },
              ],
            },
          ],
        },
      }),
    );
    expect(sources.map(s => s.id)).toEqual(['default']);
    const { records, summary } = await readSource(
      KubernetesSource.fromConfig(sources[0], {
        now: () => NOW,
        retryBaseDelayMs: 1,
      }),
    );
    expect(ids(records)).toEqual(expectedIds(staging));
    expect(summary.completeScopes).toEqual(['staging']);
    expect(summary.errors).toEqual([
      {
        scope: 'eks-prod',
        message:
          'cluster eks-prod (from kubernetes.clusterLocatorMethods) uses authProvider aws, which this source cannot use: add it to nhi.sources.kubernetes.default.clusters with a service-account token or a client certificate, or list it in excludeClusters',
      },
    ]);
  });

  it('stops when the read is aborted, completing nothing', async () => {
    const a = await serve({
      cluster: prod,
      faults: { throttleRate: 1, retryAfterSeconds: 1 },
    });
    const controller = new AbortController();
    const s = KubernetesSource.fromConfig(
      readKubernetesSourceConfigs(
        new ConfigReader({
          nhi: {
            sources: {
              kubernetes: { test: { clusters: [cluster(a, 'prod')] } },
            },
          },
        }),
      ).sources[0],
      { now: () => NOW },
    );
    setTimeout(() => controller.abort(), 300);
    const { records, summary } = await readSource(s, {
      signal: controller.signal,
    });
    expect(records).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([]);
    expect(summary.errors).toContainEqual({ message: 'the read was aborted' });
  });
});
