import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { Entity } from '@backstage/catalog-model';
import { ClusterInstancesCard } from './ClusterInstancesCard';
import { clusterEntity, instanceEntity } from '../../testing/fixtures';

// A busy machine can take longer than the default to render.
const slow = { timeout: 10_000 };

const mountedRoutes = { '/catalog/:namespace/:kind/:name': entityRouteRef };

function render(catalogApi: ReturnType<typeof catalogApiMock>) {
  return renderInTestApp(
    <EntityProvider entity={clusterEntity('staging')}>
      <ClusterInstancesCard />
    </EntityProvider>,
    { mountedRoutes, apis: [catalogApi] },
  );
}

function rowOf(name: string): HTMLElement {
  const row = screen.getByRole('link', { name }).closest('tr');
  if (!row) {
    throw new Error(`no row for ${name}`);
  }
  return row;
}

describe('ClusterInstancesCard', () => {
  it("lists the cluster's instances and nothing else", async () => {
    const otherComponent: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'portal',
        namespace: 'staging',
        annotations: { 'launchpad.openedx.org/cluster': 'staging' },
      },
      spec: { type: 'service', owner: 'group:default/platform-team' },
    };
    const catalogApi = catalogApiMock({
      entities: [
        clusterEntity('staging'),
        clusterEntity('production'),
        instanceEntity({ slug: 'demo', title: 'Demo (staging)' }),
        instanceEntity({
          slug: 'physics',
          title: 'Physics 101',
          release: 'sumac',
          owner: 'group:default/course-team',
        }),
        instanceEntity({ cluster: 'production', slug: 'demo' }),
        instanceEntity({
          slug: 'broken-config',
          title: 'Broken Config',
          annotations: {
            'launchpad.openedx.org/config-error':
              'config.yml is not valid YAML: unexpected end of flow sequence',
          },
        }),
        otherComponent,
      ],
    });
    await render(catalogApi);

    expect(
      await screen.findByText('Open edX instances (3)', {}, slow),
    ).toBeVisible();
    const demo = rowOf('demo');
    expect(within(demo).getByRole('link', { name: 'demo' })).toHaveAttribute(
      'href',
      '/catalog/staging/component/demo',
    );
    expect(within(demo).getByText('Demo (staging)')).toBeVisible();
    expect(within(demo).getByText('teak')).toBeVisible();
    expect(
      within(demo).getByRole('link', {
        name: /^https:\/\/demo\.staging\.learn\.acme\.test/,
      }),
    ).toHaveAttribute('href', 'https://demo.staging.learn.acme.test');

    const physics = rowOf('physics');
    expect(within(physics).getByText('Physics 101')).toBeVisible();
    expect(within(physics).getByText('sumac')).toBeVisible();
    expect(
      within(physics).getByRole('link', { name: /course-team/ }),
    ).toHaveAttribute('href', '/catalog/default/group/course-team');

    // Only the instance whose files are malformed is flagged.
    expect(
      within(rowOf('broken-config')).getByText('Configuration error'),
    ).toBeVisible();
    expect(screen.getAllByText('Configuration error')).toHaveLength(1);

    expect(screen.queryByText('portal')).not.toBeInTheDocument();
    expect(screen.queryByText('Demo (production)')).not.toBeInTheDocument();
  });

  it('asks the catalog for one page of openedx-instance components on this cluster', async () => {
    const catalogApi = catalogApiMock.mock({
      queryEntities: jest
        .fn()
        .mockResolvedValue({ items: [], totalItems: 0, pageInfo: {} }),
    });
    await render(catalogApi);
    await screen.findByText('No Open edX instances', {}, slow);
    expect(catalogApi.queryEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: {
          kind: 'component',
          'spec.type': 'openedx-instance',
          'metadata.annotations.launchpad.openedx.org/cluster': 'staging',
        },
        offset: 0,
        limit: 20,
      }),
    );
  });

  // 25 instances: a full first page of 20 and a second page of 5, the fewest
  // rows that still show paging. Rows are found by text: a role query computes
  // every link's accessible name and took 2-3 s per call over 20 rows here.
  it('pages on the server through a large cluster', async () => {
    const catalogApi = catalogApiMock({
      entities: Array.from({ length: 25 }, (_, i) =>
        instanceEntity({ slug: `i-${String(i).padStart(3, '0')}` }),
      ),
    });
    const query = jest.spyOn(catalogApi, 'queryEntities');
    await render(catalogApi);
    expect(
      await screen.findByText('Open edX instances (25)', {}, slow),
    ).toBeVisible();
    // 20 rows of 25: the first page only.
    expect(screen.getByText('i-019')).toBeVisible();
    expect(screen.queryByText('i-020')).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Next Page' }));
    expect(await screen.findByText('i-024', {}, slow)).toBeVisible();
    expect(screen.getByText('i-020').closest('a')).toHaveAttribute(
      'href',
      '/catalog/staging/component/i-020',
    );
    expect(screen.queryByText('i-019')).toBeNull();
    expect(query).toHaveBeenLastCalledWith(
      expect.objectContaining({ offset: 20, limit: 20 }),
    );
  }, 30_000);

  it('shows progress while the catalog answers', async () => {
    const catalogApi = catalogApiMock.mock({
      queryEntities: jest.fn(() => new Promise<never>(() => {})),
    });
    await render(catalogApi);
    expect(
      await screen.findByRole('progressbar', {}, slow),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows the error when the catalog fails', async () => {
    const catalogApi = catalogApiMock.mock({
      queryEntities: jest
        .fn()
        .mockRejectedValue(new Error('catalog is unavailable (503)')),
    });
    await render(catalogApi);
    expect(
      await screen.findByText('Error: catalog is unavailable (503)', {}, slow),
    ).toBeVisible();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('says so when the cluster has no instances', async () => {
    await render(catalogApiMock({ entities: [clusterEntity('staging')] }));
    expect(
      await screen.findByText('No Open edX instances', {}, slow),
    ).toBeVisible();
    expect(
      screen.getByText(
        'The catalog has no openedx-instance components on the staging cluster yet.',
      ),
    ).toBeVisible();
  });
});
