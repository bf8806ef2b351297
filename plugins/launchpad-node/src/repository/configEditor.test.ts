import { InputError } from '@backstage/errors';
import {
  parseArgocdApplication,
  parseInstanceConfig,
} from '@internal/plugin-launchpad-common';
import { SEED_CLUSTERS, startSandbox, type Sandbox } from '@internal/sandbox';
import YAML from 'yaml';
import { ConfigEditor } from './configEditor';
import { unifiedDiff } from './configEditorDiff';

const staging = SEED_CLUSTERS.find(c => c.name === 'staging')!;
const [owner, repo] = staging.repository.split('/');

const editor = new ConfigEditor({
  cluster: staging.name,
  environment: staging.environment,
  domain: staging.domain,
  repoUrl: `https://github.com/${staging.repository}.git`,
  branch: staging.branch,
});

const SECRETS = {
  MYSQL_PASSWORD: 'generated-mysql',
  MONGODB_PASSWORD: 'generated-mongo',
  OPENEDX_SECRET_KEY: 'generated-openedx',
};

const render = (extra: Partial<Parameters<typeof editor.renderInstance>[0]>) =>
  editor.renderInstance({
    slug: 'chemistry',
    platformName: 'Chemistry 201',
    edxPlatformVersion: 'release/teak.3',
    tutorVersion: 'v20.0.5',
    ...extra,
  });

const inputError = (fn: () => unknown): InputError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
};

