import type {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { EventsService } from '@backstage/plugin-events-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonValue } from '@backstage/types';
import {
  argoAppName,
  instanceEntityRef,
  instanceSourcePath,
  launchpadArgocdSyncPermission,
  launchpadBuildDispatchPermission,
  launchpadInstanceUpdatePermission,
} from '@internal/plugin-launchpad-common';
import {
  githubError,
  requestErrorStatus,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import {
  argocdAppUrl,
  instanceApplication,
  startSync,
  waitSyncedHealthy,
} from './argocdSync';
import { checkChange, previousValues } from './instanceConfigChange';
import { commitConfigChange, planConfigChange } from './instanceUpdate';
import {
  buildInstanceImage,
  IMAGE_KEYS,
  type ImageBuild,
} from './picassoBuild';
import { examples } from './instanceUpgrade.examples';
import {
  authorizeLaunchpad,
  commitUrl,
  instanceClusterFromInput,
  instanceInputSchema,
  messageOf,
  type LaunchpadActionDeps,
  pollIntervalMs,
  publishRepositoryChanged,
} from './shared';
import {
  coveringSchedules,
  takeInstanceBackup,
  type BackupResult,
} from './veleroBackup';

export type UpgradeService = 'openedx' | 'mfe';

/** Where an upgrade stopped (the step that failed). */
export type UpgradeStep =
  | 'input'
  | 'authorize'
  | 'plan'
  | 'backup'
  | 'update'
  | 'build-openedx'
  | 'build-mfe'
  | 'sync'
  | 'rollback';

export interface UpgradeInstanceOptions {
  /** The module's services; `events` (optional) tells the catalog provider the repository changed. */
  deps: LaunchpadActionDeps & { events?: EventsService };
  /** Whose permissions are checked: the task's initiator. */
  credentials: BackstageCredentials;
  logger: LoggerService;
  /**
   * `ctx.checkpoint` as a function: a stored success is returned without
   * running `fn`. Keys include the slug, so one task step may upgrade many
   * instances.
   */
  checkpoint: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  signal?: AbortSignal;
  cluster: string;
  slug: string;
  /** EDX_PLATFORM_VERSION, e.g. release/teak.3 or teak.3. */
  release?: string;
  /** TUTOR_VERSION, e.g. v20.0.5. */
  tutorVersion?: string;
  /** Other config.yml keys to merge (null deletes), as launchpad:instance:update takes them. */
  change?: Record<string, unknown>;
  /** Images to build, in order; default openedx, mfe. */
  services?: UpgradeService[];
  /** How long the synced instance has to become Healthy before it is rolled back; default 15 min. */
  healthyTimeoutMs?: number;
  /** A build of the instance already running: wait for it (default) or refuse. */
  ifRunning?: 'wait' | 'refuse';
  /** Plan only: the diff and what would happen, no side effect. */
  dryRun?: boolean;
  /** Gate around each build (the fleet limits concurrent builds); default runs fn. */
  build?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Names the Velero backup (the same task step always names the same one); default the slug alone. */
  backupKey?: { taskId: string; stepId?: string };
  /** Reads between polls (backup, builds, health); default 5 s. */
  pollMs?: number;
  /** Waiting for the backup; default 30 min. */
  backupTimeoutMs?: number;
  /** Waiting for each build; default 60 min. */
  buildTimeoutMs?: number;
}

export interface UpgradeCommit {
  kind: 'upgrade' | 'rollback';
  sha: string;
  url: string;
}

export interface UpgradeInstanceResult {
  slug: string;
  /** upgraded: Synced and Healthy on the new images; rolled-back: unhealthy, restored and Healthy on the old ones; failed: see failedStep. */
  outcome: 'upgraded' | 'rolled-back' | 'failed';
  failedStep?: UpgradeStep;
  message?: string;
  /** The Velero backup taken first. */
  backup?: BackupResult;
  builds: ImageBuild[];
  /** config.yml's redacted diff. */
  diff: string;
  changedKeys: string[];
  /** The values the upgrade replaced (the rollback's settings). */
  previous: Record<string, JsonValue>;
  commits: UpgradeCommit[];
  /** Whether the rollback commit was made. */
  rolledBack: boolean;
  /** The Application's last sync and health status read. */
  sync?: string;
  health?: string;
  application?: string;
  applicationUrl?: string;
  dryRun?: boolean;
}

const DEFAULT_SERVICES: UpgradeService[] = ['openedx', 'mfe'];
export const DEFAULT_HEALTHY_TIMEOUT_MINUTES = 15;
const DEFAULT_POLL_MS = 5_000;
const DEFAULT_BACKUP_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_BUILD_TIMEOUT_MS = 60 * 60_000;

/** What the plan checkpoint stores (plain JSON, no secret). */
type UpgradePlan = {
  headSha: string;
  path: string;
  changedKeys: string[];
  diff: string;
  previous: Record<string, JsonValue>;
  /** The image keys' values before: the rollback restores them. */
  images: Record<string, JsonValue>;
};

type Health = { sync: string; health: string; message?: string };

class StepFailure extends Error {
  constructor(readonly step: UpgradeStep, message: string) {
    super(message);
  }
}

const isAbort = (error: unknown, signal?: AbortSignal) =>
  Boolean(signal?.aborted) ||
  (error instanceof Error && error.name === 'AbortError');

/**
 * The config.yml change an upgrade makes: the release, the Tutor version
 * and any other keys, checked as launchpad:instance:update checks them (no
 * identity keys, no secrets, release/<name>.<n>, v<x>.<y>.<z>).
 */
export function upgradeChange(options: {
  release?: string;
  tutorVersion?: string;
  change?: Record<string, unknown>;
}): Record<string, unknown> {
  const change: Record<string, unknown> = { ...(options.change ?? {}) };
  if (options.release) change.EDX_PLATFORM_VERSION = options.release;
  if (options.tutorVersion) change.TUTOR_VERSION = options.tutorVersion;
  if (!Object.keys(change).length) {
    throw new InputError(
      'give a release, a tutorVersion or a change: an upgrade needs something to change',
    );
  }
  return checkChange(change, { allowSecrets: false });
}

/**
 * Upgrades one instance with a way back: a Velero backup of its namespace
 * (waited for), then the config.yml change as one commit, then a Picasso
 * build of each service, then an ArgoCD sync waited for until Synced and
 * Healthy. When it does not become Healthy within the timeout (or turns
 * Degraded: a Deployment past its progress deadline), one rollback commit
 * restores the replaced settings, the old image tags in config.yml and the
 * instance's rendered env/ as it was before the upgrade (no rebuild: the old
 * images exist), and the rollback is synced and waited for. A failed build
 * rolls the settings back the same way. Every side effect is behind
 * `checkpoint` under a key naming the slug: a re-run after a crash
 * repeats no backup, commit, build or sync.
 *
 * Expected failures come back as `outcome: 'failed'` with `failedStep`;
 * only a cancellation throws.
 */
export async function upgradeInstance(
  options: UpgradeInstanceOptions,
): Promise<UpgradeInstanceResult> {
  const { slug, logger, signal } = options;
  const result: UpgradeInstanceResult = {
    slug,
    outcome: 'failed',
    builds: [],
    diff: '',
    changedKeys: [],
    previous: {},
    commits: [],
    rolledBack: false,
  };
  const step = async <T>(name: UpgradeStep, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (error) {
      if (isAbort(error, signal) || error instanceof StepFailure) throw error;
      throw new StepFailure(name, messageOf(error));
    }
  };
  try {
    await run(options, result, step);
  } catch (error) {
    if (isAbort(error, signal)) throw error;
    result.outcome = 'failed';
    result.failedStep =
      error instanceof StepFailure ? error.step : result.failedStep;
    result.message = `Upgrade of ${slug} on ${options.cluster} failed at ${
      result.failedStep ?? 'an unknown step'
    }: ${messageOf(error)}${
      result.rolledBack ? ' (the settings and images were rolled back)' : ''
    }`;
    logger.error(result.message);
  }
  return result;
}

async function run(
  options: UpgradeInstanceOptions,
  result: UpgradeInstanceResult,
  step: <T>(name: UpgradeStep, fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const { deps, slug, logger, checkpoint, signal } = options;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const gate = options.build ?? (<T>(fn: () => Promise<T>) => fn());
  const services = options.services?.length
    ? options.services
    : DEFAULT_SERVICES;

  const { cluster, change } = await step('input', async () => {
    const found = instanceClusterFromInput(deps.clusters, {
      cluster: options.cluster,
      slug,
    });
    if (!found.argocd) {
      throw new InputError(
        `cluster "${found.name}" has no argocd block in launchpad.clusters: an upgrade syncs and watches the instance`,
      );
    }
    return { cluster: found, change: upgradeChange(options) };
  });
  const argocd = cluster.argocd!;
  const application = argoAppName(slug, cluster.config.environment);
  result.application = application;
  result.applicationUrl = argocdAppUrl(argocd, application);

  await step('authorize', async () => {
    // The upgrade changes config.yml (update), dispatches builds and syncs:
    // the caller needs all three on the instance (the policy's table).
    for (const permission of [
      launchpadInstanceUpdatePermission,
      launchpadBuildDispatchPermission,
      launchpadArgocdSyncPermission,
    ]) {
      await authorizeLaunchpad(
        deps.permissions,
        { getInitiatorCredentials: async () => options.credentials },
        {
          permission,
          resourceRef: instanceEntityRef(cluster.name, slug),
          cluster: cluster.name,
        },
      );
    }
  });

  const makePlan = async (): Promise<UpgradePlan> => {
    const planned = await planConfigChange(cluster, slug, change);
    const images = previousValues(planned.before, Object.values(IMAGE_KEYS));
    return {
      headSha: planned.headSha,
      path: planned.path,
      changedKeys: planned.changedKeys,
      diff: planned.diff,
      previous: planned.previous,
      images: images.previous as Record<string, JsonValue>,
    };
  };
  // Fixed by the first attempt: a re-run after the commit still knows
  // what to roll back to.
  const plan = await step('plan', () =>
    options.dryRun ? makePlan() : checkpoint(`upgrade-plan-${slug}`, makePlan),
  );
  result.diff = plan.diff;
  result.changedKeys = plan.changedKeys;
  result.previous = plan.previous;

  const schedule = await step('backup', async () => {
    const [best] = await coveringSchedules(cluster, slug);
    if (!best) {
      throw new InputError(
        `No enabled Velero Schedule on ${cluster.name} includes namespace ${slug}: no template to back it up with before the upgrade`,
      );
    }
    return best;
  });
  if (options.dryRun) {
    result.dryRun = true;
    result.outcome = 'upgraded';
    result.message = plan.changedKeys.length
      ? `Dry run: would back up ${slug} (schedule ${
          schedule.metadata?.name
        }'s template), change ${plan.changedKeys.join(', ')} in ${
          plan.path
        } in one commit, build ${services.join(
          ' and ',
        )}, sync ${application} and wait until Healthy, rolling back in one commit otherwise`
      : `Dry run: ${plan.path} already has these values; nothing to upgrade`;
    logger.info(`${result.message}\n${plan.diff}`);
    return;
  }
  if (!plan.changedKeys.length) {
    result.outcome = 'upgraded';
    result.message = `${plan.path} already has these values; nothing to upgrade`;
    logger.info(result.message);
    return;
  }

  result.backup = await step('backup', () =>
    checkpoint(`upgrade-backup-${slug}`, () =>
      takeInstanceBackup({
        cluster,
        slug,
        schedule,
        baseKey: options.backupKey ?? { taskId: 'upgrade' },
        acceptPartiallyFailed: false,
        auditor: deps.auditor,
        logger,
        signal,
        timeoutMs: options.backupTimeoutMs ?? DEFAULT_BACKUP_TIMEOUT_MS,
        pollMs,
      }),
    ),
  );

  const keys = plan.changedKeys.join(', ');
  const upgradeCommit = await step('update', () =>
    checkpoint(`upgrade-commit-${slug}`, () =>
      commitConfigChange({
        cluster,
        slug,
        change,
        message: `Upgrade ${slug}: ${keys}\n\nBacked up as ${result.backup?.name}. Changed by the Launchpad portal (launchpad:instance:upgrade).`,
        auditor: deps.auditor,
        eventId: 'instance-upgrade',
      }),
    ),
  );
  if (upgradeCommit.kind === 'commit') {
    result.commits.push(commitOf(cluster, 'upgrade', upgradeCommit.commitSha));
    logger.info(
      `Committed ${keys} of ${slug} (${upgradeCommit.commitSha.slice(0, 7)})`,
    );
    await repositoryChanged(options, cluster);
  }

  // The Application's project, read once when first needed (application.yml).
  let project: Promise<string | undefined> | undefined;
  const projectOf = () =>
    (project ??= instanceApplication(cluster, slug, application).then(
      a => a.project,
    ));
  const syncAndSettle = async (key: string): Promise<Health> => {
    const { revision } = await checkpoint(key, async () => {
      // The commit just made: ArgoCD re-reads git (a refresh), syncs it, and
      // the wait accepts only that revision, never the state before it.
      const head = await cluster.repository.writer.readHead();
      await argocd.refresh(application, 'normal', {
        project: await projectOf(),
      });
      await startSync({
        argocd,
        name: application,
        project: await projectOf(),
        auditor: deps.auditor,
        logger,
        meta: { cluster: cluster.name, slug },
      });
      return { revision: head };
    });
    // The verdict is stored too: a re-run after a rollback must not read
    // the restored Healthy state as the upgrade's success.
    return checkpoint(`${key}-health`, async (): Promise<Health> => {
      const app = await waitSyncedHealthy({
        argocd,
        name: application,
        project: await projectOf(),
        logger,
        signal,
        timeoutMs: options.healthyTimeoutMs ?? 15 * 60_000,
        pollMs,
        settle: true,
        revision,
      });
      return {
        sync: app.status?.sync?.status ?? 'Unknown',
        health: app.status?.health?.status ?? 'Unknown',
        ...(app.status?.health?.message
          ? { message: app.status.health.message }
          : {}),
      };
    });
  };
  const healthy = (h: Health) => h.sync === 'Synced' && h.health === 'Healthy';

  const rollback = async (why: string): Promise<Health> => {
    logger.warn(`Rolling ${slug} back: ${why}`);
    const restore = { ...plan.images, ...plan.previous };
    const commit = await step('rollback', () =>
      checkpoint(`upgrade-rollback-${slug}`, () =>
        commitConfigChange({
          cluster,
          slug,
          change: restore,
          message: `Roll back the upgrade of ${slug}: ${why}\n\nRestores ${Object.keys(
            restore,
          ).join(', ')} and env/ as at ${plan.headSha.slice(
            0,
            7,
          )}. Changed by the Launchpad portal (launchpad:instance:upgrade).`,
          auditor: deps.auditor,
          eventId: 'instance-upgrade-rollback',
          extraFiles: head =>
            restoredEnvFiles(cluster, slug, plan.headSha, head),
        }),
      ),
    );
    result.rolledBack = true;
    if (commit.kind === 'commit') {
      result.commits.push(commitOf(cluster, 'rollback', commit.commitSha));
      logger.info(
        `Committed the rollback of ${slug} (${commit.commitSha.slice(0, 7)})`,
      );
      await repositoryChanged(options, cluster);
    }
    return step('rollback', () =>
      syncAndSettle(`upgrade-rollback-sync-${slug}`),
    );
  };

  for (const service of services) {
    let failure: string | undefined;
    try {
      const build = await step(`build-${service}`, () =>
        gate(() =>
          buildInstanceImage({
            cluster,
            slug,
            service,
            inputs: {
              INSTANCE_NAME: slug,
              SERVICE: service,
              STRAIN_REPOSITORY_BRANCH: cluster.repository.branch,
            },
            ifRunning: options.ifRunning ?? 'wait',
            auditor: deps.auditor,
            logger,
            signal,
            checkpoint: (key, fn) => checkpoint(key, fn),
            keyPrefix: 'upgrade-build',
            timeoutMs: options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
            pollMs,
          }),
        ),
      );
      result.builds.push(build);
      if (build.conclusion !== 'success') {
        failure = `the ${service} build concluded ${build.conclusion}: ${build.runUrl}`;
      }
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      failure = messageOf(error);
    }
    if (failure) {
      // config.yml names a release no image was built for: put it back.
      const after = await rollback(`the ${service} build failed`);
      result.sync = after.sync;
      result.health = after.health;
      throw new StepFailure(`build-${service}`, failure);
    }
  }

  const synced = await step('sync', () =>
    syncAndSettle(`upgrade-sync-${slug}`),
  );
  result.sync = synced.sync;
  result.health = synced.health;
  if (healthy(synced)) {
    result.outcome = 'upgraded';
    result.message = `${slug} on ${cluster.name} is upgraded (${keys}) and ${application} is Synced and Healthy`;
    logger.info(result.message);
    return;
  }

  const why = `${application} was ${synced.sync}, ${synced.health}${
    synced.message ? ` (${synced.message})` : ''
  } after the upgrade`;
  const after = await rollback(why);
  result.sync = after.sync;
  result.health = after.health;
  if (!healthy(after)) {
    throw new StepFailure(
      'rollback',
      `${why}; after the rollback it is ${after.sync}, ${after.health}${
        after.message ? ` (${after.message})` : ''
      }: see ${result.applicationUrl} and restore from backup ${
        result.backup?.name
      } if needed`,
    );
  }
  result.outcome = 'rolled-back';
  result.message = `${slug} on ${cluster.name} was rolled back: ${why}; it is Synced and Healthy on its previous images again`;
  logger.warn(result.message);
}

function commitOf(
  cluster: LaunchpadCluster,
  kind: UpgradeCommit['kind'],
  sha: string,
): UpgradeCommit {
  return { kind, sha, url: commitUrl(cluster, sha) };
}

async function repositoryChanged(
  options: UpgradeInstanceOptions,
  cluster: LaunchpadCluster,
) {
  const { events } = options.deps;
  if (events) await publishRepositoryChanged(events, cluster.name);
}

type TreeFile = { path: string; sha: string };

/** The files under a folder at a ref (the contents API, folder by folder); none when it does not exist. */
async function filesUnder(
  cluster: LaunchpadCluster,
  folder: string,
  ref: string,
): Promise<TreeFile[]> {
  const { repository } = cluster;
  const octokit = await repository.octokit();
  let data;
  try {
    ({ data } = await octokit.rest.repos.getContent({
      owner: repository.owner,
      repo: repository.repo,
      path: folder,
      ref,
    }));
  } catch (error) {
    if (requestErrorStatus(error) === 404) return [];
    throw githubError(error, {
      action: `list ${folder}`,
      cluster: cluster.name,
      repository: `${repository.owner}/${repository.repo}`,
    });
  }
  if (!Array.isArray(data)) return [];
  const out: TreeFile[] = [];
  for (const entry of data) {
    if (entry.type === 'dir')
      out.push(...(await filesUnder(cluster, entry.path, ref)));
    else if (entry.type === 'file')
      out.push({ path: entry.path, sha: entry.sha });
  }
  return out;
}

async function fileText(
  cluster: LaunchpadCluster,
  path: string,
  ref: string,
): Promise<string> {
  const { repository } = cluster;
  const octokit = await repository.octokit();
  try {
    const { data } = await octokit.rest.repos.getContent({
      owner: repository.owner,
      repo: repository.repo,
      path,
      ref,
    });
    if (Array.isArray(data) || !('content' in data)) {
      throw new InputError(`${path} is not a file`);
    }
    return Buffer.from(data.content, 'base64').toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw githubError(error, {
      action: `read ${path}`,
      cluster: cluster.name,
      repository: `${repository.owner}/${repository.repo}`,
    });
  }
}

/**
 * The instance's rendered env/ (what ArgoCD applies) as it was before the
 * upgrade: the builds retagged its manifests, so the files that differ
 * from the pre-upgrade commit get their old content back (and files the
 * builds added go). Compared by blob sha: only changed files are read.
 */
async function restoredEnvFiles(
  cluster: LaunchpadCluster,
  slug: string,
  beforeSha: string,
  headSha: string,
): Promise<{
  files: Array<{ path: string; content: string }>;
  deletions: string[];
}> {
  const folder = `${instanceSourcePath(slug)}/env`;
  const [before, now] = await Promise.all([
    filesUnder(cluster, folder, beforeSha),
    filesUnder(cluster, folder, headSha),
  ]);
  const old = new Map(before.map(f => [f.path, f.sha]));
  const files: Array<{ path: string; content: string }> = [];
  for (const file of before) {
    const current = now.find(f => f.path === file.path);
    if (current?.sha === file.sha) continue;
    files.push({
      path: file.path,
      content: await fileText(cluster, file.path, beforeSha),
    });
  }
  const deletions = now.filter(f => !old.has(f.path)).map(f => f.path);
  return { files, deletions };
}

/**
 * `launchpad:instance:upgrade`: {@link upgradeInstance} as a task step.
 * A rollback is a completed step whose outputs say so (`rolledBack: true`,
 * `outcome: rolled-back`): the instance is Healthy on its old images and the
 * template's output shows what happened. A failure (a build failed, the
 * backup failed, the rollback did not become Healthy) fails the step with a
 * message naming the instance, the step and why.
 */
export function createInstanceUpgradeAction(
  deps: LaunchpadActionDeps & { events?: EventsService },
) {
  return createTemplateAction({
    id: 'launchpad:instance:upgrade',
    description:
      'Upgrades an instance with a way back: a Velero backup of its namespace, the release / Tutor version / settings merged into config.yml in one commit, a Picasso build of each service, an ArgoCD sync waited Healthy; if it is not Healthy within the timeout, one commit restores the previous settings and image tags (no rebuild), synced and waited for. Re-running the task repeats no backup, commit, build or sync. A dry run outputs the diff only.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (its folder and namespace)'),
        release: z =>
          z
            .string({
              description:
                'Target Open edX release (EDX_PLATFORM_VERSION), e.g. release/teak.3 or teak.3',
            })
            .optional(),
        tutorVersion: z =>
          z
            .string({
              description:
                'Tutor version (TUTOR_VERSION) matching the release, e.g. v20.0.5',
            })
            .optional(),
        change: z =>
          z
            .record(
              z.string(),
              z.custom<JsonValue>(v => v !== undefined),
              {
                description:
                  'Other config.yml keys to set (null deletes), merged as launchpad:instance:update merges them',
              },
            )
            .optional(),
        services: z =>
          z
            .array(z.enum(['openedx', 'mfe']), {
              description: 'Images to build; default openedx and mfe',
            })
            .optional(),
        healthyTimeoutMinutes: z =>
          z
            .number({
              description: `How long the instance has to become Synced and Healthy before it is rolled back; default ${DEFAULT_HEALTHY_TIMEOUT_MINUTES}`,
            })
            .positive()
            .optional(),
        ifRunning: z =>
          z
            .enum(['wait', 'refuse'], {
              description:
                "A build of the instance already running: 'wait' (default) waits for it, 'refuse' fails",
            })
            .optional(),
        dryRun: z =>
          z
            .boolean({
              description:
                'Only show the diff and what would happen (also under the scaffolder’s dry run)',
            })
            .optional(),
        pollIntervalSeconds: z =>
          z
            .number({
              description:
                'Seconds between reads of the backup, the builds and the Application; default 5',
            })
            .positive()
            .optional(),
      },
      output: {
        outcome: z =>
          z.enum(['upgraded', 'rolled-back', 'failed'], {
            description:
              'upgraded; rolled-back (unhealthy, restored, Healthy on the old images); failed (the step fails)',
          }),
        rolledBack: z =>
          z.boolean({ description: 'Whether the rollback commit was made' }),
        message: z => z.string({ description: 'What happened, in a sentence' }),
        diff: z =>
          z.string({
            description: 'Unified diff of config.yml, secret values redacted',
          }),
        changedKeys: z =>
          z.array(z.string(), { description: 'config.yml keys changed' }),
        previous: z =>
          z.record(
            z.string(),
            z.custom<JsonValue>(v => v !== undefined),
            {
              description: 'The values replaced (what the rollback restores)',
            },
          ),
        backup: z =>
          z.string({ description: 'The Velero backup taken first' }).optional(),
        builds: z =>
          z.array(
            z.object({
              service: z.string(),
              runUrl: z.string(),
              conclusion: z.string().optional(),
              image: z.string().optional(),
            }),
            { description: 'Each Picasso build: run page, conclusion, image' },
          ),
        commits: z =>
          z.array(
            z.object({ kind: z.string(), sha: z.string(), url: z.string() }),
            { description: 'The upgrade commit and, if any, the rollback' },
          ),
        syncStatus: z =>
          z
            .string({ description: 'The Application’s final sync status' })
            .optional(),
        healthStatus: z =>
          z
            .string({ description: 'The Application’s final health' })
            .optional(),
        applicationUrl: z =>
          z
            .string({ description: 'The Application in the ArgoCD UI' })
            .optional(),
      },
    },
    async handler(ctx) {
      const credentials = await ctx.getInitiatorCredentials();
      const result = await upgradeInstance({
        deps,
        credentials,
        logger: ctx.logger,
        checkpoint: (key, fn) =>
          ctx.checkpoint({
            key,
            // Stored as JSON in the task state.
            fn: fn as () => Promise<JsonValue>,
          }) as Promise<never>,
        signal: ctx.signal,
        cluster: ctx.input.cluster,
        slug: ctx.input.slug,
        release: ctx.input.release,
        tutorVersion: ctx.input.tutorVersion,
        change: ctx.input.change,
        services: ctx.input.services,
        healthyTimeoutMs:
          (ctx.input.healthyTimeoutMinutes ?? DEFAULT_HEALTHY_TIMEOUT_MINUTES) *
          60_000,
        ifRunning: ctx.input.ifRunning,
        dryRun: ctx.isDryRun || (ctx.input.dryRun ?? false),
        backupKey: { taskId: ctx.task.id, stepId: ctx.step?.id },
        pollMs: pollIntervalMs(
          deps,
          ctx.input.pollIntervalSeconds,
          DEFAULT_POLL_MS / 1000,
        ),
      });
      ctx.output('outcome', result.outcome);
      ctx.output('rolledBack', result.rolledBack);
      ctx.output('message', result.message ?? '');
      ctx.output('diff', result.diff);
      ctx.output('changedKeys', result.changedKeys);
      ctx.output('previous', result.previous);
      if (result.backup) ctx.output('backup', result.backup.name);
      ctx.output(
        'builds',
        result.builds.map(b => ({
          service: b.service,
          runUrl: b.runUrl,
          ...(b.conclusion ? { conclusion: b.conclusion } : {}),
          ...(b.image ? { image: b.image } : {}),
        })),
      );
      ctx.output(
        'commits',
        result.commits.map(c => ({ kind: c.kind, sha: c.sha, url: c.url })),
      );
      if (result.sync) ctx.output('syncStatus', result.sync);
      if (result.health) ctx.output('healthStatus', result.health);
      if (result.applicationUrl)
        ctx.output('applicationUrl', result.applicationUrl);
      if (result.outcome === 'failed') {
        throw failureError(result);
      }
    },
  });
}

/** The step's error: an InputError for bad input or a refusal, an Error otherwise. */
function failureError(result: UpgradeInstanceResult): Error {
  const message = result.message ?? `Upgrade of ${result.slug} failed`;
  if (result.failedStep === 'input' || result.failedStep === 'plan')
    return new InputError(message);
  if (result.failedStep === 'authorize') return new NotAllowedError(message);
  return new Error(message);
}
