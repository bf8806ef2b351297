import type { SandboxClock } from '../../clock';
import type { Actions } from '../actions';
import type { GitStore, RepositoryInfo } from '../gitStore';
import { notFound } from '../http';
import type { RateLimiter } from '../http';
import type { PullRequests } from '../pulls';

/** What the route handlers share (built once by createGitHubApi). */
export interface ApiDeps {
  git: GitStore;
  clock: SandboxClock;
  pulls: PullRequests;
  actions: Actions;
  login: string;
  ownerType(owner: string): 'User' | 'Organization';
  /** Primary rate-limit accounting (for `GET /rate_limit`). */
  rateLimiter: RateLimiter;
  /** The main sandbox token. */
  token: string;
}

/**
 * The repository named by the path, or GitHub's 404 — also for a private
 * repository the caller's token cannot see (GitHub does not say it exists).
 */
export function requireRepo(
  deps: ApiDeps,
  req: RepositoryViewer & { params: Record<string, string> },
  owner = req.params.owner,
  repo = req.params.repo,
): RepositoryInfo {
  const info = deps.git.getRepository(owner, repo);
  if (!info || !canSee(req, info)) throw notFound();
  return info;
}

/** What decides which private repositories a caller sees. */
export interface RepositoryViewer {
  privateAccess: boolean;
  repositoryAccess?: (owner: string, name: string) => boolean;
}

/**
 * Public repositories are visible to every token (also an App
 * installation's, read-only on GitHub); private ones only to a token that
 * may see them, and for an installation only those it was granted.
 */
export function canSee(viewer: RepositoryViewer, info: RepositoryInfo) {
  if (!info.private) return true;
  return (
    viewer.privateAccess &&
    (viewer.repositoryAccess?.(info.owner, info.name) ?? true)
  );
}
