import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createWorkflowSubmitAction } from './workflowSubmit';
import { examples } from './workflowSubmit.examples';

const ARGO = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };

describe('launchpad:workflow:submit (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createWorkflowSubmitAction);
  const fast = { pollIntervalSeconds: 0.02 };
  const custom = () => env.clusters.get('staging').kubernetes.custom;
  const readWorkflow = async (namespace: string, name: string) =>
    (await custom().getNamespacedCustomObject({
      ...ARGO,
      namespace,
      name,
    })) as {
      metadata: { uid: string; labels: Record<string, string> };
      spec: {
        workflowTemplateRef: unknown;
        ttlStrategy: unknown;
        arguments: { parameters: Array<{ name: string; value: string }> };
      };
    };
  const deleteWorkflow = (namespace: string, name: string) =>
    custom()
      .deleteNamespacedCustomObject({ ...ARGO, namespace, name })
      .catch(() => undefined);

  const [mysqlExample, storageExample, ...others] = exampleInputs(
    examples,
    'launchpad:workflow:submit',
  );

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
  });

  it(`example: ${mysqlExample.description}`, async () => {
    const { action, deps } = build();
    await deleteWorkflow('demo', 'mysql-provision-demo');
    const { ctx, outputs, lines, logger } = actionContext(action, {
      ...mysqlExample.input,
      ...fast,
    });
    await whileAdvancing(env.sandbox, action.handler(ctx));
    expect(outputs).toMatchObject({
      name: 'mysql-provision-demo',
      namespace: 'demo',
      phase: 'Succeeded',
      url: expect.stringContaining('/workflows/demo/mysql-provision-demo'),
    });
    const log = lines();
    expect(log).toEqual(
      expect.arrayContaining([
        'Submitted workflow demo/mysql-provision-demo from mysql-provision-template',
        'Workflow mysql-provision-demo: Running',
        'Workflow mysql-provision-demo: step create-database Running',
        'Workflow mysql-provision-demo: step create-database Succeeded',
        'Workflow mysql-provision-demo: step grant-privileges Succeeded',
        'Workflow demo/mysql-provision-demo Succeeded',
      ]),
    );
    // A line per change of state, not per poll.
    expect(new Set(log).size).toBe(log.length);
    const workflow = await readWorkflow('demo', 'mysql-provision-demo');
    expect(workflow.spec.workflowTemplateRef).toEqual({
      name: 'mysql-provision-template',
      clusterScope: true,
    });
    expect(workflow.spec.ttlStrategy).toEqual({ secondsAfterCompletion: 600 });
    const params = Object.fromEntries(
      workflow.spec.arguments.parameters.map(p => [p.name, p.value]),
    );
    expect(params).toMatchObject({
      namespace: 'demo',
      'database-name': 'launchpad-demo-openedx',
      username: 'launchpad-demo',
      password: expect.stringMatching(/^sandbox-mysql-/),
    });
    expect(
      JSON.stringify([
        outputs,
        logger.info.mock.calls,
        deps.auditor.createEvent.mock.calls,
      ]),
    ).not.toContain(params.password);
    expect(deps.auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'workflow-submit',
        meta: expect.objectContaining({
          workflow: 'demo/mysql-provision-demo',
        }),
      }),
    );
  }, 60_000);

  it(`example: ${storageExample.description}`, async () => {
    const { action } = build();
    await deleteWorkflow('demo', 'storage-provision-demo');
    const { ctx, outputs } = actionContext(action, {
      ...storageExample.input,
      ...fast,
    });
    await whileAdvancing(env.sandbox, action.handler(ctx));
    expect(outputs.phase).toBe('Succeeded');
    const workflow = await readWorkflow('demo', 'storage-provision-demo');
    expect(workflow.spec.ttlStrategy).toEqual({ secondsAfterCompletion: 3600 });
    const params = Object.fromEntries(
      workflow.spec.arguments.parameters.map(p => [p.name, p.value]),
    );
    expect(params).toMatchObject({
      namespace: 'demo',
      region: 'eu-west-1',
      'bucket-name': expect.stringMatching(/^launchpad-demo-[a-z0-9]{7}$/),
    });
  }, 60_000);

  it('refuses an unknown template, an undeclared parameter and a missing required one before submitting', async () => {
    const { action, deps } = build();
    const base = { cluster: 'staging', slug: 'physics-101', ...fast };
    await expect(
      action.handler(
        actionContext(action, { ...base, template: 'nope-template' }).ctx,
      ),
    ).rejects.toThrow(
      'template "nope-template" is not a ClusterWorkflowTemplate on staging',
    );
    await expect(
      action.handler(
        actionContext(action, {
          ...base,
          template: 'mysql-provision-template',
          parameters: { colour: 'blue' },
        }).ctx,
      ),
    ).rejects.toThrow(
      'parameters: colour is not declared by mysql-provision-template',
    );
    await expect(
      action.handler(
        actionContext(action, {
          ...base,
          template: 'mysql-provision-template',
          secretParameters: {},
        }).ctx,
      ),
    ).rejects.toThrow('parameters: mysql-provision-template requires password');
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
  }, 30_000);

  it("reads config.yml only from the cluster's branch or the instance's create pull request branch", async () => {
    const { action, deps } = build();
    const base = {
      cluster: 'staging',
      slug: 'physics-101',
      template: 'mysql-provision-template',
    };
    const requests = `${env.sandbox.adminUrl}/requests`;
    await fetch(requests, { method: 'DELETE' });
    for (const branch of ['feature/passwords', 'launchpad/create-demo']) {
      for (const isDryRun of [false, true]) {
        await expect(
          action.handler(
            actionContext(action, { ...base, branch }, { isDryRun }).ctx,
          ),
        ).rejects.toMatchObject({
          name: 'InputError',
          message: `branch "${branch}" is not one launchpad:workflow:submit reads: the cluster's branch "${
            env.clusters.get('staging').repository.branch
          }" or the pull request branch "launchpad/create-physics-101"`,
        });
      }
    }
    // Refused before asking anything of GitHub or the cluster.
    const counts = (await (await fetch(requests)).json()) as { total: number };
    expect(counts.total).toBe(0);
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
    // The cluster's own branch, named, is the default.
    const { ctx, outputs } = actionContext(
      action,
      { ...base, branch: env.clusters.get('staging').repository.branch },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(outputs.name).toBe('mysql-provision-physics-101');
  }, 30_000);

  it('fails with the failing step and its message; a retry after the fix resubmits once and a further retry submits nothing', async () => {
    const { action, deps } = build();
    const { checkpoint } = memoryCheckpoint();
    await deleteWorkflow('physics-101', 'mongodb-provision-physics-101');
    env.sandbox.faults.add({
      kind: 'workflow-step-fails',
      template: 'mongodb-provision-template',
      step: 'create-user',
      message: 'Authentication failed',
    });
    const input = {
      cluster: 'staging',
      slug: 'physics-101',
      template: 'mongodb-provision-template',
      ...fast,
    };
    await expect(
      whileAdvancing(
        env.sandbox,
        action.handler(actionContext(action, input, { checkpoint }).ctx),
      ),
    ).rejects.toThrow(
      /^Workflow physics-101\/mongodb-provision-physics-101 Failed: step create-user failed: Authentication failed \(http.*\/workflows\/physics-101\/mongodb-provision-physics-101\)$/,
    );
    const failed = await readWorkflow(
      'physics-101',
      'mongodb-provision-physics-101',
    );
    env.sandbox.faults.clear();

    const retry = actionContext(action, input, { checkpoint });
    await whileAdvancing(env.sandbox, action.handler(retry.ctx));
    expect(retry.outputs.phase).toBe('Succeeded');
    expect(retry.lines()).toContain(
      'Workflow physics-101/mongodb-provision-physics-101 failed earlier; deleting it and submitting again',
    );
    const succeeded = await readWorkflow(
      'physics-101',
      'mongodb-provision-physics-101',
    );
    expect(succeeded.metadata.uid).not.toBe(failed.metadata.uid);

    const again = actionContext(action, input, { checkpoint });
    await action.handler(again.ctx);
    expect(again.outputs.phase).toBe('Succeeded');
    expect(
      (await readWorkflow('physics-101', 'mongodb-provision-physics-101'))
        .metadata.uid,
    ).toBe(succeeded.metadata.uid);
    expect(
      deps.auditor.createEvent.mock.calls.filter(
        ([e]) => e.eventId === 'workflow-submit',
      ),
    ).toHaveLength(2);
  }, 60_000);

  it('a recovered task finds the running workflow instead of submitting again', async () => {
    const { action, deps } = build();
    await deleteWorkflow('physics-101', 'storage-provision-physics-101');
    const input = {
      cluster: 'staging',
      slug: 'physics-101',
      template: 'storage-provision-template',
      ...fast,
    };
    // First attempt: submit without waiting (as if the backend stopped here).
    await action.handler(actionContext(action, { ...input, wait: false }).ctx);
    const submitted = await readWorkflow(
      'physics-101',
      'storage-provision-physics-101',
    );
    // The checkpoint was lost with the process: the step runs again.
    const recovered = actionContext(action, input);
    await whileAdvancing(env.sandbox, action.handler(recovered.ctx));
    expect(recovered.outputs.phase).toBe('Succeeded');
    expect(recovered.lines()[0]).toMatch(
      /^Workflow physics-101\/storage-provision-physics-101 already exists/,
    );
    expect(
      (await readWorkflow('physics-101', 'storage-provision-physics-101'))
        .metadata.uid,
    ).toBe(submitted.metadata.uid);
    expect(deps.auditor.createEvent).toHaveBeenCalledTimes(1);
  }, 60_000);

  it('times out with a clear message, and stops when the task is cancelled', async () => {
    const { action } = build();
    await deleteWorkflow('physics-101', 'mysql-provision-physics-101');
    const input = {
      cluster: 'staging',
      slug: 'physics-101',
      template: 'mysql-provision-template',
      ...fast,
    };
    // The clock does not move: the workflow stays Pending.
    await expect(
      action.handler(
        actionContext(action, { ...input, timeoutMinutes: 0.001 }).ctx,
      ),
    ).rejects.toThrow(
      /^Timed out after 60 ms waiting for workflow physics-101\/mysql-provision-physics-101 \(last phase (Pending|Running)\)/,
    );
    const controller = new AbortController();
    const running = action.handler(
      actionContext(action, input, { signal: controller.signal }).ctx,
    );
    controller.abort();
    await expect(running).rejects.toThrow(
      'Stopped waiting for workflow physics-101/mysql-provision-physics-101',
    );
  }, 30_000);

  it('dry run checks the template and submits nothing', async () => {
    const { action, deps } = build();
    const { ctx, outputs, lines } = actionContext(
      action,
      {
        cluster: 'staging',
        slug: 'summer-school',
        template: 'mysql-provision-template',
      },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(outputs.name).toBe('mysql-provision-summer-school');
    expect(lines()[0]).toBe(
      'Dry run: would run mysql-provision-template as summer-school/mysql-provision-summer-school with namespace, database-name, username, password',
    );
    await expect(
      readWorkflow('summer-school', 'mysql-provision-summer-school'),
    ).rejects.toMatchObject({ code: 404 });
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
  }, 30_000);
});
