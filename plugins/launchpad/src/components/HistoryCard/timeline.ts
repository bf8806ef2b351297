import type { InstanceHistoryEntry } from '@internal/plugin-launchpad-common';

/*
 * Pure functions behind the Provisioning and builds card: what each history
 * entry means in words ("MySQL provision", "built", "degraded") and the
 * one-line story of the instance, so the card only lays them out.
 */

/** One entry of the timeline: a workflow run, a Picasso build or an ArgoCD transition. */
export type TimelineEntry = InstanceHistoryEntry;
export type WorkflowEntry = Extract<TimelineEntry, { type: 'workflow' }>;
export type BuildEntry = Extract<TimelineEntry, { type: 'build' }>;
export type ArgocdEntry = Extract<TimelineEntry, { type: 'argocd' }>;

/** The levels of Backstage's status icons (StatusOK, StatusError, …). */
export type Level =
  | 'ok'
  | 'warning'
  | 'error'
  | 'running'
  | 'pending'
  | 'aborted';

const RESOURCES: Record<string, string> = {
  mysql: 'MySQL',
  mongodb: 'MongoDB',
  storage: 'bucket',
};

export interface WorkflowPurpose {
  /** `MySQL`, `MongoDB`, `bucket`. */
  resource: string;
  action: 'provision' | 'deprovision';
}

/**
 * What a run was for, from its ClusterWorkflowTemplate: Launchpad's
 * `mysql-provision-template`, `mongodb-provision-template`,
 * `storage-provision-template` and their `-deprovision-` counterparts
 * (DESIGN.md). Undefined for any other template.
 */
export function workflowPurpose(
  template: string | undefined,
): WorkflowPurpose | undefined {
  const match =
    /^(mysql|mongodb|storage)-(provision|deprovision)(?:-template)?$/.exec(
      template ?? '',
    );
  if (!match) return undefined;
  return {
    resource: RESOURCES[match[1]],
    action: match[2] as WorkflowPurpose['action'],
  };
}

