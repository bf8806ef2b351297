import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
} from './errors';
import {
  cannotBeHandled,
  decodeBuiltIn,
  droppedFields,
  type FieldValidation,
} from './decode';
import { applyPatch, type PatchType } from './patch';
import { semanticErrors } from './semantic';
import {
  apiVersionOf,
  isBuiltIn,
  RESOURCE_TYPES,
  type ResourceType,
} from './resources';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { kubeTime, type KubeObject, type StoreEvent } from './types';

/** How an API write decodes its body: `?fieldValidation=` and where the warnings go. */
export interface Admission {
  fieldValidation: FieldValidation;
  warnings: string[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface StoreChangeEvent extends StoreEvent {
  /** The object before a MODIFIED or DELETED event, so watches with selectors can tell objects leaving them. */
  previous?: KubeObject;
}

interface LoggedEvent extends StoreChangeEvent {
  /** Real time (ms) the event was recorded, for the compaction window. */
  at: number;
}

/** How long (real ms) resourceVersions stay resumable, as etcd's compaction (kube-apiserver compacts every 5 minutes). */
export const DEFAULT_COMPACTION_WINDOW_MS = 60_000;

const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const NAMESPACES = RESOURCE_TYPES.find(t => t.plural === 'namespaces')!;

const resourceKey = (type: ResourceType) => `${type.group}/${type.plural}`;
const objectKey = (namespace: string | undefined, name: string) =>
  `${namespace ?? ''}/${name}`;

/**
 * The API server bumps `metadata.generation` on spec changes for kinds with a
 * status subresource, and on every change but metadata for custom resources
 * without one (kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
 * custom-resource-definitions/#status-subresource).
 */
function generationChanged(
  type: ResourceType,
  current: KubeObject,
  next: KubeObject,
): boolean {
  if (type.statusSubresource || isBuiltIn(type))
    return JSON.stringify(next.spec) !== JSON.stringify(current.spec);
  const withoutMetadata = (obj: KubeObject) =>
    JSON.stringify({ ...obj, metadata: undefined });
  return withoutMetadata(current) !== withoutMetadata(next);
}

/**
 * One cluster's object store: every object of every served resource type,
 * with a single monotonically increasing resourceVersion and a bounded event
 * log that watches resume from (older resourceVersions answer 410 Gone).
 */
export class KubeStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private resourceVersion = 0;
  private readonly log: LoggedEvent[] = [];
  /** The newest resourceVersion dropped from the log; watches from before it are expired. */
  private compactedRv = 0;
  private readonly listeners = new Set<(event: StoreChangeEvent) => void>();
  private readonly queue: StoreChangeEvent[] = [];
  private dispatching = false;

  constructor(
    private readonly clock: SandboxClock,
    private readonly maxLogSize = 20_000,
    /** Events older than this (real ms) are compacted: watching or listing from before them answers 410. */
    private readonly compactionWindowMs = DEFAULT_COMPACTION_WINDOW_MS,
  ) {
    for (const type of RESOURCE_TYPES)
      this.objects.set(resourceKey(type), new Map());
  }

  currentResourceVersion(): number {
    return this.resourceVersion;
  }

  list(type: ResourceType, options: ListOptions = {}): KubeObject[] {
    return this.select(this.bucket(type).values(), options);
  }

  private select(
    objects: Iterable<KubeObject>,
    options: ListOptions,
  ): KubeObject[] {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector);
    const result: KubeObject[] = [];
    for (const obj of objects) {
      if (options.namespace && obj.metadata.namespace !== options.namespace)
        continue;
      if (!labels(obj.metadata.labels) || !fields(obj)) continue;
      result.push(obj);
    }
    return result
      .sort((a, b) =>
        objectKey(a.metadata.namespace, a.metadata.name!).localeCompare(
          objectKey(b.metadata.namespace, b.metadata.name!),
        ),
      )
      .map(obj => structuredClone(obj));
  }

  /**
   * Counts the objects matching `options` (and `predicate`) without copying
   * them: controllers poll this often. `predicate` must not keep or change the object.
   */
  count(
    type: ResourceType,
    options: ListOptions = {},
    predicate: (obj: Readonly<KubeObject>) => boolean = () => true,
  ): number {
    const labels = parseLabelSelector(options.labelSelector);
    let n = 0;
    for (const obj of this.bucket(type).values()) {
      if (options.namespace && obj.metadata.namespace !== options.namespace)
        continue;
      if (labels(obj.metadata.labels) && predicate(obj)) n++;
    }
    return n;
  }

