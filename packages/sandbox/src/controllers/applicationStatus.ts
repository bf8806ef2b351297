import type {
  AppSpec,
  Comparison,
  DesiredResource,
} from './applicationComparison';
import type { Operation, SyncOutcome } from './applicationSync';

/** The parts of an Application's status the simulated controller writes. */
export interface AppStatus {
  sync?: { status: string; revision?: string; comparedTo?: unknown };
  health?: { status: string; message?: string };
  history?: Array<Record<string, unknown>>;
  operationState?: { phase: string; [k: string]: unknown };
  conditions?: Array<{
    type: string;
    message: string;
    lastTransitionTime?: string;
  }>;
  [k: string]: unknown;
}

export const comparedTo = (spec: AppSpec) => ({
  source: spec.source,
  destination: spec.destination,
});

/**
 * Writes a comparison into the status: source type, images, resources, and
 * the ComparisonError condition (sync Unknown, health Degraded) ArgoCD sets
 * when the manifests cannot be loaded.
 */
export function applyComparison(
  status: AppStatus,
  comparison: Comparison,
  spec: AppSpec,
  now: string,
) {
  status.sourceType = comparison.sourceType;
  status.summary = { images: comparison.images };
  status.resources = comparison.resources;
  const others = (status.conditions ?? []).filter(
    c => c.type !== 'ComparisonError' && c.type !== 'InvalidSpecError',
  );
  if (comparison.errors.length) {
    const message = `Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ${
      spec.source?.path ?? ''
    }: ${comparison.errors.join('; ')}`;
    status.conditions = [
      ...others,
      { type: 'ComparisonError', message, lastTransitionTime: now },
    ];
    status.sync = {
      ...(status.sync ?? { status: 'Unknown' }),
      status: 'Unknown',
    };
    status.health = { status: 'Degraded', message };
  } else if (others.length) {
    status.conditions = others;
  } else {
    delete status.conditions;
  }
}

/** `syncResult.resources` entries for resources an operation applied. */
export function syncedResources(
  resources: DesiredResource[],
  verb: 'created' | 'configured',
  phases?: { syncPhase: string; hookPhase: string },
) {
  return resources.map(r => ({
    ...r,
    status: 'Synced',
    message: `${String(r.kind).toLowerCase()}/${r.name} ${verb}`,
    ...phases,
  }));
}

/**
 * The status of an app found at start-up: already synced at `revision` by an
 * earlier automated operation (the seeded clusters have been running).
 */
export function initialSyncedStatus(
  spec: AppSpec,
  revision: string,
  comparison: Comparison,
  health: AppStatus['health'],
  now: string,
): AppStatus {
  return {
    sync: { status: 'Synced', revision, comparedTo: comparedTo(spec) },
    health,
    history: [
      {
        id: 0,
        revision,
        deployedAt: now,
        deployStartedAt: now,
        source: spec.source,
        initiatedBy: { automated: true },
      },
    ],
    operationState: {
      operation: {
        sync: { revision, prune: true },
        initiatedBy: { automated: true },
        retry: {},
      },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: now,
      finishedAt: now,
      syncResult: {
        revision,
        source: spec.source,
        resources: syncedResources(comparison.resources, 'created'),
      },
    },
  };
}

/**
 * The status after a successful (not dry-run) sync: operationState
 * Succeeded with its syncResult; each resource's sync status (those the sync
 * applied Synced, the others as before; live ones left unpruned OutOfSync
 * with `requiresPruning`); the app Synced at the revision only when
 * everything was applied and nothing is left to prune; a history entry for
 * full syncs only (controller/appcontroller.go persists history for those);
 * health Progressing until the rollout settles.
 */
export function applySyncedStatus(
  status: AppStatus,
  sync: {
    spec: AppSpec;
    comparison: Comparison;
    outcome: SyncOutcome;
    operation: Operation;
    syncResult: Record<string, unknown>;
    startedAt: string;
    now: string;
    retryCount: number;
  },
) {
  const { spec, comparison, outcome, operation, now } = sync;
  const { revision } = operation.sync;
  const key = (r: {
    group?: string;
    kind?: string;
    namespace?: string;
    name?: string;
  }) => `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
  const synced = new Set(
    outcome.resources.filter(r => r.status === 'Synced').map(key),
  );
  const history = status.history ?? [];
  status.operationState = {
    ...status.operationState,
    phase: 'Succeeded',
    message: outcome.message,
    finishedAt: now,
    syncResult: sync.syncResult,
    ...(sync.retryCount > 0 ? { retryCount: sync.retryCount } : {}),
  };
  const previous = (status.resources ?? []) as DesiredResource[];
  applyComparison(status, comparison, spec, now);
  status.resources = [
    ...comparison.resources.map(r => {
      if (synced.has(key(r))) return { ...r, status: 'Synced' };
      const before = previous.find(p => key(p) === key(r));
      return { ...r, status: before?.status ?? 'OutOfSync' };
    }),
    ...outcome.pruneSkipped.map(r => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: 'OutOfSync',
      requiresPruning: true,
    })),
  ];
  status.sync =
    outcome.complete && !outcome.pruneSkipped.length
      ? { status: 'Synced', revision, comparedTo: comparedTo(spec) }
      : {
          status: 'OutOfSync',
          revision: status.sync?.revision,
          comparedTo: comparedTo(spec),
        };
  status.health = {
    status: 'Progressing',
    message: 'Waiting for rollout to finish',
  };
  if (outcome.complete) {
    const id = history.length ? Number(history[history.length - 1].id) + 1 : 0;
    status.history = [
      ...history,
      {
        id,
        revision,
        deployedAt: now,
        deployStartedAt: sync.startedAt,
        source: spec.source,
        initiatedBy: operation.initiatedBy,
      },
    ].slice(-10);
  }
  status.reconciledAt = now;
  status.observedAt = now;
  status.conditions = (status.conditions ?? []).filter(
    c => c.type !== 'SyncError',
  );
  if (!status.conditions.length) delete status.conditions;
}
