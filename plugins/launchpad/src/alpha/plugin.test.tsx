import { screen } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import {
  catalogApiMock,
  createTestEntityPage,
} from '@backstage/plugin-catalog-react/testUtils';
import { Entity } from '@backstage/catalog-model';
import launchpadPlugin, {
  clusterInstancesCard,
  clusterOverviewCard,
  instanceOverviewCard,
} from './plugin';
import { clusterEntity, instanceEntity } from '../testing/fixtures';

const cards = [instanceOverviewCard, clusterOverviewCard, clusterInstancesCard];

// Cards load lazily; on a busy machine that can take longer than the default.
const slow = { timeout: 10_000 };

async function renderEntityPage(entity: Entity) {
  renderTestApp({
    extensions: [createTestEntityPage({ entity }), ...cards],
    apis: [catalogApiMock({ entities: [entity] })],
  });
}

describe('launchpad frontend plugin', () => {
  it('has stable extension ids the app config refers to', () => {
    expect(launchpadPlugin.id).toBe('launchpad');
    expect([
      launchpadPlugin.getExtension('entity-card:launchpad/instance-overview'),
      launchpadPlugin.getExtension('entity-card:launchpad/cluster-overview'),
      launchpadPlugin.getExtension('entity-card:launchpad/cluster-instances'),
      launchpadPlugin.getExtension('catalog-filter:launchpad/cluster'),
      launchpadPlugin.getExtension('catalog-filter:launchpad/release'),
    ]).toHaveLength(5);
  });

  it('shows only the instance card on an openedx-instance page', async () => {
    await renderEntityPage(instanceEntity());
    expect(
      await screen.findByText('Open edX instance', {}, slow),
    ).toBeVisible();
    expect(screen.queryByText('Kubernetes cluster')).not.toBeInTheDocument();
    expect(screen.queryByText(/Open edX instances/)).not.toBeInTheDocument();
  });

  it('shows the cluster cards on a kubernetes-cluster page', async () => {
    await renderEntityPage(clusterEntity('staging'));
    expect(
      await screen.findByText('Kubernetes cluster', {}, slow),
    ).toBeVisible();
    expect(
      await screen.findByText('No Open edX instances', {}, slow),
    ).toBeVisible();
    expect(screen.queryByText('Open edX instance')).not.toBeInTheDocument();
  });

  it('shows none of its cards on other entities', async () => {
    const service: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'portal', namespace: 'default' },
      spec: { type: 'service', owner: 'group:default/platform-team' },
    };
    await renderEntityPage(service);
    // The test page renders this marker when every card's filter said no.
    expect(
      await screen.findByTestId('empty-entity-page', {}, slow),
    ).toBeInTheDocument();
  });
});
