import { Octokit } from '@octokit/rest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';

/** Octokit logs failed requests; a 304 is one for it. */
const log = { debug() {}, info() {}, warn() {}, error() {} };
const repo = { owner: 'acme-edu', repo: 'conditional-demo' };

let sandbox: Sandbox;
let octokit: Octokit;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  octokit = new Octokit({
    baseUrl: sandbox.github.url,
    auth: sandbox.github.token,
    log,
  });
  await sandbox.git.createRepository(repo.owner, repo.repo, {
    files: { 'config.yml': 'A: 1\n' },
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
}, 30_000);

/** The status of a conditional GET of the repository (octokit throws on 304). */
async function statusOf(headers: Record<string, string>): Promise<number> {
  try {
    return (await octokit.repos.get({ ...repo, headers })).status;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('conditional requests', () => {
  it('compares ETags weakly: W/ optional on either side, lists and *', async () => {
    const { headers } = await octokit.repos.get(repo);
    const etag = headers.etag!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const strong = etag.slice(2);
    expect(await statusOf({ 'if-none-match': etag })).toBe(304);
    expect(await statusOf({ 'if-none-match': strong })).toBe(304);
    expect(await statusOf({ 'if-none-match': `"nope", ${strong}` })).toBe(304);
    expect(await statusOf({ 'if-none-match': `W/"nope",${etag}` })).toBe(304);
    expect(await statusOf({ 'if-none-match': '*' })).toBe(304);
    expect(await statusOf({ 'if-none-match': '"nope"' })).toBe(200);
    expect(await statusOf({ 'if-none-match': 'W/"nope"' })).toBe(200);
  });

  it('answers If-Modified-Since from Last-Modified on the repository (its updated_at)', async () => {
    const { headers, data } = await octokit.repos.get(repo);
    const lastModified = headers['last-modified']!;
    expect(lastModified).toBe(new Date(data.updated_at).toUTCString());
    expect(await statusOf({ 'if-modified-since': lastModified })).toBe(304);
    const later = new Date(Date.parse(lastModified) + 60_000).toUTCString();
    expect(await statusOf({ 'if-modified-since': later })).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 1_000).toUTCString();
    expect(await statusOf({ 'if-modified-since': earlier })).toBe(200);
    expect(await statusOf({ 'if-modified-since': 'not a date' })).toBe(200);
    // Both validators sent: both must hold (Rails' fresh?).
    expect(
      await statusOf({
        'if-none-match': headers.etag!,
        'if-modified-since': earlier,
      }),
    ).toBe(200);
    expect(
      await statusOf({
        'if-none-match': headers.etag!,
        'if-modified-since': lastModified,
      }),
    ).toBe(304);
  });

  it('sends Last-Modified on contents, commits and branches, and a new commit makes them 200 again', async () => {
    const head = await sandbox.git.headSha(repo.owner, repo.repo);
    const commitDate = (
      await sandbox.git.readCommit(repo.owner, repo.repo, head)
    ).committer.date.toUTCString();
    const contents = await octokit.repos.getContent({
      ...repo,
      path: 'config.yml',
    });
    const reads = [
      contents,
      await octokit.repos.getContent({ ...repo, path: '' }),
      await octokit.repos.getCommit({ ...repo, ref: head }),
      await octokit.git.getCommit({ ...repo, commit_sha: head }),
      await octokit.repos.getBranch({ ...repo, branch: 'main' }),
    ];
    for (const r of reads) expect(r.headers['last-modified']).toBe(commitDate);

    const remainingBefore = Number(contents.headers['x-ratelimit-remaining']);
    const unchanged = await octokit.repos
      .getContent({
        ...repo,
        path: 'config.yml',
        headers: { 'if-modified-since': commitDate },
      })
      .catch(
        (e: {
          status: number;
          response: { headers: Record<string, string> };
        }) => e,
      );
    expect(unchanged.status).toBe(304);
    // Four reads after `contents` were counted; the 304 is not.
    expect(
      Number(
        (unchanged as { response: { headers: Record<string, string> } })
          .response.headers['x-ratelimit-remaining'],
      ),
    ).toBe(remainingBefore - 4);

    // Raw file content has an ETag and Last-Modified too.
    const raw = await octokit.repos.getContent({
      ...repo,
      path: 'config.yml',
      mediaType: { format: 'raw' },
    });
    expect(String(raw.data)).toBe('A: 1\n');
    expect(raw.headers.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(raw.headers['last-modified']).toBe(commitDate);
    const rawAgain = await octokit.repos
      .getContent({
        ...repo,
        path: 'config.yml',
        mediaType: { format: 'raw' },
        headers: { 'if-none-match': `W/${raw.headers.etag}` },
      })
      .catch((e: { status: number }) => e);
    expect(rawAgain.status).toBe(304);

    sandbox.clock.advance(120_000);
    await sandbox.git.commitFiles(repo.owner, repo.repo, {
      message: 'change',
      changes: { 'config.yml': 'A: 2\n' },
    });
    const changed = await octokit.repos.getContent({
      ...repo,
      path: 'config.yml',
      headers: { 'if-modified-since': commitDate },
    });
    expect(changed.status).toBe(200);
    expect(Date.parse(changed.headers['last-modified']!)).toBeGreaterThan(
      Date.parse(commitDate),
    );
  });
});
