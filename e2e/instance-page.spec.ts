import { expect, Page, test } from '@playwright/test';
import { saveScreenshot, signInAsGuest } from './support';

// The sandbox seed's staging `demo` instance (packages/sandbox/src/seed):
// PLATFORM_NAME "Acme Demo (staging)", EDX_PLATFORM_VERSION release/teak.3,
// LMS_HOST demo.staging.learn.acme.test. Production has a `demo` too, titled
// "Acme Demo", so names are matched exactly.
const INSTANCE_TITLE = 'Acme Demo (staging)';
const INSTANCE_PATH = '/catalog/staging/component/demo';
const CLUSTER_REF = 'resource:staging/staging';
const PRODUCTION_INSTANCE_TITLE = 'Acme University';

/** A row of a details table (label cell, then value cell) by its label. */
function detailRow(page: Page, label: string) {
  return page
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: label, exact: true }) });
}

test('an Open edX instance page shows its overview, links and cluster', async ({
  page,
}) => {
  await signInAsGuest(page);

  // The sidebar's Instances entry: the catalog on every openedx-instance
  // component, not only the guest's own (the guest is in the platform team,
  // which owns some of them, so the catalog would start on "Owned").
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Instances', exact: true })
    .click();
  await expect(page).toHaveURL(/\/catalog\?.*openedx-instance/);
  await expect(
    page.getByRole('link', { name: PRODUCTION_INSTANCE_TITLE, exact: true }),
  ).toBeVisible();

  // Launchpad's cluster filter narrows the list to the staging cluster.
  await page.getByTestId('cluster-picker-expand').click();
  await page.getByRole('option', { name: /^staging\b/ }).click();
  await page.keyboard.press('Escape');
  await expect(
    page.getByRole('link', { name: PRODUCTION_INSTANCE_TITLE, exact: true }),
  ).toHaveCount(0);

  await page.getByRole('link', { name: INSTANCE_TITLE, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${INSTANCE_PATH}/?$`));

  // The overview card: release and LMS link.
  await expect(
    page.getByText('Open edX instance', { exact: true }),
  ).toBeVisible();
  await expect(detailRow(page, 'Open edX release')).toContainText(
    'release/teak.3',
  );
  await expect(detailRow(page, 'LMS').getByRole('link')).toHaveAttribute(
    'href',
    'https://demo.staging.learn.acme.test',
  );
  await expect(detailRow(page, 'Cluster').getByRole('link')).toHaveAttribute(
    'href',
    '/catalog/staging/resource/staging',
  );

  // The relations graph has the cluster the instance depends on (each node
  // carries its entity ref as an SVG <title>).
  const clusterNode = page
    .locator('svg g')
    .filter({ has: page.locator('title', { hasText: CLUSTER_REF }) });
  await expect(clusterNode.first()).toBeVisible();

  // Cards that mean nothing for an instance are configured away (app-config.yaml).
  await expect(page.getByText('Depends on resources')).toBeVisible();
  for (const card of ['Provided APIs', 'Consumed APIs', 'Has subcomponents']) {
    await expect(page.getByText(card, { exact: true })).toHaveCount(0);
  }

  await saveScreenshot(page, 'instance-page');
});

test("an Open edX instance's Kubernetes tab lists its cluster's objects", async ({
  page,
}) => {
  await signInAsGuest(page, `${INSTANCE_PATH}/kubernetes`);
  await expect(
    page.getByRole('heading', { name: 'Your Clusters' }),
  ).toBeVisible();
  await expect(
    page.getByText('There was a problem retrieving Kubernetes objects'),
  ).toHaveCount(0);
  // The staging cluster's accordion (its summary names the cluster and counts
  // pods) opens on the instance's own Deployments: Tutor's `lms` among them.
  const cluster = page.getByRole('button', { name: /^staging\s*Cluster/ });
  await expect(cluster).toBeVisible();
  await expect(cluster).not.toContainText(/^staging\s*Cluster\s*0 pods/);
  await cluster.click();
  await expect(page.getByText('lms', { exact: true }).first()).toBeVisible();
  await saveScreenshot(page, 'instance-kubernetes');
});

test('an instance with a malformed config.yml shows its configuration error', async ({
  page,
}) => {
  // The seed's staging `broken-config` instance has invalid YAML in config.yml.
  await signInAsGuest(page, '/catalog/staging/component/broken-config');
  await expect(
    page.getByText('Error: Configuration error', { exact: true }),
  ).toBeVisible();
  await expect(
    page.getByText(/config\.yml is not valid YAML/).first(),
  ).toBeVisible();
  await saveScreenshot(page, 'instance-config-error');
});
