import {
  type Entity,
  FieldFormatEntityPolicy,
  SchemaValidEntityPolicy,
  componentEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { ANNOTATIONS } from '@internal/plugin-launchpad-common';
import type { LaunchpadClusterConfig } from '@internal/plugin-launchpad-node';
import {
  buildClusterEntity,
  buildInstanceEntities,
  isInstanceFolderName,
} from './entities';

const cluster: LaunchpadClusterConfig = {
  name: 'staging',
  title: 'Staging',
  environment: 'staging',
  domain: 'staging.learn.acme.test',
  repository: 'acme-edu/launchpad-cluster-staging',
  branch: 'main',
  kubernetes: {
    url: 'https://k8s.staging.acme.test',
    token: 'cluster-token-secret',
    skipTLSVerify: false,
    caData: 'Q0FEQVRB',
  },
  argocd: {
    url: 'https://argocd.staging.acme.test/',
    token: 'argocd-token-secret',
  },
};
const ctx = {
  cluster,
  defaultOwner: 'group:default/platform-team',
  repositoryHtmlUrl: 'https://ghe.acme.test/acme-edu/launchpad-cluster-staging',
};

const SECRETS = {
  MYSQL_PASSWORD: 'mysql-pw-4f1e',
  MONGODB_PASSWORD: 'mongo-pw-9a2b',
  OPENEDX_SECRET_KEY: 'django-secret-77c1',
  STORAGE_ACCESS_KEY_ID: 'AKIAEXAMPLE1234',
  STORAGE_SECRET_ACCESS_KEY: 'storage-secret-x9y8',
  JWT_RSA_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----abc',
  CACHE_URL: 'redis://default:redis-pw-5d5d@redis:6379/0',
};

const configYml = `
K8S_NAMESPACE: demo
LMS_HOST: demo.staging.learn.acme.test
CMS_HOST: studio.demo.staging.learn.acme.test
PREVIEW_LMS_HOST: preview.demo.staging.learn.acme.test
PLATFORM_NAME: Acme Demo
EDX_PLATFORM_REPOSITORY: https://github.com/openedx/edx-platform.git
EDX_PLATFORM_VERSION: release/teak.3
TUTOR_VERSION: v20.0.5
DOCKER_IMAGE_OPENEDX: ghcr.io/acme-edu/openedx-demo:teak-abc123
MFE_DOCKER_IMAGE: ghcr.io/acme-edu/mfe-demo:teak-abc123
MYSQL_HOST: mysql.acme.internal
MYSQL_DATABASE: launchpad-demo-openedx
MYSQL_USERNAME: launchpad-demo
MONGODB_DATABASE: launchpad-demo-openedx
FORUM_MONGODB_DATABASE: launchpad-demo-forum
STORAGE_BUCKET_NAME: launchpad-demo-a1b2c3d
STORAGE_TYPE: s3
DRYDOCK_INIT_JOBS: true
${Object.entries(SECRETS)
  .map(([k, v]) => `${k}: "${v}"`)
  .join('\n')}
`;

const applicationYml = `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: demo-staging
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://ghe.acme.test/acme-edu/launchpad-cluster-staging.git
    path: instances/demo/env
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: demo
  syncPolicy:
    automated: { prune: true, selfHeal: true }
`;

const folder = (files: Record<string, string>, slug = 'demo') => ({
  slug,
  path: `instances/${slug}`,
  treeSha: 'abc',
  files,
});

async function expectValid(entity: Entity) {
  await expect(
    new SchemaValidEntityPolicy().enforce(entity),
  ).resolves.toBeDefined();
  await expect(
    new FieldFormatEntityPolicy().enforce(entity),
  ).resolves.toBeDefined();
  const validator =
    entity.kind === 'Component'
      ? componentEntityV1alpha1Validator
      : resourceEntityV1alpha1Validator;
  await expect(validator.check(entity)).resolves.toBe(true);
}

const byName = (entities: Entity[]) =>
  Object.fromEntries(entities.map(e => [e.metadata.name, e]));

describe('buildClusterEntity', () => {
  it('builds a valid kubernetes-cluster Resource with the locator annotations', async () => {
    const entity = buildClusterEntity(ctx);
    await expectValid(entity);
    expect(entity.metadata).toMatchObject({
      name: 'staging',
      namespace: 'staging',
      title: 'Staging',
    });
    expect(entity.spec).toEqual({
      type: 'kubernetes-cluster',
      owner: 'group:default/platform-team',
    });
    expect(entity.metadata.annotations).toMatchObject({
      'kubernetes.io/api-server': 'https://k8s.staging.acme.test',
      'kubernetes.io/api-server-certificate-authority': 'Q0FEQVRB',
      [ANNOTATIONS.clusterRepository]: 'acme-edu/launchpad-cluster-staging',
      [ANNOTATIONS.environment]: 'staging',
      [ANNOTATIONS.domain]: 'staging.learn.acme.test',
      'backstage.io/managed-by-location':
        'url:https://ghe.acme.test/acme-edu/launchpad-cluster-staging/tree/main',
    });
    // No auth provider configured: the locator must not pick the cluster up with a token it cannot have.
    expect(entity.metadata.annotations).not.toHaveProperty(
      'kubernetes.io/auth-provider',
    );
    expect(entity.metadata.annotations).not.toHaveProperty(
      'kubernetes.io/skip-tls-verify',
    );
    expect(JSON.stringify(entity)).not.toMatch(/token-secret/);
    // Typed links: the cards find them by LINK_TYPES, never by title.
    expect(entity.metadata.links).toEqual([
      {
        url: 'https://ghe.acme.test/acme-edu/launchpad-cluster-staging',
        title: 'Cluster repository',
        icon: 'github',
        type: 'repository',
      },
      {
        url: 'https://argocd.staging.acme.test',
        title: 'ArgoCD',
        icon: 'dashboard',
        type: 'argocd',
      },
    ]);
  });

  it('writes auth provider and skip-tls-verify when configured', () => {
    const entity = buildClusterEntity({
      ...ctx,
      cluster: {
        ...cluster,
        kubernetes: {
          ...cluster.kubernetes,
          authProvider: 'oidc',
          oidcTokenProvider: 'okta',
          skipTLSVerify: true,
        },
      },
    });
    expect(entity.metadata.annotations).toMatchObject({
      'kubernetes.io/auth-provider': 'oidc',
      'kubernetes.io/oidc-token-provider': 'okta',
      'kubernetes.io/skip-tls-verify': 'true',
    });
  });
});

describe('buildInstanceEntities', () => {
  it('builds the instance and its database and bucket resources', async () => {
    const { entities, configError } = buildInstanceEntities(
      folder({ 'config.yml': configYml, 'application.yml': applicationYml }),
      ctx,
    );
    expect(configError).toBeUndefined();
    for (const entity of entities) await expectValid(entity);
    const named = byName(entities);
    expect(Object.keys(named).sort()).toEqual([
      'demo',
      'demo-bucket',
      'demo-forum-mongodb',
      'demo-mongodb',
      'demo-mysql',
    ]);

    const instance = named.demo;
    expect(instance.kind).toBe('Component');
    expect(instance.metadata.namespace).toBe('staging');
    expect(instance.metadata.title).toBe('Acme Demo');
    expect(instance.spec).toEqual({
      type: 'openedx-instance',
      owner: 'group:default/platform-team',
      lifecycle: 'experimental',
      dependsOn: [
        'resource:staging/staging',
        'resource:staging/demo-mysql',
        'resource:staging/demo-mongodb',
        'resource:staging/demo-forum-mongodb',
        'resource:staging/demo-bucket',
      ],
    });
    expect(instance.metadata.annotations).toMatchObject({
      [ANNOTATIONS.cluster]: 'staging',
      [ANNOTATIONS.instance]: 'demo',
      [ANNOTATIONS.sourcePath]: 'instances/demo',
      [ANNOTATIONS.openedxRelease]: 'release/teak.3',
      [ANNOTATIONS.tutorVersion]: 'v20.0.5',
      [ANNOTATIONS.openedxImage]: 'ghcr.io/acme-edu/openedx-demo:teak-abc123',
      [ANNOTATIONS.mfeImage]: 'ghcr.io/acme-edu/mfe-demo:teak-abc123',
      'backstage.io/kubernetes-namespace': 'demo',
      'backstage.io/kubernetes-label-selector': 'app.kubernetes.io/name',
      'backstage.io/kubernetes-cluster': 'staging',
      'argocd/app-name': 'demo-staging',
      'github.com/project-slug': 'acme-edu/launchpad-cluster-staging',
      'backstage.io/managed-by-location':
        'url:https://ghe.acme.test/acme-edu/launchpad-cluster-staging/tree/main/instances/demo',
    });
    expect(instance.metadata.annotations).not.toHaveProperty(
      ANNOTATIONS.configError,
    );
    expect(instance.metadata.labels).toEqual({
      'launchpad.openedx.org/cluster': 'staging',
      'launchpad.openedx.org/release': 'teak',
    });
    expect(instance.metadata.links).toEqual([
      {
        url: 'https://demo.staging.learn.acme.test',
        title: 'LMS',
        icon: 'web',
        type: 'lms',
      },
      {
        url: 'https://studio.demo.staging.learn.acme.test',
        title: 'Studio',
        icon: 'web',
        type: 'studio',
      },
      {
        url: 'https://preview.demo.staging.learn.acme.test',
        title: 'Preview',
        icon: 'web',
        type: 'preview',
      },
      {
        url: 'https://argocd.staging.acme.test/applications/argocd/demo-staging',
        title: 'ArgoCD application',
        icon: 'dashboard',
        type: 'argocd',
      },
      {
        url: 'https://ghe.acme.test/acme-edu/launchpad-cluster-staging/actions/workflows/build.yml',
        title: 'Build workflow (Picasso)',
        icon: 'github',
        type: 'build',
      },
      {
        url: 'https://ghe.acme.test/acme-edu/launchpad-cluster-staging/tree/main/instances/demo',
        title: 'Instance folder',
        icon: 'github',
        type: 'repository',
      },
    ]);

    expect(named['demo-mysql'].spec).toEqual({
      type: 'mysql-database',
      owner: 'group:default/platform-team',
      dependencyOf: ['component:staging/demo'],
    });
    expect(named['demo-mysql'].metadata.annotations).toMatchObject({
      [ANNOTATIONS.databaseName]: 'launchpad-demo-openedx',
      [ANNOTATIONS.databaseUsername]: 'launchpad-demo',
      [ANNOTATIONS.databaseHost]: 'mysql.acme.internal',
    });
    expect(named['demo-forum-mongodb'].spec?.type).toBe('mongodb-database');
    expect(
      named['demo-forum-mongodb'].metadata.annotations?.[
        ANNOTATIONS.databaseName
      ],
    ).toBe('launchpad-demo-forum');
    expect(named['demo-bucket'].metadata.annotations).toMatchObject({
      [ANNOTATIONS.bucketName]: 'launchpad-demo-a1b2c3d',
      [ANNOTATIONS.storageType]: 's3',
    });
  });

  it('never copies a secret from config.yml into an entity', () => {
    const { entities } = buildInstanceEntities(
      folder({ 'config.yml': configYml, 'application.yml': applicationYml }),
      ctx,
    );
    const serialized = JSON.stringify(entities);
    for (const secret of Object.values(SECRETS)) {
      expect(serialized).not.toContain(secret);
    }
    expect(serialized).not.toContain('redis-pw');
  });

  it('uses PORTAL_OWNER and production lifecycle', () => {
    const { entities } = buildInstanceEntities(
      folder({
        'config.yml': `${configYml}\nPORTAL_OWNER: group:default/course-team\n`,
      }),
      {
        ...ctx,
        cluster: { ...cluster, name: 'production', environment: 'production' },
      },
    );
    const named = byName(entities);
    expect(named.demo.spec).toMatchObject({
      owner: 'group:default/course-team',
      lifecycle: 'production',
    });
    expect(named['demo-mysql'].spec?.owner).toBe('group:default/course-team');
    // Without application.yml the ArgoCD name is derived: <slug>-<environment>.
    expect(named.demo.metadata.annotations?.['argocd/app-name']).toBe(
      'demo-production',
    );
    expect(named.demo.metadata.annotations).not.toHaveProperty(
      ANNOTATIONS.configError,
    );
  });

  it('flags an unparseable PORTAL_OWNER and falls back to the default owner', () => {
    const { entities, configError } = buildInstanceEntities(
      folder({ 'config.yml': `${configYml}\nPORTAL_OWNER: "group:"\n` }),
      ctx,
    );
    expect(configError).toMatch(/PORTAL_OWNER/);
    expect(entities[0].spec?.owner).toBe('group:default/platform-team');
  });

  it('still emits a flagged instance for invalid YAML, without leaking the bad line', async () => {
    const broken = `LMS_HOST: demo.example.com\nMYSQL_PASSWORD: "unterminated-secret-42\n  : [oops\n`;
    const { entities, configError } = buildInstanceEntities(
      folder(
        { 'config.yml': broken, 'application.yml': applicationYml },
        'broken',
      ),
      ctx,
    );
    expect(entities).toHaveLength(1);
    const [instance] = entities;
    await expectValid(instance);
    expect(configError).toMatch(/^config\.yml is not valid YAML: /);
    expect(instance.metadata.annotations?.[ANNOTATIONS.configError]).toBe(
      configError,
    );
    expect(instance.metadata.description).toBe(
      `Configuration error in instances/broken: ${configError}`,
    );
    expect(instance.metadata.title).toBe('broken');
    expect(instance.spec?.dependsOn).toEqual(['resource:staging/staging']);
    expect(JSON.stringify(entities)).not.toContain('unterminated-secret-42');
  });

  it('reports missing required keys by name', () => {
    const { configError, entities } = buildInstanceEntities(
      folder({
        'config.yml':
          'PLATFORM_NAME: Half done\nMYSQL_DATABASE: launchpad-x-openedx\n',
      }),
      ctx,
    );
    expect(configError).toBe(
      'config.yml is invalid: LMS_HOST: is required; CMS_HOST: is required',
    );
    expect(entities).toHaveLength(1);
  });

  it('reports a missing config.yml and an invalid application.yml together', () => {
    const { configError } = buildInstanceEntities(
      folder({ 'application.yml': 'kind: Application\napiVersion: v1\n' }),
      ctx,
    );
    expect(configError).toMatch(
      /^config\.yml is missing; application\.yml is invalid: apiVersion: /,
    );
  });
});

describe('isInstanceFolderName', () => {
  it.each([
    ['demo', true],
    ['a-very-long-but-valid-instance-name-42', true],
    ['Demo', false],
    ['de_mo', false],
    ['a--b', true], // created by other tools: still a valid namespace and entity name
    ['x'.repeat(50), false],
  ])('%s → %p', (name, ok) => {
    expect(isInstanceFolderName(name)).toBe(ok);
  });
});
