import type {
  AppSpec,
  Comparison,
  DesiredResource,
} from './applicationComparison';

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
