/**
 * Database rows written per hour at the sandbox's default activity, for
 * `yarn bench:status`: the seeded sandbox (two clusters, provisioning
 * workflows running, HPAs drifting, hourly backups, ArgoCD's assessments)
 * and the launchpad plugin on one in-memory SQLite database, one simulated
 * hour under the sandbox's clock. Counts the rows added to the history,
 * build-run and notification tables, and the insert/update statements sent
 * (an upsert that rewrites a workflow run is a write but no new row).
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox } from '@internal/sandbox';
import knexFactory from 'knex';
import { launchpadPlugin } from '../src/plugin';
import { seedInstanceEntities } from '../src/__testUtils__';

const TABLES = [
  'launchpad_workflow_runs',
  'launchpad_argocd_transitions',
  'launchpad_build_runs',
  'launchpad_instance_transitions',
];

export interface RowsPerHour {
  rows: Record<string, number>;
  writes: number;
  notifications: number;
  realSeconds: number;
}

export async function measureRowsPerHour(): Promise<RowsPerHour> {
  const sandbox = await startSandbox({ speed: 0 });
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  let writes = 0;
  let counting = false;
  knex.on('query', (q: { sql?: string }) => {
    const sql = q.sql?.trimStart().toLowerCase() ?? '';
    if (
      counting &&
      (sql.startsWith('insert') || sql.startsWith('update')) &&
      TABLES.some(t => sql.includes(t))
    ) {
      writes++;
    }
  });
  let notifications = 0;
  const config = sandboxLaunchpadConfig(sandbox);
  const backend = await startTestBackend({
    features: [
      launchpadPlugin,
      catalogServiceMock.factory({ entities: seedInstanceEntities() }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          ...config,
          launchpad: {
            ...config.launchpad,
            notifications: { checkSeconds: 5 },
          },
        },
      }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async () => {
            notifications++;
          },
        }),
      }),
    ],
  });
  const count = async () => {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const [{ n }] = await knex(table).count({ n: '*' });
      out[table] = Number(n);
    }
    return out;
  };
  const settled = async () => {
    // Real time for the watches, the recorders' coalescing and the checks.
    await new Promise(r => setTimeout(r, 8_000));
  };
  try {
    await settled(); // the first states are recorded: not counted
    const before = await count();
    counting = true;
    notifications = 0;
    const started = Date.now();
    // One simulated hour in ten-minute steps, the caches catching up on each.
    for (let i = 0; i < 6; i++) {
      await sandbox.settle(600_000, 30_000);
      await new Promise(r => setTimeout(r, 1_000));
    }
    await settled();
    counting = false;
    const after = await count();
    return {
      rows: Object.fromEntries(
        TABLES.map(t => [t, (after[t] ?? 0) - (before[t] ?? 0)]),
      ),
      writes,
      notifications,
      realSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await backend.stop();
    await knex.destroy();
    await sandbox.stop();
  }
}
