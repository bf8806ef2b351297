import { mockApis } from '@backstage/test-utils';
import {
  configuredKubernetesClusters,
  findInstanceLink,
  isKubernetesTabAvailable,
  isLaunchpadCluster,
  isLaunchpadInstance,
  readInstance,
} from './entity';
import { clusterEntity, instanceEntity } from './testing/fixtures';

describe('entity predicates', () => {
  it('tell instances and clusters from other entities', () => {
    const instance = instanceEntity();
    const cluster = clusterEntity();
    const mysql = {
      ...cluster,
      metadata: { ...cluster.metadata, name: 'demo-mysql' },
      spec: { type: 'mysql-database', owner: 'group:default/platform-team' },
    };
    expect(isLaunchpadInstance(instance)).toBe(true);
    expect(isLaunchpadCluster(instance)).toBe(false);
    expect(isLaunchpadCluster(cluster)).toBe(true);
    expect(isLaunchpadInstance(cluster)).toBe(false);
    expect(isLaunchpadCluster(mysql)).toBe(false);
    expect(isLaunchpadInstance(mysql)).toBe(false);
  });

  it('put the Kubernetes tab on instances and annotated entities only', () => {
    const cluster = clusterEntity();
    expect(isKubernetesTabAvailable(instanceEntity())).toBe(true);
    expect(isKubernetesTabAvailable(cluster)).toBe(false);
    cluster.metadata.annotations!['backstage.io/kubernetes-id'] = 'staging';
    expect(isKubernetesTabAvailable(cluster)).toBe(true);
  });

  it("put the Kubernetes tab only on instances of the backend's clusters", () => {
    const staging = instanceEntity();
    expect(
      staging.metadata.annotations?.['launchpad.openedx.org/cluster'],
    ).toBe('staging');
    expect(isKubernetesTabAvailable(staging, new Set(['staging']))).toBe(true);
    expect(isKubernetesTabAvailable(staging, new Set(['production']))).toBe(
      false,
    );
    expect(isKubernetesTabAvailable(staging, new Set())).toBe(false);
  });
});

describe('configuredKubernetesClusters', () => {
  const read = (kubernetes?: object) =>
    configuredKubernetesClusters(
      mockApis.config({ data: kubernetes ? { kubernetes } : {} }),
    );

  it('lists the names of the config locators clusters', () => {
    expect(
      read({
        clusterLocatorMethods: [
          { type: 'config', clusters: [{ name: 'staging', url: 'x' }] },
          { type: 'config', clusters: [{ name: 'production', url: 'y' }] },
        ],
      }),
    ).toEqual(new Set(['staging', 'production']));
  });

  it('knows no cluster without a Kubernetes configuration', () => {
    expect(read()).toEqual(new Set());
  });

  it('cannot tell when another locator may add clusters', () => {
    expect(
      read({
        clusterLocatorMethods: [
          { type: 'config', clusters: [{ name: 'staging', url: 'x' }] },
          { type: 'catalog' },
        ],
      }),
    ).toBeUndefined();
  });
});

describe('readInstance', () => {
  it('derives the release name when the provider sets no release label', () => {
    const entity = instanceEntity();
    delete entity.metadata.labels!['launchpad.openedx.org/release'];
    expect(readInstance(entity)).toMatchObject({
      release: 'release/teak.3',
      releaseName: 'teak',
    });
  });

  it('treats blank annotations as missing', () => {
    const entity = instanceEntity({
      annotations: { 'launchpad.openedx.org/config-error': '  ' },
    });
    expect(readInstance(entity).configError).toBeUndefined();
  });
});

describe('findInstanceLink', () => {
  it('finds the links the provider writes by their type', () => {
    const entity = instanceEntity();
    expect(findInstanceLink(entity, 'lms')?.url).toBe(
      'https://demo.staging.learn.acme.test',
    );
    expect(findInstanceLink(entity, 'studio')?.url).toBe(
      'https://studio.demo.staging.learn.acme.test',
    );
    expect(findInstanceLink(entity, 'preview')?.url).toBe(
      'https://preview.demo.staging.learn.acme.test',
    );
  });

  it('prefers the link type over the title', () => {
    const entity = instanceEntity({
      links: [
        { url: 'https://a.example', title: 'LMS (old)' },
        { url: 'https://b.example', title: 'Learners', type: 'lms' },
      ],
    });
    expect(findInstanceLink(entity, 'lms')?.url).toBe('https://b.example');
  });

  it("never matches a title: an untyped link is not one of the provider's", () => {
    const entity = instanceEntity({
      links: [
        { url: 'https://preview.example', title: 'LMS preview' },
        { url: 'https://lms.example', title: 'LMS' },
      ],
    });
    expect(findInstanceLink(entity, 'lms')).toBeUndefined();
    expect(findInstanceLink(entity, 'preview')).toBeUndefined();
  });
});
