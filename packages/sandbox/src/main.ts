/* eslint-disable no-console */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { clustersEnv, scaleEnv } from './seed/env';
import { startSandbox } from './sandbox';

/**
 * `yarn workspace @internal/sandbox start`: the sandbox on fixed ports for
 * `yarn dev` (GitHub + admin on 7100, clusters on 7101, 7102, ...).
 */
function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  }
  return value;
}

/**
 * SANDBOX_GITHUB_APP_KEY_FILE: the GitHub App's private key (PEM), created
 * there on first start, so a config can read it (`privateKey: { $file: … }`)
 * and it stays the same across restarts. Unset: a key of this process only.
 */
function appKeyEnv(): string | undefined {
  const file = process.env.SANDBOX_GITHUB_APP_KEY_FILE;
  if (!file) return undefined;
  if (!fs.existsSync(file)) {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    fs.writeFileSync(file, pem, { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8');
}

async function main() {
  const githubPort = intEnv('SANDBOX_GITHUB_PORT', 7100);
  const base = intEnv('SANDBOX_CLUSTER_PORT_BASE', 7101);
  const clusters = clustersEnv(process.env.SANDBOX_CLUSTERS);
  const compaction = process.env.SANDBOX_COMPACTION_SECONDS;
  const sandbox = await startSandbox({
    githubPort,
    clusters,
    // One port per cluster from the base: staging 7101, production 7102, then 7103...
    clusterPorts: (clusters ?? ['staging', 'production']).map(
      (_, i) => base + i,
    ),
    compactionWindowMs:
      compaction === undefined || compaction === ''
        ? undefined
        : intEnv('SANDBOX_COMPACTION_SECONDS', 60) * 1000,
    speed: intEnv('SANDBOX_SPEED', 10),
    scale: scaleEnv(process.env.SANDBOX_SCALE),
    dataDir: process.env.SANDBOX_DATA_DIR || undefined,
    githubApp: { privateKey: appKeyEnv() },
    onError: error =>
      console.error(
        '[sandbox] controller error:',
        error instanceof Error ? error.message : error,
      ),
  });
  console.log(`Launchpad sandbox (clock speed ${sandbox.clock.getSpeed()}x)`);
  console.log(
    `  GitHub API     ${sandbox.github.url}   token: ${sandbox.github.token}`,
  );
  console.log(
    `  GitHub App     id ${sandbox.github.app.appId}, installation ${
      sandbox.github.app.installationId
    } on acme-edu (private key: ${
      process.env.SANDBOX_GITHUB_APP_KEY_FILE ?? 'GET /_sandbox/state'
    })`,
  );
  console.log(`  Admin API      ${sandbox.adminUrl}`);
  for (const cluster of sandbox.clusters) {
    console.log(
      `  ${cluster.name.padEnd(14)} Kubernetes ${
        cluster.kubernetesUrl
      }  ArgoCD ${cluster.argocdUrl}  Argo ${cluster.argoUrl}  token: ${
        cluster.token
      }`,
    );
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox`);
    sandbox
      .stop()
      .then(() => process.exit(0))
      .catch(error => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
