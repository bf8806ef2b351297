/* eslint-disable no-console */
/**
 * `yarn bench:status`: the status API at fleet scale. Starts the sandbox with
 * three clusters and 1,000 instances (each with Deployments and an HPA created
 * through the Kubernetes API, so the controllers give them ReplicaSets and
 * Pods), runs the backend in a child process, and prints, in one run:
 * fleet and instance endpoint p50/p95 (warm), upstream Kubernetes requests per
 * minute while pages are being viewed (from the sandbox's /_sandbox/requests),
 * backend memory; signal latency from a Kubernetes write to the live-page
 * signal the plugin publishes; and the same figures for a naive per-request fan-out (one
 * list per kind per instance, what Backstage's Kubernetes plugin does per
 * page view), measured on 100 instances and scaled.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { ANNOTATIONS, ENTITY_TYPES } from '@internal/plugin-launchpad-common';
import type { Entity } from '@backstage/catalog-model';
import { measureRowsPerHour } from './benchRows';

const CLUSTERS = (
  process.env.BENCH_CLUSTERS ?? 'staging,production,edge'
).split(',');
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1000);
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 60_000);
const NAIVE_INSTANCES = 100;
const SIGNAL_CHANGES = Number(process.env.BENCH_SIGNAL_CHANGES ?? 50);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

function kubeConfig(cluster: Sandbox['clusters'][number]): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.kubernetesUrl,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'bench', token: cluster.token }],
    contexts: [{ name: 'bench', cluster: cluster.name, user: 'bench' }],
    currentContext: 'bench',
  });
  return kc;
}

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Workloads for a generated instance: lms and cms Deployments, an HPA on lms. */
async function seedWorkloads(
  sandbox: Sandbox,
  perCluster: Map<string, string[]>,
) {
  for (const cluster of sandbox.clusters) {
    const kc = kubeConfig(cluster);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const hpa = kc.makeApiClient(AutoscalingV2Api);
    const slugs = perCluster.get(cluster.name) ?? [];
    const existing = new Set(
      (await core.listNamespace()).items.map(n => n.metadata?.name),
    );
    for (let i = 0; i < slugs.length; i += 20) {
      await Promise.all(
        slugs.slice(i, i + 20).map(async slug => {
          if (!existing.has(slug))
            await core.createNamespace({ body: { metadata: { name: slug } } });
          const have = (
            await apps.listNamespacedDeployment({ namespace: slug })
          ).items.length;
          if (have > 0) return;
          for (const name of ['lms', 'cms']) {
            await apps.createNamespacedDeployment({
              namespace: slug,
              body: {
                metadata: { name, labels: { 'app.kubernetes.io/name': name } },
                spec: {
                  replicas: 1,
                  selector: { matchLabels: { 'app.kubernetes.io/name': name } },
                  template: {
                    metadata: { labels: { 'app.kubernetes.io/name': name } },
                    spec: {
                      containers: [
                        { name, image: `docker.io/acme/openedx:${slug}` },
                      ],
                    },
                  },
                },
              },
            });
          }
          await hpa.createNamespacedHorizontalPodAutoscaler({
            namespace: slug,
            body: {
              metadata: { name: 'lms' },
              spec: {
                scaleTargetRef: {
                  apiVersion: 'apps/v1',
                  kind: 'Deployment',
                  name: 'lms',
                },
                minReplicas: 1,
                maxReplicas: 4,
                metrics: [
                  {
                    type: 'Resource',
                    resource: {
                      name: 'cpu',
                      target: { type: 'Utilization', averageUtilization: 70 },
                    },
                  },
                ],
              },
            },
          });
        }),
      );
    }
  }
}

function entitiesFor(
  sandbox: Sandbox,
  perCluster: Map<string, string[]>,
): Entity[] {
  return sandbox.clusters.flatMap(cluster =>
    (perCluster.get(cluster.name) ?? []).map(slug => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: slug,
        namespace: cluster.name,
        annotations: {
          [ANNOTATIONS.cluster]: cluster.name,
          [ANNOTATIONS.kubernetesNamespace]: slug,
          [ANNOTATIONS.argocdAppName]: `${slug}-${cluster.environment}`,
        },
      },
      spec: {
        type: ENTITY_TYPES.instance,
        lifecycle: 'experimental',
        owner: 'group:default/platform-team',
      },
    })),
  );
}

