import { screen } from '@testing-library/react';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import {
  catalogApiMock,
  createTestEntityPage,
} from '@backstage/plugin-catalog-react/testUtils';
import launchpadPlugin, {
  argocdCard,
  autoscalingCard,
  backupsCard,
  clusterFleetCard,
  workloadsCard,
} from './plugin';
import { launchpadApiRef } from '../api';
import { instanceEntity } from '../testing/fixtures';
import { instanceStatus } from '../testing/statusFixtures';
import { fakeLaunchpadApi, slow } from '../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

describe('launchpad status extensions', () => {
  it('has the ids app-config.yaml orders', () => {
    for (const id of [
      'api:launchpad',
      'entity-card:launchpad/argocd',
      'entity-card:launchpad/autoscaling',
      'entity-card:launchpad/workloads',
      'entity-card:launchpad/backups',
      'entity-card:launchpad/cluster-fleet',
      'page:launchpad/fleet',
    ]) {
      expect(launchpadPlugin.getExtension(id as never)).toBeDefined();
    }
  });

  it('shows the four status cards on an instance page, from one status request', async () => {
    const entity = instanceEntity();
    const api = fakeLaunchpadApi({
      getInstanceStatus: jest.fn(async () => instanceStatus()),
    });
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity }),
        argocdCard,
        autoscalingCard,
        workloadsCard,
        backupsCard,
        clusterFleetCard,
      ],
      apis: [
        catalogApiMock({ entities: [entity] }),
        [launchpadApiRef, api],
        mockApis.permission(),
      ],
    });
    expect(await screen.findByText('ArgoCD', {}, slow)).toBeVisible();
    expect(await screen.findByText('Autoscaling', {}, slow)).toBeVisible();
    expect(await screen.findByText('Workloads', {}, slow)).toBeVisible();
    expect(await screen.findByText('Backups', {}, slow)).toBeVisible();
    expect(
      await screen.findByLabelText('Sync: Synced', {}, slow),
    ).toBeVisible();
    expect(screen.queryByText(/Instance status on/)).toBeNull();
  });
});