describe('ConfigEditor', () => {
  describe('renderInstance', () => {
    it('renders every Launchpad key, the names derived from the slug, and the secrets in place', () => {
      const rendered = render({
        secrets: SECRETS,
        owner: 'group:default/chemistry',
        picassoExtraCommands: ['tutor config save'],
        dockerImageOpenedx: 'acme/openedx-chemistry:teak.3-1',
        mfeDockerImage: 'acme/openedx-mfe-chemistry:teak.3-1',
      });
      expect(rendered.files.map(f => f.path)).toEqual([
        'instances/chemistry/config.yml',
        'instances/chemistry/application.yml',
      ]);
      const config = YAML.parse(rendered.files[0].content);
      expect(Object.keys(config)).toEqual([
        'K8S_NAMESPACE',
        'LMS_HOST',
        'CMS_HOST',
        'PREVIEW_LMS_HOST',
        'PLATFORM_NAME',
        'EDX_PLATFORM_REPOSITORY',
        'EDX_PLATFORM_VERSION',
        'TUTOR_VERSION',
        'DOCKER_IMAGE_OPENEDX',
        'MFE_DOCKER_IMAGE',
        'MYSQL_DATABASE',
        'MYSQL_USERNAME',
        'MYSQL_PASSWORD',
        'MONGODB_DATABASE',
        'MONGODB_USERNAME',
        'MONGODB_PASSWORD',
        'FORUM_MONGODB_DATABASE',
        'STORAGE_TYPE',
        'STORAGE_BUCKET_NAME',
        'OPENEDX_SECRET_KEY',
        'DRYDOCK_INIT_JOBS',
        'DRYDOCK_ENABLE_SCALING',
        'DRYDOCK_ENABLE_MULTITENANCY',
        'DRYDOCK_BYPASS_CADDY',
        'PICASSO_EXTRA_COMMANDS',
        'PORTAL_OWNER',
      ]);
      expect(config).toMatchObject({
        K8S_NAMESPACE: 'chemistry',
        LMS_HOST: 'chemistry.staging.learn.acme.test',
        CMS_HOST: 'studio.chemistry.staging.learn.acme.test',
        PREVIEW_LMS_HOST: 'preview.chemistry.staging.learn.acme.test',
        MYSQL_DATABASE: 'launchpad-chemistry-openedx',
        MYSQL_USERNAME: 'launchpad-chemistry',
        MYSQL_PASSWORD: 'generated-mysql',
        FORUM_MONGODB_DATABASE: 'launchpad-chemistry-forum',
        STORAGE_TYPE: 's3',
        PORTAL_OWNER: 'group:default/chemistry',
      });
      expect(config.STORAGE_BUCKET_NAME).toMatch(
        /^launchpad-chemistry-[a-z0-9]{7}$/,
      );
      expect(rendered.names.bucket).toBe(config.STORAGE_BUCKET_NAME);
      expect(parseInstanceConfig(config).ok).toBe(true);

      const app = YAML.parse(rendered.files[1].content);
      expect(parseArgocdApplication(app).ok).toBe(true);
      expect(app).toMatchObject({
        metadata: { name: 'chemistry-staging', namespace: 'argocd' },
        spec: {
          source: {
            path: 'instances/chemistry/env',
            repoURL: `https://github.com/${staging.repository}.git`,
            targetRevision: 'main',
          },
          destination: { namespace: 'chemistry' },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=true'],
          },
        },
      });
    });

    it('keeps secrets out of the file when asked, and refuses a non-secret passed as a secret', () => {
      const rendered = render({ secrets: SECRETS, writeSecrets: false });
      const text = rendered.files[0].content;
      for (const value of Object.values(SECRETS)) {
        expect(text).not.toContain(value);
      }
      expect(YAML.parse(text)).not.toHaveProperty('MYSQL_PASSWORD');
      expect(
        inputError(() => render({ secrets: { PLATFORM_NAME: 'x' } })).message,
      ).toMatch(/^secrets\.PLATFORM_NAME: /);
    });

    it('refuses an invalid slug and a value the schema refuses, naming them', () => {
      expect(inputError(() => render({ slug: 'Bad_Slug' })).message).toMatch(
        /^slug: /,
      );
      expect(
        inputError(() => render({ extra: { lower_case: 1 } })).message,
      ).toMatch(/^extra\.lower_case: /);
      expect(inputError(() => render({ platformName: '  ' })).message).toMatch(
        /PLATFORM_NAME: must not be empty/,
      );
    });
  });

  describe('against the seeded repository', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ seed: 'default' });
    }, 60_000);
    afterAll(async () => {
      await sandbox?.stop();
    }, 30_000);

    it('renders the seeded layout: same key order as Launchpad, and the same Application', async () => {
      const seeded = await sandbox.git.readFile(
        owner,
        repo,
        'instances/demo/config.yml',
      );
      const seededApp = await sandbox.git.readFile(
        owner,
        repo,
        'instances/demo/application.yml',
      );
      const seededConfig = YAML.parse(seeded!) as Record<string, unknown>;
      const rendered = render({
        slug: 'demo',
        platformName: seededConfig.PLATFORM_NAME as string,
        dockerImageOpenedx: seededConfig.DOCKER_IMAGE_OPENEDX as string,
        mfeDockerImage: seededConfig.MFE_DOCKER_IMAGE as string,
        storageBucketName: seededConfig.STORAGE_BUCKET_NAME as string,
        owner: seededConfig.PORTAL_OWNER as string,
        picassoExtraCommands: seededConfig.PICASSO_EXTRA_COMMANDS as string[],
        secrets: {
          MYSQL_PASSWORD: seededConfig.MYSQL_PASSWORD as string,
          MONGODB_PASSWORD: seededConfig.MONGODB_PASSWORD as string,
        },
      });
      const config = YAML.parse(rendered.files[0].content) as Record<
        string,
        unknown
      >;
      // Every rendered key has the seeded value, in the seeded order.
      const seededOrder = Object.keys(seededConfig).filter(k => k in config);
      expect(Object.keys(config)).toEqual(seededOrder);
      for (const key of Object.keys(config)) {
        expect([key, config[key]]).toEqual([key, seededConfig[key]]);
      }
      expect(YAML.parse(rendered.files[1].content)).toEqual(
        YAML.parse(seededApp!),
      );
    });

    it('round-trips a seeded config.yml byte for byte when a change leaves the rest alone', async () => {
      const seeded = (await sandbox.git.readFile(
        owner,
        repo,
        'instances/physics-101/config.yml',
      ))!;
      const merged = editor.merge(seeded, {
        PLATFORM_NAME: 'Physics 101 (renamed)',
      });
      expect(merged.changedKeys).toEqual(['PLATFORM_NAME']);
      expect(merged.content).toBe(
        seeded.replace(
          'PLATFORM_NAME: Physics 101\n',
          'PLATFORM_NAME: Physics 101 (renamed)\n',
        ),
      );
    });
  });

  describe('merge', () => {
    const EXISTING = [
      '# Tutor config of alpha (managed by hand, keep this comment)',
      'LMS_HOST: alpha.example.test',
      'CMS_HOST: studio.alpha.example.test # studio',
      '',
      '# Versions',
      'EDX_PLATFORM_VERSION: "release/teak.2"',
      'TUTOR_VERSION: v20.0.4',
      'PICASSO_EXTRA_COMMANDS: [tutor config save, echo done]',
      'LONG_VALUE: this value is much longer than eighty characters so that yaml would fold it by default',
      'DRYDOCK_INIT_JOBS: true',
      '',
    ].join('\n');

    it('changes values in place, keeping comments, quoting, order and untouched keys; null deletes; new keys go last', () => {
      const merged = editor.merge(
        EXISTING,
        {
          EDX_PLATFORM_VERSION: 'release/teak.3',
          TUTOR_VERSION: 'v20.0.5',
          DRYDOCK_INIT_JOBS: null,
          PORTAL_OWNER: 'group:default/alpha',
          CMS_HOST: 'studio.alpha.example.test',
        },
        { path: 'instances/alpha/config.yml' },
      );
      expect(merged.content).toBe(
        [
          '# Tutor config of alpha (managed by hand, keep this comment)',
          'LMS_HOST: alpha.example.test',
          'CMS_HOST: studio.alpha.example.test # studio',
          '',
          '# Versions',
          'EDX_PLATFORM_VERSION: "release/teak.3"',
          'TUTOR_VERSION: v20.0.5',
          'PICASSO_EXTRA_COMMANDS: [tutor config save, echo done]',
          'LONG_VALUE: this value is much longer than eighty characters so that yaml would fold it by default',
          'PORTAL_OWNER: group:default/alpha',
          '',
        ].join('\n'),
      );
      // CMS_HOST was already that value: not a change.
      expect(merged.changedKeys).toEqual([
        'EDX_PLATFORM_VERSION',
        'TUTOR_VERSION',
        'DRYDOCK_INIT_JOBS',
        'PORTAL_OWNER',
      ]);
      expect(merged.config).toMatchObject({
        EDX_PLATFORM_VERSION: 'release/teak.3',
        PORTAL_OWNER: 'group:default/alpha',
      });
      expect(merged.config).not.toHaveProperty('DRYDOCK_INIT_JOBS');
    });

    it('returns the file unchanged, with an empty diff, when nothing changes', () => {
      const merged = editor.merge(EXISTING, { TUTOR_VERSION: 'v20.0.4' });
      expect(merged).toMatchObject({
        content: EXISTING,
        changedKeys: [],
        diff: '',
      });
    });

    it('refuses a change that does not validate, naming the key', () => {
      expect(
        inputError(() => editor.merge(EXISTING, { LMS_HOST: 'https://x/y' }))
          .message,
      ).toMatch(/LMS_HOST: must be a host name/);
      expect(
        inputError(() => editor.merge(EXISTING, { LMS_HOST: null })).message,
      ).toMatch(/LMS_HOST: is required/);
      expect(
        inputError(() => editor.merge(EXISTING, { STORAGE_TYPE: 'gcs' }))
          .message,
      ).toMatch(/STORAGE_TYPE: /);
      expect(
        inputError(() => editor.merge(EXISTING, { 'bad key': 1 })).message,
      ).toMatch(/^bad key: /);
    });

    it('starts a mapping in an empty or comment-only file, keeping the comment', () => {
      const merged = editor.merge('# to be filled in\n', {
        LMS_HOST: 'a.test',
        CMS_HOST: 'studio.a.test',
      });
      expect(merged.content).toBe(
        '# to be filled in\n\nLMS_HOST: a.test\nCMS_HOST: studio.a.test\n',
      );
      expect(
        editor.merge('', { LMS_HOST: 'a.test', CMS_HOST: 'b.test' }).content,
      ).toBe('LMS_HOST: a.test\nCMS_HOST: b.test\n');
    });

    it('refuses to edit a config.yml that does not parse', () => {
      expect(
        inputError(() =>
          editor.merge('LMS_HOST: "unclosed\nCMS_HOST: x\n', { A: 1 }),
        ).message,
      ).toMatch(/does not parse/);
    });

    it('gives a unified diff of the change', () => {
      const merged = editor.merge(
        EXISTING,
        { TUTOR_VERSION: 'v20.0.5' },
        { path: 'instances/alpha/config.yml' },
      );
      expect(merged.diff).toBe(
        [
          '--- a/instances/alpha/config.yml',
          '+++ b/instances/alpha/config.yml',
          '@@ -4,7 +4,7 @@',
          ' ',
          ' # Versions',
          ' EDX_PLATFORM_VERSION: "release/teak.2"',
          '-TUTOR_VERSION: v20.0.4',
          '+TUTOR_VERSION: v20.0.5',
          ' PICASSO_EXTRA_COMMANDS: [tutor config save, echo done]',
          ' LONG_VALUE: this value is much longer than eighty characters so that yaml would fold it by default',
          ' DRYDOCK_INIT_JOBS: true',
          '',
        ].join('\n'),
      );
    });
  });

  describe('unifiedDiff', () => {
    it('numbers hunks as git does, separating distant changes', () => {
      const before = `${Array.from({ length: 20 }, (_, i) => `L${i + 1}`).join(
        '\n',
      )}\n`;
      const after = before.replace('L2\n', 'L2x\n').replace('L19\n', '');
      expect(unifiedDiff(before, after, 'f')).toBe(
        [
          '--- a/f',
          '+++ b/f',
          '@@ -1,5 +1,5 @@',
          ' L1',
          '-L2',
          '+L2x',
          ' L3',
          ' L4',
          ' L5',
          '@@ -16,5 +16,4 @@',
          ' L16',
          ' L17',
          ' L18',
          '-L19',
          ' L20',
          '',
        ].join('\n'),
      );
      expect(unifiedDiff('', 'a\n', 'new')).toBe(
        '--- a/new\n+++ b/new\n@@ -0,0 +1 @@\n+a\n',
      );
    });
  });
});
