import {
  githubError,
  type LaunchpadCluster,
} from '@internal/plugin-launchpad-node';
import { buildRunTitleNames } from '@internal/plugin-launchpad-common';
import { readConfigText } from './instanceConfigChange';

/** A build.yml run that has not completed. */
export interface ActiveBuild {
  id: number;
  htmlUrl: string;
  /** queued, in_progress, waiting, pending or requested. */
  status: string;
  /** The commit the run was dispatched at. */
  headSha: string;
  displayTitle: string;
}

/** How many of the newest build.yml runs are looked at. */
const RUNS_LISTED = 100;

/**
 * Whether a run's display title names this instance and service: the
 * parser lives in launchpad-common (`buildRunTitleNames`), shared with the
 * history's build poller (launchpad-backend), which reads the same titles.
 */
export const titleNames = buildRunTitleNames;

/**
 * The newest build of `slug`'s `service` image on the cluster repository's
 * build.yml that is queued or in progress, if any: one listing of the
 * newest runs (a run still waiting is among the newest dispatches), with
 * titles matched by {@link titleNames}. `untitled` is set when active runs
 * exist whose title names no instance at all (a build.yml without
 * `run-name`): such runs cannot be told apart.
 */
export async function findActiveBuild(
  cluster: LaunchpadCluster,
  workflow: string,
  slug: string,
  service: string,
): Promise<{ active?: ActiveBuild; untitled: number }> {
  const { repository } = cluster;
  const octokit = await repository.octokit();
  let runs;
  try {
    runs = await octokit.rest.actions.listWorkflowRuns({
      owner: repository.owner,
      repo: repository.repo,
      workflow_id: workflow,
      event: 'workflow_dispatch',
      per_page: RUNS_LISTED,
    });
  } catch (error) {
    throw githubError(error, {
      action: `list the runs of ${workflow}`,
      cluster: cluster.name,
      repository: `${repository.owner}/${repository.repo}`,
    });
  }
  const running = runs.data.workflow_runs.filter(
    r => r.status && r.status !== 'completed',
  );
  const match = running
    .filter(r => titleNames(r.display_title ?? '', slug, service))
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))[0];
  const untitled = running.filter(
    r => (r.display_title ?? '') === (r.name ?? ''),
  ).length;
  return {
    untitled,
    active: match && {
      id: match.id,
      htmlUrl: match.html_url,
      status: match.status ?? 'queued',
      headSha: match.head_sha,
      displayTitle: match.display_title,
    },
  };
}

/**
 * Whether the run builds the config.yml the branch has now: the file at the
 * commit the run was dispatched at is the file at the head. Picasso checks
 * the branch out when its job starts (at or after that commit), so with
 * equal files it builds what a new dispatch would.
 */
export async function buildsCurrentConfig(
  cluster: LaunchpadCluster,
  slug: string,
  run: ActiveBuild,
): Promise<boolean> {
  const head = await cluster.repository.writer.readHead();
  if (head === run.headSha) return true;
  const [then, now] = await Promise.all([
    readConfigText(cluster, slug, run.headSha),
    readConfigText(cluster, slug, head),
  ]);
  return then.blobSha === now.blobSha;
}
