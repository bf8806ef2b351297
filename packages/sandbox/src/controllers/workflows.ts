import { createHash } from 'node:crypto';
import type { ClockTimer, SandboxClock } from '../clock';
import type { FaultRegistry } from '../faults';
import type { KubeStore } from '../kube/store';
import { resource } from '../kube/resources';
import { kubeTime, type KubeObject } from '../kube/types';

export const WORKFLOWS = resource('argoproj.io', 'workflows');
export const WORKFLOW_TEMPLATES = resource('argoproj.io', 'workflowtemplates');
export const CLUSTER_WORKFLOW_TEMPLATES = resource(
  'argoproj.io',
  'clusterworkflowtemplates',
);
/** Annotation on a Workflow: simulated seconds each step takes (seeds use it to keep workflows running). */
export const STEP_SECONDS_ANNOTATION =
  'sandbox.launchpad.openedx.org/step-seconds';

const START_DELAY_MS = 1_000;
const DEFAULT_STEP_MS = 2_000;

interface Parameter {
  name: string;
  value?: string;
  default?: string;
}
interface WorkflowSpec {
  entrypoint?: string;
  arguments?: { parameters?: Parameter[] };
  workflowTemplateRef?: { name?: string; clusterScope?: boolean };
  templates?: Array<{
    name: string;
    dag?: { tasks?: Array<{ name: string; template?: string }> };
    steps?: Array<
      | Array<{ name: string; template?: string }>
      | { steps?: Array<{ name: string; template?: string }> }
    >;
  }>;
}
interface WorkflowNode {
  id: string;
  name: string;
  displayName: string;
  type: string;
  templateName: string;
  phase: string;
  boundaryID?: string;
  children?: string[];
  startedAt?: string;
  finishedAt?: string;
  progress?: string;
  message?: string;
}

type Resolved =
  | {
      ok: true;
      templateName: string;
      steps: Array<{ name: string; template: string }>;
      parameters: Parameter[];
    }
  | { ok: false; phase: 'Failed' | 'Error'; message: string };

const nodeId = (workflow: string, nodeName: string) =>
  `${workflow}-${parseInt(
    createHash('sha1').update(nodeName).digest('hex').slice(0, 8),
    16,
  )}`;

/**
 * Argo's workflow controller, simulated: a Workflow referencing a
 * (Cluster)WorkflowTemplate goes Pending → Running → Succeeded, one DAG task
 * after another on the sandbox clock, or Failed/Error with Argo's messages
 * (missing parameter, unknown template, a `workflow-step-fails` fault).
 */
