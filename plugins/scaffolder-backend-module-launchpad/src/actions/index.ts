import {
  createInstanceCreateAction,
  type InstanceCreateDeps,
} from './instanceCreate';

export { createInstanceCreateAction, type InstanceCreateDeps };
export type { LaunchpadActionDeps } from './shared';

/** Every Launchpad action, built with the module's services. */
export function createLaunchpadActions(deps: InstanceCreateDeps) {
  return [createInstanceCreateAction(deps)];
}
