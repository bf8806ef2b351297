import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import type { SandboxClock } from '../clock';

/** A branch moved: fired for every commit on any branch, whoever wrote it. */
export interface PushEvent {
  owner: string;
  repo: string;
  branch: string;
  before: string | null;
  after: string;
  changedPaths: string[];
}

export interface RepositoryInfo {
  id: number;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  isTemplate: boolean;
  defaultBranch: string;
  templateRepository?: { owner: string; name: string };
  createdAt: Date;
  updatedAt: Date;
  pushedAt: Date;
}

export interface GitPerson {
  name: string;
  email: string;
  /** Defaults to the sandbox clock's now. */
  date?: Date;
}

export interface TreeItem {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: Required<GitPerson>;
  committer: Required<GitPerson>;
}

export interface DiffEntry {
  filename: string;
  status: 'added' | 'removed' | 'modified';
  sha: string | null;
  previousSha: string | null;
  /** The file's mode after the change (before it, for removals). */
  mode: string;
}

/** One edit of a tree: a blob/tree/submodule entry to set, or `sha: null` to delete. */
export type TreeEdit =
  | {
      path: string;
      mode: string;
      type: 'blob' | 'tree' | 'commit';
      sha: string;
    }
  | { path: string; sha: null };

export class GitStoreError extends Error {
  constructor(
    readonly code: 'not-found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'GitStoreError';
  }
}

const DEFAULT_AUTHOR = {
  name: 'Launchpad Sandbox',
  email: 'sandbox@launchpad.invalid',
};
const FILE_MODE = '100644';
const TREE_MODE = '040000';
const WRITE_CONCURRENCY = 32;
const TREE_CACHE_LIMIT = 100_000;
const COMMIT_CACHE_LIMIT = 20_000;
/** Blob contents kept in memory (seeded files are read back often by the controllers). */
const BLOB_CACHE_BYTES = 64 * 1024 * 1024;

