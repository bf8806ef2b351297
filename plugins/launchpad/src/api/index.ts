export { launchpadApiRef } from './LaunchpadApi';
export type {
  LaunchpadApi,
  FleetQuery,
  LaunchpadClusterSummary,
  SlugAvailability,
} from './LaunchpadApi';
export { LaunchpadClient } from './LaunchpadClient';
