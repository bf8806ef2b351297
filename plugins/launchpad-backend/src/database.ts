import {
  resolvePackagePath,
  type DatabaseService,
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
