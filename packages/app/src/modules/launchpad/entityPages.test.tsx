import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
// The test reads the app's own app-config.yaml (Node, in Jest): frontend code never does.
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'fs';
// eslint-disable-next-line no-restricted-imports
import { resolve as resolvePath } from 'path';
import { parse as parseYaml } from 'yaml';
import type { JsonObject, JsonValue } from '@backstage/types';
import techdocsPlugin from '@backstage/plugin-techdocs/alpha';
import { launchpadEntityPageFeatures } from './features';

type Entity = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    title?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    links?: Array<{ url: string; title: string }>;
  };
  spec: Record<string, unknown>;
  relations?: Array<{ type: string; targetRef: string }>;
};

// Entities as the Launchpad provider writes them for the sandbox seed, with
// the relations the catalog adds.
const cluster: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'staging',
    namespace: 'staging',
    title: 'Staging',
    labels: { 'launchpad.openedx.org/cluster': 'staging' },
    annotations: {
      'launchpad.openedx.org/cluster': 'staging',
      'launchpad.openedx.org/environment': 'staging',
      'launchpad.openedx.org/domain': 'staging.learn.acme.test',
      'launchpad.openedx.org/cluster-repository':
        'acme-edu/launchpad-cluster-staging',
      'kubernetes.io/api-server': 'http://127.0.0.1:7101',
    },
  },
  spec: { type: 'kubernetes-cluster', owner: 'group:default/platform-team' },
  relations: [
    { type: 'dependencyOf', targetRef: 'component:staging/demo' },
    { type: 'ownedBy', targetRef: 'group:default/platform-team' },
  ],
};

const instance: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'demo',
    namespace: 'staging',
    title: 'Acme Demo (staging)',
    labels: {
      'launchpad.openedx.org/cluster': 'staging',
      'launchpad.openedx.org/release': 'teak',
    },
    annotations: {
      'launchpad.openedx.org/cluster': 'staging',
      'launchpad.openedx.org/instance': 'demo',
      'launchpad.openedx.org/environment': 'staging',
      'launchpad.openedx.org/source-path': 'instances/demo',
      'launchpad.openedx.org/cluster-repository':
        'acme-edu/launchpad-cluster-staging',
      'launchpad.openedx.org/openedx-release': 'release/teak.3',
      'launchpad.openedx.org/tutor-version': 'v20.0.5',
      'backstage.io/kubernetes-namespace': 'demo',
      'argocd/app-name': 'demo-staging',
    },
    links: [
      { url: 'https://demo.staging.learn.acme.test', title: 'LMS' },
      { url: 'https://studio.demo.staging.learn.acme.test', title: 'Studio' },
    ],
  },
  spec: {
    type: 'openedx-instance',
    lifecycle: 'experimental',
    owner: 'group:default/platform-team',
    dependsOn: ['resource:staging/staging'],
  },
  relations: [
    { type: 'dependsOn', targetRef: 'resource:staging/staging' },
    { type: 'ownedBy', targetRef: 'group:default/platform-team' },
  ],
};

const productionInstance: Entity = {
  ...instance,
  metadata: {
    ...instance.metadata,
    namespace: 'production',
    title: 'Acme University',
    name: 'university',
    labels: {
      'launchpad.openedx.org/cluster': 'production',
      'launchpad.openedx.org/release': 'sumac',
    },
    annotations: {
      ...instance.metadata.annotations,
      'launchpad.openedx.org/cluster': 'production',
    },
  },
};

// An instance whose owners publish TechDocs for it.
const documentedInstance: Entity = {
  ...instance,
  metadata: {
    ...instance.metadata,
    name: 'handbook',
    title: 'Handbook',
    annotations: {
      ...instance.metadata.annotations,
      'backstage.io/techdocs-ref': 'dir:.',
    },
  },
};

const entities = [cluster, instance, productionInstance, documentedInstance];

const refOf = (e: Entity) =>
  `${e.kind}:${e.metadata.namespace}/${e.metadata.name}`.toLocaleLowerCase(
    'en-US',
  );

