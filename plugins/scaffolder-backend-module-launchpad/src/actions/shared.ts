import { randomBytes } from 'node:crypto';
import type {
  AuditorService,
  AuditorServiceEventSeverityLevel,
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { assertError, InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EventsService } from '@backstage/plugin-events-node';
import type { TemplateActionOptions } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import {
  LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
  launchpadInstanceCreatePermission,
  type LaunchpadRepositoryChangedPayload,
  validateInstanceSlug,
} from '@internal/plugin-launchpad-common';
import {
  CLUSTER_CREDENTIALS,
  type ClusterApi,
  type LaunchpadCluster,
  type LaunchpadClustersService,
  missingClusterCredentials,
} from '@internal/plugin-launchpad-node';

/** What every Launchpad action is built with (module.ts passes the services). */
export interface LaunchpadActionDeps {
  clusters: LaunchpadClustersService;
  auditor: AuditorService;
  /** Checks the task initiator's `launchpad.*` permissions ({@link authorizeLaunchpad}). */
  permissions: PermissionsService;
  /**
   * `launchpad.scaffolder.pollIntervalSeconds`: seconds between reads while
   * any action waits (workflows, builds, backups, syncs), unless the step's
   * input names its own; unset, each action keeps its default.
   */
  pollIntervalSeconds?: number;
  /**
   * The catalog, read with the module's own credentials (`auth`), and the
   * events service that asks the Launchpad provider to read a cluster
   * repository again: with them {@link authorizeLaunchpad} waits for an
   * instance the catalog has not ingested yet (module.ts passes both).
   */
  catalog?: CatalogService;
  auth?: AuthService;
  events?: EventsService;
  /** That wait: default 60 s, reading the catalog every 2 s (tests shorten it). */
  catalogIngestWait?: { timeoutMs?: number; pollMs?: number };
}

const CATALOG_INGEST_TIMEOUT_MS = 60_000;
const CATALOG_INGEST_POLL_MS = 2_000;

/** How long an action sleeps between reads: the input, else the configured interval, else its default. */
export function pollIntervalMs(
  deps: Pick<LaunchpadActionDeps, 'pollIntervalSeconds'>,
  inputSeconds: number | undefined,
  defaultSeconds: number,
): number {
  return (inputSeconds ?? deps.pollIntervalSeconds ?? defaultSeconds) * 1000;
}

/** Who the credentials are, for an error message: a user's entity ref or a service's subject. */
export function principalName(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user' && principal.userEntityRef) {
    return principal.userEntityRef;
  }
  if (principal.type === 'service' && principal.subject) {
    return `service ${principal.subject}`;
  }
  return 'an anonymous caller';
}

/**
 * Checks a `launchpad.*` permission for the task's initiator, before the
 * action has any side effect (in a dry run too): a resource permission on the
 * instance entity (`component:<cluster>/<slug>`, whose owner the policy's
 * catalog condition reads), or a basic one (creating: no entity yet).
 * Anything but ALLOW throws a NotAllowedError naming who, what and where.
 *
 * The initiator is who started the task (`POST /v2/tasks`): the scaffolder
 * keeps those credentials with the task's secrets and
 * `ctx.getInitiatorCredentials()` reads them back, also after a retry or a
 * recovery. For a user they carry the user token, and the permission
 * backend's policy decides; for a service principal (a static token of
 * `backend.auth.externalAccess`) the principal carries the token's
 * `accessRestrictions` and the backend's permissions service decides from
 * them without asking the policy (see packages/backend/src/permissions).
 *
 * With `ingest` (the action's deps: catalog and auth), a refused resource
 * permission on an entity the catalog does not hold yet, for an initiator
 * who may create instances, is asked again once the catalog has ingested it:
 * new-openedx-instance's apply, build and sync steps run right after its
 * create step, and the policy's isEntityOwner condition is evaluated by the
 * catalog against the stored entity, so a createGroups member would be
 * refused an instance of its own group until the provider has read the
 * repository. The wait is bounded and asks the provider to read it now.
 * An entity in the catalog (decided once more first: the provider may have
 * ingested it since the first decision), an initiator who may not create, or
 * a service principal is refused at once; so is a failed catalog lookup,
 * logged and named in the refusal.
 */