  /** The objects in `namespace` whose ownerReferences name `ownerUid` (controllers; only matches are copied). */
  listOwned(
    type: ResourceType,
    namespace: string | undefined,
    ownerUid: string,
  ): KubeObject[] {
    const result: KubeObject[] = [];
    for (const obj of this.bucket(type).values()) {
      if (obj.metadata.namespace !== namespace) continue;
      if (obj.metadata.ownerReferences?.some(o => o.uid === ownerUid))
        result.push(structuredClone(obj));
    }
    return result.sort((a, b) =>
      a.metadata.name!.localeCompare(b.metadata.name!),
    );
  }

  get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const obj = this.bucket(type).get(
      objectKey(type.namespaced ? namespace : undefined, name),
    );
    return obj && structuredClone(obj);
  }

  getOrThrow(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const obj = this.get(type, namespace, name);
    if (!obj) throw notFound(type.plural, type.group, name);
    return obj;
  }

  /**
   * Creates an object. Through the API (`fromApi`) the status of types with a
   * status subresource is dropped, as the API server does; seeds and
   * controllers keep it.
   */
  create(
    type: ResourceType,
    input: KubeObject,
    options: {
      namespace?: string;
      fromApi?: boolean;
      dryRun?: boolean;
      /** Seeds and controllers: when the object came to be (default now). */
      createdAt?: Date;
      admission?: Admission;
    } = {},
  ): KubeObject {
    const obj = this.admit(type, input, options.admission);
    const namespace = type.namespaced
      ? options.namespace ?? obj.metadata.namespace ?? 'default'
      : undefined;
    if (type.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      obj.metadata.namespace = namespace;
      if (!this.bucket(NAMESPACES).has(objectKey(undefined, namespace!))) {
        throw notFound('namespaces', '', namespace!);
      }
    } else {
      delete obj.metadata.namespace;
    }
    if (!obj.metadata.name) {
      if (!obj.metadata.generateName) {
        throw invalid(type.kind, type.group, '', [
          {
            field: 'metadata.name',
            message: 'Required value: name or generateName is required',
          },
        ]);
      }
      obj.metadata.name = this.generateName(
        type,
        namespace,
        obj.metadata.generateName,
      );
    }
    const name = obj.metadata.name;
    this.checkName(type, name);
    if (this.bucket(type).has(objectKey(namespace, name))) {
      throw alreadyExists(type.plural, type.group, name);
    }
    if (options.fromApi && type.statusSubresource) delete obj.status;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = kubeTime(
      (options.fromApi ? undefined : options.createdAt) ?? this.clock.now(),
    );
    obj.metadata.generation = 1;
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    this.validate(type, obj);
    if (options.dryRun) return obj;
    return this.commit(type, 'ADDED', obj);
  }

  /** PUT: replaces the object (or its status) if `metadata.resourceVersion` is current or absent. */
  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    options: {
      subresource?: 'status';
      dryRun?: boolean;
      admission?: Admission;
    } = {},
  ): KubeObject {
    const current = this.getOrThrow(type, namespace, name);
    const obj = this.admit(type, input, options.admission);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    this.checkResourceVersion(type, name, current, obj);
    return this.write(type, current, obj, options);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: PatchType,
    options: {
      subresource?: 'status';
      dryRun?: boolean;
      admission?: Admission;
    } = {},
  ): KubeObject {
    const current = this.getOrThrow(type, namespace, name);
    const result = applyPatch(current, patch, patchType, {
      kind: type.kind,
      builtIn: isBuiltIn(type),
    });
    if (!result || typeof result !== 'object' || Array.isArray(result)) {
      throw badRequest('the patch did not produce an object');
    }
    const patched = this.admit(type, result as KubeObject, options.admission);
    this.checkResourceVersion(type, name, current, patched);
    return this.write(type, current, patched, options);
  }

  /**
   * Read-modify-write for controllers and seeds: no resourceVersion check,
   * status always writable. Returns undefined when the object is gone.
   */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (obj: KubeObject) => KubeObject | void,
  ): KubeObject | undefined {
    const current = this.get(type, namespace, name);
    if (!current) return undefined;
    const draft = structuredClone(current);
    const next = mutate(draft) ?? draft;
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    return this.write(type, current, next, { internal: true });
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const current = this.getOrThrow(type, namespace, name);
    if (type === NAMESPACES) {
      for (const other of RESOURCE_TYPES) {
        if (!other.namespaced) continue;
        for (const obj of [...this.bucket(other).values()]) {
          if (obj.metadata.namespace === name) {
            this.remove(other, structuredClone(obj));
          }
        }
      }
    }
    return this.remove(type, current);
  }

  subscribe(listener: (event: StoreChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `resourceVersion`, or 'expired' when the log no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreChangeEvent[] | 'expired' {
    this.compact();
    if (resourceVersion < this.compactedRv) return 'expired';
    const first = this.log.findIndex(e => e.resourceVersion > resourceVersion);
    return first === -1 ? [] : this.log.slice(first);
  }

  /** Whether `resourceVersion` was compacted away (lists and continue tokens from before it answer 410). */
  isExpired(resourceVersion: number): boolean {
    this.compact();
    return resourceVersion < this.compactedRv;
  }

  /**
   * The objects of `type` as they were at `resourceVersion` (a list with
   * `resourceVersionMatch=Exact`), by undoing the logged events after it;
   * 'expired' once compaction dropped them.
   */
  listAt(
    type: ResourceType,
    resourceVersion: number,
    options: ListOptions = {},
  ): KubeObject[] | 'expired' {
    const events = this.eventsSince(resourceVersion);
    if (events === 'expired') return 'expired';
    const state = new Map(
      [...this.bucket(type).values()].map(o => [
        objectKey(o.metadata.namespace, o.metadata.name!),
        o,
      ]),
    );
    const key = resourceKey(type);
    for (const event of [...events].reverse()) {
      if (event.resource !== key) continue;
      const k = objectKey(
        event.object.metadata.namespace,
        event.object.metadata.name!,
      );
      if (event.type === 'ADDED') state.delete(k);
      else if (event.previous) state.set(k, event.previous);
    }
    return this.select([...state.values()], options);
  }

  oldestResourceVersion(): number {
    return this.compactedRv + 1;
  }

  private write(
    type: ResourceType,
    current: KubeObject,
    input: KubeObject,
    options: { subresource?: 'status'; dryRun?: boolean; internal?: boolean },
  ): KubeObject {
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = { ...structuredClone(current), status: input.status };
    } else {
      next = {
        ...input,
        apiVersion: apiVersionOf(type),
        kind: type.kind,
        metadata: {
          ...input.metadata,
          // Identity and bookkeeping are the server's, whatever the client sent.
          name: current.metadata.name,
          namespace: current.metadata.namespace,
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
          generation: current.metadata.generation,
        },
      };
      if (!type.namespaced) delete next.metadata.namespace;
      if (type.statusSubresource && !options.internal)
        next.status = current.status;
      if (next.status === undefined) delete next.status;
      if (generationChanged(type, current, next)) {
        next.metadata.generation = (current.metadata.generation ?? 1) + 1;
      }
    }
    this.validate(type, next);
    if (options.dryRun) return next;
    return this.commit(type, 'MODIFIED', next, current);
  }

  private remove(type: ResourceType, current: KubeObject): KubeObject {
    this.bucket(type).delete(
      objectKey(current.metadata.namespace, current.metadata.name!),
    );
    const deleted = structuredClone(current);
    const rv = ++this.resourceVersion;
    deleted.metadata.deletionTimestamp = kubeTime(this.clock.now());
    // The deletion gets its own resourceVersion so watches resume after it.
    deleted.metadata.resourceVersion = String(rv);
    this.record({
      type: 'DELETED',
      resource: resourceKey(type),
      object: deleted,
      resourceVersion: rv,
      previous: current,
    });
    return structuredClone(deleted);
  }

  private commit(
    type: ResourceType,
    eventType: 'ADDED' | 'MODIFIED',
    obj: KubeObject,
    previous?: KubeObject,
  ): KubeObject {
    const rv = ++this.resourceVersion;
    obj.metadata.resourceVersion = String(rv);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    const stored = structuredClone(obj);
    this.bucket(type).set(
      objectKey(stored.metadata.namespace, stored.metadata.name!),
      stored,
    );
    this.record({
      type: eventType,
      resource: resourceKey(type),
      object: structuredClone(stored),
      resourceVersion: rv,
      previous,
    });
    return structuredClone(stored);
  }

  /** Drops events beyond the log size or older than the compaction window. */
  private compact() {
    const cutoff = Date.now() - this.compactionWindowMs;
    let drop = Math.max(0, this.log.length - this.maxLogSize);
    while (drop < this.log.length && this.log[drop].at <= cutoff) drop++;
    if (drop === 0) return;
    const dropped = this.log.splice(0, drop);
    this.compactedRv = dropped[dropped.length - 1].resourceVersion;
  }

  private record(event: StoreChangeEvent) {
    this.log.push({ ...event, at: Date.now() });
    this.compact();
    // Listeners may write (controllers): queue so every listener sees events in order.
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.queue.length) {
        const next = this.queue.shift()!;
        for (const listener of [...this.listeners]) {
          try {
            listener(next);
          } catch {
            // A failing listener (a closed watch) must not break the write.
          }
        }
      }
    } finally {
      this.dispatching = false;
    }
  }

  /**
   * A copy of the body with its type meta checked and, for API writes
   * (`admission`), decoded as the API server does: fields a built-in type
   * does not have, or a structural CRD schema prunes, are dropped with a
   * warning (`fieldValidation=Warn`, the default), silently (`Ignore`), or
   * refused (`Strict`, 400 `strict decoding error`).
   */
  private admit(
    type: ResourceType,
    input: KubeObject,
    admission: Admission | undefined,
  ): KubeObject {
    let obj = structuredClone(input);
    obj.metadata = obj.metadata ?? {};
    this.checkTypeMeta(type, obj);
    if (!admission) return obj;
    if (type.group === '' && type.kind === 'Secret') mergeStringData(obj);
    let unknown: string[] = [];
    if (isBuiltIn(type)) {
      ({ object: obj, unknown } = decodeBuiltIn(type, obj));
      obj.metadata = obj.metadata ?? {};
    } else if (type.prune) {
      const pruned = structuredClone(obj);
      type.prune(pruned);
      unknown = droppedFields(obj, pruned);
      obj = pruned;
    }
    if (!unknown.length) return obj;
    const messages = unknown.map(field => `unknown field "${field}"`);
    if (admission.fieldValidation === 'Strict') {
      const summary = `strict decoding error: ${messages.join(', ')}`;
      throw isBuiltIn(type)
        ? cannotBeHandled(type, summary)
        : badRequest(summary);
    }
    if (admission.fieldValidation === 'Warn')
      admission.warnings.push(...messages);
    return obj;
  }

  private validate(type: ResourceType, obj: KubeObject) {
    const errors = [
      ...type.validate(obj),
      ...semanticErrors(type.group, type.kind, obj),
    ];
    if (errors.length)
      throw invalid(type.kind, type.group, obj.metadata.name ?? '', errors);
    type.prune?.(obj);
  }

  /** Optimistic concurrency: a resourceVersion, when given, must be the current one. */
  private checkResourceVersion(
    type: ResourceType,
    name: string,
    current: KubeObject,
    next: KubeObject,
  ) {
    if (
      next.metadata.resourceVersion !== undefined &&
      next.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(type.plural, type.group, name);
    }
  }

  private checkTypeMeta(type: ResourceType, obj: KubeObject) {
    if (obj.apiVersion && obj.apiVersion !== apiVersionOf(type)) {
      throw badRequest(
        `the API version in the data (${
          obj.apiVersion
        }) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    if (obj.kind && obj.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${type.kind})`,
      );
    }
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
  }

  private checkName(type: ResourceType, name: string) {
    const pattern = type === NAMESPACES ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
    if (!pattern.test(name) || name.length > (type === NAMESPACES ? 63 : 253)) {
      throw invalid(type.kind, type.group, name, [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 ${
            type === NAMESPACES ? 'label' : 'subdomain'
          } must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        },
      ]);
    }
  }

  private generateName(
    type: ResourceType,
    namespace: string | undefined,
    prefix: string,
  ) {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) {
        suffix +=
          GENERATE_ALPHABET[
            Math.floor(Math.random() * GENERATE_ALPHABET.length)
          ];
      }
      const name = `${prefix}${suffix}`;
      if (!this.bucket(type).has(objectKey(namespace, name))) return name;
    }
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    return this.objects.get(resourceKey(type))!;
  }
}

/**
 * A Secret's write-only `stringData` is merged into `data` (base64), keys in
 * `stringData` winning, and never stored or returned, as the API server does
 * (k8s.io/kubernetes pkg/apis/core/v1/conversion.go: Convert_v1_Secret_To_core_Secret).
 */
function mergeStringData(secret: KubeObject): void {
  const record = secret as KubeObject & {
    data?: Record<string, string>;
    stringData?: unknown;
  };
  const stringData = record.stringData;
  if (stringData === undefined) return;
  delete record.stringData;
  if (typeof stringData !== 'object' || stringData === null) return;
  record.data = { ...(record.data ?? {}) };
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string')
      record.data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
}
