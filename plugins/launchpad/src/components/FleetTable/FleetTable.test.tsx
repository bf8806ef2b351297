import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { FleetQuery } from '../../api';
import { launchpadApiRef } from '../../api';
import { FleetTable } from './FleetTable';
import { ClusterFleetCard } from './ClusterFleetCard';
import {
  SEED_ROWS,
  fleetResponse,
  freshness,
} from '../../testing/statusFixtures';
import { clusterEntity } from '../../testing/fixtures';
import { fakeLaunchpadApi, slow } from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

const mountedRoutes = { '/catalog/:namespace/:kind/:name': entityRouteRef };

/** Answers like the backend: the seed's rows, filtered and paged by the query. */
function fleetApi(totalCount?: number) {
  return fakeLaunchpadApi({
    getFleet: jest.fn(async (query: FleetQuery) => {
      let rows = SEED_ROWS.filter(
        r => !query.cluster || r.cluster === query.cluster,
      );
      if (query.filter?.includes('degraded'))
        rows = rows.filter(r => r.health === 'Degraded');
      if (query.filter?.includes('drifted'))
        rows = rows.filter(r => r.drift?.drifted);
      if (query.q) rows = rows.filter(r => r.name.includes(query.q!));
      return fleetResponse(rows, {
        offset: query.offset,
        limit: query.limit,
        totalCount: totalCount ?? rows.length,
      });
    }),
  });
}

function rowOf(cluster: string, name: string): HTMLElement {
  const row = screen
    .getAllByRole('link', { name })
    .map(link => link.closest('tr'))
    .find(tr => tr && within(tr).queryByText(cluster));
  if (!row) throw new Error(`no row ${cluster}/${name}`);
  return row;
}

describe('FleetTable', () => {
  it('lists one row per instance, linking to its entity page, with the summary', async () => {
    const api = fleetApi();
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    expect(
      await screen.findByRole('link', { name: 'physics-101' }, slow),
    ).toHaveAttribute('href', '/catalog/staging/component/physics-101');
    expect(api.getFleet).toHaveBeenCalledWith({ offset: 0, limit: 20 });

    const physics = rowOf('staging', 'physics-101');
    expect(physics).toHaveTextContent('OutOfSync');
    expect(physics).toHaveTextContent('Physics 101');
    const university = rowOf('production', 'university');
    expect(university).toHaveTextContent('12/20at max');
    const legacy = rowOf('production', 'legacy-campus');
    expect(legacy).toHaveTextContent('Degraded');
    expect(legacy).toHaveTextContent('1 crash-looping');
    expect(legacy).toHaveTextContent('1 failed jobs');
    expect(legacy).toHaveTextContent('5/7');
    expect(rowOf('production', 'archive')).toHaveTextContent('failing');

    const filters = screen.getByRole('group', { name: 'Fleet filters' });
    expect(within(filters).getByText('All (8)')).toBeVisible();
    expect(within(filters).getByText('Out of sync (1)')).toBeVisible();
    expect(within(filters).getByText('Degraded (1)')).toBeVisible();
    expect(within(filters).getByText('At max replicas (1)')).toBeVisible();
    expect(within(filters).getByText('Crash-looping (1)')).toBeVisible();
    expect(within(filters).getByText('Backup overdue (1)')).toBeVisible();
  });

  it('filters on the server when a count is clicked', async () => {
    const api = fleetApi();
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    await userEvent.click(await screen.findByText('Degraded (1)', {}, slow));
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith({
        filter: ['degraded'],
        offset: 0,
        limit: 20,
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'physics-101' })).toBeNull(),
    );
    expect(screen.getByRole('link', { name: 'legacy-campus' })).toBeVisible();
  });

  it('shows each row’s drift and filters the drifted ones on the server', async () => {
    const api = fleetApi();
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    await screen.findByRole('link', { name: 'physics-101' }, slow);
    // Its config.yml names a build not deployed, and ArgoCD is behind the head.
    expect(rowOf('staging', 'physics-101')).toHaveTextContent(
      'driftedimages, revision',
    );
    expect(rowOf('production', 'university')).toHaveTextContent('none');
    await userEvent.click(screen.getByText('Drifted (1)'));
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith({
        filter: ['drifted'],
        offset: 0,
        limit: 20,
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'legacy-campus' })).toBeNull(),
    );
    expect(screen.getByRole('link', { name: 'physics-101' })).toBeVisible();
    expect(
      screen.getByText('Drifted (1)').closest('[aria-pressed]'),
    ).toHaveAttribute('aria-pressed', 'true');
  });

  it('sorts on the server when a column header is clicked', async () => {
    const api = fleetApi();
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    await screen.findByRole('link', { name: 'physics-101' }, slow);
    // The sort label of the Health column header.
    await userEvent.click(screen.getAllByRole('button', { name: 'Health' })[0]);
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: 'health', order: 'asc', offset: 0 }),
      ),
    );
  });

  it('asks for the next page on the server', async () => {
    const api = fleetApi(45);
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    await screen.findByRole('link', { name: 'physics-101' }, slow);
    await userEvent.click(
      screen.getAllByRole('button', { name: 'Next Page' })[0],
    );
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith({ offset: 20, limit: 20 }),
    );
  });

  it('searches on the server', async () => {
    const api = fleetApi();
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    await screen.findByRole('link', { name: 'physics-101' }, slow);
    await userEvent.type(screen.getByRole('textbox'), 'campus');
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith(
        expect.objectContaining({ q: 'campus', offset: 0 }),
      ),
    );
  });

  it('shows the error with its reason, and stale clusters', async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest
        .fn()
        .mockRejectedValueOnce(new Error('Cluster "mars" is not configured'))
        .mockResolvedValue({
          ...fleetResponse(SEED_ROWS),
          clusters: [
            freshness('staging'),
            freshness('production', { seconds: 120, error: 'watch pods: EOF' }),
          ],
        }),
    });
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    expect(
      (
        await screen.findAllByText(/Cluster "mars" is not configured/, {}, slow)
      )[0],
    ).toBeInTheDocument();
  });

  it('warns about a stale cluster', async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest.fn().mockResolvedValue({
        ...fleetResponse(SEED_ROWS),
        clusters: [
          freshness('staging'),
          freshness('production', { seconds: 120, error: 'watch pods: EOF' }),
        ],
      }),
    });
    await renderInTestApp(<FleetTable />, {
      mountedRoutes,
      apis: [[launchpadApiRef, api]],
    });
    expect(
      await screen.findByText(
        /Data from cluster production is stale \(last updated 2 min ago\)/,
        {},
        slow,
      ),
    ).toBeInTheDocument();
  });
});

describe('ClusterFleetCard', () => {
  it("asks for the cluster page's own instances", async () => {
    const api = fleetApi();
    await renderInTestApp(
      <EntityProvider entity={clusterEntity('production')}>
        <ClusterFleetCard />
      </EntityProvider>,
      { mountedRoutes, apis: [[launchpadApiRef, api]] },
    );
    expect(
      await screen.findByRole('link', { name: 'university' }, slow),
    ).toBeVisible();
    expect(api.getFleet).toHaveBeenCalledWith({
      cluster: 'production',
      offset: 0,
      limit: 20,
    });
    expect(screen.queryByRole('link', { name: 'physics-101' })).toBeNull();
  });
});
