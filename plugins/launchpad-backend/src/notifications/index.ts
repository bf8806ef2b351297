import type {
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { readHistoryConfig, readNotificationsConfig } from '../config';
import { scheduleDailyPrune } from '../database';
import type { ClusterStatusCache } from '../status/ClusterStatusCache';
import type { StatusService } from '../status/StatusService';
import { InstanceNotifier } from './InstanceNotifier';
import { NotificationStore } from './NotificationStore';

export { InstanceNotifier, NotificationStore };

/**
 * Starts the notifier (with `launchpad.notifications.enabled`, default
 * true). The time-driven check is scheduled with `scope: 'global'`: every
 * replica already evaluates on its own cache changes, so passing time needs
 * one evaluator per interval, not one per replica; if that replica goes
 * away, the scheduler's lock lapses and another runs it, and the claims make
 * an overlap with a change-driven pass harmless.
 */
export async function startNotifications(options: {
  config: Config;
  database: DatabaseService;
  scheduler: SchedulerService;
  caches: Map<string, ClusterStatusCache>;
  status: StatusService;
  entities: { list(): Promise<Entity[]> };
  notifications: NotificationService;
  logger: LoggerService;
}): Promise<{
  /** Build runs were recorded: failed ones are sent right away, not at the next check. */
  buildsRecorded: () => void;
  stop: () => Promise<void>;
}> {
  const settings = readNotificationsConfig(options.config);
  if (!settings.enabled) {
    return { buildsRecorded: () => {}, stop: async () => {} };
  }
  const store = await NotificationStore.create(options.database);
  const notifier = new InstanceNotifier({
    caches: options.caches,
    status: options.status,
    entities: options.entities,
    store,
    notifications: options.notifications,
    logger: options.logger.child({ task: 'launchpad-notifications' }),
  });
  notifier.start();
  await options.scheduler.scheduleTask({
    id: 'launchpad-notifications-check',
    scope: 'global',
    frequency: { seconds: settings.checkSeconds },
    timeout: { minutes: 5 },
    fn: () => notifier.check(),
  });
  const { retentionDays } = readHistoryConfig(options.config);
  await scheduleDailyPrune({
    id: 'launchpad-notifications-prune',
    what: 'notification',
    retentionDays,
    scheduler: options.scheduler,
    logger: options.logger,
    prune: before => store.prune(before),
  });
  return {
    buildsRecorded: () => notifier.buildsRecorded(),
    stop: () => notifier.stop(),
  };
}
