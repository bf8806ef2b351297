import { Entity } from '@backstage/catalog-model';
import {
  buildClusterEntity,
  buildInstanceEntitiesFromConfig,
  type EntityBuildContext,
} from '@internal/plugin-launchpad-common';

/*
 * Entities as the Launchpad entity provider emits them for the sandbox seed
 * (staging and production clusters, `demo` instance): built with the
 * provider's own builders from launchpad-common, from a config.yml with the
 * seed's shape (secrets already stripped, as the provider strips them), so the
 * cards are tested against the links, annotations and types the provider
 * really writes.
 */

/** The seed's domains (packages/sandbox/src/seed/instances.ts SEED_CLUSTERS). */
function domainOf(cluster: string): string {
  return cluster === 'production'
    ? 'learn.acme.test'
    : `${cluster}.learn.acme.test`;
}

function buildContext(cluster: string): EntityBuildContext {
  const repository = `acme-edu/launchpad-cluster-${cluster}`;
  return {
    cluster: {
      name: cluster,
      title: cluster === 'staging' ? 'Staging' : 'Production',
      environment: cluster,
      domain: domainOf(cluster),
      repository,
      branch: 'main',
      // The sandbox's first cluster port; tokens are never in entities.
      kubernetes: { url: 'http://127.0.0.1:7101' },
      argocd: { url: 'http://127.0.0.1:7101/argocd' },
    },
    defaultOwner: 'group:default/platform-team',
    repositoryHtmlUrl: `https://github.com/${repository}`,
  };
}

export function instanceEntity(
  overrides: {
    cluster?: string;
    slug?: string;
    /** Set (or, with '', blanked) on top of what the provider writes. */
    annotations?: Record<string, string>;
    links?: Entity['metadata']['links'];
    /** Release name: config.yml gets `EDX_PLATFORM_VERSION: release/<release>.3`. */
    release?: string;
    owner?: string;
    title?: string;
  } = {},
): Entity {
  const cluster = overrides.cluster ?? 'staging';
  const slug = overrides.slug ?? 'demo';
  const domain = domainOf(cluster);
  const release = overrides.release ?? 'teak';
  const [entity] = buildInstanceEntitiesFromConfig(
    {
      slug,
      path: `instances/${slug}`,
      config: {
        K8S_NAMESPACE: slug,
        LMS_HOST: `${slug}.${domain}`,
        CMS_HOST: `studio.${slug}.${domain}`,
        PREVIEW_LMS_HOST: `preview.${slug}.${domain}`,
        PLATFORM_NAME: overrides.title ?? `Demo (${cluster})`,
        EDX_PLATFORM_REPOSITORY: 'https://github.com/openedx/edx-platform.git',
        EDX_PLATFORM_VERSION: `release/${release}.3`,
        TUTOR_VERSION: 'v20.0.5',
        DOCKER_IMAGE_OPENEDX: `ghcr.io/acme-edu/${slug}-openedx:${release}-4f2a9c1`,
        MFE_DOCKER_IMAGE: `ghcr.io/acme-edu/${slug}-mfe:${release}-4f2a9c1`,
        MYSQL_HOST: 'mysql.harmony.svc.cluster.local',
        MYSQL_DATABASE: `launchpad-${slug}-openedx`,
        MYSQL_USERNAME: `launchpad-${slug}`,
        STORAGE_TYPE: 's3',
        STORAGE_BUCKET_NAME: `launchpad-${slug}-4f2a9c1`,
        ...(overrides.owner ? { PORTAL_OWNER: overrides.owner } : {}),
      },
    },
    buildContext(cluster),
  ).entities;
  Object.assign(entity.metadata.annotations!, overrides.annotations);
  if (overrides.links) entity.metadata.links = overrides.links;
  return entity;
}

export function clusterEntity(cluster = 'staging'): Entity {
  return buildClusterEntity(buildContext(cluster));
}
