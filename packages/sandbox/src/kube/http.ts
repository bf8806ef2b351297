import type { Request, Response } from 'express';
import { KubeError, failureStatus } from './errors';

/** Helpers the Kubernetes API's route modules share: query parsing, errors, auth. */
export const queryString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
export const queryFlag = (value: unknown) => value === 'true' || value === '1';

export function isObjectBody(body: unknown): boolean {
  return !!body && typeof body === 'object' && !Array.isArray(body);
}

export const resourceNotFound = () =>
  new KubeError(
    404,
    'NotFound',
    'the server could not find the requested resource',
  );

export const methodNotAllowed = () =>
  new KubeError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );

export function sendError(res: Response, e: unknown) {
  if (e instanceof KubeError) {
    res.status(e.code).json(e.toStatus());
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  res
    .status(500)
    .json(
      failureStatus(
        500,
        'InternalError',
        `Internal error occurred: ${message}`,
      ),
    );
}

/** Bearer-token check answering 401 with an `Unauthorized` Status. */
export function kubeAuth(token: string) {
  return (req: Request, res: Response, next: () => void) => {
    if (req.headers.authorization === `Bearer ${token}`) {
      next();
      return;
    }
    res.status(401).json(failureStatus(401, 'Unauthorized', 'Unauthorized'));
  };
}
