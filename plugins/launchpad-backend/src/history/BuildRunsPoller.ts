import type { LoggerService } from '@backstage/backend-plugin-api';
import { assertError } from '@backstage/errors';
import {
  parseBuildCommitMessage,
  parseBuildRunTitle,
  PICASSO_BUILD_WORKFLOW,
  PICASSO_IMAGE_KEYS,
} from '@internal/plugin-launchpad-common';
import {
  githubError,
  parseInstanceFiles,
  requestErrorStatus,
  type LaunchpadCluster,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';
import type { BuildRunRecord, BuildRunsStore } from './BuildRunsStore';
import { notifyRecorded, type HistoryRecordedEvent } from './HistoryRecorder';

type Octokit = Awaited<ReturnType<LaunchpadCluster['repository']['octokit']>>;

/** GitHub's page size maximum for run listings. */
const PER_PAGE = 100;
/** Commits walked back from the branch head looking for a build's commit. */
const MAX_WALK = 100;
/** Commits kept in memory (they are immutable, so never stale). */
const COMMIT_CACHE = 2_000;
/**
 * How far a build's commit date may lie outside the run's start and last
 * update: the commit is dated by the runner's clock, the run by GitHub's.
 */
const CLOCK_SLACK_MS = 120_000;

/** What one poll of one cluster did (tests, logs). */
export interface BuildPollResult {
  cluster: string;
  /** GitHub answered the listing 304: nothing changed, no rate limit spent. */
  notModified: boolean;
  /** Listing pages fetched (0 when the repository has no build.yml). */
  pages: number;
  /** Runs written (new or changed). */
  written: number;
  /** Runs whose title names no instance (a build.yml without run-name). */
  untitled: number;
  /** Images found this poll. */
  images: number;
  error?: string;
}

interface CommitInfo {
  message: string;
  parents: string[];
  /** Committer date, ms. */
  date: number;
}

interface ClusterState {
  listEtag?: string;
  headEtag?: string;
  head?: string;
  /** Completed successful runs whose image is still to be looked up, by run id. */
  pendingImages: Map<number, BuildRunRecord>;
}

/**
 * Records every Picasso build run (the cluster repository's build.yml) in
 * the history. Scheduled with `scope: 'global'`, so one replica polls; the
 * writes are upserts by run id, so a second poller would change nothing.
 *
 * Each poll of a cluster is one conditional `GET
 * /repos/{o}/{r}/actions/workflows/build.yml/runs?per_page=100` with the last
 * ETag: when no run changed GitHub answers 304, which costs no rate limit
 * (docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api,
 * "Use conditional requests if appropriate"). When every run of a full page
 * is new (the first poll, or a long outage), older pages are read too, up
 * to `maxPages`. Runs are tied to an instance and a service by their
 * run-name title (`parseBuildRunTitle`).
 *
 * The image: a run's `head_sha` is the commit it was dispatched at, whose
 * config.yml still names the previous image; the new tag is in the commit
 * the build pushed. GitHub's run object does not name that commit, so, once
 * a run has completed successfully, the branch's first-parent history is
 * walked back from its head (a conditional `GET git/ref`, then `GET
 * git/commits/{sha}` for commits not seen yet — they are immutable and
 * cached) to the run's head_sha, for the build's own commit (`[Picasso]
 * <slug>: <service> image <image>`, dated within the run); the image is then
 * read from config.yml at that commit. A build of another branch
 * (STRAIN_REPOSITORY_BRANCH), a build.yml committing otherwise, or a commit
 * further than 100 commits back leave the image empty.
 */
export class BuildRunsPoller {
  private readonly states = new Map<string, ClusterState>();
  private readonly commits = new Map<string, CommitInfo>();
  private readonly maxPages: number;
  private readonly recordedListeners = new Set<
    (event: HistoryRecordedEvent) => void
  >();

  constructor(
    private readonly clusters: LaunchpadClustersService,
    private readonly store: BuildRunsStore,
    private readonly logger: LoggerService,
    options: { maxPages?: number } = {},
  ) {
    this.maxPages = options.maxPages ?? 5;
  }

  /** Called after build runs of an instance were written (live pages refetch its history). */
  onRecorded(listener: (event: HistoryRecordedEvent) => void): () => void {
    this.recordedListeners.add(listener);
    return () => this.recordedListeners.delete(listener);
  }

  /** Polls every cluster; a failing cluster is logged and the others go on. */
  async poll(signal?: AbortSignal): Promise<BuildPollResult[]> {
    const results: BuildPollResult[] = [];
    for (const cluster of this.clusters.list()) {
      if (signal?.aborted) break;
      results.push(await this.pollCluster(cluster, signal));
    }
    return results;
  }

  async pollCluster(
    cluster: LaunchpadCluster,
    signal?: AbortSignal,
  ): Promise<BuildPollResult> {
    const result: BuildPollResult = {
      cluster: cluster.name,
      notModified: false,
      pages: 0,
      written: 0,
      untitled: 0,
      images: 0,
    };
    let state = this.states.get(cluster.name);
    if (!state) {
      state = { pendingImages: new Map() };
      this.states.set(cluster.name, state);
    }
    const { repository } = cluster;
    const context = {
      cluster: cluster.name,
      repository: `${repository.owner}/${repository.repo}`,
    };
    try {
      const octokit = await repository.octokit();
      await this.list(cluster, octokit, state, result, signal);
      if (state.pendingImages.size > 0) {
        result.images = await this.lookUpImages(
          cluster,
          octokit,
          state,
          signal,
        );
      }
    } catch (error) {
      const typed = githubError(error, {
        action: `list the runs of ${PICASSO_BUILD_WORKFLOW}`,
        ...context,
      });
      result.error = typed.message;
      this.logger.warn(`Build history: ${typed.message}`, context);
    }
    return result;
  }

  private async list(
    cluster: LaunchpadCluster,
    octokit: Octokit,
    state: ClusterState,
    result: BuildPollResult,
    signal?: AbortSignal,
  ): Promise<void> {
    const { owner, repo } = cluster.repository;
    for (let page = 1; page <= this.maxPages; page++) {
      let response;
      try {
        response = await octokit.rest.actions.listWorkflowRuns({
          owner,
          repo,
          workflow_id: PICASSO_BUILD_WORKFLOW,
          per_page: PER_PAGE,
          page,
          // Only the first page is asked conditionally: it holds every run
          // that changed since (a changed run is among the newest).
          headers:
            page === 1 && state.listEtag
              ? { 'if-none-match': state.listEtag }
              : {},
          request: { signal },
        });
      } catch (error) {
        const status = requestErrorStatus(error);
        if (status === 304) {
          result.notModified = true;
          return;
        }
        if (status === 404 && page === 1) {
          // No build.yml in this repository: nothing to record.
          this.logger.debug(
            `Build history: ${owner}/${repo} has no ${PICASSO_BUILD_WORKFLOW}`,
            { cluster: cluster.name },
          );
          return;
        }
        throw error;
      }
      result.pages++;
      const runs = response.data.workflow_runs;
      const records: BuildRunRecord[] = [];
      for (const run of runs) {
        const named = parseBuildRunTitle(run.display_title ?? '');
        if (!named) {
          result.untitled++;
          continue;
        }
        records.push(toRecord(cluster.name, named, run));
      }
      const stored = await this.store.states(records.map(r => r.runId));
      const changed = records.filter(r => {
        const before = stored.get(r.runId);
        return (
          !before ||
          before.status !== r.status ||
          before.conclusion !== r.conclusion ||
          before.updatedAt !== r.updatedAt
        );
      });
      await this.store.upsert(changed);
      result.written += changed.length;
      for (const slug of new Set(changed.map(r => r.instance)))
        notifyRecorded(this.recordedListeners, { cluster: cluster.name, slug });
      // Only runs seen completing (or new) are looked up: after a restart,
      // older runs whose image was not found are not walked for again.
      for (const r of changed) {
        if (
          r.status === 'completed' &&
          r.conclusion === 'success' &&
          !stored.get(r.runId)?.image
        ) {
          state.pendingImages.set(r.runId, r);
        }
      }
      // The ETag is kept only once the page is written: a failed write is
      // retried in full on the next poll instead of being answered 304.
      if (page === 1) state.listEtag = response.headers.etag;
      const olderPagesMatter =
        runs.length === PER_PAGE && records.every(r => !stored.has(r.runId));
      if (!olderPagesMatter) return;
    }
  }

  /** Finds the images of the pending runs; returns how many were found. */
  private async lookUpImages(
    cluster: LaunchpadCluster,
    octokit: Octokit,
    state: ClusterState,
    signal?: AbortSignal,
  ): Promise<number> {
    const { owner, repo, branch } = cluster.repository;
    try {
      const ref = await octokit.rest.git.getRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        headers: state.headEtag ? { 'if-none-match': state.headEtag } : {},
        request: { signal },
      });
      state.head = ref.data.object.sha;
      state.headEtag = ref.headers.etag;
    } catch (error) {
      if (!(requestErrorStatus(error) === 304 && state.head)) throw error;
    }
    const pending = [...state.pendingImages.values()];
    // Walk back far enough for the oldest pending run's dispatch commit.
    const stops = new Set(pending.map(r => r.headSha));
    const walked: Array<{ sha: string; commit: CommitInfo }> = [];
    let sha: string | undefined = state.head;
    while (sha && walked.length < MAX_WALK && stops.size > 0) {
      const commit = await this.commit(octokit, owner, repo, sha, signal);
      walked.push({ sha, commit });
      stops.delete(sha);
      sha = commit.parents[0];
    }

    let found = 0;
    for (const run of pending) {
      state.pendingImages.delete(run.runId);
      const reached = walked.findIndex(w => w.sha === run.headSha);
      // Commits after the dispatch commit (newer ones first).
      const after = reached >= 0 ? walked.slice(0, reached) : [];
      const from = Date.parse(run.startedAt) - CLOCK_SLACK_MS;
      const to = Date.parse(run.updatedAt) + CLOCK_SLACK_MS;
      const own = after.find(({ commit }) => {
        const parsed = parseBuildCommitMessage(commit.message);
        return (
          parsed?.instance === run.instance &&
          parsed.service === run.service &&
          commit.date >= from &&
          commit.date <= to
        );
      });
      if (!own) {
        this.logger.debug(
          `Build history: no commit of run ${run.runId} (${run.instance} ${run.service}) found on ${branch}; its image stays unknown`,
          { cluster: cluster.name },
        );
        continue;
      }
      const image = await this.imageAt(
        cluster,
        octokit,
        run,
        own.sha,
        own.commit,
        signal,
      );
      if (image) {
        await this.store.setImage(run.runId, image);
        notifyRecorded(this.recordedListeners, {
          cluster: cluster.name,
          slug: run.instance,
        });
        found++;
      }
    }
    return found;
  }

  /** The service's image in config.yml at `sha`. */
  private async imageAt(
    cluster: LaunchpadCluster,
    octokit: Octokit,
    run: BuildRunRecord,
    sha: string,
    commit: CommitInfo,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const key =
      PICASSO_IMAGE_KEYS[run.service as keyof typeof PICASSO_IMAGE_KEYS];
    // A service config.yml has no key for: the commit message names its image.
    if (!key) return parseBuildCommitMessage(commit.message)?.image;
    const { owner, repo } = cluster.repository;
    const path = `instances/${run.instance}/config.yml`;
    try {
      // The raw media type answers the file's text (docs.github.com/en/rest/repos/contents).
      const { data } = await octokit.rest.repos.getContent({
        owner,
        repo,
        path,
        ref: sha,
        mediaType: { format: 'raw' },
        request: { signal },
      });
      const text: unknown = data;
      if (typeof text !== 'string') return undefined;
      const image = parseInstanceFiles({ 'config.yml': text }).config?.[key];
      return typeof image === 'string' ? image : undefined;
    } catch (error) {
      if (requestErrorStatus(error) === 404) return undefined;
      assertError(error);
      throw error;
    }
  }

  private async commit(
    octokit: Octokit,
    owner: string,
    repo: string,
    sha: string,
    signal?: AbortSignal,
  ): Promise<CommitInfo> {
    const cached = this.commits.get(sha);
    if (cached) return cached;
    const { data } = await octokit.rest.git.getCommit({
      owner,
      repo,
      commit_sha: sha,
      request: { signal },
    });
    const info: CommitInfo = {
      message: data.message,
      parents: data.parents.map(p => p.sha),
      date: Date.parse(data.committer.date ?? data.author.date ?? ''),
    };
    if (this.commits.size >= COMMIT_CACHE) {
      // Map keeps insertion order: the oldest entry goes first.
      this.commits.delete(this.commits.keys().next().value!);
    }
    this.commits.set(sha, info);
    return info;
  }
}

interface ListedRun {
  id: number;
  status: string | null;
  conclusion: string | null;
  created_at: string;
  updated_at: string;
  run_started_at?: string;
  html_url: string;
  head_sha: string;
}

function toRecord(
  cluster: string,
  named: { service: string; instance: string },
  run: ListedRun,
): BuildRunRecord {
  const status = run.status ?? 'queued';
  const startedAt = run.run_started_at ?? run.created_at;
  const completed = status === 'completed';
  const ms = Date.parse(run.updated_at) - Date.parse(startedAt);
  return {
    runId: run.id,
    cluster,
    instance: named.instance,
    service: named.service,
    status,
    conclusion: completed ? run.conclusion ?? undefined : undefined,
    startedAt,
    updatedAt: run.updated_at,
    // A run's last update is when it completed: the run object has no
    // completed_at (docs.github.com/en/rest/actions/workflow-runs).
    finishedAt: completed ? run.updated_at : undefined,
    durationSeconds:
      completed && Number.isFinite(ms) && ms >= 0
        ? Math.round(ms / 1000)
        : undefined,
    url: run.html_url,
    headSha: run.head_sha,
  };
}
