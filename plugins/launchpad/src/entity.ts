import {
  Entity,
  EntityLink,
  CompoundEntityRef,
  parseEntityRef,
} from '@backstage/catalog-model';
import type { ConfigApi } from '@backstage/core-plugin-api';
import {
  clusterEntityRef,
  isLaunchpadCluster as isLaunchpadClusterEntity,
  isOpenedxInstance,
  openedxReleaseName,
  type LaunchpadLinkType,
} from '@internal/plugin-launchpad-common';
import {
  ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
  LABELS,
  LINK_TYPES,
} from './constants';

/** True for the `Component` entities of Open edX instances. */
export function isLaunchpadInstance(entity: Entity): boolean {
  return isOpenedxInstance(entity);
}

/** True for the `Resource` entities of Kubernetes clusters. */
export function isLaunchpadCluster(entity: Entity): boolean {
  return isLaunchpadClusterEntity(entity);
}

function annotation(entity: Entity, name: string): string | undefined {
  const value = entity.metadata.annotations?.[name]?.trim();
  return value ? value : undefined;
}

/** Which of the provider's links an instance card shows. */
export type InstanceLinkKind = Extract<
  LaunchpadLinkType,
  'lms' | 'studio' | 'preview'
>;

/**
 * The provider's link of that type (`LINK_TYPES` in launchpad-common). Titles
 * are for people and are never matched: a link without the type is not one
 * of the provider's.
 */
export function findInstanceLink(
  entity: Entity,
  kind: InstanceLinkKind,
): EntityLink | undefined {
  return findLink(entity, LINK_TYPES[kind]);
}

function findLink(
  entity: Entity,
  type: LaunchpadLinkType,
): EntityLink | undefined {
  return (entity.metadata.links ?? []).find(link => link.type === type);
}

/** The cluster entity an instance (or a cluster's own resources) belong to. */
export function instanceClusterRef(
  entity: Entity,
): CompoundEntityRef | undefined {
  const cluster =
    annotation(entity, ANNOTATIONS.cluster) ??
    entity.metadata.labels?.[LABELS.cluster];
  if (!cluster) {
    return undefined;
  }
  return parseEntityRef(clusterEntityRef(cluster));
}

/** The cluster name a `kubernetes-cluster` resource stands for. */
export function clusterName(entity: Entity): string {
  return annotation(entity, ANNOTATIONS.cluster) ?? entity.metadata.name;
}

/**
 * A web link to the entity's folder in the cluster repository. The provider
 * records the folder's URL as the entity's location, which the catalog also
 * exposes as `backstage.io/view-url`; that URL is right for GitHub Enterprise
 * and the sandbox alike. (`backstage.io/source-location` is not used: the
 * catalog derives it as the location's parent folder.)
 */
export function repositoryFolderUrl(entity: Entity): string | undefined {
  const viewUrl = annotation(entity, ANNOTATIONS.viewUrl);
  if (viewUrl) {
    return viewUrl;
  }
  const location = annotation(entity, ANNOTATIONS.managedByLocation);
  if (location?.startsWith('url:')) {
    return location.slice('url:'.length);
  }
  const repository = annotation(entity, ANNOTATIONS.clusterRepository);
  if (!repository) {
    return undefined;
  }
  const path = annotation(entity, ANNOTATIONS.sourcePath);
  const base = `https://github.com/${repository}`;
  // HEAD resolves to the default branch, so no branch name is needed here.
  return path ? `${base}/tree/HEAD/${path}` : base;
}

export interface InstanceDetails {
  cluster?: CompoundEntityRef;
  environment?: string;
  namespace?: string;
  release?: string;
  releaseName?: string;
  tutorVersion?: string;
  openedxImage?: string;
  mfeImage?: string;
  argocdAppName?: string;
  repository?: string;
  sourcePath?: string;
  repositoryFolderUrl?: string;
  configError?: string;
  lms?: EntityLink;
  studio?: EntityLink;
  preview?: EntityLink;
}

