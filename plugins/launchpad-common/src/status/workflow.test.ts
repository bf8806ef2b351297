import { deriveWorkflowStatus } from './workflow';

// A steps workflow whose second step failed after a retry, shaped as Argo
// writes status.nodes (argo-workflows pkg/apis/workflow/v1alpha1 NodeStatus).
const failed = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'mysql-provision-demo', namespace: 'demo' },
  spec: {
    arguments: { parameters: [{ name: 'password', value: 'hunter2-secret' }] },
  },
  status: {
    phase: 'Failed',
    message: "child 'mysql-provision-demo-2' failed",
    startedAt: '2026-12-01T08:00:00Z',
    finishedAt: '2026-12-01T08:03:00Z',
    nodes: {
      'mysql-provision-demo': {
        id: 'mysql-provision-demo',
        name: 'mysql-provision-demo',
        type: 'Steps',
        phase: 'Failed',
        children: ['g0'],
      },
      g0: {
        id: 'g0',
        name: 'mysql-provision-demo[0]',
        type: 'StepGroup',
        phase: 'Succeeded',
        children: ['p1'],
      },
      p1: {
        id: 'p1',
        name: 'mysql-provision-demo[0].create-database',
        displayName: 'create-database',
        type: 'Pod',
        phase: 'Succeeded',
        startedAt: '2026-12-01T08:00:05Z',
      },
      r: {
        id: 'r',
        name: 'mysql-provision-demo[1].create-user',
        displayName: 'create-user',
        type: 'Retry',
        phase: 'Failed',
        children: ['a0', 'a1'],
      },
      a0: {
        id: 'a0',
        displayName: 'create-user(0)',
        type: 'Pod',
        phase: 'Failed',
        message: 'Error (exit code 1): access denied',
        startedAt: '2026-12-01T08:01:00Z',
      },
      a1: {
        id: 'a1',
        displayName: 'create-user(1)',
        type: 'Pod',
        phase: 'Error',
        message: 'Error (exit code 1): still denied',
        startedAt: '2026-12-01T08:02:00Z',
      },
      e: {
        id: 'e',
        displayName: 'notify',
        type: 'Pod',
        phase: 'Failed',
        message: 'exit code 2',
        startedAt: '2026-12-01T08:02:30Z',
      },
    },
  },
};

describe('deriveWorkflowStatus', () => {
  it('names the failed leaf steps (a retried step once, with its last message), in start order', () => {
    const s = deriveWorkflowStatus(failed);
    expect(s).toMatchObject({
      phase: 'Failed',
      verdict: 'failed',
      message: "child 'mysql-provision-demo-2' failed",
    });
    expect(s.failedSteps).toEqual([
      { name: 'create-user', message: 'Error (exit code 1): still denied' },
      { name: 'notify', message: 'exit code 2' },
    ]);
    expect(JSON.stringify(s)).not.toContain('hunter2-secret');
  });

  it('does not name the failed attempts of a retry that succeeded', () => {
    const s = deriveWorkflowStatus({
      status: {
        phase: 'Succeeded',
        nodes: {
          r: {
            id: 'r',
            displayName: 'create-user',
            type: 'Retry',
            phase: 'Succeeded',
            children: ['a0', 'a1'],
          },
          a0: {
            id: 'a0',
            displayName: 'create-user(0)',
            type: 'Pod',
            phase: 'Failed',
            message: 'exit code 1',
          },
          a1: {
            id: 'a1',
            displayName: 'create-user(1)',
            type: 'Pod',
            phase: 'Succeeded',
          },
        },
      },
    });
    expect(s).toMatchObject({ verdict: 'succeeded', failedSteps: [] });
  });

  it.each([
    ['', 'pending'],
    [undefined, 'pending'],
    ['Pending', 'pending'],
    ['Running', 'running'],
    ['Succeeded', 'succeeded'],
    ['Failed', 'failed'],
    ['Error', 'failed'],
    ['Exploded', 'unknown'],
  ])('phase %p is %s', (phase, verdict) => {
    expect(
      deriveWorkflowStatus({
        metadata: { name: 'w' },
        status: phase === undefined ? {} : { phase },
      }).verdict,
    ).toBe(verdict);
  });

  it.each([null, undefined, 1, 'x', []])('never throws for %p', input => {
    expect(deriveWorkflowStatus(input)).toEqual({
      phase: undefined,
      verdict: 'unknown',
      message: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      failedSteps: [],
      suspended: false,
      nodesOffloaded: false,
    });
  });

  it('is suspended by spec.suspend or a waiting Suspend node; offloaded nodes are flagged', () => {
    expect(
      deriveWorkflowStatus({
        spec: { suspend: true },
        status: { phase: 'Running' },
      }).suspended,
    ).toBe(true);
    const waiting = (phase: string) =>
      deriveWorkflowStatus({
        status: {
          phase: 'Running',
          nodes: { a: { id: 'a', type: 'Suspend', phase } },
        },
      }).suspended;
    expect(waiting('Running')).toBe(true);
    expect(waiting('Succeeded')).toBe(false);
    expect(
      deriveWorkflowStatus({
        status: { phase: 'Succeeded', offloadNodeStatusVersion: 'fnv:1' },
      }),
    ).toMatchObject({
      verdict: 'succeeded',
      nodesOffloaded: true,
      failedSteps: [],
    });
  });

  it('tolerates malformed nodes', () => {
    expect(
      deriveWorkflowStatus({
        status: {
          phase: 'Error',
          nodes: { a: null, b: 5, c: { phase: 'Error' } },
        },
      }).failedSteps,
    ).toEqual([{ name: 'c' }]);
  });
});
