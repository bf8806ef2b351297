export { GitStore, GitStoreError } from './gitStore';
export type {
  PushEvent,
  RepositoryInfo,
  CommitInfo,
  TreeItem,
  TreeEdit,
  DiffEntry,
  GitPerson,
} from './gitStore';
export { createGitHubApi, SANDBOX_LOGIN } from './api';
export type { GitHubApi, GitHubApiOptions } from './api';
export { JWT_MESSAGES, SandboxGitHubApps } from './routes/apps';
export type {
  SandboxGitHubAppInfo,
  SandboxGitHubAppInstallation,
  SandboxGitHubAppOptions,
} from './routes/apps';
export { CODELOAD_PATH } from './routes/tarball';
export { Actions, RUN_TIMINGS } from './actions';
export type {
  WorkflowRun,
  WorkflowInfo,
  RunStatus,
  RunConclusion,
} from './actions';
export {
  PICASSO_BUILD_WORKFLOW,
  PICASSO_WORKFLOW_PATH,
  IMAGE_KEYS,
  retagManifests,
} from './picasso';
export { GitHubSpec, GITHUB_SPEC_PATH } from './openapi';
export type { SchemaError } from './openapi';
export { RateLimiter } from './http';
