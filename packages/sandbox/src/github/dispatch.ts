import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { etagOf, isFresh, rawEtagOf } from './conditional';
import { DOCS, GitHubError, linkHeader } from './http';
import type { RouteDef } from './http';
import type { TokenUser } from './middleware';
import { toGitHubError, tokenOf } from './middleware';
import { readOperations } from './openapi';
import type { GitHubSpec } from './openapi';
import type { Urls } from './representations';

export interface DispatchOptions {
  spec: Promise<GitHubSpec>;
  users: ReadonlyMap<string, TokenUser>;
  /** Check every reply against GitHub's OpenAPI description (500 naming the drift). */
  validateResponses?: boolean;
  /** Base of `html_url`s. */
  htmlUrl: string;
}

/**
 * Registers each route at the method and path GitHub's OpenAPI description
 * gives its operationId; each request is validated against the description,
 * answered by the handler, and the reply written with GitHub's Link header,
 * ETag/304 and error shape.
 */
export function mountRoutes(
  app: express.Express,
  routes: RouteDef[],
  options: DispatchOptions,
): void {
  // Path templates and methods are read synchronously so routes can be
  // registered before the validators are compiled.
  const { pathTemplates, methods } = readOperations();
  for (const def of routes) {
    if (!pathTemplates[def.operationId]) {
      throw new Error(
        `${def.operationId} is not in spec/github-api.pruned.json (add it to scripts/prune-github-spec.mjs)`,
      );
    }
    const expressPath = pathTemplates[def.operationId].replace(
      /\{([^}]+)\}/g,
      (_, n: string) => (n === def.greedy ? '*' : `:${n}`),
    );
    const handle = handler(def, methods[def.operationId], options);
    app.all(expressPath, handle);
    // A file path may be empty: GET /repos/{owner}/{repo}/contents is the
    // root folder ("If you omit the path parameter, you will receive the
    // contents of the repository's root directory",
    // https://docs.github.com/en/rest/repos/contents#get-repository-content),
    // and octokit sends `path: ''` without the trailing slash.
    if (def.greedy === 'path' && expressPath.endsWith('/*'))
      app.all(expressPath.slice(0, -2), handle);
  }
}

function urlsOf(req: Request, htmlUrl: string): Urls {
  return {
    api: `${req.protocol}://${req.get('host')}${req.baseUrl}`,
    html: htmlUrl.replace(/\/$/, ''),
  };
}

function handler(def: RouteDef, method: string, options: DispatchOptions) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.method.toLowerCase() !== method) {
      next();
      return;
    }
    const spec = await options.spec;
    const docs = spec.documentationUrl(def.operationId) ?? DOCS;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.params)) {
      if (k === '0' && def.greedy) params[def.greedy] = v.replace(/^\/+/, '');
      else params[k] = v;
    }
    if (def.greedy) params[def.greedy] ??= '';
    try {
      // express.json() leaves `{}` when there was no body; GET/DELETE have none.
      const empty =
        !req.body ||
        (typeof req.body === 'object' && Object.keys(req.body).length === 0);
      const body =
        empty && (method === 'get' || method === 'delete')
          ? undefined
          : req.body;
      const problems = spec.validateRequest(def.operationId, {
        method,
        pathParams: params,
        query: req.query as Record<string, unknown>,
        headers: req.headers,
        body,
      });
      if (problems.length) {
        throw new GitHubError(
          422,
          `Invalid request.\n\n${problems.map(p => p.message).join('\n')}`,
        );
      }
      const reply = await def.handler({
        params,
        query: req.query as Record<string, unknown>,
        headers: req.headers,
        body: req.body,
        urls: urlsOf(req, options.htmlUrl),
        ...options.users.get(tokenOf(req)!)!,
      });
      const status = reply.status ?? 200;
      if (reply.headers) res.set(reply.headers);
      if (reply.pagination) {
        const link = linkHeader(
          `${req.protocol}://${req.get('host')}${req.originalUrl}`,
          reply.pagination,
        );
        if (link) res.set('link', link);
      }
      if (options.validateResponses && !reply.raw) {
        const errors = spec.validateResponse(
          def.operationId,
          status,
          reply.body,
        );
        if (errors.length) {
          res.status(500).json({
            message: `Sandbox response for ${
              def.operationId
            } (${status}) does not match GitHub's OpenAPI description:\n${errors
              .slice(0, 10)
              .map(e => e.message)
              .join('\n')}`,
            documentation_url: docs,
            status: '500',
          });
          return;
        }
      }
      if (reply.raw === undefined && reply.body === undefined) {
        res.status(status).end();
        return;
      }
      if (method === 'get' && status === 200) {
        const etag = reply.raw ? rawEtagOf(reply.raw) : etagOf(reply.body);
        res
          .set('etag', etag)
          .set('cache-control', 'private, max-age=60, s-maxage=60')
          .set('vary', 'Accept, Authorization, Cookie, X-GitHub-OTP');
        if (reply.lastModified)
          res.set('last-modified', reply.lastModified.toUTCString());
        if (isFresh(req, etag, reply.lastModified)) {
          res.status(304).end();
          return;
        }
      }
      if (reply.raw) {
        res.status(status).send(reply.raw);
        return;
      }
      res.status(status).json(reply.body);
    } catch (error) {
      const e = toGitHubError(error);
      if (e.extra.headers) res.set(e.extra.headers);
      const body = e.body(docs);
      if (options.validateResponses && e.status < 500) {
        const errors = spec.validateResponse(def.operationId, e.status, body);
        if (errors.length && spec.declaresStatus(def.operationId, e.status)) {
          res.status(500).json({
            message: `Sandbox error response for ${def.operationId} (${
              e.status
            }) does not match GitHub's OpenAPI description:\n${errors
              .map(x => x.message)
              .join('\n')}`,
            documentation_url: docs,
            status: '500',
          });
          return;
        }
      }
      res.status(e.status).json(body);
    }
  };
}
