import type { ClockTimer, SandboxClock } from '../clock';
import type { FaultRegistry } from '../faults';
import { resource } from '../kube/resources';
import type { KubeStore, StoreChangeEvent } from '../kube/store';
import { kubeTime, type KubeObject } from '../kube/types';

const PODS = resource('', 'pods');
const DEPLOYMENTS = resource('apps', 'deployments');
const REPLICASETS = resource('apps', 'replicasets');

/**
 * How the sandbox's kubelet runs a Deployment's pods, from the Deployment's
 * annotation: `CrashLoopBackOff`, `ImagePullBackOff`, or `Held` (pending in
 * ContainerCreating until the annotation goes, e.g. waiting for databases).
 * Without it pods start and become ready, unless a `rollout-fails` fault
 * (faults.ts) matches their ReplicaSet.
 */
export const POD_STATE_ANNOTATION = 'sandbox.launchpad.openedx.org/pod-state';
export type PodState = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'Held';
/** Simulated time from a pod's creation to its containers running and ready. */
export const POD_START_MS = 5_000;
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const DEFAULT_PROGRESS_DEADLINE_S = 600;
/** How often deployments still rolling out are re-checked against their progress deadline. */
const RESYNC_MS = 10_000;

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}
interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: {
    metadata?: { labels?: Record<string, string> };
    spec?: { containers?: Array<{ name: string; image?: string }> };
  };
  strategy?: {
    type?: string;
    rollingUpdate?: { maxUnavailable?: number | string };
  };
  progressDeadlineSeconds?: number;
  paused?: boolean;
}
interface ReplicaSetStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

const owners = (obj: KubeObject) =>
  (obj.metadata.ownerReferences ?? []) as unknown as OwnerReference[];
const controllerOf = (obj: KubeObject) => owners(obj).find(o => o.controller);
const ownerRef = (kind: string, owner: KubeObject): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind,
  name: owner.metadata.name!,
  uid: owner.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

/** Go's JSON key order does not matter to the hash; sort keys so equal templates hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter(k => (value as Record<string, unknown>)[k] !== undefined)
      .map(
        k =>
          `${JSON.stringify(k)}:${canonical(
            (value as Record<string, unknown>)[k],
          )}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The `pod-template-hash`: FNV-32a of the pod template, encoded with
 * apimachinery's `rand.SafeEncodeString` alphabet (k8s.io/kubernetes
 * pkg/controller/controller_utils.go ComputeHash).
 */
export function podTemplateHash(template: unknown): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(canonical(template))) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...String(hash)]
    .map(c => alphabet[c.charCodeAt(0) % alphabet.length])
    .join('');
}

/** maxSurge (rounded up) and maxUnavailable (rounded down), never both 0 (deployment/util ResolveFenceposts). */
function rollingLimits(
  spec: DeploymentSpec,
  replicas: number,
): { surge: number; unavailable: number } {
  const resolve = (value: number | string, up: boolean) => {
    if (typeof value === 'number') return value;
    const percent = Number(value.replace('%', ''));
    if (!Number.isFinite(percent)) return 0;
    const exact = (replicas * percent) / 100;
    return up ? Math.ceil(exact) : Math.floor(exact);
  };
  const rolling = (spec.strategy?.rollingUpdate ?? {}) as {
    maxSurge?: number | string;
    maxUnavailable?: number | string;
  };
  const surge = resolve(rolling.maxSurge ?? '25%', true);
  const unavailable = resolve(rolling.maxUnavailable ?? '25%', false);
  return {
    surge,
    unavailable: surge === 0 && unavailable === 0 ? 1 : unavailable,
  };
}

/** `maxUnavailable` of a rolling update (default 25%, rounded down), as the deployment controller resolves it. */
function maxUnavailable(spec: DeploymentSpec, replicas: number): number {
  if (spec.strategy?.type === 'Recreate') return 0;
  return rollingLimits(spec, replicas).unavailable;
}