/** Kubernetes API requests the sandbox served since its counters were reset (all clusters). */
async function kubernetesRequests(sandbox: Sandbox): Promise<number> {
  const body = (await (await fetch(`${sandbox.adminUrl}/requests`)).json()) as {
    services: { kubernetes: { total: number } };
  };
  return body.services.kubernetes.total;
}

async function main() {
  const perClusterCount = Math.ceil(INSTANCES / CLUSTERS.length);
  console.log(
    `Starting the sandbox: ${CLUSTERS.length} clusters × ${perClusterCount} instances ...`,
  );
  const started = Date.now();
  const sandbox = await startSandbox({
    speed: 10,
    clusters: CLUSTERS,
    scale: CLUSTERS.map(cluster => ({ cluster, instances: perClusterCount })),
  });
  const perCluster = new Map(
    sandbox.clusters.map(c => [
      c.name,
      Array.from(
        { length: perClusterCount },
        (_v, i) => `load-${String(i + 1).padStart(4, '0')}`,
      ),
    ]),
  );
  await seedWorkloads(sandbox, perCluster);
  await sandbox.settle(60_000, 10_000);
  console.log(
    `  sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const entities = entitiesFor(sandbox, perCluster);

  const config = sandboxLaunchpadConfig(sandbox);
  await fetch(`${sandbox.adminUrl}/requests`, { method: 'DELETE' });
  const child = fork(path.join(__dirname, 'bench-backend.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  const messages: Array<
    (m: { type: string; url?: string; rss?: number }) => void
  > = [];
  // Published signals (type 'signal') go to their own listener.
  let onSignal: (m: { channel: string; at: number }) => void = () => {};
  child.on('message', m => {
    const message = m as { type: string; channel?: string; at?: number };
    if (message.type === 'signal')
      onSignal(message as { channel: string; at: number });
    else messages.shift()?.(message);
  });
  const next = () =>
    new Promise<{
      type: string;
      url?: string;
      rss?: number;
      heapUsed?: number;
    }>(resolve => messages.push(resolve));
  await next(); // hello: listening for its input
  child.send({ input: { config, entities } });
  const { url } = await next();
  const auth = { Authorization: mockCredentials.user.header() };
  const get = async (p: string) => {
    const res = await fetch(`${url}/api/launchpad${p}`, { headers: auth });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // Wait until every cluster's caches have listed.
  for (;;) {
    const fleet = (await get('/fleet?limit=1')) as {
      clusters: Array<{ state: string }>;
      summary: { total: number };
    };
    if (fleet.clusters.every(c => c.state === 'ok')) break;
    await new Promise(r => setTimeout(r, 500));
  }
  const warmup = Date.now() - started;
  const startupRequests = await kubernetesRequests(sandbox);

  const fleetQueries = [
    '/fleet?limit=50',
    '/fleet?limit=50&sort=verdict',
    '/fleet?limit=50&filter=at-max',
    '/fleet?limit=50&offset=500',
    `/clusters/${CLUSTERS[0]}/fleet?limit=50&sort=backup&order=desc`,
  ];
  for (const q of fleetQueries) await get(q); // warm
  await fetch(`${sandbox.adminUrl}/requests`, { method: 'DELETE' });
  const steadyStart = Date.now();
  const fleetTimes: number[] = [];
  const instanceTimes: number[] = [];
  for (let i = 0; Date.now() - steadyStart < STEADY_MS; i++) {
    const query = fleetQueries[i % fleetQueries.length];
    fleetTimes.push(await time(() => get(query)));
    const entity = entities[(i * 37) % entities.length];
    for (let k = 0; k < 5; k++) {
      instanceTimes.push(
        await time(() =>
          get(
            `/instances/${entity.metadata.namespace}/${entity.metadata.name}/status`,
          ),
        ),
      );
    }
  }
  const steadyMinutes = (Date.now() - steadyStart) / 60_000;
  const upstream = await kubernetesRequests(sandbox);
  child.send({ type: 'memory' });
  const memory = await next();

  // Signal latency: a write to the Kubernetes API (a label on an instance's
  // lms Deployment) until the plugin publishes on that instance's channel.
  // Each change is to another instance; the sandbox's own activity (HPAs,
  // pods) may hold a channel in its 500 ms coalescing window, which counts.
  const signalTimes: number[] = [];
  {
    const target = sandbox.clusters[0];
    const signalApps = kubeConfig(target).makeApiClient(AppsV1Api);
    const slugs = perCluster.get(target.name) ?? [];
    const nextSignal = (channel: string, since: number) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no signal on ${channel} within 10 s`)),
          10_000,
        );
        onSignal = m => {
          if (m.channel === channel && m.at >= since) {
            clearTimeout(timer);
            resolve(m.at);
          }
        };
      });
    for (let i = 0; i < SIGNAL_CHANGES && i < slugs.length; i++) {
      const slug = slugs[(i * 7) % slugs.length];
      const channel = `launchpad:instance:${target.name}:${slug}`;
      const start = Date.now();
      const published = nextSignal(channel, start);
      await signalApps.patchNamespacedDeployment(
        {
          name: 'lms',
          namespace: slug,
          body: { metadata: { labels: { 'bench-change': String(i) } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      signalTimes.push((await published) - start);
    }
    onSignal = () => {};
  }

  // The same backend without clusters: what the caches add to it.
  const empty = fork(path.join(__dirname, 'bench-backend.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  const emptyMessages: Array<(m: { rss?: number; heapUsed?: number }) => void> =
    [];
  empty.on('message', m => emptyMessages.shift()?.(m as { rss?: number }));
  const emptyNext = () =>
    new Promise<{ rss?: number; heapUsed?: number }>(resolve =>
      emptyMessages.push(resolve),
    );
  await emptyNext(); // hello
  empty.send({
    input: { config: { ...config, launchpad: { clusters: [] } }, entities },
  });
  await emptyNext(); // ready
  empty.send({ type: 'memory' });
  const baseline = await emptyNext();
  empty.send({ type: 'stop' });
  await new Promise(resolve => empty.once('exit', resolve));

  // Naive: one list per kind per instance per page view (Backstage's Kubernetes plugin per entity).
  await fetch(`${sandbox.adminUrl}/requests`, { method: 'DELETE' });
  const naiveTimes: number[] = [];
  const naiveFleetTimes: number[] = [];
  const cluster = sandbox.clusters[0];
  const kc = kubeConfig(cluster);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const hpa = kc.makeApiClient(AutoscalingV2Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const naiveInstance = (namespace: string) =>
    Promise.all([
      core.listNamespacedPod({ namespace }),
      apps.listNamespacedDeployment({ namespace }),
      batch.listNamespacedJob({ namespace }),
      batch.listNamespacedCronJob({ namespace }),
      hpa.listNamespacedHorizontalPodAutoscaler({ namespace }),
      custom.listNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace,
        plural: 'workflows',
      }),
      custom.listNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'argocd',
        plural: 'applications',
        fieldSelector: `metadata.name=${namespace}-${cluster.environment}`,
      }),
      custom.listNamespacedCustomObject({
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'schedules',
      }),
      custom.listNamespacedCustomObject({
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'backups',
      }),
    ]);
  const naiveSlugs = (perCluster.get(cluster.name) ?? []).slice(
    0,
    NAIVE_INSTANCES,
  );
  for (const slug of naiveSlugs.slice(0, 50))
    naiveTimes.push(await time(() => naiveInstance(slug)));
  for (let r = 0; r < 3; r++) {
    naiveFleetTimes.push(
      await time(async () => {
        for (let j = 0; j < naiveSlugs.length; j += 10)
          await Promise.all(naiveSlugs.slice(j, j + 10).map(naiveInstance));
      }),
    );
  }
  const naiveRequests = await kubernetesRequests(sandbox);
  const naiveViews = 50 + 3 * naiveSlugs.length;
  const naivePerView = naiveRequests / naiveViews;

  const fleetP50 = percentile(fleetTimes, 50);
  const fleetP95 = percentile(fleetTimes, 95);
  const instP50 = percentile(instanceTimes, 50);
  const instP95 = percentile(instanceTimes, 95);
  // A fleet page of 50 rows, naively: 50 instances' lists.
  const naivePage = percentile(naiveFleetTimes, 50) * (50 / naiveSlugs.length);
  const naiveFleetScaled =
    percentile(naiveFleetTimes, 50) * (entities.length / naiveSlugs.length);
  // The comparison's page views: one fleet view and 60 instance page views a minute.
  const naivePerMinute = (entities.length + 60) * naivePerView;
  const cachedPerMinute = upstream / steadyMinutes;

  console.log('');
  console.log(
    `instances: ${entities.length} on ${
      sandbox.clusters.length
    } clusters (sandbox + backend warm-up ${(warmup / 1000).toFixed(1)} s)`,
  );
  console.log(
    `page views measured: ${fleetTimes.length} fleet + ${
      instanceTimes.length
    } instance in ${(steadyMinutes * 60).toFixed(0)} s`,
  );
  console.log(
    `fleet endpoint p50 / p95 (warm, 50 rows a page): ${ms(fleetP50)} / ${ms(
      fleetP95,
    )}`,
  );
  console.log(
    `instance endpoint p50 / p95 (warm): ${ms(instP50)} / ${ms(instP95)}`,
  );
  console.log(
    `upstream Kubernetes requests to fill the caches (lists + watches opened): ${startupRequests}`,
  );
  console.log(
    `upstream Kubernetes requests per minute at steady state, under the page views above: ${cachedPerMinute.toFixed(
      1,
    )}`,
  );
  console.log(
    `signal latency, Kubernetes write to the instance's signal published (${
      signalTimes.length
    } changes): p50 / p95 ${ms(percentile(signalTimes, 50))} / ${ms(
      percentile(signalTimes, 95),
    )}`,
  );
  console.log(
    `backend memory after GC: RSS ${((memory.rss ?? 0) / 1048576).toFixed(
      0,
    )} MiB, JS heap used ${((memory.heapUsed ?? 0) / 1048576).toFixed(
      0,
    )} MiB (before the caches filled: RSS ${(
      (baseline.rss ?? 0) / 1048576
    ).toFixed(0)} MiB, heap ${((baseline.heapUsed ?? 0) / 1048576).toFixed(
      0,
    )} MiB)`,
  );
  console.log(
    `naive: instance page p50 / p95: ${ms(percentile(naiveTimes, 50))} / ${ms(
      percentile(naiveTimes, 95),
    )} (${naivePerView.toFixed(1)} upstream requests per instance view)`,
  );
  console.log(
    `naive: fleet view of ${naiveSlugs.length} instances p50: ${ms(
      percentile(naiveFleetTimes, 50),
    )}; a page of 50: ${ms(naivePage)}; all ${entities.length}: ${ms(
      naiveFleetScaled,
    )}`,
  );
  console.log(
    `naive: upstream requests per minute at 1 fleet view + 60 instance views a minute: ${naivePerMinute.toFixed(
      0,
    )}`,
  );
  console.log(
    `ratios (naive / cached): fleet page of 50 rows ${(
      naivePage / fleetP50
    ).toFixed(0)}x, instance latency ${(
      percentile(naiveTimes, 50) / instP50
    ).toFixed(1)}x, upstream requests per minute ${
      cachedPerMinute > 0
        ? `${(naivePerMinute / cachedPerMinute).toFixed(0)}x`
        : `${naivePerMinute.toFixed(0)} vs 0`
    }`,
  );

  child.send({ type: 'stop' });
  await new Promise(resolve => child.once('exit', resolve));
  await sandbox.stop();

  // Its own seeded sandbox and backend: the fleet above has no default activity.
  const written = await measureRowsPerHour();
  console.log(
    `database rows written per simulated hour at the seeded sandbox's default activity: ${Object.values(
      written.rows,
    ).reduce((a, b) => a + b, 0)} (${Object.entries(written.rows)
      .map(([table, n]) => `${table.replace('launchpad_', '')} ${n}`)
      .join(', ')}; ${written.writes} insert/update statements, ${
      written.notifications
    } notifications sent)`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
