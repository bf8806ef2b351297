import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type {
  ArgoCdApplication,
  ArgoCdClient,
} from '@internal/plugin-launchpad-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  mockDeps,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createInstanceDeleteAction, findApplication } from './instanceDelete';
import { examples } from './instanceDelete.examples';

const ARGO = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };
const DAY = 86_400_000;

describe('launchpad:instance:delete (against the sandbox)', () => {
  // "The last 24 hours" on the sandbox's clock, which the seed's dumps follow.
  const clock = { now: (): number => Date.now() };
  const sandboxNow = () => clock.now();
  const { env, build } = useActionSandbox(deps =>
    createInstanceDeleteAction({ ...deps, now: sandboxNow }),
  );
  beforeAll(() => {
    clock.now = () => env.sandbox.clock.nowMs();
  });
  const fast = { pollIntervalSeconds: 0.02 };
  const cluster = (name: string) => env.clusters.get(name);
  const workflowExists = (name: string, namespace: string, workflow: string) =>
    cluster(name)
      .kubernetes.custom.getNamespacedCustomObject({
        ...ARGO,
        namespace,
        name: workflow,
      })
      .then(
        () => true,
        () => false,
      );
  const namespaceExists = (name: string, namespace: string) =>
    cluster(name)
      .kubernetes.core.readNamespace({ name: namespace })
      .then(
        () => true,
        () => false,
      );
  // With the project named, a missing Application is ArgoCD's 404; any
  // other answer (a 403) fails the test rather than reading as gone.
  const applicationExists = (name: string, application: string) =>
    cluster(name)
      .argocd!.getApplication(application, { project: 'default' })
      .then(
        () => true,
        (error: Error) => {
          if (error.name === 'NotFoundError') return false;
          throw error;
        },
      );
  const folderExists = (name: string, slug: string) =>
    cluster(name)
      .repository.readInstance(slug)
      .then(
        () => true,
        () => false,
      );
  const submitted = (deps: ReturnType<typeof mockDeps>) =>
    deps.auditor.createEvent.mock.calls
      .filter(([e]) => e.eventId === 'workflow-submit')
      .map(([e]) => (e.meta as { workflow: string }).workflow);

  const [dryRunExample, acknowledgedExample, ...others] = exampleInputs(
    examples,
    'launchpad:instance:delete',
  );

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
  });

  it(`example (dry run): ${dryRunExample.description}`, async () => {
    const { action, deps } = build();
    const { ctx, outputs, lines } = actionContext(action, dryRunExample.input, {
      isDryRun: true,
    });
    await action.handler(ctx);
    expect(outputs.refusals).toEqual([]);
    expect(outputs.deleted).toEqual([]);
    expect(outputs.plan).toMatchObject({
      namespace: 'demo',
      namespaceExists: true,
      application: 'demo-production',
      project: 'default',
      applicationExists: true,
      folder: 'instances/demo',
      folderExists: true,
      workflows: [
        {
          template: 'mysql-deprovision-template',
          workflow: 'demo/mysql-deprovision-demo',
          drops:
            'MySQL database launchpad-demo-openedx and user launchpad-demo',
        },
        {
          template: 'mongodb-deprovision-template',
          workflow: 'demo/mongodb-deprovision-demo',
          drops:
            'MongoDB databases launchpad-demo-openedx and launchpad-demo-forum and user launchpad-demo',
        },
        {
          template: 'storage-deprovision-template',
          workflow: 'demo/storage-deprovision-demo',
          drops: expect.stringMatching(/^bucket launchpad-demo-[a-z0-9]{7}$/),
        },
      ],
      leftovers: [],
      velero: {
        verdict: 'covered',
        lastCompletedBackup: expect.stringMatching(/^(hourly|daily|weekly)-/),
      },
      dumps: [
        { cronJob: 'mongodb-dump', database: 'mongodb', recent: true },
        { cronJob: 'mysql-dump', database: 'mysql', recent: true },
      ],
      missingDumps: [],
    });
    const log = lines();
    expect(log[0]).toBe(
      'Dry run: would deprovision demo on production, deleting nothing now',
    );
    expect(log[1]).toMatch(
      /^Deletes: MySQL: MySQL database launchpad-demo-openedx .*; Application demo-production with its resources \(cascade\); namespace demo; folder instances\/demo \(one commit\)$/,
    );
    expect(log[2]).toMatch(
      /^Backed up by: last completed Velero backup of demo: \S+ \(.+\); mongodb-dump \(mongodb\) last succeeded \S+; mysql-dump \(mysql\) last succeeded \S+$/,
    );
    // Nothing written.
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
    expect(
      await workflowExists('production', 'demo', 'mysql-deprovision-demo'),
    ).toBe(false);
  }, 30_000);

  it('finds an Application that is in another project than application.yml says (ArgoCD answers 404 for the named project) by listing it', async () => {
    const setProject = (project: string) =>
      cluster('production').kubernetes.custom.patchNamespacedCustomObject(
        {
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'applications',
          namespace: 'argocd',
          name: 'demo-production',
          body: { spec: { project } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await setProject('team-a');
    try {
      const { action } = build();
      const { ctx, outputs } = actionContext(action, dryRunExample.input, {
        isDryRun: true,
      });
      await action.handler(ctx);
      expect(outputs.plan).toMatchObject({
        application: 'demo-production',
        project: 'team-a',
        applicationExists: true,
      });
    } finally {
      await setProject('default');
    }
  }, 30_000);

  it(`example: ${acknowledgedExample.description}`, async () => {
    const { action, deps } = build();
    const { rbac } = cluster('staging').kubernetes;
    // What Launchpad's CLI leaves behind for an instance, and an unrelated role.
    await rbac.createClusterRole({
      body: { metadata: { name: 'physics-101-workflows' }, rules: [] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'physics-101-binding' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'physics-101-workflows',
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'workflow-executor',
            namespace: 'physics-101',
          },
        ],
      },
    });
    await rbac.createClusterRole({
      body: { metadata: { name: 'demo-workflows' }, rules: [] },
    });
    const { ctx, outputs, lines, logger } = actionContext(action, {
      ...acknowledgedExample.input,
      ...fast,
    });
    await whileAdvancing(env.sandbox, action.handler(ctx));

    expect(outputs.deleted).toEqual([
      expect.stringMatching(
        /^workflow physics-101\/mysql-deprovision-physics-101 \(MySQL database/,
      ),
      expect.stringMatching(
        /^workflow physics-101\/mongodb-deprovision-physics-101 /,
      ),
      expect.stringMatching(
        /^workflow physics-101\/storage-deprovision-physics-101 \(bucket launchpad-physics-101-/,
      ),
      'Application physics-101-staging',
      'namespace physics-101',
      'ClusterRole physics-101-workflows',
      'ClusterRoleBinding physics-101-binding',
      'folder instances/physics-101',
    ]);
    expect(await applicationExists('staging', 'physics-101-staging')).toBe(
      false,
    );
    expect(await namespaceExists('staging', 'physics-101')).toBe(false);
    expect(await folderExists('staging', 'physics-101')).toBe(false);
    await expect(
      rbac.readClusterRole({ name: 'physics-101-workflows' }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(
      rbac.readClusterRoleBinding({ name: 'physics-101-binding' }),
    ).rejects.toMatchObject({ code: 404 });
    expect(
      (await rbac.readClusterRole({ name: 'demo-workflows' })).metadata?.name,
    ).toBe('demo-workflows');
    // Everything in the folder went in one commit.
    const octokit = await cluster('staging').repository.octokit();
    const { owner, repo } = cluster('staging').repository;
    const commit = await octokit.rest.repos.getCommit({
      owner,
      repo,
      ref: String(outputs.commitSha),
    });
    expect(commit.data.files?.length).toBeGreaterThan(1);
    expect(
      commit.data.files?.every(
        f =>
          f.status === 'removed' &&
          f.filename.startsWith('instances/physics-101/'),
      ),
    ).toBe(true);
    expect(outputs.commitUrl).toContain(`/commit/${outputs.commitSha}`);
    // The acknowledgement: a warning in the log and a high-severity audit event.
    expect(logger.warn).toHaveBeenCalledWith(
      'Deprovisioning physics-101 without a recent MySQL or MongoDB dump: acknowledged with acknowledgeNoRecentDump (audited)',
    );
    expect(deps.auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'instance-delete-no-recent-dump',
        severityLevel: 'high',
        meta: expect.objectContaining({
          missingDumps: ['MySQL', 'MongoDB'],
        }),
      }),
    );
    expect(
      deps.auditor.createEvent.mock.calls
        .filter(([e]) => e.eventId === 'instance-delete')
        .map(([e]) => (e.meta as { step: string }).step),
    ).toEqual(['application', 'namespace', 'leftovers', 'folder']);
    expect(deps.events.publish).toHaveBeenCalledWith({
      topic: 'launchpad.repository.changed',
      eventPayload: { cluster: 'staging' },
    });
    expect(lines()).toContain(
      'Deprovisioned physics-101 on staging; asked the catalog to read acme-edu/launchpad-cluster-staging again',
    );
  }, 60_000);

  it('a deprovision step failing leaves the Application, namespace and folder in place and says which step; the retry after the fix goes on from it', async () => {
    const { action, deps } = build();
    const { checkpoint } = memoryCheckpoint();
    env.sandbox.faults.add({
      kind: 'workflow-step-fails',
      template: 'mongodb-deprovision-template',
      step: 'drop-user',
      message: 'Authentication failed',
    });
    // university has its dump CronJobs: no acknowledgement needed.
    const input = {
      cluster: 'production',
      slug: 'university',
      confirm: 'university',
      ...fast,
    };
    await expect(
      whileAdvancing(
        env.sandbox,
        action.handler(actionContext(action, input, { checkpoint }).ctx),
      ),
    ).rejects.toMatchObject({
      name: 'DeprovisionStepError',
      message: expect.stringMatching(
        /^Deprovision of university stopped at step "MongoDB" \(workflow university\/mongodb-deprovision-university from mongodb-deprovision-template\): Workflow university\/mongodb-deprovision-university Failed: step drop-user failed: Authentication failed .*\. Nothing else was deleted: the Application university-production, namespace university and folder instances\/university are in place; not run: storage-deprovision-template\. Fix the cause and retry the task$/,
      ),
    });
    expect(await applicationExists('production', 'university-production')).toBe(
      true,
    );
    expect(await namespaceExists('production', 'university')).toBe(true);
    expect(await folderExists('production', 'university')).toBe(true);
    expect(
      await workflowExists(
        'production',
        'university',
        'storage-deprovision-university',
      ),
    ).toBe(false);
    expect(
      deps.auditor.createEvent.mock.calls.filter(
        ([e]) => e.eventId === 'instance-delete',
      ),
    ).toHaveLength(0);
    expect(submitted(deps)).toEqual([
      'university/mysql-deprovision-university',
      'university/mongodb-deprovision-university',
    ]);

    env.sandbox.faults.clear();
    const retry = actionContext(action, input, { checkpoint });
    await whileAdvancing(env.sandbox, action.handler(retry.ctx));
    expect(retry.outputs.deleted).toHaveLength(6);
    // MySQL's workflow succeeded before: not run again.
    expect(submitted(deps)).toEqual([
      'university/mysql-deprovision-university',
      'university/mongodb-deprovision-university',
      'university/mongodb-deprovision-university',
      'university/storage-deprovision-university',
    ]);
    expect(await namespaceExists('production', 'university')).toBe(false);
    expect(await folderExists('production', 'university')).toBe(false);

    // A further retry of the finished task deletes and commits nothing.
    const events = deps.auditor.createEvent.mock.calls.length;
    const again = actionContext(action, input, { checkpoint });
    await action.handler(again.ctx);
    expect(again.outputs.commitSha).toBe(retry.outputs.commitSha);
    expect(deps.auditor.createEvent).toHaveBeenCalledTimes(events);
  }, 90_000);

  it('refuses without the exact slug, and without a recent dump of each database unless acknowledged, before deleting anything', async () => {
    const { action, deps } = build();
    const base = { cluster: 'staging', slug: 'demo', ...fast };
    await expect(
      action.handler(actionContext(action, { ...base, confirm: 'Demo' }).ctx),
    ).rejects.toThrow(
      'confirm: type the slug demo exactly to deprovision it (got "Demo"); nothing was deleted',
    );
    await expect(
      action.handler(actionContext(action, { ...base, confirm: 'demo' }).ctx),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'No MySQL or MongoDB dump succeeded in the last 24 h (no database-dump CronJob in namespace demo). Velero does not back up the managed databases that deprovisioning drops; take a dump first, or set acknowledgeNoRecentDump: true to deprovision without one; nothing was deleted',
    });
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
    expect(
      await workflowExists('staging', 'demo', 'mysql-deprovision-demo'),
    ).toBe(false);
    expect(await applicationExists('staging', 'demo-staging')).toBe(true);
  }, 30_000);

  it('counts a dump older than 24 h as none; the dry run says a run would be refused', async () => {
    const later = createInstanceDeleteAction({
      clusters: env.clusters,
      ...mockDeps(),
      now: () => sandboxNow() + 3 * DAY,
    });
    const { ctx, outputs, logger } = actionContext(
      later,
      { cluster: 'production', slug: 'demo', confirm: 'demo' },
      { isDryRun: true },
    );
    await later.handler(ctx);
    expect(outputs.refusals).toEqual([
      expect.stringMatching(
        /^No MySQL or MongoDB dump succeeded in the last 24 h \(dump CronJobs in demo: mongodb-dump \(mongodb, last success \S+\), mysql-dump \(mysql, last success \S+\)\)\./,
      ),
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^A run would be refused: No MySQL or MongoDB/),
    );
  }, 30_000);
});

