import type { RouteDef } from '../http';
import { actionRoutes } from './actions';
import { contentRoutes } from './contents';
import type { ApiDeps } from './deps';
import { gitRoutes } from './git';
import { metaRoutes } from './meta';
import { pullRoutes } from './pulls';
import { repoRoutes } from './repos';

/**
 * Every REST route module, each a function of the shared deps returning
 * `RouteDef`s (declared by GitHub operationId). To serve another area, add
 * its module here: one line.
 */
export const ROUTE_MODULES: ReadonlyArray<(deps: ApiDeps) => RouteDef[]> = [
  repoRoutes,
  contentRoutes,
  gitRoutes,
  pullRoutes,
  actionRoutes,
  metaRoutes,
];
