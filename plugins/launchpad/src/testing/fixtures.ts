import { Entity } from '@backstage/catalog-model';

/**
 * Entities shaped like the Launchpad entity provider's output for the
 * sandbox seed (staging cluster, `demo` instance).
 */
export function instanceEntity(
  overrides: {
    cluster?: string;
    slug?: string;
    annotations?: Record<string, string>;
    links?: Entity['metadata']['links'];
    release?: string;
    owner?: string;
    title?: string;
  } = {},
): Entity {
  const cluster = overrides.cluster ?? 'staging';
  const slug = overrides.slug ?? 'demo';
  const domain =
    cluster === 'production' ? 'learn.acme.test' : `${cluster}.learn.acme.test`;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: slug,
      namespace: cluster,
      title: overrides.title ?? `Demo (${cluster})`,
      labels: {
        'launchpad.openedx.org/cluster': cluster,
        'launchpad.openedx.org/release': overrides.release ?? 'teak',
      },
      annotations: {
        'launchpad.openedx.org/cluster': cluster,
        'launchpad.openedx.org/instance': slug,
        'launchpad.openedx.org/environment': cluster,
        'launchpad.openedx.org/domain': domain,
        'launchpad.openedx.org/cluster-repository': `acme-edu/launchpad-cluster-${cluster}`,
        'launchpad.openedx.org/source-path': `instances/${slug}`,
        'launchpad.openedx.org/openedx-release': 'release/teak.3',
        'launchpad.openedx.org/tutor-version': 'v20.0.5',
        'launchpad.openedx.org/openedx-image': `ghcr.io/acme-edu/${slug}-openedx:teak-4f2a9c1`,
        'launchpad.openedx.org/mfe-image': `ghcr.io/acme-edu/${slug}-mfe:teak-4f2a9c1`,
        'backstage.io/kubernetes-namespace': slug,
        'argocd/app-name': `${slug}-${cluster}`,
        'github.com/project-slug': `acme-edu/launchpad-cluster-${cluster}`,
        ...overrides.annotations,
      },
      links: overrides.links ?? [
        { url: `https://${slug}.${domain}`, title: 'LMS', type: 'lms' },
        {
          url: `https://studio.${slug}.${domain}`,
          title: 'Studio',
          type: 'studio',
        },
        {
          url: `https://preview.${slug}.${domain}`,
          title: 'LMS preview',
          type: 'preview',
        },
      ],
    },
    spec: {
      type: 'openedx-instance',
      lifecycle: cluster === 'production' ? 'production' : 'experimental',
      owner: overrides.owner ?? 'group:default/platform-team',
      dependsOn: [
        `resource:${cluster}/${cluster}`,
        `resource:${cluster}/${slug}-mysql`,
      ],
    },
  };
}

export function clusterEntity(cluster = 'staging'): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: cluster,
      namespace: cluster,
      title: cluster === 'staging' ? 'Staging' : 'Production',
      labels: { 'launchpad.openedx.org/cluster': cluster },
      annotations: {
        'launchpad.openedx.org/cluster': cluster,
        'launchpad.openedx.org/environment': cluster,
        'launchpad.openedx.org/domain': `${cluster}.learn.acme.test`,
        'launchpad.openedx.org/cluster-repository': `acme-edu/launchpad-cluster-${cluster}`,
        'kubernetes.io/api-server': 'http://127.0.0.1:7101',
        'kubernetes.io/api-server-certificate-authority': '',
        'kubernetes.io/auth-provider': 'serviceAccount',
      },
    },
    spec: {
      type: 'kubernetes-cluster',
      owner: 'group:default/platform-team',
    },
  };
}
