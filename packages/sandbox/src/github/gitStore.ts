import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type { SandboxClock } from '../clock';
import { DEFAULT_AUTHOR, GitObjects, isNotFound } from './gitObjects';
import { FILE_MODE, GitStoreError, splitPath, TREE_MODE } from './gitTypes';
import type {
  CommitInfo,
  DiffEntry,
  GitPerson,
  PushEvent,
  RepositoryInfo,
  TreeEdit,
  TreeItem,
} from './gitTypes';
import { diffTrees, editTree } from './treeEdit';
import type { FolderDeletion } from './treeEdit';

// The store's types live in gitTypes.ts (shared with the object and tree
// modules); they are re-exported so callers import everything from here.
export { GitStoreError } from './gitTypes';
export type {
  CommitInfo,
  DiffEntry,
  GitPerson,
  PushEvent,
  RepositoryInfo,
  TreeEdit,
  TreeItem,
} from './gitTypes';

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
  /** Blobs, trees and commits (read, written and cached); see gitObjects.ts. */
  private readonly objects: GitObjects;
  private nextId = 1_000_001;

  private constructor(
    private readonly dir: string,
    private readonly clock: SandboxClock,
  ) {
    this.objects = new GitObjects(clock);
  }

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
      const edits: Array<TreeEdit | FolderDeletion> = [];
      writes.forEach(([p], i) =>
        edits.push({ path: p, mode: FILE_MODE, type: 'blob', sha: oids[i] }),
      );
      for (const [p, content] of entries) {
        if (content !== null) continue;
        edits.push(p.endsWith('/') ? { folder: p } : { path: p, sha: null });
      }
      const { tree, changedPaths } = await editTree(
        this.objects,
        gitdir,
        baseTree,
        edits,
      );
      if (parent && !changedPaths.length && !options.allowEmpty) {
        return { sha: parent, changedPaths };
      }
      const person = options.author ?? DEFAULT_AUTHOR;
      const sha = await this.objects.writeCommit(gitdir, {
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
    if (this.objects.isKnownCommit(gitdir, wanted)) return wanted;
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
    return this.objects.objectType(this.gitdir(owner, name), sha);
  }

  async readCommit(
    owner: string,
    name: string,
    sha: string,
  ): Promise<CommitInfo> {
    return this.objects.readCommit(this.gitdir(owner, name), sha);
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
      const entries = await this.objects.readTreeEntries(gitdir, treeSha);
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
    return this.objects.readBlob(this.gitdir(owner, name), sha);
  }

  async blobSize(owner: string, name: string, sha: string): Promise<number> {
    return this.objects.blobSize(this.gitdir(owner, name), sha);
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
      const entry = (
        await this.objects.readTreeEntries(gitdir, current.sha)
      ).find(e => e.path === part);
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
    return this.objects.writeBlobs(this.gitdir(owner, name), contents);
  }

  /** Applies edits to `baseTree` (null = empty tree) and returns the new root tree sha. */
  async writeTree(
    owner: string,
    name: string,
    baseTree: string | null,
    edits: TreeEdit[],
  ): Promise<string> {
    const gitdir = this.gitdir(owner, name);
    return (await editTree(this.objects, gitdir, baseTree, edits)).tree;
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
    return this.objects.writeCommit(this.gitdir(owner, name), commit);
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
      cache: this.objects.cache,
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
      cache: this.objects.cache,
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

  /** Files that differ between two trees (null = the empty tree). */
  async diffTrees(
    owner: string,
    name: string,
    a: string | null,
    b: string | null,
  ): Promise<DiffEntry[]> {
    return diffTrees(this.objects, this.gitdir(owner, name), a, b);
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
}

function key(owner: string, name: string): string {
  return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}
