import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// These tests render whole cards and pages. On a loaded two-core machine
// (CI, or tests beside a benchmark) a render can take seconds: give a test
// a minute and an awaited element five seconds before calling it failed.
jest.setTimeout(60_000);
configure({ asyncUtilTimeout: 5_000 });

// A test that timed out with fake timers on must not leave them to the next.
afterEach(() => {
  jest.useRealTimers();
});
