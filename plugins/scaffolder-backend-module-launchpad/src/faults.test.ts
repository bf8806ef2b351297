/*
 * Faults during the new-openedx-instance template, switched on with the
 * sandbox's switches, and the task retried afterwards: every step of the
 * template runs with the real clients against the sandbox, sharing one
 * checkpoint store as the scaffolder's task state does, and the retry runs
 * every step again (the scaffolder without taskRecovery does; with it the
 * completed steps are skipped, which can only do less). After each retry the
 * instance is complete and nothing happened twice: one commit of the files,
 * one Workflow per template (plus one per failed attempt), one build per
 * image (plus one per failed build).
 *
 * Covered elsewhere, per action: GitHub 5xx mid-write and a lost commit
 * answer (instanceCreate.test.ts), a secondary rate limit waited out
 * (instanceCreate.test.ts), a failing provision step and a recovered running
 * workflow (workflowSubmit.test.ts), a failed build (picassoBuild.test.ts).
 */
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { FaultSpec } from '@internal/sandbox';
import {
  actionContext,
  memoryCheckpoint,
  mockDeps,
  startLaunchpadSandbox,
  whileAdvancing,
} from './__testUtils__';
import {
  createArgocdApplyAction,
  createArgocdSyncAction,
  createInstanceCreateAction,
  createInstancePrepareAction,
  createPicassoBuildAction,
  createWorkflowSubmitAction,
} from './actions';

const OWNER = 'acme-edu';
const REPO = 'launchpad-cluster-staging';
const fast = { pollIntervalSeconds: 0.02 };

