import {
  backupCoversNamespace,
  deriveArgocdStatus,
  deriveAutoscalerStatus,
  deriveBackupRecord,
  deriveBackupStatus,
  deriveCronJobStatus,
  deriveScheduleStatus,
  deriveWorkflowStatus,
  deriveWorkloadsStatus,
} from '@internal/plugin-launchpad-common';
import { loadCorpus, type CorpusItem } from '@internal/sandbox';
import { WATCHED_KINDS, type Json } from './kinds';

/*
 * The status derivations (launchpad-common) and this plugin's projections on
 * the sandbox's conformance corpus: real objects from upstream docs, fixtures
 * and user reports, each naming its source. They never throw on any of them,
 * the derivation of a projected object equals that of the full object (the
 * cache keeps every field the cards read), and the statuses upstream shows
 * are read as upstream means them.
 */

const corpus = loadCorpus();
const byName = (name: string): CorpusItem => {
  const item = corpus.find(i => i.name === name);
  if (!item) throw new Error(`No corpus item ${name}`);
  return item;
};

const DERIVATIONS = [
  deriveArgocdStatus,
  deriveAutoscalerStatus,
  deriveBackupRecord,
  deriveCronJobStatus,
  deriveScheduleStatus,
  deriveWorkflowStatus,
];

const KIND_OF: Record<string, (typeof WATCHED_KINDS)[number]['name']> = {
  Application: 'applications',
  HorizontalPodAutoscaler: 'hpas',
  Deployment: 'deployments',
  Pod: 'pods',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Workflow: 'workflows',
  Schedule: 'schedules',
  Backup: 'backups',
};

const DERIVE_BY_KIND: Record<string, (o: unknown) => unknown> = {
  Application: deriveArgocdStatus,
  HorizontalPodAutoscaler: deriveAutoscalerStatus,
  Workflow: deriveWorkflowStatus,
  CronJob: deriveCronJobStatus,
  Backup: deriveBackupRecord,
  Schedule: deriveScheduleStatus,
  Deployment: o =>
    deriveWorkloadsStatus({ deployments: [o], pods: [], jobs: [] }),
  Pod: o => deriveWorkloadsStatus({ deployments: [], pods: [o], jobs: [] }),
  Job: o => deriveWorkloadsStatus({ deployments: [], pods: [], jobs: [o] }),
};

describe('status derivations on the real-world corpus', () => {
  it('has objects of every watched kind', () => {
    const kinds = new Set(corpus.map(i => i.kind));
    for (const kind of Object.keys(KIND_OF)) expect(kinds).toContain(kind);
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map(i => [i.name, i] as const))(
    '%s: no derivation throws on it',
    (_name, item) => {
      for (const derive of DERIVATIONS)
        expect(() => derive(item.object)).not.toThrow();
      expect(() =>
        deriveWorkloadsStatus({
          deployments: [item.object],
          pods: [item.object],
          jobs: [item.object],
        }),
      ).not.toThrow();
      expect(() => backupCoversNamespace(item.object, 'default')).not.toThrow();
    },
  );

  it.each(corpus.filter(i => KIND_OF[i.kind]).map(i => [i.name, i] as const))(
    '%s: the cache projection keeps what its derivation reads',
    (_name, item) => {
      const kind = WATCHED_KINDS.find(k => k.name === KIND_OF[item.kind])!;
      const projected = kind.project(structuredClone(item.object) as Json);
      expect(projected.metadata?.name).toBe(item.object.metadata?.name);
      const derive = DERIVE_BY_KIND[item.kind];
      expect(derive(projected)).toEqual(derive(item.object));
    },
  );

  it('never keeps a Workflow parameter value in the cache', () => {
    for (const item of corpus.filter(i => i.kind === 'Workflow')) {
      const projected = WATCHED_KINDS.find(
        k => k.name === 'workflows',
      )!.project(structuredClone(item.object) as Json);
      expect(JSON.stringify(projected)).not.toMatch(
        /"parameters"|"arguments"|"inputs"|"outputs"/,
      );
    }
  });

  it('reads upstream statuses as upstream means them', () => {
    const app = deriveArgocdStatus(
      byName('argocd-application-synced-healthy-history').object,
    );
    expect(app).toMatchObject({
      sync: 'Synced',
      health: 'Healthy',
      revision: 'd7927a27b4533926b7d86b5f249cd9ebe7625e90',
    });
    expect(app.history.length).toBeGreaterThan(0);

    const multi = deriveArgocdStatus(
      byName('argocd-application-multi-source').object,
    );
    expect(multi.sources.length).toBeGreaterThan(1);

    // Argo's controller test data: no workflow phase yet, and a step whose
    // third attempt succeeded, so no failed step to name.
    const retried = deriveWorkflowStatus(
      byName('argo-workflow-dag-retries-status').object,
    );
    expect(retried.verdict).toBe('pending');
    expect(retried.failedSteps).toEqual([]);
    expect(
      deriveWorkflowStatus(
        byName('argo-workflow-steps-succeeded-status').object,
      ).verdict,
    ).toBe('succeeded');

    const crash = deriveWorkloadsStatus({
      deployments: [],
      pods: [byName('k8s-pod-crashloopbackoff').object],
      jobs: [],
    });
    expect(crash.crashLooping).toBe(1);
    const pull = deriveWorkloadsStatus({
      deployments: [],
      pods: [byName('k8s-pod-imagepullbackoff').object],
      jobs: [],
    });
    expect(pull.waiting.map(w => w.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ImagePullBackOff|ErrImagePull/),
      ]),
    );

    const hpa = deriveAutoscalerStatus(
      byName('k8s-hpa-multiple-metrics-status').object,
    );
    expect(hpa.metrics.length).toBeGreaterThan(1);
    expect(hpa.metrics.some(m => m.current !== undefined)).toBe(true);
    expect(
      deriveAutoscalerStatus(
        byName('k8s-hpa-external-metric-conditions').object,
      ),
    ).toMatchObject({ metricsAvailable: true, atMax: false });

    expect(
      deriveBackupRecord(byName('velero-backup-partiallyfailed-restic').object)
        .verdict,
    ).toBe('partially-failed');
    expect(
      deriveBackupRecord(byName('velero-backup-failed-server-restart').object)
        .verdict,
    ).toBe('failed');
    expect(
      deriveBackupRecord(byName('velero-backup-docs-sample-completed').object)
        .verdict,
    ).toBe('completed');
    expect(
      deriveScheduleStatus(byName('velero-schedule-enabled-lastbackup').object)
        .verdict,
    ).toBe('enabled');
  });

  it('derives a backup verdict from upstream Schedules and Backups without throwing', () => {
    const schedules = corpus
      .filter(i => i.kind === 'Schedule' && i.valid)
      .map(i => i.object);
    const backups = corpus
      .filter(i => i.kind === 'Backup' && i.valid)
      .map(i => i.object);
    const status = deriveBackupStatus({
      namespace: 'default',
      schedules,
      backups,
      now: new Date('2026-12-01T00:00:00Z'),
    });
    expect([
      'covered',
      'overdue',
      'failing',
      'not-covered',
      'unknown',
    ]).toContain(status.verdict);
  });
});
