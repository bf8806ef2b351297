import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { isDns1123Label } from '@internal/plugin-launchpad-common';
import { z } from 'zod';

const url = z.string().url('must be an absolute URL');
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const clusterSchema = z.object({
  name: z
    .string()
    .refine(
      isDns1123Label,
      'must be a DNS-1123 label (lowercase letters, digits, hyphens)',
    ),
  title: z.string().optional(),
  environment: z
    .string()
    .refine(
      isDns1123Label,
      'must be a DNS-1123 label (e.g. staging, production)',
    ),
  domain: nonEmpty,
  repository: z
    .string()
    .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be owner/name'),
  branch: nonEmpty.default('main'),
  /**
   * GitHub host of the repository (default github.com), matched against
   * `integrations.github[].host` (with the port, as `new URL(...).host` gives it).
   */
  githubHost: nonEmpty.optional(),
  kubernetes: z.object({
    url,
    token: z.string().optional(),
    skipTLSVerify: z.boolean().default(false),
    caData: z.string().optional(),
    authProvider: z.string().optional(),
    oidcTokenProvider: z.string().optional(),
    dashboardUrl: url.optional(),
  }),
  argocd: z
    .object({ url, uiUrl: url.optional(), token: z.string().optional() })
    .optional(),
  argoWorkflows: z
    .object({
      url,
      token: z.string().optional(),
      namespace: z.string().default('argo'),
    })
    .optional(),
});

const clustersSchema = z

  // Empty is allowed: a new production install starts before its first
  // cluster is configured (the catalog module warns).
  .array(clusterSchema)
  .superRefine((clusters, ctx) => {
    const seen = new Set<string>();
    clusters.forEach((cluster, index) => {
      if (seen.has(cluster.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate cluster name "${cluster.name}"`,
        });
      }
      seen.add(cluster.name);
    });
  });

const clustersConfigSchema = z
  .object({
    // GitHub credentials moved to `integrations.github` (issue 8): a leftover
    // block fails the start instead of being silently ignored.
    github: z
      .unknown()
      .refine(
        value => value === undefined,
        'moved to integrations.github (a token or a GitHub App); remove launchpad.github',
      )
      .optional(),
    clusters: clustersSchema,
  })
  .transform(({ clusters }) => ({ clusters }));

/** The `launchpad:` block: the clusters (GitHub credentials live in `integrations.github`). */
export type LaunchpadClustersConfig = z.infer<typeof clustersConfigSchema>;
export type LaunchpadClusterConfig =
  LaunchpadClustersConfig['clusters'][number];

/** owner and name of a cluster's repository. */
export function splitRepository(repository: string): {
  owner: string;
  repo: string;
} {
  const [owner, repo] = repository.split('/');
  return { owner, repo };
}

/**
 * Reads and validates the `launchpad:` block. Throws one InputError naming
 * every bad key (`launchpad.clusters[0].repository: must be owner/name`). The
 * error never echoes values, so a misplaced token is not logged.
 */
export function readClustersConfig(config: Config): LaunchpadClustersConfig {
  return parseLaunchpad(config, clustersConfigSchema);
}

function parseLaunchpad<T>(config: Config, schema: z.ZodType<T>): T {
  if (!config.has('launchpad')) {
    throw new InputError('Missing required config value at "launchpad"');
  }
  const result = schema.safeParse(config.get('launchpad'));
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      const path = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === 'number'
            ? `${acc}[${part}]`
            : `${acc}.${String(part)}`,
        'launchpad',
      );
      const message =
        issue.code === 'invalid_type' && issue.input === undefined
          ? 'is required'
          : issue.message;
      return `${path}: ${message}`;
    });
    throw new InputError(
      `Invalid Launchpad configuration: ${problems.join('; ')}`,
    );
  }
  return result.data;
}
