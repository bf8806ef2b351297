import { InputError, NotFoundError } from '@backstage/errors';
import {
  githubError,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import YAML from 'yaml';
import { kubernetesStatus } from './shared';

/** The Secret holding an instance's generated passwords when they stay out of git. */
export const instanceSecretName = (slug: string) =>
  `launchpad-${slug}-credentials`;

/** Labels of every object the portal creates in an instance namespace. */
export const instanceLabels = (slug: string) => ({
  'app.kubernetes.io/managed-by': 'launchpad-portal',
  'launchpad.openedx.org/instance': slug,
});

/**
 * Creates `<slug>` when missing (the labels the portal uses); true when it
 * created it. An existing namespace is left as it is.
 */
export async function ensureNamespace(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<boolean> {
  return createOrKeep(() =>
    cluster.kubernetes.core.createNamespace({
      body: { metadata: { name: slug, labels: instanceLabels(slug) } },
    }),
  );
}

/** Runs a create; true when it created, false when the object was already there (409). */
export async function createOrKeep(create: () => Promise<unknown>) {
  try {
    await create();
    return true;
  } catch (error) {
    if (kubernetesStatus(error) === 409) return false;
    throw error;
  }
}

/**
 * Writes the generated passwords into the instance's Secret (the namespace
 * is created first when missing). An existing Secret is kept (a retried task
 * must not change passwords already handed out); false then.
 */
export async function writeInstanceSecret(
  cluster: LaunchpadCluster,
  slug: string,
  secrets: Record<string, string>,
): Promise<boolean> {
  await ensureNamespace(cluster, slug);
  return createOrKeep(() =>
    cluster.kubernetes.core.createNamespacedSecret({
      namespace: slug,
      body: {
        metadata: {
          name: instanceSecretName(slug),
          labels: instanceLabels(slug),
        },
        type: 'Opaque',
        // `data` (base64) rather than `stringData`: the API server merges
        // stringData into data, the sandbox does not (yet); both read data.
        data: Object.fromEntries(
          Object.entries(secrets).map(([k, v]) => [
            k,
            Buffer.from(v, 'utf8').toString('base64'),
          ]),
        ),
      },
    }),
  );
}

/**
 * The instance's secret config values by key, read where the create action
 * put them: the instance Secret when it exists, otherwise config.yml in the
 * cluster repository (read raw: the clusters service's reader strips
 * secrets on purpose), on `branch` when given (a pull request's, before it
 * is merged). Values are never logged.
 */
export async function readInstanceSecrets(
  cluster: LaunchpadCluster,
  slug: string,
  keys: string[],
  branch?: string,
): Promise<Record<string, string>> {
  const fromSecret = await readSecret(cluster, slug);
  const source = fromSecret ?? (await readConfigYaml(cluster, slug, branch));
  const values: Record<string, string> = {};
  for (const key of keys) {
    const value = source[key];
    if (value === undefined || value === null || value === '') {
      throw new NotFoundError(
        `${key} of ${slug} is neither in Secret ${slug}/${instanceSecretName(
          slug,
        )} nor in instances/${slug}/config.yml on ${cluster.name}`,
      );
    }
    values[key] = String(value);
  }
  return values;
}

async function readSecret(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const secret = await cluster.kubernetes.core.readNamespacedSecret({
      namespace: slug,
      name: instanceSecretName(slug),
    });
    // The API returns `data` base64-encoded (stringData is write-only).
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
  } catch (error) {
    if (kubernetesStatus(error) === 404) return undefined;
    throw error;
  }
}

/** instances/<slug>/config.yml as written, secrets included, on `branch` (default the cluster's); NotFoundError when absent. */
export async function readConfigYaml(
  cluster: LaunchpadCluster,
  slug: string,
  branch = cluster.repository.branch,
): Promise<Record<string, unknown>> {
  const { owner, repo } = cluster.repository;
  const octokit = await cluster.repository.octokit();
  // GET /repos/{owner}/{repo}/contents/{path} with the raw media type
  // answers the file's text (docs.github.com/en/rest/repos/contents).
  const path = `instances/${slug}/config.yml`;
  let text: unknown;
  try {
    const response = await octokit.rest.repos.getContent({
      owner,
      repo,
      path,
      ref: branch,
      mediaType: { format: 'raw' },
    });
    text = response.data;
  } catch (error) {
    throw githubError(error, {
      action: `read ${path}`,
      cluster: cluster.name,
      repository: `${owner}/${repo}`,
    });
  }
  if (typeof text !== 'string') {
    throw new NotFoundError(`${path} is not a file`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch {
    // yaml's message quotes the offending line, which may hold a secret.
    throw new InputError(`${path} does not parse as YAML`);
  }
  return parsed && typeof parsed === 'object'
    ? (parsed as Record<string, unknown>)
    : {};
}
