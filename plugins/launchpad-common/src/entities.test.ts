import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  clusterEntityRef,
  getInstanceRef,
  instanceEntityRef,
  isLaunchpadCluster,
  isOpenedxInstance,
  openedxReleaseName,
} from './entities';
import { isLaunchpadRepositoryChangedPayload } from './events';

const instance: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'demo',
    namespace: 'staging',
    annotations: {
      [ANNOTATIONS.cluster]: 'staging',
      [ANNOTATIONS.instance]: 'demo',
    },
  },
  spec: { type: 'openedx-instance', owner: 'x', lifecycle: 'y' },
};

describe('entity helpers', () => {
  it('reads the instance ref from annotations', () => {
    expect(getInstanceRef(instance)).toEqual({
      cluster: 'staging',
      slug: 'demo',
    });
    expect(
      getInstanceRef({ ...instance, metadata: { name: 'demo' } }),
    ).toBeUndefined();
  });

  it('recognises instances', () => {
    expect(isOpenedxInstance(instance)).toBe(true);
    expect(isOpenedxInstance({ ...instance, spec: { type: 'service' } })).toBe(
      false,
    );
  });

  it('recognises clusters', () => {
    const cluster: Entity = {
      ...instance,
      kind: 'Resource',
      spec: { type: 'kubernetes-cluster', owner: 'x' },
    };
    expect(isLaunchpadCluster(cluster)).toBe(true);
    expect(isLaunchpadCluster(instance)).toBe(false);
    expect(
      isLaunchpadCluster({ ...cluster, spec: { type: 'mysql-database' } }),
    ).toBe(false);
  });

  it('names cluster and instance entity refs', () => {
    expect(clusterEntityRef('staging')).toBe('resource:staging/staging');
    expect(instanceEntityRef('staging', 'demo')).toBe('component:staging/demo');
  });

  it('recognises refresh event payloads', () => {
    expect(isLaunchpadRepositoryChangedPayload({ cluster: 'staging' })).toBe(
      true,
    );
    expect(isLaunchpadRepositoryChangedPayload({ cluster: 1 })).toBe(false);
    expect(isLaunchpadRepositoryChangedPayload(null)).toBe(false);
  });

  it.each([
    ['release/teak.3', 'teak'],
    ['open-release/sumac.2', 'sumac'],
    ['release/ulmo', 'ulmo'],
    ['master', 'master'],
    ['v20.0.5', undefined],
    [undefined, undefined],
  ])('release name of %p is %p', (version, name) => {
    expect(openedxReleaseName(version)).toBe(name);
  });
});
