import { mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createArgocdSyncAction, waitSyncedHealthy } from './argocdSync';
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

  it('refuses an unknown application: without application.yml no project is named, so ArgoCD answers permission denied', async () => {
    const { action } = build();
    await expect(
      action.handler(
        actionContext(action, { cluster: 'staging', slug: 'nothing-here' }).ctx,
      ),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  }, 30_000);

  it('syncs an Application in another project when application.yml cannot tell it (folder unreadable, another Application): no project is sent', async () => {
    const staging = env.clusters.get('staging');
    const setProject = (project: string) =>
      staging.kubernetes.custom.patchNamespacedCustomObject(
        {
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'applications',
          namespace: 'argocd',
          name: 'demo-staging',
          body: { spec: { project } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await setProject('team-a');
    const read = jest.spyOn(staging.repository, 'readInstance');
    try {
      const { action } = build();
      // The folder is gone (or still being created).
      read.mockRejectedValueOnce(new NotFoundError('instances/demo not found'));
      const gone = actionContext(action, {
        cluster: 'staging',
        slug: 'demo',
        wait: false,
      });
      await action.handler(gone.ctx);
      expect(gone.outputs).toMatchObject({
        application: 'demo-staging',
        syncStatus: expect.any(String),
      });
      // physics-101's application.yml names physics-101-staging, not this one.
      const other = actionContext(action, {
        cluster: 'staging',
        slug: 'physics-101',
        application: 'demo-staging',
        wait: false,
      });
      await action.handler(other.ctx);
      expect(other.outputs.application).toBe('demo-staging');
    } finally {
      read.mockRestore();
      await setProject('default');
    }
  }, 30_000);
});

describe('waitSyncedHealthy and the revision it waits for', () => {
  const app = (compared: string, operated: string) =>
    ({
      metadata: { name: 'fleet-b-staging' },
      spec: {},
      status: {
        sync: { status: 'Synced', revision: compared },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Succeeded',
          operation: { sync: { revision: operated } },
          syncResult: { revision: operated },
        },
      },
    } as never);
  const wait = (answer: unknown, timeoutMs: number) =>
    waitSyncedHealthy({
      argocd: {
        uiUrl: 'https://argocd.example',
        getApplication: async () => answer,
      } as never,
      name: 'fleet-b-staging',
      logger: mockServices.logger.mock(),
      timeoutMs,
      pollMs: 5,
      revision: 'ours',
    });

  it('is done when its sync operation synced our commit, though a later commit on the branch moved the compared revision on', async () => {
    await expect(
      wait(app('theirs-newer', 'ours'), 5_000),
    ).resolves.toMatchObject({
      status: { sync: { revision: 'theirs-newer' } },
    });
  });

  it('keeps waiting while neither the compared revision nor the last operation is our commit', async () => {
    await expect(wait(app('older', 'older'), 50)).rejects.toThrow(
      /Timed out after 50 ms waiting for fleet-b-staging/,
    );
  });
});
