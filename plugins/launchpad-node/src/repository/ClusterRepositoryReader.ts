import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import type { LaunchpadOctokit } from '../github';
import { describeGitHubError, requestErrorStatus } from '../github';

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
  /**
   * Blobs per GraphQL query; default 100. 0 reads every blob over REST
   * (one request each).
   */
  graphqlBatchSize?: number;
  /** Parallel REST requests (per-folder trees, blobs GraphQL did not give); default 8. */
  concurrency?: number;
  /**
   * Read the first (uncached) read's files from one tarball download
   * instead of blob by blob; default true.
   */
  tarball?: boolean;
  /**
   * Skip the tarball when the repository's files add up to more than this
   * (bytes, from the tree); default 100 MiB.
   */
  tarballMaxBytes?: number;
  /** Give up on a tarball download after this long (ms) and read blobs instead; default 60,000. */
  tarballTimeoutMs?: number;
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
  size?: number;
}

/** What the batched query asks of each blob. */
interface GraphqlBlob {
  oid: string;
  text: string | null;
  isBinary: boolean;
  isTruncated: boolean;
  byteSize: number;
}

/**
 * GraphQL queries in flight at once. GitHub asks integrators not to fire
 * GraphQL requests concurrently (secondary rate limits); two keep a full read
 * of 1,000 instances short without being a burst.
 */
const GRAPHQL_CONCURRENCY = 2;

