import type { JsonValue } from '@backstage/types';
import {
  CustomErrorBase,
  InputError,
  NotFoundError,
  assertError,
} from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  argoAppName,
  deriveBackupStatus,
  deriveCronJobStatus,
  instanceEntityRef,
  launchpadInstanceDeletePermission,
} from '@internal/plugin-launchpad-common';
import {
  applicationProject,
  kubernetesError,
  type ArgoCdClient,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import type { InstanceCreateDeps } from './instanceCreate';
import { examples } from './instanceDelete.examples';
import {
  DEFAULT_POLL_SECONDS,
  DEFAULT_TIMEOUT_MINUTES,
  prepareInstanceWorkflow,
  runInstanceWorkflow,
  type PreparedWorkflow,
} from './instanceWorkflow';
import {
  audited,
  authorizeLaunchpad,
  formatDuration,
  commitUrl,
  instanceClusterFromInput,
  instanceInputSchema,
  kubernetesStatus,
  sleep,
  pollIntervalMs,
  publishRepositoryChanged,
} from './shared';

const HOUR = 3_600_000;
const DEFAULT_DUMP_MAX_AGE_HOURS = 24;
const DEFAULT_DELETE_TIMEOUT_MINUTES = 10;
const VELERO = { group: 'velero.io', version: 'v1' } as const;

/**
 * Launchpad's three deprovision ClusterWorkflowTemplates (DESIGN.md), in the
 * order they run: the databases first, the bucket last.
 */
const DEPROVISION_STEPS = [
  { template: 'mysql-deprovision-template', label: 'MySQL' },
  { template: 'mongodb-deprovision-template', label: 'MongoDB' },
  { template: 'storage-deprovision-template', label: 'bucket' },
] as const;

/** The databases Velero does not cover and each must have a recent dump. */
const DATABASES = [
  { id: 'mysql', label: 'MySQL' },
  { id: 'mongodb', label: 'MongoDB' },
] as const;
type DatabaseId = (typeof DATABASES)[number]['id'];

export interface InstanceDeleteDeps extends InstanceCreateDeps {
  /** What "the last 24 hours" are measured from; default `Date.now` (tests pass the sandbox clock). */
  now?: () => number;
}

/**
 * A deprovision step that failed: which step, and that what follows it was
 * left in place. Its message holds the step's own error (no `cause`, which
 * CustomErrorBase would append a second time).
 */
export class DeprovisionStepError extends CustomErrorBase {
  name = 'DeprovisionStepError' as const;
}

/** One database-dump CronJob of the namespace and its last success. */
type DumpFact = {
  cronJob: string;
  /** What it dumps, read from its name, images and commands. */
  database: DatabaseId | null;
  lastSuccessfulTime: string | null;
  /** Succeeded within the allowed age. */
  recent: boolean;
};

/** What a run would delete and what backs the data up: checkpointed, so plain JSON. */
type DeletePlan = {
  namespace: string;
  namespaceExists: boolean;
  application: string;
  /** Its project (application.yml `spec.project`); absent in plans checkpointed before it was kept. */
  project?: string;
  applicationExists: boolean;
  folder: string;
  folderExists: boolean;
  workflows: Array<{
    template: string;
    label: string;
    workflow: string;
    /** What it drops, e.g. `MySQL database launchpad-demo-openedx and user launchpad-demo`. */
    drops: string;
  }>;
  /** Cluster-scoped RBAC left by Launchpad's CLI or labelled with the instance. */
  leftovers: Array<{
    kind: 'ClusterRole' | 'ClusterRoleBinding';
    name: string;
  }>;
  velero: {
    verdict: string;
    lastCompletedBackup: string | null;
    lastCompletedAt: string | null;
  };
  dumps: DumpFact[];
  /** Databases without a dump that succeeded within the allowed age. */
  missingDumps: string[];
  dumpMaxAgeHours: number;
};

/**
 * Which database a dump CronJob dumps, from its name, images and commands
 * (`mysqldump`, `mysql:8.4`, `mongodump`, `mongo:7.0`…); null for other
 * CronJobs. MongoDB first: `mongodump` with no `--db` dumps the instance's
 * databases (forum included) in one archive.
 */
function dumpDatabase(cronJob: unknown): DatabaseId | null {
  const job = cronJob as {
    metadata?: { name?: string };
    spec?: {
      jobTemplate?: {
        spec?: {
          template?: {
            spec?: {
              containers?: Array<{
                image?: string;
                command?: string[];
                args?: string[];
              }>;
            };
          };
        };
      };
    };
  };
  const containers =
    job.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [];
  const text = [
    job.metadata?.name ?? '',
    ...containers.flatMap(c => [
      c.image ?? '',
      ...(c.command ?? []),
      ...(c.args ?? []),
    ]),
  ].join(' ');
  if (/mongo/i.test(text)) return 'mongodb';
  if (/mysql|mariadb/i.test(text)) return 'mysql';
  return null;
}

/** Whether `read` answers 404 (false) or the object (true). */
async function exists(
  cluster: LaunchpadCluster,
  what: string,
  read: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (kubernetesStatus(error) === 404) return false;
    throw kubernetesError(error, {
      action: `read ${what}`,
      cluster: cluster.name,
    });
  }
}

