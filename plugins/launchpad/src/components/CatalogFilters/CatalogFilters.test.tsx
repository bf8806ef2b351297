import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityKindFilter } from '@backstage/plugin-catalog-react';
import {
  catalogApiMock,
  MockEntityListContextProvider,
} from '@backstage/plugin-catalog-react/testUtils';
import { EntityClusterFilter, EntityReleaseFilter } from './filters';
import { EntityClusterPicker, EntityReleasePicker } from './LaunchpadPickers';
import { clusterEntity, instanceEntity } from '../../testing/fixtures';

// A busy machine can take longer than the default to render.
const slow = { timeout: 10_000 };

const entities = [
  clusterEntity('staging'),
  clusterEntity('production'),
  instanceEntity({ slug: 'demo' }),
  instanceEntity({ slug: 'physics', release: 'sumac' }),
  instanceEntity({ cluster: 'production', slug: 'demo' }),
];

describe('EntityClusterFilter and EntityReleaseFilter', () => {
  it('ask the catalog backend for the label values', () => {
    expect(
      new EntityClusterFilter(['staging', 'production']).getCatalogFilters(),
    ).toEqual({
      'metadata.labels.launchpad.openedx.org/cluster': [
        'staging',
        'production',
      ],
    });
    expect(new EntityReleaseFilter(['teak']).getCatalogFilters()).toEqual({
      'metadata.labels.launchpad.openedx.org/release': ['teak'],
    });
  });

  it('match entities by label, ignoring case, and skip unlabelled ones', () => {
    const filter = new EntityReleaseFilter(['Teak']);
    expect(filter.filterEntity(instanceEntity({ release: 'teak' }))).toBe(true);
    expect(filter.filterEntity(instanceEntity({ release: 'sumac' }))).toBe(
      false,
    );
    expect(filter.filterEntity(clusterEntity('staging'))).toBe(false);
    expect(
      new EntityClusterFilter(['production']).filterEntity(
        clusterEntity('production'),
      ),
    ).toBe(true);
    expect(filter.toQueryValue()).toEqual(['Teak']);
  });
});

describe('catalog pickers', () => {
  it('offers the clusters found in the catalog and filters on the choice', async () => {
    const updateFilters = jest.fn();
    await renderInTestApp(
      <MockEntityListContextProvider
        value={{
          updateFilters,
          filters: { kind: new EntityKindFilter('component', 'Component') },
          queryParameters: {},
        }}
      >
        <EntityClusterPicker />
      </MockEntityListContextProvider>,
      { apis: [catalogApiMock({ entities })] },
    );

    await userEvent.click(
      await screen.findByTestId('cluster-picker-expand', {}, slow),
    );
    const options = await screen.findAllByRole('option', {}, slow);
    // Counts are of the listed kind only: the clusters' resources don't count.
    expect(options.map(option => option.textContent).sort()).toEqual([
      'production (1)',
      'staging (2)',
    ]);
    await userEvent.click(screen.getByRole('option', { name: /^staging/ }));

    await waitFor(
      () =>
        expect(updateFilters).toHaveBeenLastCalledWith({
          cluster: new EntityClusterFilter(['staging']),
        }),
      slow,
    );
  });

  it('offers the releases of the listed instances', async () => {
    await renderInTestApp(
      <MockEntityListContextProvider
        value={{
          updateFilters: jest.fn(),
          filters: { kind: new EntityKindFilter('component', 'Component') },
          queryParameters: {},
        }}
      >
        <EntityReleasePicker />
      </MockEntityListContextProvider>,
      { apis: [catalogApiMock({ entities })] },
    );
    await userEvent.click(
      await screen.findByTestId('release-picker-expand', {}, slow),
    );
    const options = await screen.findAllByRole('option', {}, slow);
    expect(options.map(option => option.textContent).sort()).toEqual([
      'sumac (1)',
      'teak (2)',
    ]);
  });

  it('hides itself where no entity carries the label', async () => {
    const catalogApi = catalogApiMock({ entities });
    const getEntityFacets = jest.spyOn(catalogApi, 'getEntityFacets');
    await renderInTestApp(
      <MockEntityListContextProvider
        value={{
          updateFilters: jest.fn(),
          filters: { kind: new EntityKindFilter('group', 'Group') },
          queryParameters: {},
        }}
      >
        <EntityReleasePicker />
      </MockEntityListContextProvider>,
      { apis: [catalogApi] },
    );
    // Only assert once the picker has its (empty) answer from the catalog.
    await waitFor(() => expect(getEntityFacets).toHaveBeenCalled(), slow);
    await expect(getEntityFacets.mock.results[0].value).resolves.toEqual({
      facets: { 'metadata.labels.launchpad.openedx.org/release': [] },
    });
    expect(
      screen.queryByTestId('release-picker-expand'),
    ).not.toBeInTheDocument();
  });
});
