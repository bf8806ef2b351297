import { asArray, asString, asStringArray, path, timeOf } from './read';

/*
 * Drift: what config.yml and the cluster repository say against what runs.
 * Two comparisons, each answering `unknown` rather than a false alarm when
 * the data cannot decide:
 * - images: the image config.yml names (DOCKER_IMAGE_OPENEDX,
 *   MFE_DOCKER_IMAGE) against the image the namespace's Deployments specify;
 * - revision: the revision ArgoCD compared and synced against the head of
 *   the cluster repository's branch.
 */

export type ImageDriftState = 'in-sync' | 'drifted' | 'unknown';
export type RevisionDriftState = 'in-sync' | 'behind' | 'unknown';

/** The services whose image config.yml names (picasso.ts' PICASSO_IMAGE_KEYS). */
export type DriftService = 'openedx' | 'mfe';

/**
 * The Deployments Tutor renders for each image (tutor/templates/k8s/
 * deployments.yml: the container is named like its Deployment). A container
 * elsewhere counts when it runs the same repository.
 */
export const TUTOR_DEPLOYMENTS: Record<DriftService, readonly string[]> = {
  openedx: ['lms', 'cms', 'lms-worker', 'cms-worker'],
  mfe: ['mfe'],
};

export interface ImageDriftDetail {
  service: DriftService;
  /** The image config.yml names. */
  configImage: string;
  /** Absent when no Deployment runs the service (state `unknown`). */
  deployment?: string;
  container?: string;
  /** What the Deployment's pod template specifies. */
  runningImage?: string;
  state: ImageDriftState;
  /** In words, for `drifted` and `unknown`. */
  reason?: string;
}

export interface RevisionDrift {
  revision: RevisionDriftState;
  /** In words, for `behind` and `unknown`. */
  revisionReason?: string;
  /** The revision ArgoCD last synced (applied). */
  syncedRevision?: string;
  /** The revision ArgoCD last compared the cluster with (`status.sync.revision`). */
  comparedRevision?: string;
  /** The cluster repository branch's head commit. */
  headRevision?: string;
}

export interface InstanceDrift extends RevisionDrift {
  images: ImageDriftState;
  imageDetails: ImageDriftDetail[];
  /** `images` drifted or `revision` behind: what the fleet's "drifted" filter matches. */
  drifted: boolean;
}

/** An image reference split as the container runtime reads it. */
export interface ImageReference {
  /** Registry host and path, normalised: `docker.io/library/nginx`. */
  repository: string;
  /** Absent only when a digest is given without a tag. */
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Parses `[host[:port]/]path[:tag][@digest]` by the rules of Docker's
 * reference grammar (github.com/distribution/reference, reference.go and
 * normalize.go's splitDockerDomain): the first path component is a registry
 * host only if it contains `.` or `:` or is `localhost`; no host means
 * `docker.io` (and `index.docker.io` is the same), a one-component name on
 * Docker Hub is `library/<name>`. Kubernetes pulls the same way and assumes
 * the tag `latest` when neither tag nor digest is given
 * (kubernetes.io/docs/concepts/containers/images, "Image names").
 * Undefined for what cannot be a reference.
 */
export function parseImageReference(
  reference: string,
): ImageReference | undefined {
  const text = reference.trim();
  if (!text || /\s/.test(text)) return undefined;
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (!rest || rest.startsWith('/') || rest.endsWith('/')) return undefined;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let host = 'docker.io';
  let name = rest;
  if (
    slash >= 0 &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
  ) {
    host = first.toLowerCase();
    name = rest.slice(slash + 1);
  }
  if (host === 'index.docker.io') host = 'docker.io';
  if (host === 'docker.io' && !name.includes('/')) name = `library/${name}`;
  if (!tag && !digest) tag = 'latest';
  return {
    repository: `${host}/${name}`,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest: digest.toLowerCase() } : {}),
  };
}

/**
 * One configured image against one running image: the repositories must
 * match; then digests decide when both have one, else tags. A tag against a
 * bare digest cannot be decided without asking the registry: `unknown`.
 */
export function compareImages(
  configImage: string,
  runningImage: string,
): { state: ImageDriftState; reason?: string } {
  const want = parseImageReference(configImage);
  const have = parseImageReference(runningImage);
  if (!want || !have) {
    return {
      state: 'unknown',
      reason: `"${
        !want ? configImage : runningImage
      }" is not an image reference`,
    };
  }
  if (want.repository !== have.repository) {
    return {
      state: 'drifted',
      reason: `runs ${runningImage}, config.yml names ${configImage}`,
    };
  }
  if (want.digest && have.digest) {
    return want.digest === have.digest
      ? { state: 'in-sync' }
      : {
          state: 'drifted',
          reason: `runs digest ${have.digest}, config.yml names ${want.digest}`,
        };
  }
  if (want.tag && have.tag) {
    return want.tag === have.tag
      ? { state: 'in-sync' }
      : {
          state: 'drifted',
          reason: `runs tag ${have.tag}, config.yml names ${want.tag}`,
        };
  }
  return {
    state: 'unknown',
    reason: 'a tag and a digest cannot be compared without the registry',
  };
}

