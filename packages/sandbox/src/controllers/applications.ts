import YAML from 'yaml';
import type { ClockTimer, SandboxClock } from '../clock';
import type { GitStore, PushEvent } from '../github/gitStore';
import { KubeError } from '../kube/errors';
import type { KubeStore } from '../kube/store';
import { resource, RESOURCE_TYPES } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';
import {
  compareSource,
  type AppSpec,
  type Comparison,
} from './applicationComparison';
import {
  type Operation,
  type RetryStrategy,
  type SyncResourceRef,
  TRACKING_ANNOTATION,
} from './applicationSync';
import {
  applyComparison,
  comparedTo,
  initialSyncedStatus,
  type AppStatus,
} from './applicationStatus';
import {
  APPLICATIONS,
  ARGOCD_NAMESPACE,
  OperationRunner,
} from './applicationOperations';
import { namespaceHealth } from './workloads';

export { APPLICATIONS, ARGOCD_NAMESPACE } from './applicationOperations';
/** What an instance app deploys (Tutor's manifests + Drydock's HPAs), pruned with the app. */
const PRUNED = [
  resource('apps', 'deployments'),
  resource('apps', 'replicasets'),
  resource('', 'pods'),
  resource('', 'services'),
  resource('networking.k8s.io', 'ingresses'),
  resource('autoscaling', 'horizontalpodautoscalers'),
];
const HEALTH_PERIOD_MS = 30_000;

export interface ClusterRepository {
  name: string;
  environment: string;
  domain: string;
  /** owner/name */
  repository: string;
  branch: string;
}

/** ArgoCD's ApplicationSyncRequest (server/application/application.proto), the fields the sandbox honours. */
export interface SyncRequest {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  strategy?: Operation['sync']['syncStrategy'];
  resources?: SyncResourceRef[];
  syncOptions?: { items?: string[] };
  retryStrategy?: RetryStrategy;
  infos?: Array<{ name: string; value: string }>;
  username?: string;
}

/** The finalizers ArgoCD's Delete sets for a cascading delete (application_defaults.go). */
const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
const BACKGROUND_FINALIZER = `${RESOURCES_FINALIZER}/background`;
const isResourcesFinalizer = (f: string) =>
  f === RESOURCES_FINALIZER || f.startsWith(`${RESOURCES_FINALIZER}/`);

export class ArgoCdError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

const slugOf = (path: string) => /^instances\/([^/]+)\//.exec(path)?.[1];

/**
 * ArgoCD's app-of-apps over one cluster repository: each
 * `instances/<slug>/application.yml` is an Application in `argocd`; commits
 * under an instance folder make it OutOfSync, automated sync then runs an
 * operation to Synced at the new revision; invalid rendered manifests in the
 * source path give a ComparisonError and a Degraded app.
 */
export class ApplicationController {
  private readonly slugToApp = new Map<string, string>();
  private readonly timers = new Map<string, ClockTimer[]>();
  private readonly operations: OperationRunner;
  private unsubscribeStore?: () => void;
  private chain: Promise<void> = Promise.resolve();
  private healthTimer?: ClockTimer;
  private unsubscribe?: () => void;
  private readonly owner: string;
  private readonly repo: string;

  constructor(
    private readonly store: KubeStore,
    private readonly git: GitStore,
    private readonly clock: SandboxClock,
    private readonly cluster: ClusterRepository,
    private readonly options: {
      syncDelayMs?: number;
      operationMs?: number;
      healthyMs?: number;
      onError?: (error: unknown) => void;
    } = {},
  ) {
    [this.owner, this.repo] = cluster.repository.split('/');
    this.operations = new OperationRunner({
      store,
      clock,
      operationMs: options.operationMs ?? 2_000,
      healthyMs: options.healthyMs ?? 10_000,
      after: (name, ms, fn) => this.after(name, ms, fn),
      enqueue: work => this.enqueue(work),
      compare: (spec, revision) => this.compare(spec, revision),
      applyComparison: (status, comparison, spec) =>
        this.applyComparison(status, comparison, spec),
      readConfig: (slug, revision) => this.readConfig(slug, revision),
      slugOf: name =>
        [...this.slugToApp].find(([, appName]) => appName === name)?.[0],
    });
  }

