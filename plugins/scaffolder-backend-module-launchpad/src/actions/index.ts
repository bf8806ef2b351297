import {
  createInstanceCreateAction,
  type InstanceCreateDeps,
} from './instanceCreate';
import { createWorkflowSubmitAction } from './workflowSubmit';
import { createPicassoBuildAction } from './picassoBuild';

export { createInstanceCreateAction, type InstanceCreateDeps };
export { createWorkflowSubmitAction, createPicassoBuildAction };
export type { LaunchpadActionDeps } from './shared';

/** Every Launchpad action, built with the module's services. */
export function createLaunchpadActions(deps: InstanceCreateDeps) {
  return [
    createInstanceCreateAction(deps),
    createWorkflowSubmitAction(deps),
    createPicassoBuildAction(deps),
  ];
}
