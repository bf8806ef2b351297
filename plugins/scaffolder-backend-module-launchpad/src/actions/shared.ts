import { randomBytes } from 'node:crypto';
import type {
  AuditorService,
  AuditorServiceEventSeverityLevel,
} from '@backstage/backend-plugin-api';
import { assertError, InputError } from '@backstage/errors';
import type { TemplateActionOptions } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import { validateInstanceSlug } from '@internal/plugin-launchpad-common';
import type {
  LaunchpadCluster,
  LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';

/** What every Launchpad action is built with (module.ts passes the services). */
export interface LaunchpadActionDeps {
  clusters: LaunchpadClustersService;
  auditor: AuditorService;
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

/** The message of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
