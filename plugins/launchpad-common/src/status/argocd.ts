import {
  asArray,
  asObject,
  asString,
  asStringArray,
  oneOf,
  path,
} from './read';
import {
  problemVerdict,
  worstVerdict,
  type StatusProblem,
  type StatusVerdict,
} from './problems';

export const ARGOCD_SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type ArgocdSyncStatus = (typeof ARGOCD_SYNC_STATUSES)[number];

export const ARGOCD_HEALTH_STATUSES = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
] as const;
export type ArgocdHealthStatus = (typeof ARGOCD_HEALTH_STATUSES)[number];

export interface ArgocdOperationSummary {
  /** ArgoCD's OperationPhase (Running, Terminating, Failed, Error, Succeeded), or `Pending` for a requested operation the controller has not started. */
  phase: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The revision the operation syncs (or synced) to, when it says. */
  revision?: string;
  /** Who asked: `initiatedBy.username`, or `automated` for auto-sync. */
  initiatedBy?: string;
}

export interface ArgocdHistoryEntry {
  revision?: string;
  /** Multi-source applications record one revision per source. */
  revisions?: string[];
  deployedAt?: string;
  id?: number;
}

export interface ArgocdDerivedStatus {
  sync: ArgocdSyncStatus;
  health: ArgocdHealthStatus;
  /** The synced revision: `status.sync.revision`, or the first of `revisions` for multi-source. */
  revision?: string;
  /** Every source's synced revision, in `spec.sources` order (one entry for a single source). */
  revisions: string[];
  /** Where the application comes from, one entry per source (a source hydrator's: the sync source it deploys from). */
  sources: Array<{
    repoURL?: string;
    path?: string;
    targetRevision?: string;
    chart?: string;
  }>;
  /** `metadata.deletionTimestamp` is set: ArgoCD is deleting it (and, with the finalizer, its resources). */
  deleting: boolean;
  /** The operation in progress, else the last one. */
  operation?: ArgocdOperationSummary;
  /** Every entry ArgoCD keeps (`status.history`, oldest first as ArgoCD stores it). */
  history: ArgocdHistoryEntry[];
  reconciledAt?: string;
  problems: StatusProblem[];
  verdict: StatusVerdict;
}

// ArgoCD's OperationPhase values (argo-cd pkg/apis/application/v1alpha1
// types.go: Running, Terminating, Failed, Error, Succeeded).
const RUNNING_PHASES = ['Running', 'Terminating'];
const FAILED_PHASES = ['Failed', 'Error'];
/** A degraded or missing resource is named in the problems, up to this many. */
const MAX_RESOURCE_PROBLEMS = 5;

function sourceOf(value: unknown) {
  return {
    repoURL: asString(path(value, 'repoURL')),
    path: asString(path(value, 'path')),
    targetRevision: asString(path(value, 'targetRevision')),
    chart: asString(path(value, 'chart')),
  };
}

function revisionsOf(value: unknown): string[] {
  const single = asString(path(value, 'revision'));
  const many = asStringArray(path(value, 'revisions'));
  if (many.length > 0) return many;
  return single ? [single] : [];
}

function initiatorOf(operation: unknown): string | undefined {
  if (path(operation, 'initiatedBy', 'automated') === true) return 'automated';
  return asString(path(operation, 'initiatedBy', 'username'));
}

function operationOf(app: unknown): ArgocdOperationSummary | undefined {
  const state = asObject(path(app, 'status', 'operationState'));
  const requested = asObject(path(app, 'operation'));
  const statePhase = asString(state?.phase);
  const summaryOfState = (): ArgocdOperationSummary => ({
    phase: statePhase ?? 'Unknown',
    message: asString(state?.message),
    startedAt: asString(state?.startedAt),
    finishedAt: asString(state?.finishedAt),
    revision:
      revisionsOf(path(state, 'syncResult'))[0] ??
      revisionsOf(path(state, 'operation', 'sync'))[0],
    initiatedBy: initiatorOf(path(state, 'operation')),
  });
  if (state && statePhase && RUNNING_PHASES.includes(statePhase)) {
    return summaryOfState();
  }
  // `operation` is set by a sync request and cleared by the controller when
  // it finishes; set while the last state is finished means not started yet.
  if (requested) {
    return {
      phase: 'Pending',
      revision: revisionsOf(path(requested, 'sync'))[0],
      initiatedBy: initiatorOf(requested),
    };
  }
  return state ? summaryOfState() : undefined;
}

function conditionSeverity(type: string): StatusProblem['severity'] {
  // ArgoCD's ApplicationCondition types end in Error or Warning
  // (ComparisonError, SyncError, OrphanedResourceWarning, ...).
  if (type.endsWith('Error')) return 'error';
  if (type.endsWith('Warning')) return 'warning';
  return 'info';
}

/**
 * The sync, health and operation of an ArgoCD `Application`
 * (argoproj.io/v1alpha1), single- or multi-source. Never throws.
 */
