import type {
  PermissionsService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
// The registry hands schemas zod v3's `z` (backend-plugin-api's alpha types).
import type { z as zod } from 'zod/v3';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ENTITY_TYPES,
  FLEET_FILTERS,
  fleetRowStatus,
  instanceEntityRef,
  launchpadStatusListPermission,
  launchpadStatusReadPermission,
} from '@internal/plugin-launchpad-common';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import type { HistoryService } from '../history/HistoryService';
import type { InstanceEntities } from '../status/InstanceEntities';
import { instanceTarget, type StatusService } from '../status/StatusService';
import { visibleInstances } from '../status/visibleInstances';

export interface StatusActionsOptions {
  actionsRegistry: ActionsRegistryService;
  permissions: PermissionsService;
  catalog: CatalogService;
  clusters: LaunchpadClustersService;
  status: StatusService;
  instances: InstanceEntities;
  history: HistoryService;
}

/**
 * Read-only actions for scripts and AI agents (the MCP actions backend exposes
 * them when `backend.actions.pluginSources` lists `launchpad`). Answers come
 * from the status caches, like the fleet page: an agent polling them costs no
 * cluster request. Visibility is the basic `launchpad.status.list`; every
 * instance is checked again with `launchpad.status.read` and the caller's
 * credentials, so an agent sees exactly what its user sees.
 */
