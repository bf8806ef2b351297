import { Octokit } from '@octokit/rest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { RUN_TIMINGS } from './actions';
import { validateGitHubResponse } from './testing';

/** Octokit logs failed requests; some tests provoke them on purpose. */
const log = { debug() {}, info() {}, warn() {}, error() {} };

const CI = `name: CI
on:
  workflow_dispatch:
    inputs:
      note:
        type: string
`;

const DAY = 86_400_000;
const repo = { owner: 'acme-edu', repo: 'runs-demo' };

let sandbox: Sandbox;
let octokit: Octokit;
let repoId: number;
/** Runs created at T (main, succeeded), T+1d (feature, in progress) and T+1d+1h (main, queued). */
const runs: Record<'a' | 'b' | 'c', { id: number; createdAt: string }> = {
  a: { id: 0, createdAt: '' },
  b: { id: 0, createdAt: '' },
  c: { id: 0, createdAt: '' },
};
let T = 0;
let featureSha = '';
let pullNumber = 0;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const second = (ms: number) =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function dispatch(ref: string) {
  const { data } = await octokit.actions.createWorkflowDispatch({
    ...repo,
    workflow_id: 'ci.yml',
    ref,
    return_run_details: true,
  });
  const id = (data as { workflow_run_id: number }).workflow_run_id;
  return { id, createdAt: sandbox.clock.now().toISOString() };
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  octokit = new Octokit({
    baseUrl: sandbox.github.url,
    auth: sandbox.github.token,
    log,
  });
  await sandbox.git.createRepository(repo.owner, repo.repo, {
    files: { '.github/workflows/ci.yml': CI, 'README.md': 'demo\n' },
  });
  repoId = sandbox.git.getRepository(repo.owner, repo.repo)!.id;
  featureSha = (
    await sandbox.git.commitFiles(repo.owner, repo.repo, {
      branch: 'feature',
      message: 'feature work',
      changes: {
        '.github/workflows/ci.yml': CI,
        'feature.txt': 'new\n',
      },
    })
  ).sha;
  // Move to 08:30:16 UTC of the next day so the days below do not straddle midnight.
  const now = sandbox.clock.nowMs();
  const target = Date.parse(`${day(now + DAY)}T08:30:16.000Z`);
  sandbox.clock.advance(target - now);
  T = sandbox.clock.nowMs();
  runs.a = await dispatch('main');
  // Run a completes successfully; b is in progress an hour later, c queued.
  await sandbox.settle(RUN_TIMINGS.queuedMs + RUN_TIMINGS.runningMs, 2_000);
  sandbox.clock.advance(T + DAY - sandbox.clock.nowMs());
  runs.b = await dispatch('feature');
  sandbox.clock.advance(3_600_000);
  runs.c = await dispatch('main');
  const { data: pr } = await octokit.pulls.create({
    ...repo,
    head: 'feature',
    base: 'main',
    title: 'Feature',
  });
  pullNumber = pr.number;
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
}, 30_000);

async function ids(query: Record<string, string | number | boolean>) {
  const { data } = await octokit.actions.listWorkflowRunsForRepo({
    ...repo,
    ...query,
  });
  return data.workflow_runs.map(r => r.id);
}