const isReady = (pod: KubeObject) =>
  (
    pod.status as { conditions?: Array<{ type: string; status: string }> }
  )?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The deployment and replica set controllers, the garbage collector for
 * their dependents and a kubelet, over one cluster's store: a Deployment's
 * `spec.replicas` (set by a client, `/scale` or the HPA) decides how many
 * Pods its current ReplicaSet runs; ownerReferences link Pod → ReplicaSet →
 * Deployment; status (`observedGeneration`, `replicas`, `updatedReplicas`,
 * `readyReplicas`, `availableReplicas`, conditions) follows the pods as they
 * start on the simulated clock. Modelled on k8s.io/kubernetes
 * pkg/controller/deployment (sync.go calculateStatus, progress.go) and
 * pkg/controller/replicaset.
 */
export class DeploymentController {
  private readonly dirtyDeployments = new Set<string>();
  private readonly dirtyReplicaSets = new Set<string>();
  /** Pods waiting for their start time, by uid: their timer and where they are. */
  private readonly starting = new Map<
    string,
    { timer: ClockTimer; namespace: string; name: string }
  >();
  private scheduled = false;
  private unsubscribe?: () => void;
  private unsubscribeFaults?: () => void;
  private resync?: ClockTimer;
  /** The ReplicaSets (uids) each `rollout-fails` fault broke: its `count` caps them, they crash until it goes. */
  private readonly broken = new Map<string, Set<string>>();

  constructor(
    private readonly store: KubeStore,
    private readonly clock: SandboxClock,
    private readonly faults?: FaultRegistry,
  ) {}

  start() {
    this.unsubscribe = this.store.subscribe(event => this.onEvent(event));
    this.unsubscribeFaults = this.faults?.onRemove(fault => {
      if (fault.kind !== 'rollout-fails') return;
      // The crashing pods come up at their next restart.
      this.broken.delete(fault.id);
      for (const rs of this.store.list(REPLICASETS)) this.markReplicaSet(rs);
    });
    for (const d of this.store.list(DEPLOYMENTS)) this.markDeployment(d);
    for (const rs of this.store.list(REPLICASETS)) this.markReplicaSet(rs);
    this.resync = this.clock.every(RESYNC_MS, () => {
      // Only deployments whose progress deadline may have passed need a look.
      this.store.count(DEPLOYMENTS, {}, d => {
        if (this.deadlinePassed(d)) this.markDeployment(d);
        return false;
      });
      this.flush();
    });
    this.flush();
  }

  stop() {
    this.unsubscribe?.();
    this.unsubscribeFaults?.();
    this.resync?.cancel();
    for (const { timer } of this.starting.values()) timer.cancel();
    this.starting.clear();
  }

  /** Brings every pod that is still starting up at once (the seed's workloads are settled when the sandbox is ready). */
  finishStarting() {
    this.flush();
    for (const [uid, { timer, namespace, name }] of [...this.starting]) {
      timer.cancel();
      this.starting.delete(uid);
      const pod = this.store.get(PODS, namespace, name);
      if (pod?.metadata.uid === uid) this.startPod(pod);
    }
    this.flush();
  }

  /** Runs the pending reconciles now (they also run on the next microtask). */
  flush() {
    // Each pass may dirty more objects (a ReplicaSet's pods change its Deployment's status).
    for (let pass = 0; pass < 20; pass++) {
      if (!this.dirtyDeployments.size && !this.dirtyReplicaSets.size) return;
      const deployments = [...this.dirtyDeployments];
      this.dirtyDeployments.clear();
      for (const key of deployments) this.syncDeployment(key);
      const replicaSets = [...this.dirtyReplicaSets];
      this.dirtyReplicaSets.clear();
      for (const key of replicaSets) this.syncReplicaSet(key);
    }
  }

