import type { GitObjects, TreeEntries } from './gitObjects';
import { GitStoreError, normalizeMode, splitPath, TREE_MODE } from './gitTypes';
import type { DiffEntry, TreeEdit } from './gitTypes';

/** A folder being edited: its entries, the sub-folders loaded so far, and whether it changed. */
interface TreeNode {
  entries: TreeEntries;
  sub: Map<string, TreeNode>;
  dirty: boolean;
}

/** Deletes a whole folder (`commitFiles` with a key ending in '/'). */
export interface FolderDeletion {
  folder: string;
}

/**
 * Edits a tree lazily: only the folders on edited paths are read, and each
 * changed folder is written once, children before parents. Returns the new
 * root tree and every file path whose entry changed.
 */
export async function editTree(
  objects: GitObjects,
  gitdir: string,
  baseTree: string | null,
  edits: Array<TreeEdit | FolderDeletion>,
): Promise<{ tree: string; changedPaths: string[] }> {
  const load = async (sha: string | null): Promise<TreeNode> => ({
    entries: new Map(
      (sha ? await objects.readTreeEntries(gitdir, sha) : []).map(e => [
        e.path,
        { mode: e.mode, oid: e.oid, type: e.type },
      ]),
    ),
    sub: new Map(),
    dirty: false,
  });
  const filesUnder = (sha: string) => treeFiles(objects, gitdir, sha);
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
  const markDirty = (chain: TreeNode[]) => chain.forEach(n => (n.dirty = true));

  for (const edit of edits) {
    if ('folder' in edit) {
      const parts = splitPath(edit.folder);
      if (!parts.length)
        throw new GitStoreError('invalid', 'Cannot delete the repository root');
      const chain = await descend(parts.slice(0, -1), false);
      const last = parts[parts.length - 1];
      const parent = chain?.[chain.length - 1];
      const entry = parent?.entries.get(last);
      if (!chain || !parent || entry?.type !== 'tree') continue;
      const folderNode = parent.sub.get(last);
      const files = folderNode?.dirty
        ? await nodeFiles(objects, gitdir, folderNode)
        : await filesUnder(entry.oid);
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
        (await filesUnder(existing.oid)).forEach(f =>
          changed.add(`${parts.join('/')}/${f}`),
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
      (await filesUnder(existing.oid)).forEach(f =>
        changed.add(`${parts.join('/')}/${f}`),
      );
    }
    parent.entries.set(name, {
      mode: normalizeMode(edit.mode),
      oid: edit.sha,
      type: edit.type,
    });
    parent.sub.delete(name);
    if (edit.type === 'tree') {
      (await filesUnder(edit.sha)).forEach(f =>
        changed.add(`${parts.join('/')}/${f}`),
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
    return objects.writeTree(gitdir, node.entries);
  };
  const tree =
    root.dirty || !baseTree ? ((await write(root)) as string) : baseTree;
  return { tree, changedPaths: [...changed].sort() };
}

/** Files that differ between two trees (null = the empty tree), sorted by path. */
export async function diffTrees(
  objects: GitObjects,
  gitdir: string,
  a: string | null,
  b: string | null,
): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  const list = async (sha: string | null) =>
    new Map(
      (sha ? await objects.readTreeEntries(gitdir, sha) : []).map(e => [
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

/** Paths (relative to the tree) of every non-tree entry under a stored tree. */
async function treeFiles(
  objects: GitObjects,
  gitdir: string,
  sha: string,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (treeSha: string, prefix: string) => {
    for (const e of await objects.readTreeEntries(gitdir, treeSha)) {
      if (e.type === 'tree') await walk(e.oid, `${prefix}${e.path}/`);
      else out.push(prefix + e.path);
    }
  };
  await walk(sha, '');
  return out;
}

/** The same for a folder being edited (its loaded sub-folders as edited so far). */
async function nodeFiles(
  objects: GitObjects,
  gitdir: string,
  node: TreeNode,
): Promise<string[]> {
  const out: string[] = [];
  for (const [n, e] of node.entries) {
    const sub = node.sub.get(n);
    if (sub)
      (await nodeFiles(objects, gitdir, sub)).forEach(f =>
        out.push(`${n}/${f}`),
      );
    else if (e.type === 'tree')
      (await treeFiles(objects, gitdir, e.oid)).forEach(f =>
        out.push(`${n}/${f}`),
      );
    else out.push(n);
  }
  return out;
}

function diffStatus(before: boolean, after: boolean): DiffEntry['status'] {
  if (before && after) return 'modified';
  return after ? 'added' : 'removed';
}
