// Wall-clock times are the browser's; the tests read them in UTC everywhere.
process.env.TZ = 'UTC';

import { screen } from '@testing-library/react';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import {
  catalogApiMock,
  createTestEntityPage,
} from '@backstage/plugin-catalog-react/testUtils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import launchpadPlugin, { argocdCard, historyCard } from './plugin';
import { launchpadApiRef } from '../api';
import { clusterEntity, instanceEntity } from '../testing/fixtures';
import {
  historyResponse,
  newInstanceHistory,
} from '../testing/historyFixtures';
import { instanceStatus } from '../testing/statusFixtures';
import { fakeLaunchpadApi, slow } from '../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

/** On every entity page (no filter). */
const probeCard = EntityCardBlueprint.make({
  name: 'probe',
  params: { loader: async () => <div>Probe card</div> },
});

function renderPage(entity: ReturnType<typeof instanceEntity>) {
  const api = fakeLaunchpadApi({
    getInstanceStatus: jest.fn(async () => instanceStatus()),
    getInstanceHistory: jest.fn(async () =>
      historyResponse(newInstanceHistory()),
    ),
  });
  renderTestApp({
    extensions: [
      createTestEntityPage({ entity }),
      probeCard,
      argocdCard,
      historyCard,
    ],
    apis: [
      catalogApiMock({ entities: [entity] }),
      [launchpadApiRef, api],
      mockApis.permission(),
    ],
  });
  return api;
}

describe('entity-card:launchpad/history', () => {
  it('is the id app-config.yaml lists', () => {
    expect(
      launchpadPlugin.getExtension('entity-card:launchpad/history'),
    ).toBeDefined();
  });

  it('shows Provisioning and builds on an instance page, next to the status cards', async () => {
    renderPage(instanceEntity());
    expect(
      await screen.findByText('Provisioning and builds', {}, slow),
    ).toBeVisible();
    expect(await screen.findByLabelText('Summary', {}, slow)).toHaveTextContent(
      'created → provisioned → built → synced → healthy → degraded at 08:02',
    );
    expect(await screen.findByText('ArgoCD', {}, slow)).toBeVisible();
  });

  it('stays off cluster pages', async () => {
    const api = renderPage(clusterEntity());
    // A card for every entity shows the page's cards have rendered …
    expect(await screen.findByText('Probe card', {}, slow)).toBeVisible();
    // … without the instance cards, which never asked the backend.
    expect(screen.queryByText('Provisioning and builds')).toBeNull();
    expect(api.getInstanceHistory).not.toHaveBeenCalled();
  });
});
