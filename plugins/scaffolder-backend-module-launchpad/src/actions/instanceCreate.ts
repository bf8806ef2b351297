import type { AuthService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { assertError, InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EventsService } from '@backstage/plugin-events-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  instanceEntityRef,
  launchpadInstanceCreatePermission,
} from '@internal/plugin-launchpad-common';
import {
  checkInstanceAvailability,
  instanceCreateApis,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { examples } from './instanceCreate.examples';
import {
  checkNewRepository,
  generateRepository,
  hasFile,
  parseRepositoryName,
  repositoryTarget,
  waitForBranch,
} from './instanceRepository';
import { writeInstanceSecret } from './instanceSecrets';
import {
  audited,
  assertClusterCredentials,
  assertInstanceSlug,
  authorizeLaunchpad,
  clusterFromInput,
  commitUrl,
  generatePassword,
  type LaunchpadActionDeps,
  publishRepositoryChanged,
} from './shared';

/** `release/<name>.<n>` (Open edX's branch names) or the short `<name>.<n>`. */
const RELEASE = /^(?:release\/)?([a-z]+)\.(\d+)$/;
const DEFAULT_RELEASE = 'release/teak.3';
const DEFAULT_TUTOR_VERSION = 'v20.0.5';

/**
 * The branch of the pull request `publishAs: pull-request` opens; the only
 * branch besides the cluster's that launchpad:workflow:submit reads from.
 */
export function createPullRequestBranch(slug: string): string {
  return `launchpad/create-${slug}`;
}

/** The generated secrets of a new instance (config keys Launchpad's stack reads). */
const GENERATED_SECRETS = ['MYSQL_PASSWORD', 'MONGODB_PASSWORD'] as const;

export interface InstanceCreateDeps extends LaunchpadActionDeps {
  catalog: CatalogService;
  events: EventsService;
  /**
   * The module's own credentials read the catalog for existence checks (is the
   * slug taken, does the owner exist): a slug is taken even by an entity the
   * requester may not see, and a static token's `accessRestrictions` would
   * refuse it a catalog call made on its behalf from inside the task.
   */
  auth: AuthService;
}

/** `release/teak.3` from `teak.3` or `release/teak.3`; InputError naming the value otherwise. */
export function normalizeRelease(release: string): string {
  const match = RELEASE.exec(release.trim());
  if (!match) {
    throw new InputError(
      `release "${release}" is not an Open edX release; use release/<name>.<n> or <name>.<n> (e.g. release/teak.3)`,
    );
  }
  return `release/${match[1]}.${match[2]}`;
}

/**
 * `launchpad:instance:create`: validates the request against the cluster
 * repository, the catalog and the cluster, then writes
 * `instances/<slug>/config.yml` and `application.yml` (rendered by the
 * clusters service's ConfigEditor) in one commit or as a pull request, and
 * asks the catalog provider to read the repository again.
 */
export function createInstanceCreateAction(deps: InstanceCreateDeps) {
  const { clusters, auditor, catalog, events } = deps;
  return createTemplateAction({
    id: 'launchpad:instance:create',
    description:
      'Creates a new Open edX instance folder (config.yml and application.yml) in a Launchpad cluster repository, as one commit or a pull request, after checking the slug, release and owner.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        cluster: z =>
          z.string({
            description: 'Cluster name from launchpad.clusters, e.g. staging',
          }),
        slug: z =>
          z.string({
            description:
              'Instance slug: a DNS-1123 label of 2 to 22 characters; the namespace and the prefix of every derived name',
          }),
        platformName: z =>
          z.string({ description: 'PLATFORM_NAME, shown to learners' }),
        owner: z =>
          z.string({
            description:
              'Owning group or user entity ref (PORTAL_OWNER), e.g. group:default/platform-team',
          }),
        release: z =>
          z
            .string({
              description: `EDX_PLATFORM_VERSION: release/<name>.<n> or <name>.<n>; default ${DEFAULT_RELEASE}`,
            })
            .optional(),
        tutorVersion: z =>
          z
            .string({
              description: `TUTOR_VERSION; default ${DEFAULT_TUTOR_VERSION}`,
            })
            .optional(),
        storageType: z =>
          z
            .enum(['s3', 'spaces'], {
              description: 'STORAGE_TYPE; default s3',
            })
            .optional(),
        publishAs: z =>
          z
            .enum(['commit', 'pull-request'], {
              description:
                "'commit' (default) commits to the cluster repository's branch; 'pull-request' opens a pull request",
            })
            .optional(),
        writeSecrets: z =>
          z
            .boolean({
              description:
                'true (default): the generated passwords go into config.yml, where Launchpad reads them; false: they go into the Kubernetes Secret launchpad-<slug>-credentials in the instance namespace and never into git',
            })
            .optional(),
        templateRepository: z =>
          z
            .string({
              description:
                'owner/name of a GitHub template repository: the instance goes into a new private repository generated from it (one commit on its default branch, which application.yml points ArgoCD at) instead of the cluster repository',
            })
            .optional(),
        repository: z =>
          z
            .string({
              description:
                'owner/name of the new repository (with templateRepository); same owner as the cluster repository; default <that owner>/launchpad-<slug>',
            })
            .optional(),
      },
      output: {
        entityRef: z =>
          z
            .string({
              description:
                'The instance entity, e.g. component:staging/chem-201 (absent for an instance in a new repository: the catalog reads cluster repositories only)',
            })
            .optional(),
        repositoryUrl: z =>
          z
            .string({
              description: 'The new repository (with templateRepository)',
            })
            .optional(),
        lmsUrl: z => z.string({ description: 'LMS URL' }),
        studioUrl: z => z.string({ description: 'Studio URL' }),
        namespace: z => z.string({ description: 'Instance namespace' }),
        application: z => z.string({ description: 'ArgoCD Application name' }),
        bucket: z => z.string({ description: 'STORAGE_BUCKET_NAME' }),
        release: z => z.string({ description: 'EDX_PLATFORM_VERSION written' }),
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
        pullRequestBranch: z =>
          z
            .string({
              description:
                "The pull request's branch, launchpad/create-<slug> (publishAs pull-request): launchpad:workflow:submit's branch input reads config.yml from it before the merge",
            })
            .optional(),
      },
    },
    async handler(ctx) {
      const { slug, platformName } = ctx.input;
      const cluster = clusterFromInput(clusters, ctx.input.cluster);
      await authorizeLaunchpad(deps.permissions, ctx, {
        permission: launchpadInstanceCreatePermission,
        cluster: cluster.name,
        slug,
      });
      const release = normalizeRelease(ctx.input.release ?? DEFAULT_RELEASE);
      const publishAs = ctx.input.publishAs ?? 'commit';
      const writeSecrets = ctx.input.writeSecrets ?? true;
      assertInstanceSlug(slug);
      const owner = ownerRef(ctx.input.owner);
      const entityRef = instanceEntityRef(cluster.name, slug);
      const credentials = await deps.auth.getOwnServiceCredentials();

      // In a checkpoint: a retried task must not find its own folder taken.
      let validatedNow = false;
      await ctx.checkpoint({
        key: `validate-${slug}`,
        fn: async () => {
          validatedNow = true;
          // First: the availability check below already asks the Kubernetes
          // API. ArgoCD only for a commit (launchpad-node's instanceCreateApis).
          assertClusterCredentials(cluster, instanceCreateApis(publishAs));
          // The check the form's live availability makes (launchpad-node).
          const availability = await checkInstanceAvailability({
            clusters,
            catalog,
            credentials,
            cluster: cluster.name,
            slug,
          });
          if (!availability.available) {
            throw new InputError(
              availability.reasons.map(r => r.message).join('; '),
            );
          }
          const ownerEntity = await catalog.getEntityByRef(owner, {
            credentials,
          });
          if (!ownerEntity) {
            throw new InputError(
              `owner "${ctx.input.owner}" is not an entity in the catalog`,
            );
          }
        },
      });

      // A new repository from a template repository, when the template asks
      // for it: checked before any side effect, in a checkpoint so a retry
      // does not find the repository it created taken.
      const intoRepository = ctx.input.templateRepository
        ? {
            template: parseRepositoryName(
              'templateRepository',
              ctx.input.templateRepository,
            ),
            target: parseRepositoryName(
              'repository',
              ctx.input.repository ??
                `${cluster.repository.owner}/launchpad-${slug}`,
            ),
          }
        : undefined;
      if (!intoRepository && ctx.input.repository) {
        throw new InputError(
          `repository "${ctx.input.repository}" needs templateRepository: a new repository is generated from a template repository`,
        );
      }
      if (intoRepository && publishAs === 'pull-request') {
        throw new InputError(
          `publishAs "pull-request" does not apply with templateRepository "${ctx.input.templateRepository}": the new repository gets one commit`,
        );
      }
      let repositoryCheckedNow = false;
      if (intoRepository) {
        await ctx.checkpoint({
          key: `validate-repository-${slug}`,
          fn: async () => {
            repositoryCheckedNow = true;
            await checkNewRepository(
              cluster,
              intoRepository.template,
              intoRepository.target,
            );
          },
        });
      }

      const render = (
        secrets?: Record<string, string>,
        bucket?: string,
        editor = cluster.repository.editor,
      ) =>
        editor.renderInstance({
          slug,
          platformName,
          edxPlatformVersion: release,
          tutorVersion: ctx.input.tutorVersion ?? DEFAULT_TUTOR_VERSION,
          storageType: ctx.input.storageType,
          storageBucketName: bucket,
          owner,
          secrets,
          writeSecrets,
        });
      const preview = render();
      const { names } = preview;
      if (!intoRepository) ctx.output('entityRef', entityRef);
      ctx.output('lmsUrl', `https://${names.lmsHost}`);
      ctx.output('studioUrl', `https://${names.cmsHost}`);
      ctx.output('namespace', names.namespace);
      ctx.output('application', names.application);
      ctx.output('release', release);
      if (ctx.isDryRun) {
        ctx.output('bucket', names.bucket);
        ctx.logger.info(
          `Dry run: ${slug} on ${
            cluster.name
          } is free; would write ${preview.files
            .map(f => f.path)
            .join(' and ')} as a ${publishAs}`,
        );
        return;
      }

      // The bucket name has a random suffix: choose it once per task.
      const { bucket } = await ctx.checkpoint({
        key: `bucket-${slug}`,
        fn: async () => ({ bucket: names.bucket }),
      });
      ctx.output('bucket', bucket);

      // Passwords are generated inside the step that stores them, so they
      // never reach the task state, a log line or an output.
      const generate = () =>
        Object.fromEntries(GENERATED_SECRETS.map(k => [k, generatePassword()]));
      if (!writeSecrets) {
        await ctx.checkpoint({
          key: `secrets-${slug}`,
          fn: async () => {
            const created = await audited(
              auditor,
              {
                eventId: 'instance-secret-create',
                meta: { cluster: cluster.name, slug },
              },
              () => writeInstanceSecret(cluster, slug, generate()),
            );
            ctx.logger.info(
              created
                ? `Stored the generated passwords in Secret ${slug}/launchpad-${slug}-credentials (not in git)`
                : `Secret ${slug}/launchpad-${slug}-credentials already exists; kept it`,
            );
          },
        });
      }

      if (intoRepository) {
        const { template, target } = intoRepository;
        const generated = await ctx.checkpoint({
          key: `repository-${slug}`,
          fn: async () => {
            const result = await audited(
              auditor,
              {
                eventId: 'instance-repository-create',
                meta: {
                  cluster: cluster.name,
                  slug,
                  repository: `${target.owner}/${target.repo}`,
                  templateRepository: `${template.owner}/${template.repo}`,
                },
              },
              () =>
                generateRepository(
                  cluster,
                  template,
                  target,
                  `Open edX instance ${slug} on ${cluster.name} (Launchpad portal)`,
                ),
              r => ({ created: r.created }),
            );
            ctx.logger.info(
              result.created
                ? `Created repository ${result.owner}/${result.repo} from template ${template.owner}/${template.repo}`
                : `Repository ${result.owner}/${result.repo} already exists (an earlier attempt of this task created it); using it`,
            );
            return { ...result };
          },
        });
        ctx.output('repositoryUrl', generated.htmlUrl);
        const into = repositoryTarget(cluster, generated, slug, ctx.logger);
        const intoName = `${generated.owner}/${generated.repo}`;
        const { commitSha } = await ctx.checkpoint({
          key: `publish-${slug}`,
          fn: async () => {
            await waitForBranch(into.writer, generated.branch, {
              signal: ctx.signal,
            });
            // As below: a commit whose answer was lost is kept.
            if (
              !repositoryCheckedNow &&
              (await hasFile(
                cluster,
                generated,
                `instances/${slug}/config.yml`,
              ))
            ) {
              ctx.logger.info(
                `instances/${slug} is already in ${intoName} (an earlier attempt of this task wrote it); not committing again`,
              );
              return { commitSha: await into.writer.readHead() };
            }
            const { files } = render(
              writeSecrets ? generate() : {},
              bucket,
              into.editor,
            );
            const commit = await audited(
              auditor,
              {
                eventId: 'instance-create',
                meta: {
                  cluster: cluster.name,
                  slug,
                  repository: intoName,
                  publishAs: 'repository',
                  files: files.map(f => f.path),
                },
              },
              () =>
                into.writer.commitFiles({
                  message: `Add Open edX instance ${slug}\n\nCreated by the Launchpad portal for ${owner}.`,
                  files,
                }),
              result => ({ commitSha: result.sha }),
            );
            return { commitSha: commit.sha };
          },
        });
        ctx.output('commitSha', commitSha);
        ctx.output('commitUrl', `${generated.htmlUrl}/commit/${commitSha}`);
        const short = commitSha.slice(0, 7);
        ctx.logger.info(
          `Committed instances/${slug} to ${intoName}@${generated.branch} (${short}); the catalog reads cluster repositories only, so this instance is not in it`,
        );
        return;
      }

      const { repository } = cluster;
      const repoName = `${repository.owner}/${repository.repo}`;
      const pullRequestBranch = createPullRequestBranch(slug);
      const published = await ctx.checkpoint({
        key: `publish-${slug}`,
        fn: async () => {
          const { files } = render(writeSecrets ? generate() : {}, bucket);
          const message = `Add Open edX instance ${slug}\n\nCreated by the Launchpad portal for ${owner}.`;
          const meta = {
            cluster: cluster.name,
            slug,
            repository: repoName,
            publishAs,
            files: files.map(f => f.path),
          };
          if (publishAs === 'pull-request') {
            const pr = await audited(
              auditor,
              { eventId: 'instance-create', meta },
              () =>
                repository.writer.openPullRequest({
                  branch: pullRequestBranch,
                  title: `Add Open edX instance ${slug}`,
                  body: `Created by the Launchpad portal for ${owner}.`,
                  files,
                  message,
                }),
              result => ({ pullRequestUrl: result.htmlUrl }),
            );
            return { pullRequestUrl: pr.htmlUrl };
          }
          // A commit whose answer was lost (GitHub 5xx after writing) left
          // the folder: validation found it free earlier in this task, so
          // it is ours. Keep it rather than overwrite it with new passwords.
          // (Validated in this attempt: no earlier attempt got this far.)
          const existing = validatedNow
            ? undefined
            : await readIfPresent(cluster, slug);
          if (existing) {
            ctx.logger.info(
              `${existing.path} is already in ${repoName} (an earlier attempt of this task wrote it); not committing again`,
            );
            return { commitSha: existing.commitSha };
          }
          const commit = await audited(
            auditor,
            { eventId: 'instance-create', meta },
            () => repository.writer.commitFiles({ message, files }),
            result => ({ commitSha: result.sha }),
          );
          return { commitSha: commit.sha };
        },
      });

      if (published.pullRequestUrl) {
        ctx.output('pullRequestUrl', published.pullRequestUrl);
        ctx.output('pullRequestBranch', pullRequestBranch);
        ctx.logger.info(
          `Opened pull request ${published.pullRequestUrl} adding instances/${slug}`,
        );
        return;
      }
      if (published.commitSha) {
        ctx.output('commitSha', published.commitSha);
        ctx.output('commitUrl', commitUrl(cluster, published.commitSha));
        ctx.logger.info(
          `Committed instances/${slug} to ${repoName}@${
            repository.branch
          } (${published.commitSha.slice(0, 7)})`,
        );
      }
      await publishRepositoryChanged(events, cluster.name);
    },
  });
}

/** The owner as a full entity ref (kind defaults to group); InputError when it is none. */
function ownerRef(owner: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    throw new InputError(`owner "${owner}" is not an entity ref`);
  }
}

/** The instance folder, or undefined when there is none. */
async function readIfPresent(cluster: LaunchpadCluster, slug: string) {
  try {
    return await cluster.repository.readInstance(slug);
  } catch (error) {
    assertError(error);
    if (error.name === 'NotFoundError') return undefined;
    throw error;
  }
}
