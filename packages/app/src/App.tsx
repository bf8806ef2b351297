import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import {
  launchpadAppModule,
  launchpadEntityPageFeatures,
} from './modules/launchpad';

export default createApp({
  features: [
    ...launchpadEntityPageFeatures,
    navModule,
    homeModule,
    launchpadAppModule,
  ],
});
