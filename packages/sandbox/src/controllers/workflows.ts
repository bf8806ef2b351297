import type { ClockTimer, SandboxClock } from '../clock';
import type { FaultRegistry } from '../faults';
import type { KubeStore } from '../kube/store';
import { kubeTime, type KubeObject } from '../kube/types';
import {
  WORKFLOWS,
  dependenciesOf,
  dependsSatisfied,
  durationMs,
  evaluateWhen,
  expandedName,
  findTemplate,
  loopItems,
  resolveWorkflow,
  stepGroup,
  type Template,
  type TemplateScope,
  type WorkflowSpec,
  type WorkflowStep,
} from '../argo/workflowSpec';

export {
  CLUSTER_WORKFLOW_TEMPLATES,
  WORKFLOW_TEMPLATES,
  WORKFLOWS,
} from '../argo/workflowSpec';

/** Annotation on a Workflow: simulated seconds each step takes (seeds use it to keep workflows running). */
export const STEP_SECONDS_ANNOTATION =
  'sandbox.launchpad.openedx.org/step-seconds';

const START_DELAY_MS = 1_000;
const DEFAULT_STEP_MS = 2_000;
/** A retryStrategy without a limit retries for ever in Argo; the sandbox stops here. */
const MAX_RETRIES = 10;
const FINAL_PHASES = ['Succeeded', 'Failed', 'Error'];

interface WorkflowNode {
  id: string;
  name: string;
  displayName: string;
  type: string;
  templateName?: string;
  templateScope?: string;
  phase: string;
  boundaryID?: string;
  children?: string[];
  startedAt?: string;
  finishedAt?: string;
  progress?: string;
  message?: string;
}

/** How a node ended: its phase, when (simulated ms), and the Pod that failed it. */
interface Outcome {
  phase: string;
  at: number;
  message?: string;
  failedId?: string;
}
type Done = (outcome: Outcome) => void;

/**
 * Argo's node IDs (pkg/apis/workflow/v1alpha1 `Workflow.NodeID`): the
 * workflow's name for the root node, `<workflow>-<fnv32a(node name)>` for
 * the others.
 */
