import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  deriveArgocdStatus,
  deriveWorkflowStatus,
} from '@internal/plugin-launchpad-common';
import type { ClusterStatusCache } from '../status/ClusterStatusCache';
import { CoalescedPasses } from '../status/CoalescedPasses';
import type { KindName, Slim } from '../status/kinds';
import type {
  ArgocdState,
  HistoryStore,
  WorkflowRunRecord,
} from './HistoryStore';

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Which instance a recorded history row belongs to: by namespace (workflow
 * runs, ArgoCD transitions) or by slug (build runs name the instance).
 */
export type HistoryRecordedEvent =
  | { cluster: string; namespace: string }
  | { cluster: string; slug: string };

/** Notifies the listeners; a listener's failure is its own. */
export function notifyRecorded(
  listeners: Iterable<(event: HistoryRecordedEvent) => void>,
  event: HistoryRecordedEvent,
) {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // the listener's to handle
    }
  }
}

/** How long changes are gathered before one pass writes them (events come in bursts). */
const COALESCE_MS = 250;

/**
 * Writes what the status watches see into the history tables: each Workflow
 * run (created → running, suspended and resumed → its final phase, with the
 * failing step) and each change of an Application's sync or health. Runs on
 * every replica; the store's keys make the second replica's writes no-ops.
 * Only changes are written: an in-memory fingerprint per object skips
 * unchanged ones, and after a restart the last recorded ArgoCD states are
 * read back so a restart is not mistaken for a transition.
 */
export class HistoryRecorder {
  private readonly workflowMarks = new Map<string, string>();
  private readonly argocdStates = new Map<string, Map<string, ArgocdState>>();
  private readonly pending = new Map<string, Set<KindName>>();
  private readonly passes = new CoalescedPasses(COALESCE_MS, cluster =>
    this.run(cluster),
  );
  private readonly unsubscribes: Array<() => void> = [];
  private readonly recordedListeners = new Set<
    (event: HistoryRecordedEvent) => void
  >();
  private stopped = false;

  constructor(
    private readonly caches: Map<string, ClusterStatusCache>,
    private readonly store: HistoryStore,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    for (const [cluster, cache] of this.caches) {
      this.unsubscribes.push(
        cache.onChange(kind => {
          if (kind !== 'workflows' && kind !== 'applications') return;
          this.schedule(cluster, kind);
        }),
      );
      // What the caches already hold (they may have listed before start).
      this.schedule(cluster, 'workflows');
      this.schedule(cluster, 'applications');
    }
  }

  /** Called after rows of an instance were written (live pages refetch its history). */
  onRecorded(listener: (event: HistoryRecordedEvent) => void): () => void {
    this.recordedListeners.add(listener);
    return () => this.recordedListeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    await this.passes.stop();
  }

  /** Writes what is pending now (tests; shutdown). */
  async flush(): Promise<void> {
    await this.passes.flush();
  }

  private schedule(cluster: string, kind: KindName) {
    if (this.stopped) return;
    let kinds = this.pending.get(cluster);
    if (!kinds) this.pending.set(cluster, (kinds = new Set()));
    kinds.add(kind);
    this.passes.schedule(cluster);
  }

  /** One pass of a cluster (never two at once); a change during it schedules the next. */
  private async run(cluster: string): Promise<void> {
    const kinds = this.pending.get(cluster);
    this.pending.delete(cluster);
    if (!kinds || this.stopped) return;
    try {
      if (kinds.has('workflows')) await this.recordWorkflows(cluster);
      if (kinds.has('applications')) await this.recordApplications(cluster);
    } catch (error) {
      // Nothing is marked as written: the next change retries it all.
      for (const kind of kinds) this.schedule(cluster, kind);
      this.logger.warn(
        `Could not record history of cluster ${cluster}: ${String(error)}`,
      );
    }
  }

  private async recordWorkflows(cluster: string) {
    const cache = this.caches.get(cluster)!;
    const changed: Array<{ record: WorkflowRunRecord; mark: string }> = [];
    for (const wf of cache.list('workflows')) {
      const metadata = obj(wf.metadata);
      const uid = str(metadata.uid);
      const name = str(metadata.name);
      const namespace = str(metadata.namespace);
      if (!uid || !name || !namespace) continue;
      const derived = deriveWorkflowStatus(wf);
      const failed = derived.failedSteps[0];
      const record: WorkflowRunRecord = {
        uid,
        cluster,
        namespace,
        name,
        template: templateOf(wf),
        phase: derived.phase ?? '',
        startedAt: derived.startedAt,
        finishedAt: derived.finishedAt,
        failedStep: failed?.name,
        message: failed?.message ?? derived.message,
        suspended: derived.suspended,
        nodesOffloaded: derived.nodesOffloaded,
      };
      // Suspending or resuming leaves the phase Running: the flags are part of the mark.
      const mark = JSON.stringify([
        record.phase,
        record.startedAt,
        record.finishedAt,
        record.failedStep,
        record.message,
        record.suspended,
        record.nodesOffloaded,
      ]);
      if (this.workflowMarks.get(uid) !== mark) changed.push({ record, mark });
    }
    if (changed.length === 0) return;
    await this.store.upsertWorkflowRuns(
      changed.map(c => c.record),
      this.now(),
    );
    for (const { record, mark } of changed)
      this.workflowMarks.set(record.uid, mark);
    for (const namespace of new Set(changed.map(c => c.record.namespace)))
      notifyRecorded(this.recordedListeners, { cluster, namespace });
  }

  private async recordApplications(cluster: string) {
    const cache = this.caches.get(cluster)!;
    const apps = cache.list('applications');
    if (apps.length === 0) return;
    let states = this.argocdStates.get(cluster);
    if (!states) {
      states = await this.store.lastStates(cluster);
      this.argocdStates.set(cluster, states);
    }
    for (const app of apps) {
      const metadata = obj(app.metadata);
      const uid = str(metadata.uid);
      const name = str(metadata.name);
      const resourceVersion = str(metadata.resourceVersion);
      if (!uid || !name || !resourceVersion) continue;
      const derived = deriveArgocdStatus(app);
      const to: ArgocdState = {
        sync: derived.sync,
        health: derived.health,
        revision: derived.revision,
      };
      const from = states.get(uid);
      if (from && from.sync === to.sync && from.health === to.health) continue;
      const namespace =
        destinationNamespace(app) ?? str(metadata.namespace) ?? '';
      await this.store.addTransition({
        cluster,
        namespace,
        application: name,
        appUid: uid,
        resourceVersion,
        from,
        to,
        message: str(obj(obj(app.status).health).message),
        at: observedAt(app) ?? this.now(),
      });
      states.set(uid, to);
      notifyRecorded(this.recordedListeners, { cluster, namespace });
    }
  }
}

function templateOf(wf: Slim): string | undefined {
  const spec = obj(wf.spec);
  const labels = obj(obj(wf.metadata).labels);
  return (
    str(obj(spec.workflowTemplateRef).name) ??
    str(labels['workflows.argoproj.io/cluster-workflow-template']) ??
    str(labels['workflows.argoproj.io/workflow-template'])
  );
}

/**
 * When ArgoCD last looked at the application (`status.reconciledAt`, written
 * on every reconcile), else when its last operation finished: the cluster's
 * clock, so transitions and workflow runs order on one time line.
 */
function observedAt(app: Slim): number | undefined {
  const status = obj(app.status);
  for (const value of [
    status.reconciledAt,
    obj(status.operationState).finishedAt,
  ]) {
    const at = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}

function destinationNamespace(app: Slim): string | undefined {
  return str(obj(obj(app.spec).destination).namespace);
}
