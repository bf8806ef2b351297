import { InputError } from '@backstage/errors';
import {
  argoAppName,
  DRYDOCK_KEY_PREFIX,
  forumDatabaseName,
  formatSchemaError,
  instanceConfigSchema,
  instanceSourcePath,
  isSecretConfigKey,
  mongodbDatabaseName,
  mysqlDatabaseName,
  mysqlUsername,
  parseArgocdApplication,
  storageBucketName,
  validateInstanceSlug,
} from '@internal/plugin-launchpad-common';
import YAML, { isMap } from 'yaml';
import { unifiedDiff } from './configEditorDiff';

/** One file of a commit: its path in the repository and its full text. */
export interface RepositoryFile {
  path: string;
  content: string;
}

/** Where the editor renders for: one cluster and its repository. */
export interface ConfigEditorOptions {
  /** The cluster's name (labels of the ArgoCD Application). */
  cluster: string;
  /** The cluster's environment: the Application is `<slug>-<environment>`. */
  environment: string;
  /** The cluster's domain: hosts are `<slug>.<domain>`, `studio.<slug>.<domain>`, `preview.<slug>.<domain>`. */
  domain: string;
  /** The cluster repository ArgoCD pulls from, e.g. `https://github.com/acme/cluster.git`. */
  repoUrl: string;
  /** The branch ArgoCD tracks (`targetRevision`). */
  branch: string;
}

/** What a new instance is made of; the caller chooses, the template fills in the rest. */
export interface InstanceTemplateValues {
  slug: string;
  platformName: string;
  /** `EDX_PLATFORM_VERSION`, e.g. `release/teak.3`. */
  edxPlatformVersion: string;
  /** `TUTOR_VERSION`, e.g. `v20.0.5`. */
  tutorVersion: string;
  /** Default: openedx/edx-platform on GitHub. */
  edxPlatformRepository?: string;
  /** Image references; absent until the first Picasso build writes them. */
  dockerImageOpenedx?: string;
  mfeDockerImage?: string;
  /** Default `s3`. */
  storageType?: 's3' | 'spaces';
  /** Default `launchpad-<slug>-<7 random>`; pass it to keep a known bucket. */
  storageBucketName?: string;
  /** `PORTAL_OWNER`: the owning group or user entity ref. */
  owner?: string;
  /** `DRYDOCK_*` keys; default {@link DEFAULT_DRYDOCK}. */
  drydock?: Record<string, unknown>;
  /** `PICASSO_EXTRA_COMMANDS`; default none. */
  picassoExtraCommands?: string[];
  /** More Tutor keys (written after the template's keys, validated like them). */
  extra?: Record<string, unknown>;
  /**
   * Secrets the caller generated (MYSQL_PASSWORD, MONGODB_PASSWORD,
   * OPENEDX_SECRET_KEY, ...). Every key must be a secret key by the
   * launchpad-common rule; they are never logged.
   */
  secrets?: Record<string, string>;
  /**
   * Whether `secrets` go into config.yml (Launchpad's layout, the default) or
   * stay out of it (kept in a secret store; the caller provisions them).
   */
  writeSecrets?: boolean;
}

/** A rendered instance: its files, ready for one commit, and the names derived from the slug. */
export interface RenderedInstance {
  files: RepositoryFile[];
  /** The parsed config.yml (secrets included when written). */
  config: Record<string, unknown>;
  names: {
    namespace: string;
    application: string;
    mysqlDatabase: string;
    mysqlUsername: string;
    mongodbDatabase: string;
    forumDatabase: string;
    bucket: string;
    lmsHost: string;
    cmsHost: string;
    previewHost: string;
  };
}

/** The result of a merge: the new text, what it parses to, and a diff for a dry run. */
export interface ConfigMerge {
  content: string;
  config: Record<string, unknown>;
  /** Keys whose value changed (set, added or deleted). */
  changedKeys: string[];
  /** A unified diff of the change (empty when nothing changed). */
  diff: string;
}

/** A change to config.yml: a key set to a value, or `null` to delete it. */
export type ConfigChange = Record<string, unknown>;

/** The Drydock switches Launchpad sets for every instance (the seeded instances use them). */
export const DEFAULT_DRYDOCK: Readonly<Record<string, unknown>> = {
  DRYDOCK_INIT_JOBS: true,
  DRYDOCK_ENABLE_SCALING: true,
  DRYDOCK_ENABLE_MULTITENANCY: true,
  DRYDOCK_BYPASS_CADDY: true,
};

const DEFAULT_EDX_PLATFORM_REPOSITORY =
  'https://github.com/openedx/edx-platform.git';

