/*
 * Scaffolder benchmark: `source scripts/env.sh && yarn bench:scaffolder`.
 *
 * Creates N instances (BENCH_INSTANCES, default 10) by running the steps of
 * templates/new-openedx-instance in its order with the real actions and the
 * real clients against a sandbox at speed 0: the script moves the simulated
 * clock in large jumps the moment an action waits, so the simulated workflow
 * and build time costs no wall time, and the actions poll every 10 ms. For
 * each instance it prints the portal's own overhead (wall time of every step,
 * which then is requests and computation plus at most a few 10 ms polls per
 * waiting step), the create step alone, and the GitHub requests the sandbox
 * received (GET /_sandbox/requests) with a breakdown by route.
 *
 * The catalog checks (owner exists, slug not an entity) run against an
 * in-memory catalog here: in the backend they are one catalog request each.
 */
import type {
  LoggerService,
  AuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';
import { DefaultLaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import {
  createArgocdApplyAction,
  createArgocdSyncAction,
  createInstanceCreateAction,
  createInstancePrepareAction,
  createPicassoBuildAction,
  createWorkflowSubmitAction,
} from '../src/actions';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10);
const poll = { pollIntervalSeconds: 0.01 };

const silent: LoggerService = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silent,
};

/** The auditor, catalog and events the actions get, standing in for the backend's. */
function deps(sandbox: Sandbox) {
  const clusters = DefaultLaunchpadClustersService.fromConfig(
    new ConfigReader(
      sandboxLaunchpadConfig(sandbox, { clusters: ['staging'] }),
    ),
    { logger: silent },
  );
  const auditEvent = { success: async () => {}, fail: async () => {} };
  return {
    clusters,
    auditor: { createEvent: async () => auditEvent },
    catalog: catalogServiceMock({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Group',
          metadata: { name: 'platform-team', namespace: 'default' },
          spec: { type: 'team', children: [] },
        },
      ],
    }),
    events: { publish: async () => {}, subscribe: async () => {} },
    // Allows everything: the policy is not what is measured (in the backend
    // each check is a call to the permission backend in the same process).
    permissions: {
      authorize: async (requests: unknown[]) =>
        requests.map(() => ({ result: 'ALLOW' as const })),
      authorizeConditional: async (requests: unknown[]) =>
        requests.map(() => ({ result: 'ALLOW' as const })),
    } as unknown as PermissionsService,
    // The module's own credentials for its catalog reads (the mock catalog ignores them).
    auth: {
      getOwnServiceCredentials: async () => ({
        $$type: '@backstage/BackstageCredentials' as const,
        principal: { type: 'service' as const, subject: 'plugin:scaffolder' },
      }),
    } as unknown as AuthService,
  };
}

/** A step's action context: the scaffolder's checkpoint semantics in memory. */
function context(
  input: JsonObject,
  store: Map<string, JsonValue>,
  step: string,
) {
  return {
    input,
    logger: silent,
    workspacePath: process.cwd(),
    secrets: {},
    output: () => {},
    createTemporaryDirectory: async () => process.cwd(),
    getInitiatorCredentials: async () => ({
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'service', subject: 'bench' },
    }),
    task: { id: 'bench' },
    signal: new AbortController().signal,
    checkpoint: async (opts: { key: string; fn: () => unknown }) => {
      const key = `v1.task.checkpoint.${step}.${opts.key}`;
      if (store.has(key)) return store.get(key);
      const value = (await opts.fn()) as JsonValue;
      store.set(key, value ?? {});
      return value;
    },
  } as unknown as ActionContext<JsonObject, JsonObject, 'v2'>;
}

async function githubRequests(sandbox: Sandbox, reset: boolean) {
  const res = await fetch(`${sandbox.adminUrl}/requests`);
  const counts = (await res.json()) as {
    services: { github: { total: number; routes: Record<string, number> } };
  };
  if (reset) await fetch(`${sandbox.adminUrl}/requests`, { method: 'DELETE' });
  return counts.services.github;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
};

