/*
 * Benchmark of the Kubernetes identity source against the local fake API
 * servers: generates a company's clusters, serves each on its own port,
 * reads them with KubernetesSource (the real @kubernetes/client-node) and a
 * counting emit, and prints throughput, API calls per identity, peak RSS and
 * wall time. Run by hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/kubernetes-ingest.ts --service-accounts 50000 --clusters 10
 *
 * Options: --service-accounts N (50000), --clusters N (10), --concurrency N
 * (4), --page-size N (500), --throttle F (0), --seed N (1).
 */
import {
  KUBERNETES_SOURCE_DEFAULTS,
  KubernetesSource,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-kubernetes';
import {
  FakeKubernetesApi,
  generateKubernetesClusters,
  startFakeKubernetesApi,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-kubernetes/testUtils';
import { silentLogger } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { arg } from './lib';

async function main() {
  const serviceAccounts = arg('service-accounts', 50_000);
  const clusterCount = arg('clusters', 10);
  const concurrency = arg('concurrency', 4);
  const pageSize = arg('page-size', 500);
  const throttleRate = arg('throttle', 0);
  const seed = arg('seed', 1);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);

  const g0 = Date.now();
  const models = generateKubernetesClusters({
    clusters: Array.from(
      { length: clusterCount },
      (_, i) => `cluster-${String(i + 1).padStart(2, '0')}`,
    ),
    serviceAccounts,
    seed,
  });
  const generateMs = Date.now() - g0;
  const objects = models.reduce(
    (n, m) =>
      n + Object.values(m.objects).reduce((k, l) => k + (l?.length ?? 0), 0),
    0,
  );
  const apis: FakeKubernetesApi[] = [];
  for (const cluster of models) {
    apis.push(
      await startFakeKubernetesApi({
        cluster,
        faults: throttleRate
          ? { throttleRate, seed, retryAfterSeconds: 0 }
          : {},
      }),
    );
  }
  const rssBeforeRead = process.memoryUsage().rss;

  const source = KubernetesSource.fromConfig(
    {
      id: 'bench',
      ...KUBERNETES_SOURCE_DEFAULTS,
      ownerKeys: [...KUBERNETES_SOURCE_DEFAULTS.ownerKeys],
      componentKeys: [...KUBERNETES_SOURCE_DEFAULTS.componentKeys],
      agentKeys: { ...KUBERNETES_SOURCE_DEFAULTS.agentKeys },
      concurrency,
      pageSize,
      clusters: models.map((m, i) => ({
        name: m.name,
        url: apis[i].url,
        skipTLSVerify: true,
        auth: { type: 'token' as const, token: apis[i].token },
        origin: 'nhi' as const,
      })),
    },
    { retryBaseDelayMs: throttleRate ? 20 : undefined },
  );

  let emitted = 0;
  let batches = 0;
  const t0 = Date.now();
  const summary = await source.read({
    logger: silentLogger,
    signal: new AbortController().signal,
    async emit(records) {
      emitted += records.length;
      batches++;
    },
  });
  const wallMs = Date.now() - t0;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await Promise.all(apis.map(a => a.stop()));

  const calls = summary.stats?.apiCalls ?? 0;
  const served = apis.reduce((n, a) => n + a.totalCalls(), 0);
  const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
  const lines = [
    `service accounts       ${serviceAccounts} requested over ${clusterCount} clusters (${objects} objects generated in ${generateMs} ms)`,
    `identities emitted     ${emitted} in ${batches} batches (complete: ${summary.complete}, errors: ${summary.errors.length})`,
    `wall time              ${(wallMs / 1000).toFixed(1)} s`,
    `identities/s           ${Math.round(emitted / (wallMs / 1000))}`,
    `API calls              ${calls} (${(calls / emitted).toFixed(
      4,
    )} per identity); HTTP requests at the servers ${served} (throttled ${apis.reduce(
      (n, a) => n + a.refused.throttled,
      0,
    )}, list restarts ${summary.stats?.listRestarts})`,
    `time in clusters       reading ${summary.stats?.readMs} ms, normalizing ${summary.stats?.normalizeMs} ms (summed over concurrent clusters)`,
    `peak RSS               ${mb(peakRss)} (before the read: ${mb(
      rssBeforeRead,
    )})`,
  ];
  for (const e of summary.errors.slice(0, 5)) {
    lines.push(`error                  ${e.scope ?? ''} ${e.message}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
