/*
 * The production configuration, tested for real: the backend started with
 * app-config.production.yaml against the PostgreSQL and Redis on loopback.
 * (The development default, SQLite in memory, is exercised by every other run.)
 */
import { spawn, ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { ConfigReader } from '@backstage/config';
import { loadConfig } from '@backstage/config-loader';
import { CacheManager } from '@backstage/backend-defaults/cache';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, Sandbox } from '@internal/sandbox';
import { stringify } from 'yaml';

const ROOT = path.resolve(__dirname, '../../..');
const POSTGRES = {
  host: process.env.POSTGRES_HOST ?? '127.0.0.1',
  port: Number(process.env.POSTGRES_PORT ?? 5432),
  user: process.env.POSTGRES_USER ?? 'postgres',
  password: process.env.POSTGRES_PASSWORD ?? 'unused-with-trust-auth',
};
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The environment app-config.production.yaml reads, as an operator sets it. */
function productionEnv(options: {
  port: number;
  automationToken: string;
  githubToken: string;
}): Record<string, string> {
  return {
    PORTAL_BASE_URL: `http://127.0.0.1:${options.port}`,
    PORTAL_PORT: String(options.port),
    POSTGRES_HOST: POSTGRES.host,
    POSTGRES_PORT: String(POSTGRES.port),
    POSTGRES_USER: POSTGRES.user,
    POSTGRES_PASSWORD: POSTGRES.password,
    REDIS_URL,
    PORTAL_AUTOMATION_TOKEN: options.automationToken,
    LAUNCHPAD_GITHUB_TOKEN: options.githubToken,
  };
}

/**
 * The sandbox's clusters and its GitHub as an `integrations.github` entry
 * whose token comes from the environment, as an operator configures it.
 */
function sandboxOverlay(sandbox: Sandbox) {
  const overlay = sandboxLaunchpadConfig(sandbox);
  return {
    ...overlay,
    integrations: {
      github: overlay.integrations.github.map(entry => ({
        ...entry,
        // eslint-disable-next-line no-template-curly-in-string -- app-config substitution, resolved by the config loader
        token: '${LAUNCHPAD_GITHUB_TOKEN}',
      })),
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

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

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  process: ChildProcess,
  logs: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (process.exitCode !== null) {
      throw new Error(
        `the backend exited with ${process.exitCode}:\n${logs().slice(-4000)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} timed out; backend output:\n${logs().slice(-4000)}`,
      );
    }
    await new Promise(r => setTimeout(r, 1000));
  }
}

/**
 * Stops a detached child's whole process group and waits until the child has
 * exited: SIGTERM, then SIGKILL after `graceMs`. Resolves once it is gone.
 */
async function stopProcessGroup(
  child: ChildProcess,
  graceMs: number,
): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null)
    return;
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is already gone
    }
  };
  signal('SIGTERM');
  const timer = new Promise<'timeout'>(resolve => {
    setTimeout(() => resolve('timeout'), graceMs).unref();
  });
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signal('SIGKILL');
    await exited;
  }
}

describe('production configuration', () => {
  const prefix = `lp_test_${randomBytes(4).toString('hex')}_`;
  const token = randomBytes(24).toString('hex');
  let backend: ChildProcess | undefined;
  let output = '';
  let overlayDir: string;
  let sandbox: Sandbox | undefined;

  afterAll(async () => {
    // Stop the backend first (it holds connections to the sandbox and to
    // PostgreSQL), and wait for it to exit before dropping its databases.
    if (backend) await stopProcessGroup(backend, 15_000);
    await sandbox?.stop();
    if (overlayDir) fs.rmSync(overlayDir, { recursive: true, force: true });
    const pg = new Client({ ...POSTGRES, database: 'postgres' });
    await pg.connect();
    const { rows } = await pg.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await pg.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await pg.end();
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
    overlayDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-prod-'));
    const overlay = path.join(overlayDir, 'app-config.test.yaml');
    fs.writeFileSync(
      overlay,
      stringify({
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
      }),
    );

    backend = spawn(
      process.execPath,
      [
        require.resolve('@backstage/cli/bin/backstage-cli'),
        'package',
        'start',
        '--config',
        path.join(ROOT, 'app-config.yaml'),
        '--config',
        path.join(ROOT, 'app-config.production.yaml'),
        '--config',
        overlay,
      ],
      {
        cwd: path.join(ROOT, 'packages/backend'),
        detached: true,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          ...productionEnv({
            port,
            automationToken: token,
            githubToken: sandbox.github.token,
          }),
        },
      },
    );
    backend.stdout?.on('data', d => (output += d));
    backend.stderr?.on('data', d => (output += d));

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
      () => output,
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
      () => output,
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
