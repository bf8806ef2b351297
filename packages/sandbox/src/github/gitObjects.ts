import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import type { SandboxClock } from '../clock';
import { GitStoreError } from './gitTypes';
import type { CommitInfo, GitPerson, TreeEntryRecord } from './gitTypes';

export const DEFAULT_AUTHOR = {
  name: 'Launchpad Sandbox',
  email: 'sandbox@launchpad.invalid',
};
const WRITE_CONCURRENCY = 32;
const TREE_CACHE_LIMIT = 100_000;
const COMMIT_CACHE_LIMIT = 20_000;
/** Blob contents kept in memory (seeded files are read back often by the controllers). */
const BLOB_CACHE_BYTES = 64 * 1024 * 1024;

/** A tree's entries keyed by name, as `writeTree` takes them. */
export type TreeEntries = Map<
  string,
  { mode: string; oid: string; type: TreeEntryRecord['type'] }
>;

export function isNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: string }).code === 'NotFoundError'
  );
}

/**
 * A missing object, or one of another type (a tree's SHA asked for as a
 * commit), is GitHub's 404; anything else is rethrown as it is.
 */
function asObjectNotFound(
  error: unknown,
  kind: 'commit' | 'blob' | 'tree',
  sha: string,
): unknown {
  if (
    isNotFound(error) ||
    (error as { code?: string }).code === 'ObjectTypeError'
  ) {
    return new GitStoreError('not-found', `No ${kind} found for SHA: ${sha}`);
  }
  return error;
}

/**
 * Git objects (blobs, trees, commits) of every repository, read and written
 * in git's on-disk format, with in-memory caches. Objects are immutable and
 * content-addressed, so no cache ever goes stale; each is bounded and cleared
 * when full.
 */
export class GitObjects {
  /** isomorphic-git's packfile/object cache, shared by every call. */
  readonly cache = {};
  private readonly blobSizes = new Map<string, number>();
  private readonly objectDirs = new Set<string>();
  private readonly trees = new Map<string, TreeEntryRecord[]>();
  private readonly commits = new Map<string, CommitInfo>();
  private readonly blobs = new Map<string, Buffer>();
  private blobBytes = 0;

  constructor(private readonly clock: SandboxClock) {}

  /** Whether `sha` is a commit already read or written (no disk access). */
  isKnownCommit(gitdir: string, sha: string): boolean {
    return this.commits.has(`${gitdir}\0${sha}`);
  }

