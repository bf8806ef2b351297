/*
 * launchpad:fleet:upgrade end to end against the sandbox, with the real
 * single-instance upgrade (backup, commit, builds, sync, rollback) and the
 * real clients: a dry run; a healthy fleet with one canary, waves of two and
 * one build at a time (checked on the sandbox's GitHub runs); a build that
 * fails halting its wave with the report; and the retry (the same
 * checkpoint store, as POST /v2/tasks/:id/retry keeps the task state) going
 * on with the untouched instance only, with no duplicate commit, build,
 * backup or workflow. The fleet logic's other cases (canary replacement,
 * thrown errors, config, permissions) are in actions/fleetUpgrade.test.ts.
 */
import {
  fleetCatalog,
  memoryCheckpoint,
  runAction,
  useActionSandbox,
  whileAdvancing,
} from './__testUtils__';
import { createFleetUpgradeAction } from './actions';

const OWNER = 'acme-edu';
const REPO = 'launchpad-cluster-staging';
const HAPPY = ['fleet-a', 'fleet-b', 'fleet-c'];
const FAULTY = ['fleet-d', 'fleet-e', 'fleet-f', 'fleet-g'];
const TARGET = { release: 'release/teak.4', tutorVersion: 'v20.0.6' };

/** The fleet's catalog entities (the provider's shape: namespace = cluster, name = slug). */
const catalog = fleetCatalog([...HAPPY, ...FAULTY]);

