import { createHash } from 'node:crypto';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  instanceEntityRef,
  launchpadInstanceUpdatePermission,
} from '@internal/plugin-launchpad-common';
import type { LaunchpadCluster } from '@internal/plugin-launchpad-node';
import type { JsonValue } from '@backstage/types';
import YAML from 'yaml';
import {
  checkChange,
  checkReleaseMatchesTutor,
  previousValues,
  readConfigText,
  redactDiff,
} from './instanceConfigChange';
import type { InstanceCreateDeps } from './instanceCreate';
import { examples } from './instanceUpdate.examples';
import {
  audited,
  authorizeLaunchpad,
  commitUrl,
  instanceClusterFromInput,
  instanceInputSchema,
  publishRepositoryChanged,
} from './shared';

/**
 * What one read-and-merge of config.yml gives (plain JSON, a type alias so
 * it is a JsonObject: it is checkpointed).
 */
export type Planned = {
  /** The branch head config.yml was read at. */
  headSha: string;
  path: string;
  changedKeys: string[];
  /** Redacted unified diff. */
  diff: string;
  previous: Record<string, JsonValue>;
  omitted: string[];
};

/** Any JSON value (a task's input arrives as JSON): for z.custom, typed as JsonValue. */
function isJsonValue(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function';
}

/** What the write checkpoint stores. */
type Written =
  | { kind: 'commit'; commitSha: string }
  | { kind: 'pull-request'; pullRequestUrl: string }
  | { kind: 'already-applied'; headSha: string };

/**
 * Reads config.yml at the branch head and merges the change through the
 * clusters service's ConfigEditor (comments, key order and untouched keys
 * kept; the known keys' types validated), then checks the release against
 * the Tutor version. Returns the new text and the old config too (never
 * checkpointed: they may hold secrets). Shared with launchpad:instance:upgrade.
 */
export async function planConfigChange(
  cluster: LaunchpadCluster,
  slug: string,
  change: Record<string, unknown>,
): Promise<Planned & { content: string; before: Record<string, unknown> }> {
  const { repository } = cluster;
  const headSha = await repository.writer.readHead();
  const file = await readConfigText(cluster, slug, headSha);
  const merged = repository.editor.merge(file.text, change, {
    path: file.path,
  });
  if (merged.changedKeys.length) checkReleaseMatchesTutor(merged.config);
  const before = (YAML.parse(file.text) ?? {}) as Record<string, unknown>;
  const { previous, omitted } = previousValues(before, merged.changedKeys);
  return {
    headSha,
    path: file.path,
    changedKeys: merged.changedKeys,
    diff: redactDiff(merged.diff, file.text, merged.content),
    // YAML.parse gives plain JSON values.
    previous: previous as Record<string, JsonValue>,
    omitted,
    content: merged.content,
    before,
  };
}

/** What a config.yml commit gives: the commit, or the head that already had the change. */
export type ConfigCommitted =
  | { kind: 'commit'; commitSha: string }
  | { kind: 'already-applied'; headSha: string };

/**
 * Commits `change` to config.yml (and `extraFiles`, read at the same head)
 * as one audited commit: merged again on the current head (other
 * instances' commits may have moved it; expectedHeadOid then makes the
 * writer refuse with a ConflictError if the file itself changed meanwhile).
 * Nothing to change (an earlier attempt's commit landed, its answer lost)
 * is `already-applied`, not a second commit.
 */