interface TreeEntryRecord {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

interface TreeNode {
  entries: Map<string, { mode: string; oid: string; type: TreeItem['type'] }>;
  sub: Map<string, TreeNode>;
  dirty: boolean;
}

function splitPath(p: string): string[] {
  return p.split('/').filter(part => part.length > 0);
}

function isNotFound(error: unknown): boolean {
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
 * Real git repositories on disk (bare, one per `<owner>/<name>.git`) written
 * with isomorphic-git: real blobs, trees, commits and refs, so anything that
 * reads git (the CLI, isomorphic-git, `git http-backend`) sees what the API
 * wrote. Repository metadata (description, visibility, ...) lives in memory.
 */
export class GitStore {
  private readonly repos = new Map<string, RepositoryInfo>();
  private readonly listeners = new Set<(event: PushEvent) => void>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly blobSizes = new Map<string, number>();
  private readonly cache = {};
  private readonly objectDirs = new Set<string>();
  private readonly trees = new Map<string, TreeEntryRecord[]>();
  private readonly commits = new Map<string, CommitInfo>();
  private readonly blobs = new Map<string, Buffer>();
  private blobBytes = 0;
  private nextId = 1_000_001;

  private constructor(
    private readonly dir: string,
    private readonly clock: SandboxClock,
  ) {}

  static async create(options: {
    dir: string;
    clock: SandboxClock;
  }): Promise<GitStore> {
    await fs.promises.mkdir(options.dir, { recursive: true });
    return new GitStore(options.dir, options.clock);
  }

  /** The bare repository's folder on disk. */
  gitdir(owner: string, name: string): string {
    return path.join(this.dir, owner, `${name}.git`);
  }

  hasRepository(owner: string, name: string): boolean {
    return this.repos.has(key(owner, name));
  }

  getRepository(owner: string, name: string): RepositoryInfo | undefined {
    return this.repos.get(key(owner, name));
  }

  listRepositories(): RepositoryInfo[] {
    return [...this.repos.values()];
  }

  onPush(listener: (event: PushEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async createRepository(
    owner: string,
    name: string,
    options: {
      description?: string;
      private?: boolean;
      isTemplate?: boolean;
      defaultBranch?: string;
      files?: Record<string, string>;
      message?: string;
      templateRepository?: { owner: string; name: string };
    } = {},
  ): Promise<{
    owner: string;
    name: string;
    defaultBranch: string;
    headSha: string;
  }> {
    if (this.hasRepository(owner, name)) {
      throw new GitStoreError(
        'conflict',
        `Repository ${owner}/${name} already exists`,
      );
    }
    const defaultBranch = options.defaultBranch ?? 'main';
    const gitdir = this.gitdir(owner, name);
    await fs.promises.mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch });
    const now = this.clock.now();
    const info: RepositoryInfo = {
      id: this.nextId++,
      owner,
      name,
      description: options.description ?? null,
      private: options.private ?? false,
      isTemplate: options.isTemplate ?? false,
      defaultBranch,
      templateRepository: options.templateRepository,
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
    };
    this.repos.set(key(owner, name), info);
    const { sha } = await this.commitFiles(owner, name, {
      branch: defaultBranch,
      message: options.message ?? 'Initial commit',
      changes: options.files ?? {},
      allowEmpty: true,
    });
    return { owner, name, defaultBranch, headSha: sha };
  }

  /** Changes repository metadata (not its content). */
  updateRepository(
    owner: string,
    name: string,
    changes: Partial<
      Pick<RepositoryInfo, 'description' | 'private' | 'isTemplate'>
    >,
  ): RepositoryInfo {
    const info = this.requireRepo(owner, name);
    Object.assign(info, changes, { updatedAt: this.clock.now() });
    return info;
  }

  /**
   * Commits many files at once: blobs are written in parallel and every
   * changed tree is written once, bottom-up. `null` deletes a file; a key
   * ending in '/' with `null` deletes that whole folder. Without any actual
   * change no commit is made (the current head is returned).
   */
  async commitFiles(
    owner: string,
    name: string,
    options: {
      branch?: string;
      message: string;
      changes: Record<string, string | Uint8Array | null>;
      author?: { name: string; email: string };
      allowEmpty?: boolean;
      /** Must the branch exist already (API writes), rather than be created? */
      requireBranch?: boolean;
      /**
       * Checked under the repository's lock before writing: each path's
       * current blob sha must equal the value (null: must not exist).
       */
      expect?: Record<string, string | null>;
    },
  ): Promise<{ sha: string; changedPaths: string[] }> {
    const info = this.requireRepo(owner, name);
    const branch = options.branch ?? info.defaultBranch;
    return this.withLock(owner, name, async () => {
      const gitdir = this.gitdir(owner, name);
      const parent = await this.tryResolve(gitdir, `refs/heads/${branch}`);
      if (!parent && options.requireBranch) {
        throw new GitStoreError('not-found', `Branch ${branch} not found`);
      }
      for (const [p, expected] of Object.entries(options.expect ?? {})) {
        const current = parent
          ? await this.readPath(owner, name, p, parent)
          : undefined;
        const sha = current?.type === 'blob' ? current.sha : null;
        if (sha !== expected) {
          throw new GitStoreError(
            'conflict',
            `${p} is at ${sha ?? 'nothing'} but expected ${
              expected ?? 'nothing'
            }`,
          );
        }
      }
      const baseTree = parent
        ? (await this.readCommit(owner, name, parent)).tree
        : null;
      const entries = Object.entries(options.changes);
      const writes = entries.filter(
        (e): e is [string, string | Uint8Array] => e[1] !== null,
      );
      const oids = await this.writeBlobs(
        owner,
        name,
        writes.map(([, content]) =>
          typeof content === 'string'
            ? Buffer.from(content, 'utf8')
            : Buffer.from(content),
        ),
      );
      const edits: Array<TreeEdit | { folder: string }> = [];
      writes.forEach(([p], i) =>
        edits.push({ path: p, mode: FILE_MODE, type: 'blob', sha: oids[i] }),
      );
      for (const [p, content] of entries) {
        if (content !== null) continue;
        edits.push(p.endsWith('/') ? { folder: p } : { path: p, sha: null });
      }
      const { tree, changedPaths } = await this.editTree(
        gitdir,
        baseTree,
        edits,
      );
      if (parent && !changedPaths.length && !options.allowEmpty) {
        return { sha: parent, changedPaths };
      }
      const person = options.author ?? DEFAULT_AUTHOR;
      const sha = await this.writeCommitUnlocked(gitdir, {
        message: options.message,
        tree,
        parents: parent ? [parent] : [],
        author: person,
        committer: DEFAULT_AUTHOR,
      });
      await git.writeRef({
        fs,
        gitdir,
        ref: `refs/heads/${branch}`,
        value: sha,
        force: true,
      });
      this.emitPush(info, branch, parent ?? null, sha, changedPaths.sort());
      return { sha, changedPaths };
    });
  }

  async readFile(
    owner: string,
    name: string,
    filePath: string,
    ref?: string,
  ): Promise<string | undefined> {
    const blob = await this.readPath(owner, name, filePath, ref);
    return blob?.type === 'blob'
      ? (await this.readBlob(owner, name, blob.sha)).toString('utf8')
      : undefined;
  }

  /** Paths of every file under `prefix` (a folder, with or without '/'). */
  async listFiles(
    owner: string,
    name: string,
    prefix = '',
    ref?: string,
  ): Promise<string[]> {
    const folder = splitPath(prefix).join('/');
    const commit = await this.requireCommitish(owner, name, ref);
    const root = (await this.readCommit(owner, name, commit)).tree;
    let treeSha = root;
    if (folder) {
      const entry = await this.readPath(owner, name, folder, commit);
      if (!entry || entry.type !== 'tree') return [];
      treeSha = entry.sha;
    }
    const items = await this.readTree(owner, name, treeSha, {
      recursive: true,
    });
    return items
      .filter(i => i.type === 'blob')
      .map(i => (folder ? `${folder}/${i.path}` : i.path));
  }

  async headSha(owner: string, name: string, branch?: string): Promise<string> {
    const info = this.requireRepo(owner, name);
    const sha = await this.tryResolve(
      this.gitdir(owner, name),
      `refs/heads/${branch ?? info.defaultBranch}`,
    );
    if (!sha) {
      throw new GitStoreError(
        'not-found',
        `Branch ${branch ?? info.defaultBranch} not found in ${owner}/${name}`,
      );
    }
    return sha;
  }

  // ---- lower-level git data, used by the REST API ----

  /** Resolves a branch, tag, full ref or commit sha to a commit sha. */
  async resolveCommitish(
    owner: string,
    name: string,
    ref?: string,
  ): Promise<string | undefined> {
    const info = this.requireRepo(owner, name);
    const gitdir = this.gitdir(owner, name);
    const wanted = ref ?? info.defaultBranch;
    if (this.commits.has(`${this.gitdir(owner, name)}\0${wanted}`))
      return wanted;
    const candidates = wanted.startsWith('refs/')
      ? [wanted]
      : [`refs/heads/${wanted}`, `refs/tags/${wanted}`];
    for (const candidate of candidates) {
      const sha = await this.tryResolve(gitdir, candidate);
      if (sha) return sha;
    }
    if (/^[0-9a-f]{40}$/i.test(wanted)) {
      const type = await this.objectType(owner, name, wanted.toLowerCase());
      if (type === 'commit') return wanted.toLowerCase();
    }
    return undefined;
  }

  async objectType(
    owner: string,
    name: string,
    sha: string,
  ): Promise<string | undefined> {
    try {
      const obj = await git.readObject({
        fs,
        gitdir: this.gitdir(owner, name),
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

  async readCommit(
    owner: string,
    name: string,
    sha: string,
  ): Promise<CommitInfo> {
    // Commits are immutable: cached by repository and sha.
    const cacheKey = `${this.gitdir(owner, name)}\0${sha}`;
    const cached = this.commits.get(cacheKey);
    if (cached) return cached;
    try {
      const { oid, commit } = await git.readCommit({
        fs,
        gitdir: this.gitdir(owner, name),
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

  /** A tree's entries; recursive lists every nested entry with its full path. */
  async readTree(
    owner: string,
    name: string,
    sha: string,
    options: { recursive?: boolean; sizes?: boolean } = {},
  ): Promise<TreeItem[]> {
    const gitdir = this.gitdir(owner, name);
    const out: TreeItem[] = [];
    const walk = async (treeSha: string, prefix: string) => {
      const entries = await this.readTreeEntries(gitdir, treeSha);
      for (const e of entries) {
        const item: TreeItem = {
          path: prefix + e.path,
          mode: e.mode,
          type: e.type,
          sha: e.oid,
        };
        out.push(item);
        if (e.type === 'tree' && options.recursive) {
          await walk(e.oid, `${item.path}/`);
        }
      }
    };
    await walk(sha, '');
    if (options.sizes) {
      await Promise.all(
        out
          .filter(i => i.type === 'blob')
          .map(async i => {
            i.size = await this.blobSize(owner, name, i.sha);
          }),
      );
    }
    return out;
  }

  async readBlob(owner: string, name: string, sha: string): Promise<Buffer> {
    const cached = this.blobs.get(sha);
    if (cached) return Buffer.from(cached);
    try {
      const { blob } = await git.readBlob({
        fs,
        gitdir: this.gitdir(owner, name),
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

  async blobSize(owner: string, name: string, sha: string): Promise<number> {
    const known = this.blobSizes.get(sha);
    if (known !== undefined) return known;
    return (await this.readBlob(owner, name, sha)).length;
  }

  /** The entry at `filePath` in the commit `ref` resolves to, if any. */
  async readPath(
    owner: string,
    name: string,
    filePath: string,
    ref?: string,
  ): Promise<TreeItem | undefined> {
    const commit = await this.resolveCommitish(owner, name, ref);
    if (!commit) return undefined;
    const gitdir = this.gitdir(owner, name);
    let current: TreeItem = {
      path: '',
      mode: TREE_MODE,
      type: 'tree',
      sha: (await this.readCommit(owner, name, commit)).tree,
    };
    for (const part of splitPath(filePath)) {
      if (current.type !== 'tree') return undefined;
      const entry = (await this.readTreeEntries(gitdir, current.sha)).find(
        e => e.path === part,
      );
      if (!entry) return undefined;
      current = {
        path: current.path ? `${current.path}/${part}` : part,
        mode: entry.mode,
        type: entry.type,
        sha: entry.oid,
      };
    }
    return current;
  }

  async writeBlobs(
    owner: string,
    name: string,
    contents: Buffer[],
  ): Promise<string[]> {
    const gitdir = this.gitdir(owner, name);
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

  /** Applies edits to `baseTree` (null = empty tree) and returns the new root tree sha. */
  async writeTree(
    owner: string,
    name: string,
    baseTree: string | null,
    edits: TreeEdit[],
  ): Promise<string> {
    return (await this.editTree(this.gitdir(owner, name), baseTree, edits))
      .tree;
  }

  async writeCommit(
    owner: string,
    name: string,
    commit: {
      message: string;
      tree: string;
      parents: string[];
      author?: GitPerson;
      committer?: GitPerson;
    },
  ): Promise<string> {
    this.requireRepo(owner, name);
    return this.writeCommitUnlocked(this.gitdir(owner, name), commit);
  }

  /** Refs under `prefix` (e.g. `refs/heads/`), with the sha each points at. */
  async listRefs(
    owner: string,
    name: string,
    prefix = 'refs/',
  ): Promise<Array<{ ref: string; sha: string }>> {
    const gitdir = this.gitdir(owner, name);
    const out: Array<{ ref: string; sha: string }> = [];
    for (const section of ['refs/heads', 'refs/tags']) {
      const names = await git.listRefs({ fs, gitdir, filepath: section });
      for (const n of names) {
        const ref = `${section}/${n}`;
        if (!ref.startsWith(prefix)) continue;
        const sha = await this.tryResolve(gitdir, ref);
        if (sha) out.push({ ref, sha });
      }
    }
    return out.sort((a, b) => a.ref.localeCompare(b.ref));
  }

  async resolveRef(
    owner: string,
    name: string,
    ref: string,
  ): Promise<string | undefined> {
    this.requireRepo(owner, name);
    return this.tryResolve(this.gitdir(owner, name), ref);
  }

  /**
   * Points `ref` (full name) at `sha`. `mode: 'create'` fails if it exists;
   * `'update'` fails if it does not, and (without `force`) if the move is not
   * a fast-forward. Fires a push event for branches.
   */
  async updateRef(
    owner: string,
    name: string,
    ref: string,
    sha: string,
    options: { mode: 'create' | 'update'; force?: boolean },
  ): Promise<void> {
    const info = this.requireRepo(owner, name);
    const gitdir = this.gitdir(owner, name);
    await this.withLock(owner, name, async () => {
      const type = await this.objectType(owner, name, sha);
      if (!type) throw new GitStoreError('invalid', 'Object does not exist');
      const before = (await this.tryResolve(gitdir, ref)) ?? null;
      if (options.mode === 'create' && before) {
        throw new GitStoreError('invalid', 'Reference already exists');
      }
      if (options.mode === 'update' && !before) {
        throw new GitStoreError('invalid', 'Reference does not exist');
      }
      if (
        before &&
        options.mode === 'update' &&
        !options.force &&
        before !== sha
      ) {
        const ff = await this.isAncestor(owner, name, before, sha);
        if (!ff)
          throw new GitStoreError('invalid', 'Update is not a fast forward');
      }
      await git.writeRef({ fs, gitdir, ref, value: sha, force: true });
      if (
        ref.startsWith('refs/heads/') &&
        type === 'commit' &&
        before !== sha
      ) {
        const changed = await this.diffCommits(owner, name, before, sha);
        this.emitPush(
          info,
          ref.slice('refs/heads/'.length),
          before,
          sha,
          changed.map(c => c.filename),
        );
      }
    });
  }

  async deleteRef(owner: string, name: string, ref: string): Promise<boolean> {
    this.requireRepo(owner, name);
    const gitdir = this.gitdir(owner, name);
    return this.withLock(owner, name, async () => {
      if (!(await this.tryResolve(gitdir, ref))) return false;
      await git.deleteRef({ fs, gitdir, ref });
      return true;
    });
  }

  /** Whether `ancestor` is `sha` or one of its ancestors. */
  async isAncestor(
    owner: string,
    name: string,
    ancestor: string,
    sha: string,
  ): Promise<boolean> {
    if (ancestor === sha) return true;
    return git.isDescendent({
      fs,
      gitdir: this.gitdir(owner, name),
      oid: sha,
      ancestor,
      depth: -1,
      cache: this.cache,
    });
  }

  async mergeBase(
    owner: string,
    name: string,
    a: string,
    b: string,
  ): Promise<string | undefined> {
    const bases = await git.findMergeBase({
      fs,
      gitdir: this.gitdir(owner, name),
      oids: [a, b],
      cache: this.cache,
    });
    return bases[0];
  }

  /** Files that differ between two commits (`base` null = everything in `head`). */
  async diffCommits(
    owner: string,
    name: string,
    base: string | null,
    head: string,
  ): Promise<DiffEntry[]> {
    const headTree = (await this.readCommit(owner, name, head)).tree;
    const baseTree = base
      ? (await this.readCommit(owner, name, base)).tree
      : null;
    return this.diffTrees(owner, name, baseTree, headTree);
  }

  async diffTrees(
    owner: string,
    name: string,
    a: string | null,
    b: string | null,
  ): Promise<DiffEntry[]> {
    const gitdir = this.gitdir(owner, name);
    const out: DiffEntry[] = [];
    const list = async (sha: string | null) =>
      new Map(
        (sha ? await this.readTreeEntries(gitdir, sha) : []).map(e => [
          e.path,
          e,
        ]),
      );
    const walk = async (x: string | null, y: string | null, prefix: string) => {
      if (x === y) return;
      const [left, right] = await Promise.all([list(x), list(y)]);
      const names = [...new Set([...left.keys(), ...right.keys()])].sort();
      for (const n of names) {
        const l = left.get(n);
        const r = right.get(n);
        if (l && r && l.oid === r.oid && l.mode === r.mode) continue;
        const lTree = l?.type === 'tree' ? l.oid : null;
        const rTree = r?.type === 'tree' ? r.oid : null;
        if (lTree || rTree) await walk(lTree, rTree, `${prefix}${n}/`);
        const lFile = l && l.type !== 'tree' ? l : undefined;
        const rFile = r && r.type !== 'tree' ? r : undefined;
        if (lFile || rFile) {
          out.push({
            filename: prefix + n,
            status: diffStatus(Boolean(lFile), Boolean(rFile)),
            sha: rFile?.oid ?? null,
            previousSha: lFile?.oid ?? null,
            mode: (rFile ?? lFile)!.mode,
          });
        }
      }
    };
    await walk(a, b, '');
    return out.sort((p, q) => p.filename.localeCompare(q.filename));
  }

  // ---- internals ----

  private requireRepo(owner: string, name: string): RepositoryInfo {
    const info = this.repos.get(key(owner, name));
    if (!info)
      throw new GitStoreError(
        'not-found',
        `Repository ${owner}/${name} not found`,
      );
    return info;
  }

  private async requireCommitish(
    owner: string,
    name: string,
    ref?: string,
  ): Promise<string> {
    const sha = await this.resolveCommitish(owner, name, ref);
    if (!sha)
      throw new GitStoreError(
        'not-found',
        `No commit found for the ref ${ref}`,
      );
    return sha;
  }

  private emitPush(
    info: RepositoryInfo,
    branch: string,
    before: string | null,
    after: string,
    changedPaths: string[],
  ) {
    info.pushedAt = this.clock.now();
    const event: PushEvent = {
      owner: info.owner,
      repo: info.name,
      branch,
      before,
      after,
      changedPaths,
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not undo or block the push.
      }
    }
  }

  private async withLock<T>(
    owner: string,
    name: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const k = key(owner, name);
    const previous = this.locks.get(k) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(k, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(k) === settled) this.locks.delete(k);
    }
  }

  private async tryResolve(
    gitdir: string,
    ref: string,
  ): Promise<string | undefined> {
    try {
      return await git.resolveRef({ fs, gitdir, ref });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async readTreeEntries(
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

  private async writeCommitUnlocked(
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

  /**
   * Edits a tree lazily: only the folders on edited paths are read, and each
   * changed folder is written once, children before parents.
   */
  private async editTree(
    gitdir: string,
    baseTree: string | null,
    edits: Array<TreeEdit | { folder: string }>,
  ): Promise<{ tree: string; changedPaths: string[] }> {
    const load = async (sha: string | null): Promise<TreeNode> => ({
      entries: new Map(
        (sha ? await this.readTreeEntries(gitdir, sha) : []).map(e => [
          e.path,
          { mode: e.mode, oid: e.oid, type: e.type },
        ]),
      ),
      sub: new Map(),
      dirty: false,
    });
    const root = await load(baseTree);
    const changed = new Set<string>();

    const descend = async (
      parts: string[],
      create: boolean,
    ): Promise<TreeNode[] | undefined> => {
      const chain = [root];
      let node = root;
      for (const [i, part] of parts.entries()) {
        let next = node.sub.get(part);
        if (!next) {
          const entry = node.entries.get(part);
          if (entry?.type === 'tree') {
            next = await load(entry.oid);
          } else if (create) {
            if (entry) {
              // A file becomes a folder: the file goes away.
              changed.add(parts.slice(0, i + 1).join('/'));
              node.entries.delete(part);
            }
            next = await load(null);
          } else {
            return undefined;
          }
          node.sub.set(part, next);
        }
        node = next;
        chain.push(node);
      }
      return chain;
    };
    const markDirty = (chain: TreeNode[]) =>
      chain.forEach(n => (n.dirty = true));

    for (const edit of edits) {
      if ('folder' in edit) {
        const parts = splitPath(edit.folder);
        if (!parts.length)
          throw new GitStoreError(
            'invalid',
            'Cannot delete the repository root',
          );
        const chain = await descend(parts.slice(0, -1), false);
        const last = parts[parts.length - 1];
        const parent = chain?.[chain.length - 1];
        const entry = parent?.entries.get(last);
        if (!chain || !parent || entry?.type !== 'tree') continue;
        const folderNode = parent.sub.get(last);
        const files = folderNode?.dirty
          ? await this.listNodeFiles(gitdir, folderNode)
          : (await this.readTreeRecursive(gitdir, entry.oid)).map(i => i.path);
        files.forEach(f => changed.add(`${parts.join('/')}/${f}`));
        parent.entries.delete(last);
        parent.sub.delete(last);
        markDirty(chain);
        continue;
      }
      const parts = splitPath(edit.path);
      if (!parts.length)
        throw new GitStoreError('invalid', `Invalid path "${edit.path}"`);
      const name = parts[parts.length - 1];
      const chain = await descend(parts.slice(0, -1), edit.sha !== null);
      if (!chain) continue;
      const parent = chain[chain.length - 1];
      const existing = parent.entries.get(name);
      if (edit.sha === null) {
        if (!existing) continue;
        if (existing.type === 'tree') {
          (await this.readTreeRecursive(gitdir, existing.oid)).forEach(i =>
            changed.add(`${parts.join('/')}/${i.path}`),
          );
        } else {
          changed.add(parts.join('/'));
        }
        parent.entries.delete(name);
        parent.sub.delete(name);
        markDirty(chain);
        continue;
      }
      if (
        existing &&
        existing.oid === edit.sha &&
        existing.mode === normalizeMode(edit.mode)
      )
        continue;
      if (existing?.type === 'tree' && edit.type !== 'tree') {
        (await this.readTreeRecursive(gitdir, existing.oid)).forEach(i =>
          changed.add(`${parts.join('/')}/${i.path}`),
        );
      }
      parent.entries.set(name, {
        mode: normalizeMode(edit.mode),
        oid: edit.sha,
        type: edit.type,
      });
      parent.sub.delete(name);
      if (edit.type === 'tree') {
        (await this.readTreeRecursive(gitdir, edit.sha)).forEach(i =>
          changed.add(`${parts.join('/')}/${i.path}`),
        );
      } else {
        changed.add(parts.join('/'));
      }
      markDirty(chain);
    }

    const write = async (node: TreeNode): Promise<string | null> => {
      for (const [childName, child] of node.sub) {
        if (!child.dirty) continue;
        const oid = await write(child);
        if (oid)
          node.entries.set(childName, { mode: TREE_MODE, oid, type: 'tree' });
        else node.entries.delete(childName);
      }
      if (node !== root && node.entries.size === 0) return null; // git has no empty folders
      return this.writeTreeObject(gitdir, node.entries);
    };
    const tree =
      root.dirty || !baseTree ? ((await write(root)) as string) : baseTree;
    return { tree, changedPaths: [...changed].sort() };
  }

  /**
   * Writes a loose object as git does (zlib-deflated `<type> <size>\0<content>`
   * under objects/xx/yyyy...). Done here rather than through isomorphic-git's
   * writeBlob/writeTree, whose per-object overhead made a 4,000-file seed
   * take about ten times longer; what lands on disk is the same.
   */
  private cacheBlob(oid: string, content: Buffer): void {
    if (this.blobs.has(oid) || content.length > BLOB_CACHE_BYTES / 64) return;
    if (this.blobBytes + content.length > BLOB_CACHE_BYTES) {
      this.blobs.clear();
      this.blobBytes = 0;
    }
    this.blobs.set(oid, Buffer.from(content));
    this.blobBytes += content.length;
  }

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

  /** Serialises a tree in git's format: entries in git's order, modes without leading zeros. */
  private async writeTreeObject(
    gitdir: string,
    entries: TreeNode['entries'],
  ): Promise<string> {
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

  private async readTreeRecursive(
    gitdir: string,
    sha: string,
  ): Promise<Array<{ path: string }>> {
    const out: Array<{ path: string }> = [];
    const walk = async (treeSha: string, prefix: string) => {
      for (const e of await this.readTreeEntries(gitdir, treeSha)) {
        if (e.type === 'tree') await walk(e.oid, `${prefix}${e.path}/`);
        else out.push({ path: prefix + e.path });
      }
    };
    await walk(sha, '');
    return out;
  }

  private async listNodeFiles(
    gitdir: string,
    node: TreeNode,
  ): Promise<string[]> {
    const out: string[] = [];
    for (const [n, e] of node.entries) {
      const sub = node.sub.get(n);
      if (sub)
        (await this.listNodeFiles(gitdir, sub)).forEach(f =>
          out.push(`${n}/${f}`),
        );
      else if (e.type === 'tree')
        (await this.readTreeRecursive(gitdir, e.oid)).forEach(f =>
          out.push(`${n}/${f.path}`),
        );
      else out.push(n);
    }
    return out;
  }
}

function key(owner: string, name: string): string {
  return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}

function diffStatus(before: boolean, after: boolean): DiffEntry['status'] {
  if (before && after) return 'modified';
  return after ? 'added' : 'removed';
}

function normalizeMode(mode: string): string {
  return mode === '40000' ? TREE_MODE : mode;
}
