import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { assertError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';
import { launchpadFleetUpgradePermission } from '@internal/plugin-launchpad-common';
import { examples } from './fleetUpgrade.examples';
import {
  planWaves,
  reportTable,
  selectFleet,
  Semaphore,
  type FleetReportRow,
  type FleetSkipped,
} from './fleetPlan';
import { checkChange, checkReleaseMatchesTutor } from './instanceConfigChange';
import type { InstanceCreateDeps } from './instanceCreate';
import {
  upgradeInstance,
  type UpgradeInstanceOptions,
  type UpgradeInstanceResult,
} from './instanceUpgrade';
import {
  authorizeLaunchpad,
  clusterFromInput,
  messageOf,
  pollIntervalMs,
} from './shared';

const DEFAULT_CANARIES = 1;
const DEFAULT_WAVE_SIZE = 5;
/** When `launchpad.fleet.buildConcurrency` is not set. */
export const DEFAULT_BUILD_CONCURRENCY = 2;
const DEFAULT_HEALTHY_TIMEOUT_MINUTES = 15;
/** Parallel config.yml reads while planning. */
const PLAN_READ_CONCURRENCY = 8;
const SERVICES = ['openedx', 'mfe'] as const;
type Service = (typeof SERVICES)[number];
const DEFAULT_POLL_SECONDS = 10;

/** What the fleet upgrade runs per instance: {@link upgradeInstance}, replaced in tests. */
export type UpgradeFn = (
  options: UpgradeInstanceOptions,
) => Promise<UpgradeInstanceResult>;

export interface FleetUpgradeDeps extends InstanceCreateDeps {
  /** Reads `launchpad.fleet.buildConcurrency` (once, when the action is built). */
  config?: RootConfigService;
  /** The single-instance upgrade; default {@link upgradeInstance}. */
  upgrade?: UpgradeFn;
}

/** The stored plan (checkpointed: a retried or recovered task keeps its order). */
type FleetPlan = {
  release: string;
  tutorVersion: string;
  /** In upgrade order: the first ones are the canaries. */
  candidates: string[];
  alreadyAtTarget: string[];
  skipped: FleetSkipped[];
};

/** One instance's result as the report keeps it. */
type Settled = {
  slug: string;
  wave: string;
  outcome: UpgradeInstanceResult['outcome'];
  failedStep?: string;
  message?: string;
  /** Settled by an earlier attempt of this task (a retry): not run again. */
  earlier: boolean;
};

/** A logger whose lines name the instance: a wave's upgrades interleave in one task log. */
function prefixed(logger: LoggerService, prefix: string): LoggerService {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, meta?: Error | JsonObject) =>
      logger[level](`${prefix} ${message}`, meta);
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: meta => prefixed(logger.child(meta), prefix),
  };
}

/** `items` mapped with at most `limit` calls in flight. */
async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const gate = new Semaphore(limit);
  return Promise.all(items.map(item => gate.run(() => fn(item))));
}

function wholeNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 1,
): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(
      `${name}: ${n} must be a whole number of at least ${min}`,
    );
  }
  return n;
}

/**
 * `launchpad:fleet:upgrade`: upgrades a cluster's instances (selected from
 * the catalog by release, owner or an explicit list) to a release and Tutor
 * version in waves: the canaries first, which must all end upgraded and
 * Healthy, then waves of `waveSize` in parallel, their Picasso builds
 * `buildConcurrency` at a time. Each instance goes through `upgradeInstance`
 * (backup, update, builds, sync and wait Healthy, roll back in one commit
 * otherwise). The first instance that ends rolled back or failed halts the
 * fleet: the wave's other upgrades finish, no further wave starts, and the
 * step fails with the report.
 *
 * Re-running the task (`POST /v2/tasks/:id/retry`, or a recovered task)
 * continues where it stopped: the plan, each instance's upgrade and every
 * side effect inside it are checkpointed with the slug. Instances an earlier
 * attempt rolled back are held back, not retried; start a new task to try
 * them again.
 */
