import { expect, Page, test } from '@playwright/test';
import { BACKEND_URL, guestToken } from './portal';
import {
  advanceSandboxClock,
  chooseTemplate,
  saveScreenshot,
  signInAsGuest,
} from './support';

// The sandbox seed's staging physics-101 (packages/sandbox/src/seed):
// release teak.3, no database dump CronJobs (so deprovisioning needs the
// acknowledgement), covered by staging's Velero schedule. The other specs
// only read it, and this file runs after them (one worker, files in order).
// The guest is in the platform team (app-config.yaml), which may run every
// template; that a user outside it is not offered them is checked through
// the catalog API in packages/backend/src/scaffolderRest.test.ts (the
// harness's guest provider signs in one user only).
const SLUG = 'physics-101';
const TITLE = 'Physics 101';
const TARGET_RELEASE = 'release/ulmo.1';
const TARGET_TUTOR = 'v21.0.0';

interface Task {
  status: string;
}

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${BACKEND_URL}/api${path}`, {
    headers: { Authorization: `Bearer ${await guestToken()}` },
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: res.status,
    body: (res.ok ? await res.json() : undefined) as T,
  };
}

async function taskLog(id: string): Promise<string> {
  const { body } = await api<Array<{ body: { message?: string } }>>(
    `/scaffolder/v2/tasks/${id}/events`,
  );
  return body.map(e => e.body.message ?? '').join('\n');
}

/**
 * Follows the task the page was sent to: moves the sandbox's clock on while
 * it runs (workflows, builds, backups and syncs run on that clock), then
 * expects it completed, with its log in the failure message.
 */
async function followTask(page: Page, timeout: number): Promise<string> {
  await page.waitForURL(/\/create\/tasks\/[^/]+$/);
  const id = page.url().split('/').pop()!;
  await expect
    .poll(
      async () => {
        await advanceSandboxClock(120_000);
        return (await api<Task>(`/scaffolder/v2/tasks/${id}`)).body.status;
      },
      { timeout, intervals: [1_000] },
    )
    .toMatch(/^(completed|failed|cancelled)$/);
  const log = await taskLog(id);
  expect((await api<Task>(`/scaffolder/v2/tasks/${id}`)).body.status, log).toBe(
    'completed',
  );
  return log;
}

/** Follows a sidebar entry (in the app: no second load of the bundle). */
async function sidebar(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name, exact: true })
    .click();
}

/** Opens a template's form from the Create page (in the app) by its title. */
async function openTemplate(page: Page, title: string): Promise<void> {
  await sidebar(page, 'Create');
  await chooseTemplate(page, title);
}

/**
 * Picks the instance in the template's EntityPicker, whose options are the
 * entities' titles (the entity presentation API), filtered as typed.
 */
async function chooseInstance(page: Page): Promise<void> {
  // By the form's field id: the deprovision form's confirmation is labelled
  // "Type the instance's slug…" too.
  const picker = page.locator('#root_instance');
  await picker.click();
  await picker.fill(TITLE);
  await page.getByRole('option', { name: TITLE, exact: true }).click();
  // The picker then shows the chosen entity by its ref.
  await expect(picker).toHaveValue(`component:staging/${SLUG}`);
}

test('upgrade an instance, then deprovision it and see it leave the catalog', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signInAsGuest(page);

  // ---- Upgrade: teak.3 → ulmo.1 (Tutor v21), backup, builds, sync, Healthy.
  await openTemplate(page, 'Upgrade an instance');
  await chooseInstance(page);
  const release = page.getByTestId('launchpad-release-input');
  // Picked from the suggestions (shown with their Tutor major).
  await release.click();
  await release.fill(TARGET_RELEASE);
  await page
    .getByRole('option', { name: `${TARGET_RELEASE} (Tutor v21)` })
    .click();
  await expect(release).toHaveValue(TARGET_RELEASE);
  await page.getByLabel(/^Tutor version/).fill(TARGET_TUTOR);
  await saveScreenshot(page, 'upgrade-instance-form');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  const upgradeLog = await followTask(page, 40_000);
  expect(upgradeLog).toContain(
    `${SLUG} on staging is upgraded (EDX_PLATFORM_VERSION, TUTOR_VERSION) and ${SLUG}-staging is Synced and Healthy`,
  );
  await expect(page.getByText(/Rolled back: no/)).toBeVisible();
  await saveScreenshot(page, 'upgrade-instance-task');

  // The upgrade asked the catalog provider to read the repository again;
  // the instance page then shows the new release.
  await expect
    .poll(
      async () =>
        (
          await api<{ metadata: { annotations?: Record<string, string> } }>(
            `/catalog/entities/by-name/component/staging/${SLUG}`,
          )
        ).body?.metadata.annotations?.['launchpad.openedx.org/openedx-release'],
      { timeout: 15_000, intervals: [500] },
    )
    .toBe(TARGET_RELEASE);
  await page.getByRole('link', { name: 'Open in the catalog' }).click();
  await expect(
    page.getByRole('row').filter({
      has: page.getByRole('cell', { name: 'Open edX release', exact: true }),
    }),
  ).toContainText(TARGET_RELEASE);
  await saveScreenshot(page, 'upgrade-instance-entity');

  // ---- Deprovision: typed confirmation and the no-recent-dump acknowledgement.
  await openTemplate(page, 'Deprovision an instance');
  await chooseInstance(page);
  await page.getByLabel(/Type the instance's slug to confirm/).fill(SLUG);
  await page.getByLabel(/Deprovision even without a database dump/).check();
  await saveScreenshot(page, 'deprovision-instance-form');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  const log = await followTask(page, 30_000);
  for (const kind of ['mysql', 'mongodb', 'storage']) {
    expect(log).toMatch(
      new RegExp(`Workflow ${SLUG}/${kind}-deprovision-${SLUG}\\S* Succeeded`),
    );
  }
  await expect(
    page.getByRole('link', { name: 'Folder removal commit' }),
  ).toBeVisible();
  await saveScreenshot(page, 'deprovision-instance-task');

  // The action asked the catalog provider to read the repository again:
  // the entity leaves without waiting for the provider's schedule.
  await expect
    .poll(
      async () =>
        (
          await api(`/catalog/entities/by-name/component/staging/${SLUG}`)
        ).status,
      { timeout: 15_000, intervals: [500] },
    )
    .toBe(404);
  // The Instances list (the catalog's openedx-instance components) no
  // longer has it; staging's demo is still there.
  await sidebar(page, 'Instances');
  await expect(
    page.getByRole('link', { name: 'Acme Demo (staging)', exact: true }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Physics 101', exact: true }),
  ).toHaveCount(0);
  await saveScreenshot(page, 'deprovision-instance-gone');
});
