import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  DEFAULT_PLATFORM_TEAMS,
  LaunchpadPermissionPolicy,
  readCreateGroups,
} from './policy';

/** Installs {@link LaunchpadPermissionPolicy} as the permission backend's policy. */
export const permissionModuleLaunchpadPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'launchpad-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, userInfo }) {
        // Read once at start-up: a config change takes a restart.
        const platformTeams =
          config.getOptionalStringArray(
            'launchpad.permissions.platformTeams',
          ) ?? DEFAULT_PLATFORM_TEAMS;
        policy.setPolicy(
          new LaunchpadPermissionPolicy(userInfo, {
            platformTeams,
            createGroups: readCreateGroups(config),
          }),
        );
      },
    });
  },
});
