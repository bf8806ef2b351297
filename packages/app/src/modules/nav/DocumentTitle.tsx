import { useEffect } from 'react';
import { useLocation } from 'react-router-dom';
import {
  AppRootElementBlueprint,
  configApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';

/**
 * The browser tab's name for the pages that do not set one themselves (the
 * new frontend system's page headers do not; entity pages and TechDocs do,
 * through react-helmet, and are left alone: `undefined`).
 */
export function pageTitleFor(
  pathname: string,
  search: string,
): string | undefined {
  const path = pathname.replace(/\/+$/, '') || '/';
  const first = path.split('/')[1] ?? '';
  if (path === '/') return 'Home';
  if (path === '/catalog') {
    const params = new URLSearchParams(search);
    const type = params.get('filters[type]');
    if (type === 'openedx-instance') return 'Instances';
    if (type === 'kubernetes-cluster') return 'Clusters';
    return 'Catalog';
  }
  if (path.startsWith('/create/templates/default/new-openedx-instance'))
    return 'New instance';
  const titles: Record<string, string> = {
    launchpad: 'Fleet',
    create: 'Create',
    search: 'Search',
    notifications: 'Notifications',
    settings: 'Settings',
    'catalog-import': 'Register existing component',
  };
  return titles[first];
}

function DocumentTitle() {
  const { pathname, search } = useLocation();
  const appTitle =
    useApi(configApiRef).getOptionalString('app.title') ?? 'Launchpad Portal';
  useEffect(() => {
    const title = pageTitleFor(pathname, search);
    if (!title) return undefined;
    const wanted = `${title} | ${appTitle}`;
    const apply = () => {
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    // The catalog index's header sets its own title (the organisation name,
    // through react-helmet) after this runs: put the page's name back.
    const observer = new MutationObserver(apply);
    observer.observe(document.head, {
      childList: true,
      subtree: true,
      characterData: true,
    });
    return () => observer.disconnect();
  }, [pathname, search, appTitle]);
  return null;
}

/** `app-root-element:app/document-title` */
export const documentTitleElement = AppRootElementBlueprint.make({
  name: 'document-title',
  params: { element: <DocumentTitle /> },
});
