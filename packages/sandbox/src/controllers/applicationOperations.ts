import type { SandboxClock } from '../clock';
import type { KubeStore } from '../kube/store';
import { resource } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';
import type { AppSpec, Comparison } from './applicationComparison';
import {
  hasOption,
  kitchenTime,
  mayRetry,
  retryDelayMs,
  runSync,
  type Operation,
} from './applicationSync';
import { applySyncedStatus, type AppStatus } from './applicationStatus';
import {
  ensureInstanceWorkloads,
  markWorkloadsReady,
  hasFailingPods,
  namespaceHealth,
} from './workloads';

export const APPLICATIONS = resource('argoproj.io', 'applications');
export const ARGOCD_NAMESPACE = 'argocd';

/** What the operation runner needs from the application controller. */
export interface OperationHost {
  store: KubeStore;
  clock: SandboxClock;
  operationMs: number;
  healthyMs: number;
  /** A timer tied to the app (cancelled when the app goes). */
  after(name: string, ms: number, fn: () => void): void;
  /** Runs after the reconciliations queued before it. */
  enqueue(work: () => Promise<void>): Promise<void>;
  compare(spec: AppSpec, revision: string): Promise<Comparison>;
  applyComparison(
    status: AppStatus,
    comparison: Comparison,
    spec: AppSpec,
  ): void;
  readConfig(
    slug: string,
    revision: string,
  ): Promise<Record<string, string | undefined>>;
  /** The instance folder an app comes from. */
  slugOf(name: string): string | undefined;
}

/**
 * ArgoCD's application controller running `operation`s
 * (controller/appcontroller.go processRequestedAppOperation): an operation
 * set on an Application starts at once (`operationState` Running), runs
 * the sync for 2 s (applicationSync.ts), is retried per `operation.retry`,
 * then ends with `operation` cleared and the final `operationState`.
 */
export class OperationRunner {
  /** Apps whose operation is running. */
  private readonly operating = new Set<string>();

  constructor(private readonly host: OperationHost) {}

  /** Forgets an app's running operation (the app is going). */
  forget(name: string) {
    this.operating.delete(name);
  }

  /** Sets `operation` (as the API server stores it); the controller picks it up at once. */
  setOperation(name: string, operation: Operation): KubeObject {
    const updated = this.host.store.update(
      APPLICATIONS,
      ARGOCD_NAMESPACE,
      name,
      obj => {
        obj.operation = operation;
      },
    )!;
    this.pickUp(name);
    return updated;
  }

  /** Starts the operation an Application carries (set by the API or by another client). */
  pickUp(name: string) {
    if (this.operating.has(name)) return;
    this.operating.add(name);
    this.host.after(name, 0, () => this.beginOperation(name, 0));
  }