export function registerStatusActions(options: StatusActionsOptions) {
  const {
    actionsRegistry,
    permissions,
    catalog,
    clusters,
    status,
    instances,
    history,
  } = options;

  /** The instance entity named by the input, after the caller's launchpad.status.read. */
  async function readableInstance(
    input: { entityRef?: string; cluster?: string; slug?: string },
    credentials: BackstageCredentials,
  ) {
    const entityRef = instanceRef(input);
    assertKnownClusters(
      clusters,
      [parseEntityRef(entityRef).namespace],
      entityRef,
    );
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    const target =
      entity?.spec?.type === ENTITY_TYPES.instance
        ? instanceTarget(entity)
        : undefined;
    if (!target) {
      throw new NotFoundError(`No Open edX instance ${entityRef}`);
    }
    await authorizeRead(permissions, target.entityRef, credentials);
    return target;
  }

  actionsRegistry.register({
    name: 'list-instances',
    title: 'List Open edX instances',
    description:
      "Lists the Open edX instances the caller may see, with each one's ArgoCD sync and health, autoscaling, workloads, backup state, overall verdict and problems in words. Filter by cluster, by state (out-of-sync, degraded, at-max, crash-looping, backup-overdue, progressing, error, drifted) or by text; paged.",
    visibilityPermission: launchpadStatusListPermission,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z
          .object({
            cluster: z
              .array(z.string())
              .optional()
              .describe(
                'Cluster names from launchpad.clusters; all when absent',
              ),
            filter: z
              .array(z.enum(FLEET_FILTERS))
              .optional()
              .describe('Only instances in every one of these states'),
            q: z
              .string()
              .max(200)
              .optional()
              .describe('Text in the name, title or namespace'),
            offset: z.number().int().min(0).default(0),
            limit: z.number().int().min(1).max(200).default(50),
          })
          // An unknown key (sort, status) is refused, not ignored into an
          // unfiltered answer; the JSON schema says additionalProperties: false.
          .strict(),
      output: z =>
        z.object({
          totalCount: z
            .number()
            .describe('Instances matching the filter, before paging'),
          summary: z.object({
            total: z.number(),
            outOfSync: z.number(),
            degraded: z.number(),
            atMax: z.number(),
            crashLooping: z.number(),
            backupOverdue: z.number(),
            drifted: z
              .number()
              .describe(
                'Images drifted from config.yml or revision behind the branch head',
              ),
          }),
          items: z.array(
            z.object({
              entityRef: z.string(),
              name: z.string(),
              title: z.string().optional(),
              cluster: z.string(),
              owner: z.string().optional(),
              release: z.string().optional(),
              sync: z.string(),
              health: z.string(),
              replicas: z.object({
                current: z.number().optional(),
                desired: z.number().optional(),
                max: z.number().optional(),
                atMax: z.boolean(),
              }),
              backup: z.string(),
              drift: z
                .object({
                  images: z.string(),
                  revision: z.string(),
                  drifted: z.boolean(),
                  syncedRevision: z.string().optional(),
                  headRevision: z.string().optional(),
                  revisionReason: z.string().optional(),
                })
                .optional(),
              verdict: z.string(),
              problems: z.array(z.string()),
              stale: z
                .boolean()
                .describe('The cluster is not answering: the data is older'),
            }),
          ),
          clusters: z.array(
            z.object({ cluster: z.string(), state: z.string() }),
          ),
        }),
    },
    examples: [
      {
        title: 'Degraded instances on staging',
        input: {
          cluster: ['staging'],
          filter: ['degraded'],
          offset: 0,
          limit: 50,
        },
      },
    ],
    action: async ({ input, credentials }) => {
      assertKnownClusters(clusters, input.cluster ?? []);
      const entities = await visibleInstances(
        await instances.list(),
        permissions,
        credentials,
      );
      const fleet = status.fleet(entities, {
        cluster: input.cluster,
        filter: input.filter,
        q: input.q,
        offset: input.offset,
        limit: input.limit,
      });
      return {
        output: {
          totalCount: fleet.totalCount,
          summary: fleet.summary,
          items: fleet.items,
          clusters: fleet.clusters.map(c => ({
            cluster: c.cluster,
            state: c.state,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-instance-status',
    title: "Get an Open edX instance's status",
    description:
      'Everything the instance page shows, for one instance: ArgoCD sync, health and revision, each autoscaler (current, desired, max replicas), workloads and crash-looping pods, Velero backup state and database-dump CronJobs, recent provisioning workflows, the overall verdict and its problems in words. Name the instance by entity ref (component:staging/chem-201) or by cluster and slug.',
    visibilityPermission: launchpadStatusListPermission,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z
          .object({
            ...instanceNaming(z),
          })
          .strict(),
      output: z =>
        z.object({
          entityRef: z.string(),
          cluster: z.string(),
          namespace: z.string(),
          verdict: z.string(),
          problems: z.array(z.string()),
          freshness: z.object({ state: z.string() }).passthrough(),
          argocd: z.record(z.string(), z.unknown()).optional(),
          drift: z
            .record(z.string(), z.unknown())
            .optional()
            .describe(
              'config.yml images against the running ones, the synced revision against the branch head',
            ),
          autoscalers: z.array(z.record(z.string(), z.unknown())),
          workloads: z.record(z.string(), z.unknown()),
          backups: z.record(z.string(), z.unknown()),
          workflows: z.array(z.record(z.string(), z.unknown())),
          generatedAt: z.string(),
        }),
    },
    examples: [
      {
        title: 'By entity ref',
        input: { entityRef: 'component:staging/chem-201' },
      },
      {
        title: 'By cluster and slug',
        input: { cluster: 'staging', slug: 'chem-201' },
      },
    ],
    action: async ({ input, credentials }) => {
      const target = await readableInstance(input, credentials);
      const s = status.instanceStatus(target);
      const { problems } = fleetRowStatus({
        argocd: s.argocd,
        autoscalers: s.autoscalers,
        workloads: s.workloads,
        backup: s.backups,
        cronJobs: s.backups.cronJobs,
      });
      return {
        output: {
          entityRef: s.entityRef,
          cluster: s.cluster,
          namespace: s.namespace,
          verdict: s.verdict,
          problems,
          freshness: { ...s.freshness },
          ...(s.argocd ? { argocd: plain(s.argocd) } : {}),
          ...(s.drift ? { drift: plain(s.drift) } : {}),
          autoscalers: s.autoscalers.map(plain),
          workloads: plain(s.workloads),
          backups: plain(s.backups),
          workflows: s.workflows.map(plain),
          generatedAt: s.generatedAt,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-instance-history',
    title: "Get an Open edX instance's history",
    description:
      'What happened to one instance, and when, newest first: each Argo Workflow run (provision, deprovision: phase, start, duration, the failing step and its message), each Picasso image build (service, conclusion, duration, image) and each ArgoCD sync or health change (from, to, revision). Kept after Argo has removed the Workflows. Name the instance by entity ref or by cluster and slug.',
    visibilityPermission: launchpadStatusListPermission,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z
          .object({
            ...instanceNaming(z),
            limit: z.number().int().min(1).max(500).default(50),
          })
          .strict(),
      output: z =>
        z.object({
          entityRef: z.string(),
          enabled: z
            .boolean()
            .describe('False when launchpad.history.enabled is false'),
          items: z.array(
            z
              .object({
                type: z.enum(['workflow', 'build', 'argocd']),
                at: z.string(),
              })
              .passthrough(),
          ),
        }),
    },
    examples: [
      {
        title: 'The last 20 events of one instance',
        input: { entityRef: 'component:staging/chem-201', limit: 20 },
      },
    ],
    action: async ({ input, credentials }) => {
      const target = await readableInstance(input, credentials);
      const answer = await history.instanceHistory(target, input.limit);
      return {
        output: {
          entityRef: answer.entityRef,
          enabled: answer.enabled,
          items: answer.items.map(item => ({ ...item })),
        },
      };
    },
  });
}

/** The derived status types are plain JSON data; the output schema takes them as records. */
/** How the per-instance actions name their instance: an entity ref, or cluster and slug. */
function instanceNaming(z: typeof zod) {
  return {
    entityRef: z
      .string()
      .optional()
      .describe('The instance entity, e.g. component:staging/chem-201'),
    cluster: z.string().optional().describe('With slug: e.g. staging'),
    slug: z.string().optional().describe('With cluster: e.g. chem-201'),
  };
}

function plain(value: object): Record<string, unknown> {
  return value as Record<string, unknown>;
}

/** InputError naming the first of `names` not in launchpad.clusters (and the known ones). */
function assertKnownClusters(
  clusters: LaunchpadClustersService,
  names: readonly string[],
  of?: string,
): void {
  const known = clusters.list().map(c => c.name);
  const unknown = names.find(name => !known.includes(name));
  if (unknown) {
    throw new InputError(
      `cluster "${unknown}"${
        of ? ` of ${of}` : ''
      } is not in launchpad.clusters (known: ${known.join(', ')})`,
    );
  }
}

function instanceRef(input: {
  entityRef?: string;
  cluster?: string;
  slug?: string;
}): string {
  const byParts =
    input.cluster && input.slug
      ? instanceEntityRef(input.cluster, input.slug)
      : undefined;
  if (input.entityRef) {
    const given = input.entityRef;
    const example = 'such as component:staging/chem-201';
    if (/%[0-9a-f]{2}/i.test(given)) {
      throw new InputError(
        `entityRef "${given}" is URL-encoded; send it as is, ${example}`,
      );
    }
    let ref;
    try {
      ref = parseEntityRef(given, { defaultKind: 'component' });
    } catch {
      throw new InputError(
        `entityRef "${given}" is not an entity ref ${example}`,
      );
    }
    // Without a namespace the catalog's `default` would be looked up: an
    // instance's namespace is always its cluster.
    if (!given.includes('/')) {
      throw new InputError(
        `entityRef "${given}" names no cluster: give component:<cluster>/${ref.name}, ${example}`,
      );
    }
    if (ref.kind.toLocaleLowerCase('en-US') !== 'component') {
      throw new InputError(
        `entityRef "${given}" is a ${ref.kind}; an Open edX instance is a component, ${example}`,
      );
    }
    const entityRef = stringifyEntityRef(ref);
    if ((input.cluster || input.slug) && byParts !== entityRef) {
      throw new InputError(
        `entityRef "${given}" and cluster/slug ${JSON.stringify({
          cluster: input.cluster,
          slug: input.slug,
        })} name different instances; give one of them`,
      );
    }
    return entityRef;
  }
  if (byParts) return byParts;
  let got = 'neither';
  if (input.cluster) got = 'cluster without slug';
  else if (input.slug) got = 'slug without cluster';
  throw new InputError(`give entityRef, or cluster and slug (got ${got})`);
}

async function authorizeRead(
  permissions: PermissionsService,
  entityRef: string,
  credentials: BackstageCredentials,
) {
  const [decision] = await permissions.authorize(
    [{ permission: launchpadStatusReadPermission, resourceRef: entityRef }],
    { credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`You may not read the status of ${entityRef}`);
  }
}
