import { expect, Locator, Page, test } from '@playwright/test';
import { saveScreenshot, signInAsGuest } from './support';

// The staging cluster's Kubernetes API in the sandbox (app-config.yaml's
// launchpad.clusters; the sandbox's fixed token, not a secret).
const STAGING_KUBERNETES = 'http://127.0.0.1:7101';
const TOKEN = 'sandbox-cluster-token';
// demo's MFE Deployment has no HPA: its replicas stay where they are put.
const SCALE = `${STAGING_KUBERNETES}/apis/apps/v1/namespaces/demo/deployments/mfe/scale`;

async function replicas(): Promise<number> {
  const res = await fetch(SCALE, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(5_000),
  });
  expect(res.ok).toBe(true);
  return ((await res.json()) as { spec: { replicas: number } }).spec.replicas;
}

/** Scales through the API server, as `kubectl scale` does: nothing in the UI is pressed. */
async function scale(to: number): Promise<void> {
  const res = await fetch(SCALE, {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/merge-patch+json',
    },
    body: JSON.stringify({ spec: { replicas: to } }),
    signal: AbortSignal.timeout(5_000),
  });
  expect(res.ok).toBe(true);
}

function card(page: Page, title: string): Locator {
  return page.locator('.MuiCard-root').filter({
    has: page.locator('.MuiCardHeader-title', {
      hasText: new RegExp(`^${title}$`),
    }),
  });
}

/** Marks the document: a reload or navigation would lose the mark. */
async function markDocument(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { launchpadLive?: boolean }).launchpadLive = true;
  });
}

async function stillSameDocument(page: Page) {
  expect(
    await page.evaluate(
      () => (window as unknown as { launchpadLive?: boolean }).launchpadLive,
    ),
  ).toBe(true);
}

test('a change in the cluster shows on the open instance page and in the fleet table without a reload', async ({
  page,
}) => {
  // About 20 s on a quiet machine; the portal's first page load is the most of it.
  test.setTimeout(90_000);
  const before = await replicas();
  // The signal API's one WebSocket to the signals backend.
  const sockets: string[] = [];
  page.on('websocket', ws => sockets.push(ws.url()));
  try {
    await signInAsGuest(page, '/catalog/staging/component/demo');
    const deployments = card(page, 'Workloads').getByRole('table', {
      name: 'Deployments',
    });
    await expect(deployments).toBeVisible();
    const mfe = deployments
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: 'mfe', exact: true }) });
    await expect(mfe).toContainText(`/${before}`);
    // The page's own requests after the first load: a poll would show here.
    let statusRequests = 0;
    page.on('request', request => {
      if (/\/api\/launchpad\/instances\/.*\/status/.test(request.url()))
        statusRequests++;
    });
    let navigations = 0;
    page.on('framenavigated', frame => {
      if (frame === page.mainFrame()) navigations++;
    });
    await markDocument(page);

    const changedAt = Date.now();
    await scale(before + 1);
    // Pushed: the desired count changes within seconds (no poll would come within 60 s).
    await expect(mfe).toContainText(`/${before + 1}`, { timeout: 10_000 });
    const seconds = (Date.now() - changedAt) / 1000;
    test.info().annotations.push({
      type: 'instance card updated after',
      description: `${seconds.toFixed(1)} s`,
    });
    expect(statusRequests).toBeGreaterThan(0);
    expect(sockets.some(url => url.includes('/api/signals'))).toBe(true);
    expect(navigations).toBe(0);
    await stillSameDocument(page);
    await saveScreenshot(page, 'live-status-instance');

    // The fleet page, opened from the sidebar: the same document still.
    await page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Fleet', exact: true })
      .click();
    const table = page
      .getByRole('table')
      .filter({ has: page.getByRole('columnheader', { name: 'Verdict' }) });
    const row = table
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'demo', exact: true }) })
      .filter({ hasText: 'staging' });
    await expect(row).toBeVisible();
    await stillSameDocument(page);
    const workloads = async () =>
      (await row.locator('td').allInnerTexts()).join(' | ');
    const shown = await workloads();
    navigations = 0;
    await markDocument(page);
    await scale(before);
    await expect.poll(workloads, { timeout: 10_000 }).not.toBe(shown);
    expect(navigations).toBe(0);
    await stillSameDocument(page);
    await saveScreenshot(page, 'live-status-fleet');
  } finally {
    // Leave the seed as it was for the other specs.
    if ((await replicas()) !== before) await scale(before);
  }
});
