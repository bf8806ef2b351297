/*
 * The real backend as a spawned process with the production configuration
 * (app-config.yaml + app-config.production.yaml) on the loopback PostgreSQL
 * and Redis, pointed at a sandbox by an overlay: shared by the production
 * configuration test and the scaffolder REST tests.
 */
import { spawn, ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import type { Sandbox } from '@internal/sandbox';
import { stringify } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../../..');
export const POSTGRES = {
  host: process.env.POSTGRES_HOST ?? '127.0.0.1',
  port: Number(process.env.POSTGRES_PORT ?? 5432),
  user: process.env.POSTGRES_USER ?? 'postgres',
  password: process.env.POSTGRES_PASSWORD ?? 'unused-with-trust-auth',
};
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The environment app-config.production.yaml reads, as an operator sets it. */
export function productionEnv(options: {
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
export function sandboxOverlay(sandbox: Sandbox) {
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** What {@link waitFor} checks between probes: the backend still runs. */
export interface Watched {
  child: ChildProcess;
  logs(): string;
}

/**
 * Probes every `intervalMs` until `probe` gives a value; fails with the
 * backend's last output when the deadline passes or the backend exits.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  backend: Watched,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (backend.child.exitCode !== null) {
      throw new Error(
        `the backend exited with ${backend.child.exitCode}:\n${backend
          .logs()
          .slice(-4000)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} timed out; backend output:\n${backend.logs().slice(-4000)}`,
      );
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
}

/**
 * Stops a detached child's whole process group and waits until the child has
 * exited: `signal` (SIGTERM by default), then SIGKILL after `graceMs`.
 */
export async function stopProcessGroup(
  child: ChildProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null)
    return;
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const send = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is already gone
    }
  };
  send(signal);
  const timer = new Promise<'timeout'>(resolve => {
    setTimeout(() => resolve('timeout'), graceMs).unref();
  });
  if ((await Promise.race([exited, timer])) === 'timeout') {
    send('SIGKILL');
    await exited;
  }
}

export interface ProductionBackend extends Watched {
  baseUrl: string;
  /** Stops the process group (see {@link stopProcessGroup}) and awaits it. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns the backend (packages/backend/src/index.ts) with the production
 * files and `overlay` (written to `overlayDir`), in its own process group so
 * that stopping it stops its children too. It runs as `backstage-cli package
 * start` runs it (Node with the CLI's TypeScript transform,
 * @backstage/cli-module-build runBackend) but without the CLI's file
 * watcher: that one restarts the backend whenever a source file changes,
 * which in a working tree others edit would restart it mid-test.
 */
export function startProductionBackend(options: {
  port: number;
  automationToken: string;
  githubToken: string;
  overlay: object;
  overlayDir: string;
}): ProductionBackend {
  const overlayFile = path.join(options.overlayDir, 'app-config.test.yaml');
  fs.writeFileSync(overlayFile, stringify(options.overlay));
  const backendDir = path.join(ROOT, 'packages/backend');
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs', {
        paths: [backendDir],
      }),
      'src/index',
      '--config',
      path.join(ROOT, 'app-config.yaml'),
      '--config',
      path.join(ROOT, 'app-config.production.yaml'),
      '--config',
      overlayFile,
    ],
    {
      cwd: backendDir,
      detached: true,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ESBK_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'),
        ...productionEnv(options),
      },
    },
  );
  let output = '';
  child.stdout?.on('data', d => (output += d));
  child.stderr?.on('data', d => (output += d));
  return {
    child,
    baseUrl: `http://127.0.0.1:${options.port}`,
    logs: () => output,
    stop: (signal?: NodeJS.Signals) => stopProcessGroup(child, 15_000, signal),
  };
}

/** A temporary folder for the overlay; remove it with `fs.rmSync`. */
export function makeOverlayDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lp-prod-'));
}

/**
 * Drops the databases the backend created under `prefix`, all at once on a
 * connection each: every DROP DATABASE waits for a checkpoint (1.7 s on the
 * loopback PostgreSQL 15), and concurrent drops share one (8 databases: 14 s
 * one after another, 2 s together).
 */
export async function dropDatabases(prefix: string): Promise<void> {
  const withClient = async <T>(run: (pg: Client) => Promise<T>) => {
    const pg = new Client({ ...POSTGRES, database: 'postgres' });
    await pg.connect();
    try {
      return await run(pg);
    } finally {
      await pg.end();
    }
  };
  const { rows } = await withClient(pg =>
    pg.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    ),
  );
  await Promise.all(
    rows.map(({ datname }) =>
      withClient(pg =>
        pg.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`),
      ),
    ),
  );
}
