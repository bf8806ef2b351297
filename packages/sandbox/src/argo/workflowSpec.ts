import type { KubeStore } from '../kube/store';
import { resource } from '../kube/resources';
import type { KubeObject } from '../kube/types';

/**
 * Argo Workflows' spec as the simulated controller and the Argo Server read
 * it (argoproj/argo-workflows pkg/apis/workflow/v1alpha1/workflow_types.go).
 * Only what the simulation needs is typed; everything else is kept as stored.
 */
export interface Parameter {
  name: string;
  value?: unknown;
  valueFrom?: unknown;
  default?: unknown;
  enum?: unknown[];
}
export interface TemplateRef {
  name?: string;
  template?: string;
  clusterScope?: boolean;
}
export interface LifecycleHook {
  template?: string;
  templateRef?: TemplateRef;
  expression?: string;
}
/** A step of a `steps` template, or (with dependencies) a task of a DAG. */
export interface WorkflowStep {
  name?: string;
  template?: string;
  templateRef?: TemplateRef;
  inline?: Template;
  withItems?: unknown[];
  withParam?: string;
  withSequence?: { count?: unknown; start?: unknown; end?: unknown };
  hooks?: Record<string, LifecycleHook>;
  continueOn?: { failed?: boolean; error?: boolean };
  when?: string;
  dependencies?: string[];
  depends?: string;
}
export interface Template {
  name?: string;
  steps?: Array<WorkflowStep[] | { steps?: WorkflowStep[] }>;
  dag?: { tasks?: WorkflowStep[]; failFast?: boolean };
  container?: unknown;
  script?: unknown;
  resource?: unknown;
  containerSet?: unknown;
  data?: unknown;
  http?: unknown;
  plugin?: unknown;
  suspend?: { duration?: unknown };
  retryStrategy?: { limit?: unknown };
}
export interface WorkflowSpec {
  entrypoint?: string;
  arguments?: { parameters?: Parameter[] };
  workflowTemplateRef?: { name?: string; clusterScope?: boolean };
  templates?: Template[];
  onExit?: string;
  hooks?: Record<string, LifecycleHook>;
  ttlStrategy?: {
    secondsAfterCompletion?: number;
    secondsAfterSuccess?: number;
    secondsAfterFailure?: number;
  };
}

export const WORKFLOWS = resource('argoproj.io', 'workflows');
export const WORKFLOW_TEMPLATES = resource('argoproj.io', 'workflowtemplates');
export const CLUSTER_WORKFLOW_TEMPLATES = resource(
  'argoproj.io',
  'clusterworkflowtemplates',
);

/** The templates a name resolves against: the Workflow's, or a (Cluster)WorkflowTemplate's. */
export interface TemplateScope {
  templates: Template[];
  /** Namespace for `templateRef` lookups of namespaced WorkflowTemplates. */
  namespace: string;
}

export type Resolution =
  | {
      ok: true;
      /** The Workflow's spec joined over its WorkflowTemplate's, as Argo's controller runs it. */
      spec: WorkflowSpec;
      scope: TemplateScope;
      entrypoint: string;
      /** The referenced template's name (the Workflow's own name when inline). */
      templateName: string;
      parameters: Array<{ name: string; value: string }>;
    }
  | {
      ok: false;
      /** Error: the referenced template is missing; Failed: the spec is invalid. */
      phase: 'Error' | 'Failed';
      notFound?: { kind: string; plural: string; name: string };
      message: string;
    };

class SpecError extends Error {}

const stringOf = (value: unknown) =>
  typeof value === 'string' ? value : JSON.stringify(value);

/** A step group, whichever of the two stored shapes it has. */
export function stepGroup(
  group: WorkflowStep[] | { steps?: WorkflowStep[] },
): WorkflowStep[] {
  return Array.isArray(group) ? group : group.steps ?? [];
}

