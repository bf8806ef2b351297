import type { Request, Response } from 'express';
import { badRequest } from './errors';
import { isObjectBody, methodNotAllowed, queryString } from './http';
import { patchTypeOf } from './patch';
import type { ResourceType } from './resources';
import type { Admission, KubeStore } from './store';
import type { KubeObject } from './types';

/** A request addressed to one resource type (and, for object verbs, one name). */
export interface WriteTarget {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: 'status' | 'scale';
}

/** The write verbs: create, replace, patch, delete, deletecollection. */
export function createWrites(
  store: KubeStore,
  listBody: (type: ResourceType, items: KubeObject[]) => unknown,
) {
  const dryRunOf = (req: Request) => queryString(req.query.dryRun) === 'All';

  /** `?fieldValidation=` (default Warn, as the API server since 1.27); its warnings become `Warning: 299` headers. */
  function admissionOf(req: Request, res: Response): Admission {
    const value = queryString(req.query.fieldValidation) ?? 'Warn';
    if (value !== 'Strict' && value !== 'Warn' && value !== 'Ignore') {
      throw badRequest(
        `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`,
      );
    }
    const warnings: string[] = [];
    // Sent with the response, before its body is written.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (warnings.length && !res.headersSent)
        res.setHeader(
          'Warning',
          warnings.map(w => `299 - ${JSON.stringify(w)}`),
        );
      return json(body);
    };
    return { fieldValidation: value, warnings };
  }

  function create(req: Request, res: Response, target: WriteTarget) {
    if (!isObjectBody(req.body))
      throw badRequest('the request body must be a JSON object');
    const created = store.create(target.type, req.body as KubeObject, {
      namespace: target.namespace,
      fromApi: true,
      dryRun: dryRunOf(req),
      admission: admissionOf(req, res),
    });
    res.status(201).json(created);
  }

  function deleteCollection(req: Request, res: Response, target: WriteTarget) {
    const { type, namespace } = target;
    const victims = store.list(type, {
      namespace,
      labelSelector: queryString(req.query.labelSelector),
      fieldSelector: queryString(req.query.fieldSelector),
    });
    for (const victim of victims) {
      store.delete(type, victim.metadata.namespace, victim.metadata.name!);
    }
    res.json(listBody(type, victims));
  }

  function replace(
    req: Request,
    res: Response,
    { type, namespace, name, subresource }: WriteTarget,
  ) {
    if (!isObjectBody(req.body))
      throw badRequest('the request body must be a JSON object');
    res.json(
      store.replace(type, namespace, name!, req.body as KubeObject, {
        subresource: subresource === 'status' ? 'status' : undefined,
        dryRun: dryRunOf(req),
        admission: admissionOf(req, res),
      }),
    );
  }

  function patch(
    req: Request,
    res: Response,
    { type, namespace, name, subresource }: WriteTarget,
  ) {
    res.json(
      store.patch(
        type,
        namespace,
        name!,
        req.body,
        patchTypeOf(req.headers['content-type']),
        {
          subresource: subresource === 'status' ? 'status' : undefined,
          dryRun: dryRunOf(req),
          admission: admissionOf(req, res),
        },
      ),
    );
  }

  function remove(
    _req: Request,
    res: Response,
    { type, namespace, name, subresource }: WriteTarget,
  ) {
    if (subresource) throw methodNotAllowed();
    const deleted = store.delete(type, namespace, name!);
    // Pods and namespaces answer with the object; other kinds with a success Status.
    if (type.plural === 'pods' || type.plural === 'namespaces') {
      if (type.plural === 'namespaces')
        (deleted as { status?: unknown }).status = { phase: 'Terminating' };
      res.json(deleted);
      return;
    }
    res.json({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name,
        group: type.group || undefined,
        kind: type.plural,
        uid: deleted.metadata.uid,
      },
    });
  }

  return { create, deleteCollection, replace, patch, remove };
}
