import type { SandboxClock, ClockTimer } from '../clock';
import type { KubeStore } from '../kube/store';
import { kubeTime, type KubeObject } from '../kube/types';
import { DEPLOYMENTS, HPAS } from './workloads';

/** How often the simulated HPA controller re-evaluates (the real default sync period). */
export const HPA_SYNC_PERIOD_MS = 15_000;
export const DEFAULT_LOAD = 0.5;

interface HpaSpec {
  minReplicas?: number;
  maxReplicas: number;
  metrics?: Array<{
    type: string;
    resource?: { name: string; target?: { averageUtilization?: number } };
  }>;
}
interface HpaCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}
interface HpaStatus {
  currentReplicas?: number;
  desiredReplicas?: number;
  lastScaleTime?: string;
  currentMetrics?: unknown[];
  conditions?: HpaCondition[];
}

/**
 * Drifts every HPA's replicas and CPU utilisation with a per-namespace load
 * (0..2; 1 = 75% of max capacity busy), as the real controller would react to
 * traffic: scale-ups move fast, scale-downs one replica per period.
 */
export class HpaController {
  private readonly loads = new Map<string, number>();
  private defaultLoad = DEFAULT_LOAD;
  private timer?: ClockTimer;

  constructor(
    private readonly store: KubeStore,
    private readonly clock: SandboxClock,
  ) {}

  start() {
    this.timer = this.clock.every(HPA_SYNC_PERIOD_MS, () =>
      this.reconcileAll(),
    );
  }

  stop() {
    this.timer?.cancel();
  }

  /** Sets the load of one namespace, or (without one) the default of all others. */
  setLoad(load: number, namespace?: string) {
    if (namespace) this.loads.set(namespace, load);
    else {
      this.defaultLoad = load;
      this.loads.clear();
    }
  }

  getLoad(namespace: string): number {
    return this.loads.get(namespace) ?? this.defaultLoad;
  }

  loadsSnapshot(): { default: number; namespaces: Record<string, number> } {
    return {
      default: this.defaultLoad,
      namespaces: Object.fromEntries(this.loads),
    };
  }

  reconcileAll() {
    for (const hpa of this.store.list(HPAS)) this.reconcile(hpa);
  }

  private reconcile(hpa: KubeObject) {
    const ns = hpa.metadata.namespace!;
    const spec = hpa.spec as HpaSpec;
    const status = (hpa.status ?? {}) as HpaStatus;
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas;
    const target =
      spec.metrics?.find(
        m => m.type === 'Resource' && m.resource?.name === 'cpu',
      )?.resource?.target?.averageUtilization ?? 80;
    const current = status.currentReplicas ?? min;
    // Demand in pods running at the target utilisation.
    const demand = this.getLoad(ns) * max * 0.75;
    const raw = Math.max(1, Math.ceil(demand));
    const desired = Math.min(max, Math.max(min, raw));
    // Scale-ups close half the gap per period; scale-downs go one replica at a time.
    let step = 0;
    if (desired > current)
      step = Math.max(1, Math.ceil((desired - current) / 2));
    else if (desired < current) step = -1;
    const next = current + step;
    const utilization = Math.round((target * demand) / Math.max(next, 1));
    const now = kubeTime(this.clock.now());
    const previous = new Map((status.conditions ?? []).map(c => [c.type, c]));
    const condition = (
      type: string,
      value: boolean,
      reason: string,
      message: string,
    ): HpaCondition => {
      const before = previous.get(type);
      const s = value ? 'True' : 'False';
      return {
        type,
        status: s,
        reason,
        message,
        lastTransitionTime:
          before && before.status === s ? before.lastTransitionTime : now,
      };
    };
    let limited = condition(
      'ScalingLimited',
      false,
      'DesiredWithinRange',
      'the desired count is within the acceptable range',
    );
    if (raw > max) {
      limited = condition(
        'ScalingLimited',
        true,
        'TooManyReplicas',
        'the desired replica count is more than the maximum replica count',
      );
    } else if (raw < min) {
      limited = condition(
        'ScalingLimited',
        true,
        'TooFewReplicas',
        'the desired replica count is less than the minimum replica count',
      );
    }
    const nextStatus: HpaStatus = {
      ...status,
      currentReplicas: next,
      desiredReplicas: desired,
      lastScaleTime: next !== current ? now : status.lastScaleTime,
      currentMetrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            current: {
              averageUtilization: utilization,
              averageValue: `${Math.round((utilization / 100) * 250)}m`,
            },
          },
        },
      ],
      conditions: [
        condition(
          'AbleToScale',
          true,
          next === desired ? 'ReadyForNewScale' : 'SucceededRescale',
          next === desired
            ? 'recommended size matches current size'
            : `the HPA controller was able to update the target scale to ${next}`,
        ),
        condition(
          'ScalingActive',
          true,
          'ValidMetricFound',
          'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
        ),
        limited,
      ],
    };
    this.store.update(HPAS, ns, hpa.metadata.name!, obj => {
      obj.status = nextStatus;
    });
    if (next !== current)
      this.scaleDeployment(
        ns,
        (spec as { scaleTargetRef?: { name?: string } }).scaleTargetRef?.name,
        next,
      );
  }

  /** Follows the HPA on its healthy target deployment so the Kubernetes tab agrees. */
  private scaleDeployment(
    ns: string,
    name: string | undefined,
    replicas: number,
  ) {
    if (!name) return;
    this.store.update(DEPLOYMENTS, ns, name, obj => {
      const status = (obj.status ?? {}) as Record<string, unknown>;
      if (status.unavailableReplicas) return;
      (obj.spec as { replicas?: number }).replicas = replicas;
      obj.status = {
        ...status,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      };
    });
  }
}
