import { asArray, asNumber, asString, conditionsOf, path } from './read';
import {
  problemVerdict,
  worstVerdict,
  type StatusProblem,
  type StatusVerdict,
} from './problems';

export interface AutoscalerMetric {
  /** `resource.name` (cpu, memory), `containerResource.name`, or the metric name of pods/object/external metrics. */
  name: string;
  /** Metric source type: Resource, ContainerResource, Pods, Object, External. */
  type?: string;
  /** The current value as `kubectl get hpa` shows it: `45%`, `250m`, `12`. */
  current?: string;
  /** The target the same way. */
  target?: string;
}

export interface AutoscalerDerivedStatus {
  name?: string;
  /** What the HPA scales (`Deployment/lms`). */
  target?: string;
  minReplicas?: number;
  maxReplicas?: number;
  currentReplicas?: number;
  desiredReplicas?: number;
  atMax: boolean;
  scaling: 'up' | 'down' | 'steady' | 'unknown';
  metrics: AutoscalerMetric[];
  /** False when the HPA reports ScalingActive False because it cannot read its metrics (not for ScalingDisabled: a target at 0 replicas). */
  metricsAvailable: boolean;
  lastScaleTime?: string;
  problems: StatusProblem[];
  verdict: StatusVerdict;
}

/** How `kubectl` prints a MetricTarget / MetricValueStatus (autoscaling/v2 and v2beta2). */
function valueOf(value: unknown): string | undefined {
  const utilization = asNumber(path(value, 'averageUtilization'));
  if (utilization !== undefined) return `${utilization}%`;
  const average = path(value, 'averageValue');
  if (typeof average === 'string' || typeof average === 'number')
    return String(average);
  const plain = path(value, 'value');
  if (typeof plain === 'string' || typeof plain === 'number')
    return String(plain);
  return undefined;
}