export class WorkflowController {
  private readonly timers = new Map<string, ClockTimer[]>();
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
      if (event.type === 'DELETED') this.cancel(key);
      else if (event.type === 'ADDED' && !this.phaseOf(event.object))
        this.run(event.object);
    });
    for (const wf of this.store.list(WORKFLOWS)) {
      const phase = this.phaseOf(wf);
      if (!phase || phase === 'Pending' || phase === 'Running') this.run(wf);
    }
  }

  stop() {
    this.unsubscribe?.();
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }

  private phaseOf(wf: KubeObject): string | undefined {
    return (wf.status as { phase?: string } | undefined)?.phase;
  }

  private cancel(key: string) {
    for (const timer of this.timers.get(key) ?? []) timer.cancel();
    this.timers.delete(key);
  }

  private resolve(wf: KubeObject): Resolved {
    const spec = (wf.spec ?? {}) as WorkflowSpec;
    const ns = wf.metadata.namespace!;
    let source: WorkflowSpec = spec;
    let templateName = wf.metadata.name!;
    if (spec.workflowTemplateRef?.name) {
      const ref = spec.workflowTemplateRef;
      templateName = ref.name!;
      const template = ref.clusterScope
        ? this.store.get(CLUSTER_WORKFLOW_TEMPLATES, undefined, templateName)
        : this.store.get(WORKFLOW_TEMPLATES, ns, templateName);
      if (!template) {
        return {
          ok: false,
          phase: 'Error',
          message: ref.clusterScope
            ? `ClusterWorkflowTemplate.argoproj.io "${templateName}" not found`
            : `WorkflowTemplate.argoproj.io "${templateName}" not found`,
        };
      }
      source = (template.spec ?? {}) as WorkflowSpec;
    }
    const entrypoint = spec.entrypoint ?? source.entrypoint;
    const main = source.templates?.find(t => t.name === entrypoint);
    if (!main) {
      return {
        ok: false,
        phase: 'Error',
        message: `invalid spec: template name '${entrypoint ?? ''}' undefined`,
      };
    }
    const given = new Map(
      (spec.arguments?.parameters ?? []).map(p => [p.name, p]),
    );
    const parameters: Parameter[] = [];
    for (const declared of source.arguments?.parameters ?? []) {
      const value =
        given.get(declared.name)?.value ?? declared.value ?? declared.default;
      if (value === undefined) {
        return {
          ok: false,
          phase: 'Failed',
          message: `invalid spec: spec.arguments.parameters.${declared.name}.value is required`,
        };
      }
      parameters.push({ name: declared.name, value });
    }
    for (const [name, p] of given) {
      if (!parameters.some(q => q.name === name))
        parameters.push({ name, value: p.value });
    }
    const steps = main.dag?.tasks
      ? main.dag.tasks.map(t => ({
          name: t.name,
          template: t.template ?? t.name,
        }))
      : (main.steps ?? []).flatMap(group =>
          (Array.isArray(group) ? group : group.steps ?? []).map(s => ({
            name: s.name,
            template: s.template ?? s.name,
          })),
        );
    return { ok: true, templateName, steps, parameters };
  }

  private run(wf: KubeObject) {
    const ns = wf.metadata.namespace!;
    const name = wf.metadata.name!;
    const key = `${ns}/${name}`;
    this.cancel(key);
    const timers: ClockTimer[] = [];
    this.timers.set(key, timers);
    const update = (
      mutate: (status: Record<string, unknown>, obj: KubeObject) => void,
    ) =>
      this.store.update(WORKFLOWS, ns, name, obj => {
        const status = (obj.status ?? {}) as Record<string, unknown>;
        mutate(status, obj);
        obj.status = status;
      });
    const finish =
      (phase: string, message?: string) =>
      (status: Record<string, unknown>, obj: KubeObject) => {
        status.phase = phase;
        status.finishedAt = kubeTime(this.clock.now());
        if (message) status.message = message;
        obj.metadata.labels = {
          ...obj.metadata.labels,
          'workflows.argoproj.io/phase': phase,
          'workflows.argoproj.io/completed': 'true',
        };
        status.conditions = [
          { type: 'PodRunning', status: 'False' },
          { type: 'Completed', status: 'True' },
        ];
      };

    const existingPhase = this.phaseOf(wf);
    if (!existingPhase) {
      update((status, obj) => {
        status.phase = 'Pending';
        obj.metadata.labels = {
          ...obj.metadata.labels,
          'workflows.argoproj.io/phase': 'Pending',
        };
      });
    }
    const resolved = this.resolve(wf);
    const after = (ms: number, fn: () => void) =>
      timers.push(this.clock.after(ms, fn));
    if (!resolved.ok) {
      after(START_DELAY_MS, () => {
        update((status, obj) => {
          status.startedAt = kubeTime(this.clock.now());
          finish(resolved.phase, resolved.message)(status, obj);
        });
        this.cancel(key);
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
    const total = resolved.steps.length;
    const rootId = name;
    const taskIds = resolved.steps.map(s => nodeId(name, `${name}.${s.name}`));
    // A workflow resumed at start-up continues from the steps it already finished.
    const nodesNow =
      (wf.status as { nodes?: Record<string, WorkflowNode> } | undefined)
        ?.nodes ?? {};
    const alreadyDone = taskIds.filter(
      id => nodesNow[id]?.phase === 'Succeeded',
    ).length;
    const startOffset = existingPhase === 'Running' ? 0 : START_DELAY_MS;

    if (existingPhase !== 'Running') {
      after(START_DELAY_MS, () =>
        update((status, obj) => {
          const now = kubeTime(this.clock.now());
          status.phase = 'Running';
          status.startedAt = now;
          status.progress = `0/${total}`;
          status.conditions = [{ type: 'PodRunning', status: 'True' }];
          status.nodes = {
            [rootId]: {
              id: rootId,
              name,
              displayName: name,
              type: 'DAG',
              templateName: 'main',
              templateScope: 'local/',
              phase: 'Running',
              startedAt: now,
              progress: `0/${total}`,
              children: taskIds.slice(0, 1),
            },
          };
          obj.metadata.labels = {
            ...obj.metadata.labels,
            'workflows.argoproj.io/phase': 'Running',
          };
        }),
      );
    }

    resolved.steps.forEach((step, i) => {
      if (i < alreadyDone) return;
      const begin = startOffset + (i - alreadyDone) * stepMs;
      const id = taskIds[i];
      after(begin, () =>
        update(status => {
          const nodes = (status.nodes ?? {}) as Record<string, WorkflowNode>;
          nodes[id] = {
            id,
            name: `${name}.${step.name}`,
            displayName: step.name,
            type: 'Pod',
            templateName: step.template,
            phase: 'Running',
            boundaryID: rootId,
            children: taskIds.slice(i + 1, i + 2),
            startedAt: kubeTime(this.clock.now()),
            progress: '0/1',
          };
          status.nodes = nodes;
        }),
      );
      after(begin + stepMs, () => {
        const fault = this.faults.take(
          'workflow-step-fails',
          f =>
            (!f.template || f.template === resolved.templateName) &&
            (!f.step || f.step === step.name),
        );
        const done = i + 1;
        update((status, obj) => {
          const now = kubeTime(this.clock.now());
          const nodes = (status.nodes ?? {}) as Record<string, WorkflowNode>;
          const node = nodes[id];
          if (node) {
            node.phase = fault ? 'Failed' : 'Succeeded';
            node.finishedAt = now;
            node.progress = '1/1';
            if (fault) node.message = fault.message ?? 'Error (exit code 1)';
          }
          const root = nodes[rootId];
          status.progress = `${fault ? i : done}/${total}`;
          if (root) {
            root.progress = status.progress as string;
            root.children = taskIds.slice(0, 1);
          }
          if (fault) {
            if (root)
              Object.assign(root, {
                phase: 'Failed',
                finishedAt: now,
                message: `child '${id}' failed`,
              });
            finish(
              'Failed',
              `child '${id}' failed: ${node?.message ?? 'Error (exit code 1)'}`,
            )(status, obj);
          } else if (done === total) {
            if (root)
              Object.assign(root, { phase: 'Succeeded', finishedAt: now });
            finish('Succeeded')(status, obj);
          }
        });
        if (fault || done === total) {
          this.cancel(key);
          const finished = this.store.get(WORKFLOWS, ns, name);
          if (finished) this.options.onFinished?.(finished);
        }
      });
    });
  }
}
