import type { LoggerService } from '@backstage/backend-plugin-api';
import type { JsonValue } from '@backstage/types';
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
  formatDuration,
  instanceClusterFromInput,
  instanceInputSchema,
  messageOf,
  sleep,
  type LaunchpadActionDeps,
  pollIntervalMs,
} from './shared';

/** The cluster repository's Picasso workflow (DESIGN.md: Picasso builds). */
export const PICASSO_WORKFLOW = 'build.yml';
export const IMAGE_KEYS = {
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
      // With deps: waits for an instance new-openedx-instance has just created.
      await authorizeLaunchpad(
        deps.permissions,
        ctx,
        {
          permission: launchpadBuildDispatchPermission,
          resourceRef: instanceEntityRef(cluster.name, slug),
          cluster: cluster.name,
        },
        deps,
      );
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

      if (ctx.isDryRun) {
        await repository.readInstance(slug);
        const { active } = await activeBuildOf(cluster, slug, service, {
          ifRunning,
          logger: ctx.logger,
        });
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

      const result = await buildInstanceImage({
        cluster,
        slug,
        service,
        inputs,
        ifRunning,
        wait: ctx.input.wait ?? true,
        auditor,
        logger: ctx.logger,
        signal: ctx.signal,
        checkpoint: (key, fn) => ctx.checkpoint({ key, fn }),
        timeoutMs:
          (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
        pollMs: pollIntervalMs(
          deps,
          ctx.input.pollIntervalSeconds,
          DEFAULT_POLL_SECONDS,
        ),
        onRun: run => {
          ctx.output('runId', run.id);
          ctx.output('runUrl', run.htmlUrl);
        },
      });
      if (!result.conclusion) return;
      ctx.output('conclusion', result.conclusion);
      if (result.conclusion !== 'success') {
        throw new Error(
          `Picasso build of the ${service} image for ${slug} concluded ${result.conclusion}: ${result.runUrl}`,
        );
      }
      if (result.image) ctx.output('image', result.image);
    },
  });
}

/** One Picasso build's outcome (plain JSON). */
export type ImageBuild = {
  service: 'openedx' | 'mfe';
  runId: number;
  runUrl: string;
  /** Absent when not waited for. */
  conclusion?: string;
  /** The image config.yml names after a successful build. */
  image?: string;
};

/** The active build of the instance's service, refused (InputError with its URL) under ifRunning refuse. */
async function activeBuildOf(
  cluster: LaunchpadCluster,
  slug: string,
  service: 'openedx' | 'mfe',
  options: { ifRunning: 'refuse' | 'wait'; logger: LoggerService },
): Promise<{ active?: WorkflowRunInfo }> {
  const { active, untitled } = await findActiveBuild(
    cluster,
    PICASSO_WORKFLOW,
    slug,
    service,
  );
  if (!active) {
    if (untitled) {
      options.logger.warn(
        `${untitled} ${PICASSO_WORKFLOW} run(s) in progress have no run-name naming the instance; a build of ${slug} among them cannot be recognised (set run-name: Build \${{ inputs.SERVICE }} image for \${{ inputs.INSTANCE_NAME }})`,
      );
    }
    return {};
  }
  if (options.ifRunning === 'refuse') {
    throw new InputError(
      `A build of the ${service} image of ${slug} on ${cluster.name} is already ${active.status}: ${active.htmlUrl}; wait for it, or run with ifRunning: wait`,
    );
  }
  return { active: await cluster.repository.writer.getRun(active.id) };
}

/**
 * Dispatches (or takes over) one Picasso build of an instance's image and
 * waits for it: the body of launchpad:picasso:build, shared with
 * launchpad:instance:upgrade. Each dispatch is behind `checkpoint` under
 * `<keyPrefix>-<slug>-<service>-<n>`: a retried task skips builds that
 * failed (their stored run is read again) and dispatches the next; a
 * recovered task finds the run it started and waits for it. A build of the
 * same instance and service already running is refused, or (ifRunning
 * wait) waited for and taken when it builds the current config.yml with
 * no overrides; never a duplicate. A failed build is returned (conclusion),
 * not thrown.
 */
