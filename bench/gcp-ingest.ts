/*
 * Benchmark of the Google Cloud identity source against its local fake of
 * Resource Manager, IAM, Cloud Asset Inventory and Policy Analyzer:
 * generates an organization, serves it, reads it with GcpIamSource (Google's
 * own clients through rootUrl) into a counting emit, and prints throughput,
 * API calls per identity, peak RSS and wall time. Run by hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/gcp-ingest.ts --accounts 20000 --projects 200
 *
 * Options: --accounts N (20000), --projects N (200), --concurrency N (4),
 * --throttle F (0), --no-asset-inventory (one keys.list and getIamPolicy
 * per account), --seed N (1).
 */
import { OAuth2Client } from 'googleapis-common';
import {
  GCP_SOURCE_DEFAULTS,
  GcpIamSource,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-gcp';
import {
  GCP_DEMO_ORGANIZATION_ID,
  generateGcpCompany,
  startGcpEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-gcp/testUtils';
import { silentLogger } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { arg, flag, peakRss } from './lib';

async function main() {
  const accounts = arg('accounts', 20_000);
  const projects = arg('projects', 200);
  const concurrency = arg('concurrency', 4);
  const throttleRate = arg('throttle', 0);
  const seed = arg('seed', 1);
  const assetInventory = !flag('no-asset-inventory');

  const g0 = Date.now();
  const model = generateGcpCompany({
    serviceAccounts: accounts,
    projects,
    seed,
  });
  const generateMs = Date.now() - g0;
  const endpoint = await startGcpEndpoint({
    model,
    faults: throttleRate ? { throttleRate, seed } : undefined,
  });
  const rssBeforeRead = process.memoryUsage().rss;

  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: endpoint.accessToken });
  const source = GcpIamSource.fromConfig(
    {
      id: 'bench',
      ...GCP_SOURCE_DEFAULTS,
      organizationId: GCP_DEMO_ORGANIZATION_ID,
      projects: [],
      excludeProjects: [],
      credentials: {},
      rootUrl: endpoint.url,
      ownerLabelKeys: [...GCP_SOURCE_DEFAULTS.ownerLabelKeys],
      environmentLabelKeys: [...GCP_SOURCE_DEFAULTS.environmentLabelKeys],
      projectOwners: {},
      assetInventory,
      concurrency,
      maxAttempts: throttleRate ? 12 : GCP_SOURCE_DEFAULTS.maxAttempts,
    },
    { auth, retryBaseDelayMs: throttleRate ? 20 : undefined },
  );

  // A counting emit (lib's readCounting loads the silent logger with a
  // dynamic import, which this script's CommonJS transform does not see).
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
  await endpoint.stop();

  const s = summary.stats ?? {};
  const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
  const per = (n: number) => (n / Math.max(1, emitted)).toFixed(3);
  const lines = [
    `service accounts       ${accounts} requested over ${model.projects.length} projects (generated in ${generateMs} ms)`,
    `identities emitted     ${emitted} in ${batches} batches (complete: ${summary.complete}, errors: ${summary.errors.length}); keys ${s.keys}`,
    `wall time              ${(wallMs / 1000).toFixed(1)} s`,
    `identities/s           ${Math.round(emitted / (wallMs / 1000))}`,
    `API calls              ${s.apiCalls} (${per(
      s.apiCalls,
    )} per identity): Resource Manager ${s.resourceManagerApiCalls}, IAM ${
      s.iamApiCalls
    }, Cloud Asset ${s.cloudAssetApiCalls}, Policy Analyzer ${
      s.policyAnalyzerApiCalls
    }`,
    `HTTP attempts          ${s.httpAttempts} (throttled ${
      s.throttled
    }, waited ${
      s.waitedMs
    } ms); requests at the endpoint ${endpoint.totalCalls()}`,
    `peak RSS               ${mb(peakRss())} (before the read: ${mb(
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
