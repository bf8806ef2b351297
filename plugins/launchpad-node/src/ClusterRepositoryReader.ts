import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LaunchpadOctokit } from './github';
import { requestErrorStatus } from './github';

/** One instance folder of a cluster repository, with the files the reader was asked for. */
export interface InstanceFolder {
  slug: string;
  /** `instances/<slug>` */
  path: string;
  /** Git tree SHA of the folder: changes whenever anything under it changes. */
  treeSha: string;
  /** Requested top-level files of the folder that exist, by name, as UTF-8 text. */
  files: Record<string, string>;
}

export type ClusterRepositoryRead =
  | {
      changed: false;
      commitSha: string;
      /** GitHub requests this read made. */
      requests: number;
    }
  | {
      changed: true;
      commitSha: string;
      /** The repository's web URL (`html_url`), for links and locations. */
      htmlUrl: string;
      instances: InstanceFolder[];
      /** Slugs whose folder was (re)read from GitHub on this read. */
      reread: string[];
      requests: number;
    };

export interface ClusterRepositoryReaderOptions {
  octokit: LaunchpadOctokit;
  owner: string;
  repo: string;
  branch: string;
  /** Folder holding one folder per instance; default `instances`. */
  instancesPath?: string;
  /** Top-level files to read from each instance folder; default config.yml and application.yml. */
  files?: string[];
  /** Parallel blob requests; default 8. */
  concurrency?: number;
  logger?: LoggerService;
}

interface CachedFolder {
  treeSha: string;
  /** file name → blob sha and content */
  blobs: Map<string, { sha: string; content: string }>;
}

interface ReaderState {
  etag?: string;
  commitSha: string;
  htmlUrl: string;
  folders: Map<string, CachedFolder>;
}

interface TreeEntry {
  path?: string;
  type?: string;
  sha?: string;
}

/**
 * Reads a cluster repository's instance folders with as few GitHub requests
 * as possible:
 * 1. a conditional `GET git/ref/heads/<branch>` with the last ETag — a 304
 *    (or the same commit) means nothing changed: one request in all;
 * 2. `GET git/trees/<commit>?recursive=1`;
 * 3. blobs only of the wanted files of the folders whose tree SHA changed, and
 *    of those only the files whose blob SHA changed.
 * A truncated tree falls back to listing `instances/` and each changed folder.
 *
 * The cache is in memory, per reader (one per cluster provider): a restart
 * reads everything once. State is replaced only after a read succeeds, so a
 * failed read is retried in full next time and never loses data.
 */
export class ClusterRepositoryReader {
  private state?: ReaderState;
  private readonly instancesPath: string;
  private readonly files: string[];
  private readonly concurrency: number;

  constructor(private readonly options: ClusterRepositoryReaderOptions) {
    this.instancesPath = (options.instancesPath ?? 'instances').replace(
      /\/+$/,
      '',
    );
    this.files = options.files ?? ['config.yml', 'application.yml'];
    this.concurrency = options.concurrency ?? 8;
  }

  /** Forgets the cache: the next read is a full read. */
  reset(): void {
    this.state = undefined;
  }

