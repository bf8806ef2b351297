/**
 * Test utilities of the Launchpad Node library (`@internal/plugin-launchpad-node/testUtils`):
 * not part of the runtime API.
 *
 * @packageDocumentation
 */
export { countingFetch, type RecordedRequest } from './countingFetch';
export { withFault, type SandboxFaults } from './withFault';
export {
  sandboxLaunchpadConfig,
  type GitHubAppConfig,
  type SandboxConfigOptions,
  type SandboxEndpoints,
} from './sandboxConfig';
