import {
  type Entity,
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  ENTITY_TYPES,
  LABELS,
  argoAppName,
  instanceResourceEntityNames,
  isDns1123Label,
  openedxReleaseName,
  parseArgocdApplication,
  parseInstanceConfig,
  stripSecrets,
  type ArgocdApplicationManifest,
  type InstanceConfig,
} from '@internal/plugin-launchpad-common';
import type {
  InstanceFolder,
  LaunchpadClusterConfig,
} from '@internal/plugin-launchpad-node';
import { parse as parseYaml, YAMLError } from 'yaml';

/*
 * Pure functions from a cluster's config and its repository's instance
 * folders to catalog entities. Only named, non-secret config.yml keys are
 * copied into entities, after stripSecrets, so no credential Launchpad wrote
 * into config.yml can reach the catalog.
 */

// The Backstage Kubernetes plugin's catalog cluster locator reads these
// (see @backstage/plugin-kubernetes-common ANNOTATION_KUBERNETES_*).
const K8S = {
  apiServer: 'kubernetes.io/api-server',
  apiServerCa: 'kubernetes.io/api-server-certificate-authority',
  authProvider: 'kubernetes.io/auth-provider',
  oidcTokenProvider: 'kubernetes.io/oidc-token-provider',
  skipTlsVerify: 'kubernetes.io/skip-tls-verify',
  dashboardUrl: 'kubernetes.io/dashboard-url',
} as const;

/**
 * The Kubernetes plugin finds an instance's objects by label selector within
 * its namespace (`backstage.io/kubernetes-namespace`). Tutor labels every
 * workload it renders with `app.kubernetes.io/name` (lms, cms, ...), so
 * "has that label" selects them all; without the annotation the plugin would
 * look for `backstage.io/kubernetes-id`, which Tutor never sets.
 */
const TUTOR_LABEL_SELECTOR = 'app.kubernetes.io/name';

export interface EntityBuildContext {
  cluster: LaunchpadClusterConfig;
  /** Entity ref of the owner when config.yml names none. */
  defaultOwner: string;
  /** The cluster repository's web URL (GitHub's `html_url`). */
  repositoryHtmlUrl: string;
}

export interface InstanceEntities {
  entities: Entity[];
  /** Why config.yml / application.yml could not be used, if so (one line, no values). */
  configError?: string;
}

const API_VERSION = 'backstage.io/v1alpha1';

/** `production` environments give production lifecycles; everything else is experimental. */
export function lifecycleFor(environment: string): string {
  return environment === 'production' ? 'production' : 'experimental';
}

function treeUrl(ctx: EntityBuildContext, path?: string): string {
  const base = `${ctx.repositoryHtmlUrl}/tree/${ctx.cluster.branch}`;
  return path ? `${base}/${path}` : base;
}

function locationAnnotations(url: string): Record<string, string> {
  return {
    [ANNOTATIONS.managedByLocation]: `url:${url}`,
    [ANNOTATIONS.managedByOriginLocation]: `url:${url}`,
  };
}

function argocdUiBase(cluster: LaunchpadClusterConfig): string | undefined {
  const base = cluster.argocd?.uiUrl ?? cluster.argocd?.url;
  return base?.replace(/\/+$/, '');
}

export function clusterEntityRef(cluster: string): string {
  return stringifyEntityRef({
    kind: 'resource',
    namespace: cluster,
    name: cluster,
  });
}

export function instanceEntityRef(cluster: string, slug: string): string {
  return stringifyEntityRef({
    kind: 'component',
    namespace: cluster,
    name: slug,
  });
}

