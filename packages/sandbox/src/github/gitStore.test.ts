import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { SandboxClock } from '../clock';
import { GitStore } from './gitStore';
import type { PushEvent } from './gitStore';

describe('GitStore', () => {
  let dir: string;
  let clock: SandboxClock;
  let store: GitStore;
  let pushes: PushEvent[];
  const cli = (...args: string[]) =>
    execFileSync(
      'git',
      ['--git-dir', store.gitdir('acme-edu', 'fleet'), ...args],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    ).trim();

  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gitstore-'));
    // Speed 0: simulated time stands still, so commit dates are exact.
    clock = new SandboxClock(0, { start: new Date('2026-03-01T12:00:00Z') });
    store = await GitStore.create({ dir, clock });
    pushes = [];
    store.onPush(e => pushes.push(e));
  }, 30_000);
  afterEach(async () => {
    clock.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('seeds 1,000 instances (4,000 files) in one commit that git itself reads back', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) {
      const slug = `load-${String(i).padStart(4, '0')}`;
      files[`instances/${slug}/config.yml`] = `K8S_NAMESPACE: ${slug}\n`;
      files[
        `instances/${slug}/application.yml`
      ] = `metadata:\n  name: ${slug}-staging\n`;
      files[`instances/${slug}/env/kustomization.yml`] =
        'resources:\n  - deployment.yml\n';
      files[
        `instances/${slug}/env/deployment.yml`
      ] = `kind: Deployment\nmetadata:\n  name: lms\n  namespace: ${slug}\n`;
    }
    const { headSha, defaultBranch } = await store.createRepository(
      'acme-edu',
      'fleet',
      { files, message: 'Seed' },
    );
    expect(defaultBranch).toBe('main');
    expect(pushes).toHaveLength(1);
    expect(pushes[0].changedPaths).toHaveLength(4000);

    expect(cli('rev-parse', 'main')).toBe(headSha);
    expect(cli('rev-list', '--count', 'main')).toBe('1');
    expect(
      cli('ls-tree', '-r', '--name-only', 'main').split('\n').sort(),
    ).toEqual(Object.keys(files).sort());
    expect(cli('cat-file', '-p', 'main:instances/load-0042/config.yml')).toBe(
      'K8S_NAMESPACE: load-0042',
    );
    expect(cli('log', '-1', '--format=%s|%an|%at', 'main')).toBe(
      `Seed|Launchpad Sandbox|${Date.parse('2026-03-01T12:00:00Z') / 1000}`,
    );
    expect(cli('fsck', '--strict')).toBe('');
    expect(
      (
        await store.listFiles('acme-edu', 'fleet', 'instances/load-0999')
      ).sort(),
    ).toEqual([
      'instances/load-0999/application.yml',
      'instances/load-0999/config.yml',
      'instances/load-0999/env/deployment.yml',
      'instances/load-0999/env/kustomization.yml',
    ]);
  }, 60_000); // a few seconds on a loaded 2-core machine; speed is measured by scripts/bench-git-store.ts

  it('commits changes, deletions and whole-folder deletions at once, reporting the changed paths', async () => {
    const { headSha } = await store.createRepository('acme-edu', 'fleet', {
      files: {
        'instances/a/config.yml': 'A: 1\n',
        'instances/a/env/deployment.yml': 'kind: Deployment\n',
        'instances/b/config.yml': 'B: 1\n',
        'README.md': 'fleet\n',
      },
    });
    const result = await store.commitFiles('acme-edu', 'fleet', {
      message: 'Deprovision a, change b',
      changes: {
        'instances/a/': null,
        'instances/b/config.yml': 'B: 2\n',
        'README.md': null,
        'instances/c/config.yml': 'C: 1\n',
      },
      author: { name: 'Jane', email: 'jane@acme.test' },
    });
    expect(result.changedPaths).toEqual([
      'README.md',
      'instances/a/config.yml',
      'instances/a/env/deployment.yml',
      'instances/b/config.yml',
      'instances/c/config.yml',
    ]);
    expect(pushes[1]).toEqual({
      owner: 'acme-edu',
      repo: 'fleet',
      branch: 'main',
      before: headSha,
      after: result.sha,
      changedPaths: result.changedPaths,
    });
    expect(cli('ls-tree', '-r', '--name-only', 'main').split('\n')).toEqual([
      'instances/b/config.yml',
      'instances/c/config.yml',
    ]);
    expect(cli('log', '-1', '--format=%an <%ae>')).toBe(
      'Jane <jane@acme.test>',
    );
    // isomorphic-git reading the same repository agrees, and the old revision is intact.
    const log = await git.log({
      fs,
      gitdir: store.gitdir('acme-edu', 'fleet'),
    });
    expect(log.map(l => l.oid)).toEqual([result.sha, headSha]);
    expect(
      await store.readFile(
        'acme-edu',
        'fleet',
        'instances/a/config.yml',
        headSha,
      ),
    ).toBe('A: 1\n');
    expect(
      await store.readFile('acme-edu', 'fleet', 'instances/a/config.yml'),
    ).toBeUndefined();

    // Nothing changed: no commit, no push.
    const same = await store.commitFiles('acme-edu', 'fleet', {
      message: 'noop',
      changes: { 'instances/b/config.yml': 'B: 2\n' },
    });
    expect(same).toEqual({ sha: result.sha, changedPaths: [] });
    expect(pushes).toHaveLength(2);
  });

  it('commits to other branches and serialises concurrent commits without losing any', async () => {
    await store.createRepository('acme-edu', 'fleet', {
      files: { 'a.txt': 'a\n' },
    });
    const main = await store.headSha('acme-edu', 'fleet');
    await store.updateRef('acme-edu', 'fleet', 'refs/heads/feature', main, {
      mode: 'create',
    });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.commitFiles('acme-edu', 'fleet', {
          branch: 'feature',
          message: `f${i}`,
          changes: { [`f/${i}.txt`]: `${i}\n` },
        }),
      ),
    );
    expect(
      await store.listFiles('acme-edu', 'fleet', 'f', 'feature'),
    ).toHaveLength(10);
    expect(cli('rev-list', '--count', 'feature')).toBe('11');
    expect(await store.headSha('acme-edu', 'fleet')).toBe(main);
    // One push for creating the branch, then one per commit, each on top of the last.
    const feature = pushes.filter(p => p.branch === 'feature');
    expect(feature).toHaveLength(11);
    expect(feature[0]).toMatchObject({ before: null, after: main });
    feature.slice(1).forEach((p, i) => expect(p.before).toBe(feature[i].after));
  });
});
