import { startSandbox, type Sandbox } from '@internal/sandbox';
import { DefaultArgoWorkflowsClient } from './ArgoWorkflowsClient';

describe('DefaultArgoWorkflowsClient (against the sandbox)', () => {
  let sandbox: Sandbox;
  let client: DefaultArgoWorkflowsClient;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
    const staging = sandbox.clusters.find(c => c.name === 'staging')!;
    client = new DefaultArgoWorkflowsClient({
      cluster: 'staging',
      url: staging.argoUrl,
      token: staging.token,
    });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('submits from a ClusterWorkflowTemplate with parameters and labels, then gets and lists it', async () => {
    const workflow = await client.submit({
      resourceName: 'mysql-provision-template',
      parameters: {
        namespace: 'newcourse',
        'database-name': 'newcourse_edxapp',
        username: 'launchpad-newcourse',
        password: 'pw-value',
      },
      labels: { 'launchpad.openedx.org/instance': 'newcourse' },
    });
    const name = workflow.metadata.name!;
    expect(name).toMatch(/^mysql-provision-template-/);
    expect(workflow.metadata.labels).toMatchObject({
      'launchpad.openedx.org/instance': 'newcourse',
    });
    expect(workflow.spec.arguments?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'namespace', value: 'newcourse' }),
      ]),
    );

    expect((await client.getWorkflow(name)).metadata.name).toBe(name);
    const listed = await client.listWorkflows({
      labelSelector: 'launchpad.openedx.org/instance=newcourse',
    });
    expect(listed.map(w => w.metadata.name)).toEqual([name]);
    expect(
      await client.listWorkflows({
        labelSelector: 'launchpad.openedx.org/instance=nothing-here',
      }),
    ).toEqual([]);
  });

  it('submits to, gets from and lists another namespace when asked', async () => {
    const workflow = await client.submit({
      namespace: 'demo',
      resourceName: 'storage-provision-template',
      parameters: {
        namespace: 'demo',
        'bucket-name': 'launchpad-demo-abc1234',
      },
      labels: { 'launchpad.openedx.org/instance': 'demo' },
    });
    expect(workflow.metadata.namespace).toBe('demo');
    const name = workflow.metadata.name!;
    expect(
      (await client.getWorkflow(name, { namespace: 'demo' })).metadata.name,
    ).toBe(name);
    await expect(client.getWorkflow(name)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    const listed = await client.listWorkflows({
      namespace: 'demo',
      labelSelector: 'launchpad.openedx.org/instance=demo',
    });
    expect(listed.map(w => w.metadata.name)).toContain(name);
  });

  it('answers an unknown template with NotFoundError naming the cluster', async () => {
    await expect(
      client.submit({ resourceName: 'no-such-template' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'Could not submit ClusterWorkflowTemplate no-such-template (cluster staging): Argo Server answered 404',
      ),
    });
  });

  it('answers a missing workflow with NotFoundError', async () => {
    await expect(client.getWorkflow('nope-123')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('is refused with a wrong token as NotAllowedError', async () => {
    const staging = sandbox.clusters.find(c => c.name === 'staging')!;
    const wrong = new DefaultArgoWorkflowsClient({
      cluster: 'staging',
      url: staging.argoUrl,
      token: 'wrong-token-value',
    });
    const error = await wrong.listWorkflows().catch(e => e);
    expect(error).toMatchObject({ name: 'NotAllowedError' });
    expect(String(error.message)).not.toContain('wrong-token-value');
  });
});
