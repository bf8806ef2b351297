import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  deriveWorkflowStatus,
  forumDatabaseName,
  mongodbDatabaseName,
  mysqlDatabaseName,
  mysqlUsername,
} from '@internal/plugin-launchpad-common';
import {
  kubernetesError,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { createPullRequestBranch } from './instanceCreate';
import {
  instanceLabels,
  readConfigYaml,
  readInstanceSecrets,
} from './instanceSecrets';
import {
  audited,
  formatDuration,
  kubernetesStatus,
  messageOf,
  sleep,
} from './shared';

/*
 * Running one of Launchpad's ClusterWorkflowTemplates for an instance and
 * waiting for it: launchpad:workflow:submit's code, shared with
 * launchpad:instance:delete (which runs the three deprovision templates).
 */
const ARGO = { group: 'argoproj.io', version: 'v1alpha1' } as const;
export const DEFAULT_TTL_MINUTES = 10;
export const DEFAULT_TIMEOUT_MINUTES = 30;
export const DEFAULT_POLL_SECONDS = 5;
export const DEFAULT_SERVICE_ACCOUNT = 'workflow-executor';

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
export function defaultSecretParameters(
  template: string,
): Record<string, string> {
  if (template.startsWith('mysql-')) return { password: 'MYSQL_PASSWORD' };
  if (template.startsWith('mongodb-')) return { password: 'MONGODB_PASSWORD' };
  return {};
}

/** `mysql-provision-demo` from `mysql-provision-template` and `demo`. */
export function workflowName(template: string, slug: string): string {
  return `${template.replace(/-template$/, '')}-${slug}`;
}

/** A workflow to run for an instance, its parameters checked against the template (plain JSON: checkpointed). */
export type PreparedWorkflow = {
  template: string;
  /** Workflow name, `<template without -template>-<slug>` by default. */
  name: string;
  /** The instance namespace (the slug). */
  namespace: string;
  /** Its page in the Argo UI, when the cluster has an Argo Server. */
  url?: string;
  /** Non-secret parameters (derived from the slug and config.yml, then the given ones). */
  parameters: Record<string, string>;
  /** Parameter → config key, read from the instance secrets only when submitting. */
  secretParameters: Record<string, string>;
  /** The branch config.yml was read from, when not the cluster's (a pull request's). */
  branch?: string;
};

/**
 * Reads the template and the instance's config.yml and works out the
 * workflow's parameters (derived names the template does not take dropped),
 * refusing undeclared and missing ones before anything is submitted.
 */
export async function prepareInstanceWorkflow(
  cluster: LaunchpadCluster,
  request: {
    slug: string;
    template: string;
    name?: string;
    parameters?: Record<string, string>;
    secretParameters?: Record<string, string>;
    /** Read config.yml from this branch instead of the cluster's (a pull request's, not merged yet). */
    branch?: string;
  },
): Promise<PreparedWorkflow> {
  const { slug, template } = request;
  // config.yml holds the passwords: only the instance's own pull request
  // (new-openedx-instance, before the merge) or the cluster's branch, never
  // a branch anyone with push access could have written.
  if (
    request.branch &&
    request.branch !== cluster.repository.branch &&
    request.branch !== createPullRequestBranch(slug)
  ) {
    throw new InputError(
      `branch "${
        request.branch
      }" is not one launchpad:workflow:submit reads: the cluster's branch "${
        cluster.repository.branch
      }" or the pull request branch "${createPullRequestBranch(slug)}"`,
    );
  }
  const branch =
    request.branch && request.branch !== cluster.repository.branch
      ? request.branch
      : undefined;
  const name = request.name ?? workflowName(template, slug);
  const namespace = slug;
  const url = cluster.argo
    ? `${cluster.argo.url}/workflows/${namespace}/${name}`
    : undefined;
  const declared = await templateParameters(cluster, template);
  const secretParameters =
    request.secretParameters ?? defaultSecretParameters(template);

  const config = await instanceConfig(cluster, slug, branch);
  const derived = derivedParameters(template, slug, config);
  const given = { ...derived, ...(request.parameters ?? {}) };
  // Only what the template declares: derived names it does not take are dropped,
  // given ones it does not take are an error (the Kubernetes API would not check).
  const parameters = Object.fromEntries(
    Object.entries(given).filter(
      ([key]) => declared.has(key) || key in (request.parameters ?? {}),
    ),
  );
  checkParameters(template, declared, [
    ...Object.keys(parameters),
    ...Object.keys(secretParameters),
  ]);
  return {
    template,
    name,
    namespace,
    ...(url ? { url } : {}),
    parameters,
    secretParameters,
    ...(branch ? { branch } : {}),
  };
}

/**
 * Submits a prepared workflow and (by default) waits for it; what a
 * checkpoint runs. An existing workflow of the same name that has not
 * failed is waited for instead of submitted again (a recovered task); a
 * failed one is deleted and submitted again (a retry). Throws on failure
 * with the failing step and its message, on timeout and on cancel.
 */
export async function runInstanceWorkflow(options: {
  cluster: LaunchpadCluster;
  slug: string;
  workflow: PreparedWorkflow;
  auditor: AuditorService;
  logger: LoggerService;
  signal?: AbortSignal;
  ttlSeconds?: number;
  serviceAccountName?: string;
  wait?: boolean;
  timeoutMs?: number;
  pollMs?: number;
}): Promise<{ phase: string }> {
  const { cluster, slug, workflow, logger } = options;
  const { name, namespace, template } = workflow;
  const existing = await getWorkflow(cluster, namespace, name);
  const existingVerdict = existing
    ? deriveWorkflowStatus(existing).verdict
    : undefined;
  if (existing && existingVerdict !== 'failed') {
    logger.info(
      `Workflow ${namespace}/${name} already exists (${
        existing.status?.phase || 'Pending'
      }); waiting for it instead of submitting again`,
    );
  } else {
    if (existing) {
      logger.info(
        `Workflow ${namespace}/${name} failed earlier; deleting it and submitting again`,
      );
      await deleteWorkflow(cluster, namespace, name);
    }
    const secrets = await readInstanceSecrets(
      cluster,
      slug,
      Object.values(workflow.secretParameters),
      workflow.branch,
    );
    const values = {
      ...workflow.parameters,
      ...Object.fromEntries(
        Object.entries(workflow.secretParameters).map(([param, key]) => [
          param,
          secrets[key],
        ]),
      ),
    };
    await audited(
      options.auditor,
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
          ttlSeconds: options.ttlSeconds ?? DEFAULT_TTL_MINUTES * 60,
          serviceAccountName:
            options.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT,
        }),
    );
    logger.info(`Submitted workflow ${namespace}/${name} from ${template}`);
  }
  if (options.wait === false) {
    return { phase: existing?.status?.phase || 'Pending' };
  }
  const phase = await waitForWorkflow({
    cluster,
    namespace,
    name,
    url: workflow.url,
    logger,
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MINUTES * 60_000,
    pollMs: options.pollMs ?? DEFAULT_POLL_SECONDS * 1000,
  });
  return { phase };
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
  branch?: string,
): Promise<Record<string, unknown>> {
  try {
    // The clusters service's reader reads the cluster's branch only; the
    // derived parameters are no secrets, so the raw read is safe here.
    if (branch) return await readConfigYaml(cluster, slug, branch);
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
        `Timed out after ${formatDuration(
          options.timeoutMs,
        )} waiting for workflow ${namespace}/${name} (last phase ${
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
