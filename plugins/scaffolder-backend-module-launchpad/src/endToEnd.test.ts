import type { JsonObject } from '@backstage/types';
import type { Sandbox } from '@internal/sandbox';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import {
  actionContext,
  memoryCheckpoint,
  mockDeps,
  startLaunchpadSandbox,
  whileAdvancing,
} from './__testUtils__';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createArgocdApplyAction,
  createArgocdSyncAction,
  createInstanceCreateAction,
  createInstancePrepareAction,
  createPicassoBuildAction,
  createWorkflowSubmitAction,
} from './actions';

/**
 * The template's steps in the CLI's order for one new instance, every
 * action with the real clients against the sandbox: create (passwords kept
 * out of git) → prepare → three provision workflows → apply → build → sync.
 */
describe('a new instance end to end (against the sandbox)', () => {
  let sandbox: Sandbox;
  let clusters: LaunchpadClustersService;
  let github: Awaited<ReturnType<typeof startLaunchpadSandbox>>['github'];
  beforeAll(async () => {
    ({ sandbox, clusters, github } = await startLaunchpadSandbox());
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('ends with the files committed, three workflows Succeeded, a build run completed and the Application Synced and Healthy', async () => {
    const deps = mockDeps();
    const all = { clusters, ...deps };
    const { checkpoint } = memoryCheckpoint();
    const log: string[] = [];
    const run = async <I extends JsonObject, O extends JsonObject>(
      action: TemplateAction<I, O, 'v2'>,
      input: JsonObject,
    ) => {
      const { ctx, outputs, lines } = actionContext(action, input, {
        checkpoint,
      });
      await whileAdvancing(sandbox, action.handler(ctx), { maxSteps: 400 });
      log.push(...lines());
      return outputs;
    };
    const base = { cluster: 'staging', slug: 'e2e-one' };
    const fast = { pollIntervalSeconds: 0.02 };

    github.take();
    const created = await run(createInstanceCreateAction(all), {
      ...base,
      platformName: 'End to end',
      owner: 'group:default/platform-team',
      writeSecrets: false,
    });
    const createRequests = github.take().length;
    expect(created.commitSha).toMatch(/^[0-9a-f]{40}$/);
    // The overhead the benchmark goal counts: GitHub requests per created instance.
    expect(createRequests).toBeLessThanOrEqual(10);

    const prepared = await run(createInstancePrepareAction(all), base);
    // The namespace came with the passwords' Secret.
    expect(prepared.created).toEqual([
      'serviceAccount',
      'tokenSecret',
      'role',
      'roleBinding',
    ]);
    for (const template of [
      'mysql-provision-template',
      'mongodb-provision-template',
      'storage-provision-template',
    ]) {
      const workflow = await run(createWorkflowSubmitAction(all), {
        ...base,
        template,
        ...fast,
      });
      expect(workflow.phase).toBe('Succeeded');
    }
    expect(log).toEqual(
      expect.arrayContaining([
        'Workflow e2e-one/mysql-provision-e2e-one Succeeded',
        'Workflow e2e-one/mongodb-provision-e2e-one Succeeded',
        'Workflow e2e-one/storage-provision-e2e-one Succeeded',
      ]),
    );
    const applied = await run(createArgocdApplyAction(all), base);
    expect(applied.application).toBe('e2e-one-staging');
    const built = await run(createPicassoBuildAction(all), {
      ...base,
      ...fast,
    });
    expect(built).toMatchObject({ conclusion: 'success' });
    expect(String(built.image)).toContain(':');
    // The create step writes no env/: the build's commit rendered it, with
    // the built image (as real Picasso's `tutor k8s render` does).
    expect(
      await sandbox.git.readFile(
        'acme-edu',
        'launchpad-cluster-staging',
        'instances/e2e-one/env/k8s/deployments.yml',
      ),
    ).toContain(`image: ${built.image}`);
    const synced = await run(createArgocdSyncAction(all), { ...base, ...fast });
    expect(synced).toMatchObject({
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
    });
    // No password anywhere in git.
    const config = await sandbox.git.readFile(
      'acme-edu',
      'launchpad-cluster-staging',
      'instances/e2e-one/config.yml',
    );
    expect(config).not.toMatch(/PASSWORD/);
  }, 120_000);
});
