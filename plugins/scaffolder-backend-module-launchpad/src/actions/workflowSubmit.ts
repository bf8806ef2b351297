import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  deriveWorkflowStatus,
  forumDatabaseName,
  launchpadWorkflowSubmitPermission,
  mongodbDatabaseName,
  mysqlDatabaseName,
  mysqlUsername,
} from '@internal/plugin-launchpad-common';
import {
  kubernetesError,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { examples } from './workflowSubmit.examples';
import { instanceLabels, readInstanceSecrets } from './instanceSecrets';
import {
  audited,
  authorizeLaunchpad,
  instanceClusterFromInput,
  instanceInputSchema,
  kubernetesStatus,
  messageOf,
  sleep,
  type LaunchpadActionDeps,
} from './shared';

const ARGO = { group: 'argoproj.io', version: 'v1alpha1' } as const;
const DEFAULT_TTL_MINUTES = 10;
const DEFAULT_TIMEOUT_MINUTES = 30;
const DEFAULT_POLL_SECONDS = 5;
const DEFAULT_SERVICE_ACCOUNT = 'workflow-executor';

/** A Workflow as either API answers it (only what this action reads). */
interface WorkflowObject {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  status?: {
    phase?: string;
    nodes?: Record<
      string,
      {
        displayName?: string;
        name?: string;
        type?: string;
        phase?: string;
        message?: string;
      }
    >;
  };
}

/** The parameters Launchpad's provision templates take, derived from the slug (DESIGN.md). */
function derivedParameters(
  template: string,
  slug: string,
  config: Record<string, unknown>,
): Record<string, string> {
  const common = { namespace: slug };
  if (template.startsWith('mysql-')) {
    return {
      ...common,
      'database-name': mysqlDatabaseName(slug),
      username: mysqlUsername(slug),
    };
  }
  if (template.startsWith('mongodb-')) {
    return {
      ...common,
      'database-name': mongodbDatabaseName(slug),
      'forum-database-name': forumDatabaseName(slug),
      username: mysqlUsername(slug),
    };
  }
  if (template.startsWith('storage-')) {
    const bucket = config.STORAGE_BUCKET_NAME;
    const type = config.STORAGE_TYPE;
    return {
      ...common,
      ...(typeof bucket === 'string' ? { 'bucket-name': bucket } : {}),
      ...(typeof type === 'string' ? { 'storage-type': type } : {}),
    };
  }
  return common;
}

/** Parameters read from the instance's secrets (parameter → config key). */
function defaultSecretParameters(template: string): Record<string, string> {
  if (template.startsWith('mysql-')) return { password: 'MYSQL_PASSWORD' };
  if (template.startsWith('mongodb-')) return { password: 'MONGODB_PASSWORD' };
  return {};
}

/** `mysql-provision-demo` from `mysql-provision-template` and `demo`. */
export function workflowName(template: string, slug: string): string {
  return `${template.replace(/-template$/, '')}-${slug}`;
}

/**
 * `launchpad:workflow:submit`: runs one of Launchpad's ClusterWorkflowTemplates
 * for an instance as the Workflow `<purpose>-<slug>` in the instance
 * namespace, then waits for it, logging each step's phase.
 */
export function createWorkflowSubmitAction(deps: LaunchpadActionDeps) {
  const { clusters, auditor } = deps;
  return createTemplateAction({
    id: 'launchpad:workflow:submit',
    description:
      "Runs a Launchpad ClusterWorkflowTemplate (e.g. mysql-provision-template) for an instance as the Workflow <purpose>-<slug> in the instance namespace, removed by Argo's ttlStrategy after it finishes, and waits for it: each step's phase in the log, the failing step's message on failure.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (its namespace)'),
        template: z =>
          z.string({
            description:
              'ClusterWorkflowTemplate: mysql-provision-template, mongodb-provision-template, storage-provision-template, or another',
          }),
        name: z =>
          z
            .string({
              description:
                'Workflow name; default <template without -template>-<slug>, e.g. mysql-provision-demo',
            })
            .optional(),
        parameters: z =>
          z
            .record(z.string(), z.string(), {
              description:
                "Workflow parameters (non-secret); the provision templates' namespace, database, user and bucket names are derived from the slug and config.yml, these override them",
            })
            .optional(),
        secretParameters: z =>
          z
            .record(z.string(), z.string(), {
              description:
                'Parameters read from the instance secrets, parameter → config key (default for mysql-*/mongodb-* templates: password → MYSQL_PASSWORD / MONGODB_PASSWORD); read from the instance Secret or config.yml, never logged',
            })
            .optional(),
        ttlMinutes: z =>
          z
            .number({
              description: `ttlStrategy.secondsAfterCompletion in minutes; default ${DEFAULT_TTL_MINUTES}`,
            })
            .optional(),
        serviceAccountName: z =>
          z
            .string({
              description: `Service account the steps run as; default ${DEFAULT_SERVICE_ACCOUNT} (launchpad:instance:prepare creates it)`,
            })
            .optional(),
        wait: z =>
          z
            .boolean({
              description: 'Wait until the workflow finishes (default true)',
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
              description: `Seconds between status reads; default ${DEFAULT_POLL_SECONDS}`,
            })
            .optional(),
      },
      output: {
        name: z =>
          z.string({ description: 'Workflow name, e.g. mysql-provision-demo' }),
        namespace: z => z.string({ description: 'Its namespace (the slug)' }),
        phase: z =>
          z.string({
            description:
              'Final phase (Succeeded), or the last seen when not waiting',
          }),
        url: z =>
          z
            .string({ description: "The workflow's page in the Argo UI" })
            .optional(),
      },
    },
    async handler(ctx) {
      const { slug, template } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadWorkflowSubmitPermission,
        cluster: cluster.name,
        slug,
      });
      const name = ctx.input.name ?? workflowName(template, slug);
      const namespace = slug;
      const url = cluster.argo
        ? `${cluster.argo.url}/workflows/${namespace}/${name}`
        : undefined;
      const declared = await templateParameters(cluster, template);
      const secretParameters =
        ctx.input.secretParameters ?? defaultSecretParameters(template);

      const config = await instanceConfig(cluster, slug);
      const derived = derivedParameters(template, slug, config);
      const given = { ...derived, ...(ctx.input.parameters ?? {}) };
      // Only what the template declares: derived names it does not take are dropped,
      // given ones it does not take are an error (the Kubernetes API would not check).
      const parameters = Object.fromEntries(
        Object.entries(given).filter(
          ([key]) => declared.has(key) || key in (ctx.input.parameters ?? {}),
        ),
      );
      checkParameters(template, declared, [
        ...Object.keys(parameters),
        ...Object.keys(secretParameters),
      ]);
      ctx.output('name', name);
      ctx.output('namespace', namespace);
      if (url) ctx.output('url', url);
      if (ctx.isDryRun) {
        ctx.output('phase', 'Pending');
        ctx.logger.info(
          `Dry run: would run ${template} as ${namespace}/${name} with ${Object.keys(
            {
              ...parameters,
              ...secretParameters,
            },
          ).join(', ')}`,
        );
        return;
      }

      const timeoutMs =
        (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000;
      const pollMs =
        (ctx.input.pollIntervalSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
      const wait = ctx.input.wait ?? true;

      // Submit and wait in one checkpoint: a retried task whose workflow
      // succeeded skips it; one that failed runs it again (a failed
      // workflow of the same name is replaced), and a recovered task finds
      // its running workflow and waits for it instead of submitting again.
      const result = await ctx.checkpoint({
        key: `workflow-${name}`,
        fn: async () => {
          const existing = await getWorkflow(cluster, namespace, name);
          const existingVerdict = existing
            ? deriveWorkflowStatus(existing).verdict
            : undefined;
          if (existing && existingVerdict !== 'failed') {
            ctx.logger.info(
              `Workflow ${namespace}/${name} already exists (${
                existing.status?.phase || 'Pending'
              }); waiting for it instead of submitting again`,
            );
          } else {
            if (existing) {
              ctx.logger.info(
                `Workflow ${namespace}/${name} failed earlier; deleting it and submitting again`,
              );
              await deleteWorkflow(cluster, namespace, name);
            }
            const secrets = await readInstanceSecrets(
              cluster,
              slug,
              Object.values(secretParameters),
            );
            const values = {
              ...parameters,
              ...Object.fromEntries(
                Object.entries(secretParameters).map(([param, key]) => [
                  param,
                  secrets[key],
                ]),
              ),
            };
            await audited(
              auditor,
              {
                eventId: 'workflow-submit',
                meta: {
                  cluster: cluster.name,
                  slug,
                  template,
                  workflow: `${namespace}/${name}`,
                  parameters: Object.keys(values),
                },
              },
              () =>
                createWorkflow(cluster, {
                  name,
                  namespace,
                  template,
                  slug,
                  parameters: values,
                  ttlSeconds:
                    (ctx.input.ttlMinutes ?? DEFAULT_TTL_MINUTES) * 60,
                  serviceAccountName:
                    ctx.input.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT,
                }),
            );
            ctx.logger.info(
              `Submitted workflow ${namespace}/${name} from ${template}`,
            );
          }
          if (!wait) return { phase: existing?.status?.phase || 'Pending' };
          const phase = await waitForWorkflow({
            cluster,
            namespace,
            name,
            url,
            logger: ctx.logger,
            signal: ctx.signal,
            timeoutMs,
            pollMs,
          });
          return { phase };
        },
      });
      ctx.output('phase', result.phase);
    },
  });
}

