import type {
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { readHistoryConfig } from '../config';
import { scheduleDailyPrune } from '../database';
import type { ClusterStatusCache } from '../status/ClusterStatusCache';
import { BuildRunsPoller } from './BuildRunsPoller';
import { BuildRunsStore } from './BuildRunsStore';
import { HistoryRecorder, type HistoryRecordedEvent } from './HistoryRecorder';
import { HistoryService } from './HistoryService';
import { HistoryStore } from './HistoryStore';

export type { HistoryRecordedEvent };
export {
  BuildRunsPoller,
  BuildRunsStore,
  HistoryRecorder,
  HistoryService,
  HistoryStore,
};

/**
 * Migrates the history tables, starts recording from the status caches,
 * schedules the Picasso build poller and the daily prune (one replica at a
 * time: `scope: 'global'`).
 * With `launchpad.history.enabled: false` nothing is recorded.
 */
export async function startHistory(options: {
  config: Config;
  database: DatabaseService;
  scheduler: SchedulerService;
  caches: Map<string, ClusterStatusCache>;
  clusters: LaunchpadClustersService;
  logger: LoggerService;
}): Promise<{
  service: HistoryService;
  stop: () => Promise<void>;
  /** Rows recorded by this replica's recorder or build poller (live pages). */
  onRecorded: (listener: (event: HistoryRecordedEvent) => void) => () => void;
}> {
  const settings = readHistoryConfig(options.config);
  if (!settings.enabled) {
    return {
      service: new HistoryService(undefined),
      stop: async () => {},
      onRecorded: () => () => {},
    };
  }
  const store = await HistoryStore.create(options.database);
  // Its table is migrated with the others by HistoryStore.create.
  const builds = new BuildRunsStore(await options.database.getClient());
  const poller = new BuildRunsPoller(options.clusters, builds, options.logger);
  await options.scheduler.scheduleTask({
    id: 'launchpad-history-builds',
    // One replica polls; the upserts by run id make a second one harmless.
    scope: 'global',
    frequency: { seconds: settings.buildPollSeconds },
    timeout: { minutes: 5 },
    fn: async signal => {
      await poller.poll(signal);
    },
  });
  const recorder = new HistoryRecorder(options.caches, store, options.logger);
  recorder.start();
  await scheduleDailyPrune({
    id: 'launchpad-history-prune',
    what: 'history',
    retentionDays: settings.retentionDays,
    scheduler: options.scheduler,
    logger: options.logger,
    prune: async before =>
      (await store.prune(before)) + (await builds.prune(before)),
  });
  return {
    service: new HistoryService(store, builds),
    stop: () => recorder.stop(),
    onRecorded: listener => {
      const offs = [recorder.onRecorded(listener), poller.onRecorded(listener)];
      return () => offs.forEach(off => off());
    },
  };
}
