import { expect, Locator, Page, test } from '@playwright/test';
import path from 'path';
import { OUTPUT_DIR } from './portal';
import { saveScreenshot, signInAsGuest } from './support';

// The sandbox seeds every instance with its three provision Workflows
// (packages/sandbox/src/seed/index.ts): Succeeded 90 days ago, except
// staging/summer-school's, which are still running. The backend records
// them, and each Application's first state, as soon as its watches list
// them. This spec only reads: it changes nothing other specs look at.

/** A Backstage InfoCard by its exact title. */
function card(page: Page, title: string): Locator {
  return page.locator('.MuiCard-root').filter({
    has: page.locator('.MuiCardHeader-title', {
      hasText: new RegExp(`^${title}$`),
    }),
  });
}

test("an instance's Provisioning and builds card shows its recorded provision runs and ArgoCD state", async ({
  page,
}) => {
  await signInAsGuest(page, '/catalog/staging/component/demo');
  const history = card(page, 'Provisioning and builds');
  const timeline = history.getByRole('list', { name: 'Instance history' });
  await expect(timeline).toBeVisible();
  for (const purpose of [
    'MySQL provision',
    'MongoDB provision',
    'Bucket provision',
  ]) {
    await expect(timeline.getByText(purpose, { exact: true })).toBeVisible();
  }
  await expect(timeline.getByLabel('Phase: Succeeded')).toHaveCount(3);
  await expect(history.getByLabel('Summary')).toContainText('provisioned');
  // The Application's state as first recorded, linked to ArgoCD.
  await expect(
    timeline.getByRole('link', { name: /^demo-staging/ }),
  ).toBeVisible();
  await saveScreenshot(page, 'history-card-demo');
  // The card alone, at full resolution.
  await history.screenshot({
    path: path.join(OUTPUT_DIR, 'history-card-demo-card.png'),
  });
});

test('an instance still provisioning shows its runs in progress', async ({
  page,
}) => {
  await signInAsGuest(page, '/catalog/staging/component/summer-school');
  const history = card(page, 'Provisioning and builds');
  const timeline = history.getByRole('list', { name: 'Instance history' });
  await expect(timeline).toBeVisible();
  await expect(
    timeline.getByText('MySQL provision', { exact: true }),
  ).toBeVisible();
  await expect(
    timeline.getByLabel(/^Phase: (Running|Pending|Succeeded)$/),
  ).toHaveCount(3);
  await saveScreenshot(page, 'history-card-provisioning');
  await history.screenshot({
    path: path.join(OUTPUT_DIR, 'history-card-provisioning-card.png'),
  });
});
