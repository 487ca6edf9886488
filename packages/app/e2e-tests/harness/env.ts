/* Shared settings of the end-to-end suite. */
import path from 'node:path';

/** Where the suite's ports, folders and browser come from. */
export const E2E = {
  /** The frontend the tests open (own port, so a running dev portal is untouched). */
  appUrl: process.env.E2E_APP_URL ?? 'http://localhost:3100',
  /** The backend behind it. */
  backendUrl: process.env.E2E_BACKEND_URL ?? 'http://localhost:7100',
  /** Port of the demo's IAM-compatible endpoint in the e2e portal; the other
   * demo endpoints (Kubernetes x2, GitHub, GCP, Entra) take the five after it. */
  iamPort: Number(process.env.E2E_IAM_PORT ?? 4699),
  /** Git-ignored folder for the portal log, screenshots and reports. */
  resultsDir: path.resolve(__dirname, '../../../..', 'e2e-results'),
  /** Debian's Chromium; Playwright never downloads a browser here. */
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  /** How long the portal may take to come up (first frontend build is slow). */
  startTimeoutMs: Number(process.env.E2E_START_TIMEOUT_MS ?? 300_000),
};