interface RunningContainer {
  deployment: string;
  container: string;
  image: string;
}

function runningContainers(deployments: unknown[]): RunningContainer[] {
  return deployments.flatMap(d => {
    const deployment = asString(path(d, 'metadata', 'name'));
    if (!deployment || asString(path(d, 'metadata', 'deletionTimestamp')))
      return [];
    // The slim projection keeps spec.containers; a full object has them under spec.template.spec.
    const podSpec = path(d, 'spec', 'template', 'spec') ?? path(d, 'spec');
    return [
      ...asArray(path(podSpec, 'initContainers')),
      ...asArray(path(podSpec, 'containers')),
    ].flatMap(c => {
      const container = asString(path(c, 'name'));
      const image = asString(path(c, 'image'));
      return container && image ? [{ deployment, container, image }] : [];
    });
  });
}

function worst(states: ImageDriftState[]): ImageDriftState {
  if (states.includes('drifted')) return 'drifted';
  if (states.length === 0 || states.includes('unknown')) return 'unknown';
  return 'in-sync';
}

/**
 * config.yml's images against the images of the namespace's Deployments
 * (their pod templates: what the cluster runs or is rolling out to). A
 * service without an image in config.yml is left out (Tutor's default image
 * depends on the Tutor version); one that no Deployment runs is `unknown`.
 */
export function deriveImageDrift(input: {
  config: Partial<Record<DriftService, string>>;
  deployments: unknown[];
}): { images: ImageDriftState; imageDetails: ImageDriftDetail[] } {
  const containers = runningContainers(input.deployments);
  const details: ImageDriftDetail[] = [];
  const perService: ImageDriftState[] = [];
  for (const service of Object.keys(TUTOR_DEPLOYMENTS) as DriftService[]) {
    const configImage = input.config[service]?.trim();
    if (!configImage) continue;
    const repository = parseImageReference(configImage)?.repository;
    const candidates = containers.filter(
      c =>
        (TUTOR_DEPLOYMENTS[service].includes(c.deployment) &&
          c.container === c.deployment) ||
        (repository !== undefined &&
          parseImageReference(c.image)?.repository === repository),
    );
    if (candidates.length === 0) {
      details.push({
        service,
        configImage,
        state: 'unknown',
        reason: 'no Deployment runs it',
      });
      perService.push('unknown');
      continue;
    }
    const states = candidates.map(c => {
      const { state, reason } = compareImages(configImage, c.image);
      details.push({
        service,
        configImage,
        deployment: c.deployment,
        container: c.container,
        runningImage: c.image,
        state,
        ...(reason ? { reason } : {}),
      });
      return state;
    });
    perService.push(worst(states));
  }
  return { images: worst(perService), imageDetails: details };
}

/** `owner/repo` of a git URL (https, ssh or scp-like), lowercased; undefined otherwise. */
export function repositoryOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const match =
    /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?[^/:]+[:/](.+?)(?:\.git)?\/?$/i.exec(
      url.trim(),
    );
  const parts = match?.[1].split('/').filter(Boolean) ?? [];
  return parts.length >= 2
    ? parts.slice(-2).join('/').toLowerCase()
    : undefined;
}

/** What is known of the cluster repository's branch head. */
export interface BranchHeadInfo {
  sha: string;
  /** When this head was first seen (ms): how long ArgoCD has had to notice it. */
  firstSeenAt: number;
  /** When it was last confirmed (ms). */
  fetchedAt: number;
}

/**
 * How long ArgoCD may take to compare a new head: it polls the repository
 * every `timeout.reconciliation` (default 180 s) plus up to
 * `timeout.reconciliation.jitter` (default 60 s) (argo-cd docs,
 * user-guide/auto_sync.md "Reconciliation interval", argocd-cm.yaml);
 * a minute on top for the repo server.
 */
export const DEFAULT_REVISION_GRACE_MS = 300_000;

const short = (sha: string) => sha.slice(0, 7);
const minutes = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;

/**
 * The revision ArgoCD compared and synced against the branch head. ArgoCD's
 * `status.sync.revision` is the revision the comparison was performed to
 * (`status.sync.revisions` for multi-source apps, one per `spec.sources`
 * entry: argo-cd pkg/apis/application/v1alpha1/types.go SyncStatus); the
 * synced one is the last successful operation's `syncResult`, else the last
 * `status.history` entry.
 * - compared the head: Synced is `in-sync`; OutOfSync with an older synced
 *   revision is `behind` (OutOfSync at the head itself is a live change, not
 *   a revision one);
 * - compared an older revision: OutOfSync with an older synced revision is
 *   `behind`; Synced is `behind` only once ArgoCD has had its refresh
 *   interval to notice the head (`graceMs` since the head was first seen,
 *   and no reconcile after the head was last confirmed), `unknown` before;
 * - no head, no ArgoCD revision, an app that does not deploy from the
 *   cluster repository or tracks another ref: `unknown`.
 */
