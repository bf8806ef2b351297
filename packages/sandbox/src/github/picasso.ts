import {
  Document,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
} from 'yaml';
import type { Scalar } from 'yaml';
import type { FaultRegistry } from '../faults';
import type { GitStore, RepositoryInfo } from './gitStore';

/**
 * The cluster repository's Picasso workflow, as Launchpad's cluster template
 * ships it: dispatched by hand (builds are never automatic) for one instance
 * and one image, it builds the image with Picasso, then commits the new tag to
 * `instances/<slug>/config.yml` and the re-rendered manifests to `env/`.
 */
export const PICASSO_BUILD_WORKFLOW = `# Builds an instance's Open edX or MFE image with Picasso and commits the new
# image tag (config.yml) and the re-rendered manifests (env/), which ArgoCD
# then syncs. Run it from the Actions tab or through the API; never automatic.
name: Build instance image

run-name: Build \${{ inputs.SERVICE }} image for \${{ inputs.INSTANCE_NAME }}

on:
  workflow_dispatch:
    inputs:
      INSTANCE_NAME:
        description: Instance to build (its folder under instances/)
        required: true
        type: string
      SERVICE:
        description: Image to build
        required: true
        type: choice
        options:
          - openedx
          - mfe
      STRAIN_REPOSITORY_BRANCH:
        description: Branch of this repository holding the instance's config (default the dispatched ref)
        required: false
        type: string
      EDX_PLATFORM_REPOSITORY:
        description: Override EDX_PLATFORM_REPOSITORY from config.yml for this build
        required: false
        type: string
      EDX_PLATFORM_VERSION:
        description: Override EDX_PLATFORM_VERSION from config.yml (e.g. release/teak.3)
        required: false
        type: string
      TUTOR_VERSION:
        description: Override TUTOR_VERSION from config.yml (e.g. v20.0.5)
        required: false
        type: string

concurrency:
  group: build-\${{ inputs.INSTANCE_NAME }}-\${{ inputs.SERVICE }}
  cancel-in-progress: false

permissions:
  contents: write

jobs:
  build:
    name: Build \${{ inputs.SERVICE }} image
    uses: eduNEXT/picasso/.github/workflows/build.yml@v4
    with:
      STRAIN_REPOSITORY: \${{ github.repository }}
      STRAIN_REPOSITORY_BRANCH: \${{ inputs.STRAIN_REPOSITORY_BRANCH || github.ref_name }}
      STRAIN_PATH: instances/\${{ inputs.INSTANCE_NAME }}
      SERVICE: \${{ inputs.SERVICE }}
    secrets:
      DOCKERHUB_USERNAME: \${{ secrets.DOCKERHUB_USERNAME }}
      DOCKERHUB_PASSWORD: \${{ secrets.DOCKERHUB_PASSWORD }}
      SSH_PRIVATE_KEY: \${{ secrets.SSH_PRIVATE_KEY }}

  commit:
    name: Commit image tag and manifests
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ inputs.STRAIN_REPOSITORY_BRANCH || github.ref_name }}
      - name: Render manifests with the new image
        run: |
          pip install "tutor==\${TUTOR_VERSION#v}" tutor-contrib-drydock
          tutor config save --set \${{ inputs.SERVICE == 'mfe' && 'MFE_DOCKER_IMAGE' || 'DOCKER_IMAGE_OPENEDX' }}=\${{ needs.build.outputs.image }}
          tutor k8s render instances/\${{ inputs.INSTANCE_NAME }}/env
        env:
          TUTOR_ROOT: instances/\${{ inputs.INSTANCE_NAME }}
      - name: Commit
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "github-actions[bot]@users.noreply.github.com"
          git add instances/\${{ inputs.INSTANCE_NAME }}
          git commit -m "[Picasso] \${{ inputs.INSTANCE_NAME }}: \${{ inputs.SERVICE }} image \${{ needs.build.outputs.image }}"
          git push
`;

export const PICASSO_WORKFLOW_PATH = '.github/workflows/build.yml';

/** The config.yml key holding each service's image. */
export const IMAGE_KEYS = {
  openedx: 'DOCKER_IMAGE_OPENEDX',
  mfe: 'MFE_DOCKER_IMAGE',
} as const;

/** Inputs a build may override, recorded in config.yml with the new image. */
const VERSION_INPUTS = [
  'EDX_PLATFORM_REPOSITORY',
  'EDX_PLATFORM_VERSION',
  'TUTOR_VERSION',
];

export interface PicassoResult {
  conclusion: 'success' | 'failure';
  /** Why a build failed (shown as the job's failed step). */
  message: string;
  image?: string;
  commitSha?: string;
  changedPaths?: string[];
}

const BUILD_AUTHOR = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
};

