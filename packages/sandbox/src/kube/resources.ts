import { validateArgoWorkflowsObject } from '../argo/crd';
import { model, type ModelClass } from './models';
import { backupSchema, pruneVeleroObject, scheduleSchema } from './velero';
import type { KubeObject } from './types';

/** A validation failure: the offending field (dotted) and what is wrong with it. */
export interface FieldError {
  field?: string;
  message: string;
  /** The Status cause's reason (default `FieldValueInvalid`). */
  reason?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /**
   * Whether status lives behind the `/status` subresource: creates and
   * updates of the main resource then keep the stored status (built-in types
   * with a status). The CRDs of ArgoCD (manifests/crds/application-crd.yaml:
   * `subresources: {}`), Argo Workflows (manifests/base/crds/minimal:
   * `subresources: {}`) and Velero (config/crd/v1/bases/velero.io_backups.yaml,
   * velero.io_schedules.yaml: none) do not enable it, so their status is
   * written with the object, and `/status` answers 404.
   */
  statusSubresource: boolean;
  /** The `/scale` subresource (autoscaling/v1 Scale), as apps/v1 serves for deployments, replicasets and statefulsets. */
  scale?: boolean;
  /** Returns the problems with a full object, empty when it is valid. */
  validate: (obj: KubeObject) => FieldError[];
  /** Drops, in place, the fields a structural CRD schema does not declare (the API server prunes them). */
  prune?: (obj: KubeObject) => void;
}

/** Groups compiled into the API server; every other group here is a CRD's. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
]);
export const isBuiltIn = (type: ResourceType) =>
  BUILT_IN_GROUPS.has(type.group);

export const apiVersionOf = (type: ResourceType) =>
  type.group ? `${type.group}/${type.version}` : type.version;

interface ModelError {
  errors?: Array<{
    instancePath?: string;
    message?: string;
    keyword?: string;
    params?: { missingProperty?: string; allowedValues?: unknown[] };
  }>;
  message?: string;
}

/** AJV's error as the API server words it: the field itself, `Required value`, `Unsupported value`. */
function fieldErrorOf(
  err: NonNullable<ModelError['errors']>[number],
): FieldError {
  const at = (err.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (err.keyword === 'required' && err.params?.missingProperty) {
    return {
      field: at
        ? `${at}.${err.params.missingProperty}`
        : err.params.missingProperty,
      message: 'Required value',
      reason: 'FieldValueRequired',
    };
  }
  if (err.keyword === 'enum' && err.params?.allowedValues) {
    return {
      field: at || undefined,
      message: `Unsupported value: supported values: ${err.params.allowedValues
        .map(v => JSON.stringify(v))
        .join(', ')}`,
      reason: 'FieldValueNotSupported',
    };
  }
  return { field: at || undefined, message: err.message ?? 'is invalid' };
}

/** Runs a kubernetes-models `validate()` and turns AJV's errors into field errors. */
function modelValidator(
  Model: () => ModelClass,
  prepare: (obj: KubeObject) => KubeObject = obj => obj,
) {
  return (obj: KubeObject): FieldError[] => {
    try {
      const M = Model();
      new M(prepare(obj) as never).validate();
      return [];
    } catch (e) {
      const error = e as ModelError;
      if (error.errors?.length) return error.errors.map(fieldErrorOf);
      return [{ message: error.message ?? String(e) }];
    }
  };
}

function zodValidator(schema: {
  safeParse(v: unknown): {
    success: boolean;
    error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
  };
}) {
  return (obj: KubeObject): FieldError[] => {
    const result = schema.safeParse(obj);
    if (result.success) return [];
    return (result.error?.issues ?? []).map(issue => ({
      field: issue.path.map(String).join('.') || undefined,
      message: issue.message,
    }));
  };
}

const k8s = (group: string, name: string) => () =>
  model('kubernetes-models', group, name);
const ConfigMap = k8s('v1', 'ConfigMap');
const LimitRange = k8s('v1', 'LimitRange');
const Namespace = k8s('v1', 'Namespace');
const Pod = k8s('v1', 'Pod');
const ResourceQuota = k8s('v1', 'ResourceQuota');
const Secret = k8s('v1', 'Secret');
const Event = k8s('v1', 'Event');
const Service = k8s('v1', 'Service');
const DaemonSet = k8s('apps/v1', 'DaemonSet');
const Deployment = k8s('apps/v1', 'Deployment');
const ReplicaSet = k8s('apps/v1', 'ReplicaSet');
const StatefulSet = k8s('apps/v1', 'StatefulSet');
const CronJob = k8s('batch/v1', 'CronJob');
const Job = k8s('batch/v1', 'Job');
const HorizontalPodAutoscaler = k8s(
  'autoscaling/v2',
  'HorizontalPodAutoscaler',
);
const Ingress = k8s('networking.k8s.io/v1', 'Ingress');
const ServiceAccount = k8s('v1', 'ServiceAccount');
const rbac = (name: string) => k8s('rbac.authorization.k8s.io/v1', name);
const argoCd = (name: string) => () =>
  model('@kubernetes-models/argo-cd', 'argoproj.io/v1alpha1', name);
const Application = argoCd('Application');

/** apps/v1 kinds with a `/scale` subresource (k8s.io/kubernetes pkg/registry/apps/{deployment,replicaset,statefulset}/storage). */
const SCALABLE = new Set([
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
]);

const t = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  statusSubresource: boolean,
  validate: (obj: KubeObject) => FieldError[],
  shortNames?: string[],
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  statusSubresource,
  validate,
  shortNames,
  ...(SCALABLE.has(`${group}/${plural}`) ? { scale: true } : {}),
});