export function deriveRevisionDrift(input: {
  application: unknown;
  /** `owner/repo` of the cluster repository. */
  repository: string;
  branch: string;
  head?: BranchHeadInfo;
  now: number;
  graceMs?: number;
}): RevisionDrift {
  const { application, head, now } = input;
  const graceMs = input.graceMs ?? DEFAULT_REVISION_GRACE_MS;
  const unknown = (
    revisionReason: string,
    extra: Partial<RevisionDrift> = {},
  ) => ({
    revision: 'unknown' as const,
    revisionReason,
    ...(head ? { headRevision: head.sha } : {}),
    ...extra,
  });
  if (!application) return unknown('no ArgoCD application');
  const multi = asArray(path(application, 'spec', 'sources'));
  const sources = multi.length
    ? multi
    : [path(application, 'spec', 'source')].filter(Boolean);
  const wanted = input.repository.toLowerCase();
  const index = sources.findIndex(
    s => repositoryOfUrl(asString(path(s, 'repoURL'))) === wanted,
  );
  if (index < 0)
    return unknown(`the application does not deploy from ${input.repository}`);
  const target = asString(path(sources[index], 'targetRevision'));
  if (
    target &&
    target !== 'HEAD' &&
    target !== input.branch &&
    target !== `refs/heads/${input.branch}`
  ) {
    return unknown(`the application tracks ${target}, not ${input.branch}`);
  }
  const nth = (value: unknown): string | undefined =>
    multi.length
      ? asStringArray(path(value, 'revisions'))[index]
      : asString(path(value, 'revision'));
  const status = path(application, 'status');
  const compared = nth(path(status, 'sync'));
  const operation = path(status, 'operationState');
  const history = asArray(path(status, 'history'));
  const syncStatus = asString(path(status, 'sync', 'status'));
  const synced =
    (asString(path(operation, 'phase')) === 'Succeeded'
      ? nth(path(operation, 'syncResult'))
      : undefined) ??
    (history.length ? nth(history[history.length - 1]) : undefined) ??
    (syncStatus === 'Synced' ? compared : undefined);
  const revisions = {
    ...(synced ? { syncedRevision: synced } : {}),
    ...(compared ? { comparedRevision: compared } : {}),
  };
  if (!head) return unknown('the branch head is not known yet', revisions);
  const known = { ...revisions, headRevision: head.sha };
  const behindSynced = `ArgoCD last synced ${
    synced ? short(synced) : 'an older revision'
  }; ${input.branch} is at ${short(head.sha)}`;
  if (compared === head.sha) {
    if (syncStatus === 'Synced') return { revision: 'in-sync', ...known };
    if (syncStatus === 'OutOfSync') {
      return synced === head.sha
        ? { revision: 'in-sync', ...known }
        : { revision: 'behind', revisionReason: behindSynced, ...known };
    }
    return unknown('ArgoCD does not know the sync status', known);
  }
  if (syncStatus === 'OutOfSync' && synced !== head.sha) {
    return { revision: 'behind', revisionReason: behindSynced, ...known };
  }
  if (syncStatus !== 'Synced' || !compared)
    return unknown('ArgoCD has not compared a revision', known);
  const reconciledAt = timeOf(path(status, 'reconciledAt'));
  if (reconciledAt !== undefined && reconciledAt > head.fetchedAt) {
    // ArgoCD looked after the head was last confirmed: it may know a newer one.
    return unknown('the branch head is being looked up again', known);
  }
  const age = now - head.firstSeenAt;
  if (age < graceMs) {
    return unknown(
      `${input.branch} moved to ${short(head.sha)} ${minutes(
        age,
      )} ago; ArgoCD has not refreshed yet`,
      known,
    );
  }
  return {
    revision: 'behind',
    revisionReason: `ArgoCD has not compared ${input.branch}'s head ${short(
      head.sha,
    )} for ${minutes(age)} (it compared ${short(compared)})`,
    ...known,
  };
}

/** Both comparisons of one instance. */
export function deriveInstanceDrift(input: {
  config: Partial<Record<DriftService, string>>;
  deployments: unknown[];
  application: unknown;
  repository: string;
  branch: string;
  head?: BranchHeadInfo;
  now: number;
  graceMs?: number;
}): InstanceDrift {
  const images = deriveImageDrift(input);
  const revision = deriveRevisionDrift(input);
  return {
    ...images,
    ...revision,
    drifted: images.images === 'drifted' || revision.revision === 'behind',
  };
}