  private onEvent(event: StoreChangeEvent) {
    const obj = event.object;
    switch (event.resource) {
      case 'apps/deployments':
        if (event.type === 'DELETED') this.collect(REPLICASETS, obj);
        else this.markDeployment(obj);
        return;
      case 'apps/replicasets': {
        if (event.type === 'DELETED') this.collect(PODS, obj);
        else this.markReplicaSet(obj);
        const owner = controllerOf(obj);
        if (owner?.kind === 'Deployment')
          this.dirtyDeployments.add(`${obj.metadata.namespace}/${owner.name}`);
        break;
      }
      case '/pods': {
        const owner = controllerOf(obj);
        if (owner?.kind === 'ReplicaSet')
          this.dirtyReplicaSets.add(`${obj.metadata.namespace}/${owner.name}`);
        if (event.type === 'DELETED') {
          this.starting.get(obj.metadata.uid!)?.timer.cancel();
          this.starting.delete(obj.metadata.uid!);
        }
        break;
      }
      default:
        return;
    }
    this.schedule();
  }

  private markDeployment(d: KubeObject) {
    this.dirtyDeployments.add(`${d.metadata.namespace}/${d.metadata.name}`);
    this.schedule();
  }

  private markReplicaSet(rs: KubeObject) {
    this.dirtyReplicaSets.add(`${rs.metadata.namespace}/${rs.metadata.name}`);
    this.schedule();
  }

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Background cascading deletion: dependents of a deleted owner go too (the garbage collector). */
  private collect(type: typeof PODS | typeof REPLICASETS, owner: KubeObject) {
    const ns = owner.metadata.namespace;
    for (const dependent of this.store.listOwned(
      type,
      ns,
      owner.metadata.uid!,
    )) {
      if (this.store.get(type, ns, dependent.metadata.name!))
        this.store.delete(type, ns, dependent.metadata.name!);
    }
  }

  private deadlinePassed(d: Readonly<KubeObject>): boolean {
    const progressing = (
      (d.status as { conditions?: Condition[] } | undefined)?.conditions ?? []
    ).find(c => c.type === 'Progressing');
    if (
      !progressing ||
      progressing.reason === 'NewReplicaSetAvailable' ||
      progressing.reason === 'ProgressDeadlineExceeded'
    )
      return false;
    const deadlineS =
      (d.spec as DeploymentSpec | undefined)?.progressDeadlineSeconds ??
      DEFAULT_PROGRESS_DEADLINE_S;
    return (
      this.clock.nowMs() - Date.parse(progressing.lastUpdateTime) >
      deadlineS * 1000
    );
  }

  private syncDeployment(key: string) {
    const [ns, name] = key.split('/');
    const d = this.store.get(DEPLOYMENTS, ns, name);
    if (!d) return;
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const desired = spec.replicas ?? 1;
    const hash = podTemplateHash(spec.template ?? {});
    const owned = this.store.listOwned(REPLICASETS, ns, d.metadata.uid!);
    const revisionOf = (rs: KubeObject) =>
      Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    let current = owned.find(
      rs => rs.metadata.labels?.['pod-template-hash'] === hash,
    );
    const firstRollout = owned.length === 0 && !d.status;
    if (!current && !spec.paused) {
      const labels = {
        ...(spec.template?.metadata?.labels ?? {}),
        'pod-template-hash': hash,
      };
      current = this.store.create(
        REPLICASETS,
        {
          metadata: {
            name: `${name}-${hash}`,
            namespace: ns,
            labels,
            annotations: {
              [REVISION_ANNOTATION]: String(maxRevision + 1),
              'deployment.kubernetes.io/desired-replicas': String(desired),
            },
            ownerReferences: [
              ownerRef('Deployment', d) as unknown as Record<string, unknown>,
            ],
          },
          spec: {
            // The first ReplicaSet starts at full size; a new one grows as the rollout allows.
            replicas: owned.length ? 0 : desired,
            selector: {
              matchLabels: {
                ...(spec.selector?.matchLabels ?? {}),
                'pod-template-hash': hash,
              },
            },
            template: {
              ...spec.template,
              metadata: { ...spec.template?.metadata, labels },
            },
          },
        },
        // The first rollout of a seeded (backdated) Deployment happened when it was created.
        firstRollout
          ? { createdAt: new Date(d.metadata.creationTimestamp!) }
          : {},
      );
    }
    if (current) {
      const bump =
        revisionOf(current) < maxRevision ? maxRevision + 1 : undefined;
      this.rollOut(spec, desired, current, owned, bump);
      this.store.update(DEPLOYMENTS, ns, name, obj => {
        obj.metadata.annotations = {
          ...obj.metadata.annotations,
          [REVISION_ANNOTATION]:
            this.store.get(REPLICASETS, ns, current!.metadata.name!)?.metadata
              .annotations?.[REVISION_ANNOTATION] ?? '1',
        };
      });
    }
    // The pods' state follows the Deployment (a hold lifted, a pod-state changed).
    for (const rs of owned) this.markReplicaSet(rs);
    this.writeDeploymentStatus(ns, name, current?.metadata.name);
  }

