import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createArgocdSyncAction } from './argocdSync';
import { examples } from './argocdSync.examples';

describe('launchpad:argocd:sync (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createArgocdSyncAction);

  it('runs the example: syncs demo and waits for Synced and Healthy; a retry does not sync again', async () => {
    const [example, ...others] = exampleInputs(
      examples,
      'launchpad:argocd:sync',
    );
    expect(others).toEqual([]);
    const { action, deps } = build();
    const { checkpoint } = memoryCheckpoint();
    const { ctx, outputs, lines } = actionContext(
      action,
      { ...example.input, pollIntervalSeconds: 0.02 },
      { checkpoint },
    );
    await whileAdvancing(env.sandbox, action.handler(ctx));
    expect(outputs).toMatchObject({
      application: 'demo-staging',
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      revision: expect.stringMatching(/^[0-9a-f]{40}$/),
      url: expect.stringContaining('/applications/argocd/demo-staging'),
    });
    const log = lines();
    expect(log[0]).toBe('Started a sync of demo-staging');
    expect(log[log.length - 1]).toBe(
      'demo-staging: Synced, Healthy (operation Succeeded)',
    );
    expect(new Set(log).size).toBe(log.length);

    const retry = actionContext(action, example.input, { checkpoint });
    await action.handler(retry.ctx);
    expect(retry.outputs.syncStatus).toBe('Synced');
    expect(deps.auditor.createEvent).toHaveBeenCalledTimes(1);
  }, 60_000);

  it('times out naming the state it waited for', async () => {
    const { action } = build();
    // The clock does not move: the operation never finishes.
    await expect(
      action.handler(
        actionContext(action, {
          cluster: 'staging',
          slug: 'physics-101',
          timeoutMinutes: 0.001,
          pollIntervalSeconds: 0.02,
        }).ctx,
      ),
    ).rejects.toThrow(
      /^Timed out after 60 ms waiting for physics-101-staging to be Synced and Healthy/,
    );
  }, 30_000);

  it('refuses an unknown application with NotFoundError and a cluster without ArgoCD', async () => {
    const { action } = build();
    await expect(
      action.handler(
        actionContext(action, { cluster: 'staging', slug: 'nothing-here' }).ctx,
      ),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  }, 30_000);
});
