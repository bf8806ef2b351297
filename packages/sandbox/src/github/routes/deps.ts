import type { SandboxClock } from '../../clock';
import type { Actions } from '../actions';
import type { GitStore, RepositoryInfo } from '../gitStore';
import { notFound } from '../http';
import type { PullRequests } from '../pulls';

/** What the route handlers share (built once by createGitHubApi). */
export interface ApiDeps {
  git: GitStore;
  clock: SandboxClock;
  pulls: PullRequests;
  actions: Actions;
  login: string;
  ownerType(owner: string): 'User' | 'Organization';
}

/** The repository named by the path, or GitHub's 404. */
export function requireRepo(deps: ApiDeps, params: Record<string, string>): RepositoryInfo {
  const info = deps.git.getRepository(params.owner, params.repo);
  if (!info) throw notFound();
  return info;
}
