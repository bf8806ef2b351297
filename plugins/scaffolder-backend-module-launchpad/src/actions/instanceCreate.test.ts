import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonValue } from '@backstage/types';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  mockDeps,
  useActionSandbox,
} from '../__testUtils__';
import { createInstanceCreateAction } from './instanceCreate';
import { examples } from './instanceCreate.examples';

describe('launchpad:instance:create (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createInstanceCreateAction);
  const head = async () =>
    (await env.clusters.get('staging').repository.writer.readHead()) as string;
  const readFile = async (path: string) => {
    const octokit = await env.clusters.get('staging').repository.octokit();
    const { data } = await octokit.rest.repos.getContent({
      owner: 'acme-edu',
      repo: 'launchpad-cluster-staging',
      path,
      mediaType: { format: 'raw' },
    });
    return data as unknown as string;
  };

  // The new-repository example runs in instanceCreate.repository.test.ts.
  const [commitExample, pullRequestExample, ...others] = exampleInputs(
    examples,
    'launchpad:instance:create',
  ).filter(e => !e.input.templateRepository);
  const expectOutputs = (outputs: Record<string, unknown>, slug: string) =>
    expect(outputs).toMatchObject({
      entityRef: `component:staging/${slug}`,
      lmsUrl: `https://${slug}.staging.learn.acme.test`,
      studioUrl: `https://studio.${slug}.staging.learn.acme.test`,
      namespace: slug,
      application: `${slug}-staging`,
      release: 'release/teak.3',
      bucket: expect.stringMatching(
        new RegExp(`^launchpad-${slug}-[a-z0-9]{7}$`),
      ),
    });

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
    expect(commitExample.input.publishAs).toBeUndefined();
    expect(pullRequestExample.input.publishAs).toBe('pull-request');
  });

  it(`example: ${commitExample.description}`, async () => {
    const { action, deps } = build();
    const { ctx, outputs, logger } = actionContext(action, commitExample.input);
    await action.handler(ctx);
    const slug = String(commitExample.input.slug);
    expectOutputs(outputs, slug);
    expect(outputs.commitSha).toBe(await head());
    expect(outputs.commitUrl).toContain(`/commit/${outputs.commitSha}`);
    const config = await readFile(`instances/${slug}/config.yml`);
    expect(config).toContain(`MYSQL_DATABASE: launchpad-${slug}-openedx`);
    expect(config).toContain('PORTAL_OWNER: group:default/platform-team');
    expect(config).toContain('EDX_PLATFORM_VERSION: release/teak.3');
    const password = /MYSQL_PASSWORD: (\S+)/.exec(config)![1];
    expect(password).toHaveLength(32);
    expect(
      JSON.stringify([
        outputs,
        logger.info.mock.calls,
        deps.auditor.createEvent.mock.calls,
      ]),
    ).not.toContain(password);
    const application = await readFile(`instances/${slug}/application.yml`);
    expect(application).toContain(`name: ${slug}-staging`);
    expect(deps.events.publish).toHaveBeenCalledWith({
      topic: 'launchpad.repository.changed',
      eventPayload: { cluster: 'staging' },
    });
    expect(deps.auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({ eventId: 'instance-create' }),
    );
  }, 30_000);

  it(`example: ${pullRequestExample.description}`, async () => {
    const { action, deps } = build();
    const before = await head();
    const { ctx, outputs, logger, lines } = actionContext(
      action,
      pullRequestExample.input,
    );
    await action.handler(ctx);
    const slug = String(pullRequestExample.input.slug);
    expectOutputs(outputs, slug);
    expect(outputs.pullRequestUrl).toMatch(/\/pull\/\d+$/);
    expect(lines().join('\n')).toContain('Opened pull request');
    expect(await head()).toBe(before);
    // The passwords stayed out of git: they are in the instance Secret.
    const secret = await env.clusters
      .get('staging')
      .kubernetes.core.readNamespacedSecret({
        namespace: slug,
        name: `launchpad-${slug}-credentials`,
      });
    const password = Buffer.from(
      secret.data!.MYSQL_PASSWORD,
      'base64',
    ).toString();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const onBranch = await env.sandbox.git.readFile(
      'acme-edu',
      'launchpad-cluster-staging',
      `instances/${slug}/config.yml`,
      `launchpad/create-${slug}`,
    );
    expect(onBranch).toContain(`LMS_HOST: ${slug}.staging.learn.acme.test`);
    expect(onBranch).not.toContain('PASSWORD');
    expect(
      JSON.stringify([
        outputs,
        logger.info.mock.calls,
        deps.auditor.createEvent.mock.calls,
      ]),
    ).not.toContain(password);
    expect(deps.events.publish).not.toHaveBeenCalled();
  }, 30_000);

  it('writes the files in one GraphQL commit and a handful of GitHub requests', async () => {
    const { action } = build();
    env.github.take();
    const before = await head();
    const { ctx } = actionContext(action, {
      cluster: 'staging',
      slug: 'one-commit',
      platformName: 'One commit',
      owner: 'group:default/platform-team',
    });
    await action.handler(ctx);
    const requests = env.github.take();
    const commits = requests.filter(
      r => r.method === 'POST' && r.path === '/graphql',
    );
    // readInstance (2 requests, validation), head read, commit.
    expect(requests.length).toBeLessThanOrEqual(8);
    const commit = await env.sandbox.git.readCommit(
      'acme-edu',
      'launchpad-cluster-staging',
      await head(),
    );
    expect(commit.parents).toEqual([before]);
    expect(commit.message).toContain('Add Open edX instance one-commit');
    expect(commits.length).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it.each([
    [
      { slug: 'demo' },
      'slug "demo" is taken in staging: instances/demo exists in acme-edu/launchpad-cluster-staging',
    ],
    [
      { slug: 'in-catalog' },
      'slug "in-catalog" is taken in staging: component:staging/in-catalog is in the catalog',
    ],
    [
      { slug: 'argocd-x', namespace: true },
      'slug "argocd-x" is taken in staging: namespace argocd-x exists',
    ],
    [{ slug: 'Chem_201' }, 'slug "Chem_201" is invalid'],
    [{ slug: 'a-very-long-instance-name-x' }, 'at most 22 characters'],
    [
      { cluster: 'qa' },
      'cluster "qa" is not a Launchpad cluster; configured: staging, production',
    ],
    [{ release: 'teak' }, 'release "teak" is not an Open edX release'],
    [
      { owner: 'group:default/nobody' },
      'owner "group:default/nobody" is not an entity in the catalog',
    ],
  ])(
    'refuses %j before any side effect: %s',
    async (change, message) => {
      const { action, deps } = build();
      const { namespace, ...override } = change as Record<string, unknown>;
      if (namespace) {
        await env.clusters.get('staging').kubernetes.core.createNamespace({
          body: { metadata: { name: String(override.slug) } },
        });
      }
      const before = await head();
      const { ctx } = actionContext(action, {
        cluster: 'staging',
        slug: 'fresh-one',
        platformName: 'Fresh',
        owner: 'group:default/platform-team',
        ...override,
      });
      await expect(action.handler(ctx)).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(message),
      });
      expect(await head()).toBe(before);
      expect(deps.auditor.createEvent).not.toHaveBeenCalled();
    },
    30_000,
  );

  // What the cluster picker disables in the form, a REST call gets as an
  // InputError: no Kubernetes or ArgoCD token, no ArgoCD at all.
  it.each([
    [
      'kubernetes',
      'cluster "staging" has no Kubernetes credentials (launchpad.clusters.staging.kubernetes.token)',
    ],
    [
      'argocd',
      'cluster "staging" has no ArgoCD credentials (launchpad.clusters.staging.argocd.token)',
    ],
    [
      'no argocd',
      'cluster "staging" has no ArgoCD API configured (launchpad.clusters.staging.argocd)',
    ],
  ])(
    'refuses a cluster without %s credentials before any request, in a dry run too',
    async (what, message) => {
      const config = sandboxLaunchpadConfig(env.sandbox);
      const staging = config.launchpad.clusters.find(
        c => c.name === 'staging',
      )! as Record<string, any>;
      if (what === 'kubernetes') delete staging.kubernetes.token;
      if (what === 'argocd') delete staging.argocd.token;
      if (what === 'no argocd') delete staging.argocd;
      const clusters = DefaultLaunchpadClustersService.fromConfig(
        new ConfigReader(config),
        { logger: mockServices.logger.mock() },
      );
      const deps = mockDeps();
      const action = createInstanceCreateAction({ clusters, ...deps });
      const before = await head();
      const requests = `${env.sandbox.adminUrl}/requests`;
      await fetch(requests, { method: 'DELETE' });
      for (const isDryRun of [false, true]) {
        const { ctx } = actionContext(
          action,
          {
            cluster: 'staging',
            slug: 'no-credentials',
            platformName: 'No credentials',
            owner: 'group:default/platform-team',
          },
          { isDryRun },
        );
        await expect(action.handler(ctx)).rejects.toMatchObject({
          name: 'InputError',
          message,
        });
      }
      // Nothing asked of GitHub, Kubernetes, ArgoCD or Argo; nothing written.
      const counts = (await (await fetch(requests)).json()) as {
        total: number;
      };
      expect(counts.total).toBe(0);
      expect(await head()).toBe(before);
      expect(deps.auditor.createEvent).not.toHaveBeenCalled();
      expect(deps.events.publish).not.toHaveBeenCalled();
    },
    30_000,
  );

  it('creates a pull request on a cluster without ArgoCD (nothing is synced before the merge); a commit is refused there', async () => {
    const config = sandboxLaunchpadConfig(env.sandbox);
    const staging = config.launchpad.clusters.find(
      c => c.name === 'staging',
    )! as Record<string, any>;
    delete staging.argocd;
    const clusters = DefaultLaunchpadClustersService.fromConfig(
      new ConfigReader(config),
      { logger: mockServices.logger.mock() },
    );
    const action = createInstanceCreateAction({ clusters, ...mockDeps() });
    const input = {
      cluster: 'staging',
      slug: 'no-argocd',
      platformName: 'No ArgoCD',
      owner: 'group:default/platform-team',
    };
    const pr = actionContext(
      action,
      { ...input, publishAs: 'pull-request' },
      { isDryRun: true },
    );
    await action.handler(pr.ctx);
    expect(pr.lines().join('\n')).toContain(
      'Dry run: no-argocd on staging is free',
    );
    const commit = actionContext(action, input, { isDryRun: true });
    await expect(action.handler(commit.ctx)).rejects.toMatchObject({
      name: 'InputError',
      message:
        'cluster "staging" has no ArgoCD API configured (launchpad.clusters.staging.argocd)',
    });
  }, 30_000);

  it('dry run validates and commits nothing', async () => {
    const { action, deps } = build();
    const before = await head();
    const { ctx, outputs, lines } = actionContext(
      action,
      {
        cluster: 'staging',
        slug: 'dry-one',
        platformName: 'Dry',
        owner: 'group:default/platform-team',
      },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(outputs.lmsUrl).toBe('https://dry-one.staging.learn.acme.test');
    expect(lines().join('\n')).toContain('Dry run: dry-one on staging is free');
    expect(await head()).toBe(before);
    expect(deps.events.publish).not.toHaveBeenCalled();
    const { ctx: taken } = actionContext(
      action,
      {
        cluster: 'staging',
        slug: 'demo',
        platformName: 'D',
        owner: 'group:default/platform-team',
      },
      { isDryRun: true },
    );
    await expect(action.handler(taken)).rejects.toThrow('slug "demo" is taken');
  }, 30_000);

  it('a retry after GitHub failed mid-way commits once and does not trip over its own folder', async () => {
    const { action, deps } = build();
    const { checkpoint, store } = memoryCheckpoint();
    const input = {
      cluster: 'staging',
      slug: 'retry-one',
      platformName: 'Retry',
      owner: 'group:default/platform-team',
    };
    // GitHub answers 502 once the task reaches the write (after validation).
    const faulty = async <T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }) => {
      if (opts.key.startsWith('publish-')) {
        env.sandbox.faults.add({
          kind: 'http-error',
          service: 'github',
          status: 502,
        });
      }
      return checkpoint(opts);
    };
    const before = await head();
    const first = actionContext(action, input, { checkpoint: faulty });
    await expect(action.handler(first.ctx)).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
    env.sandbox.faults.clear();
    expect(await head()).toBe(before);
    expect(store.has('validate-retry-one')).toBe(true);

    const second = actionContext(action, input, { checkpoint });
    await action.handler(second.ctx);
    const afterRetry = await head();
    expect(second.outputs.commitSha).toBe(afterRetry);
    // A third run (e.g. a later step failed and the task is retried again) changes nothing.
    const third = actionContext(action, input, { checkpoint });
    await action.handler(third.ctx);
    expect(third.outputs.commitSha).toBe(afterRetry);
    expect(await head()).toBe(afterRetry);
    // Two audited writes: the failed one, then the retry's; one commit in all.
    expect(
      deps.auditor.createEvent.mock.calls.filter(
        ([event]) => event.eventId === 'instance-create',
      ),
    ).toHaveLength(2);
    const commit = await env.sandbox.git.readCommit(
      'acme-edu',
      'launchpad-cluster-staging',
      afterRetry,
    );
    expect(commit.parents).toEqual([before]);
  }, 60_000);

  it('a GitHub rate limit during the write is waited out: one commit', async () => {
    const { action, deps } = build();
    const before = await head();
    const limited = async <T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }) => {
      if (opts.key.startsWith('publish-')) {
        env.sandbox.faults.add({
          kind: 'rate-limit',
          retryAfterSeconds: 1,
          count: 1,
        });
      }
      return opts.fn();
    };
    const { ctx, outputs } = actionContext(
      action,
      {
        cluster: 'staging',
        slug: 'limited-one',
        platformName: 'Limited',
        owner: 'group:default/platform-team',
      },
      { checkpoint: limited },
    );
    await action.handler(ctx);
    const commit = await env.sandbox.git.readCommit(
      'acme-edu',
      'launchpad-cluster-staging',
      String(outputs.commitSha),
    );
    expect(commit.parents).toEqual([before]);
    expect(env.sandbox.faults.list()).toEqual([]);
    expect(deps.auditor.createEvent).toHaveBeenCalledTimes(1);
  }, 30_000);

  it('a retry after a commit whose answer was lost keeps the folder it wrote instead of committing again', async () => {
    const { action } = build();
    const { checkpoint, store } = memoryCheckpoint();
    const input = {
      cluster: 'staging',
      slug: 'lost-answer',
      platformName: 'Lost',
      owner: 'group:default/platform-team',
    };
    // The commit lands, then the step fails before its result is stored.
    const losing = async <T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }) => {
      if (!opts.key.startsWith('publish-')) return checkpoint(opts);
      await opts.fn();
      throw new Error('connection reset');
    };
    await expect(
      action.handler(actionContext(action, input, { checkpoint: losing }).ctx),
    ).rejects.toThrow('connection reset');
    const landed = await head();
    expect(store.has('publish-lost-answer')).toBe(false);

    const retry = actionContext(action, input, { checkpoint });
    await action.handler(retry.ctx);
    expect(await head()).toBe(landed);
    expect(retry.outputs.commitSha).toBe(landed);
    expect(retry.lines()).toContain(
      'instances/lost-answer is already in acme-edu/launchpad-cluster-staging (an earlier attempt of this task wrote it); not committing again',
    );
  }, 30_000);
});
