import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createAdminApi } from './admin';
import { createArgoServerApi, argoErrorBody } from './argo/api';
import { argoCdErrorBody, createArgoCdApi } from './argocd/api';
import { SandboxClock } from './clock';
import { ApplicationController } from './controllers/applications';
import { DeploymentController } from './controllers/deployments';
import { HpaController } from './controllers/hpa';
import { VeleroController } from './controllers/velero';
import { WorkflowController } from './controllers/workflows';
import { onWorkflowFinished } from './controllers/workloads';
import { faultMiddleware, FaultRegistry } from './faults';
import { createGitHubApi, GitStore, PICASSO_BUILD_WORKFLOW } from './github';
import type { SandboxGitHubAppInfo, SandboxGitHubAppOptions } from './github';
import { createKubeApi, kubeAuth } from './kube/api';
import { failureStatus } from './kube/errors';
import { preloadModels } from './kube/models';
import { KubeStore } from './kube/store';
import { RequestCounter } from './requests';
import {
  instancesOf,
  seedAfterStart,
  seedInfrastructure,
  seedInstanceObjects,
  seedRepositories,
  seedScaleObjects,
  seedVeleroSchedules,
  SEED_CLUSTERS,
  clusterNamed,
  scalesOf,
  type ScaleOption,
  type SeedCluster,
} from './seed';

export const DEFAULT_GITHUB_TOKEN = 'sandbox-github-token';
export const DEFAULT_CLUSTER_TOKEN = 'sandbox-cluster-token';

export interface SandboxOptions {
  /** GitHub API + admin API port; 0 (default) picks a free one. */
  githubPort?: number;
  /**
   * The clusters, in port order (default `['staging', 'production']`). Names
   * other than the two seeded ones get a repository, domain and seed of the
   * same shape (`acme-edu/launchpad-cluster-<name>`, `<name>.learn.acme.test`).
   */
  clusters?: string[];
  /** One port per cluster, in `clusters` order; 0s by default. */
  clusterPorts?: number[];
  /** Clock speed: simulated ms per real ms (default 1). */
  speed?: number;
  /** Where the git repositories live; default a fresh temp dir (removed on stop). */
  dataDir?: string;
  /** 'default' seeds the clusters, repositories and instances; 'none' only the clusters' infrastructure. */
  seed?: 'default' | 'none';
  /** Extra generated instances (`load-0001`...) in one or more clusters' repositories. */
  scale?: ScaleOption | ScaleOption[];
  githubToken?: string;
  /** The GitHub App (id, private key, installations); default app 1000001 installed on acme-edu, all repositories. */
  githubApp?: SandboxGitHubAppOptions;
  clusterToken?: string;
  /** Receives controller errors (default: ignored). */
  onError?: (error: unknown) => void;
  /**
   * How long (real ms) resourceVersions stay resumable before they are
   * compacted and watches/lists from them answer 410 Expired (default 60,000).
   */
  compactionWindowMs?: number;
}

export interface SandboxCluster {
  name: string;
  environment: string;
  domain: string;
  /** owner/name */
  repository: string;
  branch: string;
  kubernetesUrl: string;
  argocdUrl: string;
  argoUrl: string;
  token: string;
}

export interface Sandbox {
  /** `app`: the GitHub App's id, private key (PEM) and installation id, for `integrations.github[].apps`. */
  github: { url: string; token: string; app: SandboxGitHubAppInfo };
  clusters: SandboxCluster[];
  adminUrl: string;
  clock: SandboxClock;
  faults: FaultRegistry;
  git: GitStore;
  /**
   * Advances the clock by `simMs` in steps, letting the controllers' async
   * work (git reads) finish between steps, so chained state machines complete.
   */
  settle(simMs: number, stepMs?: number): Promise<void>;
  /** Sets the simulated load (0..2) of one cluster's namespace, or of all its namespaces. */
  setLoad(cluster: string, load: number, namespace?: string): boolean;
  stop(): Promise<void>;
}

interface ClusterRuntime {
  info: SeedCluster;
  store: KubeStore;
  workflows: WorkflowController;
  applications: ApplicationController;
  hpa: HpaController;
  velero: VeleroController;
  deployments: DeploymentController;
  server?: http.Server;
  url?: string;
}

