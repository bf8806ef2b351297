import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Octokit } from '@octokit/rest';
import { startTestGitHub } from '../testing';
import type { TestGitHub } from '../testing';

const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

describe('repos/download-tarball-archive', () => {
  let gh: TestGitHub;
  let octokit: Octokit;
  let sha: string;

  beforeAll(async () => {
    gh = await startTestGitHub();
    octokit = new Octokit({ baseUrl: gh.url, auth: gh.token, log });
    const created = await gh.git.createRepository('acme-edu', 'cluster', {
      private: true,
      files: {
        'README.md': 'cluster\n',
        'instances/demo/config.yml': 'LMS_HOST: demo.test\n',
        'instances/demo/application.yml': 'kind: Application\n',
      },
    });
    sha = created.headSha;
    await gh.git.createRepository('acme-edu', 'public-repo', {
      files: { 'a.txt': 'a\n' },
    });
  }, 60_000);
  afterAll(async () => {
    await gh?.stop();
  }, 30_000);

  /** The archive's entries and one file's content, read with the system's tar. */
  function readArchive(data: ArrayBuffer, file: string) {
    const archive = path.join(gh.dir, `archive-${Date.now()}.tar.gz`);
    fs.writeFileSync(archive, Buffer.from(data));
    const entries = execFileSync('tar', ['-tzf', archive], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    const content = execFileSync('tar', ['-xzOf', archive, file], {
      encoding: 'utf8',
    });
    return { entries, content };
  }

  it('answers 302 to a download of git archive under <owner>-<repo>-<sha7>/, which fetch follows', async () => {
    const redirect = await fetch(
      `${gh.url}/repos/acme-edu/cluster/tarball/main`,
      {
        headers: { authorization: `token ${gh.token}` },
        redirect: 'manual',
      },
    );
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!);
    // A private repository's link carries a token of its own, as codeload's do.
    expect(location.pathname).toBe(
      '/_codeload/acme-edu/cluster/legacy.tar.gz/refs/heads/main',
    );
    expect(location.searchParams.get('token')).toMatch(/^[0-9A-F]{40}$/);

    const { data, status, headers } =
      await octokit.rest.repos.downloadTarballArchive({
        owner: 'acme-edu',
        repo: 'cluster',
        ref: 'main',
      });
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/x-gzip');
    const root = `acme-edu-cluster-${sha.slice(0, 7)}`;
    const { entries, content } = readArchive(
      data as ArrayBuffer,
      `${root}/instances/demo/config.yml`,
    );
    expect(entries).toEqual(
      expect.arrayContaining([
        `${root}/`,
        `${root}/README.md`,
        `${root}/instances/demo/config.yml`,
        `${root}/instances/demo/application.yml`,
      ]),
    );
    expect(content).toBe('LMS_HOST: demo.test\n');
  });

  it('costs one API request; the download itself needs no Authorization and costs nothing', async () => {
    const before = await octokit.rest.rateLimit.get();
    const redirect = await fetch(
      `${gh.url}/repos/acme-edu/cluster/tarball/${sha}`,
      { headers: { authorization: `token ${gh.token}` }, redirect: 'manual' },
    );
    const download = await fetch(redirect.headers.get('location')!);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    const after = await octokit.rest.rateLimit.get();
    expect(after.data.rate.used).toBe(before.data.rate.used + 1);
  });

  it('refuses a private download without its token or after five minutes', async () => {
    const redirect = await fetch(
      `${gh.url}/repos/acme-edu/cluster/tarball/main`,
      {
        headers: { authorization: `token ${gh.token}` },
        redirect: 'manual',
      },
    );
    const location = new URL(redirect.headers.get('location')!);
    const bare = new URL(location.pathname, gh.url);
    expect((await fetch(bare)).status).toBe(404);
    gh.clock.advance(5 * 60_000 + 1);
    expect((await fetch(location)).status).toBe(404);
    // A public repository's link carries no token.
    const open = await fetch(
      `${gh.url}/repos/acme-edu/public-repo/tarball/main`,
      {
        headers: { authorization: `token ${gh.token}` },
        redirect: 'manual',
      },
    );
    expect(new URL(open.headers.get('location')!).search).toBe('');
  });

  it('answers 404 for an unknown ref or repository', async () => {
    for (const [repo, ref] of [
      ['cluster', 'no-such-branch'],
      ['no-such-repo', 'main'],
    ]) {
      await expect(
        octokit.rest.repos.downloadTarballArchive({
          owner: 'acme-edu',
          repo,
          ref,
        }),
      ).rejects.toMatchObject({ status: 404 });
    }
  });
});
