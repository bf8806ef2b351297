import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { launchpadInstanceCreatePermission } from '@internal/plugin-launchpad-common';
import {
  kubernetesError,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { examples } from './instancePrepare.examples';
import { createOrKeep, instanceLabels } from './instanceSecrets';
import {
  audited,
  authorizeLaunchpad,
  assertClusterCredentials,
  instanceClusterFromInput,
  instanceInputSchema,
  type LaunchpadActionDeps,
} from './shared';

/** The service account Launchpad's provision workflows run as in an instance namespace. */
export const WORKFLOW_EXECUTOR = 'workflow-executor';

/**
 * What the Argo executor needs to report step results (argo-workflows
 * docs/workflow-rbac.md: "The minimum for the executor to function").
 */
const EXECUTOR_RULES = [
  {
    apiGroups: ['argoproj.io'],
    resources: ['workflowtaskresults'],
    verbs: ['create', 'patch'],
  },
];

type Created = Record<
  'namespace' | 'serviceAccount' | 'tokenSecret' | 'role' | 'roleBinding',
  boolean
>;

/**
 * The namespace and RBAC of an instance, each created when missing and left
 * as it is otherwise (a 409 is "already there").
 */
async function prepare(
  cluster: LaunchpadCluster,
  slug: string,
): Promise<Created> {
  const { core, rbac } = cluster.kubernetes;
  const labels = instanceLabels(slug);
  const metadata = (name: string) => ({ name, namespace: slug, labels });
  const step = async (what: string, create: () => Promise<unknown>) => {
    try {
      return await createOrKeep(create);
    } catch (error) {
      throw kubernetesError(error, {
        action: `create ${what}`,
        cluster: cluster.name,
      });
    }
  };
  const namespace = await step(`namespace ${slug}`, () =>
    core.createNamespace({ body: { metadata: { name: slug, labels } } }),
  );
  const serviceAccount = await step(
    `service account ${slug}/${WORKFLOW_EXECUTOR}`,
    () =>
      core.createNamespacedServiceAccount({
        namespace: slug,
        body: { metadata: metadata(WORKFLOW_EXECUTOR) },
      }),
  );
  // A long-lived token for the account (Kubernetes 1.24+ creates none by
  // itself): the control plane fills in `token` for a Secret of this type
  // annotated with the account's name (kubernetes.io/docs/concepts/
  // configuration/secret/#serviceaccount-token-secrets).
  const tokenSecret = await step(`token secret of ${WORKFLOW_EXECUTOR}`, () =>
    core.createNamespacedSecret({
      namespace: slug,
      body: {
        metadata: {
          ...metadata(`${WORKFLOW_EXECUTOR}.service-account-token`),
          annotations: {
            'kubernetes.io/service-account.name': WORKFLOW_EXECUTOR,
          },
        },
        type: 'kubernetes.io/service-account-token',
      },
    }),
  );
  const role = await step(`role ${slug}/${WORKFLOW_EXECUTOR}`, () =>
    rbac.createNamespacedRole({
      namespace: slug,
      body: { metadata: metadata(WORKFLOW_EXECUTOR), rules: EXECUTOR_RULES },
    }),
  );
  const roleBinding = await step(
    `role binding ${slug}/${WORKFLOW_EXECUTOR}`,
    () =>
      rbac.createNamespacedRoleBinding({
        namespace: slug,
        body: {
          metadata: metadata(WORKFLOW_EXECUTOR),
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'Role',
            name: WORKFLOW_EXECUTOR,
          },
          subjects: [
            {
              kind: 'ServiceAccount',
              name: WORKFLOW_EXECUTOR,
              namespace: slug,
            },
          ],
        },
      }),
  );
  return { namespace, serviceAccount, tokenSecret, role, roleBinding };
}

/**
 * `launchpad:instance:prepare`: the instance namespace and the RBAC its
 * provision workflows run with, idempotent.
 */
export function createInstancePrepareAction(deps: LaunchpadActionDeps) {
  const { clusters, auditor } = deps;
  return createTemplateAction({
    id: 'launchpad:instance:prepare',
    description:
      "Creates an instance's namespace and the RBAC its provision workflows run with (the workflow-executor ServiceAccount, its token Secret, Role and RoleBinding); each object is created when missing and left as it is otherwise.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (the namespace)'),
      },
      output: {
        namespace: z => z.string({ description: 'The instance namespace' }),
        serviceAccount: z =>
          z.string({ description: 'The workflow-executor ServiceAccount' }),
        created: z =>
          z.array(z.string(), {
            description:
              'Objects created by this run (the others were already there)',
          }),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadInstanceCreatePermission,
        cluster: cluster.name,
        slug,
      });
      assertClusterCredentials(cluster, ['kubernetes']);
      ctx.output('namespace', slug);
      ctx.output('serviceAccount', WORKFLOW_EXECUTOR);
      if (ctx.isDryRun) {
        ctx.output('created', []);
        ctx.logger.info(
          `Dry run: would create namespace ${slug} and ${WORKFLOW_EXECUTOR}'s ServiceAccount, token Secret, Role and RoleBinding where missing`,
        );
        return;
      }
      const created = await ctx.checkpoint({
        key: `prepare-${slug}`,
        fn: async () => {
          const result = await audited(
            auditor,
            {
              eventId: 'instance-prepare',
              meta: { cluster: cluster.name, slug },
            },
            () => prepare(cluster, slug),
            r => ({
              created: Object.keys(r).filter(k => r[k as keyof Created]),
            }),
          );
          return Object.keys(result).filter(k => result[k as keyof Created]);
        },
      });
      ctx.output('created', created);
      ctx.logger.info(
        created.length
          ? `Prepared namespace ${slug}: created ${created.join(', ')}`
          : `Namespace ${slug} was already prepared; nothing to create`,
      );
    },
  });
}
