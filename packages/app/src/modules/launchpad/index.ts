import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { launchpadSignInPage } from './signInPage';

export { kubernetesTabModule } from './kubernetesTab';
export { launchpadEntityPageFeatures } from './features';

/** App-level Launchpad wiring: the guest sign-in page. */
export const launchpadAppModule = createFrontendModule({
  pluginId: 'app',
  extensions: [launchpadSignInPage],
});
