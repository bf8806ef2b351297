// Wall-clock times are the browser's; the tests read them in UTC everywhere.
process.env.TZ = 'UTC';

import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import type { InstanceHistoryResponse } from '@internal/plugin-launchpad-common';
import { HISTORY_VISIBLE, HistoryCard } from './HistoryCard';
import type { TimelineEntry } from './timeline';
import { ANNOTATIONS, LABELS } from '../../constants';
import { instanceEntity } from '../../testing/fixtures';
import {
  failedProvisionHistory,
  historyResponse,
  minutesAgo,
  newInstanceHistory,
} from '../../testing/historyFixtures';
import { instanceStatus, REVISION } from '../../testing/statusFixtures';
import {
  fakeLaunchpadApi,
  renderStatusCard,
  slow,
} from '../../__testUtils__/statusTestUtils';

jest.setTimeout(30_000);

function render(
  history: InstanceHistoryResponse | Error | 'pending',
  options: {
    status?: 'fails';
    entity?: ReturnType<typeof instanceEntity>;
  } = {},
) {
  const api = fakeLaunchpadApi({
    getInstanceStatus: jest.fn(async () => {
      if (options.status === 'fails') {
        throw new Error('Cluster "staging" is not answering');
      }
      return instanceStatus();
    }),
    ...(history === 'pending'
      ? {}
      : {
          getInstanceHistory: jest.fn(async () => {
            if (history instanceof Error) throw history;
            return history;
          }),
        }),
  });
  return renderStatusCard(<HistoryCard />, { api, entity: options.entity });
}

/** The timeline's entries, newest first. */
async function timelineItems() {
  const timeline = await screen.findByRole(
    'list',
    { name: 'Instance history' },
    slow,
  );
  return within(timeline).getAllByRole('listitem');
}