/** The cluster's `Resource`, readable by the Kubernetes plugin's catalog cluster locator. */
export function buildClusterEntity(ctx: EntityBuildContext): Entity {
  const { cluster } = ctx;
  const k8s = cluster.kubernetes;
  const annotations: Record<string, string> = {
    ...locationAnnotations(treeUrl(ctx)),
    [ANNOTATIONS.cluster]: cluster.name,
    [ANNOTATIONS.environment]: cluster.environment,
    [ANNOTATIONS.domain]: cluster.domain,
    [ANNOTATIONS.clusterRepository]: cluster.repository,
    [ANNOTATIONS.githubProjectSlug]: cluster.repository,
    [K8S.apiServer]: k8s.url,
  };
  if (k8s.caData) annotations[K8S.apiServerCa] = k8s.caData;
  // The locator skips clusters without an auth provider, and refuses
  // `serviceAccount` (it never hands tokens from the catalog to the
  // Kubernetes backend): only a configured provider (oidc, google, aws...)
  // is written; token-based clusters go in kubernetes.clusterLocatorMethods.
  if (k8s.authProvider) annotations[K8S.authProvider] = k8s.authProvider;
  if (k8s.oidcTokenProvider)
    annotations[K8S.oidcTokenProvider] = k8s.oidcTokenProvider;
  if (k8s.skipTLSVerify) annotations[K8S.skipTlsVerify] = 'true';
  if (k8s.dashboardUrl) annotations[K8S.dashboardUrl] = k8s.dashboardUrl;

  const links = [
    { url: ctx.repositoryHtmlUrl, title: 'Cluster repository', icon: 'github' },
  ];
  const argocd = argocdUiBase(cluster);
  if (argocd) links.push({ url: argocd, title: 'ArgoCD', icon: 'dashboard' });

  return {
    apiVersion: API_VERSION,
    kind: 'Resource',
    metadata: {
      name: cluster.name,
      namespace: cluster.name,
      title: cluster.title ?? cluster.name,
      description: `Kubernetes cluster "${cluster.name}" (${cluster.environment}) serving Open edX instances under ${cluster.domain}`,
      annotations,
      labels: { [LABELS.cluster]: cluster.name },
      links,
    },
    spec: {
      type: ENTITY_TYPES.cluster,
      owner: ctx.defaultOwner,
    },
  };
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

function readConfig(folder: InstanceFolder): Parsed<InstanceConfig> {
  const text = folder.files['config.yml'];
  if (text === undefined) return { error: 'config.yml is missing' };
  const yaml = parseYamlText(text, 'config.yml');
  if (yaml.error) return { error: yaml.error };
  const document =
    yaml.value !== null &&
    typeof yaml.value === 'object' &&
    !Array.isArray(yaml.value)
      ? stripSecrets(yaml.value as Record<string, unknown>)
      : yaml.value;
  const result = parseInstanceConfig(document);
  return result.ok
    ? { value: result.value }
    : { error: `config.yml is invalid: ${result.reason}` };
}

function readApplication(
  folder: InstanceFolder,
): Parsed<ArgocdApplicationManifest> {
  const text = folder.files['application.yml'];
  // A folder Launchpad is still creating may not have it yet: not an error.
  if (text === undefined) return {};
  const yaml = parseYamlText(text, 'application.yml');
  if (yaml.error) return { error: yaml.error };
  const result = parseArgocdApplication(yaml.value);
  return result.ok
    ? { value: result.value }
    : { error: `application.yml is invalid: ${result.reason}` };
}

function ownerFor(
  config: InstanceConfig | undefined,
  ctx: EntityBuildContext,
): Parsed<string> {
  const owner = config?.PORTAL_OWNER;
  if (!owner) return { value: ctx.defaultOwner };
  try {
    return {
      value: stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      ),
    };
  } catch {
    return {
      value: ctx.defaultOwner,
      error:
        'config.yml is invalid: PORTAL_OWNER: must be an entity ref such as group:default/team',
    };
  }
}

/** A label value: ≤ 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
function labelValue(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value)
    ? value
    : undefined;
}

/**
 * The instance's `Component` and its database and bucket `Resource`s. A
 * malformed config.yml / application.yml still gives the instance entity,
 * flagged with the `config-error` annotation, so it shows in the catalog.
 */
