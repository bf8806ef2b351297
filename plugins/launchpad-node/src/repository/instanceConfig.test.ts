import { mockServices } from '@backstage/backend-test-utils';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { createGitHubClient } from '../github';
import { countingFetch, withFault } from '../testUtils';
import { createInstanceReader, parseInstanceFiles } from './instanceConfig';

const CONFIG = `# Launchpad writes credentials next to the settings
LMS_HOST: demo.example.test
CMS_HOST: studio.demo.example.test
PLATFORM_NAME: Demo
EDX_PLATFORM_VERSION: release/teak.3
MYSQL_DATABASE: launchpad-demo
MYSQL_PASSWORD: "mysql-pw-4f1e"
OPENEDX_SECRET_KEY: "django-secret-77c1"
CACHE_URL: "redis://default:redis-pw-5d5d@redis:6379/0"
TUTOR_PLUGIN_SETTINGS:
  S3_SECRET_ACCESS_KEY: "nested-secret-1"
  REGION: us-east-1
`;

const APPLICATION = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: demo-test
  namespace: argocd
spec:
  source:
    repoURL: https://github.com/test-org/cluster.git
    path: instances/demo/env
  destination:
    namespace: demo
`;

const SECRET_VALUES = [
  'mysql-pw-4f1e',
  'django-secret-77c1',
  'redis-pw-5d5d',
  'nested-secret-1',
];

describe('parseInstanceFiles', () => {
  it('validates both files and strips every secret, at every depth', () => {
    const parsed = parseInstanceFiles({
      'config.yml': CONFIG,
      'application.yml': APPLICATION,
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.config).toMatchObject({
      LMS_HOST: 'demo.example.test',
      PLATFORM_NAME: 'Demo',
      TUTOR_PLUGIN_SETTINGS: { REGION: 'us-east-1' },
    });
    expect(parsed.config).not.toHaveProperty('MYSQL_PASSWORD');
    expect(parsed.config).not.toHaveProperty('CACHE_URL');
    expect(parsed.application?.metadata.name).toBe('demo-test');
    const serialized = JSON.stringify(parsed);
    for (const secret of SECRET_VALUES)
      expect(serialized).not.toContain(secret);
  });

  it('reports each malformed file on its own, never quoting the bad line', () => {
    const parsed = parseInstanceFiles({
      'config.yml':
        'LMS_HOST: x.test\nMYSQL_PASSWORD: "unterminated-42\n  : [\n',
      'application.yml': 'kind: Application\napiVersion: v1\n',
    });
    expect(parsed.config).toBeUndefined();
    expect(parsed.application).toBeUndefined();
    expect(parsed.errors.map(e => e.file)).toEqual([
      'config.yml',
      'application.yml',
    ]);
    expect(parsed.errors[0].message).toMatch(
      /^config\.yml is not valid YAML: /,
    );
    expect(parsed.errors[1].message).toMatch(
      /^application\.yml is invalid: apiVersion: /,
    );
    expect(JSON.stringify(parsed)).not.toContain('unterminated-42');
  });

  it('reports a missing config.yml but not a missing application.yml', () => {
    expect(parseInstanceFiles({}).errors).toEqual([
      { file: 'config.yml', message: 'config.yml is missing' },
    ]);
    expect(
      parseInstanceFiles({ 'config.yml': 'LMS_HOST: a.test\n' }).errors,
    ).toEqual([
      {
        file: 'config.yml',
        message: 'config.yml is invalid: CMS_HOST: is required',
      },
    ]);
  });
});

describe('readInstance (against the sandbox)', () => {
  const OWNER = 'test-org';
  const REPO = 'instance-config';
  let sandbox: Sandbox;
  const counter = countingFetch();
  let readInstance: ReturnType<typeof createInstanceReader>;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 'none' });
    await sandbox.git.createRepository(OWNER, REPO, {
      files: {
        'README.md': '# cluster\n',
        'instances/demo/config.yml': CONFIG,
        'instances/demo/application.yml': APPLICATION,
        'instances/demo/env/kustomization.yml': 'resources: []\n',
        'instances/broken/config.yml': 'LMS_HOST: [oops\n',
      },
    });
    const octokit = createGitHubClient({
      baseUrl: sandbox.github.url,
      token: sandbox.github.token,
      logger: mockServices.logger.mock(),
      retryAfterBaseValue: 1,
      writeSpacingMs: 0,
      fetch: counter.fetch,
    });
    readInstance = createInstanceReader({
      octokit: async () => octokit,
      owner: OWNER,
      repo: REPO,
      branch: 'main',
      cluster: 'staging',
    });
  }, 30_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('reads one folder at the branch head in two requests, secrets stripped', async () => {
    counter.take();
    const read = await readInstance('demo');
    const head = await sandbox.git.headSha(OWNER, REPO, 'main');
    const folder = await sandbox.git.readPath(OWNER, REPO, 'instances/demo');
    const config = await sandbox.git.readPath(
      OWNER,
      REPO,
      'instances/demo/config.yml',
    );
    expect(read).toMatchObject({
      slug: 'demo',
      path: 'instances/demo',
      commitSha: head,
      treeSha: folder?.sha,
      errors: [],
    });
    expect(read.blobShas['config.yml']).toBe(config?.sha);
    expect(read.blobShas['application.yml']).toMatch(/^[0-9a-f]{40}$/);
    expect(read.config?.LMS_HOST).toBe('demo.example.test');
    expect(read.application?.spec.destination.namespace).toBe('demo');
    const serialized = JSON.stringify(read);
    for (const secret of SECRET_VALUES)
      expect(serialized).not.toContain(secret);
    expect(counter.take().map(r => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${OWNER}/${REPO}/git/ref/heads%2Fmain`,
      'POST /graphql',
    ]);
  });

  it('reads a folder once per commit: the same head again costs only the branch lookup', async () => {
    await readInstance('demo');
    counter.take();
    const again = await readInstance('demo');
    expect(again.config?.LMS_HOST).toBe('demo.example.test');
    // A caller changing its copy changes nobody else's.
    (again as { slug: string }).slug = 'changed';
    expect((await readInstance('demo')).slug).toBe('demo');
    await expect(readInstance('nope')).rejects.toThrow(NotFoundError);
    await expect(readInstance('nope')).rejects.toThrow(NotFoundError);
    expect(
      counter
        .take()
        .map(r => `${r.method} ${r.path}`)
        .filter(r => r === 'POST /graphql'),
    ).toEqual(['POST /graphql']); // the first read of "nope" only
  });

  it('reads what was committed last (a new head is read again)', async () => {
    await sandbox.git.commitFiles(OWNER, REPO, {
      message: 'rename',
      changes: {
        'instances/demo/config.yml': CONFIG.replace(
          'PLATFORM_NAME: Demo',
          'PLATFORM_NAME: Renamed',
        ),
      },
    });
    const read = await readInstance('demo');
    expect(read.config?.PLATFORM_NAME).toBe('Renamed');
    expect(read.commitSha).toBe(await sandbox.git.headSha(OWNER, REPO, 'main'));
  });

  it('reads a file over GraphQL’s text limit over REST', async () => {
    const padding = `# ${'x'.repeat(600 * 1024)}\n`;
    await sandbox.git.commitFiles(OWNER, REPO, {
      message: 'big',
      changes: { 'instances/big/config.yml': `${padding}${CONFIG}` },
    });
    counter.take();
    const read = await readInstance('big');
    expect(read.errors).toEqual([]);
    expect(read.config?.LMS_HOST).toBe('demo.example.test');
    expect(counter.take().map(r => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${OWNER}/${REPO}/git/ref/heads%2Fmain`,
      'POST /graphql',
      `GET /repos/${OWNER}/${REPO}/git/blobs/${read.blobShas['config.yml']}`,
    ]);
  });

  it('gives a malformed folder with its per-file error', async () => {
    const read = await readInstance('broken');
    expect(read.config).toBeUndefined();
    expect(read.errors).toEqual([
      {
        file: 'config.yml',
        message: expect.stringMatching(/^config\.yml is not valid YAML: /),
      },
    ]);
  });

  it('throws NotFoundError for a missing folder or branch, InputError for a bad slug', async () => {
    await expect(readInstance('nope')).rejects.toThrow(NotFoundError);
    await expect(readInstance('nope')).rejects.toThrow(
      /No instance folder instances\/nope in test-org\/instance-config at main/,
    );
    // A file where a folder is expected is not an instance folder either.
    await sandbox.git.commitFiles(OWNER, REPO, {
      message: 'file',
      changes: { 'instances/plain': 'not a folder\n' },
    });
    await expect(readInstance('plain')).rejects.toThrow(NotFoundError);
    await expect(readInstance('../etc')).rejects.toThrow(InputError);
    const otherBranch = createInstanceReader({
      octokit: async () =>
        createGitHubClient({
          baseUrl: sandbox.github.url,
          token: sandbox.github.token,
          logger: mockServices.logger.mock(),
          retryAfterBaseValue: 1,
          writeSpacingMs: 0,
        }),
      owner: OWNER,
      repo: REPO,
      branch: 'no-such-branch',
    });
    await expect(otherBranch('demo')).rejects.toThrow(NotFoundError);
  });

  it('types a GitHub failure, naming the cluster, the repository and the instance', async () => {
    await withFault(
      sandbox,
      {
        kind: 'http-error',
        service: 'github',
        status: 502,
        pathPrefix: '/graphql',
      },
      async () => {
        // A new head: the folder is read again (a read at the old one is kept).
        await sandbox.git.commitFiles(OWNER, REPO, {
          message: 'touch',
          changes: { 'README.md': '# cluster, touched\n' },
        });
        const failure = readInstance('demo');
        await expect(failure).rejects.toThrow(ServiceUnavailableError);
        await expect(failure).rejects.toThrow(
          /^Could not read instance demo \(cluster staging, repository test-org\/instance-config\): GitHub answered 502/,
        );
      },
    );
  });
});
