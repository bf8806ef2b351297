import type { LoggerService } from '@backstage/backend-plugin-api';
import type { BranchHeadInfo } from '@internal/plugin-launchpad-common';
import {
  githubError,
  requestErrorStatus,
  type LaunchpadClustersService,
} from '@internal/plugin-launchpad-node';

/** A head older than this is re-confirmed on the next read. */
const DEFAULT_TTL_MS = 30_000;
/** A head not confirmed for this long is not used (a false "behind" is worse than "unknown"). */
const DEFAULT_MAX_AGE_MS = 300_000;
/** At most one early look-up per cluster this often (ArgoCD reconciled after our last look). */
const MIN_INTERVAL_MS = 5_000;

interface State {
  head?: BranchHeadInfo;
  etag?: string;
  /** When the last look-up started (ms). */
  askedAt?: number;
  inFlight?: Promise<void>;
  lastError?: string;
}

/**
 * The head commit of each cluster repository's branch, for the revision
 * drift: one conditional `GET git/ref/heads/<branch>` per cluster at most
 * every `ttlMs`, and only while someone reads status (a 304 costs no rate
 * limit: docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api,
 * "Use conditional requests if appropriate"). Reads never wait: they get the
 * cached head and start a look-up in the background when it is due, on the
 * cluster's own Octokit (the one GitHub budget of its credential).
 */
export class BranchHeads {
  private readonly states = new Map<string, State>();
  private readonly ttlMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly clusters: LaunchpadClustersService,
    private readonly logger: LoggerService,
    options: { ttlMs?: number; maxAgeMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached head, undefined when never seen or too old to trust. Starts
   * a look-up when the head is due, or early when `seenAfter` (an ArgoCD
   * reconcile, ms) is newer than the last confirmation.
   */
  get(cluster: string, seenAfter?: number): BranchHeadInfo | undefined {
    const state = this.state(cluster);
    const now = this.now();
    const head = state.head;
    const due =
      !head ||
      now - head.fetchedAt >= this.ttlMs ||
      (seenAfter !== undefined &&
        seenAfter > head.fetchedAt &&
        now - (state.askedAt ?? 0) >= MIN_INTERVAL_MS);
    if (due) void this.refresh(cluster);
    return head && now - head.fetchedAt <= this.maxAgeMs ? head : undefined;
  }

  /** Looks the head up now (one request in flight per cluster); never throws. */
  refresh(cluster: string): Promise<void> {
    const state = this.state(cluster);
    if (!state.inFlight) {
      state.askedAt = this.now();
      state.inFlight = this.lookUp(cluster, state).finally(() => {
        state.inFlight = undefined;
      });
    }
    return state.inFlight;
  }

  private state(cluster: string): State {
    let state = this.states.get(cluster);
    if (!state) {
      state = {};
      this.states.set(cluster, state);
    }
    return state;
  }

  private async lookUp(cluster: string, state: State): Promise<void> {
    let repository;
    try {
      repository = this.clusters.get(cluster).repository;
    } catch {
      return;
    }
    const { owner, repo, branch } = repository;
    try {
      const octokit = await repository.octokit();
      let sha: string;
      try {
        const ref = await octokit.rest.git.getRef({
          owner,
          repo,
          ref: `heads/${branch}`,
          headers: state.etag ? { 'if-none-match': state.etag } : {},
        });
        sha = ref.data.object.sha;
        state.etag = ref.headers.etag;
      } catch (error) {
        if (requestErrorStatus(error) !== 304 || !state.head) throw error;
        sha = state.head.sha;
      }
      const now = this.now();
      state.head = {
        sha,
        firstSeenAt: state.head?.sha === sha ? state.head.firstSeenAt : now,
        fetchedAt: now,
      };
      if (state.lastError) {
        this.logger.info(`Drift: the head of ${owner}/${repo} is known again`, {
          cluster,
        });
        state.lastError = undefined;
      }
    } catch (error) {
      const typed = githubError(error, {
        action: `read the head of ${branch}`,
        cluster,
        repository: `${owner}/${repo}`,
      });
      // Logged once per distinct failure, not on every read.
      if (state.lastError !== typed.message) {
        this.logger.warn(`Drift: ${typed.message}`, { cluster });
        state.lastError = typed.message;
      }
    }
  }
}
