import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createGzip } from 'node:zlib';
import express from 'express';
import type { Request, Response } from 'express';
import { notFound } from '../http';
import type { RouteDef } from '../http';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';

/**
 * Where the sandbox serves archives: its stand-in for GitHub's download host
 * (codeload.github.com; `/_codeload` on GitHub Enterprise Server).
 */
export const CODELOAD_PATH = '/_codeload';

/** GitHub: "For private repositories, these links are temporary and expire after five minutes." */
const LINK_LIFETIME_MS = 5 * 60_000;

/**
 * `GET /repos/{owner}/{repo}/tarball/{ref}` as GitHub answers it: a 302 to
 * the download host (`<CODELOAD_PATH>/{owner}/{repo}/legacy.tar.gz/{ref}`,
 * with a short-lived `?token=` for a private repository, as codeload's links
 * carry), which streams the gzip'd tar of the commit with every entry under
 * `{owner}-{repo}-{7-char sha}/` and the commit sha in the pax global
 * header, as GitHub's are: it is `git archive` of the commit, run on the
 * store's bare repository (GitHub builds archives with git archive too).
 * Download requests are not API requests: they cost no rate limit and take
 * no Authorization header.
 * https://docs.github.com/rest/repos/contents#download-a-repository-archive-tar
 */
export function tarballDownloads(deps: ApiDeps): {
  routes: RouteDef[];
  /** Mount at CODELOAD_PATH, before authentication. */
  router: express.Router;
} {
  const { git, clock } = deps;
  const links = new Map<
    string,
    { owner: string; repo: string; expiresAt: number }
  >();

  const routes: RouteDef[] = [
    {
      operationId: 'repos/download-tarball-archive',
      greedy: 'ref',
      handler: async req => {
        const info = requireRepo(deps, req);
        const ref = req.params.ref ?? '';
        const sha = await git.resolveCommitish(info.owner, info.name, ref);
        if (!sha) throw notFound();
        // codeload names a branch by its full ref, anything else as given.
        const isBranch =
          !ref.startsWith('refs/') &&
          ref !== sha &&
          (await git.resolveCommitish(
            info.owner,
            info.name,
            `refs/heads/${ref}`,
          )) !== undefined;
        const path = `${CODELOAD_PATH}/${info.owner}/${
          info.name
        }/legacy.tar.gz/${isBranch ? `refs/heads/${ref}` : ref}`;
        let query = '';
        if (info.private) {
          for (const [t, link] of links) {
            if (link.expiresAt <= clock.nowMs()) links.delete(t);
          }
          const token = randomBytes(20).toString('hex').toUpperCase();
          links.set(token, {
            owner: info.owner.toLowerCase(),
            repo: info.name.toLowerCase(),
            expiresAt: clock.nowMs() + LINK_LIFETIME_MS,
          });
          query = `?token=${token}`;
        }
        return {
          status: 302,
          headers: { location: `${req.urls.api}${path}${query}` },
        };
      },
    },
  ];

  const router = express.Router();
  router.get(
    '/:owner/:repo/legacy.tar.gz/*',
    async (req: Request, res: Response) => {
      // Downloads are not API requests: no rate limit is spent on them.
      res.locals.uncounted = true;
      const { owner, repo } = req.params;
      const ref = (req.params as Record<string, string>)[0];
      // codeload answers in plain text, not the API's JSON.
      const missing = () =>
        res.status(404).type('text/plain').send('404: Not Found');
      const info = git.getRepository(owner, repo);
      if (!info) {
        missing();
        return;
      }
      if (info.private) {
        const token =
          typeof req.query.token === 'string' ? req.query.token : '';
        const link = links.get(token);
        if (
          !link ||
          link.expiresAt <= clock.nowMs() ||
          link.owner !== owner.toLowerCase() ||
          link.repo !== repo.toLowerCase()
        ) {
          missing();
          return;
        }
      }
      const sha = ref
        ? await git.resolveCommitish(info.owner, info.name, ref)
        : undefined;
      if (!sha) {
        missing();
        return;
      }
      const root = `${info.owner}-${info.name}-${sha.slice(0, 7)}`;
      const archive = spawn(
        'git',
        [
          '--git-dir',
          git.gitdir(info.owner, info.name),
          'archive',
          '--format=tar',
          `--prefix=${root}/`,
          sha,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      archive.stderr.on('data', chunk => {
        stderr += String(chunk);
      });
      archive.on('error', error => {
        // git not found: nothing was written yet.
        if (!res.headersSent) {
          res
            .status(500)
            .type('text/plain')
            .send(`Sandbox error: git archive: ${error.message}`);
        } else res.destroy(error);
      });
      archive.on('close', code => {
        if (code !== 0) {
          // Headers are out (the stream started): cut the body, as a
          // broken download is, so the client sees a truncated archive.
          res.destroy(new Error(`git archive exited ${code}: ${stderr}`));
        }
      });
      res.status(200).set({
        'content-type': 'application/x-gzip',
        'content-disposition': `attachment; filename=${root}.tar.gz`,
        etag: `"${sha}"`,
      });
      archive.stdout.pipe(createGzip()).pipe(res);
      res.on('close', () => {
        if (archive.exitCode === null) archive.kill();
      });
    },
  );
  return { routes, router };
}
