import net from 'node:net';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { DefaultArgoCdClient } from './ArgoCdClient';

describe('DefaultArgoCdClient (against the sandbox)', () => {
  let sandbox: Sandbox;
  let client: DefaultArgoCdClient;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
    const staging = sandbox.clusters.find(c => c.name === 'staging')!;
    client = new DefaultArgoCdClient({
      cluster: 'staging',
      url: staging.argocdUrl,
      token: staging.token,
    });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('gets an application and lists them by label selector', async () => {
    const demo = await client.getApplication('demo-staging');
    expect(demo.metadata.name).toBe('demo-staging');
    expect(demo.spec.source?.path).toBe('instances/demo/env');

    const all = await client.listApplications();
    expect(all.length).toBeGreaterThan(1);
    const selected = await client.listApplications({
      selector: 'launchpad.openedx.org/instance=demo',
    });
    expect(selected.map(a => a.metadata.name)).toEqual(['demo-staging']);
    expect(
      await client.listApplications({
        selector: 'launchpad.openedx.org/instance=nothing-here',
      }),
    ).toEqual([]);
  });

  it("answers a missing application with NotFoundError naming the cluster when the project is named, NotAllowedError (ArgoCD's 403) when not", async () => {
    await expect(
      client.getApplication('nope-staging', { project: 'default' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'Could not get application nope-staging (cluster staging): ArgoCD answered 404',
      ),
    });
    await expect(client.getApplication('nope-staging')).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('ArgoCD answered 403'),
    });
    const project = { project: 'default' };
    for (const call of [
      client.refresh('nope-staging', 'normal', project),
      client.sync('nope-staging', project),
      client.deleteApplication('nope-staging', project),
    ])
      await expect(call).rejects.toMatchObject({ name: 'NotFoundError' });
    // Named with another project than its own: "not in that project".
    await expect(
      client.getApplication('demo-staging', { project: 'team-a' }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(
      (await client.getApplication('demo-staging', project)).metadata.name,
    ).toBe('demo-staging');
    expect(
      (await client.listApplications({ name: 'demo-staging' })).map(
        a => a.metadata.name,
      ),
    ).toEqual(['demo-staging']);
  });

  it('syncs, and a second sync while the first runs is a ConflictError', async () => {
    const synced = await client.sync('physics-101-staging', { prune: true });
    expect(synced.metadata.name).toBe('physics-101-staging');
    await expect(client.sync('physics-101-staging')).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        'another operation is already in progress',
      ),
    });
  });

  it('sends the sync options as ArgoCD reads them (syncOptions as { items })', async () => {
    const synced = await client.sync('summer-school-staging', {
      revision: 'main',
      prune: false,
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      strategy: { hook: { force: false } },
      retryStrategy: { limit: 2 },
    });
    expect(synced.operation?.sync).toMatchObject({
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
    });
    expect(synced.operation?.retry).toMatchObject({ limit: 2 });
  });

  it('deletes an application, cascading by default', async () => {
    await client.deleteApplication('broken-config-staging', {
      propagationPolicy: 'foreground',
    });
    // The resources finalizer makes the deletion asynchronous: the
    // controller deletes the resources, then the Application.
    await sandbox.settle(60_000);
    await expect(
      client.getApplication('broken-config-staging', { project: 'default' }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  }, 30_000);

  it('refreshes an application', async () => {
    const refreshed = await client.refresh('demo-staging', 'hard');
    expect(refreshed.metadata.name).toBe('demo-staging');
    const again = await client.refresh('demo-staging', 'normal', {
      project: 'default',
    });
    expect(again.metadata.name).toBe('demo-staging');
  });

  it('is refused with a wrong token as NotAllowedError, without echoing the token', async () => {
    const staging = sandbox.clusters.find(c => c.name === 'staging')!;
    const wrong = new DefaultArgoCdClient({
      cluster: 'staging',
      url: staging.argocdUrl,
      token: 'wrong-token-value',
    });
    const error = await wrong.getApplication('demo-staging').catch(e => e);
    expect(error).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('ArgoCD answered 401'),
    });
    expect(String(error.message)).not.toContain('wrong-token-value');
  });

  it('reports an unreachable server as ServiceUnavailableError with the network cause', async () => {
    // A port that was just free: nothing listens there.
    const server = net.createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise(resolve => server.close(resolve));
    const down = new DefaultArgoCdClient({
      cluster: 'staging',
      url: `http://127.0.0.1:${port}/argocd`,
    });
    await expect(down.listApplications()).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(/ArgoCD did not answer.*ECONNREFUSED/),
    });
  });
});
