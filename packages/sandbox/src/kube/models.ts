import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * kubernetes-models and @kubernetes-models/* are ESM whose exports only have
 * an "import" condition, so `require('kubernetes-models/v1')` fails under
 * CommonJS and Jest's resolver. Their files still load by path: synchronously
 * with Node's own require (require(esm); `process.getBuiltinModule` gives the
 * real `node:module` even inside Jest), or, where a require hook (tsx) gets
 * in the way, with a native dynamic import done once at start-up.
 */
export type ModelClass = new (data: never) => { validate(): void };
type ModelModule = Record<string, ModelClass>;

export const MODEL_GROUPS = [
  ['kubernetes-models', 'v1'],
  ['kubernetes-models', 'apps/v1'],
  ['kubernetes-models', 'batch/v1'],
  ['kubernetes-models', 'autoscaling/v2'],
  ['kubernetes-models', 'networking.k8s.io/v1'],
  ['kubernetes-models', 'rbac.authorization.k8s.io/v1'],
  ['@kubernetes-models/argo-cd', 'argoproj.io/v1alpha1'],
  // No @kubernetes-models/argo-workflows: Argo's kinds follow its minimal CRDs (src/argo/crd.ts).
] as const;

const loaded = new Map<string, ModelModule>();

function packageDir(name: string): string {
  // The sandbox runs from source (tsx, Jest), never bundled: __dirname is this file's folder.
  // eslint-disable-next-line no-restricted-syntax
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find package ${name}`);
    dir = parent;
  }
}

/** Node's own require (Jest swaps `node:module` inside tests; getBuiltinModule does not). */
const realRequire = () =>
  process.getBuiltinModule('node:module').createRequire(__filename);

const fileOf = (pkg: string, group: string) =>
  path.join(packageDir(pkg), group, 'index.js');

// Kept out of reach of transpilers that would turn `import()` into `require()`.
// eslint-disable-next-line no-new-func
const nativeImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<ModelModule>;

/** Loads every model group; call (and await) once before validating. */
export async function preloadModels(): Promise<void> {
  for (const [pkg, group] of MODEL_GROUPS) {
    const key = `${pkg}/${group}`;
    if (loaded.has(key)) continue;
    try {
      loaded.set(key, realRequire()(fileOf(pkg, group)));
    } catch {
      loaded.set(
        key,
        await nativeImport(pathToFileURL(fileOf(pkg, group)).href),
      );
    }
  }
}

/** The model class `name` of `pkg/group` (after preloadModels, or loadable synchronously). */
export function model(pkg: string, group: string, name: string): ModelClass {
  const key = `${pkg}/${group}`;
  let mod = loaded.get(key);
  if (!mod) {
    mod = realRequire()(fileOf(pkg, group)) as ModelModule;
    loaded.set(key, mod);
  }
  const Model = mod[name];
  if (!Model) throw new Error(`No model ${name} in ${key}`);
  return Model;
}
