import { deriveArgocdStatus } from './argocd';

// Shapes from ArgoCD's docs and API (argo-cd pkg/apis/application/v1alpha1/types.go).
const synced = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'demo-staging', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: {
      repoURL: 'https://github.com/acme/cluster.git',
      path: 'instances/demo/env',
      targetRevision: 'main',
    },
    destination: {
      server: 'https://kubernetes.default.svc',
      namespace: 'demo',
    },
  },
  status: {
    sync: { status: 'Synced', revision: 'a1b2c3' },
    health: { status: 'Healthy' },
    reconciledAt: '2026-12-01T08:00:00Z',
    operationState: {
      operation: {
        sync: { revision: 'a1b2c3' },
        initiatedBy: { automated: true },
      },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: '2026-12-01T07:59:00Z',
      finishedAt: '2026-12-01T07:59:30Z',
      syncResult: { revision: 'a1b2c3', resources: [] },
    },
    history: [
      { id: 0, revision: '000aaa', deployedAt: '2026-11-30T07:00:00Z' },
      { id: 1, revision: 'a1b2c3', deployedAt: '2026-12-01T07:59:30Z' },
    ],
  },
};

describe('deriveArgocdStatus', () => {
  it('reads a synced, healthy application', () => {
    const s = deriveArgocdStatus(synced);
    expect(s).toMatchObject({
      sync: 'Synced',
      health: 'Healthy',
      revision: 'a1b2c3',
      deleting: false,
      verdict: 'ok',
      problems: [],
      operation: {
        phase: 'Succeeded',
        initiatedBy: 'automated',
        finishedAt: '2026-12-01T07:59:30Z',
      },
    });
    expect(s.history).toEqual([
      { id: 0, revision: '000aaa', deployedAt: '2026-11-30T07:00:00Z' },
      { id: 1, revision: 'a1b2c3', deployedAt: '2026-12-01T07:59:30Z' },
    ]);
    expect(s.sources).toEqual([
      {
        repoURL: 'https://github.com/acme/cluster.git',
        path: 'instances/demo/env',
        targetRevision: 'main',
        chart: undefined,
      },
    ]);
  });

  it('is progressing while an operation runs, and pending when requested but not started', () => {
    const running = deriveArgocdStatus({
      ...synced,
      operation: {
        sync: { revision: 'fff' },
        initiatedBy: { username: 'admin' },
      },
      status: {
        ...synced.status,
        sync: { status: 'OutOfSync', revision: 'a1b2c3' },
        operationState: {
          phase: 'Running',
          startedAt: '2026-12-01T09:00:00Z',
          operation: { sync: { revision: 'fff' } },
        },
      },
    });
    expect(running.operation).toMatchObject({
      phase: 'Running',
      startedAt: '2026-12-01T09:00:00Z',
      revision: 'fff',
    });
    expect(running.verdict).toBe('progressing');

    const requested = deriveArgocdStatus({
      ...synced,
      operation: {
        sync: { revision: 'fff' },
        initiatedBy: { username: 'admin' },
      },
    });
    expect(requested.operation).toEqual({
      phase: 'Pending',
      revision: 'fff',
      initiatedBy: 'admin',
    });
    expect(requested.verdict).toBe('progressing');
  });

  it('is an error when Degraded, naming the degraded resources, and takes condition severity from the type', () => {
    const s = deriveArgocdStatus({
      ...synced,
      status: {
        ...synced.status,
        health: {
          status: 'Degraded',
          message: 'Deployment lms exceeded its progress deadline',
        },
        resources: [
          {
            group: 'apps',
            kind: 'Deployment',
            name: 'lms',
            namespace: 'demo',
            status: 'Synced',
            health: {
              status: 'Degraded',
              message: 'exceeded its progress deadline',
            },
          },
          {
            kind: 'Service',
            name: 'lms',
            status: 'Synced',
            health: { status: 'Healthy' },
          },
        ],
        conditions: [
          {
            type: 'OrphanedResourceWarning',
            message: 'Application has 1 orphaned resources',
          },
          { type: 'ComparisonError', message: 'rpc error: code = Unknown' },
          { type: 'SomethingNew', message: 'new condition' },
        ],
      },
    });
    expect(s.verdict).toBe('error');
    expect(s.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'error', reason: 'Degraded' }),
        expect.objectContaining({
          severity: 'error',
          message: 'Deployment lms is Degraded: exceeded its progress deadline',
        }),
        {
          severity: 'warning',
          reason: 'OrphanedResourceWarning',
          message: 'Application has 1 orphaned resources',
        },
        {
          severity: 'error',
          reason: 'ComparisonError',
          message: 'rpc error: code = Unknown',
        },
        { severity: 'info', reason: 'SomethingNew', message: 'new condition' },
      ]),
    );
  });

  it('precedence: error beats progressing beats warning', () => {
    const outOfSyncProgressing = deriveArgocdStatus({
      ...synced,
      status: {
        ...synced.status,
        sync: { status: 'OutOfSync' },
        health: { status: 'Progressing' },
      },
    });
    expect(outOfSyncProgressing.verdict).toBe('progressing');
    const outOfSync = deriveArgocdStatus({
      ...synced,
      status: { ...synced.status, sync: { status: 'OutOfSync' } },
    });
    expect(outOfSync.verdict).toBe('warning');
    const missingWhileRunning = deriveArgocdStatus({
      ...synced,
      status: {
        ...synced.status,
        health: { status: 'Missing' },
        operationState: { phase: 'Running' },
      },
    });
    expect(missingWhileRunning.verdict).toBe('error');
  });

  it('a failed last sync is an error while out of sync, a warning once synced', () => {
    const failed = {
      phase: 'Failed',
      message: 'one or more objects failed to apply',
    };
    expect(
      deriveArgocdStatus({
        ...synced,
        status: {
          ...synced.status,
          sync: { status: 'OutOfSync' },
          operationState: failed,
        },
      }).verdict,
    ).toBe('error');
    const recovered = deriveArgocdStatus({
      ...synced,
      status: { ...synced.status, operationState: failed },
    });
    expect(recovered.verdict).toBe('warning');
    expect(recovered.problems[0].message).toBe(
      'The last sync failed: one or more objects failed to apply',
    );
  });

  it('reads a source hydrator app as its sync source', () => {
    expect(
      deriveArgocdStatus({
        spec: {
          sourceHydrator: {
            drySource: {
              repoURL: 'https://g/r',
              path: 'dry',
              targetRevision: 'HEAD',
            },
            syncSource: { targetBranch: 'env/dev', path: 'app' },
          },
        },
      }).sources,
    ).toEqual([
      {
        repoURL: 'https://g/r',
        path: 'app',
        targetRevision: 'env/dev',
        chart: undefined,
      },
    ]);
  });

  it('handles multi-source applications', () => {
    const s = deriveArgocdStatus({
      metadata: { name: 'multi', deletionTimestamp: '2026-12-01T10:00:00Z' },
      spec: {
        sources: [
          {
            repoURL: 'https://charts.example.org',
            chart: 'openedx',
            targetRevision: '1.2.3',
          },
          {
            repoURL: 'https://github.com/acme/values.git',
            path: 'values',
            targetRevision: 'main',
            ref: 'values',
          },
        ],
      },
      status: {
        sync: { status: 'Synced', revisions: ['1.2.3', 'bbb'] },
        health: { status: 'Healthy' },
        history: [
          {
            id: 3,
            revisions: ['1.2.2', 'aaa'],
            deployedAt: '2026-11-01T00:00:00Z',
          },
        ],
      },
    });
    expect(s.revision).toBe('1.2.3');
    expect(s.revisions).toEqual(['1.2.3', 'bbb']);
    expect(s.sources.map(x => x.chart ?? x.path)).toEqual([
      'openedx',
      'values',
    ]);
    expect(s.history).toEqual([
      {
        id: 3,
        revision: '1.2.2',
        revisions: ['1.2.2', 'aaa'],
        deployedAt: '2026-11-01T00:00:00Z',
      },
    ]);
    expect(s.deleting).toBe(true);
  });

  it.each([
    null,
    undefined,
    42,
    'x',
    [],
    {},
    { status: null },
    { status: { sync: 5, health: [] } },
    { kind: 'Application', spec: {} },
  ])('never throws and knows nothing of %p', input => {
    const s = deriveArgocdStatus(input);
    expect(s).toMatchObject({
      sync: 'Unknown',
      health: 'Unknown',
      verdict: 'unknown',
      history: [],
      problems: [],
      deleting: false,
    });
  });

  it('maps statuses it does not know to Unknown (old or future ArgoCD)', () => {
    const s = deriveArgocdStatus({
      status: { sync: { status: 'Weird' }, health: { status: 'Healthy' } },
    });
    expect(s.sync).toBe('Unknown');
    expect(s.verdict).toBe('warning');
  });
});
