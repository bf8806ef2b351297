import { Octokit } from '@octokit/rest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { validateGitHubResponse } from './testing';

/** Octokit logs failed requests; some tests provoke them on purpose. */
const log = { debug() {}, info() {}, warn() {}, error() {} };
const owner = 'acme-edu';

let sandbox: Sandbox;
let octokit: Octokit;
let nextRepo = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  octokit = new Octokit({
    baseUrl: sandbox.github.url,
    auth: sandbox.github.token,
    log,
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
}, 30_000);

const CONFIG = ['A: 1', 'B: 2', 'C: 3', 'D: 4', ''].join('\n');

/** A fresh repository with `config.yml` on main and a `change` branch from it. */
async function repoWithBranch() {
  const repo = `pulls-${++nextRepo}`;
  await sandbox.git.createRepository(owner, repo, {
    files: { 'config.yml': CONFIG, 'old.txt': 'one\ntwo\n' },
  });
  const main = await sandbox.git.headSha(owner, repo);
  await octokit.git.createRef({
    owner,
    repo,
    ref: 'refs/heads/change',
    sha: main,
  });
  return { owner, repo };
}

async function getPull(r: { owner: string; repo: string }, n: number) {
  const { data } = await octokit.pulls.get({ ...r, pull_number: n });
  expect(await validateGitHubResponse('pulls/get', 200, data)).toEqual([]);
  return data;
}

describe('pull requests', () => {
  it('answers mergeable null / unknown until computed, then true / clean with a test merge commit', async () => {
    const r = await repoWithBranch();
    await sandbox.git.commitFiles(owner, r.repo, {
      branch: 'change',
      message: 'change config',
      changes: {
        // B changed, E added (2 additions, 1 deletion); old.txt removed (2 deletions); a new file (3 additions).
        'config.yml': ['A: 1', 'B: 20', 'C: 3', 'D: 4', 'E: 5', ''].join('\n'),
        'old.txt': null,
        'new.txt': 'x\ny\nz\n',
      },
    });
    await sandbox.git.commitFiles(owner, r.repo, {
      branch: 'change',
      message: 'second commit',
      changes: { 'bin.dat': Buffer.from([0, 1, 2, 3]) },
    });
    const { data: created } = await octokit.pulls.create({
      ...r,
      head: 'change',
      base: 'main',
      title: 'Change',
    });
    expect(created).toMatchObject({
      mergeable: null,
      mergeable_state: 'unknown',
    });

    const first = await getPull(r, created.number);
    expect(first).toMatchObject({
      mergeable: null,
      mergeable_state: 'unknown',
    });
    const later = await getPull(r, created.number);
    expect(later).toMatchObject({
      mergeable: true,
      mergeable_state: 'clean',
      rebaseable: true,
      additions: 5,
      deletions: 3,
      changed_files: 4,
      commits: 2,
    });
    // merge_commit_sha is the test merge: base and head as parents, merged content.
    const testMerge = later.merge_commit_sha!;
    expect(testMerge).toMatch(/^[0-9a-f]{40}$/);
    const { data: commit } = await octokit.git.getCommit({
      ...r,
      commit_sha: testMerge,
    });
    expect(commit.parents.map(p => p.sha)).toEqual([
      later.base.sha,
      later.head.sha,
    ]);
    const { data: ref } = await octokit.git.getRef({
      ...r,
      ref: `pull/${created.number}/merge`,
    });
    expect(ref.object.sha).toBe(testMerge);

    // A change of the head makes it unknown again until recomputed.
    await sandbox.git.commitFiles(owner, r.repo, {
      branch: 'change',
      message: 'third',
      changes: { 'new.txt': 'x\ny\nz\nw\n' },
    });
    expect(await getPull(r, created.number)).toMatchObject({
      mergeable: null,
      mergeable_state: 'unknown',
    });
    const recomputed = await getPull(r, created.number);
    expect(recomputed).toMatchObject({
      mergeable: true,
      additions: 6,
      commits: 3,
    });
    expect(recomputed.merge_commit_sha).not.toBe(testMerge);

    // Once merged, merge_commit_sha is the merge commit on main.
    const { data: merged } = await octokit.pulls.merge({
      ...r,
      pull_number: created.number,
    });
    const closed = await getPull(r, created.number);
    expect(closed).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: merged.sha,
      additions: 6,
      deletions: 3,
      changed_files: 4,
    });
    expect(await sandbox.git.headSha(owner, r.repo)).toBe(merged.sha);
  });

  it('answers false / dirty for a pull request that conflicts, without a test merge', async () => {
    const r = await repoWithBranch();
    await sandbox.git.commitFiles(owner, r.repo, {
      branch: 'change',
      message: 'branch edit',
      changes: { 'config.yml': CONFIG.replace('A: 1', 'A: branch') },
    });
    await sandbox.git.commitFiles(owner, r.repo, {
      message: 'main edit',
      changes: { 'config.yml': CONFIG.replace('A: 1', 'A: main') },
    });
    const { data: created } = await octokit.pulls.create({
      ...r,
      head: 'change',
      base: 'main',
      title: 'Conflicting',
    });
    expect((await getPull(r, created.number)).mergeable).toBeNull();
    expect(await getPull(r, created.number)).toMatchObject({
      mergeable: false,
      mergeable_state: 'dirty',
      merge_commit_sha: null,
      additions: 1,
      deletions: 1,
      changed_files: 1,
    });
  });

  it('answers draft as the mergeable_state of a mergeable draft', async () => {
    const r = await repoWithBranch();
    await sandbox.git.commitFiles(owner, r.repo, {
      branch: 'change',
      message: 'wip',
      changes: { 'wip.txt': 'wip\n' },
    });
    const { data: created } = await octokit.pulls.create({
      ...r,
      head: 'change',
      base: 'main',
      title: 'WIP',
      draft: true,
    });
    await getPull(r, created.number);
    expect(await getPull(r, created.number)).toMatchObject({
      mergeable: true,
      mergeable_state: 'draft',
    });
  });
});
