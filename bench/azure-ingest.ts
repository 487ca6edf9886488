/*
 * Benchmark of the Microsoft Entra ID identity source against the local
 * Graph-compatible endpoint: generates a tenant, serves it, reads it with
 * AzureEntraSource (the Microsoft Graph client over HTTP) and a counting
 * emit, and prints throughput, Graph calls per identity, peak RSS and wall
 * time. Run by hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/azure-ingest.ts --identities 20000
 *
 * Options: --identities N (20000), --page-size N (999), --throttle F (0,
 * the fraction of requests answered 429 with Retry-After: 1), --seed N (1).
 */
import { ConfigReader } from '@backstage/config';
import {
  AzureEntraSource,
  readAzureSourceConfig,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-azure';
import {
  generateEntraTenant,
  StaticTokenCredential,
  startGraphEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-azure/testUtils';
import { silentLogger } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { arg } from './lib';

async function main() {
  const identities = arg('identities', 20_000);
  const pageSize = arg('page-size', 999);
  const throttleRate = arg('throttle', 0);
  const seed = arg('seed', 1);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);

  const g0 = Date.now();
  const model = generateEntraTenant({ identities, seed });
  const generateMs = Date.now() - g0;
  const endpoint = await startGraphEndpoint({
    model,
    faults: throttleRate
      ? { throttleRate, seed, retryAfterSeconds: 1 }
      : undefined,
  });
  const rssBeforeRead = process.memoryUsage().rss;

  const source = AzureEntraSource.fromConfig(
    readAzureSourceConfig(
      new ConfigReader({
        tenantId: model.tenantId,
        target: endpoint.url,
        pageSize,
        inferUsedBy: true,
      }),
      'bench',
    ),
    { credential: new StaticTokenCredential() },
  );

  // Counts what is emitted, keeping nothing (lib's readCounting loads its
  // logger with a dynamic import that yields undefined under this transform).
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
  await endpoint.stop();

  const calls = summary.stats?.apiCalls ?? 0;
  const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
  const lines = [
    `service principals     ${model.servicePrincipals.length} (${identities} drawn; generated in ${generateMs} ms)`,
    `identities emitted     ${emitted} in ${batches} batches (complete: ${summary.complete}, errors: ${summary.errors.length})`,
    `wall time              ${(wallMs / 1000).toFixed(1)} s`,
    `identities/s           ${Math.round(emitted / (wallMs / 1000))}`,
    `Graph API calls        ${calls} (${(calls / emitted).toFixed(
      4,
    )} per identity), carrying ${
      summary.stats?.batchedRequests
    } requests in $batch; HTTP requests at the endpoint ${endpoint.totalCalls()} (throttled ${
      endpoint.throttled
    })`,
    `calls by operation     ${JSON.stringify(endpoint.calls)}`,
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
