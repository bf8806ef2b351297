import type { AuthService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EventsService } from '@backstage/plugin-events-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  instanceEntityRef,
  LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
} from '@internal/plugin-launchpad-common';
import { examples } from './catalogRefresh.examples';
import {
  assertInstanceSlug,
  clusterFromInput,
  sleep,
  type LaunchpadActionDeps,
  pollIntervalMs,
  publishRepositoryChanged,
} from './shared';

const DEFAULT_TIMEOUT_SECONDS = 120;
const DEFAULT_POLL_SECONDS = 2;

export interface CatalogRefreshDeps extends LaunchpadActionDeps {
  catalog: CatalogService;
  events: EventsService;
  auth: AuthService;
}

/**
 * `launchpad:catalog:refresh`: asks the Launchpad entity provider to read a
 * cluster repository again now (its `launchpad.repository.changed` events
 * topic) instead of on its next scheduled refresh, and optionally waits until
 * the new instance is in the catalog, so the template's "Open in the catalog"
 * link works when the task ends.
 *
 * Not in a checkpoint: publishing the topic again on a retry only asks for
 * one more read of the repository (the provider queues at most one refresh
 * behind a running one), and nothing is written.
 */
export function createCatalogRefreshAction(deps: CatalogRefreshDeps) {
  const { clusters, catalog, events } = deps;
  return createTemplateAction({
    id: 'launchpad:catalog:refresh',
    description:
      "Asks the Launchpad catalog provider to read a cluster repository again now (events topic launchpad.repository.changed) and, given a slug, waits until the instance's entity is in the catalog. A wait that runs out is a warning, not a failure: the provider's scheduled refresh adds the entity later.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        cluster: z =>
          z.string({ description: 'Cluster name from launchpad.clusters' }),
        slug: z =>
          z
            .string({
              description:
                'Instance slug to wait for (component:<cluster>/<slug>); without it the action only asks for the refresh',
            })
            .optional(),
        wait: z =>
          z
            .boolean({
              description:
                'Wait until the instance is in the catalog (default true when a slug is given)',
            })
            .optional(),
        timeoutSeconds: z =>
          z
            .number({
              description: `How long to wait for the entity; default ${DEFAULT_TIMEOUT_SECONDS}`,
            })
            .positive()
            .optional(),
        pollIntervalSeconds: z =>
          z
            .number({
              description: `Between catalog reads; default ${DEFAULT_POLL_SECONDS}`,
            })
            .positive()
            .optional(),
      },
      output: {
        entityRef: z =>
          z
            .string({
              description:
                'The instance entity (with a slug), e.g. component:staging/chem-201',
            })
            .optional(),
        inCatalog: z =>
          z
            .boolean({
              description:
                'Whether the entity was in the catalog when the step ended (false without a slug)',
            })
            .optional(),
      },
    },
    async handler(ctx) {
      const cluster = clusterFromInput(clusters, ctx.input.cluster);
      const { slug } = ctx.input;
      if (slug !== undefined) assertInstanceSlug(slug);
      const entityRef = slug ? instanceEntityRef(cluster.name, slug) : '';
      if (entityRef) ctx.output('entityRef', entityRef);
      // The module's own credentials (InstanceCreateDeps.auth): whether the
      // provider has emitted the entity, not whether the requester may see it.
      const credentials = await deps.auth.getOwnServiceCredentials();
      const inCatalog = async () =>
        entityRef
          ? Boolean(await catalog.getEntityByRef(entityRef, { credentials }))
          : false;

      if (ctx.isDryRun) {
        ctx.output('inCatalog', await inCatalog());
        ctx.logger.info(
          `Dry run: would ask the catalog to read ${cluster.config.repository} again`,
        );
        return;
      }

      await publishRepositoryChanged(events, cluster.name);
      ctx.logger.info(
        `Asked the catalog to read ${cluster.config.repository} again (${LAUNCHPAD_REPOSITORY_CHANGED_TOPIC})`,
      );
      if (!entityRef || ctx.input.wait === false) {
        ctx.output('inCatalog', await inCatalog());
        return;
      }

      const timeoutSeconds =
        ctx.input.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      const pollMs = pollIntervalMs(
        deps,
        ctx.input.pollIntervalSeconds,
        DEFAULT_POLL_SECONDS,
      );
      const deadline = Date.now() + timeoutSeconds * 1000;
      for (;;) {
        if (await inCatalog()) {
          ctx.output('inCatalog', true);
          ctx.logger.info(`${entityRef} is in the catalog`);
          return;
        }
        if (Date.now() >= deadline) break;
        await sleep(Math.min(pollMs, deadline - Date.now()), ctx.signal);
      }
      ctx.output('inCatalog', false);
      ctx.logger.warn(
        `${entityRef} is not in the catalog after ${timeoutSeconds} s; the Launchpad provider's scheduled refresh will add it (is the catalog module installed and the instance in ${cluster.config.repository}?)`,
      );
    },
  });
}
