/** What an operator should look at, in words. */
export interface StatusProblem {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** A machine-readable cause: a condition type or reason, e.g. `ComparisonError`, `TooManyReplicas`. */
  reason?: string;
}

/** The at-a-glance verdict of the ArgoCD and autoscaling derivations. */
export type StatusVerdict =
  | 'ok'
  | 'progressing'
  | 'warning'
  | 'error'
  | 'unknown';

/**
 * Precedence error > progressing > warning > ok: an error hides a rollout in
 * progress, and a rollout in progress hides a warning it may clear.
 */
export function worstVerdict(
  ...verdicts: Array<Exclude<StatusVerdict, 'unknown'>>
): Exclude<StatusVerdict, 'unknown'> {
  for (const v of ['error', 'progressing', 'warning'] as const) {
    if (verdicts.includes(v)) return v;
  }
  return 'ok';
}

/** The verdict a problem alone implies. */
export function problemVerdict(
  problem: StatusProblem,
): Exclude<StatusVerdict, 'unknown' | 'progressing'> {
  if (problem.severity === 'error') return 'error';
  return problem.severity === 'warning' ? 'warning' : 'ok';
}