describe('findApplication (a stubbed ArgoCD client)', () => {
  const notFound = () =>
    new NotFoundError('applications.argoproj.io not found');
  const client = (list: () => Promise<ArgoCdApplication[]>) =>
    ({
      getApplication: jest.fn(async () => {
        throw notFound();
      }),
      listApplications: jest.fn(list),
    } as unknown as ArgoCdClient);

  it('reads a list-by-name NotFound (ArgoCD before PR #12985, FilterByName) as absent', async () => {
    const argocd = client(async () => {
      throw notFound();
    });
    await expect(
      findApplication(argocd, 'gone-staging', 'default'),
    ).resolves.toEqual({ exists: false, project: 'default' });
    expect(argocd.listApplications).toHaveBeenCalledWith({
      name: 'gone-staging',
    });
  });

  it('reads an empty list as absent, finds one in another project, and keeps other list errors', async () => {
    await expect(
      findApplication(
        client(async () => []),
        'gone-staging',
        'default',
      ),
    ).resolves.toEqual({ exists: false, project: 'default' });
    await expect(
      findApplication(
        client(async () => [
          {
            metadata: { name: 'demo-staging' },
            spec: { project: 'team-a' },
          } as ArgoCdApplication,
        ]),
        'demo-staging',
        'default',
      ),
    ).resolves.toEqual({ exists: true, project: 'team-a' });
    await expect(
      findApplication(
        client(async () => {
          throw new NotAllowedError('permission denied');
        }),
        'demo-staging',
        'default',
      ),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  });
});
