import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  ActionContext,
  TemplateAction,
  TemplateExample,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import {
  DefaultLaunchpadClustersService,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import {
  countingFetch,
  sandboxLaunchpadConfig,
} from '@internal/plugin-launchpad-node/testUtils';
import YAML from 'yaml';

/** The catalog the tests run against: the owner groups exist, no instances yet. */
export const catalogEntities = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'platform-team', namespace: 'default' },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'in-catalog', namespace: 'staging' },
    spec: {
      type: 'openedx-instance',
      lifecycle: 'staging',
      owner: 'group:default/platform-team',
    },
  },
];

/** A catalog of Open edX instances on staging at release teak (the provider's shape: namespace = cluster, name = slug). */
export function fleetCatalog(slugs: string[]) {
  return catalogServiceMock({
    entities: slugs.map(slug => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: slug,
        namespace: 'staging',
        labels: { 'launchpad.openedx.org/release': 'teak' },
      },
      spec: {
        type: 'openedx-instance',
        lifecycle: 'staging',
        owner: 'group:default/platform-team',
      },
    })),
  });
}

/** A started sandbox and the real clusters service pointing at it over HTTP. */
export async function startLaunchpadSandbox() {
  const sandbox: Sandbox = await startSandbox({ speed: 0 });
  const github = countingFetch();
  const clusters = DefaultLaunchpadClustersService.fromConfig(
    new ConfigReader(sandboxLaunchpadConfig(sandbox)),
    {
      logger: mockServices.logger.mock(),
      github: {
        retryAfterBaseValue: 1,
        writeSpacingMs: 0,
        fetch: github.fetch,
      },
    },
  );
  return { sandbox, clusters, github };
}

type LaunchpadSandbox = Awaited<ReturnType<typeof startLaunchpadSandbox>>;

/**
 * The setup every action test block shares: {@link startLaunchpadSandbox} in
 * `beforeAll`, stopped in `afterAll`, its faults cleared after each test.
 * `env` reads the started sandbox, clusters service and GitHub fetch counter;
 * `build()` makes the action under test with fresh {@link mockDeps}.
 */
export function useActionSandbox<A>(
  create: (
    deps: { clusters: LaunchpadClustersService } & ReturnType<typeof mockDeps>,
  ) => A,
) {
  let started: LaunchpadSandbox | undefined;
  const current = (): LaunchpadSandbox => {
    if (!started) throw new Error('the sandbox is not started (beforeAll)');
    return started;
  };
  beforeAll(async () => {
    started = await startLaunchpadSandbox();
  }, 60_000);
  afterAll(async () => {
    await started?.sandbox.stop();
  }, 30_000);
  afterEach(() => started?.sandbox.faults.clear());
  const env = {
    get sandbox() {
      return current().sandbox;
    },
    get clusters() {
      return current().clusters;
    },
    get github() {
      return current().github;
    },
  };
  const build = () => {
    const deps = mockDeps();
    return { deps, action: create({ clusters: env.clusters, ...deps }) };
  };
  return { env, build };
}

/** The services an action is built with, as mocks that record what they got. */
export function mockDeps() {
  return {
    auditor: mockServices.auditor.mock(),
    // Allows everything: the permission checks are tested with the real
    // policy in packages/backend/src/permissions/actions.test.ts.
    permissions: mockServices.permissions(),
    auth: mockServices.auth(),
    catalog: catalogServiceMock({ entities: catalogEntities }),
    events: mockServices.events.mock(),
  };
}

/**
 * An in-memory `ctx.checkpoint` with the scaffolder's semantics (STYLE.md):
 * a stored success is returned without running `fn`, a failure is not stored
 * so the next attempt runs it again. Share one between two handler runs to
 * simulate `POST /v2/tasks/:id/retry`.
 */
export function memoryCheckpoint() {
  const store = new Map<string, JsonValue | undefined>();
  const checkpoint = async <T extends JsonValue | void>(opts: {
    key: string;
    fn: () => Promise<T> | T;
  }): Promise<T> => {
    if (store.has(opts.key)) return store.get(opts.key) as T;
    const value = await opts.fn();
    // Stored as JSON, as the task state is.
    store.set(
      opts.key,
      value === undefined ? undefined : JSON.parse(JSON.stringify(value)),
    );
    return value;
  };
  return { checkpoint, store };
}

/** The `input` of each step of `actionId` in each example, in order. */
export function exampleInputs(
  examples: TemplateExample[],
  actionId: string,
): Array<{ description: string; input: JsonObject }> {
  return examples.flatMap(example => {
    const parsed = YAML.parse(example.example) as {
      steps: Array<{ action: string; input: JsonObject }>;
    };
    return parsed.steps
      .filter(step => step.action === actionId)
      .map(step => ({ description: example.description, input: step.input }));
  });
}

/**
 * A mock action context for `action` (typed by it) whose logger and outputs
 * can be read back. The input is the example's or the test's, unchecked: the
 * handler validates what it needs.
 */
export function actionContext<I extends JsonObject, O extends JsonObject>(
  _action: TemplateAction<I, O, 'v2'>,
  input: JsonObject,
  overrides: Partial<ActionContext<I, O>> = {},
) {
  const logger = mockServices.logger.mock();
  // DEBUG_LINES=1: the action's log as it happens (a test that hangs shows where).
  if (process.env.DEBUG_LINES) {
    for (const level of ['info', 'warn', 'error'] as const)
      (logger[level] as jest.Mock).mockImplementation((m: unknown) =>
        process.stderr.write(`[${level}] ${String(m)}\n`),
      );
  }
  const outputs: Record<string, unknown> = {};
  // createMockActionContext (0.3.x) takes only input, logger, secrets,
  // templateInfo, workspacePath, task and user from its options: the rest
  // (output, checkpoint, isDryRun, signal) is set over its result.
  const ctx: ActionContext<I, O> = {
    ...createMockActionContext<I, O>({ input: input as I, logger }),
    output: (name, value) => {
      outputs[String(name)] = value;
    },
    ...overrides,
  };
  const lines = () => logger.info.mock.calls.map(call => String(call[0]));
  return { ctx, outputs, logger, lines };
}

/**
 * Runs `action` on `input` to its end with `store`'s checkpoints (a retry
 * passes the same store); `drive` wraps the handler's promise (e.g. to move
 * the sandbox clock). Returns the error it threw, if any, its outputs and log.
 */
export async function runAction<I extends JsonObject, O extends JsonObject>(
  action: TemplateAction<I, O, 'v2'>,
  input: JsonObject,
  store: ReturnType<typeof memoryCheckpoint>,
  drive: (work: Promise<void>) => Promise<unknown> = work => work,
) {
  const { ctx, outputs, lines } = actionContext(action, input, {
    checkpoint: store.checkpoint as never,
  });
  const error = await drive(action.handler(ctx)).then(
    () => undefined,
    (e: Error) => e,
  );
  return { error, outputs, lines: lines() };
}

/**
 * Runs `work` while moving the sandbox clock (speed 0: nothing moves by
 * itself), so workflows and builds progress while the action polls. Bounded:
 * at most `maxSteps` steps of `stepMs` simulated time.
 */
export async function whileAdvancing<T>(
  sandbox: Sandbox,
  work: Promise<T>,
  options: { stepMs?: number; maxSteps?: number } = {},
): Promise<T> {
  let done = false;
  const tracked = work.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  for (let i = 0; i < (options.maxSteps ?? 200) && !done; i++) {
    await sandbox.settle(options.stepMs ?? 1000);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  return tracked;
}
