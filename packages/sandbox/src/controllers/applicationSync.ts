import { KubeError } from '../kube/errors';
import { RESOURCE_TYPES, typeOfKind } from '../kube/resources';
import type { KubeStore } from '../kube/store';
import type { Comparison, DesiredResource } from './applicationComparison';

/** A resource a sync request names (ArgoCD's SyncOperationResource). */
export interface SyncResourceRef {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface RetryStrategy {
  limit?: number;
  backoff?: { duration?: string; factor?: number; maxDuration?: string };
}

/**
 * An Application's `operation` (pkg/apis/application/v1alpha1/types.go
 * Operation / SyncOperation), as server/application/application.go `Sync`
 * builds it: empty fields are left out as Go's `omitempty` does, `retry` is
 * a struct and always present.
 */
export interface Operation {
  sync: {
    revision: string;
    prune?: boolean;
    dryRun?: boolean;
    syncOptions?: string[];
    syncStrategy?: {
      apply?: { force?: boolean };
      hook?: { force?: boolean };
    };
    resources?: SyncResourceRef[];
    source?: unknown;
  };
  initiatedBy: { username?: string; automated?: boolean };
  info?: Array<{ name: string; value: string }>;
  retry: RetryStrategy;
}

/** ArgoCD 3's default resource tracking: the `argocd.argoproj.io/tracking-id` annotation. */
export const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

export const trackingId = (
  app: string,
  group: string,
  kind: string,
  namespace: string | undefined,
  name: string,
) => `${app}:${group}/${kind}:${namespace ?? ''}/${name}`;

export const hasOption = (op: Operation, option: string) =>
  (op.sync.syncOptions ?? []).includes(option);

const matches = (ref: SyncResourceRef, r: DesiredResource) =>
  (ref.group ?? '') === r.group &&
  ref.kind === r.kind &&
  ref.name === r.name &&
  (!ref.namespace || ref.namespace === r.namespace);

/** What `kubectl apply` prints for a resource: `deployment.apps/lms configured`. */
const kubectlName = (r: { group: string; kind: string; name?: string }) =>
  `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${r.name}`;

export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name?: string;
  status: string;
  message: string;
  hookPhase: string;
  syncPhase: string;
}

export interface SyncOutcome {
  /** Succeeded, or Failed when a resource could not be applied. */
  phase: 'Succeeded' | 'Failed';
  message: string;
  resources: ResourceResult[];
  /** Every desired resource was applied (a full sync): the app is in sync. */
  complete: boolean;
  /** Live resources the sync left because pruning was off. */
  pruneSkipped: ResourceResult[];
}

/**
 * Runs a sync operation against the destination namespace, the way
 * gitops-engine's sync context reports it (pkg/sync/sync_context.go): each
 * targeted manifest is applied (`created`, `configured`, or with
 * `Replace=true` `replaced`, `ServerSideApply=true` `serverside-applied`;
 * ` (dry run)` appended under dryRun); tracked live resources no longer in
 * git are pruned when `prune` is set (`pruned`), else left as
 * `PruneSkipped` "ignored (requires pruning)". `resources` restricts the
 * sync to those resources (a partial sync prunes only among them). A dry
 * run changes nothing.
 */
