import { parse as parseYaml } from 'yaml';
import type { ClockTimer, SandboxClock } from '../clock';
import type { FaultRegistry } from '../faults';
import type { GitStore, RepositoryInfo } from './gitStore';
import { GitHubError, notFound } from './http';
import { PICASSO_WORKFLOW_PATH, runPicassoBuild } from './picasso';

/** Simulated durations: a run waits for a runner, then builds. */
export const RUN_TIMINGS = { queuedMs: 2_000, runningMs: 8_000 } as const;

export interface WorkflowInfo {
  id: number;
  path: string;
  name: string;
  createdAt: Date;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed';
export type RunConclusion = 'success' | 'failure' | 'cancelled' | null;

export interface WorkflowRun {
  id: number;
  runNumber: number;
  repoId: number;
  owner: string;
  repo: string;
  workflowId: number;
  workflowPath: string;
  workflowName: string;
  displayTitle: string;
  event: 'workflow_dispatch';
  headBranch: string;
  headSha: string;
  actor: string;
  inputs: Record<string, string>;
  status: RunStatus;
  conclusion: RunConclusion;
  createdAt: Date;
  updatedAt: Date;
  runStartedAt: Date;
  startedAt?: Date;
  completedAt?: Date;
  /** The failure reason, or what a successful build produced. */
  message?: string;
  /** The commit a successful Picasso build pushed. */
  resultSha?: string;
}

interface DispatchInput {
  description?: string;
  required?: boolean;
  type?: 'string' | 'choice' | 'boolean' | 'number' | 'environment';
  options?: unknown[];
  default?: unknown;
}

/**
 * GitHub Actions for the sandbox: workflows are the repository's
 * `.github/workflows/*.yml`; `workflow_dispatch` validates inputs against the
 * file as GitHub does and starts a run that goes queued → in_progress →
 * completed on the sandbox clock. Picasso's build.yml runs do the build's
 * commit; other workflows just succeed.
 */
export class Actions {
  private readonly workflowIds = new Map<string, number>();
  private readonly runs: WorkflowRun[] = [];
  private readonly timers = new Set<ClockTimer>();
  private readonly pending = new Set<Promise<void>>();
  private nextWorkflowId = 161_335_001;
  private nextRunId = 30_433_642_001;

  constructor(
    private readonly git: GitStore,
    private readonly clock: SandboxClock,
    private readonly faults: FaultRegistry,
  ) {}

  /** The repository's workflows (from its default branch). */
  async listWorkflows(info: RepositoryInfo): Promise<WorkflowInfo[]> {
    const files = await this.git.listFiles(
      info.owner,
      info.name,
      '.github/workflows',
    );
    const out: WorkflowInfo[] = [];
    for (const path of files.filter(
      f =>
        /\.ya?ml$/.test(f) &&
        !f.slice('.github/workflows/'.length).includes('/'),
    )) {
      const text = await this.git.readFile(info.owner, info.name, path);
      let name = path;
      try {
        const parsed = parseYaml(text ?? '') as { name?: unknown } | null;
        if (typeof parsed?.name === 'string') name = parsed.name;
      } catch {
        // An invalid workflow file is still listed, under its path (as on GitHub).
      }
      out.push({
        id: this.workflowId(info, path),
        path,
        name,
        createdAt: info.createdAt,
      });
    }
    return out;
  }

  /** A workflow by numeric id or file name (`build.yml`). */
  async getWorkflow(
    info: RepositoryInfo,
    idOrFile: string,
  ): Promise<WorkflowInfo> {
    const workflows = await this.listWorkflows(info);
    const found = /^\d+$/.test(idOrFile)
      ? workflows.find(w => w.id === Number(idOrFile))
      : workflows.find(
          w =>
            w.path === `.github/workflows/${idOrFile}` || w.path === idOrFile,
        );
    if (!found) throw notFound();
    return found;
  }

  private workflowId(info: RepositoryInfo, path: string): number {
    const key = `${info.id}:${path}`;
    let id = this.workflowIds.get(key);
    if (id === undefined) {
      id = this.nextWorkflowId++;
      this.workflowIds.set(key, id);
    }
    return id;
  }

  listRuns(info: RepositoryInfo, workflowId?: number): WorkflowRun[] {
    return this.runs
      .filter(
        r =>
          r.repoId === info.id &&
          (workflowId === undefined || r.workflowId === workflowId),
      )
      .sort((a, b) => b.id - a.id);
  }

  getRun(info: RepositoryInfo, runId: number): WorkflowRun | undefined {
    return this.runs.find(r => r.repoId === info.id && r.id === runId);
  }

  /** Resolves when every run in flight has finished its current step (tests). */
  async whenIdle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  stop(): void {
    this.timers.forEach(t => t.cancel());
    this.timers.clear();
  }

