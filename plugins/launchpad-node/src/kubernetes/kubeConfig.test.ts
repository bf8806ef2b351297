import { CoreV1Api } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import type { LaunchpadClusterConfig } from '../config';
import { createKubeConfig } from './kubeConfig';

describe('createKubeConfig (against the sandbox)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({});
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  const clusterConfig = (token: string): LaunchpadClusterConfig => {
    const cluster = sandbox.clusters.find(c => c.name === 'staging')!;
    return {
      name: cluster.name,
      environment: cluster.environment,
      domain: cluster.domain,
      repository: cluster.repository,
      branch: cluster.branch,
      kubernetes: { url: cluster.kubernetesUrl, token, skipTLSVerify: false },
    };
  };

  it('authenticates with the cluster token and lists namespaces', async () => {
    const cluster = sandbox.clusters.find(c => c.name === 'staging')!;
    const kubeConfig = createKubeConfig(clusterConfig(cluster.token));
    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      server: cluster.kubernetesUrl,
      skipTLSVerify: cluster.kubernetesUrl.startsWith('http://'),
    });
    const namespaces = await kubeConfig
      .makeApiClient(CoreV1Api)
      .listNamespace();
    expect(namespaces.items.map(n => n.metadata?.name)).toEqual(
      expect.arrayContaining(['argocd']),
    );
  });

  it('is refused with a wrong token', async () => {
    const kubeConfig = createKubeConfig(clusterConfig('not-the-token'));
    await expect(
      kubeConfig.makeApiClient(CoreV1Api).listNamespace(),
    ).rejects.toMatchObject({ code: 401 });
  });
});
