/*
 * The production configuration, tested for real: the backend started with
 * app-config.production.yaml against the PostgreSQL and Redis on loopback.
 * (The development default, SQLite in memory, is exercised by every other run.)
 */
import { randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { Client } from 'pg';
import { ConfigReader } from '@backstage/config';
import { loadConfig } from '@backstage/config-loader';
import { CacheManager } from '@backstage/backend-defaults/cache';
import { startSandbox, Sandbox } from '@internal/sandbox';
import {
  dropDatabases,
  freePort,
  makeOverlayDir,
  POSTGRES,
  productionEnv,
  ProductionBackend,
  ROOT,
  sandboxOverlay,
  startProductionBackend,
  waitFor,
} from './__testUtils__/productionBackend';

async function productionConfig(env: Record<string, string>) {
  const { appConfigs } = await loadConfig({
    configRoot: ROOT,
    configTargets: [
      { path: path.join(ROOT, 'app-config.yaml') },
      { path: path.join(ROOT, 'app-config.production.yaml') },
    ],
    experimentalEnvFunc: async name => env[name],
  });
  return ConfigReader.fromConfigs(appConfigs);
}

describe('production configuration', () => {
  const prefix = `lp_test_${randomBytes(4).toString('hex')}_`;
  const token = randomBytes(24).toString('hex');
  let backend: ProductionBackend | undefined;
  let overlayDir: string;
  let sandbox: Sandbox | undefined;

  afterAll(async () => {
    // Stop the backend first (it holds connections to the sandbox and to
    // PostgreSQL), and wait for it to exit before dropping its databases.
    await backend?.stop();
    await sandbox?.stop();
    if (overlayDir) fs.rmSync(overlayDir, { recursive: true, force: true });
    await dropDatabases(prefix);
    // Its own bound: stopping a backend on a loaded machine takes seconds,
    // more than Jest's 5 s hook default.
  }, 60_000);

  it('serves the catalog from PostgreSQL and refuses guest sign-in', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    sandbox = await startSandbox();
    // What an operator adds on top of the production files: the clusters
    // (here the sandbox's), and for the test a database prefix so parallel
    // runs never share databases.
    overlayDir = makeOverlayDir();
    backend = startProductionBackend({
      port,
      automationToken: token,
      githubToken: sandbox.github.token,
      overlayDir,
      overlay: {
        backend: { database: { prefix } },
        ...sandboxOverlay(sandbox),
        catalog: {
          providers: {
            launchpad: {
              schedule: {
                frequency: { seconds: 5 },
                timeout: { minutes: 1 },
                initialDelay: { seconds: 1 },
              },
            },
          },
        },
      },
    });

    const body = await waitFor(
      'catalog answering with the org entities',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-query?filter=kind=group`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        if (res.status !== 200) return undefined;
        const json = (await res.json()) as {
          items: Array<{ metadata: { name: string } }>;
        };
        return json.items.length > 0 ? json : undefined;
      },
      150_000,
      backend,
    );
    expect(body.items.map(e => e.metadata.name)).toContain('platform-team');

    // The Launchpad provider read the clusters' repositories into PostgreSQL.
    const instances = await waitFor(
      'Launchpad instances in the catalog',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-query?filter=spec.type=openedx-instance`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        const json = (await res.json()) as {
          items: Array<{ metadata: { name: string; namespace: string } }>;
        };
        // Each cluster has its own provider; wait until both have written.
        const namespaces = new Set(json.items.map(e => e.metadata.namespace));
        return namespaces.has('staging') && namespaces.has('production')
          ? json.items
          : undefined;
      },
      60_000,
      backend,
    );
    expect(instances.map(e => e.metadata.name)).toEqual(
      expect.arrayContaining(['demo', 'university']),
    );

    // Without a token the API refuses, and guest sign-in is development-only.
    const anonymous = await fetch(`${baseUrl}/api/catalog/entities`);
    expect(anonymous.status).toBe(401);
    const guest = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    expect(guest.status).not.toBe(200);

    // The catalog's tables live in PostgreSQL, in a database of its own.
    const pg = new Client({ ...POSTGRES, database: `${prefix}catalog` });
    await pg.connect();
    const { rows } = await pg.query<{ count: string }>(
      "SELECT count(*) FROM final_entities WHERE final_entity LIKE '%platform-team%'",
    );
    await pg.end();
    expect(Number(rows[0].count)).toBeGreaterThan(0);
  }, 200_000);

  it('shares the cache between backend replicas through Redis', async () => {
    const config = await productionConfig(
      productionEnv({
        port: 7007,
        automationToken: token,
        githubToken: 'unused-by-the-cache',
      }),
    );
    expect(config.getString('backend.cache.store')).toBe('redis');

    // Two managers stand for two backend replicas: what one writes, the other
    // reads, which an in-memory cache could not do.
    const key = `launchpad-test-${randomBytes(4).toString('hex')}`;
    const replicaA = CacheManager.fromConfig(config).forPlugin('launchpad');
    const replicaB = CacheManager.fromConfig(config).forPlugin('launchpad');
    await replicaA.set(key, { synced: true }, { ttl: 60_000 });
    await expect(replicaB.get(key)).resolves.toEqual({ synced: true });
    await replicaB.delete(key);
    await expect(replicaA.get(key)).resolves.toBeUndefined();
  });
});
