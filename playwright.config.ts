/*
 * End-to-end suite: Playwright driving Debian's Chromium against the real
 * portal, which e2e/portal.ts starts on ports 3100/7100 with a fresh database.
 * Run with `yarn test:e2e`.
 */
import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { E2E } from './packages/app/e2e-tests/harness/env';

export default defineConfig({
  timeout: 90_000,
  expect: { timeout: 20_000 },
  globalSetup: require.resolve('./packages/app/e2e-tests/harness/portal'),
  forbidOnly: true,
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    [
      'html',
      { open: 'never', outputFolder: path.join(E2E.resultsDir, 'report') },
    ],
  ],
  outputDir: path.join(E2E.resultsDir, 'artifacts'),
  use: {
    baseURL: E2E.appUrl,
    actionTimeout: 20_000,
    navigationTimeout: 60_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: E2E.chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: 'portal',
      testDir: 'packages/app/e2e-tests',
      use: { browserName: 'chromium' },
    },
  ],
});