/**
 * Reads a cluster repository's instance folders with as few GitHub requests
 * as possible:
 * 1. a conditional `GET git/ref/heads/<branch>` with the last ETag — a 304
 *    (or the same commit) means nothing changed: one request in all;
 * 2. `GET git/trees/<commit>?recursive=1`;
 * 3. the first read (nothing cached): ONE `GET tarball/<commit>` (GitHub
 *    answers 302 to its download host, which fetch follows; no rate limit is
 *    spent there), stream-parsed, keeping only the wanted files; each file is
 *    taken only if its git blob SHA is the one the tree names, so the cache
 *    stays exact and anything the archive altered (export-subst, eol
 *    attributes, a symlink) is read as a blob below. A full read of 1,000
 *    instances is four requests (ref, repository, tree, tarball);
 * 4. blobs only of the wanted files of the folders whose tree SHA changed, and
 *    of those only the files whose blob SHA changed — fetched by oid in
 *    batched GraphQL queries (`graphqlBatchSize` per request). A blob
 *    GraphQL gives no text for (truncated, binary, missing) is read over
 *    REST; if the GraphQL endpoint fails (a 5xx after retries, a GitHub
 *    Enterprise without it), the read warns once and continues over REST.
 *    A tarball that fails (an error after retries, a cut stream, a timeout)
 *    is warned about and its files read this way.
 * A truncated tree falls back to listing `instances/` and each changed folder
 * (and skips the tarball: such a repository is too large to download whole).
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
  private readonly graphqlBatchSize: number;
  /** Set once a GraphQL failure was logged at warn; cleared when GraphQL works again. */
  private graphqlWarned = false;
  private readonly tarball: boolean;
  private readonly tarballMaxBytes: number;
  private readonly tarballTimeoutMs: number;

  constructor(private readonly options: ClusterRepositoryReaderOptions) {
    this.instancesPath = (options.instancesPath ?? 'instances').replace(
      /\/+$/,
      '',
    );
    this.files = options.files ?? ['config.yml', 'application.yml'];
    this.concurrency = options.concurrency ?? 8;
    this.graphqlBatchSize = options.graphqlBatchSize ?? 100;
    this.tarball = options.tarball ?? true;
    this.tarballMaxBytes = options.tarballMaxBytes ?? 100 * 1024 * 1024;
    this.tarballTimeoutMs = options.tarballTimeoutMs ?? 60_000;
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

    // The first read downloads the tarball while the repository and its
    // tree are asked for.
    const download =
      !previous && this.tarball ? new AbortController() : undefined;
    const tarball = download && this.tarballFiles(commitSha, download.signal);
    if (tarball) requests++;
    // Known from the cached state; the first read asks for the repository.
    let htmlUrl = previous?.htmlUrl ?? '';
    let listing: Awaited<ReturnType<ClusterRepositoryReader['listFolders']>>;
    try {
      if (!previous) {
        requests++;
        htmlUrl = (await octokit.rest.repos.get({ owner, repo })).data.html_url;
      }
      listing = await this.listFolders(commitSha, previous);
    } catch (error) {
      // The download settles on its own (it never rejects; an abort is not
      // retried by the retry plugin).
      download?.abort();
      throw error;
    }
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

    const shas = [...new Set(fetches.map(f => f.sha))];
    const blobs = new Map<string, string>();
    if (tarball && listing.bytes <= this.tarballMaxBytes && shas.length > 0) {
      // A file is taken from the archive only if it is the blob the tree names.
      const files = await tarball;
      for (const { slug, file, sha } of fetches) {
        const content = files.get(`${this.instancesPath}/${slug}/${file}`);
        if (content && gitBlobSha(content) === sha) {
          blobs.set(sha, content.toString('utf8'));
        }
      }
    } else if (download) {
      // Too large to download whole (or nothing to read): stop the download.
      download.abort();
    }
    for (const [sha, text] of await this.fetchBlobs(
      shas.filter(blobSha => !blobs.has(blobSha)),
      () => requests++,
    )) {
      blobs.set(sha, text);
    }
    for (const { slug, file, sha } of fetches) {
      folders.get(slug)!.blobs.set(file, { sha, content: blobs.get(sha)! });
    }

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

  /**
   * Texts of the blobs `shas`, by sha: batched GraphQL queries first, then
   * REST for every blob they did not give. `count` is called per request.
   */
  private async fetchBlobs(
    shas: string[],
    count: () => void,
  ): Promise<Map<string, string>> {
    const { octokit, owner, repo } = this.options;
    const texts = new Map<string, string>();
    if (this.graphqlBatchSize > 0 && shas.length > 0) {
      const batches: string[][] = [];
      for (let i = 0; i < shas.length; i += this.graphqlBatchSize) {
        batches.push(shas.slice(i, i + this.graphqlBatchSize));
      }
      let failed = false;
      const query = async (batch: string[]) => {
        // After one failure the rest go to REST: a missing or failing
        // endpoint would fail (and be retried) the same way for every batch.
        if (failed) return;
        try {
          count();
          for (const [sha, text] of await this.graphqlBlobs(batch)) {
            texts.set(sha, text);
          }
        } catch (error) {
          failed = true;
          const message = `GitHub GraphQL blob read of ${owner}/${repo} failed, reading blobs over REST instead: ${describeGitHubError(
            error,
          )}`;
          if (this.graphqlWarned) this.options.logger?.debug(message);
          else this.options.logger?.warn(message);
          this.graphqlWarned = true;
        }
      };
      // The first batch alone, so that a failing endpoint costs one query's retries.
      await query(batches[0]);
      await mapLimit(batches.slice(1), GRAPHQL_CONCURRENCY, query);
      if (!failed) this.graphqlWarned = false;
    }
    const rest = shas.filter(sha => !texts.has(sha));
    await mapLimit(rest, this.concurrency, async sha => {
      count();
      const blob = await octokit.rest.git.getBlob({
        owner,
        repo,
        file_sha: sha,
      });
      texts.set(
        sha,
        Buffer.from(
          blob.data.content,
          blob.data.encoding === 'base64' ? 'base64' : 'utf8',
        ).toString('utf8'),
      );
    });
    return texts;
  }

  /** One GraphQL query for up to `graphqlBatchSize` blobs: the texts it gave, by sha. */
  private async graphqlBlobs(shas: string[]): Promise<Map<string, string>> {
    const { octokit, owner, repo } = this.options;
    // Oids come from GitHub's own tree; anything else is left to REST rather
    // than written into the query.
    const valid = shas.filter(sha => /^[0-9a-f]{40}$/i.test(sha));
    const aliases = valid
      .map(
        (sha, i) =>
          `b${i}: object(oid: "${sha}") { ... on Blob { oid text isBinary isTruncated byteSize } }`,
      )
      .join('\n');
    const data = await octokit.graphql<{
      repository: Record<string, GraphqlBlob | null> | null;
    }>(
      `query ($owner: String!, $name: String!) {\n repository(owner: $owner, name: $name) {\n${aliases}\n }\n}`,
      { owner, name: repo },
    );
    const texts = new Map<string, string>();
    valid.forEach((sha, i) => {
      const blob = data.repository?.[`b${i}`];
      if (
        blob &&
        blob.oid === sha &&
        !blob.isTruncated &&
        !blob.isBinary &&
        typeof blob.text === 'string'
      ) {
        texts.set(sha, blob.text);
      }
    });
    return texts;
  }

  /** Instance folders at `commitSha`: slug → tree sha and wanted files' blob shas. */
  private async listFolders(
    commitSha: string,
    previous: ReaderState | undefined,
  ): Promise<{
    folders: Map<string, { treeSha: string; files: Map<string, string> }>;
    requests: number;
    /** What the repository's files add up to (Infinity when the tree was truncated). */
    bytes: number;
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
      let bytes = 0;
      for (const entry of tree.data.tree as TreeEntry[]) {
        bytes += entry.size ?? 0;
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
      return { folders, requests, bytes };
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
      if (!sha) return { folders, requests, bytes: Infinity };
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
    return { folders, requests, bytes: Infinity };
  }

  /**
   * The wanted files of every instance folder (`<instancesPath>/<slug>/<file>`)
   * from one tarball of `commitSha`, by path, as bytes. Never rejects: on a
   * failure it warns and gives what it read (the rest is read as blobs);
   * aborted through `signal`, it gives nothing. Entries sit under one top
   * folder (`<owner>-<repo>-<sha7>/` on GitHub), stripped as Backstage's
   * TarArchiveResponse strips it (backstage/backstage
   * packages/backend-defaults/src/entrypoints/urlReader/lib/tree/TarArchiveResponse.ts).
   */
  private async tarballFiles(
    commitSha: string,
    signal: AbortSignal,
  ): Promise<Map<string, Buffer>> {
    const { octokit, owner, repo } = this.options;
    const prefix = `${this.instancesPath}/`;
    const files = new Map<string, Buffer>();
    try {
      const response = await octokit.rest.repos.downloadTarballArchive({
        owner,
        repo,
        ref: commitSha,
        request: {
          // The body as a stream: parsed as it arrives, never held whole.
          parseSuccessResponseBody: false,
          signal: AbortSignal.any([
            signal,
            AbortSignal.timeout(this.tarballTimeoutMs),
          ]),
        },
      });
      const body = response.data as unknown as WebReadableStream<Uint8Array>;
      const parser = new Parser({
        onReadEntry: (entry: ReadEntry) => {
          const path = entry.path.replace(/^[^/]*\//, '');
          const rest = path.startsWith(prefix)
            ? path.slice(prefix.length).split('/')
            : [];
          if (
            // git archive writes type '0' (File); older writers '\0' (OldFile).
            (entry.type !== 'File' && entry.type !== 'OldFile') ||
            rest.length !== 2 ||
            !this.files.includes(rest[1])
          ) {
            entry.resume();
            return;
          }
          const chunks: Buffer[] = [];
          entry.on('data', (chunk: Buffer) => chunks.push(chunk));
          entry.on('end', () => files.set(path, Buffer.concat(chunks)));
        },
      });
      await pipeline(Readable.fromWeb(body), parser);
    } catch (error) {
      if (signal.aborted) return new Map();
      this.options.logger?.warn(
        `GitHub tarball read of ${owner}/${repo}@${commitSha} failed, reading blobs instead: ${describeGitHubError(
          error,
        )}`,
      );
    }
    return files;
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

/** Git's object id of a blob: sha1 over `blob <size>\0<content>`. */
function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(`blob ${content.length}\0`)
    .update(content)
    .digest('hex');
}
