import { createHash } from 'node:crypto';
import type { Request } from 'express';

/** A weak ETag over the JSON body: unchanged resources keep their ETag. */
export function etagOf(body: unknown): string {
  return `W/"${createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex')}"`;
}

/** Whether the request's `If-None-Match` names `etag` (the client's cached copy is current). */
export function notModified(req: Request, etag: string): boolean {
  const match = req.get('if-none-match');
  return Boolean(match && match.split(/\s*,\s*/).includes(etag));
}
