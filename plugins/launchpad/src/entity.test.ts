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
  it('prefers the link type over the title', () => {
    const entity = instanceEntity({
      links: [
        { url: 'https://a.example', title: 'LMS (old)' },
        { url: 'https://b.example', title: 'Learners', type: 'lms' },
      ],
    });
    expect(findInstanceLink(entity, 'lms')?.url).toBe('https://b.example');
  });

  it('does not take the LMS preview for the LMS', () => {
    const entity = instanceEntity({
      links: [{ url: 'https://preview.example', title: 'LMS preview' }],
    });
    expect(findInstanceLink(entity, 'lms')).toBeUndefined();
    expect(findInstanceLink(entity, 'preview')?.url).toBe(
      'https://preview.example',
    );
  });
});
