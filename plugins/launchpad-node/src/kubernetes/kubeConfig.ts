import { KubeConfig } from '@kubernetes/client-node';
import type { LaunchpadClusterConfig } from '../config';

/**
 * A KubeConfig for one Launchpad cluster (service account bearer token),
 * built in memory from app-config: no kubeconfig file is read or written.
 */
export function createKubeConfig(cluster: LaunchpadClusterConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.kubernetes.url,
        // client-node refuses plain-HTTP servers unless skipTLSVerify is set;
        // an http:// URL (the sandbox, a local proxy) has no TLS to verify.
        skipTLSVerify:
          cluster.kubernetes.skipTLSVerify ||
          cluster.kubernetes.url.startsWith('http://'),
        caData: cluster.kubernetes.caData,
      },
    ],
    users: [
      { name: `${cluster.name}-launchpad`, token: cluster.kubernetes.token },
    ],
    contexts: [
      {
        name: cluster.name,
        cluster: cluster.name,
        user: `${cluster.name}-launchpad`,
      },
    ],
    currentContext: cluster.name,
  });
  return kubeConfig;
}
