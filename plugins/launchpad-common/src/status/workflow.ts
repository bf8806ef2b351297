import { asArray, asObject, asString, path, timeOf } from './read';

export interface WorkflowDerivedStatus {
  /** `status.phase` as Argo wrote it. */
  phase?: string;
  verdict: 'pending' | 'running' | 'succeeded' | 'failed' | 'unknown';
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The failed or errored leaf steps, in the order they started. */
  failedSteps: Array<{ name: string; message?: string }>;
  /** `spec.suspend`, or a Suspend node waiting (Argo's util.IsWorkflowSuspended): it waits for `argo resume` or an approval. */
  suspended: boolean;
  /** The node status lives in Argo's database (`status.offloadNodeStatusVersion`), so `failedSteps` cannot name steps. */
  nodesOffloaded: boolean;
}

// Argo's WorkflowPhase values (argo-workflows pkg/apis/workflow/v1alpha1
// workflow_types.go): "" (not yet picked up), Pending, Running, Succeeded,
// Failed, Error.
const VERDICTS: Record<string, WorkflowDerivedStatus['verdict']> = {
  '': 'pending',
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Error: 'failed',
};

// Node types that group others (NodeType in workflow_types.go); a failure
// shows on them too, but the step to name is the leaf below.
const GROUP_NODE_TYPES = new Set([
  'Steps',
  'StepGroup',
  'DAG',
  'TaskGroup',
  'Retry',
]);

/**
 * Phase, message and failing steps of an Argo `Workflow` (argoproj.io/v1alpha1).
 * Never reads parameter values (they may hold generated passwords). Never throws.
 */
export function deriveWorkflowStatus(workflow: unknown): WorkflowDerivedStatus {
  const status = asObject(path(workflow, 'status'));
  const rawPhase = path(status, 'phase');
  const phase = typeof rawPhase === 'string' ? rawPhase : undefined;
  const verdict = !asObject(workflow)
    ? 'unknown'
    : VERDICTS[phase ?? ''] ?? 'unknown';

  const nodes = asObject(path(status, 'nodes')) ?? {};
  // A retried step fails once per attempt: name the Retry node, with its last attempt's message.
  // An attempt whose retry later succeeded is no failed step.
  const retryParentOf = new Map<string, { name: string; failed: boolean }>();
  for (const node of Object.values(nodes)) {
    if (asString(path(node, 'type')) !== 'Retry') continue;
    const name =
      asString(path(node, 'displayName')) ?? asString(path(node, 'name'));
    if (!name) continue;
    const retryPhase = asString(path(node, 'phase'));
    const failed = retryPhase === 'Failed' || retryPhase === 'Error';
    for (const child of asArray(path(node, 'children'))) {
      if (typeof child === 'string') retryParentOf.set(child, { name, failed });
    }
  }
  const failed = new Map<
    string,
    { name: string; message?: string; startedAt: number }
  >();
  for (const [id, node] of Object.entries(nodes)) {
    const nodePhase = asString(path(node, 'phase'));
    if (nodePhase !== 'Failed' && nodePhase !== 'Error') continue;
    const type = asString(path(node, 'type'));
    if (type && GROUP_NODE_TYPES.has(type)) continue;
    const nodeId = asString(path(node, 'id')) ?? id;
    const parent = retryParentOf.get(nodeId);
    if (parent && !parent.failed) continue;
    const name =
      parent?.name ??
      asString(path(node, 'displayName')) ??
      asString(path(node, 'name')) ??
      nodeId;
    const startedAt = timeOf(path(node, 'startedAt')) ?? 0;
    const previous = failed.get(name);
    if (previous && previous.startedAt > startedAt) continue;
    failed.set(name, {
      name,
      message: asString(path(node, 'message')),
      startedAt,
    });
  }
  const failedSteps = [...failed.values()]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map(({ name, message }) => (message ? { name, message } : { name }));

  // IsWorkflowSuspended (argo-workflows workflow/util/util.go): spec.suspend,
  // or any node for which NodeStatus.IsActiveSuspendNode holds (type Suspend,
  // phase Running).
  const suspended =
    path(workflow, 'spec', 'suspend') === true ||
    Object.values(nodes).some(
      node =>
        asString(path(node, 'type')) === 'Suspend' &&
        asString(path(node, 'phase')) === 'Running',
    );
  const nodesOffloaded =
    asString(path(status, 'offloadNodeStatusVersion')) !== undefined;

  return {
    phase,
    verdict,
    suspended,
    nodesOffloaded,
    message: asString(path(status, 'message')),
    startedAt: asString(path(status, 'startedAt')),
    finishedAt: asString(path(status, 'finishedAt')),
    failedSteps,
  };
}
