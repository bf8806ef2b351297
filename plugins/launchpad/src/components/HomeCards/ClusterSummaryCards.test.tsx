import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { FleetRow } from '@internal/plugin-launchpad-common';
import { launchpadApiRef, type FleetQuery } from '../../api';
import { SEED_ROWS, fleetResponse } from '../../testing/statusFixtures';
import { fakeLaunchpadApi, slow } from '../../__testUtils__/statusTestUtils';
import { ClusterSummaryCards } from './ClusterSummaryCards';

/** The fixture's answer with the counts of the cluster asked for, as the backend computes them. */
function answer(query: FleetQuery) {
  const rows = SEED_ROWS.filter(
    r => !query.cluster || r.cluster === query.cluster,
  );
  const count = (p: (r: FleetRow) => boolean) => rows.filter(p).length;
  const response = fleetResponse(rows.slice(0, query.limit));
  return {
    ...response,
    summary: {
      ...response.summary,
      total: rows.length,
      outOfSync: count(r => r.sync === 'OutOfSync'),
      degraded: count(r => r.health === 'Degraded'),
      atMax: count(r => r.replicas.atMax),
      backupOverdue: count(
        r => r.backup === 'overdue' || r.backup === 'failing',
      ),
    },
  };
}

describe('ClusterSummaryCards', () => {
  it("shows each cluster's counts, each linking to the filtered fleet page", async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest.fn(async (query: FleetQuery) => answer(query)),
    });
    await renderInTestApp(<ClusterSummaryCards />, {
      apis: [[launchpadApiRef, api]],
    });
    const staging = SEED_ROWS.filter(r => r.cluster === 'staging');
    expect(
      await screen.findByRole(
        'link',
        { name: `${staging.length} instances on staging` },
        slow,
      ),
    ).toHaveAttribute('href', '/launchpad/fleet?cluster=staging');
    const outOfSync = staging.filter(r => r.sync === 'OutOfSync').length;
    expect(outOfSync).toBeGreaterThan(0);
    expect(
      screen.getByRole('link', { name: `${outOfSync} out of sync on staging` }),
    ).toHaveAttribute(
      'href',
      '/launchpad/fleet?cluster=staging&filter=out-of-sync',
    );
    const production = SEED_ROWS.filter(r => r.cluster === 'production');
    const degraded = production.filter(r => r.health === 'Degraded').length;
    expect(degraded).toBeGreaterThan(0);
    expect(
      screen.getByRole('link', { name: `${degraded} degraded on production` }),
    ).toHaveAttribute(
      'href',
      '/launchpad/fleet?cluster=production&filter=degraded',
    );
    expect(
      screen.getByRole('link', { name: /at max replicas on production$/ }),
    ).toHaveAttribute(
      'href',
      '/launchpad/fleet?cluster=production&filter=at-max',
    );
    expect(
      screen.getByRole('link', { name: /backup overdue on production$/ }),
    ).toHaveAttribute(
      'href',
      '/launchpad/fleet?cluster=production&filter=backup-overdue',
    );
    // One request names the clusters, then one page of one row per cluster.
    expect(api.getFleet).toHaveBeenCalledWith({ limit: 1 });
    expect(api.getFleet).toHaveBeenCalledWith({ cluster: 'staging', limit: 1 });
    expect(api.getFleet).toHaveBeenCalledWith({
      cluster: 'production',
      limit: 1,
    });
    expect(api.getFleet).toHaveBeenCalledTimes(3);
  });

  it('shows the error when the status backend fails', async () => {
    const api = fakeLaunchpadApi({
      getFleet: jest.fn().mockRejectedValue(new Error('launchpad is down')),
    });
    await renderInTestApp(<ClusterSummaryCards />, {
      apis: [[launchpadApiRef, api]],
    });
    expect(
      await screen.findByText('Error: launchpad is down', {}, slow),
    ).toBeVisible();
  });
});
