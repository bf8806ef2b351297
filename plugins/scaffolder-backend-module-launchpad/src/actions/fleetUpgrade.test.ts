/*
 * launchpad:fleet:upgrade's own logic (selection, plan, canaries, waves, the
 * build gate, halting, the retry) with the single-instance upgrade replaced
 * by a scripted one: fast, and each outcome on demand. The real upgrade
 * against the sandbox is in src/fleetWaves.test.ts.
 */
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  LaunchpadCluster,
  LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import {
  actionContext,
  exampleInputs,
  fleetCatalog,
  memoryCheckpoint,
  mockDeps,
  runAction,
} from '../__testUtils__';
import { createFleetUpgradeAction, type UpgradeFn } from './fleetUpgrade';
import type { UpgradeInstanceResult } from './instanceUpgrade';

const FROM = {
  EDX_PLATFORM_VERSION: 'release/teak.3',
  TUTOR_VERSION: 'v20.0.5',
};
const TARGET = { release: 'release/teak.4', tutorVersion: 'v20.0.6' };

/** A fleet of `slugs` on staging: config.yml per slug, their catalog entities. */
function fleet(slugs: string[], atTarget: string[] = []) {
  const configs = new Map(
    slugs.map(slug => [
      slug,
      atTarget.includes(slug)
        ? {
            EDX_PLATFORM_VERSION: TARGET.release,
            TUTOR_VERSION: TARGET.tutorVersion,
          }
        : { ...FROM },
    ]),
  );
  const cluster = {
    name: 'staging',
    repository: {
      readInstance: async (slug: string) => ({
        slug,
        config: configs.get(slug),
        errors: [],
      }),
    },
  } as unknown as LaunchpadCluster;
  const clusters = {
    list: () => [cluster],
  } as unknown as LaunchpadClustersService;
  const catalog = fleetCatalog(slugs);
  return { configs, clusters, catalog };
}

type Script = 'upgraded' | 'rolled-back' | 'throws';

/**
 * A scripted upgradeInstance: two builds through the fleet's gate (each a
 * tick long, counted), one inner checkpoint, config.yml at the target when
 * it ends upgraded. Records the order and the most upgrades and builds at
 * once.
 */
function scriptedUpgrade(
  configs: ReturnType<typeof fleet>['configs'],
  script: Record<string, Script>,
) {
  const seen = {
    calls: [] as string[],
    innerRuns: [] as string[],
    upgrading: 0,
    mostUpgrading: 0,
    building: 0,
    mostBuilding: 0,
    keys: [] as string[],
  };
  const upgrade: UpgradeFn = async options => {
    const { slug } = options;
    seen.calls.push(slug);
    seen.upgrading++;
    seen.mostUpgrading = Math.max(seen.mostUpgrading, seen.upgrading);
    try {
      await options.checkpoint(`backup-${slug}`, async () => {
        seen.innerRuns.push(slug);
        return { name: `${slug}-backup` };
      });
      for (const service of options.services ?? []) {
        await options.build!(async () => {
          seen.building++;
          seen.mostBuilding = Math.max(seen.mostBuilding, seen.building);
          await new Promise(resolve => setTimeout(resolve, 5));
          seen.building--;
          options.logger.info(`built ${service}`);
        });
      }
      const outcome = script[slug] ?? 'upgraded';
      if (outcome === 'throws') throw new Error('GitHub answered 502');
      if (outcome === 'upgraded') {
        configs.set(slug, {
          EDX_PLATFORM_VERSION: options.release!,
          TUTOR_VERSION: options.tutorVersion!,
        });
      }
      const result: UpgradeInstanceResult = {
        slug,
        outcome,
        builds: [],
        diff: '',
        changedKeys: [],
        previous: {},
        commits: [],
        rolledBack: outcome === 'rolled-back',
        ...(outcome === 'rolled-back'
          ? { failedStep: 'build-openedx', message: 'concluded failure' }
          : {}),
      };
      return result;
    } finally {
      seen.upgrading--;
    }
  };
  return { upgrade, seen };
}

function setup(
  slugs: string[],
  options: { atTarget?: string[]; script?: Record<string, Script> } = {},
) {
  const f = fleet(slugs, options.atTarget);
  const scripted = scriptedUpgrade(f.configs, options.script ?? {});
  const deps = { ...mockDeps(), catalog: f.catalog };
  const action = createFleetUpgradeAction({
    clusters: f.clusters,
    ...deps,
    upgrade: scripted.upgrade,
  });
  const store = memoryCheckpoint();
  const run = (input: Record<string, unknown>) =>
    runAction(action, { cluster: 'staging', ...TARGET, ...input }, store);
  return {
    ...scripted,
    ...f,
    deps,
    action,
    store,
    run,
    script: options.script,
  };
}