  async objectType(gitdir: string, sha: string): Promise<string | undefined> {
    try {
      const obj = await git.readObject({
        fs,
        gitdir,
        oid: sha,
        format: 'content',
        cache: this.cache,
      });
      return obj.type;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async readCommit(gitdir: string, sha: string): Promise<CommitInfo> {
    // Commits are immutable: cached by repository and sha.
    const cacheKey = `${gitdir}\0${sha}`;
    const cached = this.commits.get(cacheKey);
    if (cached) return cached;
    try {
      const { oid, commit } = await git.readCommit({
        fs,
        gitdir,
        oid: sha,
        cache: this.cache,
      });
      const person = (p: typeof commit.author) => ({
        name: p.name,
        email: p.email,
        date: new Date(p.timestamp * 1000),
      });
      const info: CommitInfo = {
        sha: oid,
        tree: commit.tree,
        parents: commit.parent,
        message: commit.message,
        author: person(commit.author),
        committer: person(commit.committer),
      };
      if (this.commits.size >= COMMIT_CACHE_LIMIT) this.commits.clear();
      this.commits.set(cacheKey, info);
      return info;
    } catch (error) {
      throw asObjectNotFound(error, 'commit', sha);
    }
  }

  async readTreeEntries(
    gitdir: string,
    sha: string,
  ): Promise<ReadonlyArray<Readonly<TreeEntryRecord>>> {
    // Trees are immutable (content-addressed), so a cache never goes stale.
    const cached = this.trees.get(sha);
    if (cached) return cached;
    try {
      const { tree } = await git.readTree({
        fs,
        gitdir,
        oid: sha,
        cache: this.cache,
      });
      if (this.trees.size >= TREE_CACHE_LIMIT) this.trees.clear();
      this.trees.set(sha, tree);
      return tree;
    } catch (error) {
      throw asObjectNotFound(error, 'tree', sha);
    }
  }

  async readBlob(gitdir: string, sha: string): Promise<Buffer> {
    const cached = this.blobs.get(sha);
    if (cached) return Buffer.from(cached);
    try {
      const { blob } = await git.readBlob({
        fs,
        gitdir,
        oid: sha,
        cache: this.cache,
      });
      this.blobSizes.set(sha, blob.length);
      this.cacheBlob(sha, Buffer.from(blob));
      return Buffer.from(blob);
    } catch (error) {
      throw asObjectNotFound(error, 'blob', sha);
    }
  }

  async blobSize(gitdir: string, sha: string): Promise<number> {
    const known = this.blobSizes.get(sha);
    if (known !== undefined) return known;
    return (await this.readBlob(gitdir, sha)).length;
  }

  async writeBlobs(gitdir: string, contents: Buffer[]): Promise<string[]> {
    const oids: string[] = new Array(contents.length);
    for (let i = 0; i < contents.length; i += WRITE_CONCURRENCY) {
      await Promise.all(
        contents.slice(i, i + WRITE_CONCURRENCY).map(async (blob, j) => {
          const oid = await this.writeObject(gitdir, 'blob', blob);
          this.blobSizes.set(oid, blob.length);
          this.cacheBlob(oid, blob);
          oids[i + j] = oid;
        }),
      );
    }
    return oids;
  }

  /** Serialises a tree in git's format: entries in git's order, modes without leading zeros. */
  async writeTree(gitdir: string, entries: TreeEntries): Promise<string> {
    const sortKey = (name: string, type: string) =>
      Buffer.from(type === 'tree' ? `${name}/` : name);
    const sorted = [...entries].sort(([a, ea], [b, eb]) =>
      Buffer.compare(sortKey(a, ea.type), sortKey(b, eb.type)),
    );
    const parts: Buffer[] = [];
    for (const [name, e] of sorted) {
      parts.push(
        Buffer.from(`${e.mode.replace(/^0+/, '')} ${name}\0`),
        Buffer.from(e.oid, 'hex'),
      );
    }
    const oid = await this.writeObject(gitdir, 'tree', Buffer.concat(parts));
    this.trees.set(
      oid,
      sorted.map(([name, e]) => ({
        path: name,
        mode: e.mode,
        oid: e.oid,
        type: e.type,
      })),
    );
    return oid;
  }

  async writeCommit(
    gitdir: string,
    commit: {
      message: string;
      tree: string;
      parents: string[];
      author?: GitPerson;
      committer?: GitPerson;
    },
  ): Promise<string> {
    const person = (p: GitPerson | undefined) => {
      const date = p?.date ?? this.clock.now();
      return {
        name: p?.name ?? DEFAULT_AUTHOR.name,
        email: p?.email ?? DEFAULT_AUTHOR.email,
        timestamp: Math.floor(date.getTime() / 1000),
        timezoneOffset: 0,
      };
    };
    const message = commit.message.endsWith('\n')
      ? commit.message
      : `${commit.message}\n`;
    return git.writeCommit({
      fs,
      gitdir,
      commit: {
        message,
        tree: commit.tree,
        parent: commit.parents,
        author: person(commit.author),
        committer: person(commit.committer ?? commit.author),
      },
    });
  }

  private cacheBlob(oid: string, content: Buffer): void {
    if (this.blobs.has(oid) || content.length > BLOB_CACHE_BYTES / 64) return;
    if (this.blobBytes + content.length > BLOB_CACHE_BYTES) {
      this.blobs.clear();
      this.blobBytes = 0;
    }
    this.blobs.set(oid, Buffer.from(content));
    this.blobBytes += content.length;
  }

  /**
   * Writes a loose object as git does (zlib-deflated `<type> <size>\0<content>`
   * under objects/xx/yyyy...). Done here rather than through isomorphic-git's
   * writeBlob/writeTree, whose per-object overhead made a 4,000-file seed
   * take about ten times longer; what lands on disk is the same.
   */
  private async writeObject(
    gitdir: string,
    type: 'blob' | 'tree',
    content: Buffer,
  ): Promise<string> {
    const wrapped = Buffer.concat([
      Buffer.from(`${type} ${content.length}\0`),
      content,
    ]);
    const oid = createHash('sha1').update(wrapped).digest('hex');
    const folder = path.join(gitdir, 'objects', oid.slice(0, 2));
    if (!this.objectDirs.has(folder)) {
      await fs.promises.mkdir(folder, { recursive: true });
      this.objectDirs.add(folder);
    }
    try {
      await fs.promises.writeFile(
        path.join(folder, oid.slice(2)),
        deflateSync(wrapped, { level: 1 }),
        { flag: 'wx' },
      );
    } catch (error) {
      // Objects are content-addressed: one already there is the same object.
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    return oid;
  }
}