/** The template's declared parameters: name → whether it has a default. */
async function templateParameters(
  cluster: LaunchpadCluster,
  template: string,
): Promise<Map<string, boolean>> {
  let object: unknown;
  try {
    object = await cluster.kubernetes.custom.getClusterCustomObject({
      ...ARGO,
      plural: 'clusterworkflowtemplates',
      name: template,
    });
  } catch (error) {
    if (kubernetesStatus(error) === 404) {
      throw new InputError(
        `template "${template}" is not a ClusterWorkflowTemplate on ${cluster.name}`,
      );
    }
    throw kubernetesError(error, {
      action: `read ClusterWorkflowTemplate ${template}`,
      cluster: cluster.name,
    });
  }
  const spec = (object as { spec?: { arguments?: { parameters?: unknown } } })
    .spec;
  const list = Array.isArray(spec?.arguments?.parameters)
    ? (spec!.arguments!.parameters as Array<{
        name?: unknown;
        value?: unknown;
        valueFrom?: unknown;
      }>)
    : [];
  return new Map(
    list
      .filter(p => typeof p.name === 'string')
      .map(p => [
        p.name as string,
        p.value !== undefined || p.valueFrom !== undefined,
      ]),
  );
}

/**
 * Argo validates submitted workflows; an object created through the
 * Kubernetes API is not, so check as `argo submit` would
 * (argo-workflows workflow/validate: a parameter without value or valueFrom
 * is required) and refuse parameters the template does not declare.
 */