/**
 * Whether the Application exists, and the project it is in. The request
 * names the project: ArgoCD (server/application/application.go
 * getAppEnforceRBAC) answers a missing Application 404 only then, and 403
 * "permission denied" to a request without one, which stays a
 * NotAllowedError here (a token that may not read it), never "gone". A 404
 * also answers an Application in another project than the one named, so a
 * 404 is confirmed by listing by name (List leaves out only what the token
 * may not see): an Application found there is in its own project. ArgoCD
 * before argo-cd PR #12985 filtered that list with FilterByName, which
 * answers a missing name gRPC NotFound (404) rather than an empty list: absent
 * too.
 */
export async function findApplication(
  argocd: ArgoCdClient,
  name: string,
  project: string,
): Promise<{ exists: boolean; project: string }> {
  const isNotFound = (error: unknown) =>
    error instanceof Error && error.name === 'NotFoundError';
  try {
    await argocd.getApplication(name, { project });
    return { exists: true, project };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const apps = await argocd.listApplications({ name }).catch(error => {
    if (!isNotFound(error)) throw error;
    return [];
  });
  const listed = apps.find(a => a.metadata.name === name);
  return listed
    ? { exists: true, project: applicationProject(listed) }
    : { exists: false, project };
}

/**
 * Cluster-scoped RBAC an instance leaves: the ClusterRole
 * `<slug>-workflows` and ClusterRoleBinding `<slug>-binding` that
 * Launchpad's CLI removes on `instance delete` (its `_cleanup_rbac`), and any
 * ClusterRole or ClusterRoleBinding labelled with the instance.
 */
async function findLeftovers(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<DeletePlan['leftovers']> {
  const { rbac } = cluster.kubernetes;
  const labelSelector = `launchpad.openedx.org/instance=${slug}`;
  const found = new Map<string, DeletePlan['leftovers'][number]>();
  const add = (kind: 'ClusterRole' | 'ClusterRoleBinding', name?: string) => {
    if (name) found.set(`${kind}/${name}`, { kind, name });
  };
  try {
    const [roles, bindings] = await Promise.all([
      rbac.listClusterRole({ labelSelector }),
      rbac.listClusterRoleBinding({ labelSelector }),
    ]);
    roles.items.forEach(r => add('ClusterRole', r.metadata?.name));
    bindings.items.forEach(b => add('ClusterRoleBinding', b.metadata?.name));
  } catch (error) {
    throw kubernetesError(error, {
      action: `list cluster RBAC of ${slug}`,
      cluster: cluster.name,
    });
  }
  if (
    await exists(cluster, `ClusterRole ${slug}-workflows`, () =>
      rbac.readClusterRole({ name: `${slug}-workflows` }),
    )
  ) {
    add('ClusterRole', `${slug}-workflows`);
  }
  if (
    await exists(cluster, `ClusterRoleBinding ${slug}-binding`, () =>
      rbac.readClusterRoleBinding({ name: `${slug}-binding` }),
    )
  ) {
    add('ClusterRoleBinding', `${slug}-binding`);
  }
  return [...found.values()].sort((a, b) =>
    `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
  );
}

/** The namespace's last completed Velero backup, from the status derivation. */
async function veleroFacts(
  cluster: LaunchpadCluster,
  namespace: string,
  now: number,
): Promise<DeletePlan['velero']> {
  const list = async (plural: 'schedules' | 'backups') => {
    try {
      const answer = (await cluster.kubernetes.custom.listClusterCustomObject({
        ...VELERO,
        plural,
      })) as { items?: unknown[] };
      return answer.items ?? [];
    } catch (error) {
      // A cluster without Velero has no such resource: nothing backs it up.
      if (kubernetesStatus(error) === 404) return [];
      throw kubernetesError(error, {
        action: `list Velero ${plural}`,
        cluster: cluster.name,
      });
    }
  };
  const [schedules, backups] = await Promise.all([
    list('schedules'),
    list('backups'),
  ]);
  const status = deriveBackupStatus({ namespace, schedules, backups, now });
  return {
    verdict: status.verdict,
    lastCompletedBackup: status.lastCompleted?.name ?? null,
    lastCompletedAt: status.lastCompleted?.completedAt ?? null,
  };
}

/** Every CronJob of the namespace that dumps a database, with its last success. */
async function dumpFacts(
  cluster: LaunchpadCluster,
  namespace: string,
  now: number,
  maxAgeMs: number,
): Promise<DumpFact[]> {
  let items: unknown[];
  try {
    const list = await cluster.kubernetes.batch.listNamespacedCronJob({
      namespace,
    });
    // client-node's typed objects hold Dates; the status derivations read
    // the API's JSON (RFC 3339 strings), as the watch caches keep it.
    items = JSON.parse(JSON.stringify(list.items)) as unknown[];
  } catch (error) {
    if (kubernetesStatus(error) === 404) return [];
    throw kubernetesError(error, {
      action: `list CronJobs in ${namespace}`,
      cluster: cluster.name,
    });
  }
  return items
    .map(item => {
      const status = deriveCronJobStatus(item);
      const last = status.lastSuccessfulTime
        ? Date.parse(status.lastSuccessfulTime)
        : NaN;
      return {
        cronJob: status.name ?? '?',
        database: dumpDatabase(item),
        lastSuccessfulTime: status.lastSuccessfulTime ?? null,
        recent: Number.isFinite(last) && now - last <= maxAgeMs,
      };
    })
    .filter(d => d.database !== null)
    .sort((a, b) => a.cronJob.localeCompare(b.cronJob));
}

function dropsText(workflow: PreparedWorkflow): string {
  const p = workflow.parameters;
  if (workflow.template.startsWith('mysql-')) {
    return `MySQL database ${p['database-name'] ?? '?'} and user ${
      p.username ?? '?'
    }`;
  }
  if (workflow.template.startsWith('mongodb-')) {
    return `MongoDB databases ${p['database-name'] ?? '?'} and ${
      p['forum-database-name'] ?? '?'
    } and user ${p.username ?? '?'}`;
  }
  return `bucket ${p['bucket-name'] ?? '(not named in config.yml)'}`;
}

/** Reads everything a run would touch; changes nothing. */
async function planDeletion(options: {
  cluster: LaunchpadCluster;
  argocd: ArgoCdClient;
  slug: string;
  now: number;
  dumpMaxAgeHours: number;
  forceDelete: boolean;
}): Promise<{ plan: DeletePlan; workflows: PreparedWorkflow[] }> {
  const { cluster, argocd, slug, now } = options;
  let folder = `instances/${slug}`;
  let folderExists = true;
  let applicationName = argoAppName(slug, cluster.config.environment);
  // Without application.yml, ArgoCD's default project.
  let project = 'default';
  try {
    const read = await cluster.repository.readInstance(slug);
    folder = read.path;
    applicationName = read.application?.metadata.name ?? applicationName;
    project = applicationProject(read.application);
    const configured = read.config?.K8S_NAMESPACE;
    if (typeof configured === 'string' && configured !== slug) {
      throw new InputError(
        `slug: ${folder}/config.yml sets K8S_NAMESPACE ${configured}, not ${slug}; the portal deprovisions only instances whose namespace is their slug`,
      );
    }
  } catch (error) {
    assertError(error);
    if (error.name !== 'NotFoundError') throw error;
    folderExists = false;
  }
  const namespace = slug;
  const [namespaceExists, app, leftovers, velero, dumps] = await Promise.all([
    exists(cluster, `namespace ${namespace}`, () =>
      cluster.kubernetes.core.readNamespace({ name: namespace }),
    ),
    findApplication(argocd, applicationName, project),
    findLeftovers(cluster, slug),
    veleroFacts(cluster, namespace, now),
    dumpFacts(cluster, namespace, now, options.dumpMaxAgeHours * HOUR),
  ]);
  const appExists = app.exists;
  if (!folderExists && !namespaceExists && !appExists) {
    throw new NotFoundError(
      `Instance ${slug} is not on cluster ${cluster.name}: no folder ${folder}, no Application ${applicationName}, no namespace ${namespace}`,
    );
  }
  const workflows: PreparedWorkflow[] = [];
  for (const step of DEPROVISION_STEPS) {
    workflows.push(
      await prepareInstanceWorkflow(cluster, {
        slug,
        template: step.template,
        ...(options.forceDelete
          ? { parameters: { 'force-delete': 'true' } }
          : {}),
      }),
    );
  }
  const missingDumps = DATABASES.filter(
    db => !dumps.some(d => d.database === db.id && d.recent),
  ).map(db => db.label);
  return {
    workflows,
    plan: {
      namespace,
      namespaceExists,
      application: applicationName,
      project: app.project,
      applicationExists: appExists,
      folder,
      folderExists,
      workflows: workflows.map((w, i) => ({
        template: w.template,
        label: DEPROVISION_STEPS[i].label,
        workflow: `${w.namespace}/${w.name}`,
        drops: dropsText(w),
      })),
      leftovers,
      velero,
      dumps,
      missingDumps,
      dumpMaxAgeHours: options.dumpMaxAgeHours,
    },
  };
}

/** The refusal for databases without a recent dump, naming each and what the dumps showed. */
function noRecentDumpMessage(plan: DeletePlan): string {
  const seen = plan.dumps.length
    ? `dump CronJobs in ${plan.namespace}: ${plan.dumps
        .map(
          d =>
            `${d.cronJob} (${d.database}, last success ${
              d.lastSuccessfulTime ?? 'never'
            })`,
        )
        .join(', ')}`
    : `no database-dump CronJob in namespace ${plan.namespace}`;
  return `No ${plan.missingDumps.join(' or ')} dump succeeded in the last ${
    plan.dumpMaxAgeHours
  } h (${seen}). Velero does not back up the managed databases that deprovisioning drops; take a dump first, or set acknowledgeNoRecentDump: true to deprovision without one`;
}

/** Lines saying what a run deletes and what backs the data up. */
function describePlan(plan: DeletePlan): string[] {
  const lines = plan.workflows.map(
    w => `${w.label}: ${w.drops} (workflow ${w.workflow} from ${w.template})`,
  );
  lines.push(
    plan.applicationExists
      ? `Application ${plan.application} with its resources (cascade)`
      : `Application ${plan.application}: already gone`,
    plan.namespaceExists
      ? `namespace ${plan.namespace}`
      : `namespace ${plan.namespace}: already gone`,
  );
  for (const l of plan.leftovers) lines.push(`${l.kind} ${l.name}`);
  lines.push(
    plan.folderExists
      ? `folder ${plan.folder} (one commit)`
      : `folder ${plan.folder}: already gone`,
  );
  const backup = plan.velero.lastCompletedBackup
    ? `last completed Velero backup of ${plan.namespace}: ${plan.velero.lastCompletedBackup} (${plan.velero.lastCompletedAt})`
    : `no completed Velero backup of ${plan.namespace}`;
  const dumps = plan.dumps.length
    ? plan.dumps.map(
        d =>
          `${d.cronJob} (${d.database}) last succeeded ${
            d.lastSuccessfulTime ?? 'never'
          }${d.recent ? '' : `, more than ${plan.dumpMaxAgeHours} h ago`}`,
      )
    : ['no database-dump CronJob'];
  return [
    `Deletes: ${lines.join('; ')}`,
    `Backed up by: ${backup}; ${dumps.join('; ')}`,
  ];
}

/** Polls until `gone()` says so; bounded and cancellable. */
async function waitGone(options: {
  what: string;
  gone: () => Promise<boolean>;
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}) {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await options.gone()) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${formatDuration(options.timeoutMs)} waiting for ${
          options.what
        } to be deleted`,
      );
    }
    await sleep(options.pollMs, options.signal);
  }
}

