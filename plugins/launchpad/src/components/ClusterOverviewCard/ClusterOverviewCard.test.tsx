import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { Entity } from '@backstage/catalog-model';
import { ClusterOverviewCard } from './ClusterOverviewCard';
import { clusterEntity } from '../../testing/fixtures';

function render(entity: Entity) {
  return renderInTestApp(
    <EntityProvider entity={entity}>
      <ClusterOverviewCard />
    </EntityProvider>,
  );
}

function rowText(label: string): string {
  return screen.getByText(label).closest('tr')?.textContent ?? '';
}

describe('ClusterOverviewCard', () => {
  it('shows the environment, domain, repository and API server', async () => {
    await render(clusterEntity('production'));
    expect(screen.getByText('Kubernetes cluster')).toBeVisible();
    expect(rowText('Environment')).toBe('Environmentproduction');
    // The seed's production domain (packages/sandbox/src/seed/instances.ts).
    expect(rowText('Domain')).toBe('Domainlearn.acme.test');
    expect(rowText('API server')).toBe('API serverhttp://127.0.0.1:7101');
    expect(
      screen.getByRole('link', {
        name: /^acme-edu\/launchpad-cluster-production/,
      }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme-edu/launchpad-cluster-production',
    );
    expect(screen.queryByText(/Configuration error/)).not.toBeInTheDocument();
  });

  it('shows a configuration error recorded on the cluster', async () => {
    const entity = clusterEntity('staging');
    entity.metadata.annotations!['launchpad.openedx.org/config-error'] =
      'cluster repository acme-edu/launchpad-cluster-staging not found';
    await render(entity);
    expect(screen.getByText('Error: Configuration error')).toBeVisible();
    expect(
      screen.getByText(
        'cluster repository acme-edu/launchpad-cluster-staging not found',
      ),
    ).toBeVisible();
  });
});
