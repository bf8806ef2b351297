/*
 * launchpad:instance:upgrade against the sandbox: the dry run (diff, no side
 * effect) and the fault the issue asks for, an upgrade whose new image stays
 * Degraded (the sandbox's rollout-fails fault on the new release's tag):
 * rolled back in one commit, Healthy on the old images, with one backup,
 * one upgrade commit, one rollback commit and one build per service; the
 * task re-run with the same checkpoints repeats none of them.
 */
import type { JsonValue } from '@backstage/types';
import YAML from 'yaml';
import {
  actionContext,
  memoryCheckpoint,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createInstanceUpgradeAction } from './instanceUpgrade';

const OWNER = 'acme-edu';
const REPO = 'launchpad-cluster-staging';
const SLUG = 'demo';
const fast = { pollIntervalSeconds: 0.02 };

describe('launchpad:instance:upgrade (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createInstanceUpgradeAction);

  const head = () => env.sandbox.git.headSha(OWNER, REPO, 'main');
  /** Commit messages' first lines from `since` (exclusive) to the head, oldest first. */
  async function commitsSince(since: string): Promise<string[]> {
    const lines: string[] = [];
    for (let sha = await head(); sha !== since; ) {
      const commit = await env.sandbox.git.readCommit(OWNER, REPO, sha);
      lines.unshift(commit.message.split('\n')[0]);
      sha = commit.parents[0];
    }
    return lines;
  }
  const config = async () =>
    YAML.parse(
      (await env.sandbox.git.readFile(
        OWNER,
        REPO,
        `instances/${SLUG}/config.yml`,
        'main',
      ))!,
    ) as Record<string, string>;
  const staging = () => env.clusters.get('staging');
  async function portalBackups(): Promise<string[]> {
    const list = (await staging().kubernetes.custom.listNamespacedCustomObject({
      group: 'velero.io',
      version: 'v1',
      namespace: 'velero',
      plural: 'backups',
    })) as { items: Array<{ metadata: { name: string } }> };
    return list.items
      .map(b => b.metadata.name)
      .filter(n => n.startsWith(`${SLUG}-portal-`));
  }
  async function runningImages(): Promise<string[]> {
    const { items } = await staging().kubernetes.core.listNamespacedPod({
      namespace: SLUG,
    });
    return items
      .filter(p =>
        p.status?.containerStatuses?.every(c => c.ready && c.state?.running),
      )
      .flatMap(p => p.spec?.containers.map(c => c.image ?? '') ?? [])
      .sort();
  }
  const dispatches = () =>
    env.github.requests.filter(
      r => r.method === 'POST' && r.path.endsWith('/dispatches'),
    ).length;

  it('dry run: outputs the diff and changes nothing', async () => {
    const { action } = build();
    const before = await head();
    const { ctx, outputs } = actionContext(
      action,
      {
        cluster: 'staging',
        slug: SLUG,
        release: 'teak.4',
        dryRun: true,
      },
      {},
    );
    await action.handler(ctx);
    expect(outputs.outcome).toBe('upgraded');
    expect(outputs.changedKeys).toEqual(['EDX_PLATFORM_VERSION']);
    expect(outputs.diff).toContain('+EDX_PLATFORM_VERSION: release/teak.4');
    expect(outputs.message).toMatch(/^Dry run: would back up demo/);
    expect(await head()).toBe(before);
    expect(await portalBackups()).toEqual([]);
  }, 30_000);

  it('rolls an upgrade that stays Degraded back to Healthy on the old images, once, and a re-run duplicates nothing', async () => {
    const { action } = build();
    const before = await head();
    const old = await config();
    const oldImages = await runningImages();
    expect(oldImages.length).toBeGreaterThan(0);
    const dispatchedBefore = dispatches();
    // The new release's images crash-loop: the rollout never completes.
    env.sandbox.faults.add({
      kind: 'rollout-fails',
      instance: SLUG,
      image: 'teak.4',
    });
    const store = memoryCheckpoint();
    const input = {
      cluster: 'staging',
      slug: SLUG,
      release: 'release/teak.4',
      tutorVersion: 'v20.0.6',
      healthyTimeoutMinutes: 1,
      ...fast,
    };
    const runTask = async () => {
      const { ctx, outputs, logger } = actionContext(action, input, {
        checkpoint: store.checkpoint as never,
      });
      // 20 s of simulated time a step: past the Deployments' 600 s progress
      // deadline in about 30 steps.
      await whileAdvancing(env.sandbox, action.handler(ctx), {
        stepMs: 20_000,
        maxSteps: 300,
      });
      return { outputs, logger };
    };

    const { outputs, logger } = await runTask();
    expect(outputs).toMatchObject({
      outcome: 'rolled-back',
      rolledBack: true,
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      changedKeys: ['EDX_PLATFORM_VERSION', 'TUTOR_VERSION'],
      previous: {
        EDX_PLATFORM_VERSION: old.EDX_PLATFORM_VERSION,
        TUTOR_VERSION: old.TUTOR_VERSION,
      },
    });
    expect(String(outputs.message)).toMatch(
      /demo on staging was rolled back: demo-staging was Synced, Degraded/,
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Rolling demo back'),
    );
    const builds = outputs.builds as Array<Record<string, string>>;
    expect(builds.map(b => [b.service, b.conclusion])).toEqual([
      ['openedx', 'success'],
      ['mfe', 'success'],
    ]);
    expect(builds.every(b => b.image?.includes('teak.4'))).toBe(true);
    const commits = outputs.commits as Array<Record<string, string>>;
    expect(commits.map(c => c.kind)).toEqual(['upgrade', 'rollback']);

    // One backup, one upgrade commit, one build (commit) per service, one rollback.
    expect(await portalBackups()).toHaveLength(1);
    expect(outputs.backup).toBe((await portalBackups())[0]);
    const lines = await commitsSince(before);
    expect(lines).toEqual([
      'Upgrade demo: EDX_PLATFORM_VERSION, TUTOR_VERSION',
      expect.stringMatching(/^\[Picasso\] demo: openedx image .*teak\.4/),
      expect.stringMatching(/^\[Picasso\] demo: mfe image .*teak\.4/),
      expect.stringMatching(/^Roll back the upgrade of demo: /),
    ]);
    expect(dispatches() - dispatchedBefore).toBe(2);
    // The old settings and image tags are back, and the old pods run.
    const now = await config();
    for (const key of [
      'EDX_PLATFORM_VERSION',
      'TUTOR_VERSION',
      'DOCKER_IMAGE_OPENEDX',
      'MFE_DOCKER_IMAGE',
    ] as const)
      expect([key, now[key]]).toEqual([key, old[key]]);
    expect(await runningImages()).toEqual(oldImages);

    // The task re-run (a retry): every side effect is a stored checkpoint.
    const rerun = await runTask();
    expect(rerun.outputs).toMatchObject({
      outcome: 'rolled-back',
      backup: outputs.backup,
      commits: outputs.commits as JsonValue,
    });
    expect(await commitsSince(before)).toHaveLength(4);
    expect(await portalBackups()).toHaveLength(1);
    expect(dispatches() - dispatchedBefore).toBe(2);
  }, 60_000);
});
