import type { Entity } from '@backstage/catalog-model';

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
} as const;

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