/** Finds a template by name or reference; `undefined` when it does not exist. */
export function findTemplate(
  store: KubeStore,
  scope: TemplateScope,
  holder: { template?: string; templateRef?: TemplateRef; inline?: Template },
): { template: Template; scope: TemplateScope } | undefined {
  if (holder.inline) return { template: holder.inline, scope };
  if (holder.templateRef?.name) {
    const ref = holder.templateRef;
    const source = ref.clusterScope
      ? store.get(CLUSTER_WORKFLOW_TEMPLATES, undefined, ref.name!)
      : store.get(WORKFLOW_TEMPLATES, scope.namespace, ref.name!);
    const templates = ((source?.spec ?? {}) as WorkflowSpec).templates ?? [];
    const template = templates.find(t => t.name === ref.template);
    return template
      ? { template, scope: { templates, namespace: scope.namespace } }
      : undefined;
  }
  const template = scope.templates.find(t => t.name === holder.template);
  return template ? { template, scope } : undefined;
}

/**
 * Argo's validation of a Workflow before it runs (workflow/validate/
 * validate.go `Workflow`), the checks the sandbox can make: the
 * WorkflowTemplate exists, `templates` is not set next to a
 * `workflowTemplateRef`, every merged argument has a value
 * (`validateArgumentsValues`), enums hold the value, an entrypoint exists,
 * and every template a step, task, hook or exit handler names exists.
 */
export function resolveWorkflow(store: KubeStore, wf: KubeObject): Resolution {
  const spec = (wf.spec ?? {}) as WorkflowSpec;
  const namespace = wf.metadata.namespace ?? '';
  let effective: WorkflowSpec = spec;
  let templateName = wf.metadata.name ?? '';
  if (spec.workflowTemplateRef) {
    const ref = spec.workflowTemplateRef;
    templateName = ref.name ?? '';
    const source = ref.clusterScope
      ? store.get(CLUSTER_WORKFLOW_TEMPLATES, undefined, templateName)
      : store.get(WORKFLOW_TEMPLATES, namespace, templateName);
    if (!source) {
      const type = ref.clusterScope
        ? CLUSTER_WORKFLOW_TEMPLATES
        : WORKFLOW_TEMPLATES;
      // The controller's message (workflow/templateresolution); the Argo
      // Server answers the API server's NotFound for the same lookup.
      return {
        ok: false,
        phase: 'Error',
        notFound: { kind: type.kind, plural: type.plural, name: templateName },
        message: `${type.kind}.argoproj.io "${templateName}" not found`,
      };
    }
    if (spec.templates?.length) {
      return {
        ok: false,
        phase: 'Failed',
        message:
          'Templates is invalid field in spec if workflow referred WorkflowTemplate reference',
      };
    }
    const base = (source.spec ?? {}) as WorkflowSpec;
    // util.MergeParameters: the Workflow's values win, the template's fill in.
    const given = spec.arguments?.parameters ?? [];
    const merged = [
      ...given,
      ...(base.arguments?.parameters ?? []).filter(
        p => !given.some(g => g.name === p.name),
      ),
    ].map(p => {
      const declared = base.arguments?.parameters?.find(d => d.name === p.name);
      return declared?.enum && !p.enum ? { ...p, enum: declared.enum } : p;
    });
    const { workflowTemplateRef: _ref, ...rest } = spec;
    effective = {
      ...base,
      ...rest,
      templates: base.templates,
      arguments: { ...base.arguments, ...rest.arguments, parameters: merged },
    };
  }
  try {
    const parameters: Array<{ name: string; value: string }> = [];
    for (const p of effective.arguments?.parameters ?? []) {
      if (p.value === undefined && p.valueFrom === undefined) {
        throw new SpecError(
          `spec.arguments.${p.name}.value or spec.arguments.${p.name}.valueFrom is required`,
        );
      }
      if (p.enum) {
        if (!p.enum.length)
          throw new SpecError(
            `spec.arguments.${p.name}.enum should contain at least one value`,
          );
        if (
          p.value !== undefined &&
          !p.enum.map(stringOf).includes(stringOf(p.value))
        )
          throw new SpecError(
            `spec.arguments.${p.name}.value should be present in spec.arguments.${p.name}.enum list`,
          );
      }
      parameters.push({
        name: p.name,
        value: p.value === undefined ? '' : stringOf(p.value),
      });
    }
    const entrypoint = effective.entrypoint;
    if (!entrypoint) throw new SpecError('spec.entrypoint is required');
    const scope: TemplateScope = {
      templates: effective.templates ?? [],
      namespace,
    };
    checkTemplate(store, scope, { template: entrypoint }, new Set(), '');
    const onExit = effective.onExit ?? effective.hooks?.exit?.template;
    if (onExit)
      checkTemplate(store, scope, { template: onExit }, new Set(), '');
    return {
      ok: true,
      spec: effective,
      scope,
      entrypoint,
      templateName,
      parameters,
    };
  } catch (e) {
    if (e instanceof SpecError)
      return { ok: false, phase: 'Failed', message: e.message };
    throw e;
  }
}