/**
 * Where each secret goes in Launchpad's layout (after the key it follows);
 * other secrets go after the storage keys.
 */
const SECRET_AFTER: Record<string, string> = {
  MYSQL_PASSWORD: 'MYSQL_USERNAME',
  MONGODB_PASSWORD: 'MONGODB_USERNAME',
};

/** Tutor setting names: upper-case words joined by underscores. */
const CONFIG_KEY = /^[A-Z][A-Z0-9_]*$/;

/**
 * yaml's output options: no line folding (an untouched long value keeps its
 * one line) and flow collections without inner padding (`[a, b]`, as people
 * write them), so untouched lines print as they were written in the common
 * layouts. yaml's printer still normalizes spacing it does not keep (e.g.
 * `[ a ]` becomes `[a]`).
 */
const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

/**
 * The one `config.yml` editor every Launchpad writer uses. It renders a new
 * instance's folder from Launchpad's template (the layout the seeded
 * instances and the catalog read) and merges changes into an existing
 * config.yml through yaml's Document API, which keeps comments, key order,
 * quoting and untouched keys. Both validate with launchpad-common's schemas
 * before returning, so nothing invalid reaches a commit.
 */
export class ConfigEditor {
  constructor(private readonly options: ConfigEditorOptions) {}

  /**
   * `instances/<slug>/config.yml` and `application.yml` for a new instance.
   * Throws InputError for an invalid slug or a value the schema refuses.
   */
  renderInstance(values: InstanceTemplateValues): RenderedInstance {
    const { slug } = values;
    const slugCheck = validateInstanceSlug(slug);
    if (!slugCheck.ok) throw new InputError(`slug: ${slugCheck.reason}`);
    const { domain, environment } = this.options;
    const names = {
      namespace: slug,
      application: argoAppName(slug, environment),
      mysqlDatabase: mysqlDatabaseName(slug),
      mysqlUsername: mysqlUsername(slug),
      mongodbDatabase: mongodbDatabaseName(slug),
      forumDatabase: forumDatabaseName(slug),
      bucket: values.storageBucketName ?? storageBucketName(slug),
      lmsHost: `${slug}.${domain}`,
      cmsHost: `studio.${slug}.${domain}`,
      previewHost: `preview.${slug}.${domain}`,
    };
    const secrets = values.secrets ?? {};
    for (const key of Object.keys(secrets)) {
      if (!isSecretConfigKey(key)) {
        throw new InputError(
          `secrets.${key}: is not a secret key; pass it in extra instead`,
        );
      }
    }
    const writeSecrets = values.writeSecrets ?? true;
    const config: Record<string, unknown> = {};
    const put = (key: string, value: unknown) => {
      if (value === undefined) return;
      config[key] = value;
      const secretHere = Object.entries(SECRET_AFTER).find(
        ([, after]) => after === key,
      );
      if (secretHere && writeSecrets && secrets[secretHere[0]] !== undefined) {
        config[secretHere[0]] = secrets[secretHere[0]];
      }
    };
    put('K8S_NAMESPACE', names.namespace);
    put('LMS_HOST', names.lmsHost);
    put('CMS_HOST', names.cmsHost);
    put('PREVIEW_LMS_HOST', names.previewHost);
    put('PLATFORM_NAME', values.platformName);
    put(
      'EDX_PLATFORM_REPOSITORY',
      values.edxPlatformRepository ?? DEFAULT_EDX_PLATFORM_REPOSITORY,
    );
    put('EDX_PLATFORM_VERSION', values.edxPlatformVersion);
    put('TUTOR_VERSION', values.tutorVersion);
    put('DOCKER_IMAGE_OPENEDX', values.dockerImageOpenedx);
    put('MFE_DOCKER_IMAGE', values.mfeDockerImage);
    put('MYSQL_DATABASE', names.mysqlDatabase);
    put('MYSQL_USERNAME', names.mysqlUsername);
    put('MONGODB_DATABASE', names.mongodbDatabase);
    put('MONGODB_USERNAME', names.mysqlUsername);
    put('FORUM_MONGODB_DATABASE', names.forumDatabase);
    put('STORAGE_TYPE', values.storageType ?? 's3');
    put('STORAGE_BUCKET_NAME', names.bucket);
    if (writeSecrets) {
      for (const [key, value] of Object.entries(secrets)) {
        if (!(key in SECRET_AFTER)) config[key] = value;
      }
    }
    for (const [key, value] of Object.entries(
      values.drydock ?? DEFAULT_DRYDOCK,
    )) {
      if (!key.startsWith(DRYDOCK_KEY_PREFIX)) {
        throw new InputError(
          `drydock.${key}: Drydock keys start with ${DRYDOCK_KEY_PREFIX}`,
        );
      }
      put(key, value);
    }
    put('PICASSO_EXTRA_COMMANDS', values.picassoExtraCommands);
    for (const [key, value] of Object.entries(values.extra ?? {})) {
      checkKeyName(key, 'extra.');
      if (key in config) {
        throw new InputError(
          `extra.${key}: is set by the template; change it with the template's own option`,
        );
      }
      put(key, value);
    }
    put('PORTAL_OWNER', values.owner);
    validateConfig(config);

    const header = `# Tutor configuration of ${slug} on ${this.options.cluster}, written by the Launchpad portal.\n`;
    const folder = instanceSourcePath(slug);
    const application = this.application(slug);
    return {
      files: [
        {
          path: `${folder}/config.yml`,
          content: header + YAML.stringify(config, TO_STRING),
        },
        {
          path: `${folder}/application.yml`,
          content: YAML.stringify(application, TO_STRING),
        },
      ],
      config,
      names,
    };
  }

