import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  instanceEntityRef,
  launchpadBuildDispatchPermission,
} from '@internal/plugin-launchpad-common';
import type {
  LaunchpadCluster,
  WorkflowRunInfo,
} from '@internal/plugin-launchpad-node';
import { examples } from './picassoBuild.examples';
import { buildsCurrentConfig, findActiveBuild } from './picassoRuns';
import {
  audited,
  authorizeLaunchpad,
  instanceClusterFromInput,
  instanceInputSchema,
  messageOf,
  sleep,
  type LaunchpadActionDeps,
} from './shared';

/** The cluster repository's Picasso workflow (DESIGN.md: Picasso builds). */
export const PICASSO_WORKFLOW = 'build.yml';
const IMAGE_KEYS = {
  openedx: 'DOCKER_IMAGE_OPENEDX',
  mfe: 'MFE_DOCKER_IMAGE',
} as const;
const DEFAULT_TIMEOUT_MINUTES = 60;
const DEFAULT_POLL_SECONDS = 10;
/** Builds dispatched per step at most (each retry after a failed build adds one). */
const MAX_BUILDS = 20;

/**
 * `launchpad:picasso:build`: dispatches the cluster repository's Picasso
 * `build.yml` for one instance and image, takes the run it started, waits
 * for it (job and step names as progress) and reads the new image tag back
 * from config.yml.
 */
