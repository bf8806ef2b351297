import type { JsonValue } from '@backstage/types';
import YAML from 'yaml';
import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  useActionSandbox,
} from '../__testUtils__';
import { createInstanceCreateAction } from './instanceCreate';
import { examples } from './instanceCreate.examples';

const TEMPLATE = 'acme-edu/launchpad-instance-template';

/** `launchpad:instance:create` with `templateRepository`: a new repository per instance. */
describe('launchpad:instance:create into a new repository (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createInstanceCreateAction);
  const clusterHead = async () =>
    (await env.clusters.get('staging').repository.writer.readHead()) as string;
  const input = (slug: string, extra: Record<string, JsonValue> = {}) => ({
    cluster: 'staging',
    slug,
    platformName: `Platform ${slug}`,
    owner: 'group:default/platform-team',
    templateRepository: TEMPLATE,
    ...extra,
  });
  const repositoryNames = () =>
    env.sandbox.git.listRepositories().map(r => `${r.owner}/${r.name}`);

  const [example, ...others] = exampleInputs(
    examples,
    'launchpad:instance:create',
  ).filter(e => e.input.templateRepository);

  it('has the one example this file runs', () => {
    expect(others).toEqual([]);
    expect(example.input.templateRepository).toBe(TEMPLATE);
  });

  it(`example: ${example.description}`, async () => {
    const { action, deps } = build();
    const before = await clusterHead();
    env.github.take();
    const { ctx, outputs, lines } = actionContext(action, example.input);
    await action.handler(ctx);
    const requests = env.github.take();
    const slug = String(example.input.slug);
    const [owner, repo] = String(example.input.repository).split('/');

    expect(outputs).toMatchObject({
      lmsUrl: `https://${slug}.staging.learn.acme.test`,
      namespace: slug,
      application: `${slug}-staging`,
      repositoryUrl: expect.stringContaining(`/${owner}/${repo}`),
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    // Not in the catalog (it reads cluster repositories only): no entity link.
    expect(outputs.entityRef).toBeUndefined();
    expect(outputs.commitUrl).toBe(
      `${outputs.repositoryUrl}/commit/${outputs.commitSha}`,
    );

    const generated = env.sandbox.git.getRepository(owner, repo)!;
    expect(generated.templateRepository).toEqual({
      owner: 'acme-edu',
      name: 'launchpad-instance-template',
    });
    expect(generated.private).toBe(true);
    // One commit on top of the template's one: the instance files.
    const commit = await env.sandbox.git.readCommit(
      owner,
      repo,
      String(outputs.commitSha),
    );
    expect(commit.parents).toHaveLength(1);
    expect(commit.message).toContain(`Add Open edX instance ${slug}`);
    const config = (await env.sandbox.git.readFile(
      owner,
      repo,
      `instances/${slug}/config.yml`,
    ))!;
    expect(config).toContain(`MYSQL_DATABASE: launchpad-${slug}-openedx`);
    expect(config).toContain('PORTAL_OWNER: group:default/platform-team');
    expect(config).not.toMatch(/PASSWORD/);
    const application = YAML.parse(
      (await env.sandbox.git.readFile(
        owner,
        repo,
        `instances/${slug}/application.yml`,
      ))!,
    );
    // ArgoCD pulls from the new repository, with the scheme and host of the
    // cluster's own Applications.
    const clusterRepoUrl = (
      env.clusters.get('staging').repository.editor.application(slug) as {
        spec: { source: { repoURL: string } };
      }
    ).spec.source.repoURL;
    expect(application.spec.source).toEqual({
      repoURL: clusterRepoUrl.replace(
        'acme-edu/launchpad-cluster-staging.git',
        `${owner}/${repo}.git`,
      ),
      targetRevision: generated.defaultBranch,
      path: `instances/${slug}/env`,
    });
    expect(application.spec.syncPolicy.automated).toEqual({
      prune: true,
      selfHeal: true,
    });

    // Nothing in the cluster repository; no catalog refresh asked for.
    expect(await clusterHead()).toBe(before);
    expect(deps.events.publish).not.toHaveBeenCalled();
    expect(
      deps.auditor.createEvent.mock.calls.map(([event]) => event.eventId),
    ).toEqual([
      'instance-secret-create',
      'instance-repository-create',
      'instance-create',
    ]);
    expect(lines()).toEqual(
      expect.arrayContaining([
        `Created repository ${owner}/${repo} from template ${TEMPLATE}`,
      ]),
    );
    // Slug checks (2), template + name checks (2), generate, head, commit (2).
    expect(requests.length).toBeLessThanOrEqual(10);
  }, 30_000);

  it('defaults the new repository to <cluster repository owner>/launchpad-<slug>', async () => {
    const { action } = build();
    const { ctx, outputs } = actionContext(action, input('default-name'));
    await action.handler(ctx);
    expect(repositoryNames()).toContain('acme-edu/launchpad-default-name');
    expect(outputs.repositoryUrl).toContain('/acme-edu/launchpad-default-name');
  }, 30_000);

  it.each([
    [
      { templateRepository: 'acme-edu/no-such-template' },
      'templateRepository "acme-edu/no-such-template" does not exist',
    ],
    [
      { templateRepository: 'acme-edu/launchpad-cluster-staging' },
      'templateRepository "acme-edu/launchpad-cluster-staging" is not a template repository',
    ],
    [
      { templateRepository: 'not a repository' },
      'templateRepository "not a repository" is not a GitHub repository',
    ],
    [
      { repository: 'acme-edu/launchpad-cluster-production' },
      'repository "acme-edu/launchpad-cluster-production" already exists',
    ],
    [
      { repository: 'someone-else/launchpad-x' },
      'repository "someone-else/launchpad-x" must belong to acme-edu',
    ],
    [
      { publishAs: 'pull-request' },
      'publishAs "pull-request" does not apply with templateRepository',
    ],
    [
      { templateRepository: null, repository: 'acme-edu/launchpad-y' },
      'repository "acme-edu/launchpad-y" needs templateRepository',
    ],
  ])(
    'refuses %j before any side effect: %s',
    async (change, message) => {
      const { action, deps } = build();
      const before = repositoryNames();
      const base = input('refused-one');
      const merged: Record<string, JsonValue> = { ...base, ...change };
      // null: the input left out.
      if (merged.templateRepository === null) delete merged.templateRepository;
      const { ctx } = actionContext(action, merged);
      await expect(action.handler(ctx)).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(message),
      });
      expect(repositoryNames()).toEqual(before);
      expect(deps.auditor.createEvent).not.toHaveBeenCalled();
    },
    30_000,
  );

  it('dry run checks the template and the name and creates nothing', async () => {
    const { action, deps } = build();
    const before = repositoryNames();
    const { ctx, outputs } = actionContext(action, input('dry-repo'), {
      isDryRun: true,
    });
    await action.handler(ctx);
    expect(outputs.namespace).toBe('dry-repo');
    expect(repositoryNames()).toEqual(before);
    const { ctx: refused } = actionContext(
      action,
      input('dry-repo', { templateRepository: 'acme-edu/missing' }),
      { isDryRun: true },
    );
    await expect(action.handler(refused)).rejects.toThrow(
      'templateRepository "acme-edu/missing" does not exist',
    );
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
  }, 30_000);

  it('a retry after GitHub failed during the commit creates no second repository and commits once', async () => {
    const { action, deps } = build();
    const { checkpoint } = memoryCheckpoint();
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
    const first = actionContext(action, input('retry-repo'), {
      checkpoint: faulty,
    });
    await expect(action.handler(first.ctx)).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
    env.sandbox.faults.clear();
    const afterFailure = await env.sandbox.git.headSha(
      'acme-edu',
      'launchpad-retry-repo',
    );

    const second = actionContext(action, input('retry-repo'), { checkpoint });
    await action.handler(second.ctx);
    const commit = await env.sandbox.git.readCommit(
      'acme-edu',
      'launchpad-retry-repo',
      String(second.outputs.commitSha),
    );
    expect(commit.parents).toEqual([afterFailure]);
    expect(
      deps.auditor.createEvent.mock.calls.filter(
        ([event]) => event.eventId === 'instance-repository-create',
      ),
    ).toHaveLength(1);
    // A third run changes nothing.
    const third = actionContext(action, input('retry-repo'), { checkpoint });
    await action.handler(third.ctx);
    expect(third.outputs.commitSha).toBe(second.outputs.commitSha);
  }, 60_000);

  it('a retry after the generate answer was lost uses the repository it created', async () => {
    const { action } = build();
    const { checkpoint, store } = memoryCheckpoint();
    // The repository is created, then the step fails before its result is stored.
    const losing = async <T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }) => {
      if (!opts.key.startsWith('repository-')) return checkpoint(opts);
      await opts.fn();
      throw new Error('connection reset');
    };
    await expect(
      action.handler(
        actionContext(action, input('lost-repo'), { checkpoint: losing }).ctx,
      ),
    ).rejects.toThrow('connection reset');
    expect(repositoryNames()).toContain('acme-edu/launchpad-lost-repo');
    expect(store.has('repository-lost-repo')).toBe(false);

    const retry = actionContext(action, input('lost-repo'), { checkpoint });
    await action.handler(retry.ctx);
    expect(retry.lines()).toContain(
      'Repository acme-edu/launchpad-lost-repo already exists (an earlier attempt of this task created it); using it',
    );
    expect(
      await env.sandbox.git.readFile(
        'acme-edu',
        'launchpad-lost-repo',
        'instances/lost-repo/config.yml',
      ),
    ).toContain('PLATFORM_NAME: Platform lost-repo');
  }, 60_000);
});