/**
 * `launchpad:instance:delete`: deprovisions an instance as Launchpad's CLI
 * does (`instance delete`), with the portal's safeguards.
 */
export function createInstanceDeleteAction(deps: InstanceDeleteDeps) {
  const { clusters, auditor, events } = deps;
  const now = deps.now ?? Date.now;
  return createTemplateAction({
    id: 'launchpad:instance:delete',
    description:
      "Deprovisions an instance: runs Launchpad's mysql-, mongodb- and storage-deprovision-template workflows (dropping its databases and bucket) and stops if one fails, then deletes the ArgoCD Application with cascade, the namespace and cluster-scoped RBAC leftovers, and removes instances/<slug> in one commit. Requires confirm to repeat the slug; refuses unless each database (MySQL, MongoDB) has a dump CronJob that succeeded in the last 24 h, or acknowledgeNoRecentDump is set. Dry run lists what it would delete and what backs the data up.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (its namespace and folder)'),
        confirm: z =>
          z.string({
            description:
              'The slug again, typed exactly: nothing is deleted otherwise',
          }),
        acknowledgeNoRecentDump: z =>
          z
            .boolean({
              description:
                'Deprovision even though a database has no dump that succeeded within dumpMaxAgeHours (logged and audited); default false',
            })
            .optional(),
        dumpMaxAgeHours: z =>
          z
            .number({
              description: `How recent a database dump must be; default ${DEFAULT_DUMP_MAX_AGE_HOURS}`,
            })
            .positive()
            .optional(),
        forceDelete: z =>
          z
            .boolean({
              description:
                "The deprovision templates' force-delete parameter (delete even if not empty); default the templates' (false)",
            })
            .optional(),
        timeoutMinutes: z =>
          z
            .number({
              description: `How long to wait for each deprovision workflow; default ${DEFAULT_TIMEOUT_MINUTES}`,
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
        plan: z =>
          z.record(
            z.string(),
            z.custom<JsonValue>(value => value !== undefined),
            {
              description:
                'What it deletes (namespace, application, folder, workflows with what each drops, RBAC leftovers, each with whether it exists) and what backs the data up (velero: the last completed backup; dumps: each dump CronJob with its last success; missingDumps)',
            },
          ),
        refusals: z =>
          z.array(z.string(), {
            description:
              'Why a run with these inputs would be refused (dry run; empty when it would run)',
          }),
        deleted: z =>
          z.array(z.string(), {
            description:
              'What this run deleted, in order (e.g. workflow demo/mysql-deprovision-demo, Application demo-staging)',
          }),
        commitSha: z =>
          z
            .string({ description: 'The commit removing the folder' })
            .optional(),
        commitUrl: z => z.string({ description: 'Its web URL' }).optional(),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadInstanceDeletePermission,
        resourceRef: instanceEntityRef(cluster.name, slug),
        cluster: cluster.name,
      });
      const { argocd } = cluster;
      if (!argocd) {
        throw new InputError(
          `cluster "${cluster.name}" has no argocd block in launchpad.clusters`,
        );
      }
      const confirmed = ctx.input.confirm === slug;
      const acknowledged = ctx.input.acknowledgeNoRecentDump === true;
      const planOptions = {
        cluster,
        argocd,
        slug,
        dumpMaxAgeHours:
          ctx.input.dumpMaxAgeHours ?? DEFAULT_DUMP_MAX_AGE_HOURS,
        forceDelete: ctx.input.forceDelete === true,
      };

      if (ctx.isDryRun) {
        const { plan } = await planDeletion({ ...planOptions, now: now() });
        const refusals = [
          ...(confirmed
            ? []
            : [`confirm: "${ctx.input.confirm}" is not the slug ${slug}`]),
          ...(plan.missingDumps.length && !acknowledged
            ? [noRecentDumpMessage(plan)]
            : []),
        ];
        ctx.output('plan', plan);
        ctx.output('refusals', refusals);
        ctx.output('deleted', []);
        ctx.logger.info(
          `Dry run: would deprovision ${slug} on ${cluster.name}, deleting nothing now`,
        );
        for (const line of describePlan(plan)) ctx.logger.info(line);
        for (const refusal of refusals) {
          ctx.logger.warn(`A run would be refused: ${refusal}`);
        }
        return;
      }

      if (!confirmed) {
        throw new InputError(
          `confirm: type the slug ${slug} exactly to deprovision it (got "${ctx.input.confirm}"); nothing was deleted`,
        );
      }
      // The plan is kept with the task: a retry after the namespace (and its
      // dump CronJobs) went must not be refused for the missing dumps.
      const { plan, workflows } = await ctx.checkpoint({
        key: `delete-plan-${slug}`,
        fn: () => planDeletion({ ...planOptions, now: now() }),
      });
      for (const line of describePlan(plan)) ctx.logger.info(line);
      if (plan.missingDumps.length) {
        if (!acknowledged) {
          throw new InputError(
            `${noRecentDumpMessage(plan)}; nothing was deleted`,
          );
        }
        await ctx.checkpoint({
          key: `delete-acknowledged-${slug}`,
          fn: async () => {
            await audited(
              auditor,
              {
                eventId: 'instance-delete-no-recent-dump',
                severityLevel: 'high',
                meta: {
                  cluster: cluster.name,
                  slug,
                  missingDumps: plan.missingDumps,
                  dumpMaxAgeHours: plan.dumpMaxAgeHours,
                },
              },
              async () => undefined,
            );
          },
        });
        ctx.logger.warn(
          `Deprovisioning ${slug} without a recent ${plan.missingDumps.join(
            ' or ',
          )} dump: acknowledged with acknowledgeNoRecentDump (audited)`,
        );
      }

      const deleted: string[] = [];
      const inPlace = () =>
        `the Application ${plan.application}, namespace ${plan.namespace} and folder ${plan.folder} are in place`;
      const timeoutMs =
        (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000;
      const pollMs = pollIntervalMs(
        deps,
        ctx.input.pollIntervalSeconds,
        DEFAULT_POLL_SECONDS,
      );
      const meta = { cluster: cluster.name, slug };

      // 1. The deprovision workflows, one after the other; the first failure
      // stops the run before anything else is deleted (DESIGN.md: Launchpad's
      // deprovisioning aborts if any deprovision workflow fails).
      for (const [index, workflow] of workflows.entries()) {
        const step = plan.workflows[index];
        try {
          await ctx.checkpoint({
            key: `workflow-${step.workflow.split('/')[1]}`,
            fn: () =>
              runInstanceWorkflow({
                cluster,
                slug,
                workflow,
                auditor,
                logger: ctx.logger,
                signal: ctx.signal,
                timeoutMs,
                pollMs,
              }),
          });
        } catch (error) {
          assertError(error);
          const left = plan.workflows
            .slice(index + 1)
            .map(w => w.template)
            .join(', ');
          throw new DeprovisionStepError(
            `Deprovision of ${slug} stopped at step "${step.label}" (workflow ${
              step.workflow
            } from ${step.template}): ${
              error.message
            }. Nothing else was deleted: ${inPlace()}${
              left ? `; not run: ${left}` : ''
            }. Fix the cause and retry the task`,
          );
        }
        deleted.push(`workflow ${step.workflow} (${step.drops})`);
      }

      const step = async <T extends JsonValue | void>(
        label: string,
        key: string,
        fn: () => Promise<T>,
      ): Promise<T> => {
        try {
          return await ctx.checkpoint({ key: `${key}-${slug}`, fn });
        } catch (error) {
          assertError(error);
          throw new DeprovisionStepError(
            `Deprovision of ${slug} stopped at step "${label}": ${
              error.message
            }. Done before it: ${
              deleted.join('; ') || 'nothing'
            }. Retry the task to go on`,
          );
        }
      };

      // 2. The Application, with cascade: ArgoCD deletes what it deployed.
      await step('Application', 'delete-application', async () => {
        const found = await findApplication(
          argocd,
          plan.application,
          plan.project ?? 'default',
        );
        if (found.exists) {
          await audited(
            auditor,
            {
              eventId: 'instance-delete',
              severityLevel: 'high',
              meta: {
                ...meta,
                step: 'application',
                application: plan.application,
              },
            },
            async () => {
              try {
                await argocd.deleteApplication(plan.application, {
                  cascade: true,
                  project: found.project,
                });
              } catch (error) {
                if (!(error instanceof Error) || error.name !== 'NotFoundError')
                  throw error;
              }
            },
          );
          ctx.logger.info(
            `Deleting Application ${plan.application} with cascade`,
          );
        }
        await waitGone({
          what: `Application ${plan.application}`,
          gone: async () =>
            !(
              await findApplication(argocd, plan.application, found.project)
            ).exists,
          timeoutMs: DEFAULT_DELETE_TIMEOUT_MINUTES * 60_000,
          pollMs,
          signal: ctx.signal,
        });
        ctx.logger.info(`Application ${plan.application} deleted`);
      });
      deleted.push(`Application ${plan.application}`);

      // 3. The namespace (its workflows, Secrets and CronJobs go with it).
      const { core, rbac } = cluster.kubernetes;
      const namespaceGone = async () =>
        !(await exists(cluster, `namespace ${plan.namespace}`, () =>
          core.readNamespace({ name: plan.namespace }),
        ));
      await step('namespace', 'delete-namespace', async () => {
        if (!(await namespaceGone())) {
          await audited(
            auditor,
            {
              eventId: 'instance-delete',
              severityLevel: 'high',
              meta: { ...meta, step: 'namespace', namespace: plan.namespace },
            },
            async () => {
              try {
                await core.deleteNamespace({ name: plan.namespace });
              } catch (error) {
                if (kubernetesStatus(error) !== 404) {
                  throw kubernetesError(error, {
                    action: `delete namespace ${plan.namespace}`,
                    cluster: cluster.name,
                  });
                }
              }
            },
          );
          ctx.logger.info(`Deleting namespace ${plan.namespace}`);
        }
        // A real namespace is Terminating until its contents are gone.
        await waitGone({
          what: `namespace ${plan.namespace}`,
          gone: namespaceGone,
          timeoutMs: DEFAULT_DELETE_TIMEOUT_MINUTES * 60_000,
          pollMs,
          signal: ctx.signal,
        });
        ctx.logger.info(`Namespace ${plan.namespace} deleted`);
      });
      deleted.push(`namespace ${plan.namespace}`);

      // 4. Cluster-scoped RBAC leftovers.
      if (plan.leftovers.length) {
        await step('RBAC leftovers', 'delete-leftovers', async () => {
          await audited(
            auditor,
            {
              eventId: 'instance-delete',
              severityLevel: 'high',
              meta: {
                ...meta,
                step: 'leftovers',
                leftovers: plan.leftovers.map(l => `${l.kind}/${l.name}`),
              },
            },
            async () => {
              for (const l of plan.leftovers) {
                try {
                  if (l.kind === 'ClusterRole') {
                    await rbac.deleteClusterRole({ name: l.name });
                  } else {
                    await rbac.deleteClusterRoleBinding({ name: l.name });
                  }
                } catch (error) {
                  if (kubernetesStatus(error) !== 404) {
                    throw kubernetesError(error, {
                      action: `delete ${l.kind} ${l.name}`,
                      cluster: cluster.name,
                    });
                  }
                }
              }
            },
          );
          ctx.logger.info(
            `Deleted ${plan.leftovers
              .map(l => `${l.kind} ${l.name}`)
              .join(', ')}`,
          );
        });
        for (const l of plan.leftovers) deleted.push(`${l.kind} ${l.name}`);
      }

      // 5. The folder, in one commit; the catalog entity leaves on the next read.
      const commit = await step('folder', 'delete-folder', async () => {
        try {
          const result = await audited(
            auditor,
            {
              eventId: 'instance-delete',
              severityLevel: 'high',
              meta: { ...meta, step: 'folder', folder: plan.folder },
            },
            () =>
              cluster.repository.writer.removeFolder(
                plan.folder,
                `Deprovision ${slug}\n\nRemoved by the Launchpad Portal (launchpad:instance:delete, task ${ctx.task.id}) after its databases, bucket, Application and namespace were deleted.`,
              ),
          );
          ctx.logger.info(
            `Removed ${plan.folder} (${result.deleted.length} files) in ${result.sha}`,
          );
          return { sha: result.sha as string | null };
        } catch (error) {
          // Already removed (a retry whose commit answer was lost, or by hand).
          if (error instanceof Error && error.name === 'NotFoundError') {
            ctx.logger.info(`${plan.folder} is already gone`);
            return { sha: null };
          }
          throw error;
        }
      });
      deleted.push(`folder ${plan.folder}`);

      await publishRepositoryChanged(events, cluster.name);
      ctx.logger.info(
        `Deprovisioned ${slug} on ${cluster.name}; asked the catalog to read ${cluster.config.repository} again`,
      );
      ctx.output('plan', plan);
      ctx.output('refusals', []);
      ctx.output('deleted', deleted);
      if (commit.sha) {
        ctx.output('commitSha', commit.sha);
        ctx.output('commitUrl', commitUrl(cluster, commit.sha));
      }
    },
  });
}
