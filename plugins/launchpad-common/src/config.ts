import { z } from 'zod';
import { isDns1123Label } from './slug';

/*
 * Schemas of the files in a cluster repository's instance folder. Both keep
 * unknown keys (Tutor and its plugins define hundreds of settings, Drydock adds
 * more): only the keys the portal reads are checked.
 *
 * config.yml: `LMS_HOST` and `CMS_HOST` are required (an instance without
 * them cannot be reached and Tutor's own defaults are not meaningful for a
 * fleet); every other Launchpad key is optional but, when present, must have
 * the right shape.
 */

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\d{1,5})?$/i;

const hostname = z
  .string()
  .regex(
    HOSTNAME,
    'must be a host name without scheme or path (e.g. lms.example.com)',
  );

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const dnsLabel = z
  .string()
  .refine(
    isDns1123Label,
    'must be a DNS-1123 label (lowercase letters, digits, hyphens)',
  );

/** Tutor writes versions and image tags as strings, but YAML may read `20.0` as a number. */
const versionLike = z.union([nonEmpty, z.number()]).transform(v => String(v));

export const instanceConfigSchema = z.looseObject({
  LMS_HOST: hostname,
  CMS_HOST: hostname,
  PREVIEW_LMS_HOST: hostname.optional(),
  K8S_NAMESPACE: dnsLabel.optional(),
  PLATFORM_NAME: nonEmpty.optional(),
  EDX_PLATFORM_REPOSITORY: nonEmpty.optional(),
  EDX_PLATFORM_VERSION: versionLike.optional(),
  TUTOR_VERSION: versionLike.optional(),
  DOCKER_IMAGE_OPENEDX: nonEmpty.optional(),
  MFE_DOCKER_IMAGE: nonEmpty.optional(),
  MYSQL_DATABASE: nonEmpty.optional(),
  MYSQL_USERNAME: nonEmpty.optional(),
  MONGODB_DATABASE: nonEmpty.optional(),
  FORUM_MONGODB_DATABASE: nonEmpty.optional(),
  STORAGE_BUCKET_NAME: nonEmpty.optional(),
  STORAGE_TYPE: z.enum(['s3', 'spaces']).optional(),
  PICASSO_EXTRA_COMMANDS: z.union([z.array(z.string()), z.string()]).optional(),
  /** The portal's own key: the owning group/user entity ref. */
  PORTAL_OWNER: nonEmpty.optional(),
});

/** A parsed config.yml: the known keys typed, every other key kept as-is. */
export type InstanceConfig = z.infer<typeof instanceConfigSchema>;

/** The DESIGN.md keys that configure Drydock (validated loosely: any value). */
export const DRYDOCK_KEY_PREFIX = 'DRYDOCK_';

export const argocdApplicationSchema = z.looseObject({
  apiVersion: z.literal('argoproj.io/v1alpha1'),
  kind: z.literal('Application'),
  metadata: z.looseObject({
    name: dnsLabelOrName(),
    namespace: z.string().optional(),
  }),
  spec: z.looseObject({
    project: z.string().optional(),
    source: z.looseObject({
      repoURL: nonEmpty,
      path: nonEmpty,
      targetRevision: z.string().optional(),
    }),
    destination: z.looseObject({
      namespace: dnsLabel,
      server: z.string().optional(),
      name: z.string().optional(),
    }),
    syncPolicy: z
      .looseObject({
        automated: z
          .looseObject({
            prune: z.boolean().optional(),
            selfHeal: z.boolean().optional(),
          })
          .nullable()
          .optional(),
        syncOptions: z.array(z.string()).optional(),
      })
      .optional(),
  }),
});

function dnsLabelOrName() {
  // Application names are DNS-1123 subdomains (may contain dots).
  return z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      'must be a DNS-1123 subdomain',
    )
    .max(253);
}

export type ArgocdApplicationManifest = z.infer<typeof argocdApplicationSchema>;

/** One-line description of a zod error: `KEY: message; OTHER.path: message`. */
export function formatSchemaError(error: z.ZodError): string {
  return error.issues
    .map(issue => {
      const path = issue.path.map(String).join('.');
      const message =
        issue.code === 'invalid_type' && issue.input === undefined
          ? 'is required'
          : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string };

/** Validates an already YAML-parsed config.yml document. */
export function parseInstanceConfig(
  document: unknown,
): ParseResult<InstanceConfig> {
  if (
    document === null ||
    typeof document !== 'object' ||
    Array.isArray(document)
  ) {
    return {
      ok: false,
      reason: 'config.yml must be a mapping of keys to values',
    };
  }
  const result = instanceConfigSchema.safeParse(document);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, reason: formatSchemaError(result.error) };
}

/** Validates an already YAML-parsed application.yml document. */
export function parseArgocdApplication(
  document: unknown,
): ParseResult<ArgocdApplicationManifest> {
  if (
    document === null ||
    typeof document !== 'object' ||
    Array.isArray(document)
  ) {
    return { ok: false, reason: 'application.yml must be a mapping' };
  }
  const result = argocdApplicationSchema.safeParse(document);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, reason: formatSchemaError(result.error) };
}