export function deriveArgocdStatus(application: unknown): ArgocdDerivedStatus {
  const status = asObject(path(application, 'status'));
  const sync =
    oneOf(path(status, 'sync', 'status'), ARGOCD_SYNC_STATUSES) ?? 'Unknown';
  const health =
    oneOf(path(status, 'health', 'status'), ARGOCD_HEALTH_STATUSES) ??
    'Unknown';
  const revisions = revisionsOf(path(status, 'sync'));
  const specSources = asArray(path(application, 'spec', 'sources'));
  const single = path(application, 'spec', 'source');
  let sources: ArgocdDerivedStatus['sources'] = [];
  const hydrator = path(application, 'spec', 'sourceHydrator');
  if (asObject(hydrator)) {
    // Argo CD syncs a hydrated app from its sync source: the dry source's
    // repository at syncSource's branch and path (argo-cd types.go
    // ApplicationSpec.GetSource → SourceHydrator.GetSyncSource).
    sources = [
      {
        repoURL: asString(path(hydrator, 'drySource', 'repoURL')),
        path: asString(path(hydrator, 'syncSource', 'path')),
        targetRevision: asString(path(hydrator, 'syncSource', 'targetBranch')),
        chart: undefined,
      },
    ];
  } else if (specSources.length > 0) sources = specSources.map(sourceOf);
  else if (asObject(single)) sources = [sourceOf(single)];
  const deleting =
    asString(path(application, 'metadata', 'deletionTimestamp')) !== undefined;
  const operation = operationOf(application);
  const history = asArray(path(status, 'history')).flatMap(entry => {
    if (!asObject(entry)) return [];
    const entryRevisions = asStringArray(path(entry, 'revisions'));
    const id = path(entry, 'id');
    return [
      {
        revision: asString(path(entry, 'revision')) ?? entryRevisions[0],
        ...(entryRevisions.length > 0 ? { revisions: entryRevisions } : {}),
        deployedAt: asString(path(entry, 'deployedAt')),
        ...(typeof id === 'number' ? { id } : {}),
      },
    ];
  });

  const problems: StatusProblem[] = [];
  const healthMessage = asString(path(status, 'health', 'message'));
  if (health === 'Degraded' || health === 'Missing') {
    problems.push({
      severity: 'error',
      reason: health,
      message: `The application is ${health}${
        healthMessage ? `: ${healthMessage}` : ''
      }`,
    });
  }
  let resourceProblems = 0;
  for (const resource of asArray(path(status, 'resources'))) {
    const resourceHealth = asString(path(resource, 'health', 'status'));
    if (resourceHealth !== 'Degraded' && resourceHealth !== 'Missing') continue;
    if (resourceProblems++ >= MAX_RESOURCE_PROBLEMS) break;
    const message = asString(path(resource, 'health', 'message'));
    problems.push({
      severity: 'error',
      reason: resourceHealth,
      message: `${asString(path(resource, 'kind')) ?? 'Resource'} ${
        asString(path(resource, 'name')) ?? ''
      } is ${resourceHealth}${message ? `: ${message}` : ''}`,
    });
  }
  for (const condition of asArray(path(status, 'conditions'))) {
    const type = asString(path(condition, 'type'));
    if (!type) continue;
    problems.push({
      severity: conditionSeverity(type),
      reason: type,
      message: asString(path(condition, 'message')) ?? type,
    });
  }
  if (operation && FAILED_PHASES.includes(operation.phase)) {
    problems.push({
      // Once the cluster matches the repository again, a failed last sync
      // is history worth a look, not an outage.
      severity: sync === 'Synced' ? 'warning' : 'error',
      reason: `Sync${operation.phase}`,
      message: `The last sync ${
        operation.phase === 'Error' ? 'errored' : 'failed'
      }${operation.message ? `: ${operation.message}` : ''}`,
    });
  }
  if (sync === 'OutOfSync') {
    problems.push({
      severity: 'warning',
      reason: 'OutOfSync',
      message: 'The cluster differs from the repository (out of sync)',
    });
  }
  if (health === 'Suspended') {
    problems.push({
      severity: 'warning',
      reason: 'Suspended',
      message: `The application is suspended${
        healthMessage ? `: ${healthMessage}` : ''
      }`,
    });
  }
  if (deleting) {
    problems.push({
      severity: 'info',
      reason: 'Deleting',
      message: 'The application is being deleted',
    });
  }

  const known =
    sync !== 'Unknown' ||
    health !== 'Unknown' ||
    operation !== undefined ||
    problems.length > 0;
  let verdict: StatusVerdict = 'unknown';
  if (known) {
    const parts: Array<Exclude<StatusVerdict, 'unknown'>> =
      problems.map(problemVerdict);
    if (
      health === 'Progressing' ||
      (operation &&
        (RUNNING_PHASES.includes(operation.phase) ||
          operation.phase === 'Pending'))
    ) {
      parts.push('progressing');
    }
    // Half-known (one of sync and health Unknown) is worth a look.
    if (sync === 'Unknown' || health === 'Unknown') parts.push('warning');
    verdict = worstVerdict(...parts);
  }

  return {
    sync,
    health,
    revision: revisions[0],
    revisions,
    sources,
    deleting,
    operation,
    history,
    reconciledAt: asString(path(status, 'reconciledAt')),
    problems,
    verdict,
  };
}
