/*
 * Benchmark of the GitHub identity source against the fake GitHub REST and
 * GraphQL API: generates an organization, serves it on 127.0.0.1, reads it
 * with GithubSource (Octokit, credentials through @backstage/integration)
 * twice — a first run, then an unchanged second run (ETags) — and prints
 * per run the HTTP requests by kind, the 304s, the rate-limit points spent
 * of the REST (core) and GraphQL budgets as the source counts them and as the
 * fake charged them, whether the run stayed within one hour's budget of a
 * GitHub App installation (5,000 points each by default), API calls per
 * identity, wall time and peak RSS. Run by hand, never in CI:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/github-ingest.ts --repositories 5000
 *
 * Options: --repositories N (5000), --budget N (points per hour of each
 * budget, 5000), --reserve P (percent kept for the rest of Backstage, 10),
 * --archived F (share of archived repositories, 0.3), --deploy-keys F
 * (0.06), --environments F (0.08), --concurrency N (4), --secondary N (every
 * n-th request hits a secondary limit, 0), --seed N (42).
 */
import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import {
  GithubSource,
  readGithubSourceConfig,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-github';
import {
  generateGithubOrganization,
  startGithubEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-github/testUtils';
import { silentLogger } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { arg } from './lib';

async function main() {
  const repositories = arg('repositories', 5000);
  const budget = arg('budget', 5000);
  const reserve = arg('reserve', 10);
  const concurrency = arg('concurrency', 4);
  const secondary = arg('secondary', 0);
  const seed = arg('seed', 42);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);

  const g0 = Date.now();
  const model = generateGithubOrganization({
    repositories,
    seed,
    shares: {
      archived: arg('archived', 0.3),
      deployKeys: arg('deploy-keys', 0.06),
      environments: arg('environments', 0.08),
    },
  });
  const generateMs = Date.now() - g0;
  const endpoint = await startGithubEndpoint({
    model,
    rateLimit: { core: budget, graphql: budget },
    faults: secondary
      ? { secondaryEvery: secondary, secondaryRetryAfterSeconds: 1 }
      : undefined,
  });
  const integrations = ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        github: [
          {
            host: 'github.com',
            apiBaseUrl: endpoint.url,
            token: endpoint.token,
          },
        ],
      },
    }),
  );
  const source = GithubSource.fromConfig(
    readGithubSourceConfig(
      new ConfigReader({
        organizations: [model.organizations[0].login],
        concurrency,
        rateLimit: { reservePercent: reserve },
      }),
      'bench',
    ),
    {
      apiBaseUrl: endpoint.url,
      credentialsProvider:
        DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      // The fake answers at once: no second between GraphQL pages, and
      // secondary limits waited out in milliseconds (seconds on GitHub).
      graphqlMinTimeMs: 0,
      retryAfterBaseMs: 10,
    },
  );

  const org = model.organizations[0];
  const active = org.repositories.filter(r => !r.archived).length;
  console.log(
    `GitHub organization ${org.login}: ${
      org.repositories.length
    } repositories (${active} active), ${
      org.repositories.filter(r => r.deployKeys?.length).length
    } with deploy keys, ${
      org.repositories.filter(r => r.environments?.length).length
    } with environments, ${org.installations.length} apps, ${
      org.tokenGrants.length + org.tokenRequests.length
    } token grants and requests (generated in ${generateMs} ms); budgets ${budget} REST + ${budget} GraphQL points an hour, ${reserve}% kept`,
  );

  const run = async (label: string) => {
    const before = { ...endpoint.pointsUsed };
    const callsBefore = endpoint.totalCalls();
    const notModifiedBefore = endpoint.notModified;
    let emitted = 0;
    const t0 = Date.now();
    const summary = await source.read({
      logger: silentLogger,
      signal: new AbortController().signal,
      async emit(records) {
        emitted += records.length;
      },
    });
    const wallMs = Date.now() - t0;
    const s = summary.stats ?? {};
    const charged = {
      core: endpoint.pointsUsed.core - before.core,
      graphql: endpoint.pointsUsed.graphql - before.graphql,
    };
    const calls = endpoint.totalCalls() - callsBefore;
    const within = charged.core <= budget && charged.graphql <= budget;
    console.log(`\n${label}: ${summary.complete ? 'complete' : 'PARTIAL'}`);
    console.log(
      `  identities ${emitted}; HTTP requests ${calls} (${(
        calls / Math.max(emitted, 1)
      ).toFixed(3)} per identity), of which 304 Not Modified ${
        endpoint.notModified - notModifiedBefore
      }`,
    );
    const kinds = Object.entries(s)
      .filter(([k]) => k.startsWith('calls.'))
      .map(([k, v]) => `${k.slice(6)} ${v}`)
      .join(', ');
    console.log(`  by kind: ${kinds}`);
    console.log(
      `  points: REST ${s.restPoints} (fake charged ${charged.core}), GraphQL ${
        s.graphqlPoints
      } in ${s.graphqlQueries} queries (fake charged ${charged.graphql}); ${
        within ? 'within' : 'OVER'
      } one hour's budget (${budget} + ${budget}); left: REST ${
        s.restPointsLeft
      }, GraphQL ${s.graphqlPointsLeft}`,
    );
    console.log(
      `  secondary limits ${s.secondaryRateLimits}; wall ${(
        wallMs / 1000
      ).toFixed(1)} s; ETags kept ${s.etagsKept}`,
    );
    for (const e of summary.errors.slice(0, 3)) {
      console.log(`  error: ${e.scope ?? ''} ${e.message}`);
    }
    return summary;
  };

  let summary = await run('First run');
  // Each next run an hour later (a fresh budget), the organization unchanged.
  for (let n = 2; !summary.complete && n <= 5; n++) {
    endpoint.resetRateLimits();
    summary = await run(`Run ${n} (continues where the last stopped)`);
  }
  endpoint.resetRateLimits();
  await run('Unchanged run (ETags)');
  clearInterval(sampler);
  console.log(`\npeak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  await endpoint.stop();
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