/** Reads a dotted catalog filter key (keys themselves may contain dots). */
function valueAt(value: unknown, path: string): unknown {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === path) {
      return record[key];
    }
    if (path.startsWith(`${key}.`)) {
      const found = valueAt(record[key], path.slice(key.length + 1));
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

function matches(entity: Entity, filter: string): boolean {
  return filter.split(',').every(condition => {
    const [key, expected] = condition.split(/=(.*)/s);
    const actual = valueAt(entity, key);
    return (
      typeof actual === 'string' &&
      actual.toLocaleLowerCase('en-US') === expected.toLocaleLowerCase('en-US')
    );
  });
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

/**
 * The catalog and Kubernetes backend endpoints the entity pages call, served
 * from the entities above; anything else is a 404, as from a backend without
 * the plugin.
 */
async function fakeBackend(
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const path = url.pathname;
  const byName =
    /^\/api\/catalog\/entities\/by-name\/([^/]+)\/([^/]+)\/([^/]+)(\/ancestry)?$/.exec(
      path,
    );
  if (byName) {
    const ref = `${byName[1]}:${byName[2]}/${byName[3]}`.toLocaleLowerCase(
      'en-US',
    );
    const entity = entities.find(e => refOf(e) === ref);
    if (!entity) {
      return json({ error: { name: 'NotFoundError' } }, 404);
    }
    return byName[4]
      ? json({ rootEntityRef: ref, items: [{ entity, parentEntityRefs: [] }] })
      : json(entity);
  }
  if (path === '/api/catalog/entities/by-refs') {
    const { entityRefs } = (await request.json()) as { entityRefs: string[] };
    return json({
      items: entityRefs.map(
        ref =>
          entities.find(e => refOf(e) === ref.toLocaleLowerCase('en-US')) ??
          null,
      ),
    });
  }
  if (path === '/api/catalog/entities') {
    const filters = url.searchParams.getAll('filter');
    return json(
      entities.filter(
        e => filters.length === 0 || filters.some(f => matches(e, f)),
      ),
    );
  }
  if (path === '/api/catalog/entities/by-query') {
    const filters = url.searchParams.getAll('filter');
    const listed = entities.filter(
      e => filters.length === 0 || filters.some(f => matches(e, f)),
    );
    const limit = Number(url.searchParams.get('limit') ?? listed.length);
    return json({
      items: listed.slice(0, limit),
      totalItems: listed.length,
      pageInfo: {},
    });
  }
  if (path === '/api/catalog/entity-facets') {
    const filters = url.searchParams.getAll('filter');
    const listed = entities.filter(
      e => filters.length === 0 || filters.some(f => matches(e, f)),
    );
    const facets = Object.fromEntries(
      url.searchParams.getAll('facet').map(facet => {
        const counts = new Map<string, number>();
        for (const e of listed) {
          const value = valueAt(e, facet);
          if (typeof value === 'string') {
            counts.set(value, (counts.get(value) ?? 0) + 1);
          }
        }
        return [facet, [...counts].map(([value, count]) => ({ value, count }))];
      }),
    );
    return json({ facets });
  }
  if (path === '/api/kubernetes/clusters') {
    return json({
      items: [{ name: 'staging', authProvider: 'serviceAccount' }],
    });
  }
  if (path.startsWith('/api/kubernetes/services/')) {
    return json({ items: [] });
  }
  return json({ error: { name: 'NotFoundError', message: path } }, 404);
}

/**
 * The app's own `app.extensions` (app-config.yaml) and, as there, a
 * Kubernetes backend configured for the staging cluster only.
 */
function appConfig(): JsonObject {
  const file = readFileSync(
    resolvePath(__dirname, '../../../../../app-config.yaml'),
    'utf8',
  );
  const { app } = parseYaml(file) as { app: { extensions: JsonValue[] } };
  return {
    // What the test app's own config holds (given a config, it has no other).
    app: {
      title: 'Launchpad Portal',
      baseUrl: 'http://localhost:3000',
      extensions: app.extensions,
    },
    backend: { baseUrl: 'http://localhost:7007' },
    techdocs: { storageUrl: 'http://localhost:7007/api/techdocs/static/docs' },
    kubernetes: {
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [{ name: 'staging', url: 'http://127.0.0.1:7101' }],
        },
      ],
    },
  };
}

/** The entity page's tab (a link to its sub-route), if it is there. */
function tabLink(name: string, tab: string, namespace = 'staging') {
  return document.querySelector(
    `a[href="/catalog/${namespace}/component/${name}/${tab}"]`,
  );
}

function renderPage(route: string) {
  return renderTestApp({
    features: [...launchpadEntityPageFeatures, techdocsPlugin],
    config: appConfig(),
    initialRouteEntries: [route],
    apis: [
      mockApis.fetch({ baseImplementation: fakeBackend }),
      mockApis.permission(),
      mockApis.identity({ userEntityRef: 'user:default/guest' }),
    ],
  });
}

