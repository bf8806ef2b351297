import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { DEFAULT_PLATFORM_TEAMS, LaunchpadPermissionPolicy } from './policy';

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
        const platformTeams =
          config.getOptionalStringArray(
            'launchpad.permissions.platformTeams',
          ) ?? DEFAULT_PLATFORM_TEAMS;
        policy.setPolicy(
          new LaunchpadPermissionPolicy(userInfo, platformTeams),
        );
      },
    });
  },
});