export function createPicassoBuildAction(deps: LaunchpadActionDeps) {
  const { clusters, auditor } = deps;
  return createTemplateAction({
    id: 'launchpad:picasso:build',
    description:
      "Dispatches the cluster repository's Picasso build.yml for an instance's Open edX or MFE image, waits for the run (job and step names as progress) and outputs the run URL, its conclusion and the new image tag read back from config.yml.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (INSTANCE_NAME)'),
        service: z =>
          z
            .enum(['openedx', 'mfe'], {
              description: 'SERVICE: the image to build; default openedx',
            })
            .optional(),
        strainRepositoryBranch: z =>
          z
            .string({
              description:
                "STRAIN_REPOSITORY_BRANCH: the branch holding the instance's config; default the cluster repository's branch",
            })
            .optional(),
        edxPlatformRepository: z =>
          z
            .string({
              description: 'EDX_PLATFORM_REPOSITORY override for this build',
            })
            .optional(),
        edxPlatformVersion: z =>
          z
            .string({
              description: 'EDX_PLATFORM_VERSION override, e.g. release/teak.3',
            })
            .optional(),
        tutorVersion: z =>
          z
            .string({ description: 'TUTOR_VERSION override, e.g. v20.0.5' })
            .optional(),
        ifRunning: z =>
          z
            .enum(['refuse', 'wait'], {
              description:
                "When a build of the same instance and service is already queued or in progress: 'refuse' (default) fails with its URL; 'wait' waits for it and takes its result when it builds the current config.yml with no overrides, or dispatches after it finishes otherwise. Never a duplicate",
            })
            .optional(),
        wait: z =>
          z
            .boolean({
              description: 'Wait for the run to finish (default true)',
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
              description: `Seconds between run reads; default ${DEFAULT_POLL_SECONDS}`,
            })
            .optional(),
      },
      output: {
        runId: z => z.number({ description: 'The workflow run id' }),
        runUrl: z => z.string({ description: "The run's page on GitHub" }),
        conclusion: z =>
          z
            .string({
              description:
                'success (a failure fails the step); absent when not waiting',
            })
            .optional(),
        image: z =>
          z
            .string({
              description:
                'The new image (DOCKER_IMAGE_OPENEDX or MFE_DOCKER_IMAGE) read back from config.yml',
            })
            .optional(),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const service = ctx.input.service ?? 'openedx';
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadBuildDispatchPermission,
        resourceRef: instanceEntityRef(cluster.name, slug),
        cluster: cluster.name,
      });
      const { repository } = cluster;
      const branch = ctx.input.strainRepositoryBranch ?? repository.branch;
      const inputs: Record<string, string> = {
        INSTANCE_NAME: slug,
        SERVICE: service,
        STRAIN_REPOSITORY_BRANCH: branch,
        ...(ctx.input.edxPlatformRepository
          ? { EDX_PLATFORM_REPOSITORY: ctx.input.edxPlatformRepository }
          : {}),
        ...(ctx.input.edxPlatformVersion
          ? { EDX_PLATFORM_VERSION: ctx.input.edxPlatformVersion }
          : {}),
        ...(ctx.input.tutorVersion
          ? { TUTOR_VERSION: ctx.input.tutorVersion }
          : {}),
      };
      const ifRunning = ctx.input.ifRunning ?? 'refuse';
      // Overrides (or another branch) make the build differ from one
      // dispatched with the config.yml alone: never taken over.
      const plainBuild =
        Object.keys(inputs).length === 3 && branch === repository.branch;
      const refuseOrWait = async (): Promise<WorkflowRunInfo | undefined> => {
        const { active, untitled } = await findActiveBuild(
          cluster,
          PICASSO_WORKFLOW,
          slug,
          service,
        );
        if (!active) {
          if (untitled) {
            ctx.logger.warn(
              `${untitled} ${PICASSO_WORKFLOW} run(s) in progress have no run-name naming the instance; a build of ${slug} among them cannot be recognised (set run-name: Build \${{ inputs.SERVICE }} image for \${{ inputs.INSTANCE_NAME }})`,
            );
          }
          return undefined;
        }
        if (ifRunning === 'refuse') {
          throw new InputError(
            `A build of the ${service} image of ${slug} on ${cluster.name} is already ${active.status}: ${active.htmlUrl}; wait for it, or run with ifRunning: wait`,
          );
        }
        return repository.writer.getRun(active.id);
      };

      if (ctx.isDryRun) {
        await repository.readInstance(slug);
        const active = await refuseOrWait();
        if (active) {
          ctx.logger.info(
            `Dry run: a ${service} build of ${slug} is ${active.status} (${active.htmlUrl}); would wait for it rather than dispatch a duplicate`,
          );
        }
        ctx.output('runId', 0);
        ctx.output(
          'runUrl',
          `https://github.com/${repository.owner}/${repository.repo}/actions`,
        );
        ctx.logger.info(
          `Dry run: would dispatch ${PICASSO_WORKFLOW} on ${repository.owner}/${
            repository.repo
          } with ${Object.entries(inputs)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        );
        return;
      }

      // One checkpoint per dispatched build, numbered: a retried task skips
      // builds that failed (their stored run is read again) and dispatches
      // the next; a recovered task finds the run it started and waits for it.
      let run: WorkflowRunInfo | undefined;
      for (let n = 1; n <= MAX_BUILDS; n++) {
        let dispatchedNow = false;
        const dispatched = await ctx.checkpoint({
          key: `build-${slug}-${service}-${n}`,
          fn: async () => {
            // A build of the same instance and service already running
            // (another task, a person in the Actions tab): refused, or
            // waited for; never a second one.
            for (let active = await refuseOrWait(); active; ) {
              if (plainBuild) {
                const same = await buildsCurrentConfig(cluster, slug, {
                  id: active.id,
                  htmlUrl: active.htmlUrl,
                  status: active.status ?? 'queued',
                  headSha: active.headSha,
                  displayTitle: active.displayTitle,
                });
                if (same) {
                  ctx.logger.info(
                    `A build of the ${service} image of ${slug} is already ${active.status} with the current config.yml: ${active.htmlUrl}; waiting for it instead of dispatching another`,
                  );
                  dispatchedNow = true;
                  return { runId: active.id, htmlUrl: active.htmlUrl };
                }
              }
              ctx.logger.info(
                `A build of the ${service} image of ${slug} is ${
                  active.status
                } (${active.htmlUrl}) with ${
                  plainBuild ? 'an older config.yml' : 'other inputs'
                }; waiting for it to finish before dispatching this one`,
              );
              await waitForRun({
                cluster,
                runId: active.id,
                logger: ctx.logger,
                signal: ctx.signal,
                timeoutMs:
                  (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) *
                  60_000,
                pollMs:
                  (ctx.input.pollIntervalSeconds ?? DEFAULT_POLL_SECONDS) *
                  1000,
              });
              active = await refuseOrWait();
            }
            const result = await audited(
              auditor,
              {
                eventId: 'picasso-build',
                meta: { cluster: cluster.name, slug, service, branch },
              },
              () =>
                repository.writer.dispatchWorkflow({
                  workflow: PICASSO_WORKFLOW,
                  ref: repository.branch,
                  inputs,
                }),
              r => ({ runId: r.runId, runUrl: r.htmlUrl }),
            );
            ctx.logger.info(
              `Dispatched ${PICASSO_WORKFLOW} for ${slug} (${service}): ${result.htmlUrl}`,
            );
            dispatchedNow = true;
            return { runId: result.runId, htmlUrl: result.htmlUrl };
          },
        });
        run = await repository.writer.getRun(dispatched.runId);
        if (
          !dispatchedNow &&
          run.status === 'completed' &&
          run.conclusion !== 'success'
        ) {
          // A failed build of an earlier attempt: dispatch the next one.
          continue;
        }
        break;
      }
      if (!run)
        throw new Error(
          `More than ${MAX_BUILDS} builds of ${slug} in one step`,
        );
      ctx.output('runId', run.id);
      ctx.output('runUrl', run.htmlUrl);
      if (!(ctx.input.wait ?? true)) return;

      const finished = await waitForRun({
        cluster,
        runId: run.id,
        logger: ctx.logger,
        signal: ctx.signal,
        timeoutMs:
          (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
        pollMs: (ctx.input.pollIntervalSeconds ?? DEFAULT_POLL_SECONDS) * 1000,
      });
      ctx.output('conclusion', finished.conclusion ?? 'unknown');
      if (finished.conclusion !== 'success') {
        throw new Error(
          `Picasso build of the ${service} image for ${slug} concluded ${finished.conclusion}: ${finished.htmlUrl}`,
        );
      }
      const read = await repository.readInstance(slug);
      const image = read.config?.[IMAGE_KEYS[service]];
      if (typeof image === 'string') {
        ctx.output('image', image);
        ctx.logger.info(`${slug} now runs ${IMAGE_KEYS[service]} ${image}`);
      }
    },
  });
}

/**
 * Polls the run until it completes, logging each job's and step's status
 * change (not every poll).
 */
async function waitForRun(options: {
  cluster: LaunchpadCluster;
  runId: number;
  logger: LoggerService;
  signal?: AbortSignal;
  timeoutMs: number;
  pollMs: number;
}): Promise<WorkflowRunInfo> {
  const { writer } = options.cluster.repository;
  const seen = new Map<string, string>();
  const deadline = Date.now() + options.timeoutMs;
  const note = (key: string, state: string, line: string) => {
    if (seen.get(key) === state) return;
    seen.set(key, state);
    options.logger.info(line);
  };
  for (;;) {
    const run = await writer.getRun(options.runId);
    note('run', run.status ?? '', `Run ${run.runNumber} ${run.status}`);
    for (const job of await writer.listJobs(options.runId)) {
      const jobState = job.conclusion ?? job.status;
      note(`job-${job.id}`, jobState, `Job "${job.name}": ${jobState}`);
      for (const step of job.steps) {
        const stepState = step.conclusion ?? step.status;
        if (stepState === 'queued') continue;
        note(
          `step-${job.id}-${step.number}`,
          stepState,
          `Job "${job.name}", step "${step.name}": ${stepState}`,
        );
      }
    }
    if (run.status === 'completed') return run;
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${Math.round(
          options.timeoutMs / 60_000,
        )} min waiting for build run ${run.htmlUrl} (status ${run.status})`,
      );
    }
    try {
      await sleep(options.pollMs, options.signal);
    } catch (error) {
      throw new Error(
        `Stopped waiting for build run ${run.htmlUrl}: ${messageOf(error)}`,
      );
    }
  }
}
