import {
  resolvePackagePath,
  type DatabaseService,
  type LoggerService,
  type SchedulerService,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

/**
 * The plugin's database client with its migrations (migrations/) applied,
 * unless the backend skips migrations. The history and notification stores
 * share the directory and table: knex's migration lock makes a second call a
 * no-op.
 */
export async function migratedClient(database: DatabaseService): Promise<Knex> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) {
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-launchpad-backend',
        'migrations',
      ),
      tableName: 'launchpad_knex_migrations',
    });
  }
  return knex;
}

/**
 * The daily removal of rows older than `launchpad.history.retentionDays`, by
 * one replica at a time (`scope: 'global'`); `prune` returns the rows removed.
 */
export async function scheduleDailyPrune(options: {
  id: string;
  what: string;
  retentionDays: number;
  scheduler: SchedulerService;
  logger: LoggerService;
  prune: (olderThan: number) => Promise<number>;
}): Promise<void> {
  const { retentionDays } = options;
  await options.scheduler.scheduleTask({
    id: options.id,
    scope: 'global',
    frequency: { hours: 24 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 5 },
    fn: async () => {
      const removed = await options.prune(
        Date.now() - retentionDays * 24 * 3600_000,
      );
      if (removed > 0) {
        options.logger.info(
          `Pruned ${removed} ${options.what} rows older than ${retentionDays} days`,
        );
      }
    },
  });
}