  /** Subscribes to pushes and creates the Applications the repository holds now. */
  async start(): Promise<void> {
    this.unsubscribe = this.git.onPush(event => this.onPush(event));
    // An operation set by any client (the API, `argocd --core`, kubectl) runs.
    this.unsubscribeStore = this.store.subscribe(event => {
      if (event.resource !== 'argoproj.io/applications') return;
      if (event.type === 'DELETED') return;
      const name = event.object.metadata.name!;
      if (
        event.object.metadata.namespace === ARGOCD_NAMESPACE &&
        event.object.operation &&
        !event.object.metadata.deletionTimestamp
      )
        this.operations.pickUp(name);
    });
    if (this.git.hasRepository(this.owner, this.repo)) {
      await this.enqueue(() => this.initialScan());
    }
    this.scheduleHealthCheck();
  }

  stop() {
    this.unsubscribe?.();
    this.unsubscribeStore?.();
    this.healthTimer?.cancel();
    for (const list of this.timers.values()) list.forEach(t => t.cancel());
    this.timers.clear();
  }

  /** Resolves once every queued push has been reconciled (tests await it after a commit). */
  whenIdle(): Promise<void> {
    return this.chain;
  }

  async refresh(name: string): Promise<KubeObject> {
    await this.whenIdle();
    const app = this.getApp(name);
    const spec = app.spec as AppSpec;
    const head = await this.git.headSha(
      this.owner,
      this.repo,
      this.cluster.branch,
    );
    const comparison = await this.compare(spec, head);
    const updated = this.store.update(
      APPLICATIONS,
      ARGOCD_NAMESPACE,
      name,
      obj => {
        const status = (obj.status ?? {}) as AppStatus;
        status.reconciledAt = kubeTime(this.clock.now());
        status.observedAt = status.reconciledAt;
        this.applyComparison(status, comparison, spec);
        if (
          !comparison.errors.length &&
          status.operationState?.phase !== 'Running'
        ) {
          status.health = namespaceHealth(
            this.store,
            spec.destination?.namespace ?? '',
          );
        }
        obj.status = status;
      },
    );
    return updated ?? app;
  }

  /**
   * ArgoCD's Sync (server/application/application.go): refuses while the app
   * is being deleted or another operation is set (argo.SetAppOperation,
   * FailedPrecondition), resolves the revision, and sets `operation` on the
   * Application, which it returns; the controller then runs it
   * (`status.operationState`).
   */
  async sync(name: string, request: SyncRequest): Promise<KubeObject> {
    await this.whenIdle();
    const app = this.getApp(name);
    if (app.metadata.deletionTimestamp)
      throw new ArgoCdError(400, 9, 'application is deleting');
    if (app.operation)
      throw new ArgoCdError(
        400,
        9,
        'error setting app operation: another operation is already in progress',
      );
    const spec = app.spec as AppSpec;
    const revision = await this.resolveRevision(
      request.revision || spec.source?.targetRevision || this.cluster.branch,
    );
    const retry = request.retryStrategy ?? spec.syncPolicy?.retry;
    const syncOptions = request.syncOptions
      ? request.syncOptions.items ?? []
      : spec.syncPolicy?.syncOptions ?? [];
    const operation: Operation = {
      sync: {
        revision,
        ...(request.prune ? { prune: true } : {}),
        ...(request.dryRun ? { dryRun: true } : {}),
        ...(syncOptions.length ? { syncOptions } : {}),
        ...(request.strategy ? { syncStrategy: request.strategy } : {}),
        ...(request.resources?.length ? { resources: request.resources } : {}),
        source: spec.source,
      },
      initiatedBy: { username: request.username ?? 'admin' },
      ...(request.infos?.length ? { info: request.infos } : {}),
      retry: (retry as RetryStrategy | undefined) ?? {},
    };
    return this.operations.setOperation(name, operation);
  }

  /** A commit sha or a branch of the cluster repository, as ArgoCD resolves targetRevision. */
  private async resolveRevision(revision: string): Promise<string> {
    try {
      if (/^[0-9a-f]{40}$/.test(revision)) {
        await this.git.readCommit(this.owner, this.repo, revision);
        return revision;
      }
      return await this.git.headSha(this.owner, this.repo, revision);
    } catch {
      throw new ArgoCdError(
        400,
        3,
        `rpc error: code = InvalidArgument desc = revision ${revision} not found in ${this.cluster.repository}`,
      );
    }
  }