function dateStamp(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

/** `release/teak.3` → `teak.3`; `open-release/sumac.2` → `sumac.2`; `master` → `master`. */
function releaseTag(version: unknown): string | undefined {
  if (typeof version !== 'string' || !version.trim()) return undefined;
  return version
    .trim()
    .split('/')
    .pop()!
    .replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** Writes a scalar the way the original was written (plain, single or double quoted). */
function scalarText(node: Scalar, value: string): string {
  if (node.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (node.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plain = parseDocument(value).contents;
  return isScalar(plain) && plain.value === value && !/[#:]\s|\s$/.test(value)
    ? value
    : JSON.stringify(value);
}

/**
 * Replaces scalar values in the source text by their ranges (found through
 * the Document API), so everything else stays byte for byte: comments,
 * order, spacing and quoting. The diff is the changed values only.
 */
function spliceScalars(
  text: string,
  edits: Array<{ node: Scalar; value: string }>,
): string {
  let out = text;
  for (const { node, value } of [...edits].sort(
    (a, b) => b.node.range![0] - a.node.range![0],
  )) {
    const [start, end] = node.range!;
    out = out.slice(0, start) + scalarText(node, value) + out.slice(end);
  }
  return out;
}

/** Sets top-level `key` in a YAML mapping document's text; appends it if absent. */
export function setTopLevelScalar(
  text: string,
  key: string,
  value: string,
): string {
  const doc = parseDocument(text);
  const node = doc.get(key, true);
  if (isScalar(node) && node.range)
    return spliceScalars(text, [{ node, value }]);
  // Absent: append the key, leaving the existing text as it is.
  const line = new Document({ [key]: value }).toString();
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}`;
}

/** Replaces the image of matching containers in rendered manifests; returns the new text if changed. */
export function retagManifests(
  text: string,
  oldImage: string | undefined,
  newImage: string,
  service: 'openedx' | 'mfe',
): string | undefined {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some(d => d.errors.length)) return undefined;
  const oldRepo = oldImage?.replace(/:[^/:]*$/, '');
  const newRepo = newImage.replace(/:[^/:]*$/, '');
  const newTag = newImage.slice(newRepo.length + 1);
  const serviceNames =
    service === 'mfe' ? /^mfe$/ : /^(lms|cms)(-worker)?$|^(lms|cms)-job$/;
  const edits: Array<{ node: Scalar; value: string }> = [];
  const edit = (node: unknown, value: string) => {
    if (isScalar(node) && node.range && node.value !== value)
      edits.push({ node, value });
  };
  for (const doc of docs as Document[]) {
    const kind = doc.get('kind');
    if (kind === 'Kustomization') {
      const images = doc.get('images');
      if (isSeq(images)) {
        for (const item of images.items) {
          if (isMap(item) && oldRepo && item.get('name') === oldRepo)
            edit(item.get('newTag', true), newTag);
        }
      }
      continue;
    }
    const podSpec =
      kind === 'CronJob'
        ? ['spec', 'jobTemplate', 'spec', 'template', 'spec']
        : ['spec', 'template', 'spec'];
    for (const list of ['containers', 'initContainers']) {
      const containers = doc.getIn([...podSpec, list]);
      if (!isSeq(containers)) continue;
      for (const c of containers.items) {
        if (!isMap(c)) continue;
        const image = c.get('image');
        const matches = oldImage
          ? image === oldImage ||
            (typeof image === 'string' &&
              image.replace(/:[^/:]*$/, '') === oldRepo)
          : serviceNames.test(String(c.get('name')));
        if (matches) edit(c.get('image', true), newImage);
      }
    }
  }
  return edits.length ? spliceScalars(text, edits) : undefined;
}

/** Tutor's default image for a service when config.yml names none (`overhangio/openedx:<tutor version>`). */
function defaultImage(service: 'openedx' | 'mfe', tutorVersion: unknown) {
  const version =
    typeof tutorVersion === 'string' && tutorVersion
      ? tutorVersion.replace(/^v/, '')
      : 'latest';
  return `docker.io/overhangio/${
    service === 'mfe' ? 'openedx-mfe' : 'openedx'
  }:${version}`;
}

/**
 * The manifests `tutor k8s render` writes to env/, reduced to what ArgoCD and
 * the status cards read: a Kustomization, the Open edX and MFE Deployments
 * (`lms`, `cms`, their workers, `mfe`) with their images, and their Services.
 * The seed's instances and a new instance's first build share it.
 */
export function renderEnvFiles(
  slug: string,
  images: { openedx: string; mfe: string },
): Record<string, string> {
  const deployment = (name: string, image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: { containers: [{ name, image }] },
      },
    },
  });
  const docs = (items: unknown[]) =>
    items.map(i => new Document(i).toString()).join('---\n');
  return {
    [`instances/${slug}/env/kustomization.yml`]: new Document({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: slug,
      resources: ['k8s/deployments.yml', 'k8s/services.yml'],
    }).toString(),
    [`instances/${slug}/env/k8s/deployments.yml`]: docs([
      deployment('lms', images.openedx),
      deployment('cms', images.openedx),
      deployment('lms-worker', images.openedx),
      deployment('cms-worker', images.openedx),
      deployment('mfe', images.mfe),
    ]),
    [`instances/${slug}/env/k8s/services.yml`]: docs(
      ['lms', 'cms', 'mfe'].map(name => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: {
          selector: { 'app.kubernetes.io/name': name },
          ports: [{ port: name === 'mfe' ? 8002 : 8000 }],
        },
      })),
    ),
  };
}

/**
 * What Picasso does when a build succeeds: a new tag for the service's image
 * in config.yml and the rendered manifests in env/ pointing at it, committed
 * in one push. Values are located with the YAML Document API and replaced in
 * place, so comments, order and formatting survive untouched.
 */
export async function runPicassoBuild(
  deps: { git: GitStore; faults: FaultRegistry },
  repo: RepositoryInfo,
  build: {
    inputs: Record<string, string>;
    branch: string;
    runNumber: number;
    now: Date;
  },
): Promise<PicassoResult> {
  const slug = build.inputs.INSTANCE_NAME;
  const service = build.inputs.SERVICE === 'mfe' ? 'mfe' : 'openedx';
  const fault = deps.faults.take(
    'build-fails',
    f => !f.instance || f.instance === slug,
  );
  if (fault) {
    return {
      conclusion: 'failure',
      message: `Sandbox fault: the ${service} image build for ${slug} failed`,
    };
  }
  const folder = `instances/${slug}`;
  const configPath = `${folder}/config.yml`;
  const text = await deps.git.readFile(
    repo.owner,
    repo.name,
    configPath,
    build.branch,
  );
  if (text === undefined) {
    return {
      conclusion: 'failure',
      message: `Instance "${slug}" not found: ${configPath} does not exist on ${build.branch}`,
    };
  }
  const doc = parseDocument(text);
  if (doc.errors.length || !isMap(doc.contents)) {
    return {
      conclusion: 'failure',
      message: `${configPath} is not valid YAML: ${
        doc.errors[0]?.message ?? 'not a mapping'
      }`,
    };
  }
  const key = IMAGE_KEYS[service];
  const oldImage = doc.get(key);
  const current =
    typeof oldImage === 'string' && oldImage ? oldImage : undefined;
  const repository =
    current?.replace(/:[^/:]*$/, '') ??
    `${repo.owner.toLowerCase()}/${slug}-${service}`;
  let config = text;
  for (const input of VERSION_INPUTS) {
    if (build.inputs[input])
      config = setTopLevelScalar(config, input, build.inputs[input]);
  }
  const release = releaseTag(
    build.inputs.EDX_PLATFORM_VERSION || doc.get('EDX_PLATFORM_VERSION'),
  );
  const tag = [release, dateStamp(build.now), String(build.runNumber)]
    .filter(Boolean)
    .join('-');
  const image = `${repository}:${tag}`;
  config = setTopLevelScalar(config, key, image);

  const changes: Record<string, string> = { [configPath]: config };
  const envFiles = await deps.git.listFiles(
    repo.owner,
    repo.name,
    `${folder}/env`,
    build.branch,
  );
  if (envFiles.length === 0) {
    // A new instance's first build: real Picasso runs `tutor k8s render`,
    // which writes env/ from config.yml; the other service's image is the one
    // config.yml names, or Tutor's default.
    const other = service === 'mfe' ? 'openedx' : 'mfe';
    const otherImage = doc.get(IMAGE_KEYS[other]);
    Object.assign(
      changes,
      renderEnvFiles(slug, {
        [service]: image,
        [other]:
          typeof otherImage === 'string' && otherImage
            ? otherImage
            : defaultImage(other, doc.get('TUTOR_VERSION')),
      } as { openedx: string; mfe: string }),
    );
  }
  for (const file of envFiles) {
    if (!/\.ya?ml$/.test(file)) continue;
    const manifest = await deps.git.readFile(
      repo.owner,
      repo.name,
      file,
      build.branch,
    );
    const updated =
      manifest === undefined
        ? undefined
        : retagManifests(manifest, current, image, service);
    if (updated !== undefined) changes[file] = updated;
  }
  const { sha, changedPaths } = await deps.git.commitFiles(
    repo.owner,
    repo.name,
    {
      branch: build.branch,
      message: `[Picasso] ${slug}: ${service} image ${image}`,
      changes,
      author: BUILD_AUTHOR,
      requireBranch: true,
    },
  );
  return {
    conclusion: 'success',
    message: `Built ${image}`,
    image,
    commitSha: sha,
    changedPaths,
  };
}