export async function commitConfigChange(options: {
  cluster: LaunchpadCluster;
  slug: string;
  change: Record<string, unknown>;
  message: string;
  auditor: InstanceCreateDeps['auditor'];
  eventId: string;
  extraFiles?: (headSha: string) => Promise<{
    files: Array<{ path: string; content: string }>;
    deletions: string[];
  }>;
}): Promise<ConfigCommitted> {
  const { cluster, slug, change } = options;
  const { repository } = cluster;
  const fresh = await planConfigChange(cluster, slug, change);
  const extra = options.extraFiles
    ? await options.extraFiles(fresh.headSha)
    : { files: [], deletions: [] };
  if (
    !fresh.changedKeys.length &&
    !extra.files.length &&
    !extra.deletions.length
  ) {
    return { kind: 'already-applied', headSha: fresh.headSha };
  }
  const commit = await audited(
    options.auditor,
    {
      eventId: options.eventId,
      meta: {
        cluster: cluster.name,
        slug,
        repository: `${repository.owner}/${repository.repo}`,
        publishAs: 'commit',
        keys: fresh.changedKeys,
        ...(extra.files.length || extra.deletions.length
          ? { files: [...extra.files.map(f => f.path), ...extra.deletions] }
          : {}),
      },
    },
    () =>
      repository.writer.commitFiles({
        message: options.message,
        files: [
          ...(fresh.changedKeys.length
            ? [{ path: fresh.path, content: fresh.content }]
            : []),
          ...extra.files,
        ],
        ...(extra.deletions.length ? { deletions: extra.deletions } : {}),
        expectedHeadOid: fresh.headSha,
      }),
    r => ({ commitSha: r.sha }),
  );
  return { kind: 'commit', commitSha: commit.sha };
}

/**
 * `launchpad:instance:update`: merges a JSON object (a release upgrade,
 * settings, image versions; `null` deletes a key) into
 * `instances/<slug>/config.yml`, the way Launchpad's `update-instance`
 * merges its JSON argument, as one commit or a pull request. Outputs the
 * diff and `previous`, the values it replaced, which fed back as `changes`
 * roll the update back.
 */
