import type { Config } from '@backstage/config';
import type { WatchTiming } from './status/KindWatcher';

/** `launchpad.status` (all optional): how the watch caches talk to the clusters. */
export function readStatusTiming(config: Config): WatchTiming {
  const status = config.getOptionalConfig('launchpad.status');
  return {
    watchTimeoutSeconds:
      status?.getOptionalNumber('watchTimeoutSeconds') ?? 300,
    silenceGraceMs:
      (status?.getOptionalNumber('silenceGraceSeconds') ?? 60) * 1000,
    initialBackoffMs:
      (status?.getOptionalNumber('retryInitialSeconds') ?? 1) * 1000,
    maxBackoffMs: (status?.getOptionalNumber('retryMaxSeconds') ?? 60) * 1000,
    pageSize: status?.getOptionalNumber('pageSize') ?? 500,
  };
}

/** `launchpad.history` (all optional): whether history is kept and for how long. */
export function readHistoryConfig(config: Config): {
  enabled: boolean;
  retentionDays: number;
  buildPollSeconds: number;
} {
  const history = config.getOptionalConfig('launchpad.history');
  return {
    enabled: history?.getOptionalBoolean('enabled') ?? true,
    retentionDays: history?.getOptionalNumber('retentionDays') ?? 90,
    buildPollSeconds: history?.getOptionalNumber('buildPollSeconds') ?? 60,
  };
}

/** `launchpad.notifications` (all optional): whether owners are told, and how often the time-driven check runs. */
export function readNotificationsConfig(config: Config): {
  enabled: boolean;
  checkSeconds: number;
} {
  const notifications = config.getOptionalConfig('launchpad.notifications');
  return {
    enabled: notifications?.getOptionalBoolean('enabled') ?? true,
    checkSeconds: notifications?.getOptionalNumber('checkSeconds') ?? 60,
  };
}
