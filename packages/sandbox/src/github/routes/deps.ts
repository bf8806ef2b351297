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
  req: { params: Record<string, string>; privateAccess: boolean },
  owner = req.params.owner,
  repo = req.params.repo,
): RepositoryInfo {
  const info = deps.git.getRepository(owner, repo);
  if (!info || (info.private && !req.privateAccess)) throw notFound();
  return info;
}
