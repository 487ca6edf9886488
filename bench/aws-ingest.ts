/*
 * Benchmark of the AWS IAM identity source against the local IAM-compatible
 * endpoint: generates a company, serves it, reads it with AwsIamSource and a
 * counting emit, and prints throughput, API calls per identity, peak RSS and
 * wall time. Run by hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/aws-ingest.ts --identities 10000
 *
 * Options: --identities N (10000), --accounts N (identities / 15000, at
 * least 3), --concurrency N (4), --page-size N (1000), --throttle F (0),
 * --seed N (1).
 */
import {
  AWS_SOURCE_DEFAULTS,
  AwsIamSource,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-aws';
import {
  generateIamCompany,
  startIamEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-aws/testUtils';
import { arg, readCounting } from './lib';

async function main() {
  const identities = arg('identities', 10_000);
  const accounts = arg('accounts', Math.max(3, Math.ceil(identities / 15_000)));
  const concurrency = arg('concurrency', 4);
  const pageSize = arg('page-size', 1000);
  const throttleRate = arg('throttle', 0);
  const seed = arg('seed', 1);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);

  const g0 = Date.now();
  const model = generateIamCompany({ accounts, identities, seed });
  const generateMs = Date.now() - g0;
  const endpoint = await startIamEndpoint({
    model,
    pageSize,
    faults: throttleRate ? { throttleRate, seed } : undefined,
  });
  const rssBeforeRead = process.memoryUsage().rss;

  const source = AwsIamSource.fromConfig(
    {
      id: 'bench',
      accounts: [],
      organization: { accountRoleName: 'NhiReadOnly', exclude: [] },
      organizationAccounts: [],
      ...AWS_SOURCE_DEFAULTS,
      ownerTagKeys: [...AWS_SOURCE_DEFAULTS.ownerTagKeys],
      environmentTagKeys: [...AWS_SOURCE_DEFAULTS.environmentTagKeys],
      endpoint: endpoint.url,
      includeServiceLinkedRoles: false,
      concurrency,
      pageSize,
      reportPollIntervalMs: 0,
      reportTimeoutMs: 60_000,
    },
    {
      credentials: async () => endpoint.credentials,
      retryBaseDelayMs: throttleRate ? 20 : undefined,
    },
  );

  const { summary, emitted, batches, wallMs } = await readCounting(source);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await endpoint.stop();

  const iamCalls = summary.stats?.iamApiCalls ?? 0;
  const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
  const lines = [
    `identities requested   ${identities} over ${accounts} accounts (generated in ${generateMs} ms)`,
    `identities emitted     ${emitted} in ${batches} batches (complete: ${summary.complete}, errors: ${summary.errors.length})`,
    `wall time              ${(wallMs / 1000).toFixed(1)} s`,
    `identities/s           ${Math.round(emitted / (wallMs / 1000))}`,
    `IAM API calls          ${iamCalls} (${(iamCalls / emitted).toFixed(
      3,
    )} per identity); all AWS calls ${
      summary.stats?.apiCalls
    }; HTTP requests at the endpoint ${endpoint.totalCalls()} (throttled ${
      endpoint.throttled
    })`,
    `policy sets analysed   ${summary.stats?.policySetsAnalysed} (cache hits ${summary.stats?.policySetsFromCache})`,
    `time in accounts       reading ${summary.stats?.readMs} ms, normalizing and analysing ${summary.stats?.normalizeMs} ms (summed over concurrent accounts)`,
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
