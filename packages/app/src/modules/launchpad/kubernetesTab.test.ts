import {
  configApiRef,
  coreExtensionData,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
} from '@backstage/frontend-test-utils';
import { isKubernetesTabAvailable } from '@internal/plugin-launchpad';
import { kubernetesTabContent } from './kubernetesTab';

type Entity = Parameters<typeof isKubernetesTabAvailable>[0];

// The catalog's entity-content filter output, matched by its id (the app
// does not depend on @backstage/plugin-catalog-react, which exports the ref).
const filterFunctionRef = createExtensionDataRef<
  (entity: Entity) => boolean
>().with({ id: 'catalog.entity-filter-function' });

function entity(
  kind: string,
  type: string,
  annotations: Record<string, string> = {},
  cluster = 'staging',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name: 'demo',
      namespace: cluster,
      annotations: { 'launchpad.openedx.org/cluster': cluster, ...annotations },
    },
    spec: { type, owner: 'group:default/platform-team' },
  };
}

describe('the Kubernetes tab override', () => {
  // As in app-config.yaml: the Kubernetes backend knows staging only here.
  const tester = createExtensionTester(kubernetesTabContent, {
    apis: [
      [
        configApiRef,
        mockApis.config({
          data: {
            kubernetes: {
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [{ name: 'staging', url: 'http://127.0.0.1:7101' }],
                },
              ],
            },
          },
        }),
      ],
    ],
  });

  function tabFilter() {
    const filter = tester.get(filterFunctionRef);
    if (!filter) {
      throw new Error('the Kubernetes tab has no filter function');
    }
    return filter;
  }

  it("keeps the Kubernetes plugin's tab at /kubernetes", () => {
    expect(tester.get(coreExtensionData.routePath)).toBe('/kubernetes');
  });

  it("shows the tab on the Open edX instances of the backend's clusters only", () => {
    const filter = tabFilter();
    expect(filter(entity('Component', 'openedx-instance'))).toBe(true);
    expect(
      filter(entity('Component', 'openedx-instance', {}, 'production')),
    ).toBe(false);
  });

  it("keeps the plugin's own rule for other entities", () => {
    const filter = tabFilter();
    expect(filter(entity('Component', 'service'))).toBe(false);
    expect(
      filter(
        entity('Component', 'service', {
          'backstage.io/kubernetes-label-selector': 'app=portal',
        }),
      ),
    ).toBe(true);
    expect(filter(entity('Resource', 'kubernetes-cluster'))).toBe(false);
  });
});
