import { badRequest, KubeError } from './errors';
import { strategicMergePatch } from './strategicPatch';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string) {
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isObject(current)) current = current[part];
    else current = undefined;
    if (current === undefined) {
      throw new KubeError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: path ${path} does not exist`,
      );
    }
  }
  return current;
}

function getAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  let value: Json;
  if (Array.isArray(parent)) value = parent[Number(last)];
  else if (isObject(parent)) value = parent[last];
  if (value === undefined) {
    throw new KubeError(422, 'Invalid', `path ${path} does not exist`);
  }
  return value;
}

function removeAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  const value = getAt(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return value;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return structuredClone(value);
  const parent = parentOf(doc, parts, path);
  const last = parts[parts.length - 1];
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (Number.isNaN(index) || index > parent.length) {
      throw new KubeError(422, 'Invalid', `invalid array index in ${path}`);
    }
    if (replace) parent[index] = structuredClone(value);
    else parent.splice(index, 0, structuredClone(value));
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) {
      throw new KubeError(422, 'Invalid', `path ${path} does not exist`);
    }
    parent[last] = structuredClone(value);
  } else {
    throw new KubeError(422, 'Invalid', `path ${path} does not exist`);
  }
  return doc;
}

/** RFC 6902 JSON patch. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw badRequest('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObject(raw) || typeof raw.path !== 'string') {
      throw badRequest('invalid JSON patch operation');
    }
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value, false);
        break;
      case 'replace':
        doc = addAt(doc, raw.path, raw.value, true);
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'move': {
        const value = removeAt(doc, raw.from ?? '');
        doc = addAt(doc, raw.path, value, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, getAt(doc, raw.from ?? ''), false);
        break;
      case 'test':
        if (
          JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)
        ) {
          throw new KubeError(
            422,
            'Invalid',
            `test operation failed at ${raw.path}`,
          );
        }
        break;
      default:
        throw badRequest(
          `unknown JSON patch operation ${String((raw as JsonPatchOp).op)}`,
        );
    }
  }
  return doc;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0].trim();
  if (type === 'application/json-patch+json') return 'json';
  if (type === 'application/merge-patch+json') return 'merge';
  if (type === 'application/strategic-merge-patch+json') return 'strategic';
  if (type === 'application/apply-patch+yaml') {
    throw new KubeError(
      415,
      'UnsupportedMediaType',
      'server-side apply is not supported by the sandbox',
    );
  }
  throw new KubeError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
  );
}

/**
 * Applies a patch. `kind` names a built-in kind for strategic merge patches;
 * custom resources have no patch strategies, so the API server refuses them
 * with 415 (k8s.io/apiextensions-apiserver pkg/apiserver/customresource_handler.go).
 */
export function applyPatch(
  target: Json,
  patch: Json,
  type: PatchType,
  kind?: { kind: string; builtIn: boolean },
): Json {
  if (type === 'json') return jsonPatch(target, patch);
  if (type === 'strategic') {
    if (kind && !kind.builtIn) {
      throw new KubeError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    return strategicMergePatch(target, patch, kind?.kind ?? '');
  }
  return mergePatch(target, patch);
}