/** `MySQL provision`, `Bucket deprovision`, or `Workflow` for other templates. */
export function workflowTitle(entry: WorkflowEntry): string {
  const purpose = workflowPurpose(entry.template);
  if (!purpose) return 'Workflow';
  const text = `${purpose.resource} ${purpose.action}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type Outcome = 'succeeded' | 'failed' | 'running' | 'pending' | 'cancelled';

// Argo's WorkflowPhase values (argo-workflows pkg/apis/workflow/v1alpha1
// workflow_types.go): "" (not yet picked up), Pending, Running, Succeeded,
// Failed, Error.
function workflowOutcome(phase: string): Outcome {
  switch (phase) {
    case 'Succeeded':
      return 'succeeded';
    case 'Failed':
    case 'Error':
      return 'failed';
    case 'Running':
      return 'running';
    default:
      return 'pending';
  }
}

// GitHub's workflow run `status` (queued, in_progress, completed, waiting,
// requested, pending) and `conclusion` once completed (success, failure,
// neutral, cancelled, skipped, timed_out, action_required, stale,
// startup_failure): docs.github.com/en/rest/actions/workflow-runs.
function buildOutcome(entry: BuildEntry): Outcome {
  if (entry.conclusion) {
    switch (entry.conclusion) {
      case 'success':
        return 'succeeded';
      case 'cancelled':
      case 'skipped':
      case 'neutral':
      case 'stale':
        return 'cancelled';
      default:
        return 'failed';
    }
  }
  if (entry.status === 'in_progress') return 'running';
  if (entry.status === 'completed') return 'failed';
  return 'pending';
}

/**
 * A run waiting for `argo resume` or an approval: suspended (spec.suspend or a
 * Suspend step running, as deriveWorkflowStatus reads Argo's
 * IsWorkflowSuspended) and not finished, since its phase stays Running.
 */
export function isSuspendedRun(entry: WorkflowEntry): boolean {
  const outcome = workflowOutcome(entry.phase);
  return !!entry.suspended && outcome !== 'succeeded' && outcome !== 'failed';
}

const OUTCOME_LEVEL: Record<Outcome, Level> = {
  succeeded: 'ok',
  failed: 'error',
  running: 'running',
  pending: 'pending',
  cancelled: 'aborted',
};

// ArgoCD's health statuses (gitops-engine pkg/health): Suspended is paused on
// purpose, Missing is a resource that should exist and does not.
const HEALTH_LEVEL: Record<string, Level> = {
  Healthy: 'ok',
  Progressing: 'running',
  Degraded: 'error',
  Suspended: 'aborted',
  Missing: 'error',
  Unknown: 'pending',
};

/** The status icon an entry gets: its outcome, or the health it moved to. */
export function entryLevel(entry: TimelineEntry): Level {
  switch (entry.type) {
    case 'workflow':
      // As the Workloads card: a suspended run waits on someone, a warning.
      if (isSuspendedRun(entry)) return 'warning';
      return OUTCOME_LEVEL[workflowOutcome(entry.phase)];
    case 'build':
      return OUTCOME_LEVEL[buildOutcome(entry)];
    case 'argocd':
      if (entry.to.health === 'Healthy' && entry.to.sync === 'OutOfSync')
        return 'warning';
      // A brand-new application's resources are Missing until its first sync.
      if (!entry.from && entry.to.health === 'Missing') return 'pending';
      return HEALTH_LEVEL[entry.to.health] ?? 'pending';
    default:
      return 'pending';
  }
}

/** The phase chip's text: Argo's phase (Suspended while a run waits), or the build's conclusion (status while it runs). */
export function entryPhase(entry: WorkflowEntry | BuildEntry): string {
  if (entry.type === 'workflow')
    return isSuspendedRun(entry) ? 'Suspended' : entry.phase || 'Pending';
  const raw = entry.conclusion ?? (entry.status || 'queued');
  const text = raw.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const SYNC_WORDS: Record<string, string> = {
  Synced: 'synced',
  OutOfSync: 'out of sync',
  Unknown: 'sync unknown',
};

const HEALTH_WORDS: Record<string, string> = {
  Healthy: 'healthy',
  Progressing: 'progressing',
  Degraded: 'degraded',
  Suspended: 'suspended',
  Missing: 'missing',
  Unknown: 'health unknown',
};

function argocdMilestone(entry: ArgocdEntry): string {
  const { from, to } = entry;
  // The first state recorded of an application whose resources do not
  // exist yet is its creation; a first state of a running one (history
  // switched on for an existing instance) reads as that state.
  if (!from && to.health === 'Missing') return 'created';
  const syncChanged = !from || from.sync !== to.sync;
  const healthChanged = !from || from.health !== to.health;
  const words: string[] = [];
  if (syncChanged) words.push(SYNC_WORDS[to.sync] ?? to.sync);
  // Progressing right after a sync is the rollout the sync started: the
  // sync says it, the health it settles on comes as its own entry.
  if (healthChanged && !(syncChanged && to.health === 'Progressing'))
    words.push(HEALTH_WORDS[to.health] ?? to.health);
  return words.join(' and ');
}

/** A few words for the story line: `provisioned`, `built`, `synced`, `degraded`, `MySQL provision failed`. */
export function milestone(entry: TimelineEntry): string {
  switch (entry.type) {
    case 'workflow': {
      const purpose = workflowPurpose(entry.template);
      const outcome = workflowOutcome(entry.phase);
      if (!purpose) {
        if (outcome === 'succeeded') return 'workflow ran';
        return isSuspendedRun(entry)
          ? 'workflow suspended'
          : `workflow ${outcome}`;
      }
      if (outcome === 'succeeded') return `${purpose.action}ed`;
      if (outcome === 'failed')
        return `${purpose.resource} ${purpose.action} failed`;
      if (isSuspendedRun(entry))
        return `${purpose.resource} ${purpose.action} suspended`;
      return `${purpose.action}ing`;
    }
    case 'build': {
      const outcome = buildOutcome(entry);
      if (outcome === 'succeeded') return 'built';
      if (outcome === 'failed') return `${entry.service} build failed`;
      if (outcome === 'cancelled') return `${entry.service} build cancelled`;
      return 'building';
    }
    case 'argocd':
      return argocdMilestone(entry);
    default:
      return 'changed';
  }
}

export interface Story {
  /** Milestones, oldest first, repeats merged. */
  steps: string[];
  /** Older milestones were left out. */
  truncated: boolean;
  /** When the newest happened. */
  lastAt?: string;
}

/**
 * The instance's history as one line of milestones, oldest first, with
 * consecutive repeats merged (three provision runs read "provisioned"):
 * `created → provisioned → built → synced → degraded`. Takes the entries
 * newest first, as the backend answers.
 */
export function storyOf(entries: TimelineEntry[], maxSteps = 6): Story {
  const steps: string[] = [];
  for (const entry of [...entries].reverse()) {
    const step = milestone(entry);
    if (step && steps[steps.length - 1] !== step) steps.push(step);
  }
  return {
    steps: steps.slice(-maxSteps),
    truncated: steps.length > maxSteps,
    lastAt: entries[0]?.at,
  };
}

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A wall-clock time in the browser's time zone: `14:02` on the day of
 * `now`, `30 Nov 14:02` on another day of the year, `30 Nov 2025 14:02`
 * before. Written out rather than with `toLocaleString` so that every page
 * and test reads the same.
 */
export function formatClock(time: string, now: string): string {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) return time;
  const reference = new Date(now);
  const clock = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const sameYear = at.getFullYear() === reference.getFullYear();
  if (
    sameYear &&
    at.getMonth() === reference.getMonth() &&
    at.getDate() === reference.getDate()
  ) {
    return clock;
  }
  const day = `${at.getDate()} ${MONTHS[at.getMonth()]}`;
  return sameYear ? `${day} ${clock}` : `${day} ${at.getFullYear()} ${clock}`;
}

/** Seconds between two times, when both are known and in order. */
export function secondsBetween(
  start: string | undefined,
  end: string | undefined,
): number | undefined {
  if (!start || !end) return undefined;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 1000) : undefined;
}
