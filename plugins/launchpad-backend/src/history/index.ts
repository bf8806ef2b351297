import type {
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { readHistoryConfig } from '../config';
import type { ClusterStatusCache } from '../status/ClusterStatusCache';
import { HistoryRecorder } from './HistoryRecorder';
import { HistoryService } from './HistoryService';
import { HistoryStore } from './HistoryStore';

export { HistoryRecorder, HistoryService, HistoryStore };

/**
 * Migrates the history tables, starts recording from the status caches and
 * schedules the daily prune (one replica at a time: `scope: 'global'`).
 * With `launchpad.history.enabled: false` nothing is recorded.
 */
export async function startHistory(options: {
  config: Config;
  database: DatabaseService;
  scheduler: SchedulerService;
  caches: Map<string, ClusterStatusCache>;
  logger: LoggerService;
}): Promise<{ service: HistoryService; stop: () => Promise<void> }> {
  const settings = readHistoryConfig(options.config);
  if (!settings.enabled) {
    return { service: new HistoryService(undefined), stop: async () => {} };
  }
  const store = await HistoryStore.create(options.database);
  const recorder = new HistoryRecorder(options.caches, store, options.logger);
  recorder.start();
  await options.scheduler.scheduleTask({
    id: 'launchpad-history-prune',
    scope: 'global',
    frequency: { hours: 24 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 5 },
    fn: async () => {
      const removed = await store.prune(
        Date.now() - settings.retentionDays * 24 * 3600_000,
      );
      if (removed > 0) {
        options.logger.info(
          `Pruned ${removed} history rows older than ${settings.retentionDays} days`,
        );
      }
    },
  });
  return { service: new HistoryService(store), stop: () => recorder.stop() };
}
