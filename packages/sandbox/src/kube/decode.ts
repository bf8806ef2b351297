import fs from 'node:fs';
import path from 'node:path';
import { badRequest } from './errors';
import type { ResourceType } from './resources';
import type { KubeObject } from './types';

/**
 * How the API server decodes a built-in kind's JSON body into its Go type
 * (sigs.k8s.io/json, case-sensitive): a value of the wrong JSON type is a 400
 * `<Kind> in version "<v>" cannot be handled as a <Kind>: json: cannot
 * unmarshal <json type> into Go struct field <Struct>.<path> of type <go type>`
 * (k8s.io/apiserver pkg/endpoints/handlers/rest.go transformDecodeError), and
 * fields the type does not have are dropped, reported as `unknown field
 * "<path>"` (a warning, or a 400 `strict decoding error` with
 * `fieldValidation=Strict`). The types come from @kubernetes/client-node's
 * generated models (their `attributeTypeMap`, generated from the API's
 * OpenAPI document).
 */
interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}

let modelsDir: string | undefined;
function findModelsDir(): string {
  if (modelsDir) return modelsDir;
  // Run from source (tsx, Jest): __dirname is this file's folder.
  // eslint-disable-next-line no-restricted-syntax
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(
      dir,
      'node_modules/@kubernetes/client-node/dist/gen/models',
    );
    if (fs.existsSync(candidate)) return (modelsDir = candidate);
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('Cannot find @kubernetes/client-node models');
    dir = parent;
  }
}

const realRequire = () =>
  process.getBuiltinModule('node:module').createRequire(__filename);
const attributeCache = new Map<string, Attribute[] | undefined>();

/** The attributes of a generated model (`V1PodSpec`), loaded on first use. */
function attributesOf(typeName: string): Attribute[] | undefined {
  if (attributeCache.has(typeName)) return attributeCache.get(typeName);
  let attributes: Attribute[] | undefined;
  const file = path.join(findModelsDir(), `${typeName}.js`);
  if (fs.existsSync(file)) {
    const mod = realRequire()(file) as Record<string, ModelClass | undefined>;
    attributes = mod[typeName]?.getAttributeTypeMap();
  }
  attributeCache.set(typeName, attributes);
  return attributes;
}

/** client-node's class for a kind: `V1Deployment`, `V2HorizontalPodAutoscaler`, `CoreV1Event`. */
function rootTypeOf(type: ResourceType): string | undefined {
  const version = `V${type.version.slice(1)}`;
  for (const candidate of [
    `${version}${type.kind}`,
    `Core${version}${type.kind}`,
  ]) {
    if (attributesOf(candidate)) return candidate;
  }
  return undefined;
}

/** `V1PodSpec` → `v1.PodSpec`, as Go names the type. */
const goType = (typeName: string) =>
  typeName.replace(
    /^(?:[A-Z][a-z]+)?V(\d+(?:alpha\d+|beta\d+)?)(.*)$/,
    'v$1.$2',
  );
const goStruct = (typeName: string) => goType(typeName).split('.').pop()!;

function goTypeOf(attr: Pick<Attribute, 'type' | 'format'>): string {
  const { type, format } = attr;
  if (type.startsWith('Array<'))
    return `[]${goTypeOf({ type: type.slice(6, -1), format: '' })}`;
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return `map[string]${goTypeOf({ type: map[1], format: '' })}`;
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
      if (format === 'int32' || format === 'int64') return format;
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'Date':
      return 'v1.Time';
    case 'IntOrString':
      return 'intstr.IntOrString';
    default:
      return goType(type);
  }
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'object';
}

/** Map values that are `resource.Quantity` in Go (a string or a number in JSON). */
const QUANTITY_MAPS = new Set([
  'limits',
  'requests',
  'capacity',
  'allocatable',
  'hard',
  'used',
  'overhead',
]);

class DecodeError extends Error {}

interface Context {
  unknown: string[];
  /** The Go struct holding the current field, and the field's dotted path (no indices). */
  struct: string;
  goPath: string;
}

function mismatch(value: unknown, ctx: Context, attr: Attribute) {
  const what =
    typeof value === 'number' && !Number.isInteger(value)
      ? `number ${value}`
      : jsonKind(value);
  return new DecodeError(
    `json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${
      ctx.goPath
    } of type ${goTypeOf(attr)}`,
  );
}