  /**
   * One step of the rollout (k8s.io/kubernetes pkg/controller/deployment
   * rolling.go, recreate.go): RollingUpdate grows the new ReplicaSet while
   * all pods stay within `replicas + maxSurge` and shrinks old ones while at
   * least `replicas - maxUnavailable` stay available; Recreate removes the
   * old pods first. Each step waits for pods to become available.
   */
  private rollOut(
    spec: DeploymentSpec,
    desired: number,
    current: KubeObject,
    owned: KubeObject[],
    revision: number | undefined,
  ) {
    const replicasOf = (rs: KubeObject) =>
      (rs.spec as { replicas?: number }).replicas ?? 0;
    const statusOf = (rs: KubeObject) => (rs.status ?? {}) as ReplicaSetStatus;
    const olds = owned
      .filter(rs => rs.metadata.uid !== current.metadata.uid)
      .sort(
        (a, b) =>
          Date.parse(a.metadata.creationTimestamp!) -
          Date.parse(b.metadata.creationTimestamp!),
      );
    const scaled = new Map(owned.map(rs => [rs.metadata.uid!, replicasOf(rs)]));
    const total = () => [...scaled.values()].reduce((n, r) => n + r, 0);
    const activeOlds = olds.filter(rs => replicasOf(rs) > 0);
    if (!activeOlds.length) {
      scaled.set(current.metadata.uid!, desired);
    } else if (spec.strategy?.type === 'Recreate') {
      for (const rs of activeOlds) scaled.set(rs.metadata.uid!, 0);
      const oldPods = olds.reduce(
        (n, rs) => n + (statusOf(rs).replicas ?? 0),
        0,
      );
      scaled.set(current.metadata.uid!, oldPods === 0 ? desired : 0);
    } else {
      const { surge, unavailable } = rollingLimits(spec, desired);
      let next = replicasOf(current);
      if (next > desired) next = desired;
      else if (next < desired)
        next += Math.max(
          0,
          Math.min(desired + surge - total(), desired - next),
        );
      scaled.set(current.metadata.uid!, next);
      const minAvailable = desired - unavailable;
      const newUnavailable = next - (statusOf(current).availableReplicas ?? 0);
      let budget = total() - minAvailable - newUnavailable;
      // Unhealthy old pods go first, then available ones while enough stay available.
      for (const rs of activeOlds) {
        if (budget <= 0) break;
        const have = scaled.get(rs.metadata.uid!)!;
        const down = Math.min(
          budget,
          Math.max(0, have - (statusOf(rs).availableReplicas ?? 0)),
        );
        scaled.set(rs.metadata.uid!, have - down);
        budget -= down;
      }
      const available = owned.reduce(
        (n, rs) => n + (statusOf(rs).availableReplicas ?? 0),
        0,
      );
      let canScaleDown = Math.min(budget, available - minAvailable);
      for (const rs of activeOlds) {
        if (canScaleDown <= 0) break;
        const have = scaled.get(rs.metadata.uid!)!;
        const down = Math.min(have, canScaleDown);
        scaled.set(rs.metadata.uid!, have - down);
        canScaleDown -= down;
      }
    }
    for (const rs of owned) {
      const isCurrent = rs.metadata.uid === current.metadata.uid;
      this.scaleReplicaSet(
        rs,
        scaled.get(rs.metadata.uid!)!,
        isCurrent ? revision : undefined,
      );
    }
  }

