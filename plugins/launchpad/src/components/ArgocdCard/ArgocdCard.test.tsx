import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import { ArgocdCard } from './ArgocdCard';
import {
  CONFIG_TAG_OUT_OF_SYNC,
  instanceStatus,
  REVISION,
  RUNNING_TAG,
} from '../../testing/statusFixtures';
import { instanceEntity } from '../../testing/fixtures';
import {
  fakeLaunchpadApi,
  renderStatusCard,
  slow,
} from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

describe('ArgocdCard', () => {
  it('shows a healthy application: chips, revision with its commit, last sync, history newest first', async () => {
    await renderStatusCard(<ArgocdCard />, { status: instanceStatus() });
    expect(
      await screen.findByLabelText('Sync: Synced', {}, slow),
    ).toBeVisible();
    expect(screen.getByLabelText('Health: Healthy')).toBeVisible();
    expect(screen.getByText('demo-staging')).toBeVisible();
    const details = screen.getByRole('table', { name: 'ArgoCD application' });
    expect(
      // Backstage's Link adds ", Opens in a new window" for external URLs.
      within(details).getByRole('link', {
        name: new RegExp(`^${REVISION.slice(0, 7)}`),
      }),
    ).toHaveAttribute(
      'href',
      `https://github.com/acme-edu/launchpad-cluster-staging/commit/${REVISION}`,
    );
    expect(within(details).getByText(/Succeeded/)).toHaveTextContent(
      'Succeeded 61 min ago by automated',
    );
    const history = within(
      screen.getByRole('table', { name: 'Sync history' }),
    ).getAllByRole('row');
    // Header, then the newest entry first.
    expect(history).toHaveLength(3);
    expect(history[1]).toHaveTextContent(
      new RegExp(`^${REVISION.slice(0, 7)}.*61 min ago$`),
    );
    expect(history[2]).toHaveTextContent(/^0b1c2d3.*24 h ago$/);
    expect(
      screen.getByRole('link', { name: /Open in ArgoCD/ }),
    ).toHaveAttribute(
      'href',
      'http://127.0.0.1:7101/argocd/applications/demo-staging',
    );
    expect(screen.queryByRole('list', { name: 'Problems' })).toBeNull();
  });

  it('offers Sync on an out-of-sync application and syncs after confirmation', async () => {
    const status = instanceStatus({
      slug: 'physics-101',
      state: 'out-of-sync',
    });
    const api = fakeLaunchpadApi({
      getInstanceStatus: jest.fn(async () => status),
      syncInstance: jest.fn(async () => ({
        application: 'physics-101-staging',
      })),
    });
    await renderStatusCard(<ArgocdCard />, {
      api,
      entity: instanceEntity({ slug: 'physics-101' }),
    });
    expect(
      await screen.findByLabelText('Sync: OutOfSync', {}, slow),
    ).toBeVisible();
    expect(
      screen.getByText('The cluster differs from the repository (out of sync)'),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: 'Sync' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Sync physics-101-staging?')).toBeVisible();
    expect(api.syncInstance).not.toHaveBeenCalled();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Confirm sync' }),
    );
    expect(
      await screen.findByText('Sync of physics-101-staging started'),
    ).toBeVisible();
    expect(api.syncInstance).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'staging',
      name: 'physics-101',
    });
    // The card asks again after the sync started.
    await waitFor(() =>
      expect(api.getInstanceStatus.mock.calls.length).toBeGreaterThan(1),
    );
  });

  it('does not sync when the confirmation is cancelled', async () => {
    const { api } = await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({ state: 'out-of-sync' }),
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sync' }, slow),
    );
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Cancel',
      }),
    );
    expect(api.syncInstance).not.toHaveBeenCalled();
  });

  it('shows why a sync was refused', async () => {
    const api = fakeLaunchpadApi({
      getInstanceStatus: jest.fn(async () =>
        instanceStatus({ state: 'out-of-sync' }),
      ),
      syncInstance: jest.fn(async () => {
        throw new Error('You are not allowed to sync demo-staging');
      }),
    });
    await renderStatusCard(<ArgocdCard />, { api });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sync' }, slow),
    );
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Confirm sync',
      }),
    );
    expect(
      await screen.findByText(
        'Sync failed: You are not allowed to sync demo-staging',
      ),
    ).toBeVisible();
  });

  it('refreshes without confirmation', async () => {
    const { api } = await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus(),
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Refresh' }, slow),
    );
    expect(
      await screen.findByText('Refresh of demo-staging requested'),
    ).toBeVisible();
    expect(api.refreshInstance).toHaveBeenCalledTimes(1);
  });

  it('hides Sync and Refresh from users without launchpad.argocd.sync', async () => {
    // usePermission caches answers per permission and resource across
    // renders (SWR), so this test asks about an instance no other test does.
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({
        cluster: 'production',
        slug: 'physics-101',
        state: 'out-of-sync',
      }),
      allowed: false,
    });
    expect(
      await screen.findByLabelText('Sync: OutOfSync', {}, slow),
    ).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Sync' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Refresh' })).toBeNull();
  });

  it('shows a degraded application with its problems', async () => {
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({
        cluster: 'production',
        slug: 'legacy-campus',
        state: 'degraded',
      }),
    });
    expect(
      await screen.findByLabelText('Health: Degraded', {}, slow),
    ).toBeVisible();
    const problems = screen.getByRole('list', { name: 'Problems' });
    expect(problems).toHaveTextContent(/The application is Degraded/);
    expect(problems).toHaveTextContent(/Deployment lms/);
  });

  it('shows the operation in progress', async () => {
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({ state: 'syncing' }),
    });
    expect(await screen.findByText('Operation', {}, slow)).toBeVisible();
    expect(screen.getByText(/Sync pending/)).toBeVisible();
  });

  it('shows progress while loading', async () => {
    await renderStatusCard(<ArgocdCard />, { api: fakeLaunchpadApi() });
    expect(await screen.findByRole('progressbar', {}, slow)).toBeVisible();
  });

  it('shows the error with its reason', async () => {
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'ServiceUnavailableError',
          message:
            'Cluster "staging" is not answering: connect ECONNREFUSED 127.0.0.1:7101',
        },
        response: { statusCode: 503 },
      }),
      { status: 503, headers: { 'Content-Type': 'application/json' } },
    );
    await renderStatusCard(<ArgocdCard />, {
      status: await ResponseError.fromResponse(response),
    });
    expect(
      (
        await screen.findAllByText(
          /Cluster "staging" is not answering: connect ECONNREFUSED/,
          {},
          slow,
        )
      )[0],
    ).toBeInTheDocument();
  });

  it('warns that the data is stale, with its age and the error', async () => {
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({
        stale: { seconds: 300, error: 'watch applications: socket hang up' },
      }),
    });
    expect(
      await screen.findByText(
        /Data from cluster staging is stale \(last updated 5 min ago\)/,
        {},
        slow,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('watch applications: socket hang up'),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Sync: Synced')).toBeVisible();
  });

  it('shows drift: each Deployment running an older image than config.yml, and the synced revision behind the branch head, linked to the commits', async () => {
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({ slug: 'physics-101', state: 'out-of-sync' }),
      entity: instanceEntity({ slug: 'physics-101' }),
    });
    const images = await screen.findByLabelText('Image drift', {}, slow);
    expect(images).toHaveTextContent(/^Images: drifted/);
    // The four Open edX Deployments run the old tag; the MFE matches.
    for (const name of ['lms', 'cms', 'lms-worker', 'cms-worker']) {
      expect(images).toHaveTextContent(
        `${name} runs docker.io/acme-edu/openedx-physics-101:${RUNNING_TAG}; config.yml names docker.io/acme-edu/openedx-physics-101:${CONFIG_TAG_OUT_OF_SYNC}`,
      );
    }
    expect(images).not.toHaveTextContent('mfe runs');
    const revision = screen.getByLabelText('Revision drift');
    // Backstage's Link adds ", Opens in a new window" for external URLs.
    expect(revision).toHaveTextContent(
      new RegExp(
        `^Revision: behind synced 0b1c2d3(, Opens in a new window)?, branch head ${REVISION.slice(
          0,
          7,
        )}`,
      ),
    );
    expect(revision).toHaveTextContent(
      `ArgoCD last synced 0b1c2d3; main is at ${REVISION.slice(0, 7)}`,
    );
    const links = within(revision).getAllByRole('link');
    expect(links.map(l => l.getAttribute('href'))).toEqual([
      'https://github.com/acme-edu/launchpad-cluster-staging/commit/0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c',
      `https://github.com/acme-edu/launchpad-cluster-staging/commit/${REVISION}`,
    ]);
    expect(
      within(screen.getByRole('table', { name: 'Drift' })).getByText('Drifted'),
    ).toBeVisible();
  });

  it('says there is no drift when images and revision match', async () => {
    await renderStatusCard(<ArgocdCard />, { status: instanceStatus() });
    const drift = await screen.findByRole('table', { name: 'Drift' }, slow);
    expect(within(drift).getByText('None')).toBeVisible();
    expect(screen.getByLabelText('Image drift')).toHaveTextContent(
      'Images: in sync',
    );
    expect(screen.getByLabelText('Revision drift')).toHaveTextContent(
      /^Revision: in sync synced 4f2a9c1/,
    );
  });

  it('says unknown, with the reason, when it cannot tell', async () => {
    const status = instanceStatus();
    await renderStatusCard(<ArgocdCard />, {
      status: {
        ...status,
        drift: {
          images: 'unknown',
          imageDetails: [
            {
              service: 'openedx',
              configImage: 'acme-edu/openedx-demo:teak-1',
              state: 'unknown',
              reason: 'no Deployment runs it',
            },
          ],
          revision: 'unknown',
          revisionReason: 'the branch head is not known yet',
          drifted: false,
        },
      },
    });
    const unknown = await screen.findByRole('table', { name: 'Drift' }, slow);
    expect(within(unknown).getByText('Unknown')).toBeVisible();
    expect(screen.getByLabelText('Image drift')).toHaveTextContent(
      'Images: unknown (openedx: no Deployment runs it)',
    );
    expect(screen.getByLabelText('Revision drift')).toHaveTextContent(
      'Revision: unknownthe branch head is not known yet',
    );
  });

  it('asks for the annotation when the instance names no ArgoCD application', async () => {
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({ noApplication: true }),
      entity: instanceEntity({ annotations: { 'argocd/app-name': '' } }),
    });
    expect(
      (await screen.findAllByText(/argocd\/app-name/, {}, slow))[0],
    ).toBeInTheDocument();
  });

  it('says so when the cluster has no application of that name', async () => {
    await renderStatusCard(<ArgocdCard />, {
      status: instanceStatus({ noApplication: true }),
    });
    expect(
      await screen.findByText('No ArgoCD application', {}, slow),
    ).toBeVisible();
  });
});
