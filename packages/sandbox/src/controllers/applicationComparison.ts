import YAML from 'yaml';
import type { GitStore } from '../github/gitStore';
import type { KubeObject } from '../kube/types';

/** The parts of an Application's spec the simulated controller reads. */
export interface AppSpec {
  project?: string;
  source?: { repoURL?: string; path?: string; targetRevision?: string };
  destination?: { server?: string; namespace?: string };
  syncPolicy?: {
    automated?: { prune?: boolean; selfHeal?: boolean } | null;
    syncOptions?: string[];
    retry?: Record<string, unknown>;
  };
}

/** One manifest of the desired state, as ArgoCD lists it in `status.resources`. */
export interface DesiredResource {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name?: string;
  status: string;
  health?: { status: string };
  [k: string]: unknown;
}

/** What ArgoCD would load from the source path at a revision. */
export interface Comparison {
  errors: string[];
  resources: DesiredResource[];
  /** The manifests, in the order of `resources`. */
  manifests: KubeObject[];
  images: string[];
  sourceType: 'Kustomize' | 'Directory';
}

/**
 * Desired state of an app: reads the source path at `revision` from the
 * cluster repository and lists its manifests (renders nothing; Kustomize
 * files only mark the source type). Files that do not parse, and manifests
 * without `kind`/`apiVersion`, are comparison errors, as ArgoCD's repo
 * server reports them.
 */
export async function compareSource(
  git: GitStore,
  repository: { owner: string; repo: string },
  spec: AppSpec,
  revision: string,
  knownFiles?: string[],
): Promise<Comparison> {
  const { owner, repo } = repository;
  const path = (spec.source?.path ?? '').replace(/\/$/, '');
  const destination = spec.destination?.namespace;
  const files = knownFiles
    ? knownFiles.filter(f => f.startsWith(`${path}/`))
    : await git.listFiles(owner, repo, path, revision);
  const result: Comparison = {
    errors: [],
    resources: [],
    manifests: [],
    images: [],
    sourceType: 'Directory',
  };
  if (!files.length) {
    result.errors.push(`${path}: app path does not exist`);
    return result;
  }
  const manifests = files.filter(file => /\.(ya?ml|json)$/.test(file));
  const texts = await Promise.all(
    manifests.map(file => git.readFile(owner, repo, file, revision)),
  );
  for (const [index, file] of manifests.entries()) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const isKustomization = /^kustomization\.ya?ml$/.test(base);
    if (isKustomization) result.sourceType = 'Kustomize';
    const text = texts[index] ?? '';
    const docs = YAML.parseAllDocuments(text);
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length) {
        result.errors.push(
          `${file}: error converting YAML to JSON: ${
            doc.errors[0].message.split('\n')[0]
          }`,
        );
        continue;
      }
      const manifest = doc.toJS() as KubeObject | null;
      if (!manifest || isKustomization) continue;
      if (typeof manifest !== 'object' || !manifest.kind) {
        result.errors.push(
          `${file}: Object 'Kind' is missing in '${JSON.stringify(
            manifest,
          ).slice(0, 80)}'`,
        );
        continue;
      }
      if (!manifest.apiVersion) {
        result.errors.push(`${file}: Object 'apiVersion' is missing`);
        continue;
      }
      const [group, version] = manifest.apiVersion.includes('/')
        ? manifest.apiVersion.split('/')
        : ['', manifest.apiVersion];
      result.manifests.push(manifest);
      result.resources.push({
        group,
        version,
        kind: manifest.kind,
        namespace: manifest.metadata?.namespace ?? destination,
        name: manifest.metadata?.name,
        status: 'Synced',
        ...(manifest.kind === 'Deployment'
          ? { health: { status: 'Healthy' } }
          : {}),
      });
      const containers =
        (
          manifest as {
            spec?: {
              template?: {
                spec?: { containers?: Array<{ image?: string }> };
              };
            };
          }
        ).spec?.template?.spec?.containers ?? [];
      for (const c of containers)
        if (c.image && !result.images.includes(c.image))
          result.images.push(c.image);
    }
  }
  return result;
}
