import type { Request, Response } from 'express';
import { KubeError, notFound } from './errors';
import { queryFlag, queryString } from './http';
import { resource } from './resources';
import type { KubeStore } from './store';
import type { KubeObject } from './types';

const PODS = resource('', 'pods');

interface ContainerStatus {
  name: string;
  image?: string;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string };
  };
  lastState?: { terminated?: { startedAt?: string } };
}

const badRequest = (message: string) =>
  new KubeError(400, 'BadRequest', message);

/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log` as the API server proxies it
 * to the kubelet (pkg/registry/core/pod/rest/log.go): plain text; a pod with
 * several containers needs `container`; a container that has not started is
 * 400 `… is waiting to start: <reason>`. The sandbox runs no containers, so
 * the lines are made up from the container's start: enough for a log viewer.
 */
export function servePodLog(
  store: KubeStore,
  req: Request,
  res: Response,
  namespace: string,
  name: string,
) {
  const pod: KubeObject | undefined = store.get(PODS, namespace, name);
  if (!pod) throw notFound('pods', '', name);
  const containers = (
    (pod.spec as { containers?: Array<{ name: string; image?: string }> })
      ?.containers ?? []
  ).map(c => c.name);
  const container = queryString(req.query.container);
  if (!container && containers.length !== 1)
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containers.join(
        ' ',
      )}]`,
    );
  const containerName = container ?? containers[0];
  if (!containers.includes(containerName))
    throw badRequest(`container ${containerName} is not valid for pod ${name}`);
  const status = (
    (pod.status as { containerStatuses?: ContainerStatus[] })
      ?.containerStatuses ?? []
  ).find(s => s.name === containerName);
  const waiting = status?.state?.waiting?.reason;
  const crashed = waiting === 'CrashLoopBackOff';
  if (!status || (!status.state?.running && !crashed))
    throw badRequest(
      `container "${containerName}" in pod "${name}" is waiting to start: ${
        waiting ?? 'ContainerCreating'
      }`,
    );
  const startedAt =
    status.state?.running?.startedAt ??
    status.lastState?.terminated?.startedAt ??
    (pod.metadata.creationTimestamp as string | undefined);
  const start = startedAt ? Date.parse(startedAt) : 0;
  const lines = [
    `Starting ${containerName} (${status.image ?? 'unknown image'})`,
    `Listening on 0.0.0.0:8000`,
    ...(crashed
      ? ['Error: the container exited with code 1 (sandbox CrashLoopBackOff)']
      : [`Ready`]),
  ].map((text, i) => ({ at: new Date(start + i * 1000).toISOString(), text }));
  const tail = Number(queryString(req.query.tailLines));
  const shown =
    Number.isInteger(tail) && tail >= 0
      ? lines.slice(Math.max(0, lines.length - tail))
      : lines;
  const withTimes = queryFlag(req.query.timestamps);
  res.type('text/plain').send(
    shown
      .map(l => (withTimes ? `${l.at} ${l.text}` : l.text))
      .map(l => `${l}\n`)
      .join(''),
  );
}