describe('HistoryCard', () => {
  it("reads a new instance's story at a glance, then each entry newest first with times and links", async () => {
    const { api } = await render(historyResponse(newInstanceHistory()));
    expect(
      await screen.findByText('Provisioning and builds', {}, slow),
    ).toBeVisible();
    expect(await screen.findByLabelText('Summary', {}, slow)).toHaveTextContent(
      'created → provisioned → built → synced → healthy → degraded at 08:02',
    );
    expect(api.getInstanceHistory).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'staging', name: 'demo' },
      { limit: 100 },
    );

    const items = await timelineItems();
    expect(items).toHaveLength(8);

    // Newest: the health turned Degraded, with ArgoCD's message.
    const degraded = within(items[0]);
    expect(degraded.getByText('08:02')).toHaveAttribute(
      'title',
      minutesAgo(58),
    );
    expect(degraded.getByText('58 min ago')).toBeVisible();
    expect(degraded.getByText('Degraded')).toBeVisible();
    expect(degraded.getByLabelText('Phase: Synced · Degraded')).toBeVisible();
    expect(
      degraded.getByText('Deployment "lms" exceeded its progress deadline'),
    ).toBeVisible();
    expect(degraded.getByText('from Synced · Healthy')).toBeVisible();
    // Backstage's Link adds ", Opens in a new window" for external URLs.
    expect(
      degraded.getByRole('link', { name: /^demo-staging/ }),
    ).toHaveAttribute(
      'href',
      'http://127.0.0.1:7101/argocd/applications/demo-staging',
    );
    expect(
      degraded.getByRole('link', {
        name: new RegExp(`^${REVISION.slice(0, 7)}`),
      }),
    ).toHaveAttribute(
      'href',
      `https://github.com/acme-edu/launchpad-cluster-staging/commit/${REVISION}`,
    );

    expect(items[2]).toHaveTextContent(/^07:40.*Synced/);
    expect(
      within(items[2]).getByText('from OutOfSync · Missing'),
    ).toBeVisible();

    // The build: service, conclusion, its run, duration and image.
    const built = within(items[3]);
    expect(built.getByText('Build of the openedx image')).toBeVisible();
    expect(built.getByLabelText('Phase: Success')).toBeVisible();
    expect(built.getByRole('link', { name: /^Run 4242/ })).toHaveAttribute(
      'href',
      'https://github.com/acme-edu/launchpad-cluster-staging/actions/runs/4242',
    );
    expect(built.getByText('took 9 min')).toBeVisible();
    expect(
      built.getByText('ghcr.io/acme-edu/demo-openedx:teak-4f2a9c1'),
    ).toBeVisible();

    // The provision runs: purpose from the template, the run's name, duration.
    expect(
      items.slice(4, 7).map(item => item.querySelector('strong')?.textContent),
    ).toEqual(['Bucket provision', 'MongoDB provision', 'MySQL provision']);
    const mysql = within(items[6]);
    expect(mysql.getByLabelText('Phase: Succeeded')).toBeVisible();
    expect(mysql.getByText('mysql-provision-demo')).toBeVisible();
    expect(mysql.getByText('took 2 min')).toBeVisible();

    // Oldest: the application appeared, its resources not there yet.
    expect(within(items[7]).getByText('Created')).toBeVisible();
    expect(within(items[7]).getByText('2 h ago')).toBeVisible();

    // The header links to the instance's Picasso build workflow.
    expect(
      screen.getByRole('link', { name: /Picasso builds/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme-edu/launchpad-cluster-staging/actions/workflows/build.yml',
    );
  });

  it('shows the failing step and its message, a failed build and a run in progress', async () => {
    await render(historyResponse(failedProvisionHistory()));
    expect(await screen.findByLabelText('Summary', {}, slow)).toHaveTextContent(
      'MySQL provision failed → mfe build failed → deprovisioning at 08:57',
    );
    const [deprovision, build, mysql] = await timelineItems();
    expect(within(deprovision).getByText('Bucket deprovision')).toBeVisible();
    expect(within(deprovision).getByLabelText('Phase: Running')).toBeVisible();
    expect(within(deprovision).getByText('running for 3 min')).toBeVisible();
    expect(within(build).getByLabelText('Phase: Failure')).toBeVisible();
    expect(within(build).getByText('Build of the mfe image')).toBeVisible();
    expect(within(mysql).getByLabelText('Phase: Failed')).toBeVisible();
    expect(
      within(mysql).getByText(
        "Step create-user failed: ERROR 1044 (42000): Access denied for user 'launchpad'",
      ),
    ).toBeVisible();
  });

  it('shows a suspended run as Suspended and says where an offloaded run keeps its steps', async () => {
    const run = (fields: Partial<TimelineEntry>, minutes: number) =>
      ({
        type: 'workflow',
        at: minutesAgo(minutes),
        startedAt: minutesAgo(minutes),
        phase: 'Running',
        ...fields,
      } as TimelineEntry);
    await render(
      historyResponse([
        run(
          {
            name: 'mysql-provision-demo',
            template: 'mysql-provision-template',
            suspended: true,
          },
          4,
        ),
        run(
          {
            name: 'storage-provision-demo',
            template: 'storage-provision-template',
            phase: 'Failed',
            finishedAt: minutesAgo(6),
            message: 'child failed',
            nodesOffloaded: true,
          },
          8,
        ),
        // Suspended once, finished since: its phase, no note.
        run(
          {
            name: 'mongodb-provision-demo',
            template: 'mongodb-provision-template',
            phase: 'Succeeded',
            finishedAt: minutesAgo(10),
            suspended: true,
            nodesOffloaded: true,
          },
          12,
        ),
      ]),
    );
    expect(await screen.findByLabelText('Summary', {}, slow)).toHaveTextContent(
      'provisioned → bucket provision failed → MySQL provision suspended at 08:56',
    );
    const [suspended, offloaded, done] = await timelineItems();
    const chip = within(suspended).getByLabelText('Phase: Suspended');
    // The Workloads card's level: a warning, not running.
    expect(within(chip).getByText('Suspended')).toBeVisible();
    expect(chip.querySelector('[aria-label="Status warning"]')).not.toBeNull();
    expect(
      within(suspended).getByText(
        'Running, waits for argo resume (or an approval)',
      ),
    ).toBeVisible();
    expect(within(suspended).getByText('running for 4 min')).toBeVisible();
    expect(within(offloaded).getByLabelText('Phase: Failed')).toBeVisible();
    expect(within(offloaded).getByText('child failed')).toBeVisible();
    expect(
      within(offloaded).getByText(
        "Steps offloaded to Argo's database: see them in the Argo UI",
      ),
    ).toBeVisible();
    expect(within(done).getByLabelText('Phase: Succeeded')).toBeVisible();
    expect(within(done).queryByText(/argo resume|offloaded/)).toBeNull();
  });

  it('shows the history while the cluster is not answering, without the links the status gives', async () => {
    await render(historyResponse(newInstanceHistory()), { status: 'fails' });
    const items = await timelineItems();
    expect(items).toHaveLength(8);
    expect(within(items[0]).getByText('demo-staging')).toBeVisible();
    expect(within(items[0]).queryByRole('link')).toBeNull();
    // The revision is still shown, with the full SHA on hover.
    expect(within(items[0]).getByText(REVISION.slice(0, 7))).toHaveAttribute(
      'title',
      REVISION,
    );
    expect(screen.queryByText(/is not answering/)).toBeNull();
  });

  it('shows the newest entries first and the rest on request', async () => {
    const many: TimelineEntry[] = Array.from({ length: 30 }, (_, i) => ({
      type: 'argocd' as const,
      at: minutesAgo(10 * (i + 1)),
      application: 'demo-staging',
      from:
        i % 2
          ? { sync: 'Synced', health: 'Healthy' }
          : { sync: 'OutOfSync', health: 'Healthy' },
      to:
        i % 2
          ? { sync: 'OutOfSync', health: 'Healthy' }
          : { sync: 'Synced', health: 'Healthy' },
    }));
    await render(historyResponse(many));
    expect(await timelineItems()).toHaveLength(HISTORY_VISIBLE);
    expect(screen.getByLabelText('Summary')).toHaveTextContent(
      '… → out of sync → synced → out of sync → synced → out of sync → synced at 08:50',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Show all 30' }));
    expect(await timelineItems()).toHaveLength(30);
    await userEvent.click(screen.getByRole('button', { name: 'Show fewer' }));
    expect(await timelineItems()).toHaveLength(HISTORY_VISIBLE);
  });

  it('says when nothing is recorded yet', async () => {
    await render(historyResponse([]));
    expect(
      await screen.findByText('Nothing recorded yet', {}, slow),
    ).toBeVisible();
    expect(screen.queryByRole('list', { name: 'Instance history' })).toBeNull();
  });

  it('says when the portal keeps no history', async () => {
    await render(historyResponse([], { enabled: false }));
    expect(
      await screen.findByText('History is disabled', {}, slow),
    ).toBeVisible();
    expect(
      screen.getByText(/launchpad\.history\.enabled is false/),
    ).toBeVisible();
  });

  it('shows progress while loading', async () => {
    await render('pending');
    expect(await screen.findByRole('progressbar', {}, slow)).toBeVisible();
  });

  it('shows the error with its reason', async () => {
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'NotAllowedError',
          message:
            'You are not allowed to read the history of component:staging/demo',
        },
        response: { statusCode: 403 },
      }),
      { status: 403, headers: { 'Content-Type': 'application/json' } },
    );
    await render(await ResponseError.fromResponse(response));
    expect(
      (
        await screen.findAllByText(
          /not allowed to read the history of component:staging\/demo/,
          {},
          slow,
        )
      )[0],
    ).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Instance history' })).toBeNull();
  });

  it('asks for the cluster annotation when the instance names no cluster', async () => {
    const entity = instanceEntity({
      annotations: { [ANNOTATIONS.cluster]: '' },
    });
    delete entity.metadata.labels?.[LABELS.cluster];
    const { api } = await render(historyResponse(newInstanceHistory()), {
      entity,
    });
    expect(
      (
        await screen.findAllByText(/launchpad\.openedx\.org\/cluster/, {}, slow)
      )[0],
    ).toBeInTheDocument();
    expect(api.getInstanceHistory).not.toHaveBeenCalled();
  });
});