export async function authorizeLaunchpad(
  permissions: PermissionsService,
  ctx: {
    getInitiatorCredentials(): Promise<BackstageCredentials>;
    logger?: {
      info(message: string): void;
      warn?(message: string, meta?: Error | JsonObject): void;
    };
    signal?: AbortSignal;
    isDryRun?: boolean;
  },
  check: {
    permission: BasicPermission | ResourcePermission;
    /** The instance entity, for resource permissions. */
    resourceRef?: string;
    /** Cluster (and slug) named in the error. */
    cluster: string;
    slug?: string;
  },
  ingest?: Pick<
    LaunchpadActionDeps,
    'catalog' | 'auth' | 'events' | 'catalogIngestWait'
  >,
): Promise<void> {
  const credentials = await ctx.getInitiatorCredentials();
  const { permission, resourceRef } = check;
  const allowed = async () => {
    const [decision] = await permissions.authorize(
      [
        resourceRef
          ? { permission: permission as ResourcePermission, resourceRef }
          : { permission: permission as BasicPermission },
      ],
      { credentials },
    );
    return decision?.result === AuthorizeResult.ALLOW;
  };
  if (await allowed()) return;

  const where = resourceRef
    ? `${resourceRef} (cluster ${check.cluster})`
    : `cluster ${check.cluster}${check.slug ? ` (slug ${check.slug})` : ''}`;
  const refusal = `${principalName(credentials)} may not ${
    permission.name
  } on ${where}`;
  const { catalog, auth } = ingest ?? {};
  // A service principal is decided from its accessRestrictions, never from
  // the catalog: nothing to wait for.
  const isUser = (credentials.principal as { type?: string }).type === 'user';
  if (!resourceRef || !catalog || !auth || !isUser) {
    throw new NotAllowedError(refusal);
  }

  // The module's own credentials: whether the provider has emitted the
  // entity, not whether the initiator may see it.
  const own = await auth.getOwnServiceCredentials();
  // The last catalog failure, logged once per message and named in the
  // refusal: an unknown answer is no reason to hide why.
  let lookupFailure: string | undefined;
  const inCatalog = async () => {
    try {
      const found = Boolean(
        await catalog.getEntityByRef(resourceRef, { credentials: own }),
      );
      lookupFailure = undefined;
      return found;
    } catch (error) {
      const message = messageOf(error);
      if (message !== lookupFailure) {
        ctx.logger?.warn?.(
          `Could not look up ${resourceRef} in the catalog: ${message}`,
        );
      }
      lookupFailure = message;
      return undefined;
    }
  };
  const found = await inCatalog();
  if (found === undefined) {
    throw new NotAllowedError(
      `${refusal} (the catalog lookup of ${resourceRef} failed: ${lookupFailure})`,
    );
  }
  // In the catalog: the policy has decided, unless the provider ingested it
  // between that decision and the lookup; asked once more, so a refusal of
  // an existing entity stays a single extra decision.
  if (found) {
    if (await allowed()) return;
    throw new NotAllowedError(refusal);
  }
  // Only an initiator who may create instances can be waiting for one it
  // has just created (the platform team is allowed above already).
  const [mayCreate] = await permissions.authorize(
    [{ permission: launchpadInstanceCreatePermission }],
    { credentials },
  );
  if (mayCreate?.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(refusal);
  }
  if (ctx.isDryRun) {
    throw new NotAllowedError(
      `${refusal}: the catalog has not ingested ${resourceRef} (a dry run does not wait for it)`,
    );
  }

  const timeoutMs =
    ingest?.catalogIngestWait?.timeoutMs ?? CATALOG_INGEST_TIMEOUT_MS;
  const pollMs = ingest?.catalogIngestWait?.pollMs ?? CATALOG_INGEST_POLL_MS;
  ctx.logger?.info(
    `Waiting for the catalog to ingest ${resourceRef} (up to ${formatDuration(
      timeoutMs,
    )}): ${permission.name} is decided by its owner there`,
  );
  // A second request while the provider reads the repository queues one
  // more read at most.
  if (ingest?.events)
    await publishRepositoryChanged(ingest.events, check.cluster);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sleep(
      Math.max(0, Math.min(pollMs, deadline - Date.now())),
      ctx.signal,
    );
    if (await inCatalog()) {
      if (await allowed()) return;
      throw new NotAllowedError(refusal);
    }
    if (Date.now() >= deadline) break;
  }
  throw new NotAllowedError(
    `${refusal}: the catalog has not ingested ${resourceRef} yet (waited ${formatDuration(
      timeoutMs,
    )}); the policy decides by its owner there, so retry the task once it is (is the instance on the branch the catalog provider reads?)${
      lookupFailure ? `; the last catalog lookup failed: ${lookupFailure}` : ''
    }`,
  );
}

/**
 * The cluster by its `launchpad.clusters` name, checked against config (so it
 * works before the catalog has ingested anything); InputError naming the
 * field, the value and the configured names otherwise.
 */
export function clusterFromInput(
  clusters: LaunchpadClustersService,
  name: string,
): LaunchpadCluster {
  const found = clusters.list().find(c => c.name === name);
  if (!found) {
    const names = clusters.list().map(c => c.name);
    throw new InputError(
      `cluster "${name}" is not a Launchpad cluster; configured: ${
        names.join(', ') || 'none'
      }`,
    );
  }
  return found;
}

