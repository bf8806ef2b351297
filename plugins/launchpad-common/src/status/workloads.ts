import {
  asArray,
  asNumber,
  asString,
  conditionsOf,
  path,
  timeOf,
} from './read';
import type { StatusProblem, StatusVerdict } from './problems';

export interface DeploymentSummary {
  name: string;
  desired: number;
  ready: number;
  available: number;
  updated: number;
  /** `progressing` while a rollout runs, `error` when its progress deadline passed or it has no available replica. */
  verdict: 'ok' | 'progressing' | 'error';
  message?: string;
  /** `spec.paused`: rollouts wait for `kubectl rollout resume`, so a pending one is not progressing. */
  paused?: true;
}

export interface WaitingContainer {
  pod: string;
  container: string;
  /** CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError, ... */
  reason: string;
  message?: string;
  restarts: number;
  init: boolean;
}

export interface FailedJob {
  name: string;
  reason?: string;
  message?: string;
  failedAt?: string;
}

export interface WorkloadsDerivedStatus {
  deployments: DeploymentSummary[];
  /** Containers waiting for a reason worth showing (not a plain `ContainerCreating`). */
  waiting: WaitingContainer[];
  crashLooping: number;
  /** Jobs whose Failed condition is True (Drydock's init and migration jobs among them), newest first. */
  failedJobs: FailedJob[];
  problems: StatusProblem[];
  verdict: StatusVerdict;
}

// Waiting reasons that are part of a normal start, not a problem.
const NORMAL_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

function deploymentSummary(d: unknown): DeploymentSummary | undefined {
  const name = asString(path(d, 'metadata', 'name'));
  if (!name) return undefined;
  // The API server defaults spec.replicas to 1.
  const desired = asNumber(path(d, 'spec', 'replicas')) ?? 1;
  const ready = asNumber(path(d, 'status', 'readyReplicas')) ?? 0;
  const available = asNumber(path(d, 'status', 'availableReplicas')) ?? 0;
  const updated = asNumber(path(d, 'status', 'updatedReplicas')) ?? 0;
  const total = asNumber(path(d, 'status', 'replicas')) ?? 0;
  const generation = asNumber(path(d, 'metadata', 'generation'));
  const observed = asNumber(path(d, 'status', 'observedGeneration'));
  const conditions = conditionsOf(d);
  const progressing = conditions.find(c => c.type === 'Progressing');
  const availableCondition = conditions.find(c => c.type === 'Available');
  const paused = path(d, 'spec', 'paused') === true;
  let verdict: DeploymentSummary['verdict'] = 'ok';
  let message: string | undefined;
  if (
    progressing?.status === 'False' &&
    progressing.reason === 'ProgressDeadlineExceeded'
  ) {
    verdict = 'error';
    message = progressing.message ?? 'exceeded its progress deadline';
  } else if (
    desired > 0 &&
    available === 0 &&
    availableCondition?.status === 'False'
  ) {
    verdict = 'error';
    message = availableCondition.message ?? 'no replica is available';
  } else if (paused) {
    // A paused Deployment makes no progress (the controller sets Progressing
    // Unknown, reason DeploymentPaused; Argo CD's health calls it Suspended).
    message = 'paused';
  } else if (
    (generation !== undefined &&
      observed !== undefined &&
      observed < generation) ||
    updated < desired ||
    total > updated ||
    available < desired
  ) {
    // kubectl rollout status's rule (k8s.io/kubectl rollout_status.go).
    verdict = 'progressing';
  }
  return {
    name,
    desired,
    ready,
    available,
    updated,
    verdict,
    ...(message ? { message } : {}),
    ...(paused ? { paused: true as const } : {}),
  };
}

/**
 * Deployments, waiting containers and failed Jobs of one instance namespace
 * (apps/v1 Deployments, v1 Pods, batch/v1 Jobs). Never throws.
 */
export function deriveWorkloadsStatus(input: {
  deployments: unknown;
  pods: unknown;
  jobs: unknown;
}): WorkloadsDerivedStatus {
  const deployments = asArray(input?.deployments)
    .map(deploymentSummary)
    .filter((d): d is DeploymentSummary => d !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));

  const waiting: WaitingContainer[] = [];
  for (const pod of asArray(input?.pods)) {
    const podName = asString(path(pod, 'metadata', 'name'));
    if (!podName || asString(path(pod, 'status', 'phase')) === 'Succeeded')
      continue;
    for (const [key, init] of [
      ['initContainerStatuses', true],
      ['containerStatuses', false],
    ] as const) {
      for (const c of asArray(path(pod, 'status', key))) {
        const reason = asString(path(c, 'state', 'waiting', 'reason'));
        if (!reason || NORMAL_WAITING.has(reason)) continue;
        waiting.push({
          pod: podName,
          container: asString(path(c, 'name')) ?? '?',
          reason,
          ...(asString(path(c, 'state', 'waiting', 'message'))
            ? { message: asString(path(c, 'state', 'waiting', 'message')) }
            : {}),
          restarts: asNumber(path(c, 'restartCount')) ?? 0,
          init,
        });
      }
    }
  }
  const crashLooping = waiting.filter(
    w => w.reason === 'CrashLoopBackOff',
  ).length;

  const failedJobs: FailedJob[] = [];
  for (const job of asArray(input?.jobs)) {
    const name = asString(path(job, 'metadata', 'name'));
    if (!name) continue;
    const failed = conditionsOf(job).find(
      c => c.type === 'Failed' && c.status === 'True',
    );
    if (!failed) continue;
    failedJobs.push({
      name,
      ...(failed.reason ? { reason: failed.reason } : {}),
      ...(failed.message ? { message: failed.message } : {}),
      ...(failed.lastTransitionTime
        ? { failedAt: failed.lastTransitionTime }
        : {}),
    });
  }
  failedJobs.sort(
    (a, b) => (timeOf(b.failedAt) ?? 0) - (timeOf(a.failedAt) ?? 0),
  );

  const problems: StatusProblem[] = [];
  for (const d of deployments.filter(x => x.verdict === 'error')) {
    problems.push({
      severity: 'error',
      reason: 'DeploymentFailed',
      message: `Deployment ${d.name}: ${d.message}`,
    });
  }
  for (const d of deployments.filter(x => x.paused)) {
    problems.push({
      severity: 'warning',
      reason: 'DeploymentPaused',
      message: `Deployment ${d.name} is paused: rollouts wait for a resume`,
    });
  }
  for (const w of waiting) {
    problems.push({
      severity: 'error',
      reason: w.reason,
      message: `${w.init ? 'Init container' : 'Container'} ${w.container} of ${
        w.pod
      } is waiting: ${w.reason}${w.message ? ` (${w.message})` : ''}`,
    });
  }
  for (const j of failedJobs) {
    problems.push({
      severity: 'error',
      reason: j.reason ?? 'JobFailed',
      message: `Job ${j.name} failed${j.message ? `: ${j.message}` : ''}`,
    });
  }

  let verdict: StatusVerdict = 'unknown';
  if (deployments.length > 0 || waiting.length > 0 || failedJobs.length > 0) {
    if (problems.some(p => p.severity === 'error')) verdict = 'error';
    else if (deployments.some(d => d.verdict === 'progressing'))
      verdict = 'progressing';
    else if (problems.length > 0) verdict = 'warning';
    else verdict = 'ok';
  }
  return { deployments, waiting, crashLooping, failedJobs, problems, verdict };
}