export function buildInstanceEntities(
  folder: InstanceFolder,
  ctx: EntityBuildContext,
): InstanceEntities {
  const { cluster } = ctx;
  const slug = folder.slug;
  const config = readConfig(folder);
  const application = readApplication(folder);
  const owner = ownerFor(config.value, ctx);
  const configError =
    [config.error, application.error, owner.error].filter(Boolean).join('; ') ||
    undefined;
  const c = config.value;
  const app = application.value;

  const instanceRef = instanceEntityRef(cluster.name, slug);
  const folderUrl = treeUrl(ctx, folder.path);
  const appName = app?.metadata.name ?? argoAppName(slug, cluster.environment);
  const namespace = c?.K8S_NAMESPACE ?? app?.spec.destination.namespace ?? slug;
  const release = openedxReleaseName(c?.EDX_PLATFORM_VERSION);

  const common: Record<string, string> = {
    ...locationAnnotations(folderUrl),
    [ANNOTATIONS.cluster]: cluster.name,
    [ANNOTATIONS.instance]: slug,
    [ANNOTATIONS.environment]: cluster.environment,
    [ANNOTATIONS.sourcePath]: folder.path,
    [ANNOTATIONS.clusterRepository]: cluster.repository,
  };
  const labels: Record<string, string> = { [LABELS.cluster]: cluster.name };
  if (release && labelValue(release)) labels[LABELS.release] = release;

  const annotations: Record<string, string> = {
    ...common,
    [ANNOTATIONS.domain]: cluster.domain,
    [ANNOTATIONS.githubProjectSlug]: cluster.repository,
    [ANNOTATIONS.kubernetesNamespace]: namespace,
    [ANNOTATIONS.kubernetesLabelSelector]: TUTOR_LABEL_SELECTOR,
    // Pins the Kubernetes plugin to this cluster: read by its singleTenant
    // service locator; the catalogRelation locator uses `dependsOn` instead
    // (resource:<cluster>/<cluster>). Slugs repeat across clusters, so
    // multiTenant would mix instances of the same name.
    [ANNOTATIONS.kubernetesCluster]: cluster.name,
    [ANNOTATIONS.argocdAppName]: appName,
  };
  const optional: Array<[string, string | undefined]> = [
    [ANNOTATIONS.openedxRelease, c?.EDX_PLATFORM_VERSION],
    [ANNOTATIONS.tutorVersion, c?.TUTOR_VERSION],
    [ANNOTATIONS.openedxImage, c?.DOCKER_IMAGE_OPENEDX],
    [ANNOTATIONS.mfeImage, c?.MFE_DOCKER_IMAGE],
    [ANNOTATIONS.configError, configError],
  ];
  for (const [key, value] of optional) if (value) annotations[key] = value;

  const links: Array<{ url: string; title: string; icon?: string }> = [];
  if (c?.LMS_HOST)
    links.push({ url: `https://${c.LMS_HOST}`, title: 'LMS', icon: 'web' });
  if (c?.CMS_HOST)
    links.push({ url: `https://${c.CMS_HOST}`, title: 'Studio', icon: 'web' });
  if (c?.PREVIEW_LMS_HOST) {
    links.push({
      url: `https://${c.PREVIEW_LMS_HOST}`,
      title: 'Preview',
      icon: 'web',
    });
  }
  const argocd = argocdUiBase(cluster);
  if (argocd) {
    links.push({
      url: `${argocd}/applications/argocd/${appName}`,
      title: 'ArgoCD application',
      icon: 'dashboard',
    });
  }
  links.push({
    url: `${ctx.repositoryHtmlUrl}/actions/workflows/build.yml`,
    title: 'Build workflow (Picasso)',
    icon: 'github',
  });
  links.push({ url: folderUrl, title: 'Instance folder', icon: 'github' });

  // Resources exist only for what config.yml names (the bucket name is random, so never guessed).
  const names = instanceResourceEntityNames(slug);
  const resources: Entity[] = [];
  const resource = (
    name: string,
    type: string,
    title: string,
    extra: Array<[string, string | undefined]>,
  ) => {
    const resourceAnnotations = { ...common };
    for (const [key, value] of extra)
      if (value) resourceAnnotations[key] = value;
    resources.push({
      apiVersion: API_VERSION,
      kind: 'Resource',
      metadata: {
        name,
        namespace: cluster.name,
        title,
        description: `${title} of Open edX instance ${slug} on ${cluster.name}`,
        annotations: resourceAnnotations,
        labels,
      },
      spec: { type, owner: owner.value, dependencyOf: [instanceRef] },
    });
  };
  const mysqlHost =
    typeof c?.MYSQL_HOST === 'string' ? c.MYSQL_HOST : undefined;
  const mongoHost =
    typeof c?.MONGODB_HOST === 'string' ? c.MONGODB_HOST : undefined;
  if (c?.MYSQL_DATABASE) {
    resource(
      names.mysql,
      ENTITY_TYPES.mysqlDatabase,
      `MySQL ${c.MYSQL_DATABASE}`,
      [
        [ANNOTATIONS.databaseName, c.MYSQL_DATABASE],
        [ANNOTATIONS.databaseUsername, c.MYSQL_USERNAME],
        [ANNOTATIONS.databaseHost, mysqlHost],
      ],
    );
  }
  if (c?.MONGODB_DATABASE) {
    resource(
      names.mongodb,
      ENTITY_TYPES.mongodbDatabase,
      `MongoDB ${c.MONGODB_DATABASE}`,
      [
        [ANNOTATIONS.databaseName, c.MONGODB_DATABASE],
        [ANNOTATIONS.databaseHost, mongoHost],
      ],
    );
  }
  if (c?.FORUM_MONGODB_DATABASE) {
    resource(
      names.forumMongodb,
      ENTITY_TYPES.mongodbDatabase,
      `MongoDB ${c.FORUM_MONGODB_DATABASE} (forum)`,
      [
        [ANNOTATIONS.databaseName, c.FORUM_MONGODB_DATABASE],
        [ANNOTATIONS.databaseHost, mongoHost],
      ],
    );
  }
  if (c?.STORAGE_BUCKET_NAME) {
    resource(
      names.bucket,
      ENTITY_TYPES.storageBucket,
      `Bucket ${c.STORAGE_BUCKET_NAME}`,
      [
        [ANNOTATIONS.bucketName, c.STORAGE_BUCKET_NAME],
        [ANNOTATIONS.storageType, c.STORAGE_TYPE],
      ],
    );
  }

  const description = configError
    ? `Configuration error in ${folder.path}: ${configError}`
    : `Open edX instance ${slug} on ${cluster.name}${
        c?.EDX_PLATFORM_VERSION ? ` (${c.EDX_PLATFORM_VERSION})` : ''
      }`;

  const instance: Entity = {
    apiVersion: API_VERSION,
    kind: 'Component',
    metadata: {
      name: slug,
      namespace: cluster.name,
      title: c?.PLATFORM_NAME ?? slug,
      description,
      annotations,
      labels,
      links,
      tags: release ? ['openedx', release] : ['openedx'],
    },
    spec: {
      type: ENTITY_TYPES.instance,
      owner: owner.value,
      lifecycle: lifecycleFor(cluster.environment),
      dependsOn: [
        clusterEntityRef(cluster.name),
        ...resources.map(r => stringifyEntityRef(r)),
      ],
    },
  };
  return { entities: [instance, ...resources], configError };
}

const validator = makeValidator();

/**
 * Whether a folder name can be an instance: a DNS-1123 label whose derived
 * entity names (`<slug>-forum-mongodb`...) are valid catalog names. Folders
 * failing this are logged and skipped (they cannot become entities).
 */
export function isInstanceFolderName(name: string): boolean {
  return (
    isDns1123Label(name) &&
    Object.values(instanceResourceEntityNames(name)).every(n =>
      validator.isValidEntityName(n),
    ) &&
    validator.isValidEntityName(name)
  );
}
