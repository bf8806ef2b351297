/*
 * Picasso builds as the cluster repository's build.yml names them. GitHub's
 * run listings carry no dispatch inputs, only `display_title`: the workflow's
 * `run-name` evaluated with the inputs (docs.github.com, "Workflow syntax for
 * GitHub Actions: run-name"). Launchpad's cluster build.yml (the sandbox
 * serves it, packages/sandbox/src/github/picasso.ts) sets
 * `run-name: Build ${{ inputs.SERVICE }} image for ${{ inputs.INSTANCE_NAME }}`
 * and commits the new tag as `[Picasso] <INSTANCE_NAME>: <SERVICE> image
 * <image>`; Picasso's own build.yml is a reusable `workflow_call` workflow
 * without a run-name (eduNEXT/picasso .github/workflows/build.yml), so the
 * calling build.yml decides both.
 */

/** The cluster repository's Picasso workflow file (DESIGN.md: Picasso builds). */
export const PICASSO_BUILD_WORKFLOW = 'build.yml';

/** The config.yml key holding each service's image. */
export const PICASSO_IMAGE_KEYS = {
  openedx: 'DOCKER_IMAGE_OPENEDX',
  mfe: 'MFE_DOCKER_IMAGE',
} as const;

export type PicassoService = keyof typeof PICASSO_IMAGE_KEYS;

/** Instance slugs and service names: DNS-1123-ish words. */
const WORD = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const TITLE = new RegExp(`^build (${WORD}) image for (${WORD})$`, 'i');
const COMMIT = new RegExp(
  `^\\[picasso\\] (${WORD}): (${WORD}) image (\\S+)`,
  'i',
);

/**
 * The service and instance a build.yml run builds, read from its title
 * (`Build <SERVICE> image for <INSTANCE_NAME>`); undefined for any other
 * title (a build.yml without that run-name shows its workflow name).
 */
export function parseBuildRunTitle(
  title: string,
): { service: string; instance: string } | undefined {
  const match = TITLE.exec(title.trim());
  if (!match) return undefined;
  return {
    service: match[1].toLowerCase(),
    instance: match[2].toLowerCase(),
  };
}

/**
 * Whether a run's title names this instance and service, both as whole
 * words (`demo` is not `demo-2`): lenient on the wording so a build.yml with
 * its own run-name still matches, as long as it names both.
 */
export function buildRunTitleNames(
  title: string,
  slug: string,
  service: string,
): boolean {
  const words = title.toLowerCase().split(/[^a-z0-9-]+/);
  return words.includes(slug) && words.includes(service);
}

/** The instance, service and image of a build's commit message (`[Picasso] <slug>: <service> image <image>`). */
export function parseBuildCommitMessage(
  message: string,
): { instance: string; service: string; image: string } | undefined {
  const match = COMMIT.exec(message.trim());
  if (!match) return undefined;
  return {
    instance: match[1].toLowerCase(),
    service: match[2].toLowerCase(),
    image: match[3],
  };
}
