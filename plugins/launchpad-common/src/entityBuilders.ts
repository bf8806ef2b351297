import {
  type Entity,
  type EntityLink,
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { ArgocdApplicationManifest, InstanceConfig } from './config';
import {
  ANNOTATIONS,
  ENTITY_TYPES,
  KUBERNETES_ANNOTATIONS,
  LABELS,
  LINK_TYPES,
  clusterEntityRef,
  instanceEntityRef,
  instanceResourceEntityNames,
  openedxReleaseName,
} from './entities';
import { argoAppName, isDns1123Label } from './slug';

/*
 * The entities the Launchpad entity provider emits, built from already parsed
 * and secret-stripped instance files. They live in the common package so the
 * provider and the frontend's test fixtures build the same shapes: the
 * contract between the two is this code, not a copy of it.
 */

/** What of a cluster's configuration its entities show (no credentials). */
export interface ClusterEntitySource {
  name: string;
  title?: string;
  environment: string;
  domain: string;
  /** `owner/name` of the cluster repository. */
  repository: string;
  branch: string;
  kubernetes: {
    url: string;
    caData?: string;
    authProvider?: string;
    oidcTokenProvider?: string;
    skipTLSVerify?: boolean;
    dashboardUrl?: string;
  };
  argocd?: { url: string; uiUrl?: string };
}

export interface EntityBuildContext {
  cluster: ClusterEntitySource;
  /** Entity ref of the owner when config.yml names none. */
  defaultOwner: string;
  /** The cluster repository's web URL (GitHub's `html_url`). */
  repositoryHtmlUrl: string;
}

/** One instance folder, its files parsed, validated and stripped of secrets. */
export interface InstanceEntitySource {
  slug: string;
  /** `instances/<slug>` */
  path: string;
  config?: InstanceConfig;
  application?: ArgocdApplicationManifest;
  /** Why a file could not be used, one line each, no values. */
  errors?: string[];
}

export interface InstanceEntities {
  entities: Entity[];
  /** Why config.yml / application.yml could not be used, if so (one line, no values). */
  configError?: string;
}

const API_VERSION = 'backstage.io/v1alpha1';

/**
 * The Kubernetes plugin finds an instance's objects by label selector within
 * its namespace (`backstage.io/kubernetes-namespace`). Tutor labels every
 * workload it renders with `app.kubernetes.io/name` (lms, cms, ...), so
 * "has that label" selects them all; without the annotation the plugin would
 * look for `backstage.io/kubernetes-id`, which Tutor never sets.
 */
const TUTOR_LABEL_SELECTOR = 'app.kubernetes.io/name';

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

function argocdUiBase(cluster: ClusterEntitySource): string | undefined {
  const base = cluster.argocd?.uiUrl ?? cluster.argocd?.url;
  return base?.replace(/\/+$/, '');
}

/** The cluster's `Resource`, readable by the Kubernetes plugin's catalog cluster locator. */
export function buildClusterEntity(ctx: EntityBuildContext): Entity {
  const { cluster } = ctx;
  const k8s = cluster.kubernetes;
  const K8S = KUBERNETES_ANNOTATIONS;
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

  const links: EntityLink[] = [
    {
      url: ctx.repositoryHtmlUrl,
      title: 'Cluster repository',
      icon: 'github',
      type: LINK_TYPES.repository,
    },
  ];
  const argocd = argocdUiBase(cluster);
  if (argocd) {
    links.push({
      url: argocd,
      title: 'ArgoCD',
      icon: 'dashboard',
      type: LINK_TYPES.argocd,
    });
  }

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

function ownerFor(
  config: InstanceConfig | undefined,
  ctx: EntityBuildContext,
): { value: string; error?: string } {
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
 * The instance's `Component` and its database and bucket `Resource`s. An
 * instance whose files could not be used (`errors`) still gives the instance
 * entity, flagged with the `config-error` annotation, so it shows in the
 * catalog.
 */
export function buildInstanceEntitiesFromConfig(
  source: InstanceEntitySource,
  ctx: EntityBuildContext,
): InstanceEntities {
  const { cluster } = ctx;
  const { slug, config: c, application: app } = source;
  const owner = ownerFor(c, ctx);
  const configError =
    [...(source.errors ?? []), owner.error].filter(Boolean).join('; ') ||
    undefined;

  const instanceRef = instanceEntityRef(cluster.name, slug);
  const folderUrl = treeUrl(ctx, source.path);
  const appName = app?.metadata.name ?? argoAppName(slug, cluster.environment);
  const namespace = c?.K8S_NAMESPACE ?? app?.spec.destination.namespace ?? slug;
  const release = openedxReleaseName(c?.EDX_PLATFORM_VERSION);

  const common: Record<string, string> = {
    ...locationAnnotations(folderUrl),
    [ANNOTATIONS.cluster]: cluster.name,
    [ANNOTATIONS.instance]: slug,
    [ANNOTATIONS.environment]: cluster.environment,
    [ANNOTATIONS.sourcePath]: source.path,
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

  const links: EntityLink[] = [];
  const web = (host: string, title: string, type: string) =>
    links.push({ url: `https://${host}`, title, icon: 'web', type });
  if (c?.LMS_HOST) web(c.LMS_HOST, 'LMS', LINK_TYPES.lms);
  if (c?.CMS_HOST) web(c.CMS_HOST, 'Studio', LINK_TYPES.studio);
  if (c?.PREVIEW_LMS_HOST)
    web(c.PREVIEW_LMS_HOST, 'Preview', LINK_TYPES.preview);
  const argocd = argocdUiBase(cluster);
  if (argocd) {
    links.push({
      url: `${argocd}/applications/argocd/${appName}`,
      title: 'ArgoCD application',
      icon: 'dashboard',
      type: LINK_TYPES.argocd,
    });
  }
  links.push({
    url: `${ctx.repositoryHtmlUrl}/actions/workflows/build.yml`,
    title: 'Build workflow (Picasso)',
    icon: 'github',
    type: LINK_TYPES.build,
  });
  links.push({
    url: folderUrl,
    title: 'Instance folder',
    icon: 'github',
    type: LINK_TYPES.repository,
  });

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
    ? `Configuration error in ${source.path}: ${configError}`
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
