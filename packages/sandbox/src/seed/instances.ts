import { createHash } from 'node:crypto';
import YAML from 'yaml';
import type { WorkloadCondition } from '../controllers/workloads';
import { renderEnvFiles } from '../github/picasso';

export const GITHUB_ORG = 'acme-edu';
export const TEMPLATE_REPOSITORY = `${GITHUB_ORG}/launchpad-instance-template`;

export interface SeedCluster {
  name: string;
  title: string;
  environment: string;
  domain: string;
  repository: string;
  branch: string;
}

export const SEED_CLUSTERS: SeedCluster[] = [
  {
    name: 'staging',
    title: 'Staging',
    environment: 'staging',
    domain: 'staging.learn.acme.test',
    repository: `${GITHUB_ORG}/launchpad-cluster-staging`,
    branch: 'main',
  },
  {
    name: 'production',
    title: 'Production',
    environment: 'production',
    domain: 'learn.acme.test',
    repository: `${GITHUB_ORG}/launchpad-cluster-production`,
    branch: 'main',
  },
];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A cluster by name: the two seeded ones as above, any other (`edge`) with a
 * repository, domain and environment of the same shape.
 */
export function clusterNamed(name: string): SeedCluster {
  const seeded = SEED_CLUSTERS.find(c => c.name === name);
  if (seeded) return seeded;
  if (!DNS1123_LABEL.test(name) || name.length > 40) {
    throw new Error(
      `cluster name "${name}" must be a lowercase DNS label (a-z, 0-9, '-')`,
    );
  }
  return {
    name,
    title: name
      .split('-')
      .map(w => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' '),
    environment: name,
    domain: `${name}.learn.acme.test`,
    repository: `${GITHUB_ORG}/launchpad-cluster-${name}`,
    branch: 'main',
  };
}

/** The state a seeded instance is in, which decides its files and objects. */
export type InstanceState =
  | 'healthy'
  | 'out-of-sync'
  | 'degraded'
  | 'scaling-at-max'
  | 'backup-overdue'
  | 'provisioning'
  | 'malformed-config';

export interface SeedInstance {
  cluster: string;
  slug: string;
  platformName: string;
  state: InstanceState;
  release: string;
  owner?: string;
  /** Whether the instance namespace has MySQL/MongoDB dump CronJobs. */
  dumpCronJobs?: boolean;
}

export const SEED_INSTANCES: SeedInstance[] = [
  {
    cluster: 'staging',
    slug: 'demo',
    platformName: 'Acme Demo (staging)',
    state: 'healthy',
    release: 'teak.3',
    owner: 'group:default/platform-team',
  },
  {
    cluster: 'staging',
    slug: 'physics-101',
    platformName: 'Physics 101',
    state: 'out-of-sync',
    release: 'teak.3',
    owner: 'group:default/physics-dept',
  },
  {
    cluster: 'staging',
    slug: 'summer-school',
    platformName: 'Summer School',
    state: 'provisioning',
    release: 'teak.3',
  },
  {
    cluster: 'staging',
    slug: 'broken-config',
    platformName: 'Broken Config',
    state: 'malformed-config',
    release: 'teak.3',
  },
  {
    cluster: 'production',
    slug: 'demo',
    platformName: 'Acme Demo',
    state: 'healthy',
    release: 'teak.3',
    owner: 'group:default/platform-team',
    dumpCronJobs: true,
  },
  {
    cluster: 'production',
    slug: 'university',
    platformName: 'Acme University',
    state: 'scaling-at-max',
    release: 'teak.3',
    owner: 'group:default/university-team',
    dumpCronJobs: true,
  },
  {
    cluster: 'production',
    slug: 'legacy-campus',
    platformName: 'Legacy Campus',
    state: 'degraded',
    release: 'sumac.4',
  },
  {
    cluster: 'production',
    slug: 'archive',
    platformName: 'Course Archive',
    state: 'backup-overdue',
    release: 'sumac.4',
    owner: 'group:default/university-team',
  },
];

const short = (text: string, length = 7) =>
  createHash('sha1').update(text).digest('hex').slice(0, length);