export async function buildInstanceImage(options: {
  cluster: LaunchpadCluster;
  slug: string;
  service: 'openedx' | 'mfe';
  /** The workflow inputs (INSTANCE_NAME, SERVICE, STRAIN_REPOSITORY_BRANCH, overrides). */
  inputs: Record<string, string>;
  ifRunning: 'refuse' | 'wait';
  wait?: boolean;
  auditor: LaunchpadActionDeps['auditor'];
  logger: LoggerService;
  signal?: AbortSignal;
  checkpoint: <T extends JsonValue>(
    key: string,
    fn: () => Promise<T>,
  ) => Promise<T>;
  /** Default `build`, as launchpad:picasso:build has always keyed them. */
  keyPrefix?: string;
  timeoutMs: number;
  pollMs: number;
  /** Told the run as soon as it is known (before the wait). */
  onRun?: (run: WorkflowRunInfo) => void;
}): Promise<ImageBuild> {
  const { cluster, slug, service, inputs, ifRunning, logger } = options;
  const { repository } = cluster;
  const branch = inputs.STRAIN_REPOSITORY_BRANCH ?? repository.branch;
  // Overrides (or another branch) make the build differ from one
  // dispatched with the config.yml alone: never taken over.
  const plainBuild =
    Object.keys(inputs).length === 3 && branch === repository.branch;
  const refuseOrWait = async () =>
    (await activeBuildOf(cluster, slug, service, { ifRunning, logger })).active;
  const prefix = options.keyPrefix ?? 'build';

  let run: WorkflowRunInfo | undefined;
  for (let n = 1; n <= MAX_BUILDS; n++) {
    let dispatchedNow = false;
    const dispatched = await options.checkpoint(
      `${prefix}-${slug}-${service}-${n}`,
      async () => {
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
              logger.info(
                `A build of the ${service} image of ${slug} is already ${active.status} with the current config.yml: ${active.htmlUrl}; waiting for it instead of dispatching another`,
              );
              dispatchedNow = true;
              return { runId: active.id, htmlUrl: active.htmlUrl };
            }
          }
          logger.info(
            `A build of the ${service} image of ${slug} is ${active.status} (${
              active.htmlUrl
            }) with ${
              plainBuild ? 'an older config.yml' : 'other inputs'
            }; waiting for it to finish before dispatching this one`,
          );
          await waitForRun({
            cluster,
            runId: active.id,
            logger,
            signal: options.signal,
            timeoutMs: options.timeoutMs,
            pollMs: options.pollMs,
          });
          active = await refuseOrWait();
        }
        const result = await audited(
          options.auditor,
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
        logger.info(
          `Dispatched ${PICASSO_WORKFLOW} for ${slug} (${service}): ${result.htmlUrl}`,
        );
        dispatchedNow = true;
        return { runId: result.runId, htmlUrl: result.htmlUrl };
      },
    );
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
    throw new Error(`More than ${MAX_BUILDS} builds of ${slug} in one step`);
  options.onRun?.(run);
  const build: ImageBuild = { service, runId: run.id, runUrl: run.htmlUrl };
  if (!(options.wait ?? true)) return build;

  const finished = await waitForRun({
    cluster,
    runId: run.id,
    logger,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    pollMs: options.pollMs,
  });
  build.conclusion = finished.conclusion ?? 'unknown';
  if (build.conclusion !== 'success') return build;
  const read = await repository.readInstance(slug);
  const image = read.config?.[IMAGE_KEYS[service]];
  if (typeof image === 'string') {
    build.image = image;
    logger.info(`${slug} now runs ${IMAGE_KEYS[service]} ${image}`);
  }
  return build;
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
        `Timed out after ${formatDuration(
          options.timeoutMs,
        )} waiting for build run ${run.htmlUrl} (status ${run.status})`,
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
