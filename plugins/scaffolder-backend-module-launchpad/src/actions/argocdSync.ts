import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  argoAppName,
  instanceEntityRef,
  launchpadArgocdSyncPermission,
} from '@internal/plugin-launchpad-common';
import {
  readApplicationProject,
  type ArgoCdApplication,
  type ArgoCdClient,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { examples } from './argocdSync.examples';
import {
  audited,
  authorizeLaunchpad,
  formatDuration,
  assertClusterCredentials,
  instanceClusterFromInput,
  instanceInputSchema,
  messageOf,
  sleep,
  type LaunchpadActionDeps,
  pollIntervalMs,
} from './shared';

const DEFAULT_TIMEOUT_MINUTES = 15;
const DEFAULT_POLL_SECONDS = 5;

/** The link to an Application in the ArgoCD UI (`/applications/<namespace>/<name>`). */
export function argocdAppUrl(argocd: ArgoCdClient, name: string): string {
  return `${argocd.uiUrl}/applications/argocd/${name}`;
}

/**
 * The instance's Application name and project, from
 * `instances/<slug>/application.yml` (the config editor writes project
 * `default`). ArgoCD answers a missing Application 404 only to a request that
 * names the project (403 "permission denied" otherwise), so the ArgoCD calls
 * send it. Without a readable application.yml (the folder is gone or still
 * being created), or for another Application than the one it names, no
 * project: ArgoCD (server/application/application.go getAppEnforceRBAC)
 * answers 404 for an existing Application in another project than the one
 * named, while without a project it serves it.
 */
export async function instanceApplication(
  cluster: LaunchpadCluster,
  slug: string,
  name = argoAppName(slug, cluster.config.environment),
): Promise<{ name: string; project?: string }> {
  try {
    return {
      name,
      project: await readApplicationProject(cluster.repository, slug, name),
    };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'NotFoundError')
      throw error;
  }
  return { name, project: undefined };
}

/**
 * `launchpad:argocd:sync`: syncs an instance's Application through the
 * ArgoCD API and optionally waits until it is Synced and Healthy.
 */
export function createArgocdSyncAction(deps: LaunchpadActionDeps) {
  const { clusters, auditor } = deps;
  return createTemplateAction({
    id: 'launchpad:argocd:sync',
    description:
      "Syncs an instance's ArgoCD Application (<slug>-<environment>) through the ArgoCD API and optionally waits until it is Synced and Healthy.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug'),
        application: z =>
          z
            .string({
              description: 'Application name; default <slug>-<environment>',
            })
            .optional(),
        prune: z =>
          z
            .boolean({
              description:
                'Prune resources no longer in git (default: the Application’s policy)',
            })
            .optional(),
        wait: z =>
          z
            .boolean({
              description: 'Wait until Synced and Healthy (default true)',
            })
            .optional(),
        timeoutMinutes: z =>
          z
            .number({
              description: `How long to wait; default ${DEFAULT_TIMEOUT_MINUTES}`,
            })
            .optional(),
        pollIntervalSeconds: z =>
          z
            .number({
              description: `Seconds between reads; default ${DEFAULT_POLL_SECONDS}`,
            })
            .optional(),
      },
      output: {
        application: z =>
          z.string({ description: 'Application name, e.g. demo-staging' }),
        syncStatus: z =>
          z.string({ description: 'Synced, OutOfSync or Unknown' }),
        healthStatus: z =>
          z.string({ description: 'Healthy, Progressing, Degraded, Missing…' }),
        revision: z =>
          z.string({ description: 'The git revision synced' }).optional(),
        url: z => z.string({ description: 'The Application in the ArgoCD UI' }),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      // With deps: waits for an instance new-openedx-instance has just created.
      await authorizeLaunchpad(
        deps.permissions,
        ctx,
        {
          permission: launchpadArgocdSyncPermission,
          resourceRef: instanceEntityRef(cluster.name, slug),
          cluster: cluster.name,
        },
        deps,
      );
      assertClusterCredentials(cluster, ['argocd']);
      const { argocd } = cluster;
      if (!argocd) {
        throw new InputError(
          `cluster "${cluster.name}" has no argocd block in launchpad.clusters`,
        );
      }
      const { name, project } = await instanceApplication(
        cluster,
        slug,
        ctx.input.application,
      );
      ctx.output('application', name);
      ctx.output('url', argocdAppUrl(argocd, name));
      if (ctx.isDryRun) {
        const app = await argocd.getApplication(name, { project });
        ctx.output('syncStatus', app.status?.sync?.status ?? 'Unknown');
        ctx.output('healthStatus', app.status?.health?.status ?? 'Unknown');
        ctx.logger.info(`Dry run: would sync ${name} on ${cluster.name}`);
        return;
      }
      const final = await ctx.checkpoint({
        key: `argocd-sync-${slug}`,
        fn: async () => {
          await startSync({
            argocd,
            name,
            project,
            prune: ctx.input.prune,
            auditor,
            logger: ctx.logger,
            meta: { cluster: cluster.name, slug },
          });
          const app =
            ctx.input.wait ?? true
              ? await waitSyncedHealthy({
                  argocd,
                  name,
                  project,
                  logger: ctx.logger,
                  signal: ctx.signal,
                  timeoutMs:
                    (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) *
                    60_000,
                  pollMs: pollIntervalMs(
                    deps,
                    ctx.input.pollIntervalSeconds,
                    DEFAULT_POLL_SECONDS,
                  ),
                })
              : await argocd.getApplication(name, { project });
          return {
            syncStatus: app.status?.sync?.status ?? 'Unknown',
            healthStatus: app.status?.health?.status ?? 'Unknown',
            revision: app.status?.sync?.revision ?? null,
          };
        },
      });
      ctx.output('syncStatus', final.syncStatus);
      ctx.output('healthStatus', final.healthStatus);
      if (final.revision) ctx.output('revision', final.revision);
    },
  });
}

