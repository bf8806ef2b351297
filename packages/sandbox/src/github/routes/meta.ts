import type { RouteDef } from '../http';
import type { ApiDeps } from './deps';

/** `GET /rate_limit`. */
export function metaRoutes(deps: ApiDeps): RouteDef[] {
  return [
    {
      operationId: 'rate-limit/get',
      handler: async () => {
        // Read before this request is counted, as GitHub does not count it either.
        const core = deps.rateLimiter.state(`token:${deps.token}`);
        const graphql = deps.rateLimiter.state(`graphql:token:${deps.token}`);
        const search = { limit: 30, remaining: 30, reset: core.reset, used: 0 };
        return { body: { resources: { core, search, graphql }, rate: core } };
      },
    },
  ];
}
