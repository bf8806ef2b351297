import { CoreV1Api } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox';
import { kubeConfigFor } from '../kube/__testUtils__';
import { clustersEnv, scaleEnv } from './env';

describe('more clusters', () => {
  let sandbox: Sandbox | undefined;
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('starts any number of clusters, each with its repository, seed and scale', async () => {
    sandbox = await startSandbox({
      speed: 0,
      clusters: ['staging', 'production', 'edge'],
      scale: [
        { cluster: 'staging', instances: 3 },
        { cluster: 'edge', instances: 2 },
      ],
    });
    expect(sandbox.clusters.map(c => [c.name, c.domain, c.repository])).toEqual(
      [
        [
          'staging',
          'staging.learn.acme.test',
          'acme-edu/launchpad-cluster-staging',
        ],
        [
          'production',
          'learn.acme.test',
          'acme-edu/launchpad-cluster-production',
        ],
        ['edge', 'edge.learn.acme.test', 'acme-edu/launchpad-cluster-edge'],
      ],
    );
    const apps = async (index: number) => {
      const cluster = sandbox!.clusters[index];
      const res = await fetch(`${cluster.argocdUrl}/api/v1/applications`, {
        headers: { Authorization: `Bearer ${cluster.token}` },
      });
      const body = (await res.json()) as {
        items: Array<{
          metadata: { name: string };
          status: { sync: { status: string }; health: { status: string } };
        }>;
      };
      return body.items;
    };
    const edge = await apps(2);
    expect(edge.map(a => a.metadata.name).sort()).toEqual([
      'demo-edge',
      'load-0001-edge',
      'load-0002-edge',
    ]);
    expect(edge.every(a => a.status.sync.status === 'Synced')).toBe(true);
    expect(
      edge.find(a => a.metadata.name === 'demo-edge')?.status.health.status,
    ).toBe('Healthy');
    expect((await apps(0)).length).toBe(4 + 3);
    expect((await apps(1)).length).toBe(4);
    const files = await sandbox.git.listFiles(
      'acme-edu',
      'launchpad-cluster-edge',
      'instances',
    );
    expect(files).toContain('instances/demo/config.yml');
    // The edge cluster's Kubernetes API serves its own instance's workloads.
    const pods = await kubeConfigFor(sandbox.clusters[2])
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'demo' });
    expect(pods.items.length).toBeGreaterThan(0);
  }, 60_000);

  it('reads SANDBOX_CLUSTERS and SANDBOX_SCALE in the new and the old forms', () => {
    expect(clustersEnv(undefined)).toBeUndefined();
    expect(clustersEnv('staging, production,edge')).toEqual([
      'staging',
      'production',
      'edge',
    ]);
    expect(scaleEnv('staging:1000,edge:500')).toEqual([
      { cluster: 'staging', instances: 1000 },
      { cluster: 'edge', instances: 500 },
    ]);
    expect(scaleEnv('production:1000')).toEqual([
      { cluster: 'production', instances: 1000 },
    ]);
    expect(scaleEnv('1000')).toEqual([{ cluster: 'staging', instances: 1000 }]);
    expect(() => scaleEnv('edge:many')).toThrow(/SANDBOX_SCALE/);
  });
});
