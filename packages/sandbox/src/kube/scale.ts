import type { Request, Response } from 'express';
import { badRequest, invalid } from './errors';
import { isObjectBody, queryString } from './http';
import { applyPatch, patchTypeOf } from './patch';
import type { ResourceType } from './resources';
import { selectorFromLabels } from './selectors';
import type { KubeStore } from './store';
import type { KubeObject } from './types';

/**
 * The `/scale` subresource: an `autoscaling/v1` Scale over a workload's
 * `spec.replicas` (k8s.io/kubernetes pkg/registry/apps/deployment/storage
 * ScaleREST), what `kubectl scale` and the HPA controller use.
 */
export function scaleOf(obj: KubeObject) {
  const spec = (obj.spec ?? {}) as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
  };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: {
      replicas: status.replicas ?? 0,
      selector: selectorFromLabels(spec.selector?.matchLabels ?? {}),
    },
  };
}

type ScaleBody = {
  metadata?: { resourceVersion?: string };
  spec?: { replicas?: unknown };
};

export function createScaleHandlers(store: KubeStore) {
  const dryRunOf = (req: Request) => queryString(req.query.dryRun) === 'All';

  function write(
    req: Request,
    res: Response,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: ScaleBody,
  ) {
    const replicas = body.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
      throw badRequest(
        `Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`,
      );
    }
    if (replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [
        {
          field: 'spec.replicas',
          message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
        },
      ]);
    }
    const updated = store.patch(
      type,
      namespace,
      name,
      {
        metadata: body.metadata?.resourceVersion
          ? { resourceVersion: body.metadata.resourceVersion }
          : {},
        spec: { replicas },
      },
      'merge',
      { dryRun: dryRunOf(req) },
    );
    res.json(scaleOf(updated));
  }

  return {
    get(
      res: Response,
      type: ResourceType,
      ns: string | undefined,
      name: string,
    ) {
      res.json(scaleOf(store.getOrThrow(type, ns, name)));
    },
    replace(
      req: Request,
      res: Response,
      type: ResourceType,
      ns: string | undefined,
      name: string,
    ) {
      if (!isObjectBody(req.body))
        throw badRequest('the request body must be a JSON object');
      write(req, res, type, ns, name, req.body as ScaleBody);
    },
    patch(
      req: Request,
      res: Response,
      type: ResourceType,
      ns: string | undefined,
      name: string,
    ) {
      const current = scaleOf(store.getOrThrow(type, ns, name));
      const patched = applyPatch(
        current,
        req.body,
        patchTypeOf(req.headers['content-type']),
        { kind: 'Scale', builtIn: true },
      ) as ScaleBody;
      write(req, res, type, ns, name, {
        ...patched,
        // A patch that does not name a resourceVersion applies to whatever is current.
        metadata:
          patched.metadata?.resourceVersion === current.metadata.resourceVersion
            ? {}
            : patched.metadata,
      });
    },
  };
}
