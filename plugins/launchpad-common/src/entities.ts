import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';

/** `spec.type` values of the entities the Launchpad entity provider emits. */
export const ENTITY_TYPES = {
  instance: 'openedx-instance',
  cluster: 'kubernetes-cluster',
  mysqlDatabase: 'mysql-database',
  mongodbDatabase: 'mongodb-database',
  storageBucket: 'storage-bucket',
} as const;

export type LaunchpadEntityType =
  (typeof ENTITY_TYPES)[keyof typeof ENTITY_TYPES];

/** Annotations set on Launchpad entities. */
export const ANNOTATIONS = {
  cluster: 'launchpad.openedx.org/cluster',
  instance: 'launchpad.openedx.org/instance',
  environment: 'launchpad.openedx.org/environment',
  domain: 'launchpad.openedx.org/domain',
  clusterRepository: 'launchpad.openedx.org/cluster-repository',
  sourcePath: 'launchpad.openedx.org/source-path',
  openedxRelease: 'launchpad.openedx.org/openedx-release',
  tutorVersion: 'launchpad.openedx.org/tutor-version',
  openedxImage: 'launchpad.openedx.org/openedx-image',
  mfeImage: 'launchpad.openedx.org/mfe-image',
  configError: 'launchpad.openedx.org/config-error',
  // On database and bucket resources: the values from config.yml.
  databaseName: 'launchpad.openedx.org/database-name',
  databaseUsername: 'launchpad.openedx.org/database-username',
  databaseHost: 'launchpad.openedx.org/database-host',
  bucketName: 'launchpad.openedx.org/bucket-name',
  storageType: 'launchpad.openedx.org/storage-type',
  // Standard annotations read by other plugins.
  kubernetesNamespace: 'backstage.io/kubernetes-namespace',
  argocdAppName: 'argocd/app-name',
  githubProjectSlug: 'github.com/project-slug',
  kubernetesLabelSelector: 'backstage.io/kubernetes-label-selector',
  kubernetesCluster: 'backstage.io/kubernetes-cluster',
  managedByLocation: 'backstage.io/managed-by-location',
  managedByOriginLocation: 'backstage.io/managed-by-origin-location',
  /** Set by the catalog from the entity's location: the folder's web URL. */
  viewUrl: 'backstage.io/view-url',
} as const;

/**
 * Annotations on a cluster `Resource` that the Kubernetes plugin's catalog
 * cluster locator reads (@backstage/plugin-kubernetes-common,
 * `ANNOTATION_KUBERNETES_*`). The provider writes them, the cluster card reads
 * the API server.
 */
export const KUBERNETES_ANNOTATIONS = {
  apiServer: 'kubernetes.io/api-server',
  apiServerCa: 'kubernetes.io/api-server-certificate-authority',
  authProvider: 'kubernetes.io/auth-provider',
  oidcTokenProvider: 'kubernetes.io/oidc-token-provider',
  skipTlsVerify: 'kubernetes.io/skip-tls-verify',
  dashboardUrl: 'kubernetes.io/dashboard-url',
} as const;

/**
 * `metadata.links[].type` of the links the provider writes; the cards find
 * links by type only (titles are for people and may change).
 */
export const LINK_TYPES = {
  lms: 'lms',
  studio: 'studio',
  preview: 'preview',
  argocd: 'argocd',
  build: 'build',
  repository: 'repository',
} as const;

export type LaunchpadLinkType = (typeof LINK_TYPES)[keyof typeof LINK_TYPES];

/** Labels set on Launchpad entities (filterable in the catalog). */
export const LABELS = {
  cluster: 'launchpad.openedx.org/cluster',
  release: 'launchpad.openedx.org/release',
} as const;

/** Names of an instance's resource entities, in the cluster's namespace. */
export function instanceResourceEntityNames(slug: string) {
  return {
    mysql: `${slug}-mysql`,
    mongodb: `${slug}-mongodb`,
    forumMongodb: `${slug}-forum-mongodb`,
    bucket: `${slug}-bucket`,
  };
}

/** Whether the entity is an Open edX instance emitted by Launchpad. */
export function isOpenedxInstance(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'component' &&
    entity.spec?.type === ENTITY_TYPES.instance
  );
}

/** Whether the entity is a Kubernetes cluster `Resource` emitted by Launchpad. */
export function isLaunchpadCluster(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    entity.spec?.type === ENTITY_TYPES.cluster
  );
}

/** The entity ref of a cluster's `Resource`: `resource:<cluster>/<cluster>`. */
export function clusterEntityRef(cluster: string): string {
  return stringifyEntityRef({
    kind: 'resource',
    namespace: cluster,
    name: cluster,
  });
}

/** The entity ref of an instance's `Component`: `component:<cluster>/<slug>`. */
export function instanceEntityRef(cluster: string, slug: string): string {
  return stringifyEntityRef({
    kind: 'component',
    namespace: cluster,
    name: slug,
  });
}

/** Where an instance lives, read from its annotations. */
export interface InstanceRef {
  cluster: string;
  slug: string;
}

/**
 * The cluster and slug of an instance entity, or undefined when the entity is
 * not a Launchpad instance (missing annotations).
 */
export function getInstanceRef(entity: Entity): InstanceRef | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const cluster = annotations[ANNOTATIONS.cluster];
  const slug = annotations[ANNOTATIONS.instance];
  if (!cluster || !slug) return undefined;
  return { cluster, slug };
}

/** The cluster name of any Launchpad entity (cluster, instance or resource). */
export function getClusterName(entity: Entity): string | undefined {
  return entity.metadata.annotations?.[ANNOTATIONS.cluster] || undefined;
}

/** The config error recorded on an instance entity, if any. */
export function getConfigError(entity: Entity): string | undefined {
  return entity.metadata.annotations?.[ANNOTATIONS.configError] || undefined;
}

/**
 * The Open edX release name from an `EDX_PLATFORM_VERSION` such as
 * `release/teak.3` or `open-release/sumac.2` (→ `teak`, `sumac`); `master` and
 * `main` are kept; anything else gives undefined.
 */
export function openedxReleaseName(
  version: string | undefined,
): string | undefined {
  if (!version) return undefined;
  const match = /^(?:open-)?release\/([a-z]+)(?:[.-].*)?$/i.exec(
    version.trim(),
  );
  if (match) return match[1].toLowerCase();
  if (/^(master|main)$/.test(version.trim())) return version.trim();
  return undefined;
}
