import { ConfigReader } from '@backstage/config';
import { readClustersConfig } from './config';

const cluster = {
  name: 'staging',
  environment: 'staging',
  domain: 'staging.learn.acme.test',
  repository: 'acme-edu/launchpad-cluster-staging',
  kubernetes: { url: 'http://127.0.0.1:7101', token: 'cluster-token-value' },
  argocd: { url: 'http://127.0.0.1:7101/argocd', token: 'argocd-token-value' },
};

const read = (launchpad: unknown) =>
  readClustersConfig(new ConfigReader({ launchpad } as never));

describe('readClustersConfig', () => {
  it('reads a valid block and applies defaults', () => {
    const config = read({ clusters: [cluster] });
    expect(config).toEqual({ clusters: [expect.any(Object)] });
    expect(config.clusters[0]).toMatchObject({
      name: 'staging',
      branch: 'main',
      kubernetes: { url: 'http://127.0.0.1:7101', skipTLSVerify: false },
    });
  });

  it('names every bad key without echoing values', () => {
    let message = '';
    try {
      read({
        clusters: [
          {
            ...cluster,
            repository: 'not-a-repo',
            kubernetes: { url: 'nope', token: 'hush-123' },
          },
          { ...cluster, name: 'Bad_Name' },
        ],
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      'launchpad.clusters[0].repository: must be owner/name',
    );
    expect(message).toContain(
      'launchpad.clusters[0].kubernetes.url: must be an absolute URL',
    );
    expect(message).toContain(
      'launchpad.clusters[1].name: must be a DNS-1123 label',
    );
    expect(message).not.toContain('hush-123');
  });

  it('requires the clusters list', () => {
    expect(() => read({})).toThrow(/launchpad\.clusters: is required/);
  });

  it('refuses the old launchpad.github block, pointing at integrations.github, without echoing the token', () => {
    let message = '';
    try {
      read({ github: { token: 'gh-token-value' }, clusters: [cluster] });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('launchpad.github: moved to integrations.github');
    expect(message).not.toContain('gh-token-value');
  });

  it('accepts an empty clusters list (a new install)', () => {
    expect(read({ clusters: [] }).clusters).toEqual([]);
  });

  it('refuses duplicate cluster names', () => {
    expect(() => read({ clusters: [cluster, cluster] })).toThrow(
      /launchpad\.clusters\[1\]\.name: duplicate cluster name "staging"/,
    );
  });

  it('fails clearly when the block is missing', () => {
    expect(() => readClustersConfig(new ConfigReader({}))).toThrow(
      /Missing required config value at "launchpad"/,
    );
  });
});
