import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** Launchpad entity provider (clusters come from `launchpad.clusters`). */
      launchpad?: {
        /** Owner of clusters, and of instances whose config.yml has no PORTAL_OWNER. Default group:default/platform-team. */
        defaultOwner?: string;
        /** Refresh schedule; default every 2 minutes, timeout 10 minutes. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
