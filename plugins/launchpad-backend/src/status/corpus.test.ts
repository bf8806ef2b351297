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

  // Argo CD: the sync, health and operation phase the controller writes
  // (pkg/apis/application/v1alpha1 types.go; gitops-engine health codes and
  // OperationPhase: Running/Terminating in progress, Failed/Error failed).
  it('reads Argo CD health, sync, operations and conditions as Argo CD means them', () => {
    const app = (name: string) => deriveArgocdStatus(byName(name).object);
    const reasons = (name: string) => app(name).problems.map(p => p.reason);

    expect(app('argocd-application-degraded-sync-failed')).toMatchObject({
      sync: 'OutOfSync',
      health: 'Degraded',
      operation: {
        phase: 'Failed',
        message: expect.stringContaining('completed unsuccessfully'),
        initiatedBy: 'automated',
        revision: '53e28ff20cc530b9ada2173fbbd64d48338583ba',
      },
      verdict: 'error',
    });
    expect(reasons('argocd-application-degraded-sync-failed')).toEqual(
      expect.arrayContaining(['Degraded', 'SyncError', 'SyncFailed']),
    );

    // `operation` is still set while the state runs: the running state wins.
    expect(app('argocd-application-running-hook')).toMatchObject({
      health: 'Progressing',
      operation: {
        phase: 'Running',
        message: 'waiting for completion of hook /Secret/migrations-secret',
        initiatedBy: 'admin',
      },
      verdict: 'progressing',
    });
    expect(app('argocd-application-terminating')).toMatchObject({
      operation: { phase: 'Terminating', message: 'terminating' },
      verdict: 'progressing',
    });

    // ComparisonError: sync Unknown while health (live resources only) stays Healthy.
    expect(app('argocd-application-comparison-error')).toMatchObject({
      sync: 'Unknown',
      health: 'Healthy',
      verdict: 'error',
    });
    expect(reasons('argocd-application-comparison-error')).toContain(
      'ComparisonError',
    );
    expect(app('argocd-application-invalid-spec-missing')).toMatchObject({
      sync: 'Unknown',
      health: 'Missing',
      verdict: 'error',
    });
    expect(reasons('argocd-application-invalid-spec-missing')).toEqual(
      expect.arrayContaining(['Missing', 'InvalidSpecError']),
    );
    expect(app('argocd-application-suspended-any-namespace')).toMatchObject({
      sync: 'Synced',
      health: 'Suspended',
      verdict: 'warning',
    });

    // Multi-source: one revision per source, the empty single-source
    // `syncResult.revision` Go writes is no revision.
    const multi = app('argocd-application-multi-source-revisions');
    expect(multi).toMatchObject({
      revision: '8f6b9e5a9a1e0c6c6a5f4c6b0f2b1a9e8d7c6b5a',
      revisions: ['8f6b9e5a9a1e0c6c6a5f4c6b0f2b1a9e8d7c6b5a', '1.0.0'],
      operation: {
        phase: 'Succeeded',
        revision: '8f6b9e5a9a1e0c6c6a5f4c6b0f2b1a9e8d7c6b5a',
        initiatedBy: 'automated',
      },
      verdict: 'ok',
    });
    expect(multi.sources.map(s => s.chart ?? s.repoURL)).toEqual([
      'https://github.com/example/repo.git',
      'my-chart',
    ]);
    expect(multi.history).toEqual([
      expect.objectContaining({
        id: 1,
        revision: '8f6b9e5a9a1e0c6c6a5f4c6b0f2b1a9e8d7c6b5a',
        revisions: ['8f6b9e5a9a1e0c6c6a5f4c6b0f2b1a9e8d7c6b5a', '1.0.0'],
      }),
    ]);

    // Source hydrator: the sync source it deploys from (GetSyncSource).
    expect(app('argocd-application-source-hydrator')).toMatchObject({
      sources: [
        {
          repoURL: 'https://github.com/argoproj/argocd-example-apps',
          path: 'helm-guestbook',
          targetRevision: 'environments/dev',
        },
      ],
      verdict: 'unknown',
    });
  });

  // Argo Workflows: WorkflowPhase and NodePhase of workflow_types.go;
  // Omitted/Skipped nodes are not failures.
  it('reads Argo workflow phases and nodes as Argo means them', () => {
    const wf = (name: string) => deriveWorkflowStatus(byName(name).object);
    expect(wf('argo-workflow-dag-omitted-failed')).toMatchObject({
      verdict: 'failed',
      failedSteps: [{ name: 'B', message: 'failed with exit code 1' }],
      suspended: false,
      nodesOffloaded: false,
    });
    expect(wf('argo-workflow-pending-mutex')).toMatchObject({
      phase: 'Pending',
      verdict: 'pending',
      message: 'Waiting for default/Mutex/test lock. Lock status: 0/1',
    });
    expect(wf('argo-workflow-suspend-node-running')).toMatchObject({
      verdict: 'running',
      suspended: true,
      failedSteps: [],
    });
    expect(wf('argo-workflow-offloaded-nodes')).toMatchObject({
      verdict: 'failed',
      nodesOffloaded: true,
      failedSteps: [],
    });
    expect(wf('argo-workflow-error-phase')).toMatchObject({
      phase: 'Error',
      verdict: 'failed',
      message: expect.stringMatching(/^invalid spec:/),
    });
  });

  // Velero: BackupPhase and SchedulePhase of backup_types.go / schedule_types.go.
  it('reads every Velero backup phase and schedule state as Velero means them', () => {
    const backup = (name: string) => deriveBackupRecord(byName(name).object);
    for (const phase of [
      'new',
      'inprogress',
      'waitingforpluginoperations',
      'waitingforpluginoperationspartiallyfailed',
      'finalizing',
      'finalizingpartiallyfailed',
    ]) {
      expect(backup(`velero-backup-phase-${phase}`).verdict).toBe(
        'in-progress',
      );
    }
    // Deleting: its data is being removed; neither a success nor a failure.
    expect(backup('velero-backup-phase-deleting')).toMatchObject({
      phase: 'Deleting',
      verdict: 'unknown',
    });
    expect(backup('velero-backup-phase-failedvalidation')).toMatchObject({
      phase: 'FailedValidation',
      verdict: 'failed',
      schedule: 'nightly',
      validationErrors: [
        expect.stringContaining('Invalid included/excluded namespace lists'),
      ],
    });

    const schedule = (name: string) =>
      deriveScheduleStatus(byName(name).object);
    expect(schedule('velero-schedule-paused-owner-references')).toMatchObject({
      paused: true,
      verdict: 'paused',
    });
    expect(schedule('velero-schedule-paused-new')).toMatchObject({
      paused: true,
      verdict: 'paused',
    });
    expect(schedule('velero-schedule-failedvalidation')).toMatchObject({
      verdict: 'invalid',
      validationErrors: [
        'invalid schedule: expected exactly 5 fields, found 1: [WRONG]',
      ],
    });

    const status = deriveBackupStatus({
      namespace: 'openedx-demo',
      schedules: [
        byName('velero-schedule-paused-owner-references').object,
        byName('velero-schedule-failedvalidation').object,
      ],
      backups: [byName('velero-backup-phase-failedvalidation').object],
      now: new Date('2024-06-02T00:00:00Z'),
    });
    expect(status.verdict).toBe('not-covered');
    // The refused backup excludes the namespace it includes (excluded wins),
    // so it is no backup of it.
    expect(status.problems.map(p => p.reason)).toEqual([
      'NotCovered',
      'SchedulePaused',
      'ScheduleInvalid',
    ]);
    expect(status.recentFailures).toEqual([]);
  });

  // HPA conditions of the HPA controller (kubernetes
  // pkg/controller/podautoscaler/horizontal.go).
  it('reads HPA states as the HPA controller means them', () => {
    const hpa = (name: string) => deriveAutoscalerStatus(byName(name).object);
    expect(hpa('k8s-hpa-scaling-disabled-zero')).toMatchObject({
      currentReplicas: 0,
      desiredReplicas: 0,
      metricsAvailable: true,
      atMax: false,
      scaling: 'steady',
      verdict: 'ok',
    });
    expect(
      hpa('k8s-hpa-scaling-disabled-zero').problems.map(p => p.reason),
    ).toEqual(['ScalingDisabled']);
    expect(hpa('k8s-hpa-failed-get-resource-metric')).toMatchObject({
      metricsAvailable: false,
      verdict: 'warning',
      metrics: [{ name: 'cpu', type: 'Resource', target: '80%' }],
    });
    expect(hpa('k8s-hpa-container-resource-behavior')).toMatchObject({
      minReplicas: 1,
      maxReplicas: 8,
      scaling: 'unknown',
      metricsAvailable: true,
      metrics: [{ name: 'cpu', type: 'ContainerResource', target: '60%' }],
    });
    expect(
      hpa('k8s-hpa-container-resource-behavior').currentReplicas,
    ).toBeUndefined();
  });

  // Deployment conditions of the deployment controller (kubernetes
  // pkg/controller/deployment/sync.go, progress.go).
  it('reads Deployment states as the deployment controller means them', () => {
    const one = (name: string) =>
      deriveWorkloadsStatus({
        deployments: [byName(name).object],
        pods: [],
        jobs: [],
      });
    const paused = one('k8s-deployment-paused-rollout');
    expect(paused.deployments[0]).toMatchObject({
      paused: true,
      verdict: 'ok',
    });
    expect(paused).toMatchObject({ verdict: 'warning' });
    expect(paused.problems.map(p => p.reason)).toEqual(['DeploymentPaused']);
    const stalled = one('k8s-deployment-progress-deadline-exceeded');
    expect(stalled.deployments[0]).toMatchObject({
      verdict: 'error',
      message:
        'ReplicaSet "nginx-deployment-70324484" has timed out progressing.',
    });
    expect(stalled.verdict).toBe('error');
    expect(one('k8s-deployment-scaled-to-zero')).toMatchObject({
      deployments: [{ desired: 0, available: 0, verdict: 'ok' }],
      verdict: 'ok',
    });
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
