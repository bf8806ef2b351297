import { createHash } from 'node:crypto';
import type { Request } from 'express';

/** A weak ETag over the JSON body: unchanged resources keep their ETag. */
export function etagOf(body: unknown): string {
  return `W/"${createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex')}"`;
}

/** A strong ETag over raw content (`application/vnd.github.raw`), as GitHub sends for raw files. */
export function rawEtagOf(content: Buffer): string {
  return `"${createHash('sha256').update(content).digest('hex')}"`;
}

/** The opaque part of an entity tag: `W/"x"` and `"x"` both give `"x"`. */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//i, '');
}

/**
 * Whether `If-None-Match` names `etag`. The comparison is weak, as RFC 9110
 * §13.1.2 prescribes for If-None-Match: a `W/` prefix on either side is
 * ignored (GitHub answers 304 to its weak ETag sent back with or without it,
 * as proxies often strip it); the header may list several tags; `*` matches
 * any current representation.
 */
export function etagMatches(header: string, etag: string): boolean {
  const tags = header.split(',').map(t => t.trim());
  return tags.some(t => t === '*' || opaque(t) === opaque(etag));
}

/** Whether the resource, last modified at `lastModified`, is unchanged since `If-Modified-Since`. */
export function notModifiedSince(header: string, lastModified: Date): boolean {
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false; // an invalid date is ignored
  // HTTP dates have one-second precision.
  return Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * Whether a GET can be answered 304. GitHub is a Rails application; this
 * follows Rails' `ActionDispatch::Http::Cache::Request#fresh?` (rails/rails,
 * actionpack/lib/action_dispatch/http/cache.rb, default non-strict mode):
 * each validator the client sent must hold, so with both headers the ETag
 * must match and the resource be unmodified since the date. A date is only
 * checked where the resource has a Last-Modified.
 */
export function isFresh(
  req: Request,
  etag: string,
  lastModified: Date | undefined,
): boolean {
  const ifNoneMatch = req.get('if-none-match');
  const ifModifiedSince = req.get('if-modified-since');
  const checkDate = ifModifiedSince !== undefined && lastModified !== undefined;
  if (ifNoneMatch === undefined && !checkDate) return false;
  if (ifNoneMatch !== undefined && !etagMatches(ifNoneMatch, etag))
    return false;
  if (checkDate && !notModifiedSince(ifModifiedSince, lastModified))
    return false;
  return true;
}
