import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import catalogGraphPlugin from '@backstage/plugin-catalog-graph/alpha';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import launchpadPlugin from '@internal/plugin-launchpad/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { kubernetesTabModule, launchpadAppModule } from './modules/launchpad';

/**
 * Other installed plugins are discovered (`app.packages: all`); the ones the
 * Launchpad entity pages depend on are listed so the app (and its tests)
 * never runs without them.
 */
export default createApp({
  features: [
    catalogPlugin,
    catalogGraphPlugin,
    kubernetesPlugin,
    launchpadPlugin,
    navModule,
    homeModule,
    launchpadAppModule,
    kubernetesTabModule,
  ],
});
