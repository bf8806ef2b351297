import { KubeConfig } from '@kubernetes/client-node';
import type { SandboxCluster } from '../../sandbox';

/**
 * A KubeConfig for the real client, pointing at one sandbox cluster. The
 * client refuses plain http unless skipTLSVerify is set.
 */
export function kubeConfigFor(
  cluster: Pick<SandboxCluster, 'name' | 'kubernetesUrl' | 'token'>,
  token = cluster.token,
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.kubernetesUrl,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'sandbox', token }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: 'sandbox' }],
    currentContext: cluster.name,
  });
  return kc;
}

/** Polls `check` (re-reading through the API) until it returns a value. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  attempts = 100,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached');
}
