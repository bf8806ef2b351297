import {
  SLUG_MAX_LENGTH,
  validateInstanceSlug,
} from '@internal/plugin-launchpad-common';

/**
 * A slug suggested from a platform name: "Chemistry 201 — Été" →
 * `chemistry-201-ete`. Accents are dropped (NFKD), anything else that is not
 * a letter or digit becomes one hyphen, and the result is cut to the slug's
 * maximum length without a trailing hyphen. Empty when nothing is left.
 */
export function suggestSlug(platformName: string | undefined): string {
  return (platformName ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
}

/** The reason a slug is invalid (launchpad-common's rules), or undefined. */
export function slugProblem(slug: string | undefined): string | undefined {
  const check = validateInstanceSlug(slug ?? '');
  return check.ok ? undefined : check.reason;
}

/** `release/<name>.<n>`: Open edX's release branch and tag names. */
export const RELEASE_PATTERN = /^release\/[a-z]+\.\d+$/;

/**
 * Recent Open edX named releases with the Tutor major that runs them
 * (Teak is Tutor 20, Ulmo 21; Sumac 19), newest first. Suggestions only: any
 * `release/<name>.<n>` is accepted.
 */
export const RELEASE_SUGGESTIONS: ReadonlyArray<{
  release: string;
  tutor: string;
}> = [
  { release: 'release/ulmo.1', tutor: 'v21' },
  { release: 'release/teak.3', tutor: 'v20' },
  { release: 'release/teak.2', tutor: 'v20' },
  { release: 'release/sumac.4', tutor: 'v19' },
  { release: 'release/sumac.3', tutor: 'v19' },
];

/** The reason a release is not `release/<name>.<n>`, or undefined. */
export function releaseProblem(
  release: string | undefined,
): string | undefined {
  if (!release) return 'The Open edX release is required';
  return RELEASE_PATTERN.test(release)
    ? undefined
    : `"${release}" is not an Open edX release; use release/<name>.<n>, e.g. release/teak.3`;
}
