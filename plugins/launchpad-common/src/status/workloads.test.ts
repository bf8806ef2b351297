import { deriveWorkloadsStatus } from './workloads';

const deployment = (
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  generation = 1,
) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'demo', generation },
  spec,
  status,
});

describe('deriveWorkloadsStatus', () => {
  it('ok when every deployment is rolled out', () => {
    const s = deriveWorkloadsStatus({
      deployments: [
        deployment(
          'lms',
          { replicas: 2 },
          {
            observedGeneration: 1,
            replicas: 2,
            updatedReplicas: 2,
            readyReplicas: 2,
            availableReplicas: 2,
          },
        ),
        deployment(
          'cms',
          {},
          {
            observedGeneration: 1,
            replicas: 1,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
          },
        ),
      ],
      pods: [],
      jobs: [],
    });
    expect(s.verdict).toBe('ok');
    expect(s.deployments.map(d => [d.name, d.desired, d.ready])).toEqual([
      ['cms', 1, 1],
      ['lms', 2, 2],
    ]);
  });

  it('progressing during a rollout (kubectl rollout status rules), error past the progress deadline', () => {
    const rolling = deriveWorkloadsStatus({
      deployments: [
        deployment(
          'lms',
          { replicas: 2 },
          {
            observedGeneration: 1,
            replicas: 3,
            updatedReplicas: 1,
            readyReplicas: 2,
            availableReplicas: 2,
          },
          2,
        ),
      ],
      pods: [],
      jobs: [],
    });
    expect(rolling.verdict).toBe('progressing');
    expect(rolling.deployments[0].verdict).toBe('progressing');
    const stuck = deriveWorkloadsStatus({
      deployments: [
        deployment(
          'lms',
          { replicas: 2 },
          {
            replicas: 2,
            updatedReplicas: 1,
            availableReplicas: 1,
            conditions: [
              {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
                message: 'ReplicaSet "lms-7d9" has timed out progressing.',
              },
            ],
          },
        ),
      ],
      pods: [],
      jobs: [],
    });
    expect(stuck.verdict).toBe('error');
    expect(stuck.problems[0].message).toBe(
      'Deployment lms: ReplicaSet "lms-7d9" has timed out progressing.',
    );
  });

  it('a paused deployment mid-rollout is not progressing: a warning', () => {
    const s = deriveWorkloadsStatus({
      deployments: [
        deployment(
          'lms',
          { replicas: 2, paused: true },
          { replicas: 2, updatedReplicas: 0, availableReplicas: 2 },
          2,
        ),
      ],
      pods: [],
      jobs: [],
    });
    expect(s.deployments[0]).toMatchObject({ verdict: 'ok', paused: true });
    expect(s.verdict).toBe('warning');
  });

  it('names waiting containers (CrashLoopBackOff, ImagePullBackOff) and counts crash loops; ignores normal starts', () => {
    const s = deriveWorkloadsStatus({
      deployments: [],
      pods: [
        {
          metadata: { name: 'lms-abc' },
          status: {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'lms',
                restartCount: 7,
                state: {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: 'back-off 5m0s restarting failed container',
                  },
                },
              },
              { name: 'sidecar', restartCount: 0, state: { running: {} } },
            ],
          },
        },
        {
          metadata: { name: 'cms-def' },
          status: {
            phase: 'Pending',
            containerStatuses: [
              {
                name: 'cms',
                state: { waiting: { reason: 'ImagePullBackOff' } },
              },
            ],
          },
        },
        {
          metadata: { name: 'new' },
          status: {
            phase: 'Pending',
            containerStatuses: [
              {
                name: 'x',
                state: { waiting: { reason: 'ContainerCreating' } },
              },
            ],
          },
        },
        {
          metadata: { name: 'init' },
          status: {
            phase: 'Pending',
            initContainerStatuses: [
              {
                name: 'wait-mysql',
                state: { waiting: { reason: 'CrashLoopBackOff' } },
              },
            ],
          },
        },
      ],
      jobs: [],
    });
    expect(s.waiting).toEqual([
      {
        pod: 'lms-abc',
        container: 'lms',
        reason: 'CrashLoopBackOff',
        message: 'back-off 5m0s restarting failed container',
        restarts: 7,
        init: false,
      },
      {
        pod: 'cms-def',
        container: 'cms',
        reason: 'ImagePullBackOff',
        restarts: 0,
        init: false,
      },
      {
        pod: 'init',
        container: 'wait-mysql',
        reason: 'CrashLoopBackOff',
        restarts: 0,
        init: true,
      },
    ]);
    expect(s.crashLooping).toBe(2);
    expect(s.verdict).toBe('error');
  });

  it('lists failed Jobs (Drydock init / migrations), newest first', () => {
    const s = deriveWorkloadsStatus({
      deployments: [],
      pods: [],
      jobs: [
        {
          metadata: { name: 'lms-migrations' },
          status: {
            failed: 3,
            conditions: [
              {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
                lastTransitionTime: '2026-12-01T08:00:00Z',
              },
            ],
          },
        },
        {
          metadata: { name: 'drydock-init' },
          status: {
            failed: 1,
            conditions: [
              {
                type: 'Failed',
                status: 'True',
                reason: 'DeadlineExceeded',
                lastTransitionTime: '2026-12-01T09:00:00Z',
              },
            ],
          },
        },
        {
          metadata: { name: 'ok-job' },
          status: {
            succeeded: 1,
            conditions: [{ type: 'Complete', status: 'True' }],
          },
        },
      ],
    });
    expect(s.failedJobs.map(j => j.name)).toEqual([
      'drydock-init',
      'lms-migrations',
    ]);
    expect(s.failedJobs[1]).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
  });

  it.each([
    null,
    undefined,
    {},
    { deployments: 'x', pods: 5, jobs: null },
    { deployments: [null, 1, 'a'], pods: [{}], jobs: [{ status: {} }] },
  ])('never throws and knows nothing of %p', input => {
    // @ts-expect-error -- wrong inputs on purpose
    expect(deriveWorkloadsStatus(input)).toMatchObject({
      deployments: [],
      waiting: [],
      failedJobs: [],
      crashLooping: 0,
      verdict: 'unknown',
    });
  });
});