export const RESOURCE_TYPES: ResourceType[] = [
  t(
    '',
    'v1',
    'Namespace',
    'namespaces',
    false,
    true,
    modelValidator(Namespace),
    ['ns'],
  ),
  t('', 'v1', 'Secret', 'secrets', true, false, modelValidator(Secret)),
  // What Launchpad's prepare step creates: the workflow executor's
  // ServiceAccount, Role and RoleBinding (none has a status subresource).
  t(
    '',
    'v1',
    'ServiceAccount',
    'serviceaccounts',
    true,
    false,
    modelValidator(ServiceAccount),
    ['sa'],
  ),
  t(
    'rbac.authorization.k8s.io',
    'v1',
    'Role',
    'roles',
    true,
    false,
    modelValidator(rbac('Role')),
  ),
  t(
    'rbac.authorization.k8s.io',
    'v1',
    'RoleBinding',
    'rolebindings',
    true,
    false,
    modelValidator(rbac('RoleBinding')),
  ),
  t(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRole',
    'clusterroles',
    false,
    false,
    modelValidator(rbac('ClusterRole')),
  ),
  t(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    false,
    false,
    modelValidator(rbac('ClusterRoleBinding')),
  ),
  t(
    '',
    'v1',
    'ConfigMap',
    'configmaps',
    true,
    false,
    modelValidator(ConfigMap),
    ['cm'],
  ),
  t('', 'v1', 'Pod', 'pods', true, true, modelValidator(Pod), ['po']),
  t('', 'v1', 'Event', 'events', true, false, modelValidator(Event), ['ev']),
  t('', 'v1', 'Service', 'services', true, true, modelValidator(Service), [
    'svc',
  ]),
  t(
    '',
    'v1',
    'LimitRange',
    'limitranges',
    true,
    false,
    modelValidator(LimitRange),
    ['limits'],
  ),
  t(
    '',
    'v1',
    'ResourceQuota',
    'resourcequotas',
    true,
    true,
    modelValidator(ResourceQuota),
    ['quota'],
  ),
  t(
    'apps',
    'v1',
    'Deployment',
    'deployments',
    true,
    true,
    modelValidator(Deployment),
    ['deploy'],
  ),
  t(
    'apps',
    'v1',
    'ReplicaSet',
    'replicasets',
    true,
    true,
    modelValidator(ReplicaSet),
    ['rs'],
  ),
  t(
    'apps',
    'v1',
    'StatefulSet',
    'statefulsets',
    true,
    true,
    modelValidator(StatefulSet),
    ['sts'],
  ),
  t(
    'apps',
    'v1',
    'DaemonSet',
    'daemonsets',
    true,
    true,
    modelValidator(DaemonSet),
    ['ds'],
  ),
  t('batch', 'v1', 'Job', 'jobs', true, true, modelValidator(Job)),
  t('batch', 'v1', 'CronJob', 'cronjobs', true, true, modelValidator(CronJob), [
    'cj',
  ]),
  t(
    'autoscaling',
    'v2',
    'HorizontalPodAutoscaler',
    'horizontalpodautoscalers',
    true,
    true,
    modelValidator(HorizontalPodAutoscaler),
    ['hpa'],
  ),
  t(
    'networking.k8s.io',
    'v1',
    'Ingress',
    'ingresses',
    true,
    true,
    modelValidator(Ingress),
    ['ing'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'Application',
    'applications',
    true,
    false,
    modelValidator(Application),
    ['app', 'apps'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'Workflow',
    'workflows',
    true,
    false,
    // Argo's minimal CRDs preserve unknown fields (src/argo/crd.ts).
    validateArgoWorkflowsObject,
    ['wf'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'WorkflowTemplate',
    'workflowtemplates',
    true,
    false,
    // Argo's minimal CRDs preserve unknown fields (src/argo/crd.ts).
    validateArgoWorkflowsObject,
    ['wftmpl'],
  ),
  t(
    'argoproj.io',
    'v1alpha1',
    'ClusterWorkflowTemplate',
    'clusterworkflowtemplates',
    false,
    false,
    // Argo's minimal CRDs preserve unknown fields (src/argo/crd.ts).
    validateArgoWorkflowsObject,
    ['clusterwftmpl', 'cwft'],
  ),
  {
    ...t(
      'velero.io',
      'v1',
      'Schedule',
      'schedules',
      true,
      false,
      zodValidator(scheduleSchema),
    ),
    prune: pruneVeleroObject,
  },
  {
    ...t(
      'velero.io',
      'v1',
      'Backup',
      'backups',
      true,
      false,
      zodValidator(backupSchema),
    ),
    prune: pruneVeleroObject,
  },
];

const byKey = new Map(
  RESOURCE_TYPES.map(type => [
    `${type.group}/${type.version}/${type.plural}`,
    type,
  ]),
);
const byKind = new Map(
  RESOURCE_TYPES.map(type => [`${apiVersionOf(type)}/${type.kind}`, type]),
);

export function findType(group: string, version: string, plural: string) {
  return byKey.get(`${group}/${version}/${plural}`);
}

export function typeOfKind(apiVersion: string, kind: string) {
  return byKind.get(`${apiVersion}/${kind}`);
}

/** Shorthand for controllers: `resource('apps', 'deployments')`. */
export function resource(group: string, plural: string): ResourceType {
  const type = RESOURCE_TYPES.find(
    r => r.group === group && r.plural === plural,
  );
  if (!type) throw new Error(`Unknown resource ${plural}.${group}`);
  return type;
}