describe('listing workflow runs', () => {
  it('filters by created in GitHub search syntax (dates, timestamps, ranges, open ends)', async () => {
    const { a, b, c } = runs;
    const cases: Array<[string, number[]]> = [
      [`>=${second(T + DAY)}`, [c.id, b.id]],
      [`>=${day(T + DAY)}`, [c.id, b.id]],
      [`>${day(T)}`, [c.id, b.id]],
      [`>${second(T)}`, [c.id, b.id]],
      [`<${day(T + DAY)}`, [a.id]],
      [`<=${day(T)}`, [a.id]],
      [`<=${second(T + DAY)}`, [b.id, a.id]],
      [`<${second(T + DAY)}`, [a.id]],
      [`${day(T)}..${day(T + DAY)}`, [c.id, b.id, a.id]],
      [`${day(T)}..${day(T)}`, [a.id]],
      [`${day(T + DAY)}T08:00:00Z..*`, [c.id, b.id]],
      [`*..${day(T)}T23:59:59Z`, [a.id]],
      [day(T + DAY), [c.id, b.id]],
      [second(T + DAY), [b.id]],
      // An offset moves the instant: 09:30:16+01:00 is 08:30:16Z.
      [`${day(T + DAY)}T09:30:16+01:00`, [b.id]],
      [day(T + 2 * DAY), []],
    ];
    for (const [created, expected] of cases) {
      expect({ created, ids: await ids({ created }) }).toEqual({
        created,
        ids: expected,
      });
    }
    // The same on the workflow's own listing.
    const { data } = await octokit.actions.listWorkflowRuns({
      ...repo,
      workflow_id: 'ci.yml',
      created: `>=${day(T + DAY)}`,
    });
    expect(data.total_count).toBe(2);
    expect(data.workflow_runs.map(r => r.id)).toEqual([c.id, b.id]);
  });

  it('answers an empty list to a created value that is not a date query, as GitHub does', async () => {
    for (const created of ['yesterday', `${day(T)}T08:30:16 01:00..*`]) {
      const { data } = await octokit.actions.listWorkflowRunsForRepo({
        ...repo,
        created,
      });
      expect({
        created,
        total: data.total_count,
        runs: data.workflow_runs,
      }).toEqual({
        created,
        total: 0,
        runs: [],
      });
    }
  });

  it('honours status (status or conclusion), branch, event, actor and head_sha', async () => {
    const { a, b, c } = runs;
    expect(await ids({ status: 'completed' })).toEqual([a.id]);
    expect(await ids({ status: 'success' })).toEqual([a.id]);
    // b started an hour ago; c was just dispatched.
    expect(await ids({ status: 'in_progress' })).toEqual([b.id]);
    expect(await ids({ status: 'queued' })).toEqual([c.id]);
    expect(await ids({ status: 'failure' })).toEqual([]);
    expect(await ids({ branch: 'feature' })).toEqual([b.id]);
    expect(await ids({ branch: 'main', status: 'queued' })).toEqual([c.id]);
    expect(await ids({ event: 'workflow_dispatch' })).toEqual([
      c.id,
      b.id,
      a.id,
    ]);
    expect(await ids({ event: 'push' })).toEqual([]);
    expect(await ids({ actor: 'Launchpad-Sandbox' })).toHaveLength(3);
    expect(await ids({ actor: 'someone-else' })).toEqual([]);
    expect(await ids({ head_sha: featureSha })).toEqual([b.id]);
    expect(await ids({ created: `>=${day(T + DAY)}`, branch: 'main' })).toEqual(
      [c.id],
    );
  });

  it('counts total_count over the filtered runs and pages them with Link headers', async () => {
    const first = await octokit.actions.listWorkflowRunsForRepo({
      ...repo,
      created: `>=${day(T)}`,
      per_page: 1,
    });
    expect(first.data.total_count).toBe(3);
    expect(first.data.workflow_runs).toHaveLength(1);
    expect(first.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(
      octokit.actions.listWorkflowRunsForRepo,
      { ...repo, created: `>=${day(T + DAY)}`, per_page: 1 },
    );
    expect(all.map(r => r.id)).toEqual([runs.c.id, runs.b.id]);
  });

  it("carries head_repository_id, the repositories, actors and the open pull requests matching the run's branch", async () => {
    const { data } = await octokit.actions.getWorkflowRun({
      ...repo,
      run_id: runs.b.id,
    });
    expect(
      await validateGitHubResponse('actions/get-workflow-run', 200, data),
    ).toEqual([]);
    expect(data).toMatchObject({
      head_repository_id: repoId,
      head_repository: { id: repoId, full_name: 'acme-edu/runs-demo' },
      repository: { id: repoId },
      actor: { login: 'launchpad-sandbox' },
      triggering_actor: { login: 'launchpad-sandbox' },
      head_branch: 'feature',
    });
    expect(data.pull_requests).toEqual([
      expect.objectContaining({
        number: pullNumber,
        head: expect.objectContaining({ ref: 'feature', sha: featureSha }),
        base: expect.objectContaining({ ref: 'main' }),
      }),
    ]);
    const listed = await octokit.actions.listWorkflowRunsForRepo({
      ...repo,
      branch: 'feature',
    });
    expect(listed.data.workflow_runs[0].pull_requests).toHaveLength(1);
    expect(
      await validateGitHubResponse(
        'actions/list-workflow-runs-for-repo',
        200,
        listed.data,
      ),
    ).toEqual([]);
    const excluded = await octokit.actions.listWorkflowRunsForRepo({
      ...repo,
      branch: 'feature',
      exclude_pull_requests: true,
    });
    expect(excluded.data.workflow_runs[0].pull_requests).toEqual([]);
  });
});
