import { badRequest } from './errors';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for the
 * built-in kinds, after k8s.io/apimachinery/pkg/util/strategicpatch
 * (patch.go): maps merge as in a JSON merge patch, but a list whose field
 * carries a `patchMergeKey` in the API types (k8s.io/api core/v1/types.go,
 * apps/v1/types.go) is merged element by element on that key, a list with
 * `patchStrategy:"merge"` of primitives is a set union, and every other list
 * is replaced. Directives: `$patch: replace | delete | merge` on maps and in
 * lists, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`,
 * `$retainKeys`.
 */
type Json = unknown;
type JsonMap = Record<string, Json>;

const isMap = (v: Json): v is JsonMap =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

type ListStrategy = { mergeKey: string } | 'union' | 'replace';

/** The `patchMergeKey` / `patchStrategy` tags of the list fields the sandbox's kinds have. */
function listStrategy(path: string[], kind: string): ListStrategy {
  const field = path[path.length - 1];
  const inContainer = path.some(p =>
    ['containers', 'initContainers', 'ephemeralContainers'].includes(p),
  );
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
      return { mergeKey: 'name' };
    case 'env':
      return inContainer ? { mergeKey: 'name' } : 'replace';
    case 'volumeMounts':
      return { mergeKey: 'mountPath' };
    case 'volumeDevices':
      return { mergeKey: 'devicePath' };
    case 'ports':
      // ContainerPort `patchMergeKey:"containerPort"`; ServiceSpec.ports `patchMergeKey:"port"`.
      if (inContainer) return { mergeKey: 'containerPort' };
      if (kind === 'Service' && path.join('.') === 'spec.ports')
        return { mergeKey: 'port' };
      return 'replace';
    case 'conditions':
      return path[0] === 'status' ? { mergeKey: 'type' } : 'replace';
    case 'hostAliases':
      return { mergeKey: 'ip' };
    case 'topologySpreadConstraints':
      return { mergeKey: 'topologyKey' };
    case 'ownerReferences':
      return path.join('.') === 'metadata.ownerReferences'
        ? { mergeKey: 'uid' }
        : 'replace';
    case 'finalizers':
      return path.join('.') === 'metadata.finalizers' ? 'union' : 'replace';
    default:
      return 'replace';
  }
}

const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

export function strategicMergePatch(
  target: Json,
  patch: Json,
  kind: string,
): Json {
  if (!isMap(patch))
    throw badRequest('a strategic merge patch must be a JSON object');
  return mergeMap(isMap(target) ? target : {}, patch, [], kind);
}

function mergeMap(
  target: JsonMap,
  patch: JsonMap,
  path: string[],
  kind: string,
): Json {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (directive !== undefined && directive !== 'merge')
    throw badRequest(
      `Unknown patch type: ${String(directive)} in map: ${JSON.stringify(
        patch,
      )}`,
    );
  const result: JsonMap = structuredClone(target);
  const orders: Array<[string, Json[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw badRequest(`${key} must be a list`);
      const current = result[field];
      if (Array.isArray(current))
        result[field] = current.filter(
          v => !value.some(d => JSON.stringify(d) === JSON.stringify(v)),
        );
      continue;
    }
    if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw badRequest(`${key} must be a list`);
      orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    if (Array.isArray(value)) {
      const merged = mergeList(result[key], value, childPath, kind);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
      continue;
    }
    if (isMap(value)) {
      const merged = mergeMap(
        isMap(result[key]) ? (result[key] as JsonMap) : {},
        value,
        childPath,
        kind,
      );
      if (merged === undefined) delete result[key];
      else result[key] = merged;
      continue;
    }
    result[key] = value;
  }
  for (const [field, order] of orders)
    applyOrder(result, field, order, path, kind);
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(result))
      if (!keep.has(key)) delete result[key];
  }
  return result;
}

function mergeList(
  target: Json,
  patch: Json[],
  path: string[],
  kind: string,
): Json[] | undefined {
  const strategy = listStrategy(path, kind);
  const current = Array.isArray(target) ? target : [];
  // A `{"$patch": "replace"}` element replaces the whole list with the other elements.
  if (patch.some(e => isMap(e) && e.$patch === 'replace')) {
    return structuredClone(
      patch.filter(e => !(isMap(e) && e.$patch === 'replace')),
    );
  }
  if (strategy === 'replace') return structuredClone(patch);
  if (strategy === 'union') {
    const result = [...current];
    for (const v of patch)
      if (!result.some(r => JSON.stringify(r) === JSON.stringify(v)))
        result.push(v);
    return result;
  }
  const { mergeKey } = strategy;
  const result: Json[] = structuredClone(current);
  for (const element of patch) {
    if (!isMap(element))
      throw badRequest(
        `merging an object in json but data type is not struct, instead is: ${typeof element}`,
      );
    const key = element[mergeKey];
    if (key === undefined) {
      throw badRequest(
        `map: ${JSON.stringify(
          element,
        )} does not contain declared merge key: ${mergeKey}`,
      );
    }
    const index = result.findIndex(r => isMap(r) && r[mergeKey] === key);
    if (element.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      result[index] = mergeMap(result[index] as JsonMap, element, path, kind);
    } else {
      const { $patch: _, ...rest } = element;
      result.push(mergeMap({}, rest, path, kind));
    }
  }
  return result;
}

/** `$setElementOrder/<field>`: the patched list in the order the client gave (others keep theirs, after). */
function applyOrder(
  result: JsonMap,
  field: string,
  order: Json[],
  path: string[],
  kind: string,
) {
  const list = result[field];
  if (!Array.isArray(list)) return;
  const strategy = listStrategy([...path, field], kind);
  const keyOf = (v: Json) =>
    typeof strategy === 'object' && isMap(v)
      ? JSON.stringify(v[strategy.mergeKey])
      : JSON.stringify(v);
  const rank = new Map(order.map((v, i) => [keyOf(v), i]));
  result[field] = [...list].sort(
    (a, b) =>
      (rank.get(keyOf(a)) ?? order.length) -
      (rank.get(keyOf(b)) ?? order.length),
  );
}