export function argoNodeId(workflow: string, nodeName: string): string {
  if (nodeName === workflow) return workflow;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(nodeName, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${workflow}-${hash}`;
}

const leafType = (t: Template) => {
  if (t.http) return 'HTTP';
  if (t.plugin) return 'Plugin';
  return 'Pod';
};

/**
 * Argo's workflow controller, simulated on the sandbox clock. A Workflow
 * (inline templates or a `workflowTemplateRef`) goes Pending → Running →
 * Succeeded/Failed/Error:
 * - `steps` run group after group, the steps of a group in parallel
 *   (`<wf>[0]` StepGroup nodes, `<wf>[0].<step>` children), DAG tasks when
 *   their `dependencies`/`depends` allow (`<wf>.<task>`), loops
 *   (`withItems`, `withParam`, `withSequence`) as `<step>(0:item)`,
 *   `retryStrategy` as a Retry node with attempts `<node>(0)`, `suspend`
 *   with a duration, step `hooks.exit` and the workflow's `onExit` /
 *   `hooks.exit` (`<wf>.onExit`); containers, scripts, resources… take
 *   `stepMs` each (or the step-seconds annotation).
 * - A spec Argo's validation refuses fails the workflow with
 *   `invalid spec: <reason>`; a missing WorkflowTemplate is an `Error`.
 * - The `workflow-step-fails` fault fails a matching Pod node.
 * - `spec.ttlStrategy` deletes finished workflows as Argo's GC controller
 *   does: at `status.finishedAt` + the TTL for the phase
 *   (workflow/gccontroller `ttl`).
 */
export class WorkflowController {
  private readonly timers = new Map<string, ClockTimer[]>();
  private readonly gcTimers = new Map<string, ClockTimer>();
  private unsubscribe?: () => void;

  constructor(
    private readonly store: KubeStore,
    private readonly clock: SandboxClock,
    private readonly faults: FaultRegistry,
    private readonly options: {
      stepMs?: number;
      /** Called when a workflow reaches a final phase. */
      onFinished?: (workflow: KubeObject) => void;
    } = {},
  ) {}

  start() {
    this.unsubscribe = this.store.subscribe(event => {
      if (event.resource !== 'argoproj.io/workflows') return;
      const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
      if (event.type === 'DELETED') {
        this.cancel(key);
        this.gcTimers.get(key)?.cancel();
        this.gcTimers.delete(key);
      } else if (event.type === 'ADDED') {
        if (!this.phaseOf(event.object)) this.run(event.object);
        else this.scheduleGc(event.object);
      }
    });
    for (const wf of this.store.list(WORKFLOWS)) {
      const phase = this.phaseOf(wf);
      if (!phase || phase === 'Pending' || phase === 'Running') this.run(wf);
      else this.scheduleGc(wf);
    }
  }

  stop() {
    this.unsubscribe?.();
    for (const key of [...this.timers.keys()]) this.cancel(key);
    for (const timer of this.gcTimers.values()) timer.cancel();
    this.gcTimers.clear();
  }

  private phaseOf(wf: KubeObject): string | undefined {
    return (wf.status as { phase?: string } | undefined)?.phase;
  }

  private cancel(key: string) {
    for (const timer of this.timers.get(key) ?? []) timer.cancel();
    this.timers.delete(key);
  }

  /** Deletes a finished workflow when its TTL runs out (Argo's gccontroller `expiresIn`). */
  private scheduleGc(wf: KubeObject) {
    const status = (wf.status ?? {}) as { phase?: string; finishedAt?: string };
    if (!status.phase || !FINAL_PHASES.includes(status.phase)) return;
    const finishedAt = Date.parse(status.finishedAt ?? '');
    if (Number.isNaN(finishedAt)) return;
    const resolved = resolveWorkflow(this.store, wf);
    const ttl = (
      resolved.ok ? resolved.spec : ((wf.spec ?? {}) as WorkflowSpec)
    ).ttlStrategy;
    if (!ttl) return;
    let seconds: number | undefined;
    if (status.phase === 'Failed' && ttl.secondsAfterFailure !== undefined)
      seconds = ttl.secondsAfterFailure;
    else if (
      status.phase === 'Succeeded' &&
      ttl.secondsAfterSuccess !== undefined
    )
      seconds = ttl.secondsAfterSuccess;
    else if (ttl.secondsAfterCompletion !== undefined)
      seconds = ttl.secondsAfterCompletion;
    if (seconds === undefined) return;
    const ns = wf.metadata.namespace!;
    const name = wf.metadata.name!;
    const key = `${ns}/${name}`;
    this.gcTimers.get(key)?.cancel();
    const uid = wf.metadata.uid;
    this.gcTimers.set(
      key,
      this.clock.after(
        finishedAt + Number(seconds) * 1000 - this.clock.nowMs(),
        () => {
          this.gcTimers.delete(key);
          const current = this.store.get(WORKFLOWS, ns, name);
          if (current && current.metadata.uid === uid)
            this.store.delete(WORKFLOWS, ns, name);
        },
      ),
    );
  }

  private run(wf: KubeObject) {
    // The node functions below are plain functions (mutually recursive).
    const { store, faults } = this;
    const ns = wf.metadata.namespace!;
    const name = wf.metadata.name!;
    const key = `${ns}/${name}`;
    this.cancel(key);
    const timers: ClockTimer[] = [];
    this.timers.set(key, timers);
    // Timers are set on logical (simulated) instants, so a long clock jump
    // plays out every step at the time it would have happened.
    const at = (ms: number, fn: () => void) =>
      timers.push(this.clock.after(ms - this.clock.nowMs(), fn));
    const update = (
      mutate: (status: Record<string, unknown>, obj: KubeObject) => void,
    ) =>
      store.update(WORKFLOWS, ns, name, obj => {
        const status = (obj.status ?? {}) as Record<string, unknown>;
        mutate(status, obj);
        obj.status = status;
      });
    const setPhaseLabel = (obj: KubeObject, phase: string) => {
      obj.metadata.labels = {
        ...obj.metadata.labels,
        'workflows.argoproj.io/phase': phase,
        ...(FINAL_PHASES.includes(phase)
          ? { 'workflows.argoproj.io/completed': 'true' }
          : {}),
      };
    };
    const finish = (phase: string, atMs: number, message?: string) => {
      const finished = update((status, obj) => {
        status.phase = phase;
        status.finishedAt = kubeTime(atMs);
        if (message) status.message = message;
        setPhaseLabel(obj, phase);
        status.conditions = [
          { type: 'PodRunning', status: 'False' },
          { type: 'Completed', status: 'True' },
        ];
      });
      this.cancel(key);
      if (finished) {
        this.scheduleGc(finished);
        this.options.onFinished?.(finished);
      }
    };

    const existingPhase = this.phaseOf(wf);
    const now = this.clock.nowMs();
    if (!existingPhase) {
      update((status, obj) => {
        status.phase = 'Pending';
        setPhaseLabel(obj, 'Pending');
      });
    }
    const resolved = resolveWorkflow(store, wf);
    const startAt = existingPhase === 'Running' ? now : now + START_DELAY_MS;
    if (!resolved.ok) {
      // Argo's operator validates first (workflow/controller/operator.go): `invalid spec: …` fails the
      // workflow; a template it cannot fetch is an error.
      const message =
        resolved.phase === 'Failed'
          ? `invalid spec: ${resolved.message}`
          : resolved.message;
      at(startAt, () => {
        update(status => {
          status.startedAt = kubeTime(startAt);
        });
        finish(resolved.phase, startAt, message);
      });
      return;
    }

    const stepSeconds = Number(
      wf.metadata.annotations?.[STEP_SECONDS_ANNOTATION],
    );
    const stepMs =
      stepSeconds > 0
        ? stepSeconds * 1000
        : this.options.stepMs ?? DEFAULT_STEP_MS;
    // A workflow resumed at start-up keeps the nodes it already finished.
    const nodes: Record<string, WorkflowNode> = structuredClone(
      (wf.status as { nodes?: Record<string, WorkflowNode> } | undefined)
        ?.nodes ?? {},
    );
    // (Narrowed here: function declarations below do not see the narrowing.)
    const { templateName } = resolved;
    const planned = this.plannedPods(resolved.scope, resolved.entrypoint);
    const progress = () => {
      const pods = Object.values(nodes).filter(n => n.type === 'Pod');
      const succeeded = pods.filter(n => n.phase === 'Succeeded').length;
      return `${succeeded}/${Math.max(planned, pods.length)}`;
    };
    const flush = () =>
      update(status => {
        status.progress = progress();
        if (nodes[name]) nodes[name].progress = status.progress as string;
        status.nodes = structuredClone(nodes);
      });

    const link = (parentId: string, childId: string) => {
      const parent = nodes[parentId];
      if (parent)
        parent.children = [...new Set([...(parent.children ?? []), childId])];
    };
    const addNode = (
      nodeName: string,
      fields: Omit<WorkflowNode, 'id' | 'name' | 'phase'>,
      parentId: string | undefined,
      atMs: number,
    ): WorkflowNode => {
      const id = argoNodeId(name, nodeName);
      const node: WorkflowNode = nodes[id] ?? {
        id,
        name: nodeName,
        phase: 'Running',
        startedAt: kubeTime(atMs),
        ...fields,
      };
      if (!FINAL_PHASES.includes(node.phase)) node.phase = 'Running';
      nodes[id] = node;
      if (parentId) link(parentId, id);
      return node;
    };
    const close = (node: WorkflowNode, outcome: Outcome) => {
      node.phase = outcome.phase;
      node.finishedAt = kubeTime(outcome.at);
      if (outcome.message) node.message = outcome.message;
      if (node.type === 'Pod')
        node.progress = outcome.phase === 'Succeeded' ? '1/1' : '0/1';
    };
    /** A node that finished in an earlier run reports its outcome again. */
    const alreadyDone = (node: WorkflowNode, onDone: Done): boolean => {
      if (!FINAL_PHASES.includes(node.phase) && node.phase !== 'Omitted')
        return false;
      onDone({
        phase: node.phase,
        at: Math.max(Date.parse(node.finishedAt ?? '') || now, now),
        message: node.message,
        failedId: node.phase === 'Succeeded' ? undefined : node.id,
      });
      return true;
    };

    // Global variables `when` can read (workflow.status once the exit handler runs).
    const variables: Record<string, string> = {
      'workflow.name': name,
      'workflow.namespace': ns,
      ...Object.fromEntries(
        resolved.parameters.map(p => [
          `workflow.parameters.${p.name}`,
          p.value,
        ]),
      ),
    };
    function execute(
      holder: WorkflowStep,
      scope: TemplateScope,
      nodeName: string,
      displayName: string,
      boundaryID: string | undefined,
      parentId: string | undefined,
      atMs: number,
      stepName: string,
      onDone: Done,
      retried = false,
    ): void {
      const found = findTemplate(store, scope, holder);
      if (!found) {
        const node = addNode(
          nodeName,
          { displayName, type: 'Skipped', boundaryID },
          parentId,
          atMs,
        );
        const outcome = {
          phase: 'Error',
          at: atMs,
          message: `template name '${holder.template ?? ''}' undefined`,
          failedId: node.id,
        };
        close(node, outcome);
        onDone(outcome);
        return;
      }
      const { template } = found;
      const common = {
        displayName,
        templateName: template.name,
        templateScope: 'local/',
        boundaryID,
      };
      if (template.retryStrategy && !retried) {
        const node = addNode(
          nodeName,
          { ...common, type: 'Retry' },
          parentId,
          atMs,
        );
        if (alreadyDone(node, onDone)) return;
        const limit = Number(template.retryStrategy.limit ?? MAX_RETRIES);
        const attempt = (n: number, startMs: number) =>
          execute(
            holder,
            scope,
            `${nodeName}(${n})`,
            `${displayName}(${n})`,
            boundaryID,
            node.id,
            startMs,
            stepName,
            outcome => {
              if (
                outcome.phase !== 'Succeeded' &&
                n < Math.min(limit, MAX_RETRIES)
              ) {
                attempt(n + 1, outcome.at);
                return;
              }
              const result =
                outcome.phase === 'Succeeded'
                  ? outcome
                  : { ...outcome, message: 'No more retries left' };
              close(node, result);
              onDone({ ...result, failedId: outcome.failedId });
            },
            true,
          );
        attempt(0, atMs);
        return;
      }
      // Steps and DAG templates: a node of that type whose children run in order / by dependencies.
      if (template.steps || template.dag) {
        const group = template.steps ? 'Steps' : 'DAG';
        const node = addNode(
          nodeName,
          { ...common, type: group },
          parentId,
          atMs,
        );
        if (alreadyDone(node, onDone)) return;
        const run = group === 'Steps' ? runSteps : runDag;
        run(node, template, found.scope, atMs, onDone);
        return;
      }
      if (template.suspend) {
        const node = addNode(
          nodeName,
          { ...common, type: 'Suspend' },
          parentId,
          atMs,
        );
        if (alreadyDone(node, onDone)) return;
        flush();
        const duration = durationMs(template.suspend.duration);
        // Without a duration Argo waits for `argo resume`; so does the sandbox.
        if (duration === undefined) return;
        at(atMs + duration, () => {
          const outcome = { phase: 'Succeeded', at: atMs + duration };
          close(node, outcome);
          onDone(outcome);
        });
        return;
      }
      const node = addNode(
        nodeName,
        { ...common, type: leafType(template), progress: '0/1' },
        parentId,
        atMs,
      );
      if (alreadyDone(node, onDone)) return;
      flush();
      const end = atMs + stepMs;
      at(end, () => {
        const fault = faults.take(
          'workflow-step-fails',
          f =>
            (!f.template || f.template === templateName) &&
            (!f.step || f.step === stepName),
        );
        const outcome: Outcome = fault
          ? {
              phase: 'Failed',
              at: end,
              message: fault.message ?? 'Error (exit code 1)',
              failedId: node.id,
            }
          : { phase: 'Succeeded', at: end };
        close(node, outcome);
        onDone(outcome);
      });
    }

    /** Runs a step or task, its loop items, and its exit hook; reports once all are done. */
    function runStep(
      step: WorkflowStep,
      scope: TemplateScope,
      baseName: string,
      boundaryID: string,
      parentId: string,
      atMs: number,
      onDone: (outcomes: Outcome[], nodeIds: string[]) => void,
    ): void {
      const stepName = step.name ?? '';
      const items = loopItems(step);
      const instances = items
        ? items.map((item, i) => expandedName(stepName, i, item))
        : [stepName];
      if (!instances.length) {
        onDone([], []);
        return;
      }
      const outcomes: Outcome[] = [];
      const ids: string[] = [];
      instances.forEach((display, i) => {
        const nodeName = `${baseName}.${display}`;
        ids[i] = argoNodeId(name, nodeName);
        if (step.when && evaluateWhen(step.when, variables) === false) {
          // Argo records the step as Skipped with the evaluated expression.
          const skipped = addNode(
            nodeName,
            {
              displayName: display,
              type: 'Skipped',
              templateName: step.template,
              boundaryID,
            },
            parentId,
            atMs,
          );
          const evaluated = step.when.replace(
            /\{\{\s*([^}]+?)\s*\}\}/g,
            (placeholder, variable: string) =>
              variables[variable] ?? placeholder,
          );
          const outcome = {
            phase: 'Skipped',
            at: atMs,
            message: `when '${evaluated}' evaluated false`,
          };
          close(skipped, outcome);
          outcomes[i] = outcome;
          if (outcomes.filter(Boolean).length === instances.length)
            onDone(outcomes, ids);
          return;
        }
        execute(
          step,
          scope,
          nodeName,
          display,
          boundaryID,
          parentId,
          atMs,
          stepName,
          outcome => {
            const exitHook = step.hooks?.exit;
            const report = (result: Outcome) => {
              outcomes[i] = result;
              if (outcomes.filter(Boolean).length === instances.length)
                onDone(outcomes, ids);
            };
            if (!exitHook) {
              report(outcome);
              return;
            }
            execute(
              exitHook,
              scope,
              `${nodeName}.hooks.exit`,
              `${display}.hooks.exit`,
              boundaryID,
              ids[i],
              outcome.at,
              `${stepName}.onExit`,
              hookOutcome => report({ ...outcome, at: hookOutcome.at }),
            );
          },
        );
      });
    }

    const failedOf = (outcomes: Outcome[], steps: WorkflowStep[]) =>
      outcomes.find((o, i) => {
        if (
          o.phase === 'Succeeded' ||
          o.phase === 'Omitted' ||
          o.phase === 'Skipped'
        )
          return false;
        const continueOn = steps[i]?.continueOn;
        return !(
          (o.phase === 'Failed' && continueOn?.failed) ||
          (o.phase === 'Error' && continueOn?.error)
        );
      });

    function runSteps(
      node: WorkflowNode,
      template: Template,
      scope: TemplateScope,
      atMs: number,
      onDone: Done,
    ): void {
      const groups = (template.steps ?? []).map(stepGroup);
      let previous: string[] = [node.id];
      const next = (index: number, startMs: number) => {
        if (index >= groups.length) {
          const outcome = { phase: 'Succeeded', at: startMs };
          close(node, outcome);
          onDone(outcome);
          return;
        }
        const groupName = `${node.name}[${index}]`;
        const group = addNode(
          groupName,
          {
            displayName: `[${index}]`,
            type: 'StepGroup',
            templateName: template.name,
            templateScope: 'local/',
            boundaryID: node.id,
          },
          undefined,
          startMs,
        );
        for (const parent of previous) link(parent, group.id);
        flush();
        const steps = groups[index];
        const outcomes: Outcome[] = [];
        const stepIds: string[][] = [];
        let pending = steps.length;
        const groupDone = () => {
          const end = Math.max(startMs, ...outcomes.map(o => o.at));
          const failed = failedOf(outcomes, steps);
          if (failed) {
            const outcome = {
              phase: failed.phase,
              at: end,
              message: `child '${failed.failedId}' failed`,
              failedId: failed.failedId,
            };
            close(group, outcome);
            close(node, outcome);
            onDone({ ...outcome, message: failed.message });
            return;
          }
          close(group, { phase: 'Succeeded', at: end });
          // Argo links the next group from the previous group's outbound
          // nodes (for a Retry node, its last attempt).
          previous = stepIds.flat().map(id => {
            const n = nodes[id];
            return n?.type === 'Retry' && n.children?.length
              ? n.children[n.children.length - 1]
              : id;
          });
          if (!previous.length) previous = [group.id];
          next(index + 1, end);
        };
        if (!pending) {
          groupDone();
          return;
        }
        steps.forEach((step, i) => {
          runStep(
            step,
            scope,
            groupName,
            node.id,
            group.id,
            startMs,
            (results, ids) => {
              stepIds[i] = ids;
              const end = Math.max(startMs, ...results.map(r => r.at));
              const failed = failedOf(
                results,
                results.map(() => step),
              );
              outcomes[i] = failed
                ? { ...failed, at: end }
                : { phase: results.length ? 'Succeeded' : 'Skipped', at: end };
              pending -= 1;
              if (!pending) groupDone();
            },
          );
        });
      };
      next(0, atMs);
    }

    function runDag(
      node: WorkflowNode,
      template: Template,
      scope: TemplateScope,
      atMs: number,
      onDone: Done,
    ): void {
      const tasks = template.dag?.tasks ?? [];
      const failFast = template.dag?.failFast !== false;
      const phases = new Map<string, string>();
      const results = new Map<string, Outcome>();
      const started = new Set<string>();
      const idsOf = new Map<string, string[]>();
      let failure: Outcome | undefined;
      function startTask(
        task: WorkflowStep,
        taskName: string,
        startMs: number,
        parents: string[],
      ): void {
        runStep(
          task,
          scope,
          node.name,
          node.id,
          parents[0],
          startMs,
          (outcomes, ids) => {
            for (const p of parents.slice(1)) for (const id of ids) link(p, id);
            idsOf.set(taskName, ids);
            const end = Math.max(startMs, ...outcomes.map(o => o.at));
            const failed = failedOf(
              outcomes,
              outcomes.map(() => task),
            );
            const outcome = failed
              ? { ...failed, at: end }
              : { phase: 'Succeeded', at: end };
            phases.set(taskName, outcome.phase);
            results.set(taskName, outcome);
            if (failed && !failure) failure = outcome;
            flush();
            schedule(end);
            finishIfDone();
          },
        );
      }
      function schedule(nowMs: number): void {
        for (const task of tasks) {
          const taskName = task.name ?? '';
          if (started.has(taskName)) continue;
          const deps = dependenciesOf(task);
          if (!deps.every(d => results.has(d))) continue;
          started.add(taskName);
          const startMs = Math.max(nowMs, ...deps.map(d => results.get(d)!.at));
          const parents = deps.length
            ? deps.flatMap(d => idsOf.get(d) ?? [])
            : [node.id];
          if ((failure && failFast) || !dependsSatisfied(task, phases)) {
            // Argo marks a task whose dependencies did not allow it Omitted.
            const omitted = addNode(
              `${node.name}.${taskName}`,
              {
                displayName: taskName,
                type: 'Skipped',
                templateName: task.template,
                boundaryID: node.id,
              },
              undefined,
              startMs,
            );
            for (const p of parents) link(p, omitted.id);
            close(omitted, {
              phase: 'Omitted',
              at: startMs,
              message: 'omitted: depends condition not met',
            });
            idsOf.set(taskName, [omitted.id]);
            phases.set(taskName, 'Omitted');
            results.set(taskName, { phase: 'Omitted', at: startMs });
            continue;
          }
          startTask(task, taskName, startMs, parents);
        }
        flush();
      }
      let closed = false;
      function finishIfDone(): void {
        if (closed || results.size < tasks.length) return;
        closed = true;
        const end = Math.max(atMs, ...[...results.values()].map(r => r.at));
        // A failure some later task handled (depends on `.Failed`) does not fail the DAG.
        const unhandled = tasks
          .map(t => results.get(t.name ?? '')!)
          .find((r, i) => {
            if (r.phase === 'Succeeded' || r.phase === 'Omitted') return false;
            const handled = tasks.some(
              other =>
                other.depends &&
                dependenciesOf(other).includes(tasks[i].name ?? ''),
            );
            const continueOn = tasks[i].continueOn;
            return (
              !handled &&
              !(r.phase === 'Failed' && continueOn?.failed) &&
              !(r.phase === 'Error' && continueOn?.error)
            );
          });
        const outcome: Outcome = unhandled
          ? {
              phase: unhandled.phase,
              at: end,
              message: unhandled.message,
              failedId: unhandled.failedId,
            }
          : { phase: 'Succeeded', at: end };
        close(
          node,
          unhandled
            ? { ...outcome, message: `child '${unhandled.failedId}' failed` }
            : outcome,
        );
        onDone(outcome);
      }
      if (!tasks.length) {
        finishIfDone();
        return;
      }
      schedule(atMs);
    }

    const rootHolder: WorkflowStep = { template: resolved.entrypoint };
    const startRoot = () => {
      update((status, obj) => {
        if (existingPhase !== 'Running') status.startedAt = kubeTime(startAt);
        status.phase = 'Running';
        status.conditions = [{ type: 'PodRunning', status: 'True' }];
        // Argo keeps the spec it runs a template with (operator.go setStoredWfSpec).
        if ((wf.spec as WorkflowSpec | undefined)?.workflowTemplateRef)
          status.storedWorkflowTemplateSpec = structuredClone(resolved.spec);
        setPhaseLabel(obj, 'Running');
      });
      execute(
        rootHolder,
        resolved.scope,
        name,
        name,
        undefined,
        undefined,
        startAt,
        resolved.entrypoint,
        outcome => {
          const onExit =
            resolved.spec.onExit ?? resolved.spec.hooks?.exit?.template;
          const conclude = (final: Outcome, exitOutcome?: Outcome) => {
            flush();
            let failed: Outcome | undefined;
            if (final.phase !== 'Succeeded') failed = final;
            else if (exitOutcome && exitOutcome.phase !== 'Succeeded')
              failed = exitOutcome;
            const end = exitOutcome?.at ?? final.at;
            finish(
              failed ? failed.phase : 'Succeeded',
              end,
              failed
                ? `child '${failed.failedId}' failed: ${
                    failed.message ?? 'Error (exit code 1)'
                  }`
                : undefined,
            );
          };
          if (!onExit) {
            conclude(outcome);
            return;
          }
          variables['workflow.status'] = outcome.phase;
          flush();
          execute(
            {
              template: onExit,
              templateRef: resolved.spec.hooks?.exit?.templateRef,
            },
            resolved.scope,
            `${name}.onExit`,
            `${name}.onExit`,
            undefined,
            undefined,
            outcome.at,
            'onExit',
            exitOutcome => conclude(outcome, exitOutcome),
          );
        },
      );
      flush();
    };
    at(startAt, startRoot);
  }

  /** Pods a run will create, for `status.progress` from the start (loops counted, retries not). */
  private plannedPods(scope: TemplateScope, entrypoint: string): number {
    const count = (
      holder: WorkflowStep,
      s: TemplateScope,
      depth: number,
    ): number => {
      if (depth > 20) return 0;
      const found = findTemplate(this.store, s, holder);
      if (!found) return 0;
      const t = found.template;
      const times = (step: WorkflowStep) => loopItems(step)?.length ?? 1;
      if (t.steps)
        return t.steps
          .map(stepGroup)
          .flat()
          .reduce(
            (sum, step) =>
              sum + times(step) * count(step, found.scope, depth + 1),
            0,
          );
      if (t.dag)
        return (t.dag.tasks ?? []).reduce(
          (sum, task) =>
            sum + times(task) * count(task, found.scope, depth + 1),
          0,
        );
      if (t.suspend) return 0;
      return leafType(t) === 'Pod' ? 1 : 0;
    };
    return count({ template: entrypoint }, scope, 0);
  }
}
