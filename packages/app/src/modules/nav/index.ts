import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SidebarContent } from './Sidebar';
import { documentTitleElement } from './DocumentTitle';

export const navModule = createFrontendModule({
  pluginId: 'app',
  extensions: [SidebarContent, documentTitleElement],
});
