import { deriveArgocdStatus } from './argocd';
import { deriveBackupStatus } from './backup';
import { deriveInstanceVerdict, fleetRowStatus } from './instance';
import { deriveWorkloadsStatus } from './workloads';

const NOW = '2026-12-01T12:00:00Z';
const workloads = deriveWorkloadsStatus({
  deployments: [],
  pods: [],
  jobs: [],
});
const notCovered = deriveBackupStatus({
  namespace: 'demo',
  schedules: [],
  backups: [],
  now: NOW,
});
const synced = deriveArgocdStatus({
  status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
});
const degraded = deriveArgocdStatus({
  status: { sync: { status: 'Synced' }, health: { status: 'Degraded' } },
});

describe('deriveInstanceVerdict', () => {
  it('takes the worst part; a backup at risk is a warning, not an error', () => {
    expect(
      deriveInstanceVerdict({
        argocd: synced,
        autoscalers: [],
        workloads,
        backup: notCovered,
        cronJobs: [],
      }),
    ).toBe('warning');
    expect(
      deriveInstanceVerdict({
        argocd: degraded,
        autoscalers: [],
        workloads,
        backup: notCovered,
        cronJobs: [],
      }),
    ).toBe('error');
  });

  it('is unknown when nothing is known', () => {
    const unknownBackup = deriveBackupStatus({
      namespace: 'demo',
      schedules: null,
      backups: [],
      now: NOW,
    });
    expect(
      deriveInstanceVerdict({
        autoscalers: [],
        workloads,
        backup: unknownBackup,
        cronJobs: [],
      }),
    ).toBe('unknown');
  });
});

describe('fleetRowStatus', () => {
  it('sums replicas only over HPAs that report them and names at most three problems', () => {
    const row = fleetRowStatus({
      argocd: degraded,
      autoscalers: [],
      workloads,
      backup: notCovered,
      cronJobs: [],
    });
    expect(row).toMatchObject({
      sync: 'Synced',
      health: 'Degraded',
      replicas: { current: undefined, atMax: false },
      backup: 'not-covered',
      verdict: 'error',
    });
    expect(row.problems.length).toBeLessThanOrEqual(3);
  });
});