export function workloadCondition(state: InstanceState): WorkloadCondition {
  if (state === 'degraded') return 'degraded';
  if (state === 'provisioning') return 'progressing';
  return 'healthy';
}

export function hostsFor(cluster: SeedCluster, slug: string) {
  return {
    lms: `${slug}.${cluster.domain}`,
    cms: `studio.${slug}.${cluster.domain}`,
    preview: `preview.${slug}.${cluster.domain}`,
  };
}

export function imagesFor(
  cluster: SeedCluster,
  slug: string,
  release: string,
  build = 1,
) {
  const tag = `${release}-${short(`${cluster.name}/${slug}/${build}`)}`;
  return {
    openedx: `${GITHUB_ORG}/openedx-${slug}:${tag}`,
    mfe: `${GITHUB_ORG}/openedx-mfe-${slug}:${tag}`,
  };
}

/** config.yml as Launchpad writes it, secrets included (the portal must strip them). */
export function configYaml(
  cluster: SeedCluster,
  instance: Pick<SeedInstance, 'slug' | 'platformName' | 'release' | 'owner'>,
  build = 1,
): string {
  const { slug } = instance;
  const hosts = hostsFor(cluster, slug);
  const images = imagesFor(cluster, slug, instance.release, build);
  const tutor = instance.release.startsWith('teak') ? 'v20.0.5' : 'v19.0.4';
  const config: Record<string, unknown> = {
    K8S_NAMESPACE: slug,
    LMS_HOST: hosts.lms,
    CMS_HOST: hosts.cms,
    PREVIEW_LMS_HOST: hosts.preview,
    PLATFORM_NAME: instance.platformName,
    CONTACT_EMAIL: `support+${slug}@acme.test`,
    EDX_PLATFORM_REPOSITORY: 'https://github.com/openedx/edx-platform.git',
    EDX_PLATFORM_VERSION: `release/${instance.release}`,
    TUTOR_VERSION: tutor,
    DOCKER_IMAGE_OPENEDX: images.openedx,
    MFE_DOCKER_IMAGE: images.mfe,
    MYSQL_HOST: 'mysql.harmony.svc.cluster.local',
    MYSQL_DATABASE: `launchpad-${slug}-openedx`,
    MYSQL_USERNAME: `launchpad-${slug}`,
    MYSQL_PASSWORD: `sandbox-mysql-${short(
      `${cluster.name}/${slug}/mysql`,
      16,
    )}`,
    MONGODB_HOST: 'mongodb.harmony.svc.cluster.local',
    MONGODB_DATABASE: `launchpad-${slug}-openedx`,
    MONGODB_USERNAME: `launchpad-${slug}`,
    MONGODB_PASSWORD: `sandbox-mongo-${short(
      `${cluster.name}/${slug}/mongo`,
      16,
    )}`,
    FORUM_MONGODB_DATABASE: `launchpad-${slug}-forum`,
    STORAGE_TYPE: 's3',
    STORAGE_BUCKET_NAME: `launchpad-${slug}-${short(
      `${cluster.name}/${slug}/bucket`,
    )}`,
    STORAGE_REGION: 'us-east-1',
    STORAGE_ACCESS_KEY_ID: `AKIASANDBOX${short(
      `${cluster.name}/${slug}/key`,
      9,
    ).toUpperCase()}`,
    STORAGE_SECRET_ACCESS_KEY: `sandbox-secret-${short(
      `${cluster.name}/${slug}/secret`,
      24,
    )}`,
    OPENEDX_SECRET_KEY: `sandbox-openedx-${short(
      `${cluster.name}/${slug}/openedx`,
      24,
    )}`,
    JWT_RSA_PRIVATE_KEY:
      '-----BEGIN RSA PRIVATE KEY-----\nsandbox-not-a-real-key\n-----END RSA PRIVATE KEY-----\n',
    DRYDOCK_INIT_JOBS: true,
    DRYDOCK_ENABLE_SCALING: true,
    DRYDOCK_ENABLE_MULTITENANCY: true,
    DRYDOCK_BYPASS_CADDY: true,
    PICASSO_EXTRA_COMMANDS: ['tutor config save --set ENABLE_WEB_PROXY=false'],
  };
  if (instance.owner) config.PORTAL_OWNER = instance.owner;
  return YAML.stringify(config);
}

