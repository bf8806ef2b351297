import { act, screen, waitFor } from '@testing-library/react';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mutate } from 'swr';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import appVisualizerPlugin from '@backstage/plugin-app-visualizer';
import catalogImportPlugin from '@backstage/plugin-catalog-import/alpha';
import homePlugin from '@backstage/plugin-home/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import searchPlugin from '@backstage/plugin-search/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import techdocsPlugin from '@backstage/plugin-techdocs/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import { launchpadEntityPageFeatures } from '../launchpad';
import { CLUSTERS_PATH, INSTANCES_PATH } from './Sidebar';
import { navModule } from '.';

/** What the sidebar shows, in order, besides the logo. */
const ENTRIES = [
  'Search',
  'Home',
  'Instances',
  'Clusters',
  'Fleet',
  'Create',
  'Notifications',
  'Settings',
];

// Loading every plugin's pages: well under this alone, slower beside other tests.
const slow = { timeout: 30_000 };

jest.setTimeout(90_000);

/**
 * The app's sidebar among the page plugins of packages/app/package.json
 * (which `app.packages: all` discovers in the real app), so that the pages
 * that must stay out of it (APIs, Docs, the visualizer, the catalog) are
 * there to be left out; a permission API that answers `result` to every
 * request.
 */
async function renderSidebar(
  result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
) {
  const authorize = jest.fn(async () => ({ result }));
  renderTestApp({
    features: [
      ...launchpadEntityPageFeatures,
      apiDocsPlugin,
      appVisualizerPlugin,
      catalogImportPlugin,
      homePlugin,
      notificationsPlugin,
      orgPlugin,
      searchPlugin,
      signalsPlugin,
      techdocsPlugin,
      userSettingsPlugin,
      navModule,
    ],
    // No page of its own: the sidebar alone, no backend calls of a page.
    initialRouteEntries: ['/nowhere'],
    apis: [
      // No backend: every plugin's call is answered 404.
      mockApis.fetch({
        baseImplementation: async () =>
          new Response('{}', {
            status: 404,
            headers: { 'Content-Type': 'application/json' },
          }),
      }),
      mockApis.permission.mock({ authorize }),
      mockApis.identity({ userEntityRef: 'user:default/guest' }),
    ],
  });
  const nav = await screen.findByRole('navigation', {}, slow);
  await screen.findByRole('link', { name: 'Settings' }, slow);
  // The entry waits for the permission API's answer: let it arrive.
  await waitFor(
    () =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({
            name: 'catalog.entity.create',
          }),
        }),
      ),
    slow,
  );
  await act(async () => {
    await Promise.all(authorize.mock.results.map(r => r.value));
  });
  /** The sidebar items' names, in order; the logo (a link to /) aside. */
  const entries = () =>
    Array.from(nav.querySelectorAll('a[aria-label], button[aria-label]'))
      .filter(e => e.getAttribute('href') !== '/')
      .map(e => e.getAttribute('aria-label'));
  return { entries };
}

describe('SidebarContent', () => {
  // usePermission keeps answers in SWR's global cache
  // (@backstage/plugin-permission-react, hooks/usePermission) and dedupes
  // requests within 2 s: without dropping both (mutate's revalidate does),
  // a test would see the previous test's answer.
  beforeEach(() => mutate(() => true, undefined));

  it('lists Home, Instances, Clusters, Fleet, Create, Search, Notifications and Settings, and no Register entry where creating catalog entities is denied', async () => {
    const { entries } = await renderSidebar(AuthorizeResult.DENY);
    expect(entries()).toEqual(ENTRIES);
    expect(
      screen.queryByRole('link', { name: 'Register component' }),
    ).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Instances' })).toHaveAttribute(
      'href',
      INSTANCES_PATH,
    );
    expect(screen.getByRole('link', { name: 'Clusters' })).toHaveAttribute(
      'href',
      CLUSTERS_PATH,
    );
    expect(screen.getByRole('link', { name: 'Fleet' })).toHaveAttribute(
      'href',
      '/launchpad/fleet',
    );
  });

  it('adds "Register component" after Create for whoever may create catalog entities (the platform team)', async () => {
    const { entries } = await renderSidebar(AuthorizeResult.ALLOW);
    expect(
      await screen.findByRole('link', { name: 'Register component' }, slow),
    ).toHaveAttribute('href', '/catalog-import');
    expect(entries()).toEqual([
      ...ENTRIES.slice(0, ENTRIES.indexOf('Create') + 1),
      'Register component',
      ...ENTRIES.slice(ENTRIES.indexOf('Create') + 1),
    ]);
  });
});
