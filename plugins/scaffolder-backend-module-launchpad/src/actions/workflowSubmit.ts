import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { launchpadWorkflowSubmitPermission } from '@internal/plugin-launchpad-common';
import { examples } from './workflowSubmit.examples';
import {
  DEFAULT_POLL_SECONDS,
  DEFAULT_SERVICE_ACCOUNT,
  DEFAULT_TIMEOUT_MINUTES,
  DEFAULT_TTL_MINUTES,
  prepareInstanceWorkflow,
  runInstanceWorkflow,
} from './instanceWorkflow';
import {
  authorizeLaunchpad,
  assertClusterCredentials,
  instanceClusterFromInput,
  instanceInputSchema,
  type LaunchpadActionDeps,
  pollIntervalMs,
} from './shared';

export { workflowName } from './instanceWorkflow';

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
        branch: z =>
          z
            .string({
              description:
                "Branch of the cluster repository to read instances/<slug>/config.yml from (derived names, passwords kept in git); default the cluster's branch. new-openedx-instance passes its pull request's branch, so the instance is provisioned before the merge",
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
      // Created through the Kubernetes API: the Argo Server's token is not needed.
      assertClusterCredentials(cluster, ['kubernetes']);
      const workflow = await prepareInstanceWorkflow(cluster, {
        slug,
        template,
        name: ctx.input.name,
        parameters: ctx.input.parameters,
        secretParameters: ctx.input.secretParameters,
        branch: ctx.input.branch || undefined,
      });
      const { name, namespace, url } = workflow;
      ctx.output('name', name);
      ctx.output('namespace', namespace);
      if (url) ctx.output('url', url);
      if (ctx.isDryRun) {
        ctx.output('phase', 'Pending');
        ctx.logger.info(
          `Dry run: would run ${template} as ${namespace}/${name} with ${Object.keys(
            {
              ...workflow.parameters,
              ...workflow.secretParameters,
            },
          ).join(', ')}`,
        );
        return;
      }

      // Submit and wait in one checkpoint: a retried task whose workflow
      // succeeded skips it; one that failed runs it again (a failed
      // workflow of the same name is replaced), and a recovered task finds
      // its running workflow and waits for it instead of submitting again.
      const result = await ctx.checkpoint({
        key: `workflow-${name}`,
        fn: () =>
          runInstanceWorkflow({
            cluster,
            slug,
            workflow,
            auditor,
            logger: ctx.logger,
            signal: ctx.signal,
            ttlSeconds: (ctx.input.ttlMinutes ?? DEFAULT_TTL_MINUTES) * 60,
            serviceAccountName: ctx.input.serviceAccountName,
            wait: ctx.input.wait ?? true,
            timeoutMs:
              (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
            pollMs: pollIntervalMs(
              deps,
              ctx.input.pollIntervalSeconds,
              DEFAULT_POLL_SECONDS,
            ),
          }),
      });
      ctx.output('phase', result.phase);
    },
  });
}