  private beginOperation(name: string, retryCount: number) {
    const app = this.host.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    const operation = app?.operation as Operation | undefined;
    if (!app || !operation || app.metadata.deletionTimestamp) {
      this.operating.delete(name);
      return;
    }
    const startedAt =
      retryCount > 0
        ? String(
            (app.status as AppStatus).operationState?.startedAt ??
              kubeTime(this.host.clock.now()),
          )
        : kubeTime(this.host.clock.now());
    this.host.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
      const status = (obj.status ?? {}) as AppStatus;
      status.operationState = {
        operation,
        phase: 'Running',
        message:
          retryCount > 0
            ? String(status.operationState?.message ?? '')
            : 'one or more tasks are running',
        startedAt,
        ...(retryCount > 0 ? { retryCount } : {}),
      };
      obj.status = status;
    });
    this.host.after(name, this.host.operationMs ?? 2_000, () => {
      void this.host.enqueue(() =>
        this.finishOperation(name, operation, startedAt, retryCount),
      );
    });
  }

  /** Ends the operation: clears `operation`, writes the final operationState. */
  private endOperation(
    name: string,
    mutate: (status: AppStatus) => void,
  ): void {
    this.operating.delete(name);
    this.host.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
      delete obj.operation;
      const status = (obj.status ?? {}) as AppStatus;
      mutate(status);
      obj.status = status;
    });
  }

  /**
   * A failed attempt: retried per `operation.retry` (ArgoCD's controller
   * keeps the phase Running, counts `retryCount`, and says when it retries),
   * else final.
   */
  private failOperation(
    name: string,
    operation: Operation,
    retryCount: number,
    phase: 'Error' | 'Failed',
    message: string,
    extra: (status: AppStatus) => void,
  ) {
    const now = this.host.clock.nowMs();
    if (mayRetry(operation.retry, retryCount)) {
      const attempt = retryCount + 1;
      const delay = retryDelayMs(operation.retry, attempt);
      this.host.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
        const status = (obj.status ?? {}) as AppStatus;
        status.operationState = {
          ...status.operationState,
          phase: 'Running',
          message: `${message}. Retrying attempt #${attempt} at ${kitchenTime(
            now + delay,
          )}.`,
          retryCount: attempt,
        };
        extra(status);
        obj.status = status;
      });
      this.host.after(name, delay, () => this.beginOperation(name, attempt));
      return;
    }
    this.endOperation(name, status => {
      status.operationState = {
        ...status.operationState,
        phase,
        message,
        finishedAt: kubeTime(now),
        ...(retryCount > 0 ? { retryCount } : {}),
      };
      extra(status);
    });
  }

  private async finishOperation(
    name: string,
    operation: Operation,
    startedAt: string,
    retryCount: number,
  ) {
    const app = this.host.store.get(APPLICATIONS, ARGOCD_NAMESPACE, name);
    if (!app || app.metadata.deletionTimestamp) {
      this.operating.delete(name);
      return;
    }
    const spec = app.spec as AppSpec;
    const { revision } = operation.sync;
    const dryRun = !!operation.sync.dryRun;
    const comparison = await this.host.compare(spec, revision);
    const now = kubeTime(this.host.clock.now());
    const destination = spec.destination?.namespace ?? name;
    if (comparison.errors.length) {
      const message = `ComparisonError: ${comparison.errors.join('; ')}`;
      this.failOperation(
        name,
        operation,
        retryCount,
        'Error',
        message,
        status => {
          this.host.applyComparison(status, comparison, spec);
          status.conditions = [
            ...(status.conditions ?? []).filter(c => c.type !== 'SyncError'),
            { type: 'SyncError', message, lastTransitionTime: now },
          ];
        },
      );
      return;
    }
    // CreateNamespace=true: a new instance's namespace and workloads appear with the first sync.
    let fresh = false;
    if (
      !this.host.store.get(resource('', 'namespaces'), undefined, destination)
    ) {
      if (!hasOption(operation, 'CreateNamespace=true')) {
        this.failOperation(
          name,
          operation,
          retryCount,
          'Failed',
          `one or more objects failed to apply, reason: namespaces "${destination}" not found`,
          () => undefined,
        );
        return;
      }
      if (!dryRun) {
        fresh = true;
        const slug = this.host.slugOf(name) ?? destination;
        const config = await this.host.readConfig(slug, revision);
        ensureInstanceWorkloads(this.host.store, {
          slug,
          namespace: destination,
          openedxImage:
            config.DOCKER_IMAGE_OPENEDX ??
            comparison.images[0] ??
            'docker.io/overhangio/openedx:20.0.5',
          mfeImage:
            config.MFE_DOCKER_IMAGE ??
            'docker.io/overhangio/openedx-mfe:20.0.5',
          lmsHost: config.LMS_HOST,
          cmsHost: config.CMS_HOST,
          condition: 'progressing',
          createdAt: this.host.clock.now(),
        });
      }
    }
    const outcome = runSync(
      this.host.store,
      name,
      destination,
      operation,
      comparison,
    );
    const syncResult = {
      revision,
      source: spec.source,
      resources: outcome.resources,
    };
    if (outcome.phase === 'Failed') {
      this.failOperation(
        name,
        operation,
        retryCount,
        'Failed',
        outcome.message,
        status => {
          status.operationState = { ...status.operationState!, syncResult };
        },
      );
      return;
    }
    // A dry run reports what would change and changes nothing else.
    if (dryRun) {
      this.endOperation(name, status => {
        status.operationState = {
          ...status.operationState,
          phase: 'Succeeded',
          message: outcome.message,
          finishedAt: now,
          syncResult,
          ...(retryCount > 0 ? { retryCount } : {}),
        };
      });
      return;
    }
    this.endOperation(name, status =>
      applySyncedStatus(status, {
        spec,
        comparison,
        outcome,
        operation,
        syncResult,
        startedAt,
        now,
        retryCount,
      }),
    );
    this.host.after(name, this.host.healthyMs ?? 10_000, () => {
      if (fresh)
        markWorkloadsReady(this.host.store, destination, this.host.clock.now());
      this.host.store.update(APPLICATIONS, ARGOCD_NAMESPACE, name, obj => {
        const status = (obj.status ?? {}) as AppStatus;
        if (status.health?.status !== 'Progressing') return;
        status.health = namespaceHealth(this.host.store, destination);
        // The rollout is taken as done after healthyMs, unless pods crash
        // (a rollout-fails fault, a bad image): then it stays Progressing
        // until the Deployment's progress deadline makes it Degraded.
        if (
          status.health.status === 'Progressing' &&
          !hasFailingPods(this.host.store, destination)
        )
          status.health = { status: 'Healthy' };
        status.reconciledAt = kubeTime(this.host.clock.now());
        obj.status = status;
      });
    });
  }
}
