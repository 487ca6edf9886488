import { ConfigReader } from '@backstage/config';
import {
  readKubernetesPluginClusters,
  readKubernetesSourceConfigs,
} from './config';

const read = (data: object) =>
  readKubernetesSourceConfigs(new ConfigReader(data));
const own = (clusters: object[], extra: object = {}) => ({
  nhi: { sources: { kubernetes: { main: { clusters, ...extra } } } },
});
const cluster = (name: string, extra: object = {}) => ({
  name,
  url: `https://${name}.k8s.example.com`,
  auth: { serviceAccountToken: `${name}-token` },
  ...extra,
});
const plugin = (...clusters: object[]) => ({
  kubernetes: {
    clusterLocatorMethods: [
      { type: 'config', clusters },
      { type: 'gke', projectId: 'p' },
    ],
  },
});

describe('readKubernetesSourceConfigs', () => {
  it('applies defaults', () => {
    const { sources } = read(own([cluster('prod')]));
    expect(sources).toEqual([
      {
        id: 'main',
        clusters: [
          {
            name: 'prod',
            url: 'https://prod.k8s.example.com',
            auth: { type: 'token', token: 'prod-token' },
            skipTLSVerify: false,
            origin: 'nhi',
          },
        ],
        ownerKeys: ['owner', 'team'],
        componentKeys: [
          'backstage.io/kubernetes-id',
          'app.kubernetes.io/name',
          'app.kubernetes.io/part-of',
        ],
        createdByKey: 'created-by',
        agentKeys: {
          agentId: 'agent-id',
          onBehalfOf: 'on-behalf-of',
          reason: 'reason',
          expiresAt: 'expires-at',
        },
        concurrency: 4,
        pageSize: 500,
        maxAttempts: 5,
        requestTimeoutMs: 60_000,
        schedule: undefined,
      },
    ]);
  });

  it("adds the Kubernetes plugin's clusters; its own entry wins for the same name; excluded ones are left out", () => {
    const { sources, ignored } = read({
      ...own([cluster('prod', { environment: 'production' })], {
        excludeClusters: ['old'],
      }),
      ...plugin(
        {
          name: 'prod',
          url: 'https://elsewhere.example.com',
          authProvider: 'serviceAccount',
          serviceAccountToken: 'plugin-token',
        },
        {
          name: 'staging',
          url: 'https://staging.example.com',
          authProvider: 'serviceAccount',
          serviceAccountToken: 'staging-token',
          caData: 'Q0E=',
        },
        {
          name: 'in-cluster',
          url: 'https://kubernetes.default.svc',
          authProvider: 'serviceAccount',
        },
        { name: 'eks', url: 'https://eks.example.com', authProvider: 'aws' },
        {
          name: 'old',
          url: 'https://old.example.com',
          authProvider: 'serviceAccount',
          serviceAccountToken: 't',
        },
      ),
    });
    expect(ignored).toEqual(['kubernetes.clusterLocatorMethods[1] (type gke)']);
    expect(sources[0].clusters).toEqual([
      expect.objectContaining({
        name: 'prod',
        url: 'https://prod.k8s.example.com',
        environment: 'production',
        origin: 'nhi',
      }),
      {
        name: 'staging',
        url: 'https://staging.example.com',
        auth: { type: 'token', token: 'staging-token' },
        caData: 'Q0E=',
        skipTLSVerify: false,
        origin: 'kubernetes-plugin',
      },
      {
        name: 'in-cluster',
        url: 'https://kubernetes.default.svc',
        auth: {
          type: 'tokenFile',
          path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        },
        caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        skipTLSVerify: false,
        origin: 'kubernetes-plugin',
      },
      expect.objectContaining({
        name: 'eks',
        auth: { type: 'unsupported', authProvider: 'aws' },
      }),
    ]);
  });

  it('reads client certificates and token files', () => {
    const { sources } = read(
      own([
        cluster('a', {
          auth: { clientCertificateData: 'Y2VydA==', clientKeyData: 'a2V5' },
        }),
        cluster('b', { auth: { serviceAccountTokenFile: '/run/token' } }),
      ]),
    );
    expect(sources[0].clusters.map(c => c.auth)).toEqual([
      {
        type: 'clientCertificate',
        certificateData: 'Y2VydA==',
        keyData: 'a2V5',
      },
      { type: 'tokenFile', path: '/run/token' },
    ]);
  });

  it.each([
    [
      own([cluster('prod', { url: 'http://127.0.0.1:4600' })]),
      /clusters\[0\]\.url is plain HTTP: the Kubernetes client allows it only with skipTLSVerify: true/,
    ],
    [
      own([cluster('prod', { auth: {} })]),
      /clusters\[0\]\.auth needs exactly one of serviceAccountToken/,
    ],
    [
      own([cluster('prod', { auth: { clientCertificateData: 'x' } })]),
      /a client certificate needs both clientCertificateData and clientKeyData/,
    ],
    [
      own([cluster('a:b')]),
      /clusters\[0\]\.name must be letters, digits, dots/,
    ],
    [
      own([cluster('prod'), cluster('prod')]),
      /clusters\[1\]: cluster prod is listed twice/,
    ],
    [
      own([cluster('prod')], { pageSize: 0 }),
      /main\.pageSize must be a whole number from 1 to 10000, got 0/,
    ],
    [
      own([cluster('prod')], { ownerKeys: ['not a key'] }),
      /main\.ownerKeys\[0\] is not a Kubernetes label or annotation key/,
    ],
    [own([]), /nhi\.sources\.kubernetes\.main has no cluster to read/],
    [
      {
        nhi: {
          sources: {
            kubernetes: {
              a: { clusters: [cluster('prod')] },
              b: { clusters: [cluster('prod')] },
            },
          },
        },
      },
      /cluster prod is read by nhi\.sources\.kubernetes\.a and nhi\.sources\.kubernetes\.b/,
    ],
    [
      {
        nhi: { sources: { kubernetes: { Bad: { clusters: [cluster('x')] } } } },
      },
      /kubernetes\.Bad: a source id must be/,
    ],
  ])('refuses bad config %#, naming the key', (data, message) => {
    expect(() => read(data)).toThrow(message);
  });

  it("makes one source `default` of the plugin's clusters when nhi.sources.kubernetes is absent, and none without clusters", () => {
    expect(
      read(
        plugin({
          name: 's',
          url: 'https://s.example.com',
          authProvider: 'serviceAccount',
          serviceAccountToken: 't',
        }),
      ).sources.map(s => [s.id, s.clusters.map(c => c.name)]),
    ).toEqual([['default', ['s']]]);
    expect(read({}).sources).toEqual([]);
    expect(readKubernetesPluginClusters(new ConfigReader({})).clusters).toEqual(
      [],
    );
  });
});
