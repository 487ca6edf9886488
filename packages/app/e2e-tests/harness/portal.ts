/*
 * Playwright global setup: starts the real portal (`yarn start`, frontend and
 * backend in development mode) on its own ports and a fresh SQLite folder, so
 * the end-to-end suite never touches a portal a developer already runs, and
 * waits until the demo catalog is ingested. Returns the teardown that stops it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E } from './env';

const ROOT = path.resolve(__dirname, '../../../..');

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  isAlive: () => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) {
      throw new Error(`the portal exited while waiting for ${what}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

async function guestToken(): Promise<string> {
  const res = await fetch(
    `${E2E.backendUrl}/api/auth/guest/refresh?env=development`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  if (!res.ok) throw new Error(`guest refresh ${res.status}`);
  const body = await res.json();
  return body.backstageIdentity.token;
}

/**
 * The config that moves each of the demo's fake endpoints (IAM, Kubernetes,
 * GitHub, GCP, Entra) from app-config.yaml's 4599–4604 to E2E.iamPort and
 * the five ports after it.
 */
function demoEndpointsEnv(): Record<string, string> {
  const port = (n: number) => E2E.iamPort + n;
  const url = (n: number) => `http://127.0.0.1:${port(n)}`;
  const cluster = (name: string, n: number, environment: string) => ({
    name,
    url: url(n),
    skipTLSVerify: true,
    environment,
    auth: { serviceAccountToken: 'nhi-demo-kubernetes-token' },
  });
  return {
    APP_CONFIG_nhiDemo_aws_port: String(port(0)),
    APP_CONFIG_nhi_sources_aws_demo_endpoint: url(0),
    APP_CONFIG_nhiDemo_kubernetes_clusters: JSON.stringify([
      { name: 'prod', port: port(1) },
      { name: 'staging', port: port(2) },
    ]),
    APP_CONFIG_nhi_sources_kubernetes_demo_clusters: JSON.stringify([
      cluster('prod', 1, 'production'),
      cluster('staging', 2, 'staging'),
    ]),
    APP_CONFIG_nhiDemo_github_port: String(port(3)),
    APP_CONFIG_integrations_github: JSON.stringify([
      {
        host: 'github.com',
        apiBaseUrl: url(3),
        token: 'nhi-demo-github-token-not-a-secret',
      },
    ]),
    APP_CONFIG_nhiDemo_gcp_port: String(port(4)),
    APP_CONFIG_nhi_sources_gcp_demo_rootUrl: url(4),
    APP_CONFIG_nhiDemo_azure_port: String(port(5)),
    APP_CONFIG_nhi_sources_azure_demo_target: url(5),
  };
}

export default async function globalSetup() {
  if (process.env.E2E_EXTERNAL_PORTAL) {
    // Test a portal that is already running (E2E_APP_URL / E2E_BACKEND_URL).
    return undefined;
  }
  fs.mkdirSync(E2E.resultsDir, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-e2e-data-'));
  const logFile = path.join(E2E.resultsDir, 'portal.log');
  const log = fs.openSync(logFile, 'w');
  const backendPort = new URL(E2E.backendUrl).port;

  const child = spawn('yarn', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      APP_CONFIG_app_baseUrl: E2E.appUrl,
      APP_CONFIG_backend_baseUrl: E2E.backendUrl,
      APP_CONFIG_backend_listen_port: backendPort,
      APP_CONFIG_backend_cors_origin: E2E.appUrl,
      APP_CONFIG_backend_database_connection_directory: dataDir,
      // the demo's fake cloud endpoints on ports of their own too, so that
      // the suite runs beside a demo portal (values are read as JSON)
      ...demoEndpointsEnv(),
      // scorecard facts every minute rather than every two
      APP_CONFIG_techInsights_factRetrievers_nhiComponentFactRetriever_cadence:
        '* * * * *',
      APP_CONFIG_techInsights_factRetrievers_nhiGroupFactRetriever_cadence:
        '* * * * *',
    },
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const alive = () => !exited;
  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 200));
      }
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const started = Date.now();
    await waitFor(
      `the backend at ${E2E.backendUrl}`,
      async () =>
        (
          await fetch(`${E2E.backendUrl}/.backstage/health/v1/readiness`)
        ).ok,
      E2E.startTimeoutMs,
      alive,
    );
    await waitFor(
      `the frontend at ${E2E.appUrl}`,
      async () => (await fetch(E2E.appUrl)).ok,
      E2E.startTimeoutMs,
      alive,
    );
    await waitFor(
      'the demo catalog to be ingested',
      async () => {
        const token = await guestToken();
        const res = await fetch(
          `${E2E.backendUrl}/api/catalog/entities/by-query?limit=1&filter=kind=component,metadata.name=payments-api`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        return res.ok && (await res.json()).items.length === 1;
      },
      E2E.startTimeoutMs,
      alive,
    );
    // eslint-disable-next-line no-console
    console.log(
      `portal ready in ${Math.round(
        (Date.now() - started) / 1000,
      )}s (log: ${logFile})`,
    );
  } catch (e) {
    await stop();
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40);
    throw new Error(
      `${(e as Error).message}\n--- portal log ---\n${tail.join('\n')}`,
    );
  }
  return stop;
}