  private scaleReplicaSet(rs: KubeObject, replicas: number, revision?: number) {
    this.store.update(
      REPLICASETS,
      rs.metadata.namespace,
      rs.metadata.name!,
      obj => {
        (obj.spec as { replicas?: number }).replicas = replicas;
        obj.metadata.annotations = {
          ...obj.metadata.annotations,
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          ...(revision ? { [REVISION_ANNOTATION]: String(revision) } : {}),
        };
      },
    );
  }

  private writeDeploymentStatus(
    ns: string,
    name: string,
    currentName: string | undefined,
  ) {
    const d = this.store.get(DEPLOYMENTS, ns, name);
    if (!d) return;
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const desired = spec.replicas ?? 1;
    const owned = this.store.listOwned(REPLICASETS, ns, d.metadata.uid!);
    const statusOf = (rs: KubeObject) => (rs.status ?? {}) as ReplicaSetStatus;
    const sum = (f: (s: ReplicaSetStatus) => number | undefined) =>
      owned.reduce((n, rs) => n + (f(statusOf(rs)) ?? 0), 0);
    const current = owned.find(rs => rs.metadata.name === currentName);
    const replicas = sum(s => s.replicas);
    const updated = current ? statusOf(current).replicas ?? 0 : 0;
    const ready = sum(s => s.readyReplicas);
    const available = sum(s => s.availableReplicas);
    const total = owned.reduce(
      (n, rs) => n + ((rs.spec as { replicas?: number }).replicas ?? 0),
      0,
    );
    const unavailable = Math.max(0, total - available);
    const previous = (d.status ?? {}) as {
      replicas?: number;
      updatedReplicas?: number;
      readyReplicas?: number;
      availableReplicas?: number;
      conditions?: Condition[];
    };
    const pods = owned.flatMap(rs =>
      this.store.listOwned(PODS, ns, rs.metadata.uid!),
    );
    // When the change happened: now, or for backdated (seeded) pods, their own latest transition.
    const nowMs = this.clock.nowMs();
    const latest = Math.max(
      Date.parse(d.metadata.creationTimestamp!),
      ...pods.map(p => podTransitionMs(p)),
    );
    const at = kubeTime(Math.min(nowMs, latest));
    const progressed =
      (previous.replicas ?? 0) !== replicas ||
      (previous.updatedReplicas ?? 0) !== updated ||
      (previous.readyReplicas ?? 0) !== ready ||
      (previous.availableReplicas ?? 0) !== available ||
      (d.status as { observedGeneration?: number } | undefined)
        ?.observedGeneration !== d.metadata.generation;
    const before = new Map((previous.conditions ?? []).map(c => [c.type, c]));
    const condition = (
      type: string,
      value: boolean,
      reason: string,
      message: string,
      updateTime?: string,
    ): Condition => {
      const old = before.get(type);
      const status = value ? 'True' : 'False';
      const same = old && old.status === status && old.reason === reason;
      return {
        type,
        status,
        reason,
        message,
        lastUpdateTime:
          same && !updateTime ? old.lastUpdateTime : updateTime ?? at,
        lastTransitionTime:
          old && old.status === status ? old.lastTransitionTime : at,
      };
    };
    const rsName = currentName ?? name;
    const minAvailable = desired - maxUnavailable(spec, desired);
    const availableCondition =
      available >= minAvailable
        ? condition(
            'Available',
            true,
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
          )
        : condition(
            'Available',
            false,
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          );
    const complete =
      updated === desired &&
      replicas === desired &&
      available === desired &&
      !!current;
    const progressing = before.get('Progressing');
    const deadlineMs =
      (spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_S) * 1000;
    let progressingCondition: Condition;
    if (complete) {
      progressingCondition = condition(
        'Progressing',
        true,
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
      );
    } else if (!progressing) {
      progressingCondition = condition(
        'Progressing',
        true,
        'NewReplicaSetCreated',
        `Created new replica set "${rsName}"`,
      );
    } else if (progressed) {
      progressingCondition = condition(
        'Progressing',
        true,
        'ReplicaSetUpdated',
        `ReplicaSet "${rsName}" is progressing.`,
        at,
      );
    } else if (
      progressing.reason !== 'ProgressDeadlineExceeded' &&
      nowMs - Date.parse(progressing.lastUpdateTime) > deadlineMs
    ) {
      // progress.go: no progress within progressDeadlineSeconds.
      const timedOut = Date.parse(progressing.lastUpdateTime) + deadlineMs;
      progressingCondition = {
        ...condition(
          'Progressing',
          false,
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rsName}" has timed out progressing.`,
          kubeTime(timedOut),
        ),
        lastTransitionTime: kubeTime(timedOut),
      };
    } else {
      progressingCondition = progressing;
    }
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      // DeploymentStatus fields are omitempty.
      ...(replicas ? { replicas } : {}),
      ...(updated ? { updatedReplicas: updated } : {}),
      ...(ready ? { readyReplicas: ready } : {}),
      ...(available ? { availableReplicas: available } : {}),
      ...(unavailable ? { unavailableReplicas: unavailable } : {}),
      conditions: [availableCondition, progressingCondition],
    };
    this.store.update(DEPLOYMENTS, ns, name, obj => {
      obj.status = status;
    });
  }

  private syncReplicaSet(key: string) {
    const [ns, name] = key.split('/');
    const rs = this.store.get(REPLICASETS, ns, name);
    if (!rs) return;
    const desired = (rs.spec as { replicas?: number }).replicas ?? 1;
    let pods = this.store.listOwned(PODS, ns, rs.metadata.uid!);
    // Looked up only for pods that start or crash: a fault breaks the rollouts that start pods.
    let looked: { state: PodState | undefined } | undefined;
    const stateOf = () => (looked ??= { state: this.podStateOf(rs) }).state;
    const neverSynced =
      (rs.status as ReplicaSetStatus | undefined)?.observedGeneration ===
      undefined;
    const createdAt = neverSynced
      ? new Date(rs.metadata.creationTimestamp!)
      : this.clock.now();
    const template =
      (
        rs.spec as {
          template?: {
            metadata?: { labels?: Record<string, string> };
            spec?: Record<string, unknown>;
          };
        }
      ).template ?? {};
    const created = new Set<string>();
    for (let i = pods.length; i < desired; i++) {
      const pod = this.store.create(
        PODS,
        {
          metadata: {
            generateName: `${name}-`,
            namespace: ns,
            labels: { ...(template.metadata?.labels ?? {}) },
            ownerReferences: [
              ownerRef('ReplicaSet', rs) as unknown as Record<string, unknown>,
            ],
          },
          spec: {
            ...template.spec,
            nodeName: 'sandbox-node-1',
            restartPolicy:
              (template.spec as { restartPolicy?: string } | undefined)
                ?.restartPolicy ?? 'Always',
          },
          status: pendingStatus(createdAt),
        },
        { createdAt },
      );
      pods.push(pod);
      created.add(pod.metadata.uid!);
    }
    if (pods.length > desired) {
      // The replica set controller deletes pods that are not ready first, then the newest.
      const victims = [...pods]
        .sort(
          (a, b) =>
            Number(isReady(a)) - Number(isReady(b)) ||
            Date.parse(b.metadata.creationTimestamp!) -
              Date.parse(a.metadata.creationTimestamp!),
        )
        .slice(0, pods.length - desired);
      for (const victim of victims)
        this.store.delete(PODS, ns, victim.metadata.name!);
      pods = pods.filter(p => !victims.includes(p));
    }
    for (const pod of pods) {
      if (this.starting.has(pod.metadata.uid!)) continue;
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      const waiting = isPendingStart(pod);
      if (!waiting && phase) {
        // The kubelet restarts a crashing container with back-off; once its cause is gone, it comes up.
        if (isCrashLooping(pod) && stateOf() === undefined)
          this.startPod(pod, undefined);
        continue;
      }
      const state = stateOf();
      if (state === 'Held') continue;
      const dueMs = Date.parse(pod.metadata.creationTimestamp!) + POD_START_MS;
      if (dueMs <= this.clock.nowMs())
        // A backdated pod created just now (the seed) started on time; a pod held until now starts now.
        this.startPod(
          pod,
          state,
          created.has(pod.metadata.uid!) ? dueMs : undefined,
        );
      else {
        const uid = pod.metadata.uid!;
        this.starting.set(uid, {
          namespace: ns,
          name: pod.metadata.name!,
          timer: this.clock.after(dueMs - this.clock.nowMs(), () => {
            this.starting.delete(uid);
            const fresh = this.store.get(PODS, ns, pod.metadata.name!);
            // A clock jump fires the timer late: the containers started when they were due.
            if (fresh?.metadata.uid === uid)
              this.startPod(fresh, undefined, dueMs);
            this.flush();
          }),
        });
      }
    }
    const current = this.store.listOwned(PODS, ns, rs.metadata.uid!);
    const ready = current.filter(isReady).length;
    this.store.update(REPLICASETS, ns, name, obj => {
      obj.status = {
        replicas: current.length,
        fullyLabeledReplicas: current.length,
        ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
        observedGeneration: obj.metadata.generation,
      };
    });
  }

  private podStateOf(rs: KubeObject): PodState | undefined {
    const owner = controllerOf(rs);
    if (owner?.kind !== 'Deployment') return undefined;
    const d = this.store.get(DEPLOYMENTS, rs.metadata.namespace, owner.name);
    const value = d?.metadata.annotations?.[POD_STATE_ANNOTATION];
    if (
      value === 'CrashLoopBackOff' ||
      value === 'ImagePullBackOff' ||
      value === 'Held'
    )
      return value;
    return this.rolloutFault(rs) ? 'CrashLoopBackOff' : undefined;
  }

  /** The `rollout-fails` fault breaking this ReplicaSet (its namespace, an image of its template), claiming it under the fault's count. */
  private rolloutFault(rs: KubeObject): boolean {
    if (!this.faults) return false;
    const images = (
      (
        rs.spec as {
          template?: { spec?: { containers?: Array<{ image?: string }> } };
        }
      ).template?.spec?.containers ?? []
    ).map(c => c.image ?? '');
    for (const fault of this.faults.list()) {
      if (fault.kind !== 'rollout-fails') continue;
      if (fault.instance && fault.instance !== rs.metadata.namespace) continue;
      const { image } = fault;
      if (image && !images.some(i => i.includes(image))) continue;
      const broken = this.broken.get(fault.id) ?? new Set<string>();
      if (!broken.has(rs.metadata.uid!)) {
        if (fault.count !== undefined && broken.size >= fault.count) continue;
        broken.add(rs.metadata.uid!);
        this.broken.set(fault.id, broken);
        fault.hits = broken.size;
      }
      return true;
    }
    return false;
  }

  /** The kubelet: the pod's containers come up (or crash, or fail to pull) POD_START_MS after creation. */
  private startPod(pod: KubeObject, known?: PodState, startAt?: number) {
    const rsName = controllerOf(pod)?.name;
    const rs = rsName
      ? this.store.get(REPLICASETS, pod.metadata.namespace, rsName)
      : undefined;
    const state = known ?? (rs ? this.podStateOf(rs) : undefined);
    if (state === 'Held') return;
    const created = Date.parse(pod.metadata.creationTimestamp!);
    // On time, or now when brought up early (finishStarting) or after a hold.
    const startedMs = startAt ?? this.clock.nowMs();
    this.store.update(PODS, pod.metadata.namespace, pod.metadata.name!, obj => {
      obj.status = runningStatus(
        obj,
        created,
        startedMs,
        state,
        this.clock.nowMs(),
      );
    });
  }
}