  async read(): Promise<ClusterRepositoryRead> {
    const { octokit, owner, repo, branch } = this.options;
    const previous = this.state;
    let requests = 0;

    let commitSha: string;
    let etag: string | undefined;
    try {
      requests++;
      const ref = await octokit.rest.git.getRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        headers: previous?.etag ? { 'if-none-match': previous.etag } : {},
      });
      commitSha = ref.data.object.sha;
      etag = ref.headers.etag;
    } catch (error) {
      if (previous && requestErrorStatus(error) === 304) {
        return { changed: false, commitSha: previous.commitSha, requests };
      }
      throw error;
    }
    if (previous && previous.commitSha === commitSha) {
      // Same commit (a server without ETags): nothing to read.
      this.state = { ...previous, etag };
      return { changed: false, commitSha, requests };
    }

    let htmlUrl = previous?.htmlUrl;
    if (!htmlUrl) {
      requests++;
      htmlUrl = (await octokit.rest.repos.get({ owner, repo })).data.html_url;
    }

    const listing = await this.listFolders(commitSha, previous);
    requests += listing.requests;

    // Which blobs must be fetched: wanted files of changed folders whose blob changed.
    const folders = new Map<string, CachedFolder>();
    const fetches: Array<{ slug: string; file: string; sha: string }> = [];
    const reread: string[] = [];
    for (const [slug, folder] of listing.folders) {
      const cached = previous?.folders.get(slug);
      if (cached && cached.treeSha === folder.treeSha) {
        folders.set(slug, cached);
        continue;
      }
      reread.push(slug);
      const blobs = new Map<string, { sha: string; content: string }>();
      folders.set(slug, { treeSha: folder.treeSha, blobs });
      for (const [file, sha] of folder.files) {
        const cachedBlob = cached?.blobs.get(file);
        if (cachedBlob && cachedBlob.sha === sha) {
          blobs.set(file, cachedBlob);
        } else {
          fetches.push({ slug, file, sha });
        }
      }
    }

    await mapLimit(fetches, this.concurrency, async ({ slug, file, sha }) => {
      requests++;
      const blob = await octokit.rest.git.getBlob({
        owner,
        repo,
        file_sha: sha,
      });
      const content = Buffer.from(
        blob.data.content,
        blob.data.encoding === 'base64' ? 'base64' : 'utf8',
      ).toString('utf8');
      folders.get(slug)!.blobs.set(file, { sha, content });
    });

    this.state = { etag, commitSha, htmlUrl, folders };
    const instances = [...folders.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([slug, folder]) => ({
        slug,
        path: `${this.instancesPath}/${slug}`,
        treeSha: folder.treeSha,
        files: Object.fromEntries(
          [...folder.blobs.entries()].map(([file, blob]) => [
            file,
            blob.content,
          ]),
        ),
      }));
    return { changed: true, commitSha, htmlUrl, instances, reread, requests };
  }

  /** Instance folders at `commitSha`: slug → tree sha and wanted files' blob shas. */
  private async listFolders(
    commitSha: string,
    previous: ReaderState | undefined,
  ): Promise<{
    folders: Map<string, { treeSha: string; files: Map<string, string> }>;
    requests: number;
  }> {
    const { octokit, owner, repo } = this.options;
    const prefix = `${this.instancesPath}/`;
    const folders = new Map<
      string,
      { treeSha: string; files: Map<string, string> }
    >();
    const tree = await octokit.rest.git.getTree({
      owner,
      repo,
      tree_sha: commitSha,
      recursive: 'true',
    });
    let requests = 1;

    if (!tree.data.truncated) {
      for (const entry of tree.data.tree as TreeEntry[]) {
        if (!entry.path?.startsWith(prefix) || !entry.sha) continue;
        const rest = entry.path.slice(prefix.length).split('/');
        if (rest.length === 1 && entry.type === 'tree') {
          const folder = folders.get(rest[0]);
          if (folder) folder.treeSha = entry.sha;
          else folders.set(rest[0], { treeSha: entry.sha, files: new Map() });
        } else if (
          rest.length === 2 &&
          entry.type === 'blob' &&
          this.files.includes(rest[1])
        ) {
          const folder = folders.get(rest[0]) ?? {
            treeSha: '',
            files: new Map(),
          };
          folder.files.set(rest[1], entry.sha);
          folders.set(rest[0], folder);
        }
      }
      return { folders, requests };
    }

    // Truncated: walk down to instances/ and list only the changed folders.
    this.options.logger?.info(
      `Tree of ${owner}/${repo}@${commitSha} is truncated; listing ${this.instancesPath}/ folder by folder`,
    );
    let sha: string | undefined = commitSha;
    for (const part of this.instancesPath.split('/')) {
      const parent: { data: { tree: TreeEntry[] } } =
        await octokit.rest.git.getTree({
          owner,
          repo,
          tree_sha: sha!,
        });
      requests++;
      sha = parent.data.tree.find(
        e => e.path === part && e.type === 'tree',
      )?.sha;
      if (!sha) return { folders, requests };
    }
    const instances = await octokit.rest.git.getTree({
      owner,
      repo,
      tree_sha: sha!,
    });
    requests++;
    const changed: Array<{ slug: string; treeSha: string }> = [];
    for (const entry of instances.data.tree as TreeEntry[]) {
      if (entry.type !== 'tree' || !entry.path || !entry.sha) continue;
      const cached = previous?.folders.get(entry.path);
      if (cached && cached.treeSha === entry.sha) {
        folders.set(entry.path, {
          treeSha: entry.sha,
          files: new Map([...cached.blobs].map(([f, b]) => [f, b.sha])),
        });
      } else {
        changed.push({ slug: entry.path, treeSha: entry.sha });
      }
    }
    await mapLimit(changed, this.concurrency, async ({ slug, treeSha }) => {
      const folderTree = await octokit.rest.git.getTree({
        owner,
        repo,
        tree_sha: treeSha,
      });
      requests++;
      const files = new Map<string, string>();
      for (const entry of folderTree.data.tree as TreeEntry[]) {
        if (
          entry.type === 'blob' &&
          entry.path &&
          entry.sha &&
          this.files.includes(entry.path)
        ) {
          files.set(entry.path, entry.sha);
        }
      }
      folders.set(slug, { treeSha, files });
    });
    return { folders, requests };
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure. */
async function mapLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}
