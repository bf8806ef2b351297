import {
  actionContext,
  mockDeps,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createPicassoBuildAction } from './picassoBuild';
import { titleNames } from './picassoRuns';

const OWNER = 'acme-edu';
const REPO = 'launchpad-cluster-staging';

describe('launchpad:picasso:build: a build of the same instance and service already running', () => {
  const { env, build } = useActionSandbox(createPicassoBuildAction);
  const fast = { pollIntervalSeconds: 0.02 };
  const dispatches = (deps: ReturnType<typeof mockDeps>) =>
    deps.auditor.createEvent.mock.calls.filter(
      ([e]) => e.eventId === 'picasso-build',
    ).length;
  /** Someone else's build (another task, the Actions tab), left queued: the sandbox clock stands still. */
  const dispatchElsewhere = async (slug: string, service = 'openedx') =>
    env.clusters.get('staging').repository.writer.dispatchWorkflow({
      workflow: 'build.yml',
      inputs: {
        INSTANCE_NAME: slug,
        SERVICE: service,
        STRAIN_REPOSITORY_BRANCH: 'main',
      },
    });
  const runsOf = async (slug: string) => {
    const octokit = await env.clusters.get('staging').repository.octokit();
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner: OWNER,
      repo: REPO,
      workflow_id: 'build.yml',
      per_page: 100,
    });
    return data.workflow_runs
      .filter(r => titleNames(r.display_title, slug, 'openedx'))
      .map(r => ({
        id: r.id,
        status: r.status,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }));
  };

  it('titles match whole words: demo is not demo-2, the service must be named', () => {
    expect(titleNames('Build openedx image for demo', 'demo', 'openedx')).toBe(
      true,
    );
    expect(
      titleNames('Build openedx image for demo-2', 'demo', 'openedx'),
    ).toBe(false);
    expect(titleNames('Build mfe image for demo', 'demo', 'openedx')).toBe(
      false,
    );
    expect(titleNames('Build instance image', 'demo', 'openedx')).toBe(false);
  });

  it('by default refuses with an InputError naming the instance, the service and the running run; dispatches nothing (dry run too)', async () => {
    const { action, deps } = build();
    const other = await dispatchElsewhere('summer-school');
    const input = { cluster: 'staging', slug: 'summer-school', ...fast };
    const message = `A build of the openedx image of summer-school on staging is already queued: ${other.htmlUrl}; wait for it, or run with ifRunning: wait`;
    await expect(
      action.handler(actionContext(action, input).ctx),
    ).rejects.toMatchObject({ name: 'InputError', message });
    await expect(
      action.handler(actionContext(action, input, { isDryRun: true }).ctx),
    ).rejects.toMatchObject({ name: 'InputError', message });
    expect(dispatches(deps)).toBe(0);
    expect(await runsOf('summer-school')).toHaveLength(1);
    // Another instance's or another service's build is no obstacle.
    const mfe = actionContext(action, {
      cluster: 'staging',
      slug: 'summer-school',
      service: 'mfe',
      wait: false,
    });
    await action.handler(mfe.ctx);
    expect(mfe.outputs.runId).not.toBe(other.runId);
    await env.sandbox.settle(60_000);
  }, 60_000);

  it('with ifRunning: wait, takes over a run building the current config.yml: no second run', async () => {
    const { action, deps } = build();
    const other = await dispatchElsewhere('physics-101');
    const { ctx, outputs, lines } = actionContext(action, {
      cluster: 'staging',
      slug: 'physics-101',
      ifRunning: 'wait',
      ...fast,
    });
    await whileAdvancing(env.sandbox, action.handler(ctx));
    expect(outputs).toMatchObject({
      runId: other.runId,
      runUrl: other.htmlUrl,
      conclusion: 'success',
      image: expect.stringContaining('openedx-physics-101:'),
    });
    // Queued or already started, depending on how far the clock moved.
    expect(lines()[0]).toMatch(
      new RegExp(
        `^A build of the openedx image of physics-101 is already (queued|in_progress) with the current config\\.yml: ${other.htmlUrl}; waiting for it instead of dispatching another$`,
      ),
    );
    expect(dispatches(deps)).toBe(0);
    expect(await runsOf('physics-101')).toEqual([
      expect.objectContaining({ id: other.runId, status: 'completed' }),
    ]);
  }, 60_000);

  it('with ifRunning: wait, waits for a run of an older config.yml to finish, then dispatches its own', async () => {
    const { action, deps } = build();
    const other = await dispatchElsewhere('demo');
    // config.yml changes after that build was dispatched (an upgrade).
    const path = 'instances/demo/config.yml';
    const text = (await env.sandbox.git.readFile(OWNER, REPO, path))!;
    await env.sandbox.git.commitFiles(OWNER, REPO, {
      message: 'Rename demo',
      changes: {
        [path]: text.replace(/^PLATFORM_NAME: .*$/m, 'PLATFORM_NAME: Renamed'),
      },
    });
    const { ctx, outputs, lines } = actionContext(action, {
      cluster: 'staging',
      slug: 'demo',
      ifRunning: 'wait',
      ...fast,
    });
    await whileAdvancing(env.sandbox, action.handler(ctx));
    expect(outputs.conclusion).toBe('success');
    expect(outputs.runId).not.toBe(other.runId);
    expect(lines()[0]).toMatch(
      new RegExp(
        `^A build of the openedx image of demo is (queued|in_progress) \\(${other.htmlUrl}\\) with an older config\\.yml; waiting for it to finish before dispatching this one$`,
      ),
    );
    expect(dispatches(deps)).toBe(1);
    const runs = await runsOf('demo');
    const first = runs.find(r => r.id === other.runId)!;
    const ours = runs.find(r => r.id === outputs.runId)!;
    // Ours was created only once the other had completed.
    expect(Date.parse(ours.createdAt)).toBeGreaterThanOrEqual(
      Date.parse(first.updatedAt),
    );
  }, 60_000);
});