async function main() {
  const sandbox = await startSandbox({ speed: 0, clusters: ['staging'] });
  const all = deps(sandbox);
  const workflow = createWorkflowSubmitAction(all);
  const build = createPicassoBuildAction(all);
  const actions = {
    create: createInstanceCreateAction(all),
    prepare: createInstancePrepareAction(all),
    apply: createArgocdApplyAction(all),
    sync: createArgocdSyncAction(all),
  };
  // The clock moves only while an action waits (each run of this loop jumps
  // 30 simulated seconds), so waiting steps cost polls, not simulated time.
  let waiting = 0;
  let stopped = false;
  const driver = (async () => {
    while (!stopped) {
      if (waiting > 0) await sandbox.settle(30_000, 5_000);
      await new Promise(r => setTimeout(r, 2));
    }
  })();
  const waitingStep = async (run: () => Promise<void>) => {
    waiting++;
    try {
      await run();
    } finally {
      waiting--;
    }
  };

  const totals: number[] = [];
  const creates: number[] = [];
  const requestTotals: number[] = [];
  const createRequests: number[] = [];
  const routes: Record<string, number> = {};
  const perStep: Record<string, number[]> = {};
  await githubRequests(sandbox, true);
  try {
    for (let i = 0; i < INSTANCES; i++) {
      // Not measured: Octokit's throttling keeps one second between two
      // mutating or GraphQL requests of one credential, so back to back the
      // next create's commit would wait for the previous template's last
      // GraphQL read; a requester's form is not filled within that second.
      if (i > 0) await new Promise(r => setTimeout(r, 1_100));
      const slug = `bench-${String(i).padStart(3, '0')}`;
      const store = new Map<string, JsonValue>();
      const base = { cluster: 'staging', slug };
      const run = async (step: string, handler: () => Promise<void>) => {
        const t = performance.now();
        await handler();
        const elapsed = performance.now() - t;
        (perStep[step] ??= []).push(elapsed);
        return elapsed;
      };
      let total = 0;
      const created = await run('create', () =>
        actions.create.handler(
          context(
            {
              ...base,
              platformName: `Bench ${i}`,
              owner: 'group:default/platform-team',
            },
            store,
            'create',
          ),
        ),
      );
      total += created;
      const createGithub = await githubRequests(sandbox, false);
      total += await run('prepare', () =>
        actions.prepare.handler(context(base, store, 'prepare')),
      );
      for (const kind of ['mysql', 'mongodb', 'storage']) {
        total += await run(kind, () =>
          waitingStep(() =>
            workflow.handler(
              context(
                { ...base, template: `${kind}-provision-template`, ...poll },
                store,
                kind,
              ),
            ),
          ),
        );
      }
      total += await run('apply', () =>
        actions.apply.handler(context(base, store, 'apply')),
      );
      for (const service of ['openedx', 'mfe']) {
        total += await run(`build-${service}`, () =>
          waitingStep(() =>
            build.handler(
              context({ ...base, service, ...poll }, store, `build-${service}`),
            ),
          ),
        );
      }
      total += await run('sync', () =>
        waitingStep(() =>
          actions.sync.handler(context({ ...base, ...poll }, store, 'sync')),
        ),
      );
      const github = await githubRequests(sandbox, true);
      totals.push(total);
      creates.push(created);
      createRequests.push(createGithub.total);
      requestTotals.push(github.total);
      for (const [route, n] of Object.entries(github.routes)) {
        routes[route] = (routes[route] ?? 0) + n;
      }
      console.log(
        `${slug}: ${Math.round(total)} ms (create ${Math.round(
          created,
        )} ms), GitHub requests ${github.total} (create step ${
          createGithub.total
        })`,
      );
    }
  } finally {
    stopped = true;
    await driver;
    await sandbox.stop();
  }
  const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;
  console.log();
  console.log(`instances created: ${INSTANCES}`);
  console.log(
    `template overhead per instance (simulated workflow and build time excluded), p50 / p95: ${ms(
      percentile(totals, 0.5),
    )} / ${ms(
      percentile(totals, 0.95),
    )} (Octokit's throttling keeps GitHub's one second between mutating requests: the commit, two dispatches and the GraphQL reads after each build's commit)`,
  );
  console.log(
    `create-instance overhead (the create step: checks and the one GraphQL commit), p50 / p95: ${ms(
      percentile(creates, 0.5),
    )} / ${ms(percentile(creates, 0.95))} (goal <= 2 s)`,
  );
  console.log(
    `GitHub requests per created instance: create step ${percentile(
      createRequests,
      0.5,
    )} (goal <= 10), whole template p50 ${percentile(
      requestTotals,
      0.5,
    )}, max ${Math.max(...requestTotals)}`,
  );
  console.log(
    `per step, p50: ${Object.entries(perStep)
      .map(([step, values]) => `${step} ${ms(percentile(values, 0.5))}`)
      .join(', ')}`,
  );
  console.log('GitHub requests by route, per instance (whole template):');
  for (const [route, n] of Object.entries(routes).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${(n / INSTANCES).toFixed(1).padStart(5)}  ${route}`);
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
