import {
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