export function createInstanceUpdateAction(deps: InstanceCreateDeps) {
  const { clusters, auditor, events } = deps;
  return createTemplateAction({
    id: 'launchpad:instance:update',
    description:
      "Merges a change (release upgrade, settings, image versions; null deletes a key) into an instance's config.yml keeping comments and key order, validated first (release, Tutor version, known keys' types; secrets only when allowed), as one commit or a pull request. Outputs the diff and the replaced values for a rollback; a dry run outputs the diff only.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...instanceInputSchema('Instance slug (its folder under instances/)'),
        changes: z =>
          z.record(z.string(), z.custom<JsonValue>(isJsonValue), {
            description:
              'config.yml keys to set (a value) or delete (null), e.g. {"EDX_PLATFORM_VERSION": "release/teak.3", "TUTOR_VERSION": "v20.0.5"}',
          }),
        allowSecrets: z =>
          z
            .boolean({
              description:
                'Allow changing secret keys (passwords, keys, tokens); default false. Their values never appear in the diff, the outputs or the logs',
            })
            .optional(),
        publishAs: z =>
          z
            .enum(['commit', 'pull-request'], {
              description:
                "'commit' (default) commits to the cluster repository's branch; 'pull-request' opens a pull request",
            })
            .optional(),
        message: z =>
          z
            .string({
              description:
                'First line of the commit message; default "Update <slug>: <keys>"',
            })
            .optional(),
      },
      output: {
        changed: z =>
          z.boolean({
            description:
              'Whether config.yml changed (false: the values were already set; no commit)',
          }),
        changedKeys: z =>
          z.array(z.string(), { description: 'Keys set, added or deleted' }),
        diff: z =>
          z.string({
            description: 'Unified diff of config.yml, secret values redacted',
          }),
        previous: z =>
          z.record(z.string(), z.custom<JsonValue>(isJsonValue), {
            description:
              'The values replaced (null for a key the update added): give them back as changes to roll back. Secret keys are left out',
          }),
        commitSha: z =>
          z.string({ description: 'The commit (publishAs commit)' }).optional(),
        commitUrl: z =>
          z.string({ description: "The commit's page" }).optional(),
        pullRequestUrl: z =>
          z
            .string({
              description: 'The pull request (publishAs pull-request)',
            })
            .optional(),
      },
    },
    async handler(ctx) {
      const { slug } = ctx.input;
      const cluster = instanceClusterFromInput(clusters, ctx.input);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadInstanceUpdatePermission,
        resourceRef: instanceEntityRef(cluster.name, slug),
        cluster: cluster.name,
      });
      const change = checkChange(ctx.input.changes, {
        allowSecrets: ctx.input.allowSecrets ?? false,
      });
      const publishAs = ctx.input.publishAs ?? 'commit';
      const { repository } = cluster;
      const repoName = `${repository.owner}/${repository.repo}`;
      const describe = (p: Planned) => {
        ctx.output('changed', p.changedKeys.length > 0);
        ctx.output('changedKeys', p.changedKeys);
        ctx.output('diff', p.diff);
        ctx.output('previous', p.previous);
        if (p.omitted.length) {
          ctx.logger.info(
            `previous leaves out the secret keys ${p.omitted.join(
              ', ',
            )}: their old values are in the repository history`,
          );
        }
      };

      if (ctx.isDryRun) {
        const planned = await planConfigChange(cluster, slug, change);
        describe(planned);
        ctx.logger.info(
          planned.changedKeys.length
            ? `Dry run: would change ${planned.changedKeys.join(', ')} in ${
                planned.path
              } as a ${publishAs}:\n${planned.diff}`
            : `Dry run: ${planned.path} already has these values; nothing to change`,
        );
        return;
      }

      // What the change replaces, fixed by the first attempt: a retry after
      // a commit whose answer was lost finds the values already set, and
      // still reports the diff and the values to roll back to.
      const planned = await ctx.checkpoint({
        key: `update-plan-${slug}`,
        fn: async (): Promise<Planned> => {
          const {
            content: _content,
            before: _before,
            ...rest
          } = await planConfigChange(cluster, slug, change);
          return rest;
        },
      });
      describe(planned);
      if (!planned.changedKeys.length) {
        ctx.logger.info(
          `${planned.path} already has these values; nothing to commit`,
        );
        return;
      }

      const keys = planned.changedKeys.join(', ');
      const headline = ctx.input.message ?? `Update ${slug}: ${keys}`;
      const message = `${headline}\n\nChanged by the Launchpad portal (launchpad:instance:update).`;
      const written = await ctx.checkpoint({
        key: `update-write-${slug}`,
        fn: async (): Promise<Written> => {
          if (publishAs === 'pull-request') {
            // Merged again on the current head: other instances' commits
            // may have moved it.
            const fresh = await planConfigChange(cluster, slug, change);
            const meta = {
              cluster: cluster.name,
              slug,
              repository: repoName,
              publishAs,
              keys: fresh.changedKeys,
            };
            const digest = createHash('sha1')
              .update(JSON.stringify(change))
              .digest('hex')
              .slice(0, 8);
            if (!fresh.changedKeys.length) {
              return { kind: 'already-applied', headSha: fresh.headSha };
            }
            const pr = await audited(
              auditor,
              { eventId: 'instance-update', meta },
              () =>
                repository.writer.openPullRequest({
                  // The change's digest: the same update re-run finds its
                  // pull request; another update gets its own.
                  branch: `launchpad/update-${slug}-${digest}`,
                  title: headline,
                  body: `Changes ${keys} in ${fresh.path}.\n\n\`\`\`diff\n${fresh.diff}\`\`\``,
                  files: [{ path: fresh.path, content: fresh.content }],
                  message,
                }),
              r => ({ pullRequestUrl: r.htmlUrl }),
            );
            return { kind: 'pull-request', pullRequestUrl: pr.htmlUrl };
          }
          // An earlier attempt's commit landed (its answer was lost), or
          // someone made the same change: already-applied, no second commit.
          return commitConfigChange({
            cluster,
            slug,
            change,
            message,
            auditor,
            eventId: 'instance-update',
          });
        },
      });

      if (written.kind === 'pull-request') {
        ctx.output('pullRequestUrl', written.pullRequestUrl);
        ctx.logger.info(
          `Opened pull request ${written.pullRequestUrl} changing ${keys} of ${slug}`,
        );
        return;
      }
      if (written.kind === 'already-applied') {
        ctx.logger.info(
          `${
            planned.path
          } already has the change at ${repoName}@${written.headSha.slice(
            0,
            7,
          )} (an earlier attempt of this task, or someone else, committed it); not committing again`,
        );
        return;
      }
      ctx.output('commitSha', written.commitSha);
      ctx.output('commitUrl', commitUrl(cluster, written.commitSha));
      ctx.logger.info(
        `Committed ${keys} of ${slug} to ${repoName}@${
          repository.branch
        } (${written.commitSha.slice(0, 7)})`,
      );
      await publishRepositoryChanged(events, cluster.name);
    },
  });
}
