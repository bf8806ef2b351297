import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  instanceEntityRef,
  validateInstanceSlug,
} from '@internal/plugin-launchpad-common';
import { githubError, kubernetesError } from './errors';
import { requestErrorStatus } from './github';
import type {
  LaunchpadCluster,
  LaunchpadClustersService,
} from './service/types';

/**
 * The part of the catalog the check needs. `CatalogService` from
 * `@backstage/plugin-catalog-node` satisfies it; a structural type keeps
 * this library free of a catalog dependency.
 */
export interface InstanceAvailabilityCatalog {
  getEntityByRef(
    entityRef: string,
    options: { credentials: BackstageCredentials },
  ): Promise<unknown>;
}

/** Why a slug cannot be used, and which input to change. */
export interface InstanceAvailabilityReason {
  field: 'cluster' | 'slug';
  message: string;
}

/** What the form and `launchpad:instance:create` learn about a requested slug. */
export interface InstanceAvailability {
  /** No reason at all: the slug is valid and free in the cluster. */
  available: boolean;
  reasons: InstanceAvailabilityReason[];
  /** `<slug>.<domain>`, the LMS_HOST the instance would get (absent for an unknown cluster). */
  lmsHost?: string;
  /** `studio.<slug>.<domain>`, its CMS_HOST. */
  studioHost?: string;
  /** The instance namespace (the slug). */
  namespace: string;
}

export interface InstanceAvailabilityOptions {
  clusters: LaunchpadClustersService;
  catalog: InstanceAvailabilityCatalog;
  /** The caller's: the catalog answers only what they may see. */
  credentials: BackstageCredentials;
  /** A name from `launchpad.clusters` (checked against config, so it works before the catalog has ingested anything). */
  cluster: string;
  slug: string;
}

/**
 * The LMS and Studio hosts of an instance: the `LMS_HOST` and `CMS_HOST`
 * values `ConfigEditor.renderInstance` writes (its test pins them equal).
 */
export function instanceHosts(
  slug: string,
  domain: string,
): { lmsHost: string; studioHost: string } {
  return {
    lmsHost: `${slug}.${domain}`,
    studioHost: `studio.${slug}.${domain}`,
  };
}

/**
 * Whether a new instance may take `slug` in `cluster`: the one check behind
 * both the scaffolder form's live availability (the `launchpad` backend's
 * `/clusters/:cluster/availability`) and `launchpad:instance:create`, so the
 * form never promises what the action then refuses.
 *
 * The slug must be a valid instance slug (DNS-1123, 2–22 characters, not
 * reserved) and free everywhere it becomes a name: a folder in the cluster
 * repository, an entity in the catalog (`component:<cluster>/<slug>`), a
 * namespace in the cluster. The three remote checks run at once (the form
 * asks as the user types); an invalid slug or an unknown cluster skips them.
 * A failed read (GitHub or the cluster down) throws its typed error rather
 * than answering "available".
 */
export async function checkInstanceAvailability(
  options: InstanceAvailabilityOptions,
): Promise<InstanceAvailability> {
  const { clusters, catalog, credentials, slug } = options;
  const reasons: InstanceAvailabilityReason[] = [];
  const cluster = clusters.list().find(c => c.name === options.cluster);
  const hosts = cluster ? instanceHosts(slug, cluster.config.domain) : {};
  const result = () => ({
    available: reasons.length === 0,
    reasons,
    ...hosts,
    namespace: slug,
  });

  if (!cluster) {
    const names = clusters.list().map(c => c.name);
    reasons.push({
      field: 'cluster',
      message: `cluster "${
        options.cluster
      }" is not a Launchpad cluster; configured: ${names.join(', ') || 'none'}`,
    });
  }
  const slugCheck = validateInstanceSlug(slug);
  if (!slugCheck.ok) {
    reasons.push({
      field: 'slug',
      message: `slug "${slug}" is invalid: ${slugCheck.reason}`,
    });
  }
  if (!cluster || !slugCheck.ok) return result();

  const taken = (where: string): InstanceAvailabilityReason => ({
    field: 'slug',
    message: `slug "${slug}" is taken in ${cluster.name}: ${where}`,
  });
  const ref = instanceEntityRef(cluster.name, slug);
  const { owner, repo } = cluster.repository;
  const found = await Promise.all([
    instanceFolder(cluster, slug).then(path =>
      path ? taken(`${path} exists in ${owner}/${repo}`) : undefined,
    ),
    catalog
      .getEntityByRef(ref, { credentials })
      .then(entity => (entity ? taken(`${ref} is in the catalog`) : undefined)),
    namespaceExists(cluster, slug).then(exists =>
      exists ? taken(`namespace ${slug} exists`) : undefined,
    ),
  ]);
  for (const reason of found) if (reason) reasons.push(reason);
  return result();
}

/**
 * The instance folder's path, or undefined when the repository has none: one
 * REST contents lookup at the branch (404 when absent). Not a folder read
 * over GraphQL: Octokit's throttling spaces GraphQL requests a second apart
 * per credential, and the create step's one GraphQL request is its commit.
 */
async function instanceFolder(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<string | undefined> {
  const [owner, repo] = cluster.config.repository.split('/');
  const path = `instances/${slug}`;
  const octokit = await cluster.repository.octokit();
  try {
    // A file of that name takes the name too.
    await octokit.rest.repos.getContent({
      owner,
      repo,
      path,
      ref: cluster.config.branch,
    });
    return path;
  } catch (error) {
    if (requestErrorStatus(error) === 404) return undefined;
    throw githubError(error, {
      action: `check instance ${slug}`,
      cluster: cluster.name,
      repository: cluster.config.repository,
    });
  }
}

async function namespaceExists(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<boolean> {
  try {
    await cluster.kubernetes.core.readNamespace({ name: slug });
    return true;
  } catch (error) {
    const code =
      error !== null && typeof error === 'object' && 'code' in error
        ? (error as { code?: unknown }).code
        : undefined;
    if (code === 404) return false;
    throw kubernetesError(error, {
      action: `read namespace ${slug}`,
      cluster: cluster.name,
    });
  }
}