function listen(
  app: express.Express,
  port: number,
): Promise<{ server: http.Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${actual}` });
    });
  });
}

function close(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise(resolve => {
    server.close(() => resolve());
    // Watches and keep-alive connections would hold the server open.
    server.closeAllConnections();
  });
}

/** Starts the sandbox: GitHub + admin on one port, one port per cluster. */
export async function startSandbox(
  options: SandboxOptions = {},
): Promise<Sandbox> {
  await preloadModels();
  const clock = new SandboxClock(options.speed ?? 1);
  const faults = new FaultRegistry();
  const ownsDataDir = !options.dataDir;
  const dataDir =
    options.dataDir ??
    fs.mkdtempSync(path.join(os.tmpdir(), 'launchpad-sandbox-'));
  const githubToken = options.githubToken ?? DEFAULT_GITHUB_TOKEN;
  const clusterToken = options.clusterToken ?? DEFAULT_CLUSTER_TOKEN;
  const seed = options.seed ?? 'default';
  const onError = options.onError ?? (() => {});
  const clusterInfos = (options.clusters ?? SEED_CLUSTERS.map(c => c.name)).map(
    clusterNamed,
  );
  if (new Set(clusterInfos.map(c => c.name)).size !== clusterInfos.length)
    throw new Error('clusters must not repeat a name');
  const scales = scalesOf(options.scale);
  for (const scale of scales) {
    if (!clusterInfos.some(c => c.name === scale.cluster)) {
      throw new Error(
        `scale.cluster must be one of ${clusterInfos
          .map(c => c.name)
          .join(', ')}`,
      );
    }
  }

  const git = await GitStore.create({ dir: dataDir, clock });
  const runtimes: ClusterRuntime[] = clusterInfos.map(info => {
    const store = new KubeStore(clock, undefined, options.compactionWindowMs);
    return {
      info,
      store,
      workflows: new WorkflowController(store, clock, faults, {
        onFinished: workflow =>
          onWorkflowFinished(store, workflow, clock.now()),
      }),
      applications: new ApplicationController(store, git, clock, info, {
        onError,
      }),
      hpa: new HpaController(store, clock),
      deployments: new DeploymentController(store, clock, faults),
      velero: new VeleroController(store, clock, {
        backfillMs: 7 * 86_400_000,
        faults,
        cluster: info.name,
      }),
    };
  });

  const stopControllerRuntimes = () => {
    for (const r of runtimes) {
      r.workflows.stop();
      r.applications.stop();
      r.hpa.stop();
      r.velero.stop();
      r.deployments.stop();
    }
    clock.stop();
  };
  try {
    if (seed === 'default') {
      await seedRepositories(git, clusterInfos, {
        buildWorkflow: PICASSO_BUILD_WORKFLOW,
        scale: options.scale,
      });
    }
    for (const runtime of runtimes) {
      // ReplicaSets and Pods follow the Deployments from the first one on.
      runtime.deployments.start();
      seedInfrastructure(runtime.store);
      if (seed === 'default') {
        const instances = instancesOf(runtime.info);
        const overdue = instances
          .filter(i => i.state === 'backup-overdue')
          .map(i => i.slug);
        seedVeleroSchedules(runtime.store, overdue, clock);
        for (const instance of instances)
          seedInstanceObjects(runtime.store, runtime.info, instance, clock);
        for (const scale of scales.filter(x => x.cluster === runtime.info.name))
          seedScaleObjects(runtime.store, scale.instances);
        for (const instance of instances.filter(
          i => i.state === 'scaling-at-max',
        )) {
          runtime.hpa.setLoad(2, instance.slug);
        }
      } else {
        seedVeleroSchedules(runtime.store, [], clock);
      }
    }
    for (const runtime of runtimes) {
      runtime.deployments.flush();
      runtime.workflows.start();
      await runtime.applications.start();
      runtime.hpa.start();
      runtime.deployments.flush();
      // Let the HPAs settle on the seeded load so "scaling at max" shows from the start.
      for (let i = 0; i < 6; i++) runtime.hpa.reconcileAll();
      runtime.velero.start();
    }
    if (seed === 'default') {
      for (const runtime of runtimes) {
        await seedAfterStart(git, runtime.info);
        await runtime.applications.whenIdle();
      }
    }
    // Seeded workloads are settled when the sandbox is ready: pods the HPAs added are up.
    for (const runtime of runtimes) runtime.deployments.finishStarting();
  } catch (e) {
    // A failed start leaves nothing running and no temp dir behind.
    stopControllerRuntimes();
    if (ownsDataDir)
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    throw e;
  }

  const githubApi = createGitHubApi({
    git,
    faults,
    clock,
    token: githubToken,
    app: options.githubApp,
  });
  let githubUrl = '';
  const state = () => ({
    github: { url: githubUrl, token: githubToken },
    // Beside `github` (whose shape clients of /state already read): the
    // GitHub App's id, private key and installation id.
    githubApp: githubApi.apps.info(),
    adminUrl: `${githubUrl}/_sandbox`,
    clock: { now: clock.now().toISOString(), speed: clock.getSpeed() },
    clusters: clusters(),
    dataDir,
  });
  const setLoad = (cluster: string, load: number, namespace?: string) => {
    const runtime = runtimes.find(r => r.info.name === cluster);
    if (!runtime) return false;
    runtime.hpa.setLoad(load, namespace);
    return true;
  };
  // Requests per service and route, for GET /_sandbox/requests (requests.ts).
  const requests = new RequestCounter();
  const outer = express();
  outer.disable('x-powered-by');
  outer.use(
    '/_sandbox',
    createAdminApi({
      clock,
      faults,
      state,
      setLoad,
      requests,
      loads: () =>
        Object.fromEntries(
          runtimes.map(r => [r.info.name, r.hpa.loadsSnapshot()]),
        ),
    }),
  );
  outer.use(requests.github(), githubApi.app);

  const servers: http.Server[] = [];
  try {
    const github = await listen(outer, options.githubPort ?? 0);
    servers.push(github.server);
    githubUrl = github.url;
    for (const [index, runtime] of runtimes.entries()) {
      let address = '';
      const app = clusterAppFor(
        runtime,
        faults,
        clusterToken,
        clock,
        () => address,
      );
      const counted = express().use(requests.cluster(runtime.info.name), app);
      const started = await listen(counted, options.clusterPorts?.[index] ?? 0);
      servers.push(started.server);
      runtime.server = started.server;
      runtime.url = started.url;
      // A cluster going down breaks the connections it has open (watches
      // included), as a real API server's would; new ones are dropped by the
      // fault middleware.
      const server = started.server;
      faults.onAdd(fault => {
        if (
          fault.kind === 'down' &&
          fault.cluster === runtime.info.name &&
          (!fault.service || fault.service === 'kubernetes')
        ) {
          server.closeAllConnections();
        }
      });
      address = started.url.replace('http://', '');
    }
  } catch (e) {
    // A port in use (fixed ports in dev): close what started, then report.
    await Promise.all(servers.map(close));
    stopControllers();
    if (ownsDataDir)
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    throw e;
  }

  function clusters(): SandboxCluster[] {
    return runtimes.map(r => ({
      name: r.info.name,
      environment: r.info.environment,
      domain: r.info.domain,
      repository: r.info.repository,
      branch: r.info.branch,
      kubernetesUrl: r.url!,
      argocdUrl: `${r.url}/argocd`,
      argoUrl: `${r.url}/argo`,
      token: clusterToken,
    }));
  }

  function stopControllers() {
    stopControllerRuntimes();
    githubApi.stop();
  }

  let stopped = false;
  return {
    github: { url: githubUrl, token: githubToken, app: githubApi.apps.info() },
    clusters: clusters(),
    adminUrl: `${githubUrl}/_sandbox`,
    clock,
    faults,
    git,
    setLoad,
    async settle(simMs: number, stepMs = 1_000) {
      let remaining = simMs;
      do {
        const step = Math.min(stepMs, remaining);
        clock.advance(step);
        remaining -= step;
        // Picasso's commits, then the ArgoCD reads they trigger, finish
        // before the next step.
        await githubApi.actions.whenIdle();
        await Promise.all(runtimes.map(r => r.applications.whenIdle()));
        await new Promise(resolve => setImmediate(resolve));
        await Promise.all(runtimes.map(r => r.applications.whenIdle()));
      } while (remaining > 0);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopControllers();
      await Promise.all(servers.map(close));
      // Picasso steps in flight finish their git writes; bounded, so a stuck
      // step cannot hang a test's teardown.
      await Promise.race([
        githubApi.actions.whenIdle(),
        new Promise(resolve => setTimeout(resolve, 10_000).unref()),
      ]);
      await Promise.all(runtimes.map(r => r.applications.whenIdle()));
      // A git process still finishing a write can refill refs/ while it is
      // removed (ENOTEMPTY): Node's rm retries those with backoff.
      if (ownsDataDir)
        await fs.promises.rm(dataDir, {
          recursive: true,
          force: true,
          maxRetries: 5,
          retryDelay: 100,
        });
    },
  };
}

function clusterAppFor(
  runtime: ClusterRuntime,
  faults: FaultRegistry,
  token: string,
  clock: SandboxClock,
  address: () => string,
) {
  const { store, info } = runtime;
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/argocd',
    faultMiddleware(faults, 'argocd', info.name, (_status, message) =>
      argoCdErrorBody(14, message),
    ),
    createArgoCdApi({ store, controller: runtime.applications, token }),
  );
  app.use(
    '/argo',
    faultMiddleware(faults, 'argo', info.name, (_status, message) =>
      argoErrorBody(14, message),
    ),
    createArgoServerApi({ store, token }),
  );
  app.get(['/healthz', '/livez', '/readyz'], (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.use(
    faultMiddleware(faults, 'kubernetes', info.name, (status, message) =>
      failureStatus(
        status,
        status === 503 ? 'ServiceUnavailable' : 'InternalError',
        message,
      ),
    ),
    kubeAuth(token),
    createKubeApi({ store, clock, serverAddress: address }),
  );
  return app;
}
