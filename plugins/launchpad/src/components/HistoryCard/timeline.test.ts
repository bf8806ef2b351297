// Wall-clock times are the browser's; the tests read them in UTC everywhere.
process.env.TZ = 'UTC';

import {
  entryLevel,
  entryPhase,
  formatClock,
  milestone,
  storyOf,
  workflowPurpose,
  workflowTitle,
  type BuildEntry,
  type TimelineEntry,
  type WorkflowEntry,
} from './timeline';
import {
  failedProvisionHistory,
  minutesAgo,
  newInstanceHistory,
} from '../../testing/historyFixtures';
import { NOW } from '../../testing/statusFixtures';

const build = (fields: Partial<BuildEntry>): BuildEntry => ({
  type: 'build',
  at: minutesAgo(1),
  runId: 1,
  service: 'openedx',
  status: 'completed',
  url: 'https://github.com/acme-edu/launchpad-cluster-staging/actions/runs/1',
  ...fields,
});

const argocd = (
  from: { sync: string; health: string } | undefined,
  to: { sync: string; health: string },
): TimelineEntry => ({
  type: 'argocd',
  at: minutesAgo(1),
  application: 'demo-staging',
  ...(from ? { from } : {}),
  to,
});

describe('workflowPurpose', () => {
  it.each([
    ['mysql-provision-template', 'MySQL', 'provision', 'MySQL provision'],
    ['mongodb-provision-template', 'MongoDB', 'provision', 'MongoDB provision'],
    ['storage-provision-template', 'bucket', 'provision', 'Bucket provision'],
    ['mysql-deprovision-template', 'MySQL', 'deprovision', 'MySQL deprovision'],
    ['storage-deprovision', 'bucket', 'deprovision', 'Bucket deprovision'],
  ])('reads %s', (template, resource, action, title) => {
    expect(workflowPurpose(template)).toEqual({ resource, action });
    expect(
      workflowTitle({
        type: 'workflow',
        at: NOW,
        name: 'x',
        template,
        phase: '',
      }),
    ).toBe(title);
  });

  it('knows no purpose for other templates', () => {
    expect(workflowPurpose('course-import-template')).toBeUndefined();
    expect(workflowPurpose(undefined)).toBeUndefined();
    expect(
      workflowTitle({ type: 'workflow', at: NOW, name: 'x', phase: '' }),
    ).toBe('Workflow');
  });
});

