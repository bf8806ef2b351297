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

/** An entry of a tree object as isomorphic-git reads it. */
export interface TreeEntryRecord {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export const FILE_MODE = '100644';
export const TREE_MODE = '040000';

export function splitPath(p: string): string[] {
  return p.split('/').filter(part => part.length > 0);
}

export function normalizeMode(mode: string): string {
  return mode === '40000' ? TREE_MODE : mode;
}