/** validateTemplateHolder / validateSteps / validateDAG, reduced to "does every name resolve". */
function checkTemplate(
  store: KubeStore,
  scope: TemplateScope,
  holder: WorkflowStep,
  seen: Set<Template>,
  prefix: string,
) {
  const found = findTemplate(store, scope, holder);
  if (!found) {
    const message = holder.templateRef
      ? `template reference ${holder.templateRef.name}.${holder.templateRef.template} not found`
      : `template name '${holder.template ?? ''}' undefined`;
    throw new SpecError(`${prefix}${message}`);
  }
  const { template } = found;
  if (seen.has(template)) return;
  seen.add(template);
  (template.steps ?? []).forEach((group, i) => {
    const names = new Set<string>();
    for (const step of stepGroup(group)) {
      if (!step.name)
        throw new SpecError(
          `templates.${template.name}.steps[${i}].name is required`,
        );
      if (names.has(step.name))
        throw new SpecError(
          `templates.${template.name}.steps[${i}].name '${step.name}' is not unique`,
        );
      names.add(step.name);
      checkTemplate(
        store,
        found.scope,
        step,
        seen,
        `templates.${template.name}.steps[${i}].${step.name} `,
      );
      checkHooks(store, found.scope, step, seen);
    }
  });
  const tasks = template.dag?.tasks ?? [];
  for (const task of tasks) {
    if (!task.name)
      throw new SpecError(`templates.${template.name}.tasks.name is required`);
    for (const dep of dependenciesOf(task)) {
      if (!tasks.some(t => t.name === dep))
        throw new SpecError(
          `templates.${template.name}.tasks.${task.name} dependency '${dep}' not defined`,
        );
    }
    checkTemplate(
      store,
      found.scope,
      task,
      seen,
      `templates.${template.name}.tasks.${task.name} `,
    );
    checkHooks(store, found.scope, task, seen);
  }
}

function checkHooks(
  store: KubeStore,
  scope: TemplateScope,
  step: WorkflowStep,
  seen: Set<Template>,
) {
  for (const hook of Object.values(step.hooks ?? {}))
    checkTemplate(store, scope, hook, seen, '');
}

/** A task's dependencies, from `dependencies` or the names in a `depends` expression. */
export function dependenciesOf(task: WorkflowStep): string[] {
  if (task.dependencies) return task.dependencies;
  if (!task.depends) return [];
  const names = new Set<string>();
  for (const match of task.depends.matchAll(/[A-Za-z0-9_-]+(\.[A-Za-z]+)?/g))
    names.add(match[0].split('.')[0]);
  return [...names];
}

/**
 * Evaluates a DAG `depends` expression (Argo's enhanced depends logic,
 * docs/enhanced-depends-logic.md): `task` alone means Succeeded, Skipped or
 * Daemoned; `.Succeeded`, `.Failed`, `.Errored`, `.Skipped`, `.Omitted`,
 * `.Daemoned`, `.Completed`, `.AnySucceeded`, `.AllFailed`; `&&`, `||`, `!`
 * and parentheses. A plain `dependencies` list means all of them succeeded.
 */
