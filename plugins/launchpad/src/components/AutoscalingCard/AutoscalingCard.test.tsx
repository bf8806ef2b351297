import { screen, within } from '@testing-library/react';
import { AutoscalingCard } from './AutoscalingCard';
import { instanceStatus } from '../../testing/statusFixtures';
import {
  fakeLaunchpadApi,
  renderStatusCard,
  slow,
} from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

describe('AutoscalingCard', () => {
  it('shows each HPA within its min–max, with metrics against targets', async () => {
    await renderStatusCard(<AutoscalingCard />, { status: instanceStatus() });
    const lms = await screen.findByTestId('hpa-lms-hpa', {}, slow);
    expect(within(lms).getByText(/2 of 2–10 replicas/)).toBeVisible();
    expect(within(lms).getByText('→ Deployment/lms')).toBeVisible();
    expect(
      within(lms).getByRole('progressbar', { name: 'lms-hpa replicas' }),
    ).toHaveAttribute('aria-valuenow', '20');
    const metrics = within(
      within(lms).getByRole('table', { name: 'lms-hpa metrics' }),
    ).getAllByRole('row');
    expect(metrics[1]).toHaveTextContent(/^cpu35%80%$/);
    expect(metrics[2]).toHaveTextContent(/^memory900Mi1500Mi$/);
    expect(within(lms).queryByRole('list', { name: 'Problems' })).toBeNull();
    expect(screen.getByTestId('hpa-cms-hpa')).toBeVisible();
  });

  it('warns when an HPA is pinned at its maximum', async () => {
    await renderStatusCard(<AutoscalingCard />, {
      status: instanceStatus({
        cluster: 'production',
        slug: 'university',
        state: 'at-max',
      }),
    });
    const lms = await screen.findByTestId('hpa-lms-hpa', {}, slow);
    expect(within(lms).getByText(/10 of 2–10 replicas/)).toBeVisible();
    expect(within(lms).getByRole('progressbar')).toHaveAttribute(
      'aria-valuenow',
      '100',
    );
    expect(
      within(lms).getByText(
        'Pinned at its maximum of 10 replicas: the desired replica count is more than the maximum replica count',
      ),
    ).toBeVisible();
    expect(within(lms).getByText('Warning')).toBeVisible();
    expect(
      within(screen.getByTestId('hpa-cms-hpa')).queryByText(/Pinned/),
    ).toBeNull();
  });

  it('warns when the metrics are unavailable', async () => {
    await renderStatusCard(<AutoscalingCard />, {
      status: instanceStatus({ state: 'metrics-unavailable' }),
    });
    const lms = await screen.findByTestId('hpa-lms-hpa', {}, slow);
    expect(within(lms).getAllByText('unavailable')).toHaveLength(2);
    expect(
      within(lms).getByText(
        /^Metrics unavailable: the HPA was unable to compute/,
      ),
    ).toBeVisible();
  });

  it('says so when the namespace has no autoscaler', async () => {
    const status = { ...instanceStatus(), autoscalers: [] };
    await renderStatusCard(<AutoscalingCard />, { status });
    expect(await screen.findByText('No autoscalers', {}, slow)).toBeVisible();
  });

  it('shows progress, then errors with their reason', async () => {
    await renderStatusCard(<AutoscalingCard />, { api: fakeLaunchpadApi() });
    expect(await screen.findByRole('progressbar', {}, slow)).toBeVisible();
  });

  it('shows the error with its reason', async () => {
    await renderStatusCard(<AutoscalingCard />, {
      status: new Error(
        'Cluster "staging" is not configured in launchpad.clusters',
      ),
    });
    expect(
      (
        await screen.findAllByText(
          /Cluster "staging" is not configured in launchpad.clusters/,
          {},
          slow,
        )
      )[0],
    ).toBeInTheDocument();
  });

  it('warns that the data is stale', async () => {
    await renderStatusCard(<AutoscalingCard />, {
      status: instanceStatus({
        stale: {
          seconds: 7200,
          error: 'watch hpas: 500 Internal Server Error',
        },
      }),
    });
    expect(
      await screen.findByText(/stale \(last updated 2 h ago\)/, {}, slow),
    ).toBeInTheDocument();
    expect(
      screen.getByText('watch hpas: 500 Internal Server Error'),
    ).toBeInTheDocument();
  });
});
