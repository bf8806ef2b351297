import type { RouteDef } from '../http';
import type { ApiDeps } from './deps';

/** `GET /rate_limit`. */
export function metaRoutes(deps: ApiDeps): RouteDef[] {
  return [
    {
      operationId: 'rate-limit/get',
      handler: async req => {
        // The caller's budget (a token's, or an App installation's), read
        // before this request is counted, as GitHub does not count it either.
        const key = req.rateLimitKey ?? `token:${deps.token}`;
        const core = deps.rateLimiter.state(key);
        const graphql = deps.rateLimiter.state(`graphql:${key}`);
        const search = { limit: 30, remaining: 30, reset: core.reset, used: 0 };
        return { body: { resources: { core, search, graphql }, rate: core } };
      },
    },
  ];
}
