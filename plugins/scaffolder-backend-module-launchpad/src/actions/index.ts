import {
  createInstanceCreateAction,
  type InstanceCreateDeps,
} from './instanceCreate';
import { createWorkflowSubmitAction } from './workflowSubmit';

export { createInstanceCreateAction, type InstanceCreateDeps };
export { createWorkflowSubmitAction };
export type { LaunchpadActionDeps } from './shared';

/** Every Launchpad action, built with the module's services. */
export function createLaunchpadActions(deps: InstanceCreateDeps) {
  return [createInstanceCreateAction(deps), createWorkflowSubmitAction(deps)];
}
