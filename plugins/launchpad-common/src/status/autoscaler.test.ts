import { deriveAutoscalerStatus } from './autoscaler';

// autoscaling/v2 from the Kubernetes docs (HorizontalPodAutoscaler walkthrough).
const hpa = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'lms', namespace: 'demo' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms' },
    minReplicas: 2,
    maxReplicas: 8,
    metrics: [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: 70 },
        },
      },
      {
        type: 'Pods',
        pods: {
          metric: { name: 'packets-per-second' },
          target: { type: 'AverageValue', averageValue: '1k' },
        },
      },
      {
        type: 'Object',
        object: {
          metric: { name: 'requests-per-second' },
          describedObject: {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            name: 'main-route',
          },
          target: { type: 'Value', value: '10k' },
        },
      },
      {
        type: 'External',
        external: {
          metric: { name: 'queue_messages_ready' },
          target: { type: 'AverageValue', averageValue: 30 },
        },
      },
      {
        type: 'ContainerResource',
        containerResource: {
          name: 'memory',
          container: 'lms',
          target: { type: 'Utilization', averageUtilization: 80 },
        },
      },
    ],
  },
  status: {
    currentReplicas: 3,
    desiredReplicas: 3,
    currentMetrics: [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          current: { averageUtilization: 45, averageValue: '450m' },
        },
      },
      {
        type: 'Pods',
        pods: {
          metric: { name: 'packets-per-second' },
          current: { averageValue: '800' },
        },
      },
    ],
    conditions: [
      { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
      { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
      { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' },
    ],
  },
};

describe('deriveAutoscalerStatus', () => {
  it('reads replicas and every metric kind with its target and current value', () => {
    const s = deriveAutoscalerStatus(hpa);
    expect(s).toMatchObject({
      name: 'lms',
      target: 'Deployment/lms',
      minReplicas: 2,
      maxReplicas: 8,
      currentReplicas: 3,
      desiredReplicas: 3,
      atMax: false,
      scaling: 'steady',
      metricsAvailable: true,
      verdict: 'ok',
      problems: [],
    });
    expect(s.metrics).toEqual([
      { name: 'cpu', type: 'Resource', target: '70%', current: '45%' },
      {
        name: 'packets-per-second',
        type: 'Pods',
        target: '1k',
        current: '800',
      },
      { name: 'requests-per-second', type: 'Object', target: '10k' },
      { name: 'queue_messages_ready', type: 'External', target: '30' },
      { name: 'memory', type: 'ContainerResource', target: '80%' },
    ]);
  });

  it('is pinned at max when current reaches maxReplicas, or from ScalingLimited/TooManyReplicas without a spec', () => {
    const atMax = deriveAutoscalerStatus({
      ...hpa,
      status: { ...hpa.status, currentReplicas: 8, desiredReplicas: 8 },
    });
    expect(atMax).toMatchObject({ atMax: true, verdict: 'warning' });
    expect(atMax.problems[0]).toMatchObject({
      severity: 'warning',
      reason: 'TooManyReplicas',
    });

    const noSpec = deriveAutoscalerStatus({
      status: {
        currentReplicas: 4,
        desiredReplicas: 4,
        conditions: [
          {
            type: 'ScalingLimited',
            status: 'True',
            reason: 'TooManyReplicas',
            message:
              'the desired replica count is more than the maximum replica count',
          },
        ],
      },
    });
    expect(noSpec).toMatchObject({
      atMax: true,
      maxReplicas: undefined,
      verdict: 'warning',
    });
  });

  it('metrics unavailable when ScalingActive is False; cannot scale is an error', () => {
    const s = deriveAutoscalerStatus({
      ...hpa,
      status: {
        currentReplicas: 2,
        desiredReplicas: 2,
        conditions: [
          { type: 'AbleToScale', status: 'True' },
          {
            type: 'ScalingActive',
            status: 'False',
            reason: 'FailedGetResourceMetric',
            message: 'unable to get metrics for resource cpu',
          },
        ],
      },
    });
    expect(s).toMatchObject({ metricsAvailable: false, verdict: 'warning' });
    expect(s.problems).toEqual([
      {
        severity: 'warning',
        reason: 'FailedGetResourceMetric',
        message: 'Metrics unavailable: unable to get metrics for resource cpu',
      },
    ]);
    const cannot = deriveAutoscalerStatus({
      ...hpa,
      status: {
        currentReplicas: 2,
        desiredReplicas: 5,
        conditions: [
          {
            type: 'AbleToScale',
            status: 'False',
            reason: 'FailedGetScale',
            message: 'no scale subresource',
          },
        ],
      },
    });
    expect(cannot).toMatchObject({ scaling: 'up', verdict: 'error' });
  });

  it('ScalingDisabled (target at 0 replicas) is no metrics failure', () => {
    const s = deriveAutoscalerStatus({
      ...hpa,
      status: {
        currentReplicas: 0,
        desiredReplicas: 0,
        conditions: [
          {
            type: 'ScalingActive',
            status: 'False',
            reason: 'ScalingDisabled',
            message:
              'scaling is disabled since the replica count of the target is zero',
          },
        ],
      },
    });
    expect(s).toMatchObject({ metricsAvailable: true, verdict: 'ok' });
    expect(s.problems).toEqual([
      expect.objectContaining({ severity: 'info', reason: 'ScalingDisabled' }),
    ]);
  });

  it('scaling up or down is progressing', () => {
    expect(
      deriveAutoscalerStatus({
        ...hpa,
        status: { ...hpa.status, desiredReplicas: 5 },
      }),
    ).toMatchObject({ scaling: 'up', verdict: 'progressing' });
    expect(
      deriveAutoscalerStatus({
        ...hpa,
        status: { ...hpa.status, desiredReplicas: 2 },
      }),
    ).toMatchObject({ scaling: 'down', verdict: 'progressing' });
  });

  it('reads autoscaling/v1 and v2beta1 objects', () => {
    const v1 = deriveAutoscalerStatus({
      apiVersion: 'autoscaling/v1',
      spec: {
        maxReplicas: 10,
        scaleTargetRef: { kind: 'Deployment', name: 'cms' },
        targetCPUUtilizationPercentage: 50,
      },
      status: {
        currentReplicas: 1,
        desiredReplicas: 1,
        currentCPUUtilizationPercentage: 20,
      },
    });
    expect(v1).toMatchObject({
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ name: 'cpu', target: '50%', current: '20%' }],
    });
    const v2beta1 = deriveAutoscalerStatus({
      apiVersion: 'autoscaling/v2beta1',
      spec: {
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', targetAverageUtilization: 60 },
          },
        ],
      },
      status: {
        currentReplicas: 2,
        desiredReplicas: 2,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', currentAverageUtilization: 30 },
          },
        ],
      },
    });
    expect(v2beta1.metrics).toEqual([
      { name: 'cpu', type: 'Resource', target: '60%', current: '30%' },
    ]);
  });

  it.each([
    null,
    undefined,
    7,
    'hpa',
    [],
    {},
    { spec: null, status: 'x' },
    { status: { conditions: 'nope', currentMetrics: {} } },
  ])('never throws and knows nothing of %p', input => {
    expect(deriveAutoscalerStatus(input)).toMatchObject({
      atMax: false,
      scaling: 'unknown',
      metrics: [],
      metricsAvailable: true,
      verdict: 'unknown',
    });
  });
});