describe('faults during the template, and the retry after each (against the sandbox)', () => {
  let started: Awaited<ReturnType<typeof startLaunchpadSandbox>>;
  beforeAll(async () => {
    started = await startLaunchpadSandbox();
  }, 60_000);
  afterAll(async () => {
    await started?.sandbox.stop();
  }, 30_000);
  afterEach(() => started?.sandbox.faults.clear());

  type Checkpoint = ReturnType<typeof memoryCheckpoint>['checkpoint'];
  interface Step {
    id: string;
    /** Runs the step's action with the given checkpoint; its outputs. */
    run(checkpoint: Checkpoint): Promise<Record<string, unknown>>;
  }
  const step = <I extends JsonObject, O extends JsonObject>(
    id: string,
    action: TemplateAction<I, O, 'v2'>,
    input: JsonObject,
  ): Step => ({
    id,
    async run(checkpoint) {
      const { ctx, outputs } = actionContext(action, input, { checkpoint });
      await whileAdvancing(started.sandbox, action.handler(ctx), {
        maxSteps: 400,
      });
      return outputs;
    },
  });

  /** The template's steps (templates/new-openedx-instance), in its order. */
  function steps(slug: string): Step[] {
    const deps = { clusters: started.clusters, ...mockDeps() };
    const base = { cluster: 'staging', slug };
    const workflow = createWorkflowSubmitAction(deps);
    const build = createPicassoBuildAction(deps);
    return [
      step('create', createInstanceCreateAction(deps), {
        ...base,
        platformName: `Faults ${slug}`,
        owner: 'group:default/platform-team',
      }),
      step('prepare', createInstancePrepareAction(deps), base),
      ...['mysql', 'mongodb', 'storage'].map(kind =>
        step(kind, workflow, {
          ...base,
          template: `${kind}-provision-template`,
          ...fast,
        }),
      ),
      step('apply', createArgocdApplyAction(deps), base),
      ...['openedx', 'mfe'].map(service =>
        step(`build-${service}`, build, { ...base, service, ...fast }),
      ),
      step('sync', createArgocdSyncAction(deps), { ...base, ...fast }),
    ];
  }

  /**
   * One task: runs the steps in order until one fails, with the shared
   * checkpoint store keyed per step as the scaffolder keys it
   * (`v1.task.checkpoint.<step id>.<key>`). `before(stepId)` switches faults
   * on. Resolves with the failing step and its error, or the outputs.
   */
  async function runTask(
    slug: string,
    store: ReturnType<typeof memoryCheckpoint>,
    before: (stepId: string) => void = () => {},
  ) {
    const outputs: Record<string, Record<string, unknown>> = {};
    for (const { id, run } of steps(slug)) {
      before(id);
      const checkpoint = (<T extends JsonValue | void>(opts: {
        key: string;
        fn: () => Promise<T> | T;
      }) =>
        store.checkpoint({
          key: `v1.task.checkpoint.${id}.${opts.key}`,
          fn: opts.fn,
        })) as Checkpoint;
      try {
        outputs[id] = await run(checkpoint);
      } catch (error) {
        return { failed: id, error: error as Error, outputs };
      }
    }
    return { failed: undefined, error: undefined, outputs };
  }

  /** What the sandbox saw: commits since `base`, Workflow creations and Picasso runs of `slug`. */
  async function tally(base: string, slug: string, since: RequestTally) {
    const messages: string[] = [];
    let sha = await started.sandbox.git.headSha(OWNER, REPO);
    while (sha !== base && messages.length < 50) {
      const commit = await started.sandbox.git.readCommit(OWNER, REPO, sha);
      messages.push(commit.message.trim());
      sha = commit.parents[0];
    }
    const now = await requestTally();
    const runs = (await (
      await fetch(
        `${started.sandbox.github.url}/repos/${OWNER}/${REPO}/actions/runs?per_page=100`,
        {
          headers: { Authorization: `Bearer ${started.sandbox.github.token}` },
        },
      )
    ).json()) as {
      workflow_runs: Array<{ display_title: string; conclusion: string }>;
    };
    return {
      // the files, then one per successful build (the first renders env/)
      commits: messages.length,
      workflows: now.workflowCreates - since.workflowCreates,
      builds: runs.workflow_runs
        .filter(r => r.display_title.endsWith(` for ${slug}`))
        .map(r => r.conclusion)
        .sort(),
    };
  }

  type RequestTally = Awaited<ReturnType<typeof requestTally>>;
  /** `GET /_sandbox/requests`: Workflow objects created (Kubernetes API or Argo Server). */
  async function requestTally() {
    const res = await fetch(`${started.sandbox.adminUrl}/requests`);
    const counts = (await res.json()) as {
      services: Record<string, { routes: Record<string, number> }>;
    };
    const sum = (service: string, match: RegExp) =>
      Object.entries(counts.services[service]?.routes ?? {})
        .filter(([route]) => match.test(route))
        .reduce((n, [, count]) => n + count, 0);
    return {
      workflowCreates:
        sum(
          'kubernetes',
          /^POST \/apis\/argoproj\.io\/v1alpha1\/namespaces\/\{namespace\}\/workflows$/,
        ) + sum('argo', /^POST \/argo\/api\/v1\/workflows\//),
    };
  }

  /**
   * Runs the task with `fault` switched on before `atStep`, expects it to
   * fail there, switches the faults off, retries, and returns the tally.
   */
  async function failThenRetry(
    slug: string,
    atStep: string,
    fault: FaultSpec,
    expected: RegExp,
  ) {
    const base = await started.sandbox.git.headSha(OWNER, REPO);
    const since = await requestTally();
    const store = memoryCheckpoint();
    const first = await runTask(slug, store, stepId => {
      if (stepId === atStep) started.sandbox.faults.add(fault);
    });
    expect(first.failed).toBe(atStep);
    expect(first.error?.message).toMatch(expected);
    // Off before the tally, which reads the runs from the sandbox's GitHub.
    started.sandbox.faults.clear();
    const afterFailure = await tally(base, slug, since);

    const retry = await runTask(slug, store);
    expect(retry.error).toBeUndefined();
    expect(retry.outputs.sync).toMatchObject({
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
    });
    // A further retry (a later failure, say) changes nothing.
    const again = await runTask(slug, store);
    expect(again.error).toBeUndefined();
    return { afterFailure, final: await tally(base, slug, since) };
  }

  it('GitHub 5xx during create, past the client retries: nothing committed; the retry commits once', async () => {
    const { afterFailure, final } = await failThenRetry(
      'fault-5xx',
      'create',
      { kind: 'http-error', service: 'github', status: 502 },
      /GitHub answered 502|answered 502/,
    );
    expect(afterFailure).toEqual({ commits: 0, workflows: 0, builds: [] });
    expect(final).toEqual({
      commits: 3,
      workflows: 3,
      builds: ['success', 'success'],
    });
  }, 120_000);

  it('a GitHub secondary rate limit during create that outlasts the retries: ServiceUnavailableError, nothing committed; the retry commits once', async () => {
    // 403 + retry-after on GraphQL (the one-commit write), more times than
    // the client retries a rate limit (2).
    const { afterFailure, final } = await failThenRetry(
      'fault-limit',
      'create',
      {
        kind: 'rate-limit',
        retryAfterSeconds: 1,
        pathPrefix: '/graphql',
        count: 10,
      },
      /rate limit/,
    );
    expect(afterFailure).toEqual({ commits: 0, workflows: 0, builds: [] });
    expect(final).toEqual({
      commits: 3,
      workflows: 3,
      builds: ['success', 'success'],
    });
  }, 120_000);

  it('a 429 during create is retried by the client: one commit, no failure', async () => {
    const base = await started.sandbox.git.headSha(OWNER, REPO);
    const since = await requestTally();
    const fault = started.sandbox.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 429,
      count: 2,
    });
    const run = await runTask('fault-429', memoryCheckpoint());
    expect(run.error).toBeUndefined();
    expect(fault.hits).toBe(2);
    expect(await tally(base, 'fault-429', since)).toEqual({
      commits: 3,
      workflows: 3,
      builds: ['success', 'success'],
    });
  }, 120_000);

  it('a provision step failing: the task stops at MongoDB; the retry resubmits only that workflow', async () => {
    const { afterFailure, final } = await failThenRetry(
      'fault-mongo',
      'mongodb',
      {
        kind: 'workflow-step-fails',
        template: 'mongodb-provision-template',
        step: 'create-user',
        message: 'Authentication failed',
      },
      /^Workflow fault-mongo\/mongodb-provision-fault-mongo Failed: step create-user failed: Authentication failed/,
    );
    expect(afterFailure).toEqual({ commits: 1, workflows: 2, builds: [] });
    // MySQL once, MongoDB twice (the failed one replaced), the bucket once.
    expect(final).toEqual({
      commits: 3,
      workflows: 4,
      builds: ['success', 'success'],
    });
  }, 120_000);

  it('a build failing: the retry dispatches that build once more and nothing else', async () => {
    const { afterFailure, final } = await failThenRetry(
      'fault-build',
      'build-openedx',
      { kind: 'build-fails', instance: 'fault-build', count: 1 },
      /^Picasso build of the openedx image for fault-build concluded failure/,
    );
    expect(afterFailure).toEqual({
      commits: 1,
      workflows: 3,
      builds: ['failure'],
    });
    expect(final).toEqual({
      commits: 3,
      workflows: 3,
      builds: ['failure', 'success', 'success'],
    });
  }, 120_000);

  it('GitHub 5xx on the build dispatch: nothing dispatched; the retry dispatches once', async () => {
    const { afterFailure, final } = await failThenRetry(
      'fault-dispatch',
      'build-openedx',
      {
        kind: 'http-error',
        service: 'github',
        status: 503,
        method: 'POST',
        pathPrefix: `/repos/${OWNER}/${REPO}/actions/workflows/`,
      },
      /503/,
    );
    expect(afterFailure).toEqual({ commits: 1, workflows: 3, builds: [] });
    expect(final).toEqual({
      commits: 3,
      workflows: 3,
      builds: ['success', 'success'],
    });
  }, 120_000);
});