/**
 * InputError naming the cluster and each missing setting unless the cluster
 * has a token for every API in `apis` (launchpad-node's
 * missingClusterCredentials with `required`: an absent block is missing too),
 * before any side effect: `cluster "production" has no Kubernetes credentials
 * (launchpad.clusters.production.kubernetes.token)`. Creating checks
 * launchpad-node's instanceCreateApis, the cluster picker's notion too.
 * Workflows go through the Kubernetes API (instanceWorkflow.ts), so no action
 * needs the Argo Server's token.
 */
export function assertClusterCredentials(
  cluster: LaunchpadCluster,
  apis: readonly ClusterApi[],
): void {
  const missing = missingClusterCredentials(cluster.config, apis);
  if (missing.length === 0) return;
  const base = `launchpad.clusters.${cluster.name}`;
  throw new InputError(
    missing
      .map(({ api, key, unconfigured }) => {
        const { title } = CLUSTER_CREDENTIALS[api];
        return unconfigured
          ? `cluster "${cluster.name}" has no ${title} API configured (${base}.${key})`
          : `cluster "${cluster.name}" has no ${title} credentials (${base}.${key})`;
      })
      .join('; '),
  );
}

/** InputError naming the slug and why, unless it is a valid instance slug. */
export function assertInstanceSlug(slug: string): void {
  const slugCheck = validateInstanceSlug(slug);
  if (!slugCheck.ok) {
    throw new InputError(`slug "${slug}" is invalid: ${slugCheck.reason}`);
  }
}

/**
 * What every per-instance action starts with: the cluster by name
 * ({@link clusterFromInput}), then the slug checked ({@link assertInstanceSlug}).
 */
export function instanceClusterFromInput(
  clusters: LaunchpadClustersService,
  input: { cluster: string; slug: string },
): LaunchpadCluster {
  const cluster = clusterFromInput(clusters, input.cluster);
  assertInstanceSlug(input.slug);
  return cluster;
}

/** The zod (v3) the scaffolder hands each input schema field. */
type SchemaZod = Parameters<
  NonNullable<NonNullable<TemplateActionOptions['schema']>['input']>[string]
>[0];

/**
 * The `cluster` and `slug` inputs of a per-instance action, for the top of
 * its `schema.input`; `slugDescription` says what the slug is used as.
 */
export function instanceInputSchema(slugDescription: string) {
  return {
    cluster: (z: SchemaZod) =>
      z.string({ description: 'Cluster name from launchpad.clusters' }),
    slug: (z: SchemaZod) => z.string({ description: slugDescription }),
  };
}

/**
 * Runs one write and reports it to the auditor: the event is created before
 * the write, then marked success or failure (with the error). `meta` must
 * never hold a secret.
 */
export async function audited<T>(
  auditor: AuditorService,
  options: {
    eventId: string;
    severityLevel?: AuditorServiceEventSeverityLevel;
    meta: JsonObject;
  },
  fn: () => Promise<T>,
  resultMeta?: (result: T) => JsonObject,
): Promise<T> {
  const event = await auditor.createEvent({
    eventId: options.eventId,
    severityLevel: options.severityLevel ?? 'medium',
    meta: options.meta,
  });
  try {
    const result = await fn();
    await event.success(resultMeta ? { meta: resultMeta(result) } : undefined);
    return result;
  } catch (error) {
    assertError(error);
    await event.fail({ error });
    throw error;
  }
}

/** A generated password: 24 random bytes, base64url (32 characters, no quoting needed in YAML). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Waits `ms`, or rejects when `signal` aborts (the task was cancelled). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled(signal));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(signal));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The task was cancelled');
  error.name = 'AbortError';
  return error;
}

/** The HTTP status of a `@kubernetes/client-node` ApiException (`code`), if any. */
export function kubernetesStatus(error: unknown): number | undefined {
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

/** Web URL of a commit on the cluster repository's GitHub host. */
export function commitUrl(cluster: LaunchpadCluster, sha: string): string {
  const { owner, repo } = cluster.repository;
  return `${repositoryWebUrl(cluster)}/${owner}/${repo}/commit/${sha}`;
}

function repositoryWebUrl(cluster: LaunchpadCluster): string {
  return `https://${cluster.config.githubHost ?? 'github.com'}`;
}

/**
 * Asks the Launchpad catalog provider to read `cluster`'s repository again
 * now (its events topic), after a commit or while waiting for an entity.
 */
export async function publishRepositoryChanged(
  events: EventsService,
  cluster: string,
): Promise<void> {
  const payload: LaunchpadRepositoryChangedPayload = { cluster };
  await events.publish({
    topic: LAUNCHPAD_REPOSITORY_CHANGED_TOPIC,
    eventPayload: payload,
  });
}

/** How long a wait lasted, for a timeout message: `30 min`; `45 s` or `60 ms` under a minute (not `0 min`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** The message of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
