import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { launchpadApiRef, type FleetQuery } from '../../api';
import { FleetPage, fleetPageSearch } from './FleetPage';
import { SEED_ROWS, fleetResponse } from '../../testing/statusFixtures';
import { fakeLaunchpadApi, slow } from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

describe('FleetPage', () => {
  it('lists every cluster in its selector and narrows the table to one', async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest.fn(async (query: FleetQuery) =>
        fleetResponse(
          SEED_ROWS.filter(r => !query.cluster || r.cluster === query.cluster),
        ),
      ),
    });
    await renderInTestApp(<FleetPage />, {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [[launchpadApiRef, api]],
    });
    expect(
      await screen.findByRole('link', { name: 'physics-101' }, slow),
    ).toBeVisible();
    expect(screen.getAllByRole('link', { name: 'demo' })).toHaveLength(2);

    await userEvent.click(screen.getByText('All clusters'));
    const options = within(screen.getByRole('listbox')).getAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'All clusters',
      'staging',
      'production',
    ]);
    await userEvent.click(options[2]);
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith({
        cluster: 'production',
        offset: 0,
        limit: 20,
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'physics-101' })).toBeNull(),
    );
    expect(screen.getByText('Instances on production')).toBeVisible();
  });
});

describe('FleetPage in the URL', () => {
  it('opens on the cluster and filters the URL names, and keeps a new filter there', async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest.fn(async (query: FleetQuery) =>
        fleetResponse(
          SEED_ROWS.filter(r => !query.cluster || r.cluster === query.cluster),
        ),
      ),
    });
    await renderInTestApp(<FleetPage />, {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [[launchpadApiRef, api]],
      // `bogus` is no filter the backend knows: dropped, not sent.
      initialRouteEntries: ['/?cluster=production&filter=degraded,bogus'],
    });
    await waitFor(
      () =>
        expect(api.getFleet).toHaveBeenCalledWith({
          cluster: 'production',
          filter: ['degraded'],
          offset: 0,
          limit: 20,
        }),
      slow,
    );
    expect(await screen.findByText('Instances on production')).toBeVisible();
    const degraded = screen.getByRole('button', { name: /^Degraded/ });
    expect(degraded).toHaveAttribute('aria-pressed', 'true');

    await userEvent.click(screen.getByRole('button', { name: /^At max/ }));
    await waitFor(() =>
      expect(api.getFleet).toHaveBeenLastCalledWith({
        cluster: 'production',
        filter: ['degraded', 'at-max'],
        offset: 0,
        limit: 20,
      }),
    );
  });

  it('builds the query part of links to it', () => {
    expect(fleetPageSearch({})).toBe('');
    expect(
      fleetPageSearch({
        cluster: 'staging',
        filter: ['out-of-sync', 'at-max'],
      }),
    ).toBe('?cluster=staging&filter=out-of-sync%2Cat-max');
  });
});
