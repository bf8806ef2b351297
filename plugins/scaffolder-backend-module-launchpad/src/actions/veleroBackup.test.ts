import type { Sandbox } from '@internal/sandbox';
import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  useActionSandbox,
  whileAdvancing,
} from '../__testUtils__';
import { createVeleroBackupAction, portalBackupName } from './veleroBackup';
import { examples } from './veleroBackup.examples';

const BACKUPS = {
  group: 'velero.io',
  version: 'v1',
  plural: 'backups',
  namespace: 'velero',
};

interface Backup {
  metadata: {
    name: string;
    uid: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown> & { includedNamespaces?: string[] };
  status?: { phase?: string };
}

/**
 * The sandbox's scheduled backups run on the hour, and a `backup-fails`
 * fault goes to whichever backup finishes first: moves the clock past the
 * next hour (and its backups' outcome) when it is near, so the fault meets
 * the backup under test.
 */
async function awayFromTheHour(sandbox: Sandbox) {
  const toHour = 3_600_000 - (sandbox.clock.nowMs() % 3_600_000);
  if (toHour < 15 * 60_000) await sandbox.settle(toHour + 180_000, 60_000);
}

describe('launchpad:velero:backup (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createVeleroBackupAction);
  const fast = { pollIntervalSeconds: 0.02 };
  const advancing = <T>(work: Promise<T>) =>
    whileAdvancing(env.sandbox, work, { stepMs: 5_000, maxSteps: 100 });
  const custom = (cluster: string) =>
    env.clusters.get(cluster).kubernetes.custom;
  const readBackup = async (cluster: string, name: string) =>
    (await custom(cluster).getNamespacedCustomObject({
      ...BACKUPS,
      name,
    })) as Backup;
  const portalBackups = async (cluster: string, slug: string) =>
    (
      (await custom(cluster).listNamespacedCustomObject({
        ...BACKUPS,
        labelSelector: `launchpad.openedx.org/instance=${slug}`,
      })) as { items: Backup[] }
    ).items;
  let taskCounter = 0;
  /** A fresh task id per test: the backup's name comes from it. */
  const task = () => ({ id: `task-${++taskCounter}-${Date.now()}` });

  const [productionExample, stagingExample, ...others] = exampleInputs(
    examples,
    'launchpad:velero:backup',
  );

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
  });

  it(`example: ${productionExample.description}`, async () => {
    const { action, deps } = build();
    const { ctx, outputs, lines } = actionContext(
      action,
      { ...productionExample.input, ...fast },
      { task: task(), step: { id: 'backup' } },
    );
    await advancing(action.handler(ctx));
    const name = portalBackupName('demo', {
      taskId: ctx.task.id,
      stepId: 'backup',
      cluster: 'production',
    });
    expect(name).toMatch(/^demo-portal-[0-9a-f]{8}$/);
    // hourly, daily and weekly all include every namespace: the longest TTL wins.
    expect(outputs).toEqual({
      name,
      namespace: 'velero',
      schedule: 'weekly',
      phase: 'Completed',
      startedAt: expect.any(String),
      completedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(String(outputs.completedAt))).toBeGreaterThan(
      Date.parse(String(outputs.startedAt)),
    );
    const log = lines();
    // New may pass before the first read; then one line per phase, in order.
    expect(log.filter(l => !l.endsWith(': New'))).toEqual([
      `Created Velero backup velero/${name} of namespace demo from schedule weekly's template`,
      `Backup velero/${name}: InProgress`,
      `Backup velero/${name}: Finalizing`,
      `Backup velero/${name}: Completed`,
    ]);
    expect(new Set(log).size).toBe(log.length);
    const backup = await readBackup('production', name);
    expect(backup.spec).toMatchObject({
      includedNamespaces: ['demo'],
      ttl: '720h0m0s',
      storageLocation: 'default',
      defaultVolumesToFsBackup: true,
    });
    expect(backup.spec.excludedNamespaces).toBeUndefined();
    expect(backup.metadata.labels).toMatchObject({
      'app.kubernetes.io/part-of': 'harmony',
      'launchpad.openedx.org/instance': 'demo',
      'launchpad.openedx.org/from-schedule': 'weekly',
    });
    // Not counted as one of the schedule's own runs.
    expect(backup.metadata.labels['velero.io/schedule-name']).toBeUndefined();
    expect(deps.auditor.createEvent).toHaveBeenCalledTimes(1);
    expect(deps.auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'velero-backup',
        meta: expect.objectContaining({ backup: `velero/${name}` }),
      }),
    );
  }, 60_000);

  it(`example: ${stagingExample.description}`, async () => {
    const { action } = build();
    await awayFromTheHour(env.sandbox);
    env.sandbox.faults.add({
      kind: 'backup-fails',
      cluster: 'staging',
      // This backup's, not a scheduled run finishing meanwhile.
      namespace: 'physics-101',
      phase: 'PartiallyFailed',
      count: 1,
    });
    const { ctx, outputs, logger } = actionContext(
      action,
      { ...stagingExample.input, ...fast },
      { task: task() },
    );
    await advancing(action.handler(ctx));
    expect(outputs).toMatchObject({
      schedule: 'daily',
      phase: 'PartiallyFailed',
    });
    const backup = await readBackup('staging', String(outputs.name));
    expect(backup.spec).toMatchObject({
      includedNamespaces: ['physics-101'],
      ttl: '720h0m0s',
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/PartiallyFailed \(\d+ errors\); accepted/),
    );
  }, 60_000);

  it('a retried task skips its completed backup, and a recovered one waits for its running backup instead of making another', async () => {
    const { action, deps } = build();
    const input = { cluster: 'staging', slug: 'demo', ...fast };
    const sameTask = task();
    const { checkpoint } = memoryCheckpoint();
    const first = actionContext(action, input, { task: sameTask, checkpoint });
    await advancing(action.handler(first.ctx));
    expect(first.outputs.phase).toBe('Completed');
    const retry = actionContext(action, input, { task: sameTask, checkpoint });
    await action.handler(retry.ctx);
    expect(retry.outputs.name).toBe(first.outputs.name);
    expect(retry.lines()).toEqual([]);

    // A second task: the first attempt is lost with the process after the create.
    const other = task();
    const lost = actionContext(action, input, { task: other });
    const controller = new AbortController();
    const running = action.handler({ ...lost.ctx, signal: controller.signal });
    await env.sandbox.settle(5_000);
    for (let i = 0; i < 100 && !lost.lines().length; i++) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    controller.abort();
    await expect(running).rejects.toThrow('Stopped waiting for Velero backup');
    const recovered = actionContext(action, input, { task: other });
    await advancing(action.handler(recovered.ctx));
    expect(recovered.outputs).toMatchObject({
      name: lost.lines()[0].split(' ')[3].replace('velero/', ''),
      phase: 'Completed',
    });
    expect(recovered.lines()[0]).toMatch(
      /already exists \((New|InProgress)\); waiting for it instead of making another$/,
    );
    const names = (await portalBackups('staging', 'demo')).map(
      b => b.metadata.name,
    );
    expect(names.filter(n => n === recovered.outputs.name)).toHaveLength(1);
    // Two creates in all: one per task.
    expect(deps.auditor.createEvent).toHaveBeenCalledTimes(2);
  }, 60_000);

  it("fails with Velero's reason; a retry makes the next attempt's backup and keeps the failed one", async () => {
    const { action } = build();
    await awayFromTheHour(env.sandbox);
    env.sandbox.faults.add({
      kind: 'backup-fails',
      cluster: 'staging',
      message: 'rpc error: code = Unknown desc = NoSuchBucket',
      count: 1,
    });
    const input = { cluster: 'staging', slug: 'physics-101', ...fast };
    const sameTask = task();
    const { checkpoint } = memoryCheckpoint();
    await expect(
      advancing(
        action.handler(
          actionContext(action, input, { task: sameTask, checkpoint }).ctx,
        ),
      ),
    ).rejects.toThrow(
      /^Velero backup velero\/physics-101-portal-[0-9a-f]{8} of physics-101 Failed: rpc error: code = Unknown desc = NoSuchBucket \(velero backup describe/,
    );
    const retry = actionContext(action, input, {
      task: sameTask,
      checkpoint,
    });
    await advancing(action.handler(retry.ctx));
    const base = portalBackupName('physics-101', {
      taskId: sameTask.id,
      stepId: retry.ctx.step?.id,
      cluster: 'staging',
    });
    expect(retry.outputs).toMatchObject({
      name: `${base}-r2`,
      phase: 'Completed',
    });
    expect(retry.lines()[0]).toBe(
      `Velero backup velero/${base} ended Failed earlier; making a new one`,
    );
    expect((await readBackup('staging', base)).status?.phase).toBe('Failed');
  }, 60_000);

  it('refuses a schedule that does not cover the namespace, before creating anything', async () => {
    const { action, deps } = build();
    // The overdue instance is excluded from Harmony's schedules; its own covers it.
    await expect(
      action.handler(
        actionContext(action, {
          cluster: 'production',
          slug: 'archive',
          schedule: 'hourly',
        }).ctx,
      ),
    ).rejects.toThrow(
      'schedule: "hourly" is not an enabled Velero Schedule that includes namespace archive on production; those that do: archive-daily',
    );
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
  }, 30_000);

  it('times out with a clear message', async () => {
    const { action } = build();
    // The clock does not move: the backup stays New.
    await expect(
      action.handler(
        actionContext(
          action,
          {
            cluster: 'staging',
            slug: 'summer-school',
            timeoutMinutes: 0.001,
            ...fast,
          },
          { task: task() },
        ).ctx,
      ),
    ).rejects.toThrow(
      /^Timed out after 60 ms waiting for Velero backup velero\/summer-school-portal-[0-9a-f]{8} \(last phase New\)/,
    );
  }, 30_000);

  it('dry run names the backup and the schedule and creates nothing', async () => {
    const { action, deps } = build();
    const before = (await portalBackups('production', 'university')).length;
    const { ctx, outputs, lines } = actionContext(
      action,
      { cluster: 'production', slug: 'university' },
      { isDryRun: true, task: task() },
    );
    await action.handler(ctx);
    expect(outputs).toMatchObject({
      name: expect.stringMatching(/^university-portal-[0-9a-f]{8}$/),
      schedule: 'weekly',
      phase: 'New',
    });
    expect(lines()[0]).toBe(
      `Dry run: would create Velero backup velero/${outputs.name} of namespace university from schedule weekly's template (ttl 720h0m0s) and wait for it`,
    );
    expect((await portalBackups('production', 'university')).length).toBe(
      before,
    );
    expect(deps.auditor.createEvent).not.toHaveBeenCalled();
  }, 30_000);
});