describe('launchpad:fleet:upgrade (against the sandbox)', () => {
  const { env, build } = useActionSandbox(deps =>
    createFleetUpgradeAction({ ...deps, catalog }),
  );

  // Seven healthy instances: copies of the seeded staging/demo.
  beforeAll(async () => {
    const files = await env.sandbox.git.listFiles(
      OWNER,
      REPO,
      'instances/demo',
    );
    const changes: Record<string, string> = {};
    for (const file of files) {
      const text = (await env.sandbox.git.readFile(OWNER, REPO, file))!;
      for (const slug of [...HAPPY, ...FAULTY]) {
        changes[file.replace('instances/demo/', `instances/${slug}/`)] =
          text.replace(/\bdemo\b/g, slug);
      }
    }
    await env.sandbox.git.commitFiles(OWNER, REPO, {
      message: 'Seven instances for the fleet tests',
      changes,
    });
    await env.sandbox.settle(60_000);
  }, 60_000);

  /** Runs the action to its end with the sandbox clock moving. */
  async function run(
    input: Record<string, unknown>,
    store = memoryCheckpoint(),
  ) {
    const { action } = build();
    return runAction(
      action,
      { cluster: 'staging', ...TARGET, pollIntervalSeconds: 0.02, ...input },
      store,
      work =>
        whileAdvancing(env.sandbox, work, { stepMs: 15_000, maxSteps: 400 }),
    );
  }

  /** What the sandbox holds for `slugs`: commits since `base`, Picasso runs, portal backups, Workflow creations. */
  async function tally(base: string, slugs: string[]) {
    const commits: string[] = [];
    for (let sha = await env.sandbox.git.headSha(OWNER, REPO); sha !== base; ) {
      const commit = await env.sandbox.git.readCommit(OWNER, REPO, sha);
      commits.unshift(commit.message.split('\n')[0]);
      sha = commit.parents[0];
    }
    const { items } = (await env.clusters
      .get('staging')
      .kubernetes.custom.listNamespacedCustomObject({
        group: 'velero.io',
        version: 'v1',
        namespace: 'velero',
        plural: 'backups',
      })) as { items: Array<{ metadata: { name: string } }> };
    const requests = (await (
      await fetch(`${env.sandbox.adminUrl}/requests`)
    ).json()) as {
      services: Record<string, { routes: Record<string, number> }>;
    };
    const workflowCreates = Object.entries(
      requests.services.kubernetes?.routes ?? {},
    )
      .filter(([route]) => /^POST .*\/workflows$/.test(route))
      .reduce((n, [, count]) => n + count, 0);
    const ofFleet = (text: string) => slugs.find(s => text.includes(s));
    return {
      commits: commits.filter(ofFleet),
      runs: (await runs()).filter(r => ofFleet(r.display_title)),
      backups: items
        .map(b => b.metadata.name)
        .filter(n => slugs.some(s => n.startsWith(`${s}-portal-`)))
        .sort(),
      workflowCreates,
    };
  }

  async function runs() {
    const res = await fetch(
      `${env.sandbox.github.url}/repos/${OWNER}/${REPO}/actions/runs?per_page=100`,
      { headers: { Authorization: `Bearer ${env.sandbox.github.token}` } },
    );
    const body = (await res.json()) as {
      workflow_runs: Array<{
        display_title: string;
        conclusion: string | null;
        created_at: string;
        updated_at: string;
      }>;
    };
    return body.workflow_runs;
  }

  it('a dry run plans and changes nothing', async () => {
    const base = await env.sandbox.git.headSha(OWNER, REPO);
    const { error, outputs } = await run({
      filter: { slugs: HAPPY },
      canaries: 1,
      waveSize: 2,
      dryRun: true,
    });
    expect(error).toBeUndefined();
    expect(outputs.plan).toEqual({
      canaries: ['fleet-a'],
      waves: [['fleet-b', 'fleet-c']],
      alreadyAtTarget: [],
      skipped: [],
    });
    expect(outputs.untouched).toEqual(HAPPY);
    expect(await tally(base, HAPPY)).toMatchObject({
      commits: [],
      runs: [],
      backups: [],
    });
  }, 90_000);

  // Timeouts: a few seconds each on a quiet machine; the CI run beside the
  // browser tests on 2 cores once took 106 s for this file, so each is bounded
  // well above that rather than at what a quiet machine needs.
  it('upgrades a canary, then a wave of two, with never more than one Picasso run at once', async () => {
    const base = await env.sandbox.git.headSha(OWNER, REPO);
    const { error, outputs, lines } = await run({
      filter: { slugs: HAPPY },
      canaries: 1,
      waveSize: 2,
      buildConcurrency: 1,
    });
    expect(error).toBeUndefined();
    expect(outputs).toMatchObject({
      upgraded: HAPPY,
      failedAndRolledBack: [],
      untouched: [],
      halted: false,
    });
    const log = lines.join('\n');
    expect(log).toContain('Starting canary: fleet-a');
    expect(log).toContain('Starting wave 1: fleet-b, fleet-c');
    expect(outputs.report).toMatch(/^fleet-c +wave 1 +upgraded$/m);

    const seen = await tally(base, HAPPY);
    // Per instance: the upgrade commit and one build commit per image.
    expect(seen.commits).toHaveLength(9);
    expect(seen.backups).toHaveLength(3);
    expect(seen.runs).toHaveLength(6);
    expect(seen.runs.every(r => r.conclusion === 'success')).toBe(true);
    // One build at a time: each run was dispatched after the previous one
    // had completed (queued counts as in progress).
    const spans = seen.runs
      .map(r => [Date.parse(r.created_at), Date.parse(r.updated_at)])
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    }

    // The fleet again: everything is at the target, nothing to do.
    const again = await run({ filter: { slugs: HAPPY } });
    expect(again.error).toBeUndefined();
    expect(again.outputs).toMatchObject({
      upgraded: [],
      alreadyAtTarget: HAPPY,
    });
    expect((await tally(base, HAPPY)).commits).toHaveLength(9);
  }, 120_000);

  it('a failing build halts its wave with the report; the retry upgrades only the untouched instance and repeats nothing', async () => {
    const base = await env.sandbox.git.headSha(OWNER, REPO);
    const store = memoryCheckpoint();
    const input = {
      filter: { slugs: FAULTY },
      canaries: 1,
      waveSize: 2,
      buildConcurrency: 2,
    };
    env.sandbox.faults.add({ kind: 'build-fails', instance: 'fleet-f' });
    const first = await run(input, store);
    expect(first.error?.message).toMatch(
      /^Fleet upgrade of staging halted: fleet-f (rolled-back|failed) at build-openedx .*1 instance\(s\) untouched: fleet-g; retry the task/,
    );
    expect(first.outputs).toMatchObject({
      upgraded: ['fleet-d', 'fleet-e'],
      failedAndRolledBack: [
        { slug: 'fleet-f', failedStep: 'build-openedx', earlier: false },
      ],
      untouched: ['fleet-g'],
      halted: true,
    });
    expect(first.outputs.report).toMatch(
      /^fleet-f +wave 1 +\S+ +build-openedx: /m,
    );
    expect(first.outputs.report).toMatch(/^fleet-g +- +untouched$/m);
    const halted = await tally(base, FAULTY);
    // fleet-f: its upgrade commit and its rollback; no build of fleet-g.
    expect(halted.commits.filter(c => c.includes('fleet-f'))).toEqual([
      expect.stringMatching(/^Upgrade fleet-f/),
      expect.stringMatching(/^Roll back the upgrade of fleet-f/),
    ]);
    expect(
      halted.runs.filter(r => r.display_title.includes('fleet-g')),
    ).toEqual([]);
    expect(halted.backups).toHaveLength(3);

    // The fault is off; the task is retried with its stored checkpoints.
    env.sandbox.faults.clear();
    const retry = await run(input, store);
    expect(retry.error).toBeUndefined();
    expect(retry.outputs).toMatchObject({
      upgraded: ['fleet-d', 'fleet-e', 'fleet-g'],
      failedAndRolledBack: [{ slug: 'fleet-f', earlier: true }],
      untouched: [],
      halted: false,
    });
    const done = await tally(base, FAULTY);
    // Only fleet-g's: one backup, one upgrade commit, two builds.
    expect(done.commits.slice(0, halted.commits.length)).toEqual(
      halted.commits,
    );
    expect(done.commits.slice(halted.commits.length)).toEqual([
      expect.stringMatching(/^Upgrade fleet-g/),
      expect.stringMatching(/^\[Picasso\] fleet-g: openedx/),
      expect.stringMatching(/^\[Picasso\] fleet-g: mfe/),
    ]);
    expect(done.runs).toHaveLength(halted.runs.length + 2);
    expect(done.backups).toHaveLength(4);
    expect(done.workflowCreates).toBe(halted.workflowCreates);
  }, 150_000);
});