  /** ArgoCD's revision metadata (author, date, message) of a commit of the app's repository. */
  async revisionMetadata(name: string, revision: string) {
    this.getApp(name);
    try {
      const commit = await this.git.readCommit(this.owner, this.repo, revision);
      return {
        author: `${commit.author.name} <${commit.author.email}>`,
        date: kubeTime(commit.author.date),
        message: commit.message.trim(),
        tags: [],
      };
    } catch {
      throw new ArgoCdError(404, 5, `revision ${revision} not found`);
    }
  }

  /**
   * ArgoCD keeps assessing health: every 30 s each settled app takes the
   * health of its namespace's workloads (a provisioned instance turning
   * Healthy, a deployment breaking). Re-armed relative to the clock, so a big
   * jump costs one pass.
   */
  private scheduleHealthCheck() {
    this.healthTimer = this.clock.after(HEALTH_PERIOD_MS, () => {
      this.assessHealth();
      this.scheduleHealthCheck();
    });
  }

  assessHealth() {
    const now = this.clock.nowMs();
    const settledSince = now - (this.options.healthyMs ?? 10_000);
    for (const app of this.store.list(APPLICATIONS, {
      namespace: ARGOCD_NAMESPACE,
    })) {
      const status = (app.status ?? {}) as AppStatus;
      const operation = status.operationState as
        | { phase: string; finishedAt?: string }
        | undefined;
      if (operation?.phase === 'Running') continue;
      if (
        operation?.finishedAt &&
        Date.parse(operation.finishedAt) > settledSince
      )
        continue;
      if (status.conditions?.some(c => c.type === 'ComparisonError')) continue;
      const destination = (app.spec as AppSpec).destination?.namespace;
      if (!destination) continue;
      const health = namespaceHealth(this.store, destination);
      if (
        health.status === status.health?.status &&
        health.message === status.health?.message
      )
        continue;
      this.store.update(
        APPLICATIONS,
        ARGOCD_NAMESPACE,
        app.metadata.name!,
        obj => {
          obj.status = { ...(obj.status as AppStatus), health };
        },
      );
    }
  }

  private getApp(name: string): KubeObject {
    const app = this.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    if (!app) {
      throw new ArgoCdError(
        404,
        5,
        `applications.argoproj.io "${name}" not found`,
      );
    }
    return app;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(work)
      .catch(error => this.options.onError?.(error));
    return this.chain;
  }

  private onPush(event: PushEvent) {
    if (
      `${event.owner}/${event.repo}` !== this.cluster.repository ||
      event.branch !== this.cluster.branch
    )
      return;
    const slugs = new Set(
      event.changedPaths.map(slugOf).filter((s): s is string => !!s),
    );
    this.enqueue(async () => {
      for (const slug of slugs)
        await this.reconcileSlug(slug, event.after, false);
      this.refreshUnchanged(slugs, event.after);
    });
  }