  /**
   * The ArgoCD Application of an instance: `<slug>-<environment>` in
   * namespace argocd, source `instances/<slug>/env` of the cluster
   * repository, destination namespace `<slug>`, automated sync with prune
   * and selfHeal, the namespace created by ArgoCD (CreateNamespace=true).
   * The finalizer makes deleting the Application delete its resources
   * (argo-cd docs: user-guide/app_deletion.md).
   */
  application(slug: string): Record<string, unknown> {
    const { cluster, environment, repoUrl, branch } = this.options;
    const manifest = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: argoAppName(slug, environment),
        namespace: 'argocd',
        labels: {
          'launchpad.openedx.org/instance': slug,
          'launchpad.openedx.org/cluster': cluster,
        },
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: 'default',
        source: {
          repoURL: repoUrl,
          targetRevision: branch,
          path: `${instanceSourcePath(slug)}/env`,
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: slug,
        },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true'],
        },
      },
    };
    const check = parseArgocdApplication(manifest);
    if (!check.ok) throw new InputError(`application.yml: ${check.reason}`);
    return manifest;
  }

  /**
   * Applies `change` to an existing config.yml: a value sets the key (in
   * place, keeping its comments; a new key goes at the end), `null` deletes
   * it. The result is validated with the config schema; InputError names the
   * offending key. `path` labels the diff (default `config.yml`).
   */
  merge(
    existing: string,
    change: ConfigChange,
    options: { path?: string } = {},
  ): ConfigMerge {
    const parsed = YAML.parseDocument(existing);
    if (parsed.errors.length) {
      throw new InputError(
        `config.yml does not parse, so it cannot be changed: ${parsed.errors[0].message}`,
      );
    }
    let doc: YAML.Document = parsed;
    if (doc.contents === null) {
      // An empty file (or only comments): start a mapping, keep the comments.
      doc = new YAML.Document({});
      doc.commentBefore = parsed.commentBefore ?? parsed.comment;
    }
    if (!isMap(doc.contents)) {
      throw new InputError('config.yml must be a mapping of keys to values');
    }
    const before = doc.toJS() as Record<string, unknown>;
    const changedKeys: string[] = [];
    for (const [key, value] of Object.entries(change)) {
      checkKeyName(key, '');
      if (value === null) {
        if (doc.has(key)) {
          doc.delete(key);
          changedKeys.push(key);
        }
        continue;
      }
      if (value === undefined) continue;
      if (sameValue(before[key], value)) continue;
      // For a scalar yaml replaces the node's value in place, keeping its
      // comment and style; other values get a new node.
      doc.set(key, value);
      changedKeys.push(key);
    }
    const config = doc.toJS() as Record<string, unknown>;
    validateConfig(config);
    const content = changedKeys.length ? doc.toString(TO_STRING) : existing;
    return {
      content,
      config,
      changedKeys,
      diff: unifiedDiff(existing, content, options.path ?? 'config.yml'),
    };
  }
}

function checkKeyName(key: string, prefix: string) {
  if (!CONFIG_KEY.test(key)) {
    throw new InputError(
      `${prefix}${key}: config.yml keys are upper-case words joined by underscores (e.g. PLATFORM_NAME)`,
    );
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validates with launchpad-common's schema; InputError names each offending key. */
function validateConfig(config: Record<string, unknown>) {
  const result = instanceConfigSchema.safeParse(config);
  if (!result.success) {
    throw new InputError(
      `config.yml would not be valid: ${formatSchemaError(result.error)}`,
    );
  }
}