export function createFleetUpgradeAction(deps: FleetUpgradeDeps) {
  const { clusters, catalog, auth } = deps;
  const upgrade = deps.upgrade ?? upgradeInstance;
  const configuredConcurrency =
    deps.config?.getOptionalNumber('launchpad.fleet.buildConcurrency') ??
    DEFAULT_BUILD_CONCURRENCY;
  return createTemplateAction({
    id: 'launchpad:fleet:upgrade',
    description:
      "Upgrades a cluster's Open edX instances (by release, owner or an explicit list) to a release and Tutor version in waves: canaries first, then waves in parallel with their builds through a concurrency limit; each instance backed up, updated, built, synced and rolled back if not Healthy. Halts at the first instance that fails or rolls back and reports upgraded, failed-and-rolled-back and untouched instances; a retry continues with the untouched ones.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        cluster: z =>
          z.string({ description: 'Cluster name from launchpad.clusters' }),
        filter: z =>
          z
            .object(
              {
                release: z
                  .string({
                    description:
                      'Only instances on this release: a name (teak) or a full release (release/teak.3)',
                  })
                  .optional(),
                owner: z
                  .string({
                    description:
                      'Only instances owned by this group, e.g. group:default/physics-dept',
                  })
                  .optional(),
                slugs: z
                  .array(z.string(), {
                    description:
                      'Only these instances, upgraded in this order (the first ones are the canaries)',
                  })
                  .optional(),
                exclude: z
                  .array(z.string(), {
                    description:
                      'Leave these instances out (e.g. those a halted task rolled back)',
                  })
                  .optional(),
              },
              {
                description:
                  "Which of the cluster's instances to upgrade; every field given must match; default all",
              },
            )
            .optional(),
        release: z =>
          z.string({
            description:
              'Target EDX_PLATFORM_VERSION: release/<name>.<n> or <name>.<n>',
          }),
        tutorVersion: z =>
          z.string({
            description:
              'Target TUTOR_VERSION, v<major>.<minor>.<patch>; its major must match the release',
          }),
        canaries: z =>
          z
            .number({
              description: `Instances upgraded first, alone, which must all end upgraded and Healthy before any wave; default ${DEFAULT_CANARIES}`,
            })
            .optional(),
        waveSize: z =>
          z
            .number({
              description: `Instances upgraded in parallel per wave after the canaries; default ${DEFAULT_WAVE_SIZE}`,
            })
            .optional(),
        buildConcurrency: z =>
          z
            .number({
              description: `Picasso builds running at once across the wave; default launchpad.fleet.buildConcurrency, or ${DEFAULT_BUILD_CONCURRENCY}`,
            })
            .optional(),
        healthyTimeoutMinutes: z =>
          z
            .number({
              description: `How long each instance may take to become Healthy after its sync before it is rolled back; default ${DEFAULT_HEALTHY_TIMEOUT_MINUTES}`,
            })
            .optional(),
        services: z =>
          z
            .array(z.enum(SERVICES), {
              description: 'Images to build per instance; default both',
            })
            .optional(),
        pollIntervalSeconds: z =>
          z
            .number({
              description: `Seconds between reads of each backup, build and Application; default ${DEFAULT_POLL_SECONDS}`,
            })
            .optional(),
        dryRun: z =>
          z
            .boolean({
              description:
                'Only plan: output the canaries, the waves and what is already at the target; change nothing',
            })
            .optional(),
      },
      output: {
        plan: z =>
          z
            .object({
              canaries: z.array(z.string()),
              waves: z.array(z.array(z.string())),
              alreadyAtTarget: z.array(z.string()),
              skipped: z.array(
                z.object({ slug: z.string(), reason: z.string() }),
              ),
            })
            .describe(
              'The plan: canaries, waves, instances already at the target, instances skipped and why',
            ),
        upgraded: z =>
          z
            .array(z.string())
            .describe('Instances upgraded and Healthy (by this task)'),
        alreadyAtTarget: z =>
          z
            .array(z.string())
            .describe(
              'Instances whose config.yml already had the target release and Tutor version: done, not upgraded again',
            ),
        failedAndRolledBack: z =>
          z
            .array(
              z.object({
                slug: z.string(),
                outcome: z.string(),
                failedStep: z.string().optional(),
                message: z.string().optional(),
                earlier: z.boolean(),
              }),
            )
            .describe(
              'Instances that failed (outcome rolled-back: restored to their previous images and settings; failed: not changed, or the rollback failed too), with the step and the reason; earlier: by an earlier attempt of this task, not retried',
            ),
        untouched: z =>
          z
            .array(z.string())
            .describe('Instances not started (after a halt, or in a dry run)'),
        halted: z =>
          z
            .boolean()
            .describe('Whether an instance failed and the fleet stopped'),
        report: z =>
          z
            .string()
            .describe('The report as a text table, one row per instance'),
      },
    },
    async handler(ctx) {
      const cluster = clusterFromInput(clusters, ctx.input.cluster);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadFleetUpgradePermission,
        cluster: cluster.name,
      });
      // The target, checked as instance:update checks a change.
      const target = checkChange(
        {
          EDX_PLATFORM_VERSION: ctx.input.release,
          TUTOR_VERSION: ctx.input.tutorVersion,
        },
        { allowSecrets: false },
      );
      checkReleaseMatchesTutor(target);
      const release = String(target.EDX_PLATFORM_VERSION);
      const tutorVersion = String(target.TUTOR_VERSION);
      const canaries = wholeNumber(
        'canaries',
        ctx.input.canaries,
        DEFAULT_CANARIES,
        0,
      );
      const waveSize = wholeNumber(
        'waveSize',
        ctx.input.waveSize,
        DEFAULT_WAVE_SIZE,
      );
      const buildConcurrency = wholeNumber(
        'buildConcurrency',
        ctx.input.buildConcurrency,
        configuredConcurrency,
      );
      const healthyTimeoutMinutes =
        ctx.input.healthyTimeoutMinutes ?? DEFAULT_HEALTHY_TIMEOUT_MINUTES;
      if (!(healthyTimeoutMinutes > 0)) {
        throw new InputError(
          `healthyTimeoutMinutes: ${healthyTimeoutMinutes} must be more than 0`,
        );
      }
      const pollSeconds =
        pollIntervalMs(
          deps,
          ctx.input.pollIntervalSeconds,
          DEFAULT_POLL_SECONDS,
        ) / 1000;
      if (!(pollSeconds > 0)) {
        throw new InputError(
          `pollIntervalSeconds: ${pollSeconds} must be more than 0`,
        );
      }
      const services: Service[] = [...new Set(ctx.input.services ?? SERVICES)];
      if (!services.length) {
        throw new InputError('services: name at least one image to build');
      }

      const makePlan = async (): Promise<FleetPlan> => {
        const { slugs, skipped } = await selectFleet({
          catalog,
          credentials: await auth.getOwnServiceCredentials(),
          cluster: cluster.name,
          filter: ctx.input.filter ?? {},
        });
        // config.yml, not the catalog, says what an instance runs: the
        // catalog lags the repository by a refresh.
        const states = await mapLimited(
          slugs,
          PLAN_READ_CONCURRENCY,
          async slug => {
            const read = await cluster.repository.readInstance(slug);
            if (!read.config) {
              const why = read.errors.map(e => e.message).join('; ');
              return { slug, skipped: why || 'no config.yml' };
            }
            const at =
              read.config.EDX_PLATFORM_VERSION === release &&
              read.config.TUTOR_VERSION === tutorVersion;
            return { slug, at };
          },
        );
        return {
          release,
          tutorVersion,
          candidates: states
            .filter(s => !('skipped' in s) && !s.at)
            .map(s => s.slug),
          alreadyAtTarget: states
            .filter(s => !('skipped' in s) && s.at)
            .map(s => s.slug),
          skipped: [
            ...skipped,
            ...states.flatMap(s =>
              'skipped' in s && s.skipped
                ? [{ slug: s.slug, reason: s.skipped }]
                : [],
            ),
          ],
        };
      };

      const dryRun = ctx.isDryRun || (ctx.input.dryRun ?? false);
      // The plan is fixed by the first attempt: on a retry, an instance whose
      // update landed but whose builds did not is still "to upgrade", not
      // "already at the target".
      const plan = dryRun
        ? await makePlan()
        : await ctx.checkpoint({
            key: `fleet-plan-${cluster.name}`,
            fn: makePlan,
          });
      const nominal = planWaves(plan.candidates, { canaries, waveSize });
      ctx.output('plan', {
        ...nominal,
        alreadyAtTarget: plan.alreadyAtTarget,
        skipped: plan.skipped,
      });
      ctx.output('alreadyAtTarget', plan.alreadyAtTarget);
      ctx.logger.info(
        `Fleet upgrade of ${
          cluster.name
        } to ${release} (Tutor ${tutorVersion}): ${
          plan.candidates.length
        } to upgrade (canaries: ${nominal.canaries.join(', ') || 'none'}; ${
          nominal.waves.length
        } wave(s) of up to ${waveSize}; ${buildConcurrency} build(s) at a time), ${
          plan.alreadyAtTarget.length
        } already at the target${
          plan.skipped.length ? `, ${plan.skipped.length} skipped` : ''
        }`,
      );

      const waveOf = (slug: string) =>
        nominal.canaries.includes(slug)
          ? 'canary'
          : `wave ${nominal.waves.findIndex(w => w.includes(slug)) + 1}`;
      const settled: Settled[] = [];
      const finish = (started: Set<string>, halted: boolean) => {
        const untouched = plan.candidates.filter(s => !started.has(s));
        const failed = settled.filter(s => s.outcome !== 'upgraded');
        ctx.output(
          'upgraded',
          settled.filter(s => s.outcome === 'upgraded').map(s => s.slug),
        );
        ctx.output(
          'failedAndRolledBack',
          failed.map(s => ({
            slug: s.slug,
            outcome: s.outcome,
            ...(s.failedStep ? { failedStep: s.failedStep } : {}),
            ...(s.message ? { message: s.message } : {}),
            earlier: s.earlier,
          })),
        );
        ctx.output('untouched', untouched);
        ctx.output('halted', halted);
        const rows: FleetReportRow[] = [
          ...settled.map(s => ({
            slug: s.slug,
            wave: s.wave,
            outcome:
              s.earlier && s.outcome !== 'upgraded'
                ? `${s.outcome} (earlier, held back)`
                : s.outcome,
            // An upgraded instance's message only repeats its outcome.
            detail:
              s.outcome === 'upgraded'
                ? undefined
                : [s.failedStep, s.message].filter(Boolean).join(': '),
          })),
          ...untouched.map(slug => ({
            slug,
            wave: dryRun ? waveOf(slug) : '-',
            outcome: dryRun ? 'planned' : 'untouched',
          })),
          ...plan.alreadyAtTarget.map(slug => ({
            slug,
            wave: '-',
            outcome: 'already at target',
          })),
          ...plan.skipped.map(s => ({
            slug: s.slug,
            wave: '-',
            outcome: 'skipped',
            detail: s.reason,
          })),
        ];
        const table = reportTable(rows);
        ctx.output('report', table);
        ctx.logger.info(`Fleet report:\n${table}`);
        return { untouched, failed };
      };

      if (dryRun) {
        ctx.logger.info(
          `Dry run: would upgrade ${plan.candidates.length} instance(s); nothing changed`,
        );
        finish(new Set(), false);
        return;
      }

      const credentials = await ctx.getInitiatorCredentials();
      const gate = new Semaphore(buildConcurrency);
      const upgradeOne = async (slug: string, wave: string) => {
        let ranNow = false;
        try {
          const result = await ctx.checkpoint({
            key: `fleet-upgrade-${cluster.name}-${slug}`,
            fn: async () => {
              ranNow = true;
              const r = await upgrade({
                deps,
                credentials,
                logger: prefixed(ctx.logger, `[${slug}]`),
                // Every key of the instance's upgrade carries its slug.
                checkpoint: <T>(key: string, fn: () => Promise<T>) =>
                  ctx.checkpoint({
                    key: `fleet-${slug}-${key}`,
                    fn: fn as () => Promise<JsonValue>,
                  }) as Promise<T>,
                signal: ctx.signal,
                cluster: cluster.name,
                slug,
                release,
                tutorVersion,
                services,
                healthyTimeoutMs: healthyTimeoutMinutes * 60_000,
                ifRunning: 'wait',
                build: <T>(fn: () => Promise<T>) => gate.run(fn),
                // The same task step names the same backup of each instance.
                backupKey: { taskId: ctx.task.id, stepId: ctx.step?.id },
                pollMs: pollSeconds * 1000,
              });
              // Stored as JSON with the task.
              return JSON.parse(JSON.stringify(r)) as JsonObject;
            },
          });
          const r = result as unknown as UpgradeInstanceResult;
          return {
            slug,
            wave,
            outcome: r.outcome,
            failedStep: r.failedStep,
            message: r.message,
            earlier: !ranNow,
          } satisfies Settled;
        } catch (error) {
          assertError(error);
          if (ctx.signal?.aborted) throw error;
          // Not stored: a retry runs this instance's upgrade again, its
          // succeeded checkpoints skipped.
          return {
            slug,
            wave,
            outcome: 'failed',
            failedStep: 'error',
            message: messageOf(error),
            earlier: false,
          } satisfies Settled;
        }
      };

      const started = new Set<string>();
      let next = 0;
      let halted = false;
      // The canary phase needs `canaries` instances upgraded: one an
      // earlier attempt rolled back (held back on a retry) is replaced by
      // the next untouched instance.
      let canariesUpgraded = 0;
      let wave = 0;
      while (next < plan.candidates.length && !halted) {
        const inCanaries = canariesUpgraded < canaries;
        const size = inCanaries ? canaries - canariesUpgraded : waveSize;
        const batch = plan.candidates.slice(next, next + size);
        next += batch.length;
        const label = inCanaries ? 'canary' : `wave ${++wave}`;
        batch.forEach(s => started.add(s));
        ctx.logger.info(`Starting ${label}: ${batch.join(', ')}`);
        const results = await Promise.all(
          batch.map(slug => upgradeOne(slug, label)),
        );
        settled.push(...results);
        for (const r of results) {
          if (r.outcome === 'upgraded') {
            if (inCanaries) canariesUpgraded++;
          } else if (!r.earlier) {
            halted = true;
          }
        }
        ctx.logger.info(
          `${label} done: ${results
            .map(
              r =>
                `${r.slug} ${r.outcome}${
                  r.earlier && r.outcome !== 'upgraded' ? ' (held back)' : ''
                }`,
            )
            .join(', ')}`,
        );
      }

      const { untouched, failed } = finish(started, halted);
      if (halted) {
        const fresh = failed.filter(f => !f.earlier);
        throw new Error(
          `Fleet upgrade of ${cluster.name} halted: ${fresh
            .map(
              f =>
                `${f.slug} ${f.outcome}${
                  f.failedStep ? ` at ${f.failedStep}` : ''
                }${f.message ? ` (${f.message})` : ''}`,
            )
            .join('; ')}. ${untouched.length} instance(s) untouched${
            untouched.length ? `: ${untouched.join(', ')}` : ''
          }; retry the task to continue with them (the failed ones are held back)`,
        );
      }
      ctx.logger.info(
        `Fleet upgrade of ${cluster.name} finished: ${
          settled.filter(s => s.outcome === 'upgraded').length
        } upgraded, ${plan.alreadyAtTarget.length} already at the target${
          failed.length ? `, ${failed.length} held back from earlier` : ''
        }`,
      );
    },
  });
}