export function applicationYaml(
  cluster: SeedCluster,
  slug: string,
  automated = true,
): string {
  return YAML.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: `${slug}-${cluster.environment}`,
      namespace: 'argocd',
      labels: {
        'launchpad.openedx.org/instance': slug,
        'launchpad.openedx.org/cluster': cluster.name,
      },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      source: {
        repoURL: `https://github.com/${cluster.repository}.git`,
        targetRevision: cluster.branch,
        path: `instances/${slug}/env`,
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: slug,
      },
      syncPolicy: {
        ...(automated ? { automated: { prune: true, selfHeal: true } } : {}),
        syncOptions: ['CreateNamespace=true'],
      },
    },
  });
}

/** A few rendered manifests, as a Picasso build commits them. */
export function envFiles(
  cluster: SeedCluster,
  slug: string,
  release: string,
  build = 1,
): Record<string, string> {
  return renderEnvFiles(slug, imagesFor(cluster, slug, release, build));
}

/** A malformed config.yml: an unclosed flow sequence, so YAML parsing fails. */
export const MALFORMED_CONFIG = `K8S_NAMESPACE: broken-config
LMS_HOST: broken-config.staging.learn.acme.test
PLATFORM_NAME: "Broken Config
EDX_PLATFORM_VERSION: [release/teak.3
MYSQL_PASSWORD: sandbox-should-never-leak
`;

export function instanceFiles(
  cluster: SeedCluster,
  instance: SeedInstance,
): Record<string, string> {
  return {
    [`instances/${instance.slug}/config.yml`]:
      instance.state === 'malformed-config'
        ? MALFORMED_CONFIG
        : configYaml(cluster, instance),
    [`instances/${instance.slug}/application.yml`]: applicationYaml(
      cluster,
      instance.slug,
      instance.state !== 'out-of-sync',
    ),
    ...envFiles(cluster, instance.slug, instance.release),
  };
}

/** Generated instances for `scale`: `load-0001`, ... */
export function scaleSlug(index: number): string {
  return `load-${String(index + 1).padStart(4, '0')}`;
}

export function templateRepositoryFiles(): Record<string, string> {
  return {
    'README.md':
      '# Launchpad instance template\n\nFiles the portal renders into `instances/<slug>/` of a cluster repository.\n',
    'config.yml': [
      'K8S_NAMESPACE: ${{ values.slug }}',
      'LMS_HOST: ${{ values.lmsHost }}',
      'CMS_HOST: ${{ values.cmsHost }}',
      'PLATFORM_NAME: ${{ values.platformName }}',
      'EDX_PLATFORM_REPOSITORY: https://github.com/openedx/edx-platform.git',
      'EDX_PLATFORM_VERSION: ${{ values.edxPlatformVersion }}',
      'TUTOR_VERSION: ${{ values.tutorVersion }}',
      'MYSQL_DATABASE: launchpad-${{ values.slug }}-openedx',
      'MYSQL_USERNAME: launchpad-${{ values.slug }}',
      'MONGODB_DATABASE: launchpad-${{ values.slug }}-openedx',
      'FORUM_MONGODB_DATABASE: launchpad-${{ values.slug }}-forum',
      'STORAGE_TYPE: ${{ values.storageType }}',
      '',
    ].join('\n'),
    'application.yml': [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: ${{ values.slug }}-${{ values.environment }}',
      '  namespace: argocd',
      'spec:',
      '  project: default',
      '  source:',
      '    repoURL: ${{ values.repoURL }}',
      '    targetRevision: ${{ values.branch }}',
      '    path: instances/${{ values.slug }}/env',
      '  destination:',
      '    server: https://kubernetes.default.svc',
      '    namespace: ${{ values.slug }}',
      '  syncPolicy:',
      '    automated: { prune: true, selfHeal: true }',
      '    syncOptions: [CreateNamespace=true]',
      '',
    ].join('\n'),
  };
}
