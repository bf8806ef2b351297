import { createHash } from 'node:crypto';
import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  backupCoversNamespace,
  deriveBackupRecord,
  deriveScheduleStatus,
  instanceEntityRef,
  launchpadInstanceUpdatePermission,
  type BackupRecord,
} from '@internal/plugin-launchpad-common';
import {
  kubernetesError,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { examples } from './veleroBackup.examples';
import { instanceLabels } from './instanceSecrets';
import {
  audited,
  authorizeLaunchpad,
  formatDuration,
  instanceClusterFromInput,
  instanceInputSchema,
  kubernetesStatus,
  messageOf,
  sleep,
  type LaunchpadActionDeps,
  pollIntervalMs,
} from './shared';

const VELERO = { group: 'velero.io', version: 'v1' } as const;
const DEFAULT_TIMEOUT_MINUTES = 30;
const DEFAULT_POLL_SECONDS = 5;
/** Attempts after failed backups of the same task and step: `<name>`, `<name>-r2`, … */
const MAX_ATTEMPTS = 10;
/** Label on the portal's backups naming the Schedule whose template they copy. */
export const FROM_SCHEDULE_LABEL = 'launchpad.openedx.org/from-schedule';

/** A Velero object as the API answers it (only what this action reads). */
interface VeleroObject {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown> & {
    template?: Record<string, unknown> & {
      includedNamespaces?: string[];
      ttl?: string;
      metadata?: { labels?: Record<string, string> };
    };
  };
  status?: { validationErrors?: string[] };
}

/** What the backup checkpoint stores and the step outputs. */
export type BackupResult = {
  name: string;
  namespace: string;
  schedule: string;
  phase: string;
  startedAt?: string;
  completedAt?: string;
  expiresAt?: string;
};

/**
 * `<slug>-portal-<8 hex>`: the hex from the task id, the step id and the
 * instance, so the same task step always names the same Backup (a retry or
 * a recovered task finds it instead of making a second one), and two tasks,
 * steps or instances never share one. Within Kubernetes' 63 characters that
 * label values allow (Velero labels restores and pod volume backups with
 * the backup's name): a slug has at most 22.
 */
export function portalBackupName(
  slug: string,
  key: { taskId: string; stepId?: string; cluster: string },
  attempt = 1,
): string {
  const hash = createHash('sha256')
    .update(`${key.taskId}\n${key.stepId ?? ''}\n${key.cluster}\n${slug}`)
    .digest('hex')
    .slice(0, 8);
  return `${slug}-portal-${hash}${attempt > 1 ? `-r${attempt}` : ''}`;
}

/** Go durations as Velero writes TTLs (`720h0m0s`), in ms; 0 when unreadable. */
function ttlMs(ttl: string | undefined): number {
  if (!ttl) return 0;
  let total = 0;
  for (const m of ttl.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) {
    total +=
      Number(m[1]) *
      { h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'm' | 's'];
  }
  return total;
}

/**
 * The enabled Velero Schedules whose template includes the namespace (the
 * status derivations' rules: excluded wins, empty or `*` is all), best
 * first: one naming the namespace itself (an instance's own schedule), then
 * the longest TTL (the backup outlives the change it protects), then name.
 */
export async function coveringSchedules(
  cluster: LaunchpadCluster,
  namespace: string,
): Promise<VeleroObject[]> {
  let list: { items?: VeleroObject[] };
  try {
    list = (await cluster.kubernetes.custom.listClusterCustomObject({
      ...VELERO,
      plural: 'schedules',
    })) as { items?: VeleroObject[] };
  } catch (error) {
    throw kubernetesError(error, {
      action: 'list Velero schedules',
      cluster: cluster.name,
    });
  }
  const names = (s: VeleroObject) =>
    (s.spec?.template?.includedNamespaces ?? []).includes(namespace) ? 0 : 1;
  return (list.items ?? [])
    .filter(
      s =>
        backupCoversNamespace(s, namespace) &&
        deriveScheduleStatus(s).verdict === 'enabled',
    )
    .sort(
      (a, b) =>
        names(a) - names(b) ||
        ttlMs(b.spec?.template?.ttl) - ttlMs(a.spec?.template?.ttl) ||
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
}

/**
 * The Backup as `velero backup create --from-schedule` builds it (Velero's
 * pkg/builder/backup_builder.go FromSchedule: the Schedule's
 * `spec.template` as the spec, its template's labels or else its own), with
 * `includedNamespaces` narrowed to the instance. Not labelled
 * `velero.io/schedule-name`, which FromSchedule sets: the portal's status
 * (and DESIGN.md) read that label as "the Schedule made this backup", and a
 * backup of one namespace on demand must not count as the Schedule's run.
 */
function backupBody(options: {
  name: string;
  namespace: string;
  slug: string;
  schedule: VeleroObject;
  ttl?: string;
  taskId: string;
}) {
  const template = structuredClone(options.schedule.spec?.template ?? {});
  const scheduleName = options.schedule.metadata?.name ?? '';
  const { excludedNamespaces: _excluded, ...spec } = template as Record<
    string,
    unknown
  >;
  return {
    apiVersion: `${VELERO.group}/${VELERO.version}`,
    kind: 'Backup',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: {
        ...(template.metadata?.labels ??
          options.schedule.metadata?.labels ??
          {}),
        ...instanceLabels(options.slug),
        [FROM_SCHEDULE_LABEL]: scheduleName,
      },
      annotations: { 'launchpad.openedx.org/task-id': options.taskId },
    },
    spec: {
      ...spec,
      // Only the instance; the schedule's exclusions name other namespaces.
      includedNamespaces: [options.slug],
      ...(options.ttl ? { ttl: options.ttl } : {}),
    },
  };
}

async function getBackup(
  cluster: LaunchpadCluster,
  namespace: string,
  name: string,
): Promise<VeleroObject | undefined> {
  try {
    return (await cluster.kubernetes.custom.getNamespacedCustomObject({
      ...VELERO,
      plural: 'backups',
      namespace,
      name,
    })) as VeleroObject;
  } catch (error) {
    if (kubernetesStatus(error) === 404) return undefined;
    throw kubernetesError(error, {
      action: `read Velero backup ${namespace}/${name}`,
      cluster: cluster.name,
    });
  }
}

/** Why a finished backup is not good, or undefined when it is. */
function failureOf(
  backup: VeleroObject,
  record: BackupRecord,
  acceptPartiallyFailed: boolean,
): string | undefined {
  if (record.verdict === 'completed') return undefined;
  if (record.verdict === 'partially-failed') {
    return acceptPartiallyFailed
      ? undefined
      : `PartiallyFailed with ${record.errors ?? 0} errors and ${
          record.warnings ?? 0
        } warnings`;
  }
  if (record.verdict === 'failed') {
    const validation = backup.status?.validationErrors ?? [];
    const reason =
      record.failureReason ?? (validation.length ? validation.join('; ') : '');
    return `${record.phase}${reason ? `: ${reason}` : ''}`;
  }
  return undefined;
}

const isFinished = (record: BackupRecord) =>
  record.verdict === 'completed' ||
  record.verdict === 'partially-failed' ||
  record.verdict === 'failed';

/**
 * Polls the Backup until it finishes, logging each phase change (not every
 * poll). Times out, or stops on cancel, saying what it waited for.
 */
async function waitForBackup(options: {
  cluster: LaunchpadCluster;
  namespace: string;
  name: string;
  logger: LoggerService;
  signal?: AbortSignal;
  timeoutMs: number;
  pollMs: number;
}): Promise<{ backup: VeleroObject; record: BackupRecord }> {
  const { cluster, namespace, name, logger } = options;
  const deadline = Date.now() + options.timeoutMs;
  let lastPhase = '';
  for (;;) {
    const backup = await getBackup(cluster, namespace, name);
    if (!backup) {
      throw new NotFoundError(
        `Velero backup ${namespace}/${name} disappeared while waiting for it`,
      );
    }
    const record = deriveBackupRecord(backup);
    if (record.phase !== lastPhase) {
      logger.info(`Backup ${namespace}/${name}: ${record.phase}`);
      lastPhase = record.phase;
    }
    if (isFinished(record)) return { backup, record };
    if (record.phase === 'Deleting') {
      throw new Error(
        `Velero backup ${namespace}/${name} is being deleted (a DeleteBackupRequest) while waiting for it`,
      );
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${formatDuration(
          options.timeoutMs,
        )} waiting for Velero backup ${namespace}/${name} (last phase ${
          record.phase
        }); see velero backup describe ${name}`,
      );
    }
    try {
      await sleep(options.pollMs, options.signal);
    } catch (error) {
      throw new Error(
        `Stopped waiting for Velero backup ${namespace}/${name}: ${messageOf(
          error,
        )}`,
      );
    }
  }
}

/**
 * Creates (or finds) the portal's Backup of an instance namespace and waits
 * for it: the body of the checkpoint. A Backup of this task step that failed
 * is kept (Velero's data and logs of it stay inspectable; deleting the
 * object would not delete them, only a DeleteBackupRequest does) and the
 * next name, `<name>-r2`, is used; one that is running or done is waited for
 * instead of made again.
 */
export async function takeInstanceBackup(options: {
  cluster: LaunchpadCluster;
  slug: string;
  schedule: VeleroObject;
  baseKey: { taskId: string; stepId?: string };
  ttl?: string;
  acceptPartiallyFailed: boolean;
  auditor: AuditorService;
  logger: LoggerService;
  signal?: AbortSignal;
  timeoutMs: number;
  pollMs: number;
}): Promise<BackupResult> {
  const { cluster, slug, schedule, logger } = options;
  const namespace = schedule.metadata?.namespace ?? 'velero';
  const scheduleName = schedule.metadata?.name ?? '';
  const key = { ...options.baseKey, cluster: cluster.name };
  let name = '';
  for (let attempt = 1; ; attempt++) {
    if (attempt > MAX_ATTEMPTS) {
      throw new Error(
        `${MAX_ATTEMPTS} Velero backups of ${slug} from this step failed; not trying again (see velero backup get -l launchpad.openedx.org/instance=${slug})`,
      );
    }
    const candidate = portalBackupName(slug, key, attempt);
    name = candidate;
    const existing = await getBackup(cluster, namespace, candidate);
    if (!existing) {
      const body = backupBody({
        name: candidate,
        namespace,
        slug,
        schedule,
        ttl: options.ttl,
        taskId: options.baseKey.taskId,
      });
      await audited(
        options.auditor,
        {
          eventId: 'velero-backup',
          meta: {
            cluster: cluster.name,
            slug,
            backup: `${namespace}/${candidate}`,
            schedule: scheduleName,
          },
        },
        async () => {
          try {
            await cluster.kubernetes.custom.createNamespacedCustomObject({
              ...VELERO,
              plural: 'backups',
              namespace,
              body,
            });
          } catch (error) {
            throw kubernetesError(error, {
              action: `create Velero backup ${namespace}/${candidate}`,
              cluster: cluster.name,
            });
          }
        },
      );
      logger.info(
        `Created Velero backup ${namespace}/${candidate} of namespace ${slug} from schedule ${scheduleName}'s template`,
      );
      break;
    }
    const record = deriveBackupRecord(existing);
    if (
      isFinished(record) &&
      failureOf(existing, record, options.acceptPartiallyFailed)
    ) {
      logger.info(
        `Velero backup ${namespace}/${candidate} ended ${record.phase} earlier; making a new one`,
      );
      continue;
    }
    logger.info(
      `Velero backup ${namespace}/${candidate} already exists (${record.phase}); waiting for it instead of making another`,
    );
    break;
  }

  const { backup, record } = await waitForBackup({
    cluster,
    namespace,
    name,
    logger,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    pollMs: options.pollMs,
  });
  const failure = failureOf(backup, record, options.acceptPartiallyFailed);
  if (failure) {
    throw new Error(
      `Velero backup ${namespace}/${name} of ${slug} ${failure} (velero backup describe ${name} --details; velero backup logs ${name})`,
    );
  }
  if (record.verdict === 'partially-failed') {
    logger.warn(
      `Velero backup ${namespace}/${name} PartiallyFailed (${
        record.errors ?? 0
      } errors); accepted with acceptPartiallyFailed`,
    );
  }
  return {
    name,
    namespace,
    schedule: scheduleName,
    phase: record.phase,
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.completedAt ? { completedAt: record.completedAt } : {}),
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
  };
}

