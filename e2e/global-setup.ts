import { chromium, type FullConfig } from '@playwright/test';
import { GUEST_STATE, startPortal } from './portal';

export default async function globalSetup(config: FullConfig) {
  const started = Date.now();
  // A cold start compiles the frontend: minutes on two cores.
  await startPortal(10 * 60_000);
  // eslint-disable-next-line no-console
  console.log(`portal ready in ${Math.round((Date.now() - started) / 1000)}s`);

  // Sign the guest in once and keep the browser storage (the app remembers
  // the provider in localStorage): each test then opens its page directly
  // instead of loading the sign-in page first, a whole app load saved a test.
  const { baseURL, launchOptions } = config.projects[0].use;
  const browser = await chromium.launch(launchOptions);
  try {
    const page = await browser.newPage({ baseURL });
    await page.goto('/', { timeout: 120_000 });
    const enter = page.getByRole('button', { name: /enter/i });
    await enter.click({ timeout: 120_000 });
    await enter.waitFor({ state: 'hidden', timeout: 60_000 });
    await page.context().storageState({ path: GUEST_STATE });
  } finally {
    await browser.close();
  }
}