/** Decodes `value` as `attr` says; returns what Go would keep (unknown fields dropped). */
function decodeValue(
  value: unknown,
  attr: Attribute,
  ctx: Context,
  jsonPath: string,
): unknown {
  if (value === null) return null;
  const { type } = attr;
  if (type === 'any') return value;
  if (type.startsWith('Array<')) {
    if (!Array.isArray(value)) throw mismatch(value, ctx, attr);
    const item = { ...attr, type: type.slice(6, -1), format: '' };
    return value.map((v, i) => decodeValue(v, item, ctx, `${jsonPath}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (jsonKind(value) !== 'object') throw mismatch(value, ctx, attr);
    const item = { ...attr, type: map[1], format: '' };
    const quantity = QUANTITY_MAPS.has(attr.baseName) && map[1] === 'string';
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        quantity && typeof v === 'number'
          ? v
          : decodeValue(v, item, ctx, `${jsonPath}.${k}`),
      ]),
    );
  }
  switch (type) {
    case 'string':
    case 'Date':
      if (typeof value !== 'string') throw mismatch(value, ctx, attr);
      return value;
    case 'number':
      if (typeof value !== 'number') throw mismatch(value, ctx, attr);
      if (
        (attr.format === 'int32' || attr.format === 'int64') &&
        !Number.isInteger(value)
      )
        throw mismatch(value, ctx, attr);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch(value, ctx, attr);
      return value;
    case 'IntOrString':
      if (typeof value !== 'string' && typeof value !== 'number')
        throw mismatch(value, ctx, attr);
      return value;
    default:
      return decodeStruct(value, type, ctx, jsonPath, attr);
  }
}

function decodeStruct(
  value: unknown,
  typeName: string,
  ctx: Context,
  jsonPath: string,
  attr?: Attribute,
): unknown {
  const attributes = attributesOf(typeName);
  if (!attributes) return value;
  if (jsonKind(value) !== 'object') {
    if (attr) throw mismatch(value, ctx, attr);
    throw new DecodeError(
      `json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType(
        typeName,
      )}`,
    );
  }
  const byName = new Map(attributes.map(a => [a.baseName, a]));
  const result: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = byName.get(key);
    const childPath = jsonPath ? `${jsonPath}.${key}` : key;
    if (!field) {
      ctx.unknown.push(childPath);
      continue;
    }
    result[key] = decodeValue(
      v,
      field,
      {
        ...ctx,
        struct: goStruct(typeName),
        goPath: ctx.goPath && attr ? `${ctx.goPath}.${key}` : key,
      },
      childPath,
    );
  }
  return result;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface Decoded {
  object: KubeObject;
  /** `unknown field "spec.foo"` paths that were dropped. */
  unknown: string[];
}

/**
 * Decodes a built-in kind's body as the API server's JSON decoder would;
 * other kinds come back as they are (their CRD schemas prune them).
 */
export function decodeBuiltIn(type: ResourceType, body: KubeObject): Decoded {
  const root = rootTypeOf(type);
  if (!root) return { object: body, unknown: [] };
  const ctx: Context = { unknown: [], struct: goStruct(root), goPath: '' };
  try {
    const object = decodeStruct(body, root, ctx, '') as KubeObject;
    return { object, unknown: ctx.unknown };
  } catch (e) {
    if (e instanceof DecodeError) throw cannotBeHandled(type, e.message);
    throw e;
  }
}

export function cannotBeHandled(type: ResourceType, summary: string) {
  return badRequest(
    `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${summary}`,
  );
}

/** The paths present in `input` that `output` dropped (a structural schema's pruning). */
export function droppedFields(
  input: unknown,
  output: unknown,
  at = '',
): string[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((v, i) => droppedFields(v, output[i], `${at}[${i}]`));
  }
  if (
    !input ||
    typeof input !== 'object' ||
    Array.isArray(input) ||
    !output ||
    typeof output !== 'object'
  )
    return [];
  const out = output as Record<string, unknown>;
  return Object.entries(input as Record<string, unknown>).flatMap(([k, v]) => {
    const p = at ? `${at}.${k}` : k;
    if (v === undefined) return [];
    if (!(k in out)) return [p];
    return droppedFields(v, out[k], p);
  });
}