/**
 * `launchpad:velero:backup`: a Velero Backup of one instance namespace, made
 * from the Schedule that covers it and waited for; e.g. before an upgrade.
 */
export function createVeleroBackupAction(deps: LaunchpadActionDeps) {
  const { clusters, auditor } = deps;
  return createTemplateAction({
    id: 'launchpad:velero:backup',
    description:
      "Takes a Velero Backup of an instance namespace now, built from the spec.template of the enabled Velero Schedule that covers the namespace (includedNamespaces narrowed to the instance), named <slug>-portal-<hash of task and step> so a retried or recovered task finds it instead of making a second one, and waits until it is Completed (PartiallyFailed and Failed fail the step, with Velero's reason).",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (its namespace)'),
        schedule: z =>
          z
            .string({
              description:
                'The Velero Schedule whose template to use; default the best covering one (one naming the namespace, else the longest TTL)',
            })
            .optional(),
        ttl: z =>
          z
            .string({
              description:
                "How long Velero keeps the backup (a Go duration, e.g. 720h0m0s); default the schedule template's",
            })
            .regex(/^(\d+(\.\d+)?(h|m|s))+$/, 'a Go duration such as 720h0m0s')
            .optional(),
        acceptPartiallyFailed: z =>
          z
            .boolean({
              description:
                'Accept a PartiallyFailed backup (a warning) instead of failing the step; default false',
            })
            .optional(),
        timeoutMinutes: z =>
          z
            .number({
              description: `How long to wait for the backup; default ${DEFAULT_TIMEOUT_MINUTES}`,
            })
            .positive()
            .optional(),
        pollIntervalSeconds: z =>
          z
            .number({
              description: `Seconds between reads; default ${DEFAULT_POLL_SECONDS}`,
            })
            .positive()
            .optional(),
      },
      output: {
        name: z =>
          z.string({
            description: 'The Backup, e.g. demo-portal-3f2a91bc',
          }),
        namespace: z =>
          z.string({ description: "Velero's namespace, e.g. velero" }),
        schedule: z =>
          z.string({ description: 'The Schedule whose template it copies' }),
        phase: z =>
          z.string({
            description: 'Completed (or PartiallyFailed when accepted)',
          }),
        startedAt: z =>
          z.string({ description: 'status.startTimestamp' }).optional(),
        completedAt: z =>
          z.string({ description: 'status.completionTimestamp' }).optional(),
        expiresAt: z =>
          z
            .string({ description: 'status.expiration (start + TTL)' })
            .optional(),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadInstanceUpdatePermission,
        resourceRef: instanceEntityRef(cluster.name, slug),
        cluster: cluster.name,
      });
      const covering = await coveringSchedules(cluster, slug);
      const schedule = ctx.input.schedule
        ? covering.find(s => s.metadata?.name === ctx.input.schedule)
        : covering[0];
      if (!schedule) {
        const names = covering.map(s => s.metadata?.name).join(', ');
        throw new InputError(
          ctx.input.schedule
            ? `schedule: "${
                ctx.input.schedule
              }" is not an enabled Velero Schedule that includes namespace ${slug} on ${
                cluster.name
              }; those that do: ${names || 'none'}`
            : `No enabled Velero Schedule on ${cluster.name} includes namespace ${slug}: there is no template to back it up with (is Harmony's Velero installed, or the namespace excluded?)`,
        );
      }
      const baseKey = { taskId: ctx.task.id, stepId: ctx.step?.id };
      const namespace = schedule.metadata?.namespace ?? 'velero';
      const scheduleName = schedule.metadata?.name ?? '';
      if (ctx.isDryRun) {
        const name = portalBackupName(slug, {
          ...baseKey,
          cluster: cluster.name,
        });
        ctx.output('name', name);
        ctx.output('namespace', namespace);
        ctx.output('schedule', scheduleName);
        ctx.output('phase', 'New');
        ctx.logger.info(
          `Dry run: would create Velero backup ${namespace}/${name} of namespace ${slug} from schedule ${scheduleName}'s template (ttl ${
            ctx.input.ttl ?? schedule.spec?.template?.ttl ?? "Velero's default"
          }) and wait for it`,
        );
        return;
      }
      // One checkpoint for create and wait: a retried task whose backup
      // completed skips the step; a failed one is not stored, so the retry
      // makes the next attempt's backup.
      const result = await ctx.checkpoint({
        key: `velero-backup-${slug}`,
        fn: () =>
          takeInstanceBackup({
            cluster,
            slug,
            schedule,
            baseKey,
            ttl: ctx.input.ttl,
            acceptPartiallyFailed: ctx.input.acceptPartiallyFailed ?? false,
            auditor,
            logger: ctx.logger,
            signal: ctx.signal,
            timeoutMs:
              (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
            pollMs: pollIntervalMs(
              deps,
              ctx.input.pollIntervalSeconds,
              DEFAULT_POLL_SECONDS,
            ),
          }),
      });
      ctx.output('name', result.name);
      ctx.output('namespace', result.namespace);
      ctx.output('schedule', result.schedule);
      ctx.output('phase', result.phase);
      if (result.startedAt) ctx.output('startedAt', result.startedAt);
      if (result.completedAt) ctx.output('completedAt', result.completedAt);
      if (result.expiresAt) ctx.output('expiresAt', result.expiresAt);
    },
  });
}