describe('milestones', () => {
  it('tells what a workflow run did', () => {
    const [deprovisioning, mysqlFailed] = failedProvisionHistory().filter(
      e => e.type === 'workflow',
    );
    expect(milestone(mysqlFailed)).toBe('MySQL provision failed');
    expect(entryLevel(mysqlFailed)).toBe('error');
    expect(milestone(deprovisioning)).toBe('deprovisioning');
    expect(entryLevel(deprovisioning)).toBe('running');
    const provisioned = newInstanceHistory().find(e => e.type === 'workflow')!;
    expect(milestone(provisioned)).toBe('provisioned');
    expect(entryLevel(provisioned)).toBe('ok');
  });

  it('reads a suspended run as Suspended, a warning, until it finishes', () => {
    const run = (fields: Partial<WorkflowEntry>): WorkflowEntry => ({
      type: 'workflow',
      at: minutesAgo(1),
      name: 'mysql-provision-demo',
      template: 'mysql-provision-template',
      phase: 'Running',
      suspended: true,
      ...fields,
    });
    expect(entryPhase(run({}))).toBe('Suspended');
    expect(entryLevel(run({}))).toBe('warning');
    expect(milestone(run({}))).toBe('MySQL provision suspended');
    expect(milestone(run({ template: undefined }))).toBe('workflow suspended');
    // Argo's phase once it is over, whatever spec.suspend still says.
    expect(entryPhase(run({ phase: 'Succeeded' }))).toBe('Succeeded');
    expect(entryLevel(run({ phase: 'Failed' }))).toBe('error');
    expect(milestone(run({ phase: 'Succeeded' }))).toBe('provisioned');
    expect(entryPhase(run({ suspended: undefined }))).toBe('Running');
    expect(entryLevel(run({ suspended: false }))).toBe('running');
  });

  it("reads a build's GitHub status and conclusion", () => {
    expect(
      milestone(build({ status: 'completed', conclusion: 'success' })),
    ).toBe('built');
    const failed = build({ status: 'completed', conclusion: 'timed_out' });
    expect(milestone(failed)).toBe('openedx build failed');
    expect(entryLevel(failed)).toBe('error');
    expect(entryPhase(failed)).toBe('Timed out');
    const cancelled = build({ status: 'completed', conclusion: 'cancelled' });
    expect(milestone(cancelled)).toBe('openedx build cancelled');
    expect(entryLevel(cancelled)).toBe('aborted');
    const running = build({ status: 'in_progress' });
    expect(milestone(running)).toBe('building');
    expect(entryLevel(running)).toBe('running');
    expect(entryPhase(running)).toBe('In progress');
    expect(entryLevel(build({ status: 'queued' }))).toBe('pending');
  });

  it('names what changed in an ArgoCD transition', () => {
    expect(
      milestone(argocd(undefined, { sync: 'OutOfSync', health: 'Missing' })),
    ).toBe('created');
    expect(
      entryLevel(argocd(undefined, { sync: 'OutOfSync', health: 'Missing' })),
    ).toBe('pending');
    // History switched on for a running instance: its first state.
    expect(
      milestone(argocd(undefined, { sync: 'Synced', health: 'Healthy' })),
    ).toBe('synced and healthy');
    expect(
      milestone(
        argocd(
          { sync: 'OutOfSync', health: 'Missing' },
          { sync: 'Synced', health: 'Progressing' },
        ),
      ),
    ).toBe('synced');
    const degraded = argocd(
      { sync: 'Synced', health: 'Healthy' },
      { sync: 'Synced', health: 'Degraded' },
    );
    expect(milestone(degraded)).toBe('degraded');
    expect(entryLevel(degraded)).toBe('error');
    const drifted = argocd(
      { sync: 'Synced', health: 'Healthy' },
      { sync: 'OutOfSync', health: 'Healthy' },
    );
    expect(milestone(drifted)).toBe('out of sync');
    expect(entryLevel(drifted)).toBe('warning');
    expect(
      milestone(
        argocd(
          { sync: 'OutOfSync', health: 'Healthy' },
          { sync: 'Synced', health: 'Degraded' },
        ),
      ),
    ).toBe('synced and degraded');
  });
});

describe('storyOf', () => {
  it("reads a new instance's history at a glance, repeats merged", () => {
    expect(storyOf(newInstanceHistory())).toEqual({
      steps: [
        'created',
        'provisioned',
        'built',
        'synced',
        'healthy',
        'degraded',
      ],
      truncated: false,
      lastAt: minutesAgo(58),
    });
  });

  it('keeps the newest milestones', () => {
    const story = storyOf(newInstanceHistory(), 3);
    expect(story.steps).toEqual(['synced', 'healthy', 'degraded']);
    expect(story.truncated).toBe(true);
  });

  it('is empty without entries', () => {
    expect(storyOf([])).toEqual({ steps: [], truncated: false });
  });
});

describe('formatClock', () => {
  it('gives the time of day today, the date on other days, the year in other years', () => {
    expect(formatClock('2026-12-01T08:02:00Z', NOW)).toBe('08:02');
    expect(formatClock('2026-11-30T14:05:00Z', NOW)).toBe('30 Nov 14:05');
    expect(formatClock('2025-12-31T23:59:00Z', NOW)).toBe('31 Dec 2025 23:59');
    expect(formatClock('not a time', NOW)).toBe('not a time');
  });
});