function isCrashLooping(pod: KubeObject): boolean {
  return (
    (
      pod.status as {
        containerStatuses?: Array<{
          state?: { waiting?: { reason?: string } };
        }>;
      }
    )?.containerStatuses?.some(
      s => s.state?.waiting?.reason === 'CrashLoopBackOff',
    ) ?? false
  );
}

function isPendingStart(pod: KubeObject): boolean {
  const statuses = (
    pod.status as {
      containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }>;
    }
  )?.containerStatuses;
  return (
    !statuses ||
    statuses.some(s => s.state?.waiting?.reason === 'ContainerCreating')
  );
}

/** When the pod last changed (its creation, or its containers starting). */
function podTransitionMs(pod: KubeObject): number {
  const conditions =
    (pod.status as { conditions?: Array<{ lastTransitionTime?: string }> })
      ?.conditions ?? [];
  return Math.max(
    Date.parse(pod.metadata.creationTimestamp!),
    ...conditions.map(c => Date.parse(c.lastTransitionTime ?? '') || 0),
  );
}

function pendingStatus(createdAt: Date): Record<string, unknown> {
  const at = kubeTime(createdAt);
  return {
    phase: 'Pending',
    hostIP: '10.0.0.10',
    startTime: at,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
      { type: 'Initialized', status: 'True', lastTransitionTime: at },
      {
        type: 'ContainersReady',
        status: 'False',
        reason: 'ContainersNotReady',
        lastTransitionTime: at,
      },
      {
        type: 'Ready',
        status: 'False',
        reason: 'ContainersNotReady',
        lastTransitionTime: at,
      },
    ],
  };
}