function checkParameters(
  template: string,
  declared: Map<string, boolean>,
  given: string[],
) {
  const unknown = given.filter(name => !declared.has(name));
  if (unknown.length) {
    throw new InputError(
      `parameters: ${unknown.join(', ')} ${
        unknown.length > 1 ? 'are' : 'is'
      } not declared by ${template} (it takes ${[...declared.keys()].join(
        ', ',
      )})`,
    );
  }
  const missing = [...declared]
    .filter(([name, hasDefault]) => !hasDefault && !given.includes(name))
    .map(([name]) => name);
  if (missing.length) {
    throw new InputError(
      `parameters: ${template} requires ${missing.join(', ')}`,
    );
  }
}

/** config.yml without secrets (the storage names), empty when the folder is not there yet. */
async function instanceConfig(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<Record<string, unknown>> {
  try {
    const read = await cluster.repository.readInstance(slug);
    return (read.config ?? {}) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundError') return {};
    throw error;
  }
}

async function getWorkflow(
  cluster: LaunchpadCluster,
  namespace: string,
  name: string,
): Promise<WorkflowObject | undefined> {
  try {
    return (await cluster.kubernetes.custom.getNamespacedCustomObject({
      ...ARGO,
      plural: 'workflows',
      namespace,
      name,
    })) as WorkflowObject;
  } catch (error) {
    if (kubernetesStatus(error) === 404) return undefined;
    throw kubernetesError(error, {
      action: `read workflow ${namespace}/${name}`,
      cluster: cluster.name,
    });
  }
}

async function deleteWorkflow(
  cluster: LaunchpadCluster,
  namespace: string,
  name: string,
) {
  try {
    await cluster.kubernetes.custom.deleteNamespacedCustomObject({
      ...ARGO,
      plural: 'workflows',
      namespace,
      name,
    });
  } catch (error) {
    if (kubernetesStatus(error) !== 404) {
      throw kubernetesError(error, {
        action: `delete workflow ${namespace}/${name}`,
        cluster: cluster.name,
      });
    }
  }
}

/**
 * Creates the Workflow through the Kubernetes API, in the instance
 * namespace, referencing the cluster-scoped template (DESIGN.md: Argo
 * Workflows). The Argo Server's submit would validate too, but the
 * clusters service's ArgoWorkflowsClient submits only to its one namespace
 * and SubmitOpts have no ttlStrategy, so the object is created directly
 * and its parameters were checked against the template above.
 */
async function createWorkflow(
  cluster: LaunchpadCluster,
  options: {
    name: string;
    namespace: string;
    template: string;
    slug: string;
    parameters: Record<string, string>;
    ttlSeconds: number;
    serviceAccountName: string;
  },
) {
  const body = {
    apiVersion: `${ARGO.group}/${ARGO.version}`,
    kind: 'Workflow',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: {
        ...instanceLabels(options.slug),
        // The label Argo's submit sets (argo-workflows common.LabelKeyClusterWorkflowTemplate).
        'workflows.argoproj.io/cluster-workflow-template': options.template,
      },
    },
    spec: {
      workflowTemplateRef: { name: options.template, clusterScope: true },
      arguments: {
        parameters: Object.entries(options.parameters).map(([name, value]) => ({
          name,
          value,
        })),
      },
      serviceAccountName: options.serviceAccountName,
      // Argo's GC removes the finished workflow (its parameters hold a password).
      ttlStrategy: { secondsAfterCompletion: options.ttlSeconds },
    },
  };
  try {
    await cluster.kubernetes.custom.createNamespacedCustomObject({
      ...ARGO,
      plural: 'workflows',
      namespace: options.namespace,
      body,
    });
  } catch (error) {
    // Never pass the upstream body on: it may echo the parameters.
    throw kubernetesError(error, {
      action: `create workflow ${options.namespace}/${options.name}`,
      cluster: cluster.name,
    });
  }
}

