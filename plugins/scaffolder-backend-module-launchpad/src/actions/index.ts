import {
  createInstanceCreateAction,
  type InstanceCreateDeps,
} from './instanceCreate';
import { createWorkflowSubmitAction } from './workflowSubmit';
import { createPicassoBuildAction } from './picassoBuild';
import { createArgocdSyncAction } from './argocdSync';
import { createArgocdApplyAction } from './argocdApply';
import { createInstancePrepareAction } from './instancePrepare';
import { createCatalogRefreshAction } from './catalogRefresh';
import { createInstanceUpdateAction } from './instanceUpdate';
import { createVeleroBackupAction } from './veleroBackup';
import { createInstanceDeleteAction } from './instanceDelete';
import { createInstanceUpgradeAction } from './instanceUpgrade';
import {
  createFleetUpgradeAction,
  type FleetUpgradeDeps,
} from './fleetUpgrade';

export { createInstanceCreateAction, type InstanceCreateDeps };
export {
  createWorkflowSubmitAction,
  createPicassoBuildAction,
  createArgocdSyncAction,
  createArgocdApplyAction,
  createInstancePrepareAction,
  createCatalogRefreshAction,
  createInstanceUpdateAction,
  createVeleroBackupAction,
  createInstanceDeleteAction,
  createInstanceUpgradeAction,
  createFleetUpgradeAction,
  type FleetUpgradeDeps,
};
export type { LaunchpadActionDeps } from './shared';

/** Every Launchpad action, built with the module's services (and config: launchpad.fleet). */
export function createLaunchpadActions(options: FleetUpgradeDeps) {
  const deps = {
    ...options,
    pollIntervalSeconds: options.config?.getOptionalNumber(
      'launchpad.scaffolder.pollIntervalSeconds',
    ),
  };
  return [
    createInstanceCreateAction(deps),
    createInstancePrepareAction(deps),
    createWorkflowSubmitAction(deps),
    createPicassoBuildAction(deps),
    createArgocdApplyAction(deps),
    createArgocdSyncAction(deps),
    createCatalogRefreshAction(deps),
    createInstanceUpdateAction(deps),
    createVeleroBackupAction(deps),
    createInstanceDeleteAction(deps),
    createInstanceUpgradeAction(deps),
    createFleetUpgradeAction(deps),
  ];
}
