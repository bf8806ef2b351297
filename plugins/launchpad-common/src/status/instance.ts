import type { ArgocdDerivedStatus } from './argocd';
import type { AutoscalerDerivedStatus } from './autoscaler';
import type { BackupDerivedStatus } from './backup';
import type { CronJobDerivedStatus } from './cronjob';
import type { FleetRow } from './api';
import { worstVerdict, type StatusVerdict } from './problems';
import type { WorkloadsDerivedStatus } from './workloads';

/** What one instance's cards derive, the input of its verdict and fleet row. */
export interface InstanceParts {
  argocd?: ArgocdDerivedStatus;
  autoscalers: AutoscalerDerivedStatus[];
  workloads: WorkloadsDerivedStatus;
  backup: BackupDerivedStatus;
  cronJobs: CronJobDerivedStatus[];
}

/** A fleet row names at most this many problems. */
const MAX_ROW_PROBLEMS = 3;

/**
 * The instance's verdict: the worst of ArgoCD, its autoscalers and its
 * workloads; a missing recent backup (or a failing dump CronJob) is a
 * warning — the instance is at risk, not down. `unknown` when nothing is known.
 */
export function deriveInstanceVerdict(parts: InstanceParts): StatusVerdict {
  const known = [
    parts.argocd?.verdict,
    ...parts.autoscalers.map(a => a.verdict),
    parts.workloads.verdict,
  ].filter(
    (v): v is Exclude<StatusVerdict, 'unknown'> =>
      v !== undefined && v !== 'unknown',
  );
  const backup = parts.backup.verdict;
  if (
    backup === 'overdue' ||
    backup === 'failing' ||
    backup === 'not-covered' ||
    parts.cronJobs.some(c => c.verdict === 'failing')
  )
    known.push('warning');
  return known.length === 0 ? 'unknown' : worstVerdict(...known);
}

const sum = (values: Array<number | undefined>) =>
  values.every(v => v === undefined)
    ? undefined
    : values.reduce<number>((n, v) => n + (v ?? 0), 0);

/** The status columns of an instance's fleet row (replicas summed over its HPAs). */
export function fleetRowStatus(
  parts: InstanceParts,
): Pick<
  FleetRow,
  | 'sync'
  | 'health'
  | 'replicas'
  | 'workloads'
  | 'backup'
  | 'verdict'
  | 'problems'
> {
  const { argocd, autoscalers, workloads, backup } = parts;
  return {
    sync: argocd?.sync ?? 'Unknown',
    health: argocd?.health ?? 'Unknown',
    replicas: {
      current: sum(autoscalers.map(h => h.currentReplicas)),
      desired: sum(autoscalers.map(h => h.desiredReplicas)),
      max: sum(autoscalers.map(h => h.maxReplicas)),
      atMax: autoscalers.some(h => h.atMax),
    },
    workloads: {
      ready: workloads.deployments.reduce((n, d) => n + d.ready, 0),
      desired: workloads.deployments.reduce((n, d) => n + d.desired, 0),
      crashLooping: workloads.crashLooping,
      failedJobs: workloads.failedJobs.length,
      verdict: workloads.verdict,
    },
    backup: backup.verdict,
    verdict: deriveInstanceVerdict(parts),
    problems: [
      ...(argocd?.problems ?? []),
      ...workloads.problems,
      ...autoscalers.flatMap(h => h.problems),
      ...backup.problems,
    ]
      .filter(p => p.severity !== 'info')
      .slice(0, MAX_ROW_PROBLEMS)
      .map(p => p.message),
  };
}
