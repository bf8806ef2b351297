import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import type { LaunchpadClusterConfig } from '../config';
import type { ClusterKubernetes } from '../service/types';
import { createKubeConfig } from './kubeConfig';

export { createKubeConfig } from './kubeConfig';

/** The cluster's KubeConfig and typed API clients, built once. */
export function createClusterKubernetes(
  cluster: LaunchpadClusterConfig,
): ClusterKubernetes {
  const kubeConfig = createKubeConfig(cluster);
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    autoscaling: kubeConfig.makeApiClient(AutoscalingV2Api),
    rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
  };
}
