import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { sandboxLaunchpadConfig } from '@internal/plugin-launchpad-node/testUtils';
import { scaffolderModuleLaunchpad } from './module';

describe('scaffolderModuleLaunchpad', () => {
  it('registers every launchpad action with a description, examples and schemas', async () => {
    // What the scaffolder keeps of each action (structurally).
    const actions: Array<{
      id: string;
      description?: string;
      examples?: unknown[];
      supportsDryRun?: boolean;
      schema?: { input?: unknown; output?: unknown };
    }> = [];
    const config = sandboxLaunchpadConfig({
      github: { url: 'http://127.0.0.1:9', token: 't' },
      clusters: [
        {
          name: 'staging',
          environment: 'staging',
          domain: 'staging.example.test',
          repository: 'acme/cluster',
          branch: 'main',
          kubernetesUrl: 'http://127.0.0.1:9',
          argocdUrl: 'http://127.0.0.1:9/argocd',
          argoUrl: 'http://127.0.0.1:9/argo',
          token: 't',
        },
      ],
    });
    const backend = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...added: typeof actions) => actions.push(...added),
          },
        ],
      ],
      features: [
        scaffolderModuleLaunchpad,
        mockServices.rootConfig.factory({ data: config }),
        catalogServiceMock.factory(),
        mockServices.events.factory(),
      ],
    });
    try {
      expect(actions.map(a => a.id)).toEqual([
        'launchpad:instance:create',
        'launchpad:instance:prepare',
        'launchpad:workflow:submit',
        'launchpad:picasso:build',
        'launchpad:argocd:apply',
        'launchpad:argocd:sync',
        'launchpad:catalog:refresh',
        'launchpad:instance:update',
        'launchpad:velero:backup',
        'launchpad:instance:delete',
        'launchpad:instance:upgrade',
        'launchpad:fleet:upgrade',
      ]);
      for (const action of actions) {
        expect(action.description).toBeTruthy();
        expect(action.examples?.length).toBeGreaterThan(0);
        expect(action.supportsDryRun).toBe(true);
        expect(action.schema?.input).toBeDefined();
        expect(action.schema?.output).toBeDefined();
      }
    } finally {
      await backend.stop();
    }
  }, 30_000);
});