export function runSync(
  store: KubeStore,
  app: string,
  destination: string,
  op: Operation,
  comparison: Comparison,
): SyncOutcome {
  const dryRun = !!op.sync.dryRun;
  const suffix = dryRun ? ' (dry run)' : '';
  const selected = op.sync.resources?.length ? op.sync.resources : undefined;
  const wanted = (r: DesiredResource) =>
    !selected || selected.some(ref => matches(ref, r));
  const results: ResourceResult[] = [];
  const failures: string[] = [];
  let verb = 'configured';
  if (hasOption(op, 'Replace=true')) verb = 'replaced';
  if (hasOption(op, 'ServerSideApply=true')) verb = 'serverside-applied';

  comparison.resources.forEach((resource, index) => {
    if (!wanted(resource)) return;
    const manifest = comparison.manifests[index];
    const namespace = resource.namespace ?? destination;
    const type = typeOfKind(manifest.apiVersion ?? '', resource.kind);
    const existing =
      type &&
      store.get(
        type,
        type.namespaced ? namespace : undefined,
        resource.name ?? '',
      );
    let message = `${kubectlName(resource)} ${
      existing || !type ? verb : 'created'
    }${suffix}`;
    let status = 'Synced';
    if (type && existing && !dryRun && manifest.spec !== undefined) {
      // kubectl apply of a changed manifest (a new image tag): the spec's
      // fields from git replace the live ones; fields git leaves out (an
      // HPA's replicas) stay as they are.
      store.update(
        type,
        type.namespaced ? namespace : undefined,
        resource.name ?? '',
        obj => {
          obj.spec = {
            ...(obj.spec as Record<string, unknown> | undefined),
            ...(manifest.spec as Record<string, unknown>),
          };
        },
      );
    }
    if (type && !existing && !dryRun) {
      try {
        store.create(type, {
          ...manifest,
          metadata: {
            ...manifest.metadata,
            ...(type.namespaced ? { namespace } : {}),
            annotations: {
              ...manifest.metadata?.annotations,
              [TRACKING_ANNOTATION]: trackingId(
                app,
                resource.group,
                resource.kind,
                type.namespaced ? namespace : undefined,
                resource.name ?? '',
              ),
            },
          },
        });
      } catch (e) {
        if (!(e instanceof KubeError)) throw e;
        status = 'SyncFailed';
        message = e.message;
        failures.push(e.message);
      }
    }
    results.push({
      group: resource.group,
      version: resource.version,
      kind: resource.kind,
      namespace,
      name: resource.name,
      status,
      message,
      hookPhase: status === 'Synced' ? 'Running' : 'Failed',
      syncPhase: 'Sync',
    });
  });

  // Tracked live resources that git no longer has.
  const desired = new Set(
    comparison.resources.map(r =>
      trackingId(
        app,
        r.group,
        r.kind,
        r.namespace ?? destination,
        r.name ?? '',
      ),
    ),
  );
  const pruneSkipped: ResourceResult[] = [];
  for (const type of RESOURCE_TYPES) {
    if (!type.namespaced) continue;
    for (const live of store.list(type, { namespace: destination })) {
      const id = live.metadata.annotations?.[TRACKING_ANNOTATION];
      if (!id?.startsWith(`${app}:`) || desired.has(id)) continue;
      const ref = {
        group: type.group,
        version: type.version,
        kind: type.kind,
        namespace: destination,
        name: live.metadata.name,
      };
      if (selected && !selected.some(s => matches(s, { ...ref, status: '' })))
        continue;
      if (op.sync.prune) {
        if (!dryRun) store.delete(type, destination, live.metadata.name!);
        results.push({
          ...ref,
          status: 'Pruned',
          message: `pruned${suffix}`,
          hookPhase: 'Succeeded',
          syncPhase: 'Sync',
        });
      } else {
        const skipped = {
          ...ref,
          status: 'PruneSkipped',
          message: 'ignored (requires pruning)',
          hookPhase: 'Succeeded',
          syncPhase: 'Sync',
        };
        results.push(skipped);
        pruneSkipped.push(skipped);
      }
    }
  }
  return {
    phase: failures.length ? 'Failed' : 'Succeeded',
    message: failures.length
      ? `one or more objects failed to apply, reason: ${failures.join(', ')}`
      : 'successfully synced (all tasks run)',
    resources: results,
    complete: !selected && !failures.length,
    pruneSkipped,
  };
}

/** Go's time.ParseDuration for the forms ArgoCD's backoff uses ("5s", "3m", "1h30m"). */
function goDurationMs(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length) return fallback;
  const unit: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

/**
 * The wait before retry `attempt` (1-based): RetryStrategy.NextRetryAt,
 * `duration * factor^(attempt-1)` capped at `maxDuration` (defaults 5s, 2,
 * 3m: pkg/apis/application/v1alpha1 types.go).
 */
export function retryDelayMs(retry: RetryStrategy, attempt: number): number {
  const base = goDurationMs(retry.backoff?.duration, 5_000);
  const factor = retry.backoff?.factor ?? 2;
  const max = goDurationMs(retry.backoff?.maxDuration, 180_000);
  return Math.min(base * factor ** Math.max(0, attempt - 1), max);
}

/** Whether a failed operation may run again: `limit` < 0 means for ever. */
export function mayRetry(retry: RetryStrategy, retryCount: number): boolean {
  const limit = retry.limit ?? 0;
  return limit < 0 || retryCount < limit;
}

/** Go's time.Kitchen ("3:04PM"), as ArgoCD formats the next retry. */
export function kitchenTime(ms: number): string {
  const date = new Date(ms);
  const hours = date.getUTCHours();
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  return `${hours % 12 || 12}:${minutes}${hours < 12 ? 'AM' : 'PM'}`;
}
