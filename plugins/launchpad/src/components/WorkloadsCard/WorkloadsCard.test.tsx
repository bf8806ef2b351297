import { screen, within } from '@testing-library/react';
import { WorkloadsCard } from './WorkloadsCard';
import { instanceStatus } from '../../testing/statusFixtures';
import {
  fakeLaunchpadApi,
  renderStatusCard,
  slow,
} from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

function rowOf(table: string, name: string | RegExp): HTMLElement {
  const row = within(screen.getByRole('table', { name: table }))
    .getByText(name)
    .closest('tr');
  if (!row) throw new Error(`no row ${name} in ${table}`);
  return row;
}

describe('WorkloadsCard', () => {
  it('shows each Deployment ready of desired', async () => {
    await renderStatusCard(<WorkloadsCard />, { status: instanceStatus() });
    await screen.findByRole('table', { name: 'Deployments' }, slow);
    expect(rowOf('Deployments', 'lms')).toHaveTextContent(/^lms2\/2Available$/);
    expect(rowOf('Deployments', 'mfe')).toHaveTextContent(/^mfe1\/1Available$/);
    expect(
      screen.queryByRole('table', { name: 'Containers waiting' }),
    ).toBeNull();
    expect(screen.queryByRole('table', { name: 'Failed Jobs' })).toBeNull();
  });

  it('shows a degraded instance: failing Deployment, crash-looping and image-pull containers, failed Job', async () => {
    await renderStatusCard(<WorkloadsCard />, {
      status: instanceStatus({
        cluster: 'production',
        slug: 'legacy-campus',
        state: 'degraded',
      }),
    });
    await screen.findByRole('table', { name: 'Deployments' }, slow);
    const lms = rowOf('Deployments', 'lms');
    expect(lms).toHaveTextContent(/^lms0\/2Failing/);
    expect(lms).toHaveTextContent(
      'ReplicaSet "lms-7d9f8b6c5d" has timed out progressing.',
    );
    expect(
      rowOf('Containers waiting', /^lms-7d9f8b6c5d-x2k4p/),
    ).toHaveTextContent(/CrashLoopBackOff.*14$/);
    expect(rowOf('Containers waiting', /^mfe-5c6b7d8e9f/)).toHaveTextContent(
      /ImagePullBackOff/,
    );
    expect(rowOf('Failed Jobs', 'lms-job-20261201083000')).toHaveTextContent(
      /BackoffLimitExceededJob has reached the specified backoff limit25 min ago/,
    );
  });

  it('shows the provisioning workflows and the step that failed', async () => {
    await renderStatusCard(<WorkloadsCard />, {
      status: instanceStatus({
        slug: 'summer-school',
        workflows: [
          { template: 'mysql-provision', phase: 'Failed' },
          { template: 'storage-provision', phase: 'Running' },
        ],
      }),
    });
    await screen.findByRole('table', { name: 'Workflows' }, slow);
    expect(
      rowOf('Workflows', 'mysql-provision-summer-school'),
    ).toHaveTextContent(
      /Failed.*create-database: ERROR 1044 \(42000\): Access denied/,
    );
    expect(
      rowOf('Workflows', 'storage-provision-summer-school'),
    ).toHaveTextContent(/Running10 min ago$/);
  });

  it('shows a paused Deployment as a warning, not Available', async () => {
    const status = instanceStatus({ pausedDeployments: ['lms'] });
    // The derivation keeps the Deployment's verdict ok and warns on the workloads.
    expect(status.workloads.verdict).toBe('warning');
    await renderStatusCard(<WorkloadsCard />, { status });
    await screen.findByRole('table', { name: 'Deployments' }, slow);
    const lms = rowOf('Deployments', 'lms');
    expect(lms).toHaveTextContent(
      /^lms2\/2Pausedrollout paused: kubectl rollout resume$/,
    );
    expect(within(lms).queryByText('Available')).toBeNull();
    expect(rowOf('Deployments', 'cms')).toHaveTextContent(/^cms2\/2Available$/);
  });

  it('shows a suspended workflow as Suspended, not just Running', async () => {
    await renderStatusCard(<WorkloadsCard />, {
      status: instanceStatus({
        slug: 'summer-school',
        workflows: [
          { template: 'mysql-provision', phase: 'Running', suspend: 'node' },
          { template: 'storage-provision', phase: 'Running', suspend: 'spec' },
          { template: 'mongodb-provision', phase: 'Running' },
        ],
      }),
    });
    await screen.findByRole('table', { name: 'Workflows' }, slow);
    for (const name of [
      'mysql-provision-summer-school',
      'storage-provision-summer-school',
    ]) {
      expect(rowOf('Workflows', name)).toHaveTextContent(
        /SuspendedRunning, waits for argo resume \(or an approval\)10 min ago$/,
      );
    }
    expect(
      rowOf('Workflows', 'mongodb-provision-summer-school'),
    ).toHaveTextContent(/mongodb-provisionRunning10 min ago$/);
  });

  it('says the steps of an offloaded workflow are in Argo, not that none failed', async () => {
    await renderStatusCard(<WorkloadsCard />, {
      status: instanceStatus({
        slug: 'summer-school',
        workflows: [
          { template: 'mysql-provision', phase: 'Failed', offloaded: true },
          {
            template: 'storage-provision',
            phase: 'Succeeded',
            offloaded: true,
          },
        ],
      }),
    });
    await screen.findByRole('table', { name: 'Workflows' }, slow);
    expect(
      rowOf('Workflows', 'mysql-provision-summer-school'),
    ).toHaveTextContent(
      /Failedchild failedSteps offloaded to Argo's database: see them in the Argo UI/,
    );
    expect(
      rowOf('Workflows', 'storage-provision-summer-school'),
    ).toHaveTextContent(/storage-provisionSucceeded\d+ min ago$/);
  });

  it('shows progress while loading', async () => {
    await renderStatusCard(<WorkloadsCard />, { api: fakeLaunchpadApi() });
    expect(await screen.findByRole('progressbar', {}, slow)).toBeVisible();
  });

  it('shows the error with its reason', async () => {
    await renderStatusCard(<WorkloadsCard />, {
      status: new Error('Instance component:staging/demo was not found'),
    });
    expect(
      (
        await screen.findAllByText(
          /component:staging\/demo was not found/,
          {},
          slow,
        )
      )[0],
    ).toBeInTheDocument();
  });

  it('warns that the data is stale', async () => {
    await renderStatusCard(<WorkloadsCard />, {
      status: instanceStatus({
        stale: { seconds: 45, error: 'watch pods: connect ECONNREFUSED' },
      }),
    });
    expect(
      await screen.findByText(/stale \(last updated 45 s ago\)/, {}, slow),
    ).toBeInTheDocument();
  });
});
