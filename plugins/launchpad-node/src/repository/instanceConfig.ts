import { InputError, NotFoundError } from '@backstage/errors';
import {
  isDns1123Label,
  parseArgocdApplication,
  parseInstanceConfig,
  stripSecrets,
  type ArgocdApplicationManifest,
  type InstanceConfig,
} from '@internal/plugin-launchpad-common';
import type { Octokit } from '@octokit/rest';
import { parse as parseYaml, YAMLError } from 'yaml';
import { githubError } from '../errors';
import { requestErrorStatus } from '../github';

/*
 * The one reading of an instance folder's config.yml and application.yml:
 * YAML-parsed, secrets stripped (launchpad-common's isSecretConfigKey rule),
 * validated with launchpad-common's schemas. The catalog provider parses the
 * folders its reader fetched with parseInstanceFiles; other modules read one
 * instance with readInstance(slug) on the cluster's repository handle.
 */

/** Folder reads kept per reader (by commit and slug): a few hundred small parsed objects. */
const READ_CACHE_SIZE = 256;

/** The files of an instance folder this module reads. */
export const INSTANCE_FILES = ['config.yml', 'application.yml'] as const;
export type InstanceFileName = (typeof INSTANCE_FILES)[number];

/** Why one file of an instance folder could not be used. */
export interface InstanceFileError {
  file: InstanceFileName;
  /** One line naming the file and the problem, never a value from it (e.g. `config.yml is invalid: LMS_HOST: is required`). */
  message: string;
}

export interface ParsedInstanceFiles {
  /** config.yml, validated, without secret keys or secret-looking values. */
  config?: InstanceConfig;
  /** application.yml, validated; absent while Launchpad is still creating the folder. */
  application?: ArgocdApplicationManifest;
  /** One per malformed or missing file; the instance is still an instance. */
  errors: InstanceFileError[];
}

type Parsed<T> = { value?: T; error?: string };