/** autoscaling/v2beta1 names its values per field (targetAverageUtilization, currentAverageValue, ...). */
function v2beta1ValueOf(
  source: unknown,
  prefix: 'target' | 'current',
): string | undefined {
  const utilization = asNumber(path(source, `${prefix}AverageUtilization`));
  if (utilization !== undefined) return `${utilization}%`;
  for (const key of [`${prefix}AverageValue`, `${prefix}Value`]) {
    const v = path(source, key);
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return undefined;
}

const SOURCE_KEYS: Record<string, string> = {
  Resource: 'resource',
  ContainerResource: 'containerResource',
  Pods: 'pods',
  Object: 'object',
  External: 'external',
};

function metricKey(entry: unknown): {
  type?: string;
  name?: string;
  source?: unknown;
} {
  const type = asString(path(entry, 'type'));
  const key = type ? SOURCE_KEYS[type] : undefined;
  // A missing or unknown type: take whichever source is present.
  const sourceKey =
    key ?? Object.values(SOURCE_KEYS).find(k => path(entry, k) !== undefined);
  if (!sourceKey) return { type };
  const source = path(entry, sourceKey);
  const name =
    sourceKey === 'resource' || sourceKey === 'containerResource'
      ? asString(path(source, 'name'))
      : asString(path(source, 'metric', 'name')) ??
        asString(path(source, 'metricName'));
  return {
    type:
      type ?? Object.keys(SOURCE_KEYS).find(t => SOURCE_KEYS[t] === sourceKey),
    name,
    source,
  };
}

function metricsOf(hpa: unknown): AutoscalerMetric[] {
  const metrics: AutoscalerMetric[] = [];
  const byKey = new Map<string, AutoscalerMetric>();
  for (const entry of asArray(path(hpa, 'spec', 'metrics'))) {
    const { type, name, source } = metricKey(entry);
    if (!name) continue;
    const metric: AutoscalerMetric = {
      name,
      type,
      target:
        valueOf(path(source, 'target')) ?? v2beta1ValueOf(source, 'target'),
    };
    metrics.push(metric);
    byKey.set(`${type}/${name}`, metric);
  }
  for (const entry of asArray(path(hpa, 'status', 'currentMetrics'))) {
    const { type, name, source } = metricKey(entry);
    if (!name) continue;
    const current =
      valueOf(path(source, 'current')) ?? v2beta1ValueOf(source, 'current');
    const known = byKey.get(`${type}/${name}`);
    if (known) known.current = current;
    else metrics.push({ name, type, current });
  }
  // autoscaling/v1: one CPU target.
  const v1Target = asNumber(
    path(hpa, 'spec', 'targetCPUUtilizationPercentage'),
  );
  const v1Current = asNumber(
    path(hpa, 'status', 'currentCPUUtilizationPercentage'),
  );
  if (
    metrics.length === 0 &&
    (v1Target !== undefined || v1Current !== undefined)
  ) {
    metrics.push({
      name: 'cpu',
      type: 'Resource',
      target: v1Target !== undefined ? `${v1Target}%` : undefined,
      current: v1Current !== undefined ? `${v1Current}%` : undefined,
    });
  }
  return metrics;
}

/**
 * Replicas, metrics and limits of a `HorizontalPodAutoscaler` (autoscaling/v2,
 * and the older v2beta2, v2beta1 and v1 shapes). Never throws.
 */
export function deriveAutoscalerStatus(hpa: unknown): AutoscalerDerivedStatus {
  const spec = path(hpa, 'spec');
  const status = path(hpa, 'status');
  const maxReplicas = asNumber(path(spec, 'maxReplicas'));
  // The API server defaults minReplicas to 1 when the spec omits it.
  const minReplicas =
    asNumber(path(spec, 'minReplicas')) ??
    (maxReplicas !== undefined ? 1 : undefined);
  const currentReplicas = asNumber(path(status, 'currentReplicas'));
  const desiredReplicas = asNumber(path(status, 'desiredReplicas'));
  const conditions = conditionsOf(hpa);
  const condition = (type: string) => conditions.find(c => c.type === type);
  const limited = condition('ScalingLimited');
  const active = condition('ScalingActive');
  const able = condition('AbleToScale');

  const atMax =
    (currentReplicas !== undefined &&
      maxReplicas !== undefined &&
      currentReplicas >= maxReplicas) ||
    (limited?.status === 'True' && limited.reason === 'TooManyReplicas');
  // ScalingDisabled: the target has 0 replicas, so the HPA does not scale it
  // (kubernetes pkg/controller/podautoscaler/horizontal.go
  // reconcileAutoscaler); not a metrics failure.
  const disabled =
    active?.status === 'False' && active.reason === 'ScalingDisabled';
  const metricsAvailable = active?.status !== 'False' || disabled;
  let scaling: AutoscalerDerivedStatus['scaling'] = 'unknown';
  if (currentReplicas !== undefined && desiredReplicas !== undefined) {
    if (desiredReplicas > currentReplicas) scaling = 'up';
    else if (desiredReplicas < currentReplicas) scaling = 'down';
    else scaling = 'steady';
  }

  const problems: StatusProblem[] = [];
  if (able?.status === 'False') {
    problems.push({
      severity: 'error',
      reason: able.reason ?? 'AbleToScale',
      message: `Cannot scale${able.message ? `: ${able.message}` : ''}`,
    });
  }
  if (atMax) {
    problems.push({
      severity: 'warning',
      reason: 'TooManyReplicas',
      message: `Pinned at its maximum of ${
        maxReplicas ?? currentReplicas ?? '?'
      } replicas${
        limited?.message && limited.reason === 'TooManyReplicas'
          ? `: ${limited.message}`
          : ''
      }`,
    });
  }
  if (!metricsAvailable) {
    problems.push({
      severity: 'warning',
      reason: active?.reason ?? 'ScalingActive',
      message: `Metrics unavailable${
        active?.message ? `: ${active.message}` : ''
      }`,
    });
  }
  if (disabled) {
    problems.push({
      severity: 'info',
      reason: 'ScalingDisabled',
      message: `Scaling is disabled${
        active?.message ? `: ${active.message}` : ''
      }`,
    });
  }
  if (limited?.status === 'True' && limited.reason === 'TooFewReplicas') {
    problems.push({
      severity: 'info',
      reason: 'TooFewReplicas',
      message: limited.message ?? 'Held at its minimum replicas',
    });
  }

  const known =
    maxReplicas !== undefined ||
    currentReplicas !== undefined ||
    conditions.length > 0;
  const parts: Array<Exclude<StatusVerdict, 'unknown'>> =
    problems.map(problemVerdict);
  if (scaling === 'up' || scaling === 'down') parts.push('progressing');
  const kind = asString(path(spec, 'scaleTargetRef', 'kind'));
  const targetName = asString(path(spec, 'scaleTargetRef', 'name'));

  return {
    name: asString(path(hpa, 'metadata', 'name')),
    target: kind && targetName ? `${kind}/${targetName}` : targetName,
    minReplicas,
    maxReplicas,
    currentReplicas,
    desiredReplicas,
    atMax,
    scaling,
    metrics: metricsOf(hpa),
    metricsAvailable,
    lastScaleTime: asString(path(status, 'lastScaleTime')),
    problems,
    verdict: known ? worstVerdict(...parts) : 'unknown',
  };
}
