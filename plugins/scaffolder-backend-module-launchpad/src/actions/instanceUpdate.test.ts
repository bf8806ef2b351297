import type { JsonValue } from '@backstage/types';
import {
  actionContext,
  exampleInputs,
  memoryCheckpoint,
  useActionSandbox,
} from '../__testUtils__';
import { createInstanceUpdateAction } from './instanceUpdate';
import { examples } from './instanceUpdate.examples';

const OWNER = 'acme-edu';
const repoOf = (cluster: string) => `launchpad-cluster-${cluster}`;

describe('launchpad:instance:update (against the sandbox)', () => {
  const { env, build } = useActionSandbox(createInstanceUpdateAction);
  const head = (cluster: string) =>
    env.sandbox.git.headSha(OWNER, repoOf(cluster));
  const config = async (cluster: string, slug: string, ref?: string) =>
    (await env.sandbox.git.readFile(
      OWNER,
      repoOf(cluster),
      `instances/${slug}/config.yml`,
      ...(ref ? [ref] : []),
    )) as string;
  const updates = (deps: ReturnType<typeof build>['deps']): number =>
    deps.auditor.createEvent.mock.calls.filter(
      ([e]) => e.eventId === 'instance-update',
    ).length;
  /** Every value of config.yml that is a secret in the seed (none may leak). */
  const secretsOf = (text: string) =>
    [
      ...text.matchAll(
        /^(?:MYSQL_PASSWORD|MONGODB_PASSWORD|STORAGE_SECRET_ACCESS_KEY|OPENEDX_SECRET_KEY): (\S+)$/gm,
      ),
    ].map(m => m[1]);

  const [upgradeExample, pullRequestExample, ...others] = exampleInputs(
    examples,
    'launchpad:instance:update',
  );

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
    expect(pullRequestExample.input.publishAs).toBe('pull-request');
  });

  it(`example: ${upgradeExample.description} Its previous, given back, restores the file byte for byte`, async () => {
    const { action, deps } = build();
    const before = await head('production');
    const original = await config('production', 'legacy-campus');
    const { ctx, outputs, lines, logger } = actionContext(
      action,
      upgradeExample.input,
    );
    await action.handler(ctx);

    expect(outputs).toMatchObject({
      changed: true,
      changedKeys: ['EDX_PLATFORM_VERSION', 'TUTOR_VERSION'],
      previous: {
        EDX_PLATFORM_VERSION: 'release/sumac.4',
        TUTOR_VERSION: 'v19.0.4',
      },
      commitSha: await head('production'),
    });
    expect(outputs.commitUrl).toMatch(
      new RegExp(
        `/${OWNER}/${repoOf('production')}/commit/${outputs.commitSha}$`,
      ),
    );
    const commit = await env.sandbox.git.readCommit(
      OWNER,
      repoOf('production'),
      String(outputs.commitSha),
    );
    expect(commit.parents).toEqual([before]);
    const updated = await config('production', 'legacy-campus');
    // Only the two lines changed; every other line (secrets too) as it was.
    const changedLines = updated
      .split('\n')
      .filter((line, i) => line !== original.split('\n')[i]);
    expect(changedLines).toEqual([
      'EDX_PLATFORM_VERSION: release/teak.3',
      'TUTOR_VERSION: v20.0.5',
    ]);
    expect(outputs.diff).toContain('-EDX_PLATFORM_VERSION: release/sumac.4');
    expect(outputs.diff).toContain('+TUTOR_VERSION: v20.0.5');
    expect(String(outputs.diff)).toMatch(
      /^--- a\/instances\/legacy-campus\/config\.yml\n\+\+\+ b\/instances\/legacy-campus\/config\.yml\n@@ /,
    );
    const secrets = secretsOf(original);
    expect(secrets.length).toBeGreaterThan(2);
    const published = JSON.stringify([
      outputs,
      logger.info.mock.calls,
      deps.auditor.createEvent.mock.calls,
    ]);
    for (const secret of secrets) expect(published).not.toContain(secret);
    expect(lines()).toContain(
      `Committed EDX_PLATFORM_VERSION, TUTOR_VERSION of legacy-campus to ${OWNER}/${repoOf(
        'production',
      )}@main (${String(outputs.commitSha).slice(0, 7)})`,
    );
    expect(deps.auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'instance-update',
        meta: expect.objectContaining({
          keys: ['EDX_PLATFORM_VERSION', 'TUTOR_VERSION'],
        }),
      }),
    );
    expect(deps.events.publish).toHaveBeenCalledWith({
      topic: 'launchpad.repository.changed',
      eventPayload: { cluster: 'production' },
    });

    // The rollback: previous as the change.
    const rollback = actionContext(action, {
      cluster: 'production',
      slug: 'legacy-campus',
      changes: outputs.previous as JsonValue,
    });
    await action.handler(rollback.ctx);
    expect(rollback.outputs.changed).toBe(true);
    expect(await config('production', 'legacy-campus')).toBe(original);
  }, 30_000);

  it(`example: ${pullRequestExample.description}`, async () => {
    const { action } = build();
    const before = await head('staging');
    const { ctx, outputs } = actionContext(action, pullRequestExample.input);
    await action.handler(ctx);
    expect(outputs.pullRequestUrl).toMatch(/\/pull\/\d+$/);
    expect(outputs.commitSha).toBeUndefined();
    expect(outputs.changedKeys).toEqual(['PLATFORM_NAME', 'CONTACT_EMAIL']);
    expect(outputs.previous).toEqual({
      PLATFORM_NAME: 'Acme Demo (staging)',
      CONTACT_EMAIL: 'support+demo@acme.test',
    });
    expect(outputs.diff).toContain('-CONTACT_EMAIL: support+demo@acme.test');
    // The branch is untouched; the pull request's branch has the change.
    expect(await head('staging')).toBe(before);
    const branches = await env.sandbox.git.listRefs(OWNER, repoOf('staging'));
    const branch = branches.find(r =>
      r.ref.startsWith('refs/heads/launchpad/update-demo-'),
    );
    expect(branch).toBeDefined();
    const proposed = await config('staging', 'demo', branch!.sha);
    expect(proposed).toContain('PLATFORM_NAME: Acme Demo (renamed)');
    expect(proposed).not.toContain('CONTACT_EMAIL');

    // Run again (a retried task that lost its checkpoints): same pull request, no new commit.
    const again = actionContext(action, pullRequestExample.input);
    await action.handler(again.ctx);
    expect(again.outputs.pullRequestUrl).toBe(outputs.pullRequestUrl);
    const after = await env.sandbox.git.listRefs(OWNER, repoOf('staging'));
    expect(after.find(r => r.ref === branch!.ref)?.sha).toBe(branch!.sha);
  }, 30_000);

  it('keeps comments, key order and untouched keys; a new key goes at the end', async () => {
    const { action } = build();
    const seeded = await config('staging', 'physics-101');
    const commented = `# Physics department instance: ask #physics-ops before changing.\n${seeded.replace(
      /^PLATFORM_NAME: .*$/m,
      '$& # shown in the header',
    )}`;
    await env.sandbox.git.commitFiles(OWNER, repoOf('staging'), {
      message: 'Comment physics-101',
      changes: { 'instances/physics-101/config.yml': commented },
    });
    const { ctx, outputs } = actionContext(action, {
      cluster: 'staging',
      slug: 'physics-101',
      changes: { PLATFORM_NAME: 'Physics 101 (2027)', ENABLE_HTTPS: true },
    });
    await action.handler(ctx);
    expect(outputs.previous).toEqual({
      PLATFORM_NAME: 'Physics 101',
      ENABLE_HTTPS: null,
    });
    const updated = await config('staging', 'physics-101');
    expect(updated).toBe(
      `${commented.replace(
        'PLATFORM_NAME: Physics 101 # shown',
        'PLATFORM_NAME: Physics 101 (2027) # shown',
      )}ENABLE_HTTPS: true\n`,
    );
  }, 30_000);

  it('redacts secret values in the diff, context lines and multi-line values included, keeping line numbers', async () => {
    const { action } = build();
    const original = await config('production', 'university');
    const { ctx, outputs } = actionContext(action, {
      cluster: 'production',
      slug: 'university',
      // MYSQL_HOST's context holds MYSQL_PASSWORD; DRYDOCK_INIT_JOBS's the
      // multi-line JWT_RSA_PRIVATE_KEY.
      changes: { MYSQL_HOST: 'mysql-2.harmony.svc', DRYDOCK_INIT_JOBS: false },
    });
    await action.handler(ctx);
    const diff = String(outputs.diff);
    for (const secret of secretsOf(original)) {
      expect(diff).not.toContain(secret);
    }
    expect(diff).not.toContain('sandbox-not-a-real-key');
    expect(diff).toContain(' MYSQL_PASSWORD: <redacted>');
    expect(diff).toContain('+MYSQL_HOST: mysql-2.harmony.svc');
    // The block scalar's lines (the key's line is out of the context).
    expect(diff).not.toContain('BEGIN RSA');
    expect(diff).toContain(
      '\n   <redacted>\n   <redacted>\n   <redacted>\n-DRYDOCK_INIT_JOBS: true\n',
    );
    // Line for line the file's own diff: a redacted line replaces one line.
    const body = (text: string) =>
      text
        .split('\n')
        .filter(l => /^[ +-]/.test(l) && !/^(---|\+\+\+) /.test(l));
    const updated = await config('production', 'university');
    const kept = body(diff).filter(l => l.startsWith(' '));
    const originalLines = original.split('\n');
    const updatedLines = updated.split('\n');
    for (const line of kept) {
      if (line.includes('<redacted>')) continue;
      expect(originalLines).toContain(line.slice(1));
    }
    expect(
      body(diff)
        .filter(l => l.startsWith('+'))
        .map(l => l.slice(1)),
    ).toEqual(['MYSQL_HOST: mysql-2.harmony.svc', 'DRYDOCK_INIT_JOBS: false']);
    expect(updatedLines.length).toBe(originalLines.length);
  }, 30_000);

  it.each([
    [
      { MYSQL_PASSWORD: 'x' },
      'changes.MYSQL_PASSWORD: is a secret; secrets are changed only with allowSecrets: true',
    ],
    [
      { SENTRY_DSN: 'https://user:pw@sentry.test/1' },
      'changes.SENTRY_DSN: is a secret; secrets are changed only with allowSecrets: true',
    ],
    [
      { STORAGE_BUCKET_NAME: 'other' },
      "changes.STORAGE_BUCKET_NAME: names the instance's namespace, database or bucket (derived from the slug); it cannot be changed by an update",
    ],
    [
      { EDX_PLATFORM_VERSION: 'teak' },
      'release "teak" is not an Open edX release; use release/<name>.<n> or <name>.<n> (e.g. release/teak.3)',
    ],
    [
      { TUTOR_VERSION: 'latest' },
      'changes.TUTOR_VERSION: "latest" is not a Tutor release tag; use v<major>.<minor>.<patch> (e.g. v20.0.5)',
    ],
    [
      { EDX_PLATFORM_VERSION: 'release/sumac.4' },
      'TUTOR_VERSION v20.0.5 does not build release/sumac.4: sumac needs Tutor v19.x; change both together',
    ],
    [{ STORAGE_TYPE: 'gcs' }, /^config\.yml would not be valid: STORAGE_TYPE/],
    [{ LMS_HOST: null }, /^config\.yml would not be valid: LMS_HOST/],
    [{}, 'changes: give at least one config.yml key'],
  ])('refuses %j before writing (InputError)', async (changes, message) => {
    const { action, deps } = build();
    const before = await head('staging');
    const { ctx } = actionContext(action, {
      cluster: 'staging',
      slug: 'summer-school',
      changes,
    });
    const error: unknown = await action.handler(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'InputError' });
    expect(() => {
      throw error;
    }).toThrow(message);
    expect(await head('staging')).toBe(before);
    expect(updates(deps)).toBe(0);
  });

  it('a secret changes with allowSecrets; its value is in no output, log or diff', async () => {
    const { action } = build();
    const { ctx, outputs, logger } = actionContext(action, {
      cluster: 'staging',
      slug: 'summer-school',
      changes: { OPENEDX_SECRET_KEY: 'rotated-secret-value-1234' },
      allowSecrets: true,
    });
    await action.handler(ctx);
    expect(await config('staging', 'summer-school')).toContain(
      'OPENEDX_SECRET_KEY: rotated-secret-value-1234',
    );
    expect(outputs.previous).toEqual({});
    expect(outputs.diff).toContain('+OPENEDX_SECRET_KEY: <redacted>');
    expect(JSON.stringify([outputs, logger.info.mock.calls])).not.toContain(
      'rotated-secret-value-1234',
    );
  }, 30_000);

  it('an update that changes nothing makes no commit', async () => {
    const { action, deps } = build();
    const before = await head('staging');
    const { ctx, outputs, lines } = actionContext(action, {
      cluster: 'staging',
      slug: 'summer-school',
      changes: { PLATFORM_NAME: 'Summer School', TUTOR_VERSION: '20.0.5' },
    });
    await action.handler(ctx);
    expect(outputs).toEqual({
      changed: false,
      changedKeys: [],
      diff: '',
      previous: {},
    });
    expect(lines()).toContain(
      'instances/summer-school/config.yml already has these values; nothing to commit',
    );
    expect(await head('staging')).toBe(before);
    expect(updates(deps)).toBe(0);
  });

  it('dry run outputs the diff and writes nothing', async () => {
    const { action, deps } = build();
    const before = await head('production');
    const { ctx, outputs, lines } = actionContext(
      action,
      {
        cluster: 'production',
        slug: 'archive',
        changes: { EDX_PLATFORM_VERSION: 'teak.3', TUTOR_VERSION: 'v20.0.5' },
      },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(outputs.diff).toContain('+EDX_PLATFORM_VERSION: release/teak.3');
    expect(outputs.previous).toEqual({
      EDX_PLATFORM_VERSION: 'release/sumac.4',
      TUTOR_VERSION: 'v19.0.4',
    });
    expect(lines()[0]).toMatch(
      /^Dry run: would change EDX_PLATFORM_VERSION, TUTOR_VERSION in instances\/archive\/config\.yml as a commit:\n--- a\//,
    );
    expect(await head('production')).toBe(before);
    expect(updates(deps)).toBe(0);
  });

  it('a retry after a commit whose answer was lost commits nothing again and still reports previous', async () => {
    const { action } = build();
    const { checkpoint, store } = memoryCheckpoint();
    const input = {
      cluster: 'production',
      slug: 'archive',
      changes: { PLATFORM_NAME: 'Course Archive (read-only)' },
    };
    const losing = async <T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }) => {
      if (!opts.key.startsWith('update-write-')) return checkpoint(opts);
      await opts.fn();
      throw new Error('connection reset');
    };
    const before = await head('production');
    await expect(
      action.handler(actionContext(action, input, { checkpoint: losing }).ctx),
    ).rejects.toThrow('connection reset');
    const landed = await head('production');
    expect(landed).not.toBe(before);
    expect(store.has('update-plan-archive')).toBe(true);

    const retry = actionContext(action, input, { checkpoint });
    await action.handler(retry.ctx);
    expect(await head('production')).toBe(landed);
    expect(retry.outputs.previous).toEqual({ PLATFORM_NAME: 'Course Archive' });
    expect(retry.lines()).toContain(
      `instances/archive/config.yml already has the change at ${OWNER}/${repoOf(
        'production',
      )}@${landed.slice(
        0,
        7,
      )} (an earlier attempt of this task, or someone else, committed it); not committing again`,
    );
    // And a retry of a task whose write was stored repeats nothing.
    const third = actionContext(action, input, { checkpoint });
    await action.handler(third.ctx);
    expect(await head('production')).toBe(landed);
  }, 30_000);

  it('a NotAllowedError from the policy stops it before any GitHub request', async () => {
    const { action } = build();
    const denied = createInstanceUpdateAction({
      ...build().deps,
      clusters: env.clusters,
      permissions: {
        authorize: async () => [{ result: 'DENY' as never }],
        authorizeConditional: async () => [{ result: 'DENY' as never }],
      },
    });
    expect(action.id).toBe(denied.id);
    env.github.take();
    const { ctx } = actionContext(denied, {
      cluster: 'staging',
      slug: 'demo',
      changes: { PLATFORM_NAME: 'x' },
    });
    await expect(denied.handler(ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'may not launchpad.instance.update on component:staging/demo (cluster staging)',
      ),
    });
    expect(env.github.take()).toEqual([]);
  });
});
