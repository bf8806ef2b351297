import type {
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import type { Knex } from 'knex';
import { databaseOf } from './index';
import { HistoryStore } from '../history/HistoryStore';

/** ClusterStatusCache timings for tests: short server timeouts and backoff. */
export const TEST_CACHE_TIMING = {
  watchTimeoutSeconds: 30,
  silenceGraceMs: 5_000,
  initialBackoffMs: 200,
  maxBackoffMs: 1_000,
  pageSize: 500,
};

/**
 * The hooks of a `describe.each(databases.eachSupportedId())` block: one
 * sandbox (at speed 0, moved by its clock) for the block, a fresh database per
 * test. Call inside the describe; read `sandbox` and `knex` inside tests.
 */
export function sandboxPerDatabase(
  databases: TestDatabases,
  databaseId: string,
  options: { migrate?: boolean } = {},
): { readonly sandbox: Sandbox; readonly knex: Knex } {
  let sandbox: Sandbox | undefined;
  let knex: Knex | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 60_000);
  beforeEach(async () => {
    knex = await databases.init(databaseId as TestDatabaseId);
    // Tests that build stores by hand need every table first.
    if (options.migrate) await HistoryStore.create(databaseOf(knex));
  }, 60_000);
  return {
    get sandbox() {
      if (!sandbox) throw new Error('the sandbox starts in beforeAll');
      return sandbox;
    },
    get knex() {
      if (!knex) throw new Error('the database is set up in beforeEach');
      return knex;
    },
  };
}