/** Parses YAML text; the error keeps only YAML's first line (never the offending source line, which may hold a secret). */
function parseYamlText(text: string, file: string): Parsed<unknown> {
  try {
    return { value: parseYaml(text) };
  } catch (error) {
    const message =
      error instanceof YAMLError
        ? error.message.split('\n')[0].replace(/:\s*$/, '')
        : 'unreadable YAML';
    return { error: `${file} is not valid YAML: ${message}` };
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readConfig(text: string | undefined): Parsed<InstanceConfig> {
  if (text === undefined) return { error: 'config.yml is missing' };
  const yaml = parseYamlText(text, 'config.yml');
  if (yaml.error) return { error: yaml.error };
  // Secrets go before validation, so no schema message can quote one.
  const document = isMapping(yaml.value)
    ? stripSecrets(yaml.value)
    : yaml.value;
  const result = parseInstanceConfig(document);
  return result.ok
    ? { value: result.value }
    : { error: `config.yml is invalid: ${result.reason}` };
}

function readApplication(
  text: string | undefined,
): Parsed<ArgocdApplicationManifest> {
  // A folder Launchpad is still creating may not have it yet: not an error.
  if (text === undefined) return {};
  const yaml = parseYamlText(text, 'application.yml');
  if (yaml.error) return { error: yaml.error };
  const result = parseArgocdApplication(yaml.value);
  return result.ok
    ? { value: result.value }
    : { error: `application.yml is invalid: ${result.reason}` };
}

/**
 * Parses and validates an instance folder's files (name → UTF-8 text; a
 * missing name is a missing file). Never throws: problems are in `errors`.
 */
export function parseInstanceFiles(
  files: Partial<Record<string, string>>,
): ParsedInstanceFiles {
  const config = readConfig(files['config.yml']);
  const application = readApplication(files['application.yml']);
  const errors: InstanceFileError[] = [];
  if (config.error) errors.push({ file: 'config.yml', message: config.error });
  if (application.error)
    errors.push({ file: 'application.yml', message: application.error });
  return { config: config.value, application: application.value, errors };
}

/** One instance folder as `readInstance(slug)` read it. */
export interface InstanceConfigRead extends ParsedInstanceFiles {
  slug: string;
  /** `instances/<slug>` */
  path: string;
  /** The branch head the folder was read at (a writer's fast-forward check). */
  commitSha: string;
  /** Git tree SHA of the folder. */
  treeSha: string;
  /** Blob SHA of each instance file that exists, by name. */
  blobShas: Partial<Record<InstanceFileName, string>>;
}

export interface InstanceReaderOptions {
  /** The Octokit of the repository's credential, asked for per read (App installation tokens expire). */
  octokit: () => Promise<Octokit>;
  owner: string;
  repo: string;
  branch: string;
  /** Folder holding one folder per instance; default `instances`. */
  instancesPath?: string;
  /** The cluster's name, for error messages. */
  cluster?: string;
}

interface FolderQuery {
  repository: {
    object: {
      __typename: string;
      oid?: string;
      entries?: Array<{
        name: string;
        type: string;
        oid: string;
        object: {
          text?: string | null;
          isBinary?: boolean | null;
          isTruncated?: boolean;
        } | null;
      }>;
    } | null;
  } | null;
}

/**
 * `readInstance(slug)` for one cluster repository: two GitHub requests (the
 * branch head over REST, then the folder's tree and both files' texts in one
 * GraphQL query at that commit, so the files and `commitSha` agree). A file
 * GraphQL gives no text for (over its size limit) is read over REST.
 * InputError for a slug that cannot be a folder name, NotFoundError when the
 * branch or the folder does not exist, and GitHub's other failures typed by
 * `githubError` (ServiceUnavailableError for 5xx or no answer, ...), naming
 * the cluster, the repository and the instance.
 */
export function createInstanceReader(
  options: InstanceReaderOptions,
): (slug: string) => Promise<InstanceConfigRead> {
  const { owner, repo, branch } = options;
  const instancesPath = (options.instancesPath ?? 'instances').replace(
    /\/+$/,
    '',
  );
  // Octokit's throttling plugin spaces every GraphQL request of a credential
  // (reads too) at least a second apart, and the actions of one task read the
  // same folder several times between commits. A commit never changes, so
  // what was read at a commit is kept (parsed, secrets already stripped) and a
  // read at the same branch head costs only the REST branch lookup.
  const readAt = new Map<string, InstanceConfigRead | string>();
  const remember = (key: string, value: InstanceConfigRead | string) => {
    if (readAt.size >= READ_CACHE_SIZE) {
      readAt.delete(readAt.keys().next().value!);
    }
    readAt.set(key, value);
  };
  return async slug => {
    if (!isDns1123Label(slug)) {
      throw new InputError(
        `Invalid instance slug "${slug}": must be a DNS-1123 label (lowercase letters, digits, hyphens)`,
      );
    }
    const path = `${instancesPath}/${slug}`;
    const context = {
      action: `read instance ${slug}`,
      cluster: options.cluster,
      repository: `${owner}/${repo}`,
    };
    const octokit = await options.octokit();
    let commitSha: string;
    try {
      const ref = await octokit.rest.git.getRef({
        owner,
        repo,
        ref: `heads/${branch}`,
      });
      commitSha = ref.data.object.sha;
    } catch (error) {
      if (requestErrorStatus(error) === 404) {
        throw new NotFoundError(
          `Branch ${branch} of ${owner}/${repo} not found (or the credential cannot see the repository)`,
          error,
        );
      }
      throw githubError(error, context);
    }
    const cacheKey = `${commitSha}:${slug}`;
    const cached = readAt.get(cacheKey);
    if (typeof cached === 'string') throw new NotFoundError(cached);
    if (cached) return structuredClone(cached);
    let data: FolderQuery;
    try {
      // GitHub's Repository.object(expression: "<rev>:<path>"), see
      // https://docs.github.com/en/graphql/reference/objects#repository
      data = await octokit.graphql<FolderQuery>(
        `query ($owner: String!, $repo: String!, $expression: String!) {
          repository(owner: $owner, name: $repo) {
            object(expression: $expression) {
              __typename
              ... on Tree {
                oid
                entries {
                  name
                  type
                  oid
                  object { ... on Blob { text isBinary isTruncated } }
                }
              }
            }
          }
        }`,
        { owner, repo, expression: `${commitSha}:${path}` },
      );
    } catch (error) {
      throw githubError(error, context);
    }
    const tree = data.repository?.object;
    if (!tree || tree.__typename !== 'Tree' || !tree.oid) {
      const missing = `No instance folder ${path} in ${owner}/${repo} at ${branch} (${commitSha.slice(
        0,
        7,
      )})`;
      remember(cacheKey, missing);
      throw new NotFoundError(missing);
    }
    const files: Partial<Record<InstanceFileName, string>> = {};
    const blobShas: Partial<Record<InstanceFileName, string>> = {};
    for (const entry of tree.entries ?? []) {
      const name = INSTANCE_FILES.find(f => f === entry.name);
      if (!name || entry.type !== 'blob') continue;
      blobShas[name] = entry.oid;
      const text = entry.object?.text;
      if (typeof text === 'string') {
        files[name] = text;
        continue;
      }
      const blob = await octokit.rest.git
        .getBlob({ owner, repo, file_sha: entry.oid })
        .catch(error => {
          throw githubError(error, context);
        });
      files[name] = Buffer.from(
        blob.data.content,
        blob.data.encoding === 'base64' ? 'base64' : 'utf8',
      ).toString('utf8');
    }
    const read: InstanceConfigRead = {
      slug,
      path,
      commitSha,
      treeSha: tree.oid,
      blobShas,
      ...parseInstanceFiles(files),
    };
    remember(cacheKey, read);
    return read;
  };
}
