import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  mockDeps,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createPicassoBuildAction } from './picassoBuild';
import { examples } from './picassoBuild.examples';

describe('launchpad:picasso:build (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createPicassoBuildAction);
  const fast = { pollIntervalSeconds: 0.02 };
  const builds = (deps: ReturnType<typeof mockDeps>) =>
    deps.auditor.createEvent.mock.calls.filter(
      ([e]) => e.eventId === 'picasso-build',
    ).length;

  const [openedxExample, mfeExample, ...others] = exampleInputs(
    examples,
    'launchpad:picasso:build',
  );

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
  });

  it.each([
    ['openedx', 'DOCKER_IMAGE_OPENEDX', openedxExample],
    ['mfe', 'MFE_DOCKER_IMAGE', mfeExample],
  ])(
    'example (%s): %s from config.yml',
    async (_service, key, example) => {
      const { action, deps } = build();
      const { ctx, outputs, lines } = actionContext(action, {
        ...example.input,
        ...fast,
      });
      await whileAdvancing(env.sandbox, action.handler(ctx));
      expect(outputs).toMatchObject({
        runId: expect.any(Number),
        runUrl: expect.stringMatching(/\/actions\/runs\/\d+$/),
        conclusion: 'success',
      });
      const config = await env.sandbox.git.readFile(
        'acme-edu',
        'launchpad-cluster-staging',
        'instances/demo/config.yml',
      );
      const image = new RegExp(`^${key}: (\\S+)$`, 'm').exec(config!)![1];
      expect(outputs.image).toBe(image);
      const log = lines();
      expect(log[0]).toMatch(/^Dispatched build\.yml for demo/);
      expect(log).toContain(`demo now runs ${key} ${image}`);
      expect(log.some(l => /^Job ".+", step ".+": success$/.test(l))).toBe(
        true,
      );
      expect(new Set(log).size).toBe(log.length);
      expect(builds(deps)).toBe(1);
    },
    60_000,
  );

  it('a failed build fails the step with the run URL; the retry dispatches one new build, a further retry none', async () => {
    const { action, deps } = build();
    const { checkpoint } = memoryCheckpoint();
    const input = { cluster: 'staging', slug: 'physics-101', ...fast };
    env.sandbox.faults.add({
      kind: 'build-fails',
      instance: 'physics-101',
      count: 1,
    });
    const first = actionContext(action, input, { checkpoint });
    await expect(
      whileAdvancing(env.sandbox, action.handler(first.ctx)),
    ).rejects.toThrow(
      /^Picasso build of the openedx image for physics-101 concluded failure: http.*\/actions\/runs\/\d+$/,
    );
    expect(first.outputs.conclusion).toBe('failure');

    const retry = actionContext(action, input, { checkpoint });
    await whileAdvancing(env.sandbox, action.handler(retry.ctx));
    expect(retry.outputs.conclusion).toBe('success');
    expect(retry.outputs.runId).not.toBe(first.outputs.runId);

    const again = actionContext(action, input, { checkpoint });
    await action.handler(again.ctx);
    expect(again.outputs.runId).toBe(retry.outputs.runId);
    expect(again.outputs.image).toBe(retry.outputs.image);
    expect(builds(deps)).toBe(2);
  }, 60_000);

  it('dry run dispatches nothing', async () => {
    const { action, deps } = build();
    const { ctx, lines } = actionContext(
      action,
      { cluster: 'staging', slug: 'demo' },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(lines()[0]).toBe(
      'Dry run: would dispatch build.yml on acme-edu/launchpad-cluster-staging with INSTANCE_NAME=demo SERVICE=openedx STRAIN_REPOSITORY_BRANCH=main',
    );
    expect(builds(deps)).toBe(0);
  });
});