/** Reads everything the instance cards show from the entity. */
export function readInstance(entity: Entity): InstanceDetails {
  const release = annotation(entity, ANNOTATIONS.openedxRelease);
  return {
    cluster: instanceClusterRef(entity),
    environment: annotation(entity, ANNOTATIONS.environment),
    namespace: annotation(entity, ANNOTATIONS.kubernetesNamespace),
    release,
    releaseName:
      entity.metadata.labels?.[LABELS.release] ?? openedxReleaseName(release),
    tutorVersion: annotation(entity, ANNOTATIONS.tutorVersion),
    openedxImage: annotation(entity, ANNOTATIONS.openedxImage),
    mfeImage: annotation(entity, ANNOTATIONS.mfeImage),
    argocdAppName: annotation(entity, ANNOTATIONS.argocdAppName),
    repository: annotation(entity, ANNOTATIONS.clusterRepository),
    sourcePath: annotation(entity, ANNOTATIONS.sourcePath),
    repositoryFolderUrl: repositoryFolderUrl(entity),
    configError: annotation(entity, ANNOTATIONS.configError),
    lms: findInstanceLink(entity, 'lms'),
    studio: findInstanceLink(entity, 'studio'),
    preview: findInstanceLink(entity, 'preview'),
  };
}

export interface ClusterDetails {
  name: string;
  environment?: string;
  domain?: string;
  repository?: string;
  repositoryUrl?: string;
  apiServer?: string;
  configError?: string;
}

export function readCluster(entity: Entity): ClusterDetails {
  return {
    name: clusterName(entity),
    environment: annotation(entity, ANNOTATIONS.environment),
    domain: annotation(entity, ANNOTATIONS.domain),
    repository: annotation(entity, ANNOTATIONS.clusterRepository),
    // The repository itself (the provider's `repository` link), not the
    // tree URL it records as the cluster's location.
    repositoryUrl:
      findLink(entity, LINK_TYPES.repository)?.url ??
      repositoryFolderUrl(entity),
    apiServer: annotation(entity, KUBERNETES_ANNOTATIONS.apiServer),
    configError: annotation(entity, ANNOTATIONS.configError),
  };
}

const KUBERNETES_PLUGIN_ANNOTATIONS = [
  'backstage.io/kubernetes-id',
  ANNOTATIONS.kubernetesLabelSelector,
];

/**
 * The Kubernetes clusters the Kubernetes backend knows, as far as the app can
 * tell from `kubernetes.clusterLocatorMethods`: the names of `type: config`
 * clusters, or `undefined` when another locator (catalog, GKE, a local
 * proxy...) may add clusters the app cannot list.
 */
export function configuredKubernetesClusters(
  config: ConfigApi,
): ReadonlySet<string> | undefined {
  const methods = config.getOptionalConfigArray(
    'kubernetes.clusterLocatorMethods',
  );
  if (!methods) return new Set();
  const names = new Set<string>();
  for (const method of methods) {
    if (method.getString('type') !== 'config') return undefined;
    for (const cluster of method.getOptionalConfigArray('clusters') ?? []) {
      names.add(cluster.getString('name'));
    }
  }
  return names;
}

/**
 * Whether the Kubernetes plugin's tab belongs on the entity page: on other
 * entities with its annotations (its own rule), and on Open edX instances whose cluster
 * the Kubernetes backend is configured for (`clusters`, from
 * `configuredKubernetesClusters`; every instance when it is `undefined`). An
 * instance whose config.yml is malformed may lack the annotations; the
 * Kubernetes backend then falls back to the entity name (the instance slug).
 * Elsewhere the tab would only say that no cluster serves the instance.
 */
export function isKubernetesTabAvailable(
  entity: Entity,
  clusters?: ReadonlySet<string>,
): boolean {
  // Instances carry the label-selector annotation too: their cluster decides.
  if (isLaunchpadInstance(entity)) {
    if (!clusters) return true;
    const cluster = instanceClusterRef(entity)?.name;
    return cluster !== undefined && clusters.has(cluster);
  }
  const annotations = entity.metadata.annotations ?? {};
  return KUBERNETES_PLUGIN_ANNOTATIONS.some(name => Boolean(annotations[name]));
}
