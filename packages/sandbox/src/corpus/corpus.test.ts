import {
  ApiException,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { kubeConfigFor } from '../kube/__testUtils__';
import { startSandbox, type Sandbox } from '../sandbox';
import { loadCorpus, type CorpusItem } from '.';

const NAMESPACE = 'corpus';
/** Kinds whose status lives behind a `/status` subresource (built-ins); CRDs here have none. */
const BUILT_IN_GROUPS = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'autoscaling/v2',
]);
const CLUSTER_SCOPED = new Set(['ClusterWorkflowTemplate']);
/** Set by the API server, not by the client: left out of the comparison. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'managedFields',
  'selfLink',
  'namespace',
];

const corpus = loadCorpus();
const valid = corpus.filter(item => item.valid);
const invalid = corpus.filter(item => !item.valid);
const builtIn = (item: CorpusItem) => BUILT_IN_GROUPS.has(item.apiVersion);

let sandbox: Sandbox;
let client: KubernetesObjectApi;
let core: CoreV1Api;
let autoscaling: AutoscalingV2Api;
let batch: BatchV1Api;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'none', speed: 0 });
  const kc = kubeConfigFor(sandbox.clusters[0]);
  client = KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(CoreV1Api);
  autoscaling = kc.makeApiClient(AutoscalingV2Api);
  batch = kc.makeApiClient(BatchV1Api);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
}, 30_000);

/** JSON as the server sent it: typed clients' Dates back to RFC 3339 at second precision, undefined dropped. */
function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v)
        ? new Date(v).toISOString().replace(/\.000Z$/, 'Z')
        : v,
    ),
  );
}

function prepared(item: CorpusItem): KubernetesObject {
  const object = structuredClone(item.object) as KubernetesObject;
  if (!CLUSTER_SCOPED.has(item.kind)) object.metadata!.namespace = NAMESPACE;
  return object;
}

function clientMetadata(object: KubernetesObject) {
  const metadata = { ...(plain(object.metadata) as Record<string, unknown>) };
  for (const key of SERVER_METADATA) delete metadata[key];
  // A generated name is the server's; the prefix is what the client sent.
  if (metadata.generateName) delete metadata.name;
  return metadata;
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiException) return e as ApiException<unknown>;
    throw e;
  }
  throw new Error('expected the server to refuse the object');
}

/** Writes a built-in kind's status through its `/status` subresource, as its controller (kubelet, HPA controller) does. */
async function writeStatus(
  item: CorpusItem,
  stored: KubernetesObject,
  status: unknown,
) {
  const name = stored.metadata!.name!;
  const body = { ...stored, status } as never;
  switch (item.kind) {
    case 'Pod':
      return core.replaceNamespacedPodStatus({
        name,
        namespace: NAMESPACE,
        body,
      });
    case 'HorizontalPodAutoscaler':
      return autoscaling.replaceNamespacedHorizontalPodAutoscalerStatus({
        name,
        namespace: NAMESPACE,
        body,
      });
    case 'Job':
      return batch.replaceNamespacedJobStatus({
        name,
        namespace: NAMESPACE,
        body,
      });
    default:
      throw new Error(`no status writer for ${item.kind}`);
  }
}

describe('conformance corpus', () => {
  it('has at least 30 real objects, each naming its source', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(invalid.length).toBeGreaterThan(0);
    for (const item of corpus) {
      expect(item.source.url).toMatch(/^https:\/\/github\.com\//);
    }
  });

  const header = (item: CorpusItem, name: string) => ({
    apiVersion: item.apiVersion,
    kind: item.kind,
    metadata: {
      name,
      ...(CLUSTER_SCOPED.has(item.kind) ? {} : { namespace: NAMESPACE }),
    },
  });
  const storedBack = async (item: CorpusItem) => {
    const created = await client.create(prepared(item));
    const read = await client.read(header(item, created.metadata!.name!));
    return { created, read };
  };
  const sentOf = (item: CorpusItem) =>
    plain(item.object) as { spec?: object; status?: object };

  const storedMetadataMatches = (item: CorpusItem, read: KubernetesObject) => {
    const expected = clientMetadata(item.object as KubernetesObject);
    // A controller that takes the object over labels it (Argo's phase labels).
    if (item.statusMayChange) delete expected.labels;
    expect(clientMetadata(read)).toMatchObject(expected);
  };

  it.each(
    valid
      .filter(item => !builtIn(item))
      .map(item => [item.name, item] as const),
  )('stores %s and reads it back unchanged', async (_name, item) => {
    const { read } = await storedBack(item);
    storedMetadataMatches(item, read);
    const got = plain(read) as { spec?: object; status?: object };
    const sent = sentOf(item);
    // These CRDs have no defaults and no status subresource, so a status sent
    // is kept (a status the fixture lacks, or one a controller takes over, is
    // the controller's).
    expect(got.spec).toEqual(sent.spec);
    const keepsStatus = sent.status !== undefined && !item.statusMayChange;
    expect(got.status).toEqual(keepsStatus ? sent.status : got.status);
  });

  it.each(
    valid.filter(item => builtIn(item)).map(item => [item.name, item] as const),
  )('stores %s and reads its spec back', async (_name, item) => {
    const { read } = await storedBack(item);
    storedMetadataMatches(item, read);
    // The API server defaults built-in specs: every field sent comes back as sent.
    expect((plain(read) as { spec?: object }).spec).toMatchObject(
      sentOf(item).spec ?? {},
    );
  });

  it.each(
    valid
      .filter(
        item =>
          builtIn(item) &&
          item.object.status !== undefined &&
          !item.statusMayChange,
      )
      .map(item => [item.name, item] as const),
  )(
    'drops the status of %s on create and stores it through /status',
    async (_name, item) => {
      const renamed = structuredClone(item);
      renamed.object.metadata.name = `${item.object.metadata.name}-status`;
      const { created, read } = await storedBack(renamed);
      const sent = sentOf(item);
      expect((plain(created) as { status?: object }).status ?? {}).not.toEqual(
        sent.status,
      );
      await writeStatus(item, read, item.object.status);
      const again = plain(
        await client.read(header(item, read.metadata!.name!)),
      ) as { status?: object };
      expect(again.status).toMatchObject(sent.status ?? {});
    },
  );

  it.each(invalid.map(item => [item.name, item] as const))(
    'refuses %s as a real server does',
    async (_name, item) => {
      const refused = await refusal(client.create(prepared(item)));
      expect(refused.code).toBe(item.expectedCode);
      expect(String(refused.body)).toContain(item.expectedField ?? '');
    },
  );
});
