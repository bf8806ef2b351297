import { screen, within } from '@testing-library/react';
import { BackupsCard } from './BackupsCard';
import { instanceStatus } from '../../testing/statusFixtures';
import {
  fakeLaunchpadApi,
  renderStatusCard,
  slow,
} from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

describe('BackupsCard', () => {
  it('shows a covered instance with its schedule and the managed-database note', async () => {
    await renderStatusCard(<BackupsCard />, {
      status: instanceStatus({ cluster: 'production', dumpCronJobs: true }),
    });
    expect(
      await screen.findByTestId('backup-verdict', {}, slow),
    ).toHaveTextContent('Covered');
    expect(
      screen.getByText(
        'Last completed Velero backup: daily-instances-20261201030000, 6 h old',
      ),
    ).toBeVisible();
    const schedule = within(
      screen.getByRole('table', { name: 'Velero schedules' }),
    ).getAllByRole('row')[1];
    expect(schedule).toHaveTextContent(
      /^daily-instances0 3 \* \* \*720h0m0s6 h ago$/,
    );
    const dumps = within(
      screen.getByRole('table', { name: 'Backup CronJobs' }),
    ).getAllByRole('row');
    expect(dumps[1]).toHaveTextContent(/^mongodb-dump30 2 \* \* \*6 h ago$/);
    expect(dumps[2]).toHaveTextContent(/^mysql-dump/);
    expect(
      screen.getByText(/Managed databases .* are outside\s+Velero/),
    ).toBeVisible();
  });

  it('shows failing backups and a failing dump CronJob', async () => {
    await renderStatusCard(<BackupsCard />, {
      status: instanceStatus({
        cluster: 'production',
        slug: 'archive',
        state: 'backup-failing',
        dumpCronJobs: true,
      }),
    });
    expect(
      await screen.findByTestId('backup-verdict', {}, slow),
    ).toHaveTextContent('Failing');
    expect(
      screen.getByText(/daily-instances-20261127030000, 4 days old/),
    ).toBeVisible();
    const failures = within(
      screen.getByRole('table', { name: 'Failed backups' }),
    ).getAllByRole('row');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toHaveTextContent(
      /^daily-instances-20261201030000Failederror checking if backup already exists/,
    );
    expect(failures[1]).toHaveTextContent(
      /^daily-instances-20261130030000PartiallyFailed, 3 errors, 1 warnings/,
    );
    expect(
      screen.getByText(/The run scheduled at .* has not succeeded/),
    ).toBeVisible();
  });

  it('shows an overdue backup', async () => {
    await renderStatusCard(<BackupsCard />, {
      status: instanceStatus({ state: 'backup-overdue' }),
    });
    expect(
      await screen.findByTestId('backup-verdict', {}, slow),
    ).toHaveTextContent('Overdue');
    expect(
      screen.getByText(
        "The last completed backup is 4 days old, older than its schedule's period",
      ),
    ).toBeVisible();
  });

  it('shows progress while loading', async () => {
    await renderStatusCard(<BackupsCard />, { api: fakeLaunchpadApi() });
    expect(await screen.findByRole('progressbar', {}, slow)).toBeVisible();
  });

  it('shows the error with its reason', async () => {
    await renderStatusCard(<BackupsCard />, {
      status: new Error('Cluster "production" is not answering: timeout'),
    });
    expect(
      (await screen.findAllByText(/is not answering: timeout/, {}, slow))[0],
    ).toBeInTheDocument();
  });

  it('warns that the data is stale', async () => {
    await renderStatusCard(<BackupsCard />, {
      status: instanceStatus({
        stale: { seconds: 600, error: 'watch backups: 403 Forbidden' },
      }),
    });
    expect(
      await screen.findByText(/stale \(last updated 10 min ago\)/, {}, slow),
    ).toBeInTheDocument();
  });
});
