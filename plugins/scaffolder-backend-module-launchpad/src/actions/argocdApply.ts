import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  instanceEntityRef,
  launchpadArgocdSyncPermission,
} from '@internal/plugin-launchpad-common';
import { kubernetesError } from '@internal/plugin-launchpad-node';
import { argocdAppUrl } from './argocdSync';
import { examples } from './argocdApply.examples';
import {
  audited,
  authorizeLaunchpad,
  assertClusterCredentials,
  instanceClusterFromInput,
  instanceInputSchema,
  kubernetesStatus,
  type LaunchpadActionDeps,
} from './shared';

const APPLICATIONS = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'applications',
} as const;

interface ApplicationObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    resourceVersion?: string;
  };
  spec?: unknown;
  [key: string]: unknown;
}

const same = (a: unknown, b: unknown) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * `launchpad:argocd:apply`: creates or updates the instance's ArgoCD
 * Application in the cluster from `instances/<slug>/application.yml`,
 * through the Kubernetes API (the Application is a custom resource);
 * idempotent (`unchanged` when it already matches).
 */
export function createArgocdApplyAction(deps: LaunchpadActionDeps) {
  const { clusters, auditor } = deps;
  return createTemplateAction({
    id: 'launchpad:argocd:apply',
    description:
      "Creates or updates an instance's ArgoCD Application in the cluster from instances/<slug>/application.yml in the cluster repository (Kubernetes custom objects API); unchanged when it already matches.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug'),
      },
      output: {
        application: z =>
          z.string({ description: 'Application name, e.g. demo-staging' }),
        result: z =>
          z.enum(['created', 'updated', 'unchanged'], {
            description: 'What the apply did',
          }),
        url: z =>
          z
            .string({ description: 'The Application in the ArgoCD UI' })
            .optional(),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      // launchpad.argocd.sync on the instance, not launchpad.instance.create:
      // the Application comes from the cluster repository's
      // application.yml, so applying it deploys what the repository says,
      // as a sync does, and owners apply theirs (rebuild-images runs this
      // step after a merged pull request). With deps: waits for an instance
      // new-openedx-instance has just created.
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
      // The Application is a custom resource: the Kubernetes API, not ArgoCD's.
      assertClusterCredentials(cluster, ['kubernetes']);
      const read = await cluster.repository.readInstance(slug);
      const manifest = read.application as ApplicationObject | undefined;
      if (!manifest) {
        const why = read.errors.find(e => e.file === 'application.yml');
        throw new InputError(
          `instances/${slug}/application.yml cannot be applied: ${
            why?.message ?? 'it is missing'
          }`,
        );
      }
      const name = manifest.metadata.name;
      const namespace = manifest.metadata.namespace ?? 'argocd';
      ctx.output('application', name);
      if (cluster.argocd) ctx.output('url', argocdAppUrl(cluster.argocd, name));
      const { custom } = cluster.kubernetes;
      const context = {
        action: `apply Application ${namespace}/${name}`,
        cluster: cluster.name,
      };

      const read404 = async (): Promise<ApplicationObject | undefined> => {
        try {
          return (await custom.getNamespacedCustomObject({
            ...APPLICATIONS,
            namespace,
            name,
          })) as ApplicationObject;
        } catch (error) {
          if (kubernetesStatus(error) === 404) return undefined;
          throw kubernetesError(error, context);
        }
      };
      if (ctx.isDryRun) {
        const existing = await read404();
        ctx.output('result', existing ? 'updated' : 'created');
        ctx.logger.info(
          `Dry run: would ${
            existing ? 'update' : 'create'
          } Application ${namespace}/${name}`,
        );
        return;
      }

      const result = await ctx.checkpoint({
        key: `argocd-apply-${slug}`,
        fn: async () => {
          const existing = await read404();
          const body: ApplicationObject = {
            ...manifest,
            metadata: { ...manifest.metadata, namespace },
          };
          if (
            existing &&
            same(existing.spec, manifest.spec) &&
            same(existing.metadata.labels ?? {}, manifest.metadata.labels ?? {})
          ) {
            return 'unchanged' as const;
          }
          return audited(
            auditor,
            {
              eventId: 'argocd-apply',
              meta: {
                cluster: cluster.name,
                slug,
                application: `${namespace}/${name}`,
              },
            },
            async () => {
              try {
                if (!existing) {
                  await custom.createNamespacedCustomObject({
                    ...APPLICATIONS,
                    namespace,
                    body,
                  });
                  return 'created' as const;
                }
                // Replace spec and labels; keep status, operation and the
                // controller's metadata (the CRD has no status subresource, so
                // a PUT carries what it does not change).
                await custom.replaceNamespacedCustomObject({
                  ...APPLICATIONS,
                  namespace,
                  name,
                  body: {
                    ...existing,
                    metadata: {
                      ...existing.metadata,
                      labels: {
                        ...existing.metadata.labels,
                        ...manifest.metadata.labels,
                      },
                      finalizers:
                        manifest.metadata.finalizers ??
                        existing.metadata.finalizers,
                    },
                    spec: manifest.spec,
                  },
                });
                return 'updated' as const;
              } catch (error) {
                throw kubernetesError(error, context);
              }
            },
            r => ({ result: r }),
          );
        },
      });
      ctx.output('result', result);
      ctx.logger.info(`Application ${namespace}/${name} ${result}`);
    },
  });
}
