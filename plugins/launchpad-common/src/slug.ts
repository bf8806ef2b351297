/**
 * Instance slug rules and the names derived from a slug.
 *
 * The slug is a DNS-1123 label (it becomes the Kubernetes namespace) and is
 * embedded in every derived name. The tightest limit is MySQL's 32-character
 * user name (MySQL 5.7.8+/8.x): `launchpad-<slug>` leaves 22 characters. The
 * other derived names then fit with room to spare: MySQL database
 * `launchpad-<slug>-openedx` (≤ 40 of 64), MongoDB `launchpad-<slug>-forum`
 * (≤ 38 of 63), the S3 bucket `launchpad-<slug>-<7>` (≤ 40 of 63), the ArgoCD
 * application `<slug>-<environment>` and the catalog entity
 * `<slug>-forum-mongodb` (≤ 36 of 63).
 */
export const SLUG_MAX_LENGTH = 22;
export const SLUG_MIN_LENGTH = 2;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Namespaces a slug must not take: Kubernetes', Harmony's and the stack's own. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'argocd',
  'argo',
  'argo-events',
  'velero',
  'harmony',
  'monitoring',
  'ingress-nginx',
  'cert-manager',
  'launchpad',
  'openedx',
  'instances',
  'system',
]);

const RESERVED_PREFIXES = ['kube-', 'openshift-', 'harmony-'];

export type SlugValidation = { ok: true } | { ok: false; reason: string };

/** Checks an instance slug against the rules above, with a reason a user can act on. */
export function validateInstanceSlug(slug: unknown): SlugValidation {
  if (typeof slug !== 'string' || slug.length === 0) {
    return { ok: false, reason: 'The instance name is required' };
  }
  if (slug.length < SLUG_MIN_LENGTH) {
    return {
      ok: false,
      reason: `The instance name must be at least ${SLUG_MIN_LENGTH} characters long`,
    };
  }
  if (slug.length > SLUG_MAX_LENGTH) {
    return {
      ok: false,
      reason: `The instance name must be at most ${SLUG_MAX_LENGTH} characters long (derived MySQL user names are limited to 32 characters)`,
    };
  }
  if (!DNS1123_LABEL.test(slug)) {
    return {
      ok: false,
      reason:
        'The instance name must consist of lowercase letters, digits and hyphens, and start and end with a letter or digit',
    };
  }
  // The slug is also a host name label (`<slug>.<domain>`), where `--` at
  // positions 3-4 marks an IDNA label (`xn--`): refuse `--` altogether.
  if (slug.includes('--')) {
    return {
      ok: false,
      reason: 'The instance name must not contain consecutive hyphens',
    };
  }
  if (RESERVED_SLUGS.has(slug)) {
    return { ok: false, reason: `The instance name "${slug}" is reserved` };
  }
  const prefix = RESERVED_PREFIXES.find(p => slug.startsWith(p));
  if (prefix) {
    return {
      ok: false,
      reason: `The instance name must not start with the reserved prefix "${prefix}"`,
    };
  }
  return { ok: true };
}

/** Whether `value` is a DNS-1123 label (Kubernetes namespace / name rules). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export const mysqlDatabaseName = (slug: string) => `launchpad-${slug}-openedx`;
export const mysqlUsername = (slug: string) => `launchpad-${slug}`;
export const mongodbDatabaseName = (slug: string) =>
  `launchpad-${slug}-openedx`;
export const forumDatabaseName = (slug: string) => `launchpad-${slug}-forum`;
export const argoAppName = (slug: string, environment: string) =>
  `${slug}-${environment}`;
export const instanceSourcePath = (slug: string) => `instances/${slug}`;

const BUCKET_SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const BUCKET_SUFFIX_LENGTH = 7;

/**
 * The bucket name `launchpad-<slug>-<7 random>`: bucket names are global (S3,
 * Spaces), so a random suffix avoids collisions with other accounts. Pass
 * `suffix` to rebuild a known name.
 */
export function storageBucketName(slug: string, suffix?: string): string {
  if (suffix !== undefined) {
    if (!new RegExp(`^[a-z0-9]{${BUCKET_SUFFIX_LENGTH}}$`).test(suffix)) {
      throw new Error(
        `Bucket suffix must be ${BUCKET_SUFFIX_LENGTH} lowercase letters or digits`,
      );
    }
    return `launchpad-${slug}-${suffix}`;
  }
  const bytes = new Uint8Array(BUCKET_SUFFIX_LENGTH);
  // Web Crypto exists in browsers and in Node >= 19 as a global.
  globalThis.crypto.getRandomValues(bytes);
  const random = Array.from(
    bytes,
    b => BUCKET_SUFFIX_ALPHABET[b % BUCKET_SUFFIX_ALPHABET.length],
  ).join('');
  return `launchpad-${slug}-${random}`;
}