  async dispatch(
    info: RepositoryInfo,
    idOrFile: string,
    ref: string,
    rawInputs: Record<string, unknown>,
    actor: string,
  ): Promise<WorkflowRun> {
    const workflow = await this.getWorkflow(info, idOrFile);
    const branch = ref.replace(/^refs\/(heads|tags)\//, '');
    const headSha = await this.git.resolveCommitish(info.owner, info.name, ref);
    if (!headSha) throw new GitHubError(422, `No ref found for: ${ref}`);
    const text = await this.git.readFile(
      info.owner,
      info.name,
      workflow.path,
      headSha,
    );
    if (text === undefined) throw notFound();
    let parsed: { on?: unknown; 'run-name'?: unknown; name?: unknown };
    try {
      parsed = (parseYaml(text) ?? {}) as typeof parsed;
    } catch (error) {
      throw new GitHubError(
        422,
        `Invalid workflow file: ${workflow.path}: ${(error as Error).message}`,
      );
    }
    const declared = dispatchInputs(parsed.on);
    if (!declared) {
      throw new GitHubError(
        422,
        "Workflow does not have 'workflow_dispatch' trigger",
      );
    }
    const inputs = validateInputs(declared, rawInputs);
    const now = this.clock.now();
    const run: WorkflowRun = {
      id: this.nextRunId++,
      runNumber:
        this.runs.filter(
          r => r.repoId === info.id && r.workflowId === workflow.id,
        ).length + 1,
      repoId: info.id,
      owner: info.owner,
      repo: info.name,
      workflowId: workflow.id,
      workflowPath: workflow.path,
      workflowName: workflow.name,
      displayTitle: renderRunName(parsed['run-name'], inputs, workflow.name),
      event: 'workflow_dispatch',
      headBranch: branch,
      headSha,
      actor,
      inputs,
      status: 'queued',
      conclusion: null,
      createdAt: now,
      updatedAt: now,
      runStartedAt: now,
    };
    this.runs.push(run);
    this.schedule(RUN_TIMINGS.queuedMs, () => {
      const started = this.clock.now();
      Object.assign(run, {
        status: 'in_progress',
        startedAt: started,
        runStartedAt: started,
        updatedAt: started,
      });
      this.schedule(RUN_TIMINGS.runningMs, () => this.complete(info, run));
    });
    return run;
  }

  private schedule(ms: number, fn: () => void | Promise<void>) {
    const timer = this.clock.after(ms, () => {
      this.timers.delete(timer);
      const work = Promise.resolve()
        .then(fn)
        .catch(() => undefined)
        .finally(() => this.pending.delete(work));
      this.pending.add(work);
    });
    this.timers.add(timer);
  }

  private async complete(
    info: RepositoryInfo,
    run: WorkflowRun,
  ): Promise<void> {
    let conclusion: RunConclusion = 'success';
    let message = 'Completed';
    if (run.workflowPath === PICASSO_WORKFLOW_PATH) {
      try {
        const result = await runPicassoBuild(
          { git: this.git, faults: this.faults },
          info,
          {
            inputs: run.inputs,
            branch: run.inputs.STRAIN_REPOSITORY_BRANCH || run.headBranch,
            runNumber: run.runNumber,
            now: this.clock.now(),
          },
        );
        conclusion = result.conclusion;
        message = result.message;
        run.resultSha = result.commitSha;
      } catch (error) {
        conclusion = 'failure';
        message = `Build failed: ${(error as Error).message}`;
      }
    }
    const done = this.clock.now();
    Object.assign(run, {
      status: 'completed',
      conclusion,
      message,
      completedAt: done,
      updatedAt: done,
    });
  }
}

function dispatchInputs(
  on: unknown,
): Record<string, DispatchInput> | undefined {
  if (on === 'workflow_dispatch') return {};
  if (Array.isArray(on))
    return on.includes('workflow_dispatch') ? {} : undefined;
  if (!on || typeof on !== 'object' || !('workflow_dispatch' in on))
    return undefined;
  const trigger = (on as Record<string, unknown>).workflow_dispatch as {
    inputs?: Record<string, DispatchInput>;
  } | null;
  return trigger?.inputs ?? {};
}

/** GitHub's checks on dispatch inputs, with its error messages. */
function validateInputs(
  declared: Record<string, DispatchInput>,
  given: Record<string, unknown>,
): Record<string, string> {
  const unexpected = Object.keys(given).filter(k => !(k in declared));
  if (unexpected.length) {
    throw new GitHubError(
      422,
      `Unexpected inputs provided: ${JSON.stringify(unexpected)}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const raw = given[name] ?? spec.default;
    if (raw === undefined || raw === null || raw === '') {
      if (spec.required)
        throw new GitHubError(422, `Required input '${name}' not provided`);
      continue;
    }
    const value = String(raw);
    if (
      spec.type === 'choice' &&
      Array.isArray(spec.options) &&
      !spec.options.map(String).includes(value)
    ) {
      throw new GitHubError(
        422,
        `Provided value '${value}' for input '${name}' not in the list of allowed values`,
      );
    }
    if (spec.type === 'boolean' && value !== 'true' && value !== 'false') {
      throw new GitHubError(
        422,
        `Provided value '${value}' for input '${name}' is not a boolean`,
      );
    }
    if (spec.type === 'number' && !Number.isFinite(Number(value))) {
      throw new GitHubError(
        422,
        `Provided value '${value}' for input '${name}' is not a number`,
      );
    }
    out[name] = value;
  }
  return out;
}

/** Evaluates `run-name` for the `${{ inputs.X }}` expressions it uses. */
function renderRunName(
  template: unknown,
  inputs: Record<string, string>,
  fallback: string,
): string {
  if (typeof template !== 'string') return fallback;
  return template.replace(
    /\$\{\{\s*(?:inputs|github\.event\.inputs)\.([A-Za-z0-9_-]+)\s*\}\}/g,
    (_, n: string) => inputs[n] ?? '',
  );
}
