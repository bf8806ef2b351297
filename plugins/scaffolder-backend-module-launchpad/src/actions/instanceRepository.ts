import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ClusterRepositoryWriter,
  ConfigEditor,
  githubError,
  requestErrorStatus,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { sleep } from './shared';

/*
 * `launchpad:instance:create` into a new repository generated from a
 * template repository (GitHub's "Create a repository using a template",
 * `POST /repos/{template_owner}/{template_repo}/generate`).
 *
 * The new repository is reached with the cluster repository's GitHub
 * credential (the clusters service's Octokit for it: one client and one
 * rate-limit budget per credential), so it must belong to the same owner:
 * a GitHub App installation is per owner, and a token's reach beyond that
 * owner is not something the portal can check up front.
 */

/** An `owner/name` repository input. */
export interface RepositoryName {
  owner: string;
  repo: string;
}

/** What the generate step leaves for the commit step (plain JSON: a checkpoint's value). */
export interface GeneratedRepository {
  owner: string;
  repo: string;
  /** The default branch, which ArgoCD tracks. */
  branch: string;
  htmlUrl: string;
  /** False when an earlier attempt of this task had created it. */
  created: boolean;
}

const NAME = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

/** `owner/name` from an input field; InputError naming the field and the value otherwise. */
export function parseRepositoryName(
  field: string,
  value: string,
): RepositoryName {
  const trimmed = value.trim().replace(/\.git$/, '');
  if (!NAME.test(trimmed)) {
    throw new InputError(
      `${field} "${value}" is not a GitHub repository; use owner/name`,
    );
  }
  const [owner, repo] = trimmed.split('/');
  return { owner, repo };
}

const fullName = (r: RepositoryName) => `${r.owner}/${r.repo}`;

/**
 * Checks made before any side effect: the template repository exists and is
 * a template (GitHub's docs say to check `is_template` on "Get a
 * repository"), the new repository is under the cluster repository's owner,
 * and its name is free. InputError naming the field and the value.
 */
export async function checkNewRepository(
  cluster: LaunchpadCluster,
  template: RepositoryName,
  target: RepositoryName,
): Promise<void> {
  const owner = cluster.repository.owner;
  if (target.owner.toLowerCase() !== owner.toLowerCase()) {
    throw new InputError(
      `repository "${fullName(target)}" must belong to ${owner}, the owner of ${
        cluster.name
      }'s cluster repository: it is written with that repository's GitHub credential`,
    );
  }
  const found = await getRepository(cluster, template);
  if (!found) {
    throw new InputError(
      `templateRepository "${fullName(
        template,
      )}" does not exist (or the GitHub credential of ${
        cluster.name
      } cannot see it)`,
    );
  }
  if (!found.is_template) {
    throw new InputError(
      `templateRepository "${fullName(
        template,
      )}" is not a template repository (Settings → Template repository)`,
    );
  }
  if (await getRepository(cluster, target)) {
    throw new InputError(
      `repository "${fullName(target)}" already exists; choose a new name`,
    );
  }
}

/**
 * Generates the repository (private: config.yml may hold the generated
 * passwords). When GitHub answers 422 "name already exists" it reads the
 * repository: one generated from the same template is this task's own, made
 * by an attempt whose answer was lost (the check earlier in the task found
 * the name free), and is kept.
 */
export async function generateRepository(
  cluster: LaunchpadCluster,
  template: RepositoryName,
  target: RepositoryName,
  description: string,
): Promise<GeneratedRepository> {
  const octokit = await cluster.repository.octokit();
  const context = {
    action: `create ${fullName(target)} from ${fullName(template)}`,
    cluster: cluster.name,
    repository: fullName(target),
  };
  try {
    const { data } = await octokit.rest.repos.createUsingTemplate({
      template_owner: template.owner,
      template_repo: template.repo,
      owner: target.owner,
      name: target.repo,
      description,
      private: true,
    });
    return {
      owner: data.owner.login,
      repo: data.name,
      branch: data.default_branch ?? 'main',
      htmlUrl: data.html_url,
      created: true,
    };
  } catch (error) {
    if (requestErrorStatus(error) !== 422) throw githubError(error, context);
    const existing = await getRepository(cluster, target);
    const from = existing?.template_repository?.full_name?.toLowerCase();
    if (!existing || from !== fullName(template).toLowerCase()) {
      throw githubError(error, context);
    }
    return {
      owner: existing.owner.login,
      repo: existing.name,
      branch: existing.default_branch,
      htmlUrl: existing.html_url,
      created: false,
    };
  }
}

/**
 * The editor and writer for the generated repository: the clusters
 * service's ConfigEditor and one-commit writer, pointed at it, on the
 * cluster repository's Octokit. ArgoCD's `repoURL` keeps the scheme and host
 * the cluster's own Applications use.
 */
export function repositoryTarget(
  cluster: LaunchpadCluster,
  generated: GeneratedRepository,
  slug: string,
  logger: LoggerService,
) {
  const clusterApp = cluster.repository.editor.application(slug) as {
    spec: { source: { repoURL: string } };
  };
  const repoUrl = new URL(clusterApp.spec.source.repoURL);
  repoUrl.pathname = `/${generated.owner}/${generated.repo}.git`;
  const editor = new ConfigEditor({
    cluster: cluster.name,
    environment: cluster.config.environment,
    domain: cluster.config.domain,
    repoUrl: repoUrl.toString(),
    branch: generated.branch,
  });
  const writer = new ClusterRepositoryWriter({
    octokit: cluster.repository.octokit,
    owner: generated.owner,
    repo: generated.repo,
    branch: generated.branch,
    logger,
    cluster: cluster.name,
  });
  return { editor, writer };
}

/**
 * Waits until the generated repository's branch exists. GitHub fills a
 * generated repository after answering 201: until then its refs answer 409
 * "Git Repository is empty" (seen in rollthecloudinc/hedge#251 right after
 * generate; google/go-github#2291 describes the same eventual consistency).
 * Bounded: `timeoutMs`, then the last error.
 */
export async function waitForBranch(
  writer: ClusterRepositoryWriter,
  branch: string,
  options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal },
): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      return await writer.readHead(branch);
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const notYet = name === 'NotFoundError' || name === 'ConflictError';
      if (!notYet || Date.now() >= deadline) throw error;
    }
    await sleep(options.intervalMs ?? 1000, options.signal);
  }
}

/** Whether `path` is in the generated repository's branch (a retried task's own commit). */
export async function hasFile(
  cluster: LaunchpadCluster,
  generated: GeneratedRepository,
  path: string,
): Promise<boolean> {
  const octokit = await cluster.repository.octokit();
  try {
    await octokit.rest.repos.getContent({
      owner: generated.owner,
      repo: generated.repo,
      path,
      ref: generated.branch,
    });
    return true;
  } catch (error) {
    if (requestErrorStatus(error) === 404) return false;
    throw githubError(error, {
      action: `read ${path}`,
      cluster: cluster.name,
      repository: `${generated.owner}/${generated.repo}`,
    });
  }
}

async function getRepository(cluster: LaunchpadCluster, name: RepositoryName) {
  const octokit = await cluster.repository.octokit();
  try {
    return (
      await octokit.rest.repos.get({ owner: name.owner, repo: name.repo })
    ).data;
  } catch (error) {
    if (requestErrorStatus(error) === 404) return undefined;
    throw githubError(error, {
      action: `read repository ${fullName(name)}`,
      cluster: cluster.name,
      repository: fullName(name),
    });
  }
}
