export { launchpadApiRef } from './LaunchpadApi';
export type { LaunchpadApi, FleetQuery } from './LaunchpadApi';
export { LaunchpadClient } from './LaunchpadClient';
