import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  getInstanceRef,
  isOpenedxInstance,
  openedxReleaseName,
} from './entities';

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