/**
 * Starts a sync of the Application (audited); when another operation (an
 * automated sync) is running, that one is waited for instead.
 */
export async function startSync(options: {
  argocd: ArgoCdClient;
  name: string;
  /** The Application's project; undefined when unknown (see {@link instanceApplication}). */
  project?: string;
  prune?: boolean;
  auditor: LaunchpadActionDeps['auditor'];
  logger: LoggerService;
  meta: { cluster: string; slug: string };
}): Promise<void> {
  const { argocd, name, logger } = options;
  await audited(
    options.auditor,
    {
      eventId: 'argocd-sync',
      meta: { ...options.meta, application: name },
    },
    async () => {
      try {
        await argocd.sync(name, {
          project: options.project,
          ...(options.prune !== undefined ? { prune: options.prune } : {}),
        });
        logger.info(`Started a sync of ${name}`);
      } catch (error) {
        // Another operation (an automated sync) is running: wait for it.
        if (!(error instanceof Error) || error.name !== 'ConflictError')
          throw error;
        logger.info(`${name} is already syncing; waiting for that operation`);
      }
    },
  );
}

/**
 * Polls the Application until its operation has finished and it is Synced
 * and Healthy; a failed operation fails with ArgoCD's message. A line per
 * change of sync, health or operation phase. With `settle` (the upgrade's
 * verdict), Degraded after the operation (a Deployment past its progress
 * deadline: argo-cd pkg/health/health_deployment.go) and the timeout return
 * the Application instead of throwing.
 */
export async function waitSyncedHealthy(options: {
  argocd: ArgoCdClient;
  name: string;
  /** The Application's project; undefined when unknown (see {@link instanceApplication}). */
  project?: string;
  logger: LoggerService;
  signal?: AbortSignal;
  timeoutMs: number;
  pollMs: number;
  settle?: boolean;
  /** Not done until the Application is synced to this commit (the one just made). */
  revision?: string;
}): Promise<ArgoCdApplication> {
  const { argocd, name } = options;
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const app = await argocd.getApplication(name, {
      project: options.project,
    });
    const sync = app.status?.sync?.status ?? 'Unknown';
    const health = app.status?.health?.status ?? 'Unknown';
    const operation = app.status?.operationState;
    const phase = app.operation ? 'Pending' : operation?.phase ?? 'none';
    const state = `${name}: ${sync}, ${health} (operation ${phase})`;
    if (state !== last) {
      options.logger.info(state);
      last = state;
    }
    // At the commit just made: the compared revision is it, or the last
    // operation synced it. Another instance's commit on the branch (a fleet
    // wave) moves a Synced Application's compared revision past ours at
    // ArgoCD's next refresh, and that newer head contains our commit.
    const atRevision =
      options.revision === undefined ||
      app.status?.sync?.revision === options.revision ||
      (phase === 'Succeeded' &&
        (operation?.syncResult?.revision ??
          operation?.operation?.sync?.revision) === options.revision);
    const running =
      Boolean(app.operation) ||
      phase === 'Running' ||
      phase === 'Terminating' ||
      !atRevision;
    if (!running && (phase === 'Failed' || phase === 'Error')) {
      throw new Error(
        `Sync of ${name} ${phase}: ${
          operation?.message ?? 'no message'
        } (${argocdAppUrl(argocd, name)})`,
      );
    }
    if (!running && sync === 'Synced' && health === 'Healthy') return app;
    if (options.settle && !running && health === 'Degraded') return app;
    if (options.settle && Date.now() >= deadline) return app;
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${formatDuration(
          options.timeoutMs,
        )} waiting for ${name} to be Synced and Healthy (now ${sync}, ${health}); see ${argocdAppUrl(
          argocd,
          name,
        )}`,
      );
    }
    try {
      await sleep(options.pollMs, options.signal);
    } catch (error) {
      throw new Error(`Stopped waiting for ${name}: ${messageOf(error)}`);
    }
  }
}