function runningStatus(
  pod: KubeObject,
  createdMs: number,
  startedMs: number,
  state: PodState | undefined,
  nowMs: number,
): Record<string, unknown> {
  const created = kubeTime(createdMs);
  const started = kubeTime(startedMs);
  const containers =
    (pod.spec as { containers?: Array<{ name: string; image?: string }> })
      ?.containers ?? [];
  const ready = state === undefined;
  const ip = `10.42.${Math.floor(createdMs / 256) % 256}.${
    (createdMs % 254) + 1
  }`;
  const containerStatuses = containers.map(c => {
    const base = { name: c.name, image: c.image ?? '', imageID: '' };
    if (state === 'CrashLoopBackOff') {
      return {
        ...base,
        ready: false,
        started: false,
        // One restart every five minutes of back-off, as the kubelet's cap allows.
        restartCount: Math.max(1, Math.floor((nowMs - startedMs) / 300_000)),
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 5m0s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            startedAt: started,
            finishedAt: started,
          },
        },
      };
    }
    if (state === 'ImagePullBackOff') {
      return {
        ...base,
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${c.image}"`,
          },
        },
      };
    }
    return {
      ...base,
      imageID: `docker.io/${c.image ?? ''}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: started } },
    };
  });
  const readyStatus = ready ? 'True' : 'False';
  return {
    phase: state === 'ImagePullBackOff' ? 'Pending' : 'Running',
    hostIP: '10.0.0.10',
    ...(state === 'ImagePullBackOff' ? {} : { podIP: ip, podIPs: [{ ip }] }),
    startTime: created,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
      { type: 'Initialized', status: 'True', lastTransitionTime: created },
      {
        type: 'ContainersReady',
        status: readyStatus,
        ...(ready ? {} : { reason: 'ContainersNotReady' }),
        lastTransitionTime: started,
      },
      {
        type: 'Ready',
        status: readyStatus,
        ...(ready ? {} : { reason: 'ContainersNotReady' }),
        lastTransitionTime: started,
      },
    ],
    containerStatuses,
    qosClass: 'Burstable',
  };
}