  /**
   * ArgoCD's periodic refresh (every `timeout.reconciliation`, 3 min by
   * default) compares every application of the repository with the new
   * head; one whose files did not change stays Synced, at the new revision
   * (`status.sync.revision` is the revision compared: argo-cd
   * pkg/apis/application/v1alpha1/types.go SyncStatus). Done at once here;
   * its history (the last sync) is unchanged.
   */
  private refreshUnchanged(changed: Set<string>, revision: string) {
    const now = kubeTime(this.clock.now());
    for (const [slug, name] of this.slugToApp) {
      if (changed.has(slug)) continue;
      const app = this.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
      const status = app?.status as AppStatus | undefined;
      if (
        !status?.sync ||
        status.sync.status !== 'Synced' ||
        status.sync.revision === revision
      )
        continue;
      this.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
        const current = obj.status as AppStatus;
        obj.status = {
          ...current,
          sync: { ...current.sync!, revision },
          reconciledAt: now,
        };
      });
    }
  }

  private async initialScan() {
    const head = await this.git.headSha(
      this.owner,
      this.repo,
      this.cluster.branch,
    );
    const files = await this.git.listFiles(
      this.owner,
      this.repo,
      'instances',
      head,
    );
    const slugs = new Set(
      files
        .filter(f => f.endsWith('/application.yml'))
        .map(slugOf)
        .filter((s): s is string => !!s),
    );
    // Reads overlap (git objects are files on disk): a few slugs at a time.
    const queue = [...slugs];
    const worker = async () => {
      for (let slug = queue.shift(); slug; slug = queue.shift()) {
        await this.reconcileSlug(slug, head, true, files);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }

  private async reconcileSlug(
    slug: string,
    revision: string,
    initial: boolean,
    knownFiles?: string[],
  ) {
    const text = await this.git.readFile(
      this.owner,
      this.repo,
      `instances/${slug}/application.yml`,
      revision,
    );
    const previousName = this.slugToApp.get(slug);
    if (text === undefined) {
      if (previousName) this.removeApp(slug, previousName);
      return;
    }
    let doc: KubeObject;
    try {
      doc = YAML.parse(text) as KubeObject;
      if (!doc || doc.kind !== 'Application')
        throw new Error('not an ArgoCD Application');
    } catch (e) {
      if (previousName) {
        this.setCondition(
          previousName,
          'InvalidSpecError',
          `instances/${slug}/application.yml: ${(e as Error).message}`,
        );
      }
      return;
    }
    const name = doc.metadata?.name ?? `${slug}-${this.cluster.environment}`;
    if (previousName && previousName !== name)
      this.removeApp(slug, previousName);
    this.slugToApp.set(slug, name);
    const spec = doc.spec as AppSpec;
    const comparison = await this.compare(spec, revision, knownFiles);
    const now = kubeTime(this.clock.now());
    const existing = this.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    const destination = spec.destination?.namespace ?? slug;

    if (!existing) {
      const status: AppStatus = initial
        ? initialSyncedStatus(
            spec,
            revision,
            comparison,
            namespaceHealth(this.store, destination),
            now,
          )
        : {
            sync: { status: 'OutOfSync', comparedTo: comparedTo(spec) },
            health: { status: 'Missing' },
          };
      status.reconciledAt = now;
      status.observedAt = now;
      this.applyComparison(status, comparison, spec);
      try {
        this.store.create(APPLICATIONS, {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: {
            name,
            namespace: ARGOCD_NAMESPACE,
            labels: doc.metadata?.labels,
            annotations: doc.metadata?.annotations,
            finalizers: doc.metadata?.finalizers,
          },
          spec,
          status,
        });
      } catch (e) {
        if (e instanceof KubeError) {
          this.options.onError?.(e);
          return;
        }
        throw e;
      }
    } else {
      this.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
        obj.metadata.labels = doc.metadata?.labels;
        obj.metadata.annotations = doc.metadata?.annotations;
        obj.spec = spec;
        const status = (obj.status ?? {}) as AppStatus;
        status.sync = {
          status: 'OutOfSync',
          revision: status.sync?.revision,
          comparedTo: comparedTo(spec),
        };
        status.reconciledAt = now;
        this.applyComparison(status, comparison, spec);
        obj.status = status;
      });
    }
    if (!initial && spec.syncPolicy?.automated && !comparison.errors.length) {
      this.after(name, this.options.syncDelayMs ?? 3_000, () => {
        const current = this.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
        if (!current || current.operation || current.metadata.deletionTimestamp)
          return;
        this.operations.setOperation(name, {
          sync: {
            revision,
            ...(spec.syncPolicy?.automated?.prune ? { prune: true } : {}),
            ...(spec.syncPolicy?.syncOptions?.length
              ? { syncOptions: spec.syncPolicy.syncOptions }
              : {}),
            source: spec.source,
          },
          initiatedBy: { automated: true },
          retry: (spec.syncPolicy?.retry as RetryStrategy | undefined) ?? {},
        });
      });
    }
  }

  private applyComparison(
    status: AppStatus,
    comparison: Comparison,
    spec: AppSpec,
  ) {
    applyComparison(status, comparison, spec, kubeTime(this.clock.now()));
  }

  private compare(
    spec: AppSpec,
    revision: string,
    knownFiles?: string[],
  ): Promise<Comparison> {
    return compareSource(
      this.git,
      { owner: this.owner, repo: this.repo },
      spec,
      revision,
      knownFiles,
    );
  }

  private async readConfig(
    slug: string,
    revision: string,
  ): Promise<Record<string, string | undefined>> {
    const text = await this.git.readFile(
      this.owner,
      this.repo,
      `instances/${slug}/config.yml`,
      revision,
    );
    try {
      const parsed = text ? YAML.parse(text) : {};
      return parsed && typeof parsed === 'object'
        ? (parsed as Record<string, string>)
        : {};
    } catch {
      return {};
    }
  }

  private removeApp(slug: string, name: string) {
    this.slugToApp.delete(slug);
    const app = this.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    if (!app) return;
    this.deleteApp(
      name,
      (app.metadata.finalizers ?? []).some(isResourcesFinalizer),
    );
  }

  /**
   * ArgoCD's Delete (server/application/application.go): `cascade` (default
   * true) sets the resources finalizer for the propagation policy
   * (getPropagationPolicyFinalizer), `cascade=false` removes it, then the
   * Application is deleted. With the finalizer it stays, marked with a
   * deletionTimestamp, until the controller has deleted its resources
   * (controller/appcontroller.go finalizeApplicationDeletion); without it,
   * it goes at once and its resources stay.
   */
  async delete(
    name: string,
    options: { cascade?: boolean; propagationPolicy?: string },
  ): Promise<void> {
    await this.whenIdle();
    const app = this.getApp(name);
    if (options.cascade === false && options.propagationPolicy) {
      throw new ArgoCdError(
        400,
        3,
        'cannot set propagation policy when cascading is disabled',
      );
    }
    let finalizers = app.metadata.finalizers ?? [];
    if (options.cascade !== false) {
      const policy = (options.propagationPolicy ?? '').toLowerCase();
      const finalizer = {
        '': RESOURCES_FINALIZER,
        foreground: `${RESOURCES_FINALIZER}/foreground`,
        background: BACKGROUND_FINALIZER,
      }[policy];
      if (!finalizer) {
        throw new ArgoCdError(
          400,
          3,
          `invalid propagation policy: ${options.propagationPolicy}`,
        );
      }
      if (!finalizers.includes(finalizer))
        finalizers = [
          ...finalizers.filter(f => !isResourcesFinalizer(f)),
          finalizer,
        ];
    } else {
      finalizers = finalizers.filter(f => !isResourcesFinalizer(f));
    }
    if (!finalizers.some(isResourcesFinalizer)) {
      this.deleteApp(name, false);
      return;
    }
    this.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
      obj.metadata.finalizers = finalizers;
      obj.metadata.deletionTimestamp = kubeTime(this.clock.now());
    });
    this.after(name, this.options.operationMs ?? 2_000, () =>
      this.deleteApp(name, true),
    );
  }

  /** Removes the Application; `cascade` first deletes what it deployed. */
  private deleteApp(name: string, cascade: boolean) {
    for (const timer of this.timers.get(name) ?? []) timer.cancel();
    this.timers.delete(name);
    this.operations.forget(name);
    const app = this.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    if (!app) return;
    this.store.delete(APPLICATIONS, ARGOCD_NAMESPACE, name);
    if (!cascade) return;
    // The resources finalizer prunes what the app deployed. The namespace
    // (made by CreateNamespace=true) stays, as do the workflows and backup
    // jobs that were never part of the app, as with real ArgoCD.
    const destination = (app.spec as AppSpec).destination?.namespace;
    if (!destination) return;
    for (const type of PRUNED) {
      for (const obj of this.store.list(type, { namespace: destination })) {
        this.store.delete(type, destination, obj.metadata.name!);
      }
    }
    for (const type of RESOURCE_TYPES) {
      if (!type.namespaced || PRUNED.includes(type)) continue;
      for (const obj of this.store.list(type, { namespace: destination })) {
        if (
          obj.metadata.annotations?.[TRACKING_ANNOTATION]?.startsWith(
            `${name}:`,
          )
        )
          this.store.delete(type, destination, obj.metadata.name!);
      }
    }
  }

  private setCondition(name: string, type: string, message: string) {
    this.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
      const status = (obj.status ?? {}) as AppStatus;
      status.conditions = [
        ...(status.conditions ?? []).filter(c => c.type !== type),
        { type, message, lastTransitionTime: kubeTime(this.clock.now()) },
      ];
      obj.status = status;
    });
  }

  private after(name: string, ms: number, fn: () => void) {
    const list = this.timers.get(name) ?? [];
    list.push(this.clock.after(ms, fn));
    this.timers.set(name, list);
  }
}