export function dependsSatisfied(
  task: WorkflowStep,
  phases: Map<string, string>,
): boolean {
  if (!task.depends) {
    return dependenciesOf(task).every(d =>
      ['Succeeded', 'Skipped', 'Omitted'].includes(phases.get(d) ?? ''),
    );
  }
  const value = (name: string, prop?: string) => {
    const phase = phases.get(name) ?? '';
    switch (prop) {
      case undefined:
        return ['Succeeded', 'Skipped', 'Daemoned'].includes(phase);
      case 'Completed':
        return phase === 'Succeeded' || phase === 'Failed';
      case 'AnySucceeded':
        return phase === 'Succeeded';
      case 'AllFailed':
        return phase === 'Failed';
      case 'Errored':
        return phase === 'Error';
      default:
        return phase === prop;
    }
  };
  const tokens =
    task.depends.match(/&&|\|\||!|\(|\)|[A-Za-z0-9_-]+(?:\.[A-Za-z]+)?/g) ?? [];
  let at = 0;
  function or(): boolean {
    let result = and();
    while (tokens[at] === '||') {
      at++;
      result = and() || result;
    }
    return result;
  }
  function and(): boolean {
    let result = unary();
    while (tokens[at] === '&&') {
      at++;
      result = unary() && result;
    }
    return result;
  }
  function unary(): boolean {
    const token = tokens[at++];
    if (token === '!') return !unary();
    if (token === '(') {
      const result = or();
      at++;
      return result;
    }
    const [name, prop] = (token ?? '').split('.');
    return value(name, prop);
  }
  return or();
}

/**
 * The items a step expands into (`withItems`, `withParam` holding a JSON
 * list, `withSequence`), or `undefined` when it does not loop. A `withParam`
 * naming another step's output cannot be known here and runs as one item.
 */
export function loopItems(step: WorkflowStep): unknown[] | undefined {
  if (Array.isArray(step.withItems)) return step.withItems;
  if (typeof step.withParam === 'string') {
    try {
      const parsed: unknown = JSON.parse(step.withParam);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // An expression over other nodes' outputs (`{{steps.x.outputs.result}}`).
    }
    return [step.withParam];
  }
  if (step.withSequence) {
    const num = (v: unknown, fallback: number) =>
      v === undefined || v === '' || Number.isNaN(Number(v))
        ? fallback
        : Number(v);
    const start = num(step.withSequence.start, 0);
    const end =
      step.withSequence.count !== undefined
        ? start + num(step.withSequence.count, 0) - 1
        : num(step.withSequence.end, start);
    const items: string[] = [];
    const stride = end >= start ? 1 : -1;
    for (let i = start; stride > 0 ? i <= end : i >= end; i += stride)
      items.push(String(i));
    return items;
  }
  return undefined;
}

/** How Argo names an expanded step: `name(index:item)` (workflow/controller/steps.go). */
export function expandedName(name: string, index: number, item: unknown) {
  const label =
    item !== null && typeof item === 'object'
      ? JSON.stringify(item)
      : String(item);
  return `${name}(${index}:${label})`;
}

/** `wfv1.ParseStringToDuration`: seconds as a number or string, or a Go duration ("30s", "5m", "1h"). */
export function durationMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value * 1000;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let total = 0;
  const units: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length) return undefined;
  for (const [, amount, unit] of parts) total += Number(amount) * units[unit];
  return total;
}

/**
 * A step's `when`, for the simple comparisons the sandbox can decide
 * (`{{workflow.status}} == Succeeded`, `{{workflow.parameters.x}} != y`,
 * `true`/`false`). `undefined` when it cannot tell (other variables or
 * operators): the step then runs. Argo evaluates the full govaluate syntax.
 */
export function evaluateWhen(
  expression: string,
  variables: Record<string, string>,
): boolean | undefined {
  const text = expression.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (match, key) =>
    key in variables ? variables[key] : match,
  );
  if (text.includes('{{') || /&&|\|\|/.test(text)) return undefined;
  const literal = text.trim().toLowerCase();
  if (literal === 'true' || literal === 'false') return literal === 'true';
  const comparison = /^\s*(.+?)\s*(==|!=)\s*(.+?)\s*$/.exec(text);
  if (!comparison) return undefined;
  const strip = (s: string) => s.replace(/^["']|["']$/g, '');
  const equal = strip(comparison[1]) === strip(comparison[3]);
  return comparison[2] === '==' ? equal : !equal;
}