// Entity pages load lazily, and the catalog index renders its table several
// times as its filters settle: 9 s for the whole cluster-filter test at load 3,
// over 15 s per wait at load 12. Bounded, but generous.
const slow = { timeout: 40_000 };

jest.setTimeout(150_000);

describe('Launchpad entity pages and catalog index', () => {
  beforeAll(() => {
    // jsdom has no SVG layout; the relations graph measures its labels.
    Object.defineProperty(window.SVGElement.prototype, 'getBBox', {
      configurable: true,
      value: () => ({ x: 0, y: 0, width: 100, height: 20 }),
    });
  }, 60_000);

  it('show an instance with its overview, About and Relations cards', async () => {
    renderPage('/catalog/staging/component/demo');

    expect(
      await screen.findByText('Open edX instance', {}, slow),
    ).toBeVisible();
    expect(screen.getByText('release/teak.3 (teak)')).toBeVisible();
    expect(await screen.findByText('About', {}, slow)).toBeVisible();
    expect(await screen.findByText('Relations', {}, slow)).toBeVisible();
    // The graph draws the cluster the instance depends on.
    expect(
      await screen.findByText('resource:staging/staging', {}, slow),
    ).toBeInTheDocument();
    // Cluster cards stay off instance pages.
    expect(screen.queryByText('Kubernetes cluster')).not.toBeInTheDocument();
  });

  it('show no TechDocs tab on an instance without docs', async () => {
    renderPage('/catalog/staging/component/demo');
    expect(
      await screen.findByText('Open edX instance', {}, slow),
    ).toBeVisible();
    // The tabs are links to the entity's sub-routes.
    await waitFor(
      () => expect(tabLink('demo', 'kubernetes')).not.toBeNull(),
      slow,
    );
    expect(tabLink('demo', 'docs')).toBeNull();
  });

  it('show the TechDocs tab on an instance with backstage.io/techdocs-ref', async () => {
    renderPage('/catalog/staging/component/handbook');
    await waitFor(
      () => expect(tabLink('handbook', 'docs')).not.toBeNull(),
      slow,
    );
  });

  it('show no Kubernetes tab on an instance of a cluster the Kubernetes backend lacks', async () => {
    renderPage('/catalog/production/component/university');
    expect(
      await screen.findByText('Open edX instance', {}, slow),
    ).toBeVisible();
    expect(await screen.findByText('About', {}, slow)).toBeVisible();
    expect(tabLink('university', 'kubernetes', 'production')).toBeNull();
  });

  it("open an instance's Kubernetes tab", async () => {
    renderPage('/catalog/staging/component/demo/kubernetes');
    expect(await screen.findByText('Your Clusters', {}, slow)).toBeVisible();
    expect(
      await screen.findByText('No Kubernetes resources', {}, slow),
    ).toBeVisible();
  });

  it('show a cluster with its overview and its instances', async () => {
    renderPage('/catalog/staging/resource/staging');

    expect(
      await screen.findByText('Kubernetes cluster', {}, slow),
    ).toBeVisible();
    expect(
      await screen.findByText('Open edX instances (2)', {}, slow),
    ).toBeVisible();
    expect(screen.getByRole('link', { name: 'demo' })).toHaveAttribute(
      'href',
      '/catalog/staging/component/demo',
    );
    expect(screen.queryByText('Open edX instance')).not.toBeInTheDocument();
    // No relations graph on cluster pages (a node per instance).
    expect(screen.queryByText('Relations')).not.toBeInTheDocument();
  });

  it('filter the catalog index by cluster', async () => {
    renderPage('/catalog?filters[kind]=component&filters[user]=all');

    // The list re-renders as its filters settle: look the rows up afresh, by
    // text: a role query computes every element's accessible name, seconds
    // per call over the whole catalog page, and waitFor repeats it.
    await waitFor(
      () =>
        expect(screen.getByText('Acme University').closest('a')).toBeVisible(),
      slow,
    );
    await userEvent.click(
      await screen.findByTestId('cluster-picker-expand', {}, slow),
    );
    await userEvent.click(
      await screen.findByRole('option', { name: /^staging/ }, slow),
    );

    await waitFor(
      () =>
        expect(screen.queryByText('Acme University')).not.toBeInTheDocument(),
      slow,
    );
    await waitFor(
      () =>
        expect(
          screen.getByText('Acme Demo (staging)').closest('a'),
        ).toBeVisible(),
      slow,
    );
    expect(screen.getByTestId('release-picker-expand')).toBeInTheDocument();
  });
});
