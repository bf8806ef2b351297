import { defineConfig } from '@playwright/test';
import { GUEST_STATE } from './e2e/portal';

/**
 * Browser tests of the running portal against the sandbox. The harness
 * (e2e/global-setup.ts) starts the portal itself and stops it by PID, so
 * nothing needs to be running beforehand. Debian's Chromium is used; Playwright
 * never downloads a browser.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e/.output/test-results',
  globalSetup: require.resolve('./e2e/global-setup'),
  globalTeardown: require.resolve('./e2e/global-teardown'),
  timeout: 90_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e/.output/report' }],
  ],
  use: {
    baseURL: process.env.LAUNCHPAD_APP_URL ?? 'http://localhost:3000',
    // Written by the global setup: the guest already signed in.
    storageState: GUEST_STATE,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.LAUNCHPAD_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
