import { parseArgocdApplication, parseInstanceConfig } from './config';

const validConfig = {
  K8S_NAMESPACE: 'demo',
  LMS_HOST: 'demo.staging.learn.acme.test',
  CMS_HOST: 'studio.demo.staging.learn.acme.test',
  PREVIEW_LMS_HOST: 'preview.demo.staging.learn.acme.test',
  PLATFORM_NAME: 'Acme Demo',
  EDX_PLATFORM_REPOSITORY: 'https://github.com/openedx/edx-platform.git',
  EDX_PLATFORM_VERSION: 'release/teak.3',
  TUTOR_VERSION: 'v20.0.5',
  DOCKER_IMAGE_OPENEDX: 'ghcr.io/acme-edu/openedx:demo-1',
  MFE_DOCKER_IMAGE: 'ghcr.io/acme-edu/mfe:demo-1',
  MYSQL_DATABASE: 'launchpad-demo-openedx',
  MYSQL_USERNAME: 'launchpad-demo',
  MONGODB_DATABASE: 'launchpad-demo-openedx',
  FORUM_MONGODB_DATABASE: 'launchpad-demo-forum',
  STORAGE_BUCKET_NAME: 'launchpad-demo-a1b2c3d',
  STORAGE_TYPE: 's3',
  DRYDOCK_INIT_JOBS: true,
  PICASSO_EXTRA_COMMANDS: ['tutor plugins enable forum'],
  PORTAL_OWNER: 'group:default/course-team',
};

describe('parseInstanceConfig', () => {
  it('accepts a complete config and keeps its values', () => {
    const result = parseInstanceConfig(validConfig);
    expect(result).toEqual({ ok: true, value: validConfig });
  });

  it('keeps unknown keys instead of rejecting them', () => {
    const result = parseInstanceConfig({
      ...validConfig,
      RUN_CADDY: false,
      MY_PLUGIN_SETTING: { nested: [1, 2] },
    });
    expect(result).toMatchObject({
      ok: true,
      value: { RUN_CADDY: false, MY_PLUGIN_SETTING: { nested: [1, 2] } },
    });
  });

  it('requires LMS_HOST and CMS_HOST and names them', () => {
    const { LMS_HOST, CMS_HOST, ...rest } = validConfig;
    const result = parseInstanceConfig(rest);
    expect(result).toEqual({
      ok: false,
      reason: 'LMS_HOST: is required; CMS_HOST: is required',
    });
  });

  it('accepts a minimal config with only the required keys', () => {
    expect(
      parseInstanceConfig({
        LMS_HOST: 'a.example.com',
        CMS_HOST: 'b.example.com',
      }).ok,
    ).toBe(true);
  });

  it.each([
    ['LMS_HOST', 'https://demo.example.com'],
    ['CMS_HOST', 'studio example com'],
    ['STORAGE_TYPE', 'gcs'],
    ['K8S_NAMESPACE', 'Demo_NS'],
    ['PLATFORM_NAME', '   '],
    ['PICASSO_EXTRA_COMMANDS', { not: 'a list' }],
  ])('rejects a malformed %s and names the key', (key, value) => {
    const result = parseInstanceConfig({ ...validConfig, [key]: value });
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(new RegExp(`^${key}: `)),
    });
  });

  it('reads numeric versions as strings', () => {
    const result = parseInstanceConfig({ ...validConfig, TUTOR_VERSION: 20.1 });
    expect(result.ok && result.value.TUTOR_VERSION).toBe('20.1');
  });

  it.each([null, 'just a string', [1, 2], 42])(
    'rejects a document that is not a mapping (%p)',
    doc => {
      expect(parseInstanceConfig(doc)).toEqual({
        ok: false,
        reason: 'config.yml must be a mapping of keys to values',
      });
    },
  );
});

const validApplication = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'demo-staging', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: {
      repoURL: 'https://github.com/acme-edu/launchpad-cluster-staging.git',
      path: 'instances/demo/env',
      targetRevision: 'main',
    },
    destination: {
      namespace: 'demo',
      server: 'https://kubernetes.default.svc',
    },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  },
};

describe('parseArgocdApplication', () => {
  it('accepts an Application and keeps unknown fields', () => {
    const doc = {
      ...validApplication,
      spec: { ...validApplication.spec, ignoreDifferences: [] },
    };
    const result = parseArgocdApplication(doc);
    expect(result).toEqual({ ok: true, value: doc });
  });

  it('rejects another kind', () => {
    const result = parseArgocdApplication({
      ...validApplication,
      kind: 'AppProject',
    });
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^kind: /),
    });
  });

  it('requires the source path and destination namespace', () => {
    const result = parseArgocdApplication({
      ...validApplication,
      spec: { source: { repoURL: 'x' }, destination: {} },
    });
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /spec\.source\.path: is required.*spec\.destination\.namespace: is required/,
      ),
    });
  });
});