describe('launchpad:fleet:upgrade (scripted upgrades)', () => {
  const five = ['a-1', 'b-2', 'c-3', 'd-4', 'e-5'];

  it('a dry run plans canaries and waves, leaves out those at the target, and upgrades nothing', async () => {
    const { run, seen } = setup(five, { atTarget: ['c-3'] });
    const { error, outputs, lines } = await run({
      canaries: 1,
      waveSize: 2,
      dryRun: true,
    });
    expect(error).toBeUndefined();
    expect(seen.calls).toEqual([]);
    expect(outputs.plan).toEqual({
      canaries: ['a-1'],
      waves: [['b-2', 'd-4'], ['e-5']],
      alreadyAtTarget: ['c-3'],
      skipped: [],
    });
    expect(outputs).toMatchObject({
      upgraded: [],
      untouched: ['a-1', 'b-2', 'd-4', 'e-5'],
      halted: false,
    });
    expect(outputs.report).toMatch(/^a-1 +canary +planned$/m);
    expect(outputs.report).toMatch(/^e-5 +wave 2 +planned$/m);
    expect(outputs.report).toMatch(/^c-3 +- +already at target$/m);
    expect(lines.join('\n')).toMatch(/Dry run: would upgrade 4 instance/);
  });

  it('upgrades the canary alone, then waves of waveSize in parallel, builds one at a time', async () => {
    const { run, seen } = setup(five);
    const { error, outputs, lines } = await run({
      canaries: 1,
      waveSize: 2,
      buildConcurrency: 1,
    });
    expect(error).toBeUndefined();
    expect(seen.calls).toEqual(five);
    expect(seen.mostUpgrading).toBe(2);
    expect(seen.mostBuilding).toBe(1);
    expect(outputs).toMatchObject({
      upgraded: five,
      failedAndRolledBack: [],
      untouched: [],
      halted: false,
    });
    const log = lines.join('\n');
    expect(log).toContain('Starting canary: a-1');
    expect(log).toContain('Starting wave 1: b-2, c-3');
    expect(log).toContain('Starting wave 2: d-4, e-5');
    // Each instance's lines name it.
    expect(log).toContain('[c-3] built mfe');
  });

  it('a rollback in a wave halts: the wave finishes, the next does not start, the step fails with the report; the retry continues without it and repeats nothing', async () => {
    const { run, seen, store } = setup(five, {
      script: { 'c-3': 'rolled-back' },
    });
    const first = await run({ canaries: 1, waveSize: 2 });
    expect(first.error?.message).toBe(
      'Fleet upgrade of staging halted: c-3 rolled-back at build-openedx (concluded failure). 2 instance(s) untouched: d-4, e-5; retry the task to continue with them (the failed ones are held back)',
    );
    expect(seen.calls).toEqual(['a-1', 'b-2', 'c-3']);
    expect(first.outputs).toMatchObject({
      upgraded: ['a-1', 'b-2'],
      failedAndRolledBack: [
        {
          slug: 'c-3',
          outcome: 'rolled-back',
          failedStep: 'build-openedx',
          message: 'concluded failure',
          earlier: false,
        },
      ],
      untouched: ['d-4', 'e-5'],
      halted: true,
    });
    expect(first.outputs.report).toMatch(
      /^c-3 +wave 1 +rolled-back +build-openedx: concluded failure$/m,
    );
    expect(first.outputs.report).toMatch(/^d-4 +- +untouched$/m);
    expect(first.lines.join('\n')).toContain('Fleet report:\n');

    // POST /v2/tasks/:id/retry: the same checkpoint store.
    const innerRuns = [...seen.innerRuns];
    const retry = await run({ canaries: 1, waveSize: 2 });
    expect(retry.error).toBeUndefined();
    expect(seen.calls).toEqual(['a-1', 'b-2', 'c-3', 'd-4', 'e-5']);
    expect(seen.innerRuns).toEqual([...innerRuns, 'd-4', 'e-5']);
    expect(retry.outputs).toMatchObject({
      upgraded: ['a-1', 'b-2', 'd-4', 'e-5'],
      failedAndRolledBack: [{ slug: 'c-3', earlier: true }],
      untouched: [],
      halted: false,
    });
    expect(retry.outputs.report).toMatch(
      /^c-3 +wave 1 +rolled-back \(earlier, held back\)/m,
    );
    // Every checkpoint key names its instance.
    const keys = [...store.store.keys()];
    expect(keys).toContain('fleet-plan-staging');
    for (const slug of five) {
      expect(keys).toContain(`fleet-upgrade-staging-${slug}`);
      expect(keys).toContain(`fleet-${slug}-backup-${slug}`);
    }
  });

  it('a failed canary halts before any wave; on the retry the next instance is the canary', async () => {
    const { run, seen } = setup(five, { script: { 'a-1': 'rolled-back' } });
    const first = await run({ canaries: 1, waveSize: 2 });
    expect(first.error?.message).toMatch(/halted: a-1 rolled-back/);
    expect(seen.calls).toEqual(['a-1']);
    expect(first.outputs.untouched).toEqual(['b-2', 'c-3', 'd-4', 'e-5']);

    const retry = await run({ canaries: 1, waveSize: 2 });
    expect(retry.error).toBeUndefined();
    const log = retry.lines.join('\n');
    expect(log).toContain('Starting canary: a-1');
    expect(log).toContain('Starting canary: b-2');
    expect(log).toContain('Starting wave 1: c-3, d-4');
    expect(seen.calls).toEqual(['a-1', 'b-2', 'c-3', 'd-4', 'e-5']);
  });

  it('an upgrade that throws halts too and is run again by the retry (nothing stored for it)', async () => {
    const t = setup(['a-1', 'b-2'], { script: { 'a-1': 'throws' } });
    const first = await t.run({});
    expect(first.error?.message).toMatch(
      /halted: a-1 failed at error \(GitHub answered 502\)/,
    );
    t.script!['a-1'] = 'upgraded';
    const retry = await t.run({});
    expect(retry.error).toBeUndefined();
    expect(t.seen.calls).toEqual(['a-1', 'a-1', 'b-2']);
    // Its backup checkpoint succeeded the first time: not run again.
    expect(t.seen.innerRuns).toEqual(['a-1', 'b-2']);
  });

  it('instances already at the target count as done', async () => {
    const { run, seen } = setup(['a-1', 'b-2'], { atTarget: ['a-1'] });
    const { error, outputs } = await run({});
    expect(error).toBeUndefined();
    expect(seen.calls).toEqual(['b-2']);
    expect(outputs).toMatchObject({
      upgraded: ['b-2'],
      alreadyAtTarget: ['a-1'],
    });
  });

  it('takes buildConcurrency from launchpad.fleet.buildConcurrency when the task does not say', async () => {
    const f = fleet(five);
    const scripted = scriptedUpgrade(f.configs, {});
    const action = createFleetUpgradeAction({
      clusters: f.clusters,
      ...mockDeps(),
      catalog: f.catalog,
      upgrade: scripted.upgrade,
      config: {
        getOptionalNumber: (key: string) =>
          key === 'launchpad.fleet.buildConcurrency' ? 3 : undefined,
      } as never,
    });
    const { ctx } = actionContext(
      action,
      { cluster: 'staging', ...TARGET, canaries: 0, waveSize: 5 },
      { checkpoint: memoryCheckpoint().checkpoint as never },
    );
    await action.handler(ctx);
    expect(scripted.seen.mostUpgrading).toBe(5);
    expect(scripted.seen.mostBuilding).toBe(3);
  });

  it('checks launchpad.fleet.upgrade before anything, then the target and the numbers', async () => {
    const denied = setup(five);
    const authorize = jest.fn(async () => [{ result: AuthorizeResult.DENY }]);
    const action = createFleetUpgradeAction({
      ...denied.deps,
      clusters: denied.clusters,
      permissions: { authorize, authorizeConditional: jest.fn() } as never,
      upgrade: denied.upgrade,
    });
    const { ctx } = actionContext(action, { cluster: 'staging', ...TARGET });
    await expect(action.handler(ctx)).rejects.toThrow(
      /may not launchpad\.fleet\.upgrade on cluster staging/,
    );
    expect(authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'launchpad.fleet.upgrade',
          }),
        },
      ],
      expect.anything(),
    );
    expect(denied.seen.calls).toEqual([]);

    const { run } = setup(five);
    expect((await run({ tutorVersion: 'v19.0.4' })).error?.message).toMatch(
      /TUTOR_VERSION v19.0.4 does not build release\/teak.4/,
    );
    expect((await run({ release: 'teak' })).error?.message).toMatch(
      /release "teak" is not an Open edX release/,
    );
    expect((await run({ waveSize: 0 })).error?.message).toBe(
      'waveSize: 0 must be a whole number of at least 1',
    );
    expect((await run({ cluster: 'nowhere' })).error?.message).toMatch(
      /cluster "nowhere" is not a Launchpad cluster/,
    );
  });

  it('its examples run (the dry-run one plans; the others upgrade)', async () => {
    const { action } = setup(['demo', 'physics-101', 'summer-school']);
    expect(
      exampleInputs(action.examples ?? [], 'launchpad:fleet:upgrade'),
    ).toHaveLength(3);
    for (const { input } of exampleInputs(
      action.examples ?? [],
      'launchpad:fleet:upgrade',
    )) {
      const t = setup(['demo', 'physics-101', 'summer-school']);
      const { error } = await t.run(input);
      expect(error).toBeUndefined();
    }
  });
});
