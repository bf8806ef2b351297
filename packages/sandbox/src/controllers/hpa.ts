import type { SandboxClock, ClockTimer } from '../clock';
import type { KubeStore } from '../kube/store';
import { kubeTime, type KubeObject } from '../kube/types';
import { selectorFromLabels } from '../kube/selectors';
import { DEPLOYMENTS, HPAS, PODS } from './workloads';

/** How often the simulated HPA controller re-evaluates (the real default sync period). */
export const HPA_SYNC_PERIOD_MS = 15_000;
export const DEFAULT_LOAD = 0.5;
const INITIAL_READINESS_DELAY_MS = 30_000;
const CONDITION_ORDER = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];

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
    const cpuTarget =
      spec.metrics?.find(
        m => m.type === 'Resource' && m.resource?.name === 'cpu',
      )?.resource?.target?.averageUtilization ?? 80;
    const now = kubeTime(this.clock.now());
    // horizontal.go reconcileAutoscaler: currentReplicas is the target's scale (spec.replicas).
    const targetName = (spec as { scaleTargetRef?: { name?: string } })
      .scaleTargetRef?.name;
    const target = targetName
      ? this.store.get(DEPLOYMENTS, ns, targetName)
      : undefined;
    if (!target) {
      this.setConditions(hpa, status, now, {
        type: 'AbleToScale',
        status: 'False',
        reason: 'FailedGetScale',
        message: `the HPA controller was unable to get the target's current scale: deployments/scale.apps "${targetName}" not found`,
      });
      return;
    }
    const current =
      (target.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    if (!this.measurablePods(target)) {
      // No pod reports CPU yet: the real controller cannot compute a count and leaves the scale alone.
      this.setConditions(
        hpa,
        { ...status, currentReplicas: current, desiredReplicas: current },
        now,
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'FailedGetResourceMetric',
          message:
            'the HPA was unable to compute the replica count: failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)',
        },
      );
      return;
    }
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
    const utilization = Math.round((cpuTarget * demand) / Math.max(next, 1));
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
    if (next !== current) this.scale(ns, target.metadata.name!, next);
  }

  /**
   * Pods of the target that have been Ready for the initial readiness delay
   * (`--horizontal-pod-autoscaler-initial-readiness-delay`, 30 s): the
   * controller counts only those samples (replica_calculator.go).
   */
  private measurablePods(target: KubeObject): number {
    const matchLabels = (
      target.spec as { selector?: { matchLabels?: Record<string, string> } }
    ).selector?.matchLabels;
    if (!matchLabels) return 0;
    const since = this.clock.nowMs() - INITIAL_READINESS_DELAY_MS;
    return this.store.count(
      PODS,
      {
        namespace: target.metadata.namespace,
        labelSelector: selectorFromLabels(matchLabels),
      },
      pod =>
        (
          pod.status as
            | {
                conditions?: Array<{
                  type: string;
                  status: string;
                  lastTransitionTime?: string;
                }>;
              }
            | undefined
        )?.conditions?.some(
          c =>
            c.type === 'Ready' &&
            c.status === 'True' &&
            Date.parse(c.lastTransitionTime ?? '') <= since,
        ) ?? false,
    );
  }

  /** Replaces one condition (keeping its transition time when unchanged), the others stay. */
  private setConditions(
    hpa: KubeObject,
    status: HpaStatus,
    now: string,
    change: Omit<HpaCondition, 'lastTransitionTime'>,
  ) {
    const before = (status.conditions ?? []).find(c => c.type === change.type);
    const next: HpaCondition = {
      ...change,
      lastTransitionTime:
        before && before.status === change.status
          ? before.lastTransitionTime
          : now,
    };
    const conditions = (status.conditions ?? []).filter(
      c => c.type !== change.type,
    );
    this.store.update(HPAS, hpa.metadata.namespace, hpa.metadata.name!, obj => {
      obj.status = {
        ...status,
        conditions: [...conditions, next].sort(
          (a, b) =>
            CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type),
        ),
      };
    });
  }

  /** What the real controller does through the target's /scale: set spec.replicas; the deployment controller does the rest. */
  private scale(ns: string, name: string, replicas: number) {
    this.store.update(DEPLOYMENTS, ns, name, obj => {
      (obj.spec as { replicas?: number }).replicas = replicas;
    });
  }
}
