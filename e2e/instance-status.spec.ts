import { expect, Locator, Page, test } from '@playwright/test';
import { saveScreenshot, signInAsGuest } from './support';

// The sandbox seed's states (packages/sandbox/src/seed/instances.ts):
// staging/demo healthy, staging/physics-101 out of sync (no automated sync),
// production/university scaling at max, production/legacy-campus degraded,
// production/archive with its backups overdue/failing.
const SANDBOX_ADMIN = 'http://127.0.0.1:7100/_sandbox';

/** A Backstage InfoCard by its exact title. */
function card(page: Page, title: string): Locator {
  return page.locator('.MuiCard-root').filter({
    has: page.locator('.MuiCardHeader-title', {
      hasText: new RegExp(`^${title}$`),
    }),
  });
}

/** Moves the sandbox's clock on (its controllers act on sandbox time). */
async function advanceSandboxClock(ms: number): Promise<void> {
  const response = await fetch(`${SANDBOX_ADMIN}/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advanceMs: ms }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.ok).toBe(true);
}

test('a healthy instance shows its ArgoCD, Autoscaling, Workloads and Backups cards', async ({
  page,
}) => {
  await signInAsGuest(page, '/catalog/staging/component/demo');
  const argocd = card(page, 'ArgoCD');
  await expect(argocd.getByLabel('Sync: Synced')).toBeVisible();
  await expect(argocd.getByLabel('Health: Healthy')).toBeVisible();
  await expect(
    argocd.getByRole('table', { name: 'Sync history' }),
  ).toBeVisible();
  await expect(
    card(page, 'Autoscaling').getByRole('progressbar').first(),
  ).toBeVisible();
  await expect(
    card(page, 'Workloads').getByRole('table', { name: 'Deployments' }),
  ).toBeVisible();
  await expect(
    card(page, 'Backups').getByTestId('backup-verdict'),
  ).toBeVisible();
  await expect(
    card(page, 'Backups').getByText(/Managed databases/),
  ).toBeVisible();
  await saveScreenshot(page, 'instance-status-demo');
});

test('the seeded states show on the cards', async ({ page }) => {
  await signInAsGuest(page, '/catalog/production/component/university');
  await expect(
    card(page, 'Autoscaling')
      .getByText(/Pinned at its maximum of \d+ replicas/)
      .first(),
  ).toBeVisible();

  await page.goto('/catalog/production/component/legacy-campus');
  await expect(
    card(page, 'ArgoCD').getByLabel('Health: Degraded'),
  ).toBeVisible();
  await expect(
    card(page, 'Workloads').getByRole('table', { name: 'Deployments' }),
  ).toContainText(/Failing|Rolling out/);

  await page.goto('/catalog/production/component/archive');
  await expect(card(page, 'Backups').getByTestId('backup-verdict')).toHaveText(
    /Overdue|Failing/,
  );
});

test('pressing Sync on an out-of-sync instance makes its ArgoCD card show Synced', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signInAsGuest(page, '/catalog/staging/component/physics-101');
  const argocd = card(page, 'ArgoCD');
  await expect(argocd.getByLabel('Sync: OutOfSync')).toBeVisible();
  await saveScreenshot(page, 'instance-status-out-of-sync');

  await argocd.getByRole('button', { name: 'Sync', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Sync physics-101-staging?');
  await dialog.getByRole('button', { name: 'Confirm sync' }).click();
  await expect(
    argocd.getByText('Sync of physics-101-staging started'),
  ).toBeVisible();

  // The sandbox's ArgoCD syncs on its clock (10x); move it on while waiting
  // for the watch cache and the card's reload to show the result.
  await expect
    .poll(
      async () => {
        await advanceSandboxClock(60_000);
        return argocd.getByLabel('Sync: Synced').count();
      },
      { timeout: 180_000, intervals: [3_000] },
    )
    .toBe(1);
  await expect(argocd.getByLabel('Health: Healthy')).toBeVisible();
  await saveScreenshot(page, 'instance-status');
});