/**
 * Polls the workflow until it finishes, logging each node's phase change
 * (not every poll); the final phase, or an error naming the failing step, its
 * message and the link. Times out with a message saying what it waited for.
 */
async function waitForWorkflow(options: {
  cluster: LaunchpadCluster;
  namespace: string;
  name: string;
  url?: string;
  logger: LoggerService;
  signal?: AbortSignal;
  timeoutMs: number;
  pollMs: number;
}): Promise<string> {
  const { cluster, namespace, name, logger } = options;
  const seen = new Map<string, string>();
  const deadline = Date.now() + options.timeoutMs;
  let lastPhase = '';
  for (;;) {
    const workflow = await getWorkflow(cluster, namespace, name);
    if (!workflow) {
      throw new Error(
        `Workflow ${namespace}/${name} disappeared while waiting for it (deleted, or removed by its ttlStrategy)`,
      );
    }
    const phase = workflow.status?.phase ?? '';
    if (phase !== lastPhase) {
      if (phase) logger.info(`Workflow ${name}: ${phase}`);
      lastPhase = phase;
    }
    for (const [id, node] of Object.entries(workflow.status?.nodes ?? {})) {
      if (node.type !== 'Pod' || !node.phase) continue;
      if (seen.get(id) === node.phase) continue;
      seen.set(id, node.phase);
      logger.info(
        `Workflow ${name}: step ${node.displayName ?? node.name ?? id} ${
          node.phase
        }`,
      );
    }
    const status = deriveWorkflowStatus(workflow);
    if (status.verdict === 'succeeded') {
      logger.info(`Workflow ${namespace}/${name} Succeeded`);
      return phase;
    }
    if (status.verdict === 'failed') {
      const step = status.failedSteps[0];
      const why = step
        ? `step ${step.name} failed${step.message ? `: ${step.message}` : ''}`
        : status.message ?? 'no message';
      throw new Error(
        `Workflow ${namespace}/${name} ${phase}: ${why}${
          options.url ? ` (${options.url})` : ''
        }`,
      );
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${Math.round(
          options.timeoutMs / 60_000,
        )} min waiting for workflow ${namespace}/${name} (last phase ${
          phase || 'Pending'
        })${options.url ? `; see ${options.url}` : ''}`,
      );
    }
    try {
      await sleep(options.pollMs, options.signal);
    } catch (error) {
      throw new Error(
        `Stopped waiting for workflow ${namespace}/${name}: ${messageOf(
          error,
        )}`,
      );
    }
  }
}
