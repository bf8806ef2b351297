import { mockServices } from '@backstage/backend-test-utils';
import {
  type Entity,
  FieldFormatEntityPolicy,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ANNOTATIONS,
  isSecretConfigKey,
} from '@internal/plugin-launchpad-common';
import { countingFetch } from '@internal/plugin-launchpad-node/testUtils';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import { parse as parseYaml } from 'yaml';
import { LaunchpadEntityProvider } from './LaunchpadEntityProvider';
import {
  capturingConnection,
  sandboxClusters,
  sandboxConfig,
} from './testHelpers';

describe('LaunchpadEntityProvider (against the sandbox)', () => {
  let sandbox: Sandbox;

  // Starting the sandbox seeds two repositories and clusters: slow on a loaded machine.
  beforeAll(async () => {
    sandbox = await startSandbox({});
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  /** Instance folders and their config.yml as the sandbox's git store has them. */
  async function repositoryInstances(clusterName: string) {
    const cluster = sandbox.clusters.find(c => c.name === clusterName)!;
    const [owner, name] = cluster.repository.split('/');
    const files = await sandbox.git.listFiles(owner, name, 'instances/');
    const slugs = [...new Set(files.map(f => f.split('/')[1]))].sort();
    const configs: Record<string, string | undefined> = {};
    for (const slug of slugs) {
      configs[slug] = await sandbox.git.readFile(
        owner,
        name,
        `instances/${slug}/config.yml`,
      );
    }
    return { owner, name, slugs, configs };
  }

  function setup(clusterName = 'staging') {
    const counter = countingFetch();
    const logger = mockServices.logger.mock();
    logger.child.mockReturnValue(logger);
    const config = sandboxConfig(sandbox);
    const clusters = sandboxClusters(config, {
      logger,
      github: { fetch: counter.fetch },
    });
    const providers = LaunchpadEntityProvider.fromConfig(config, {
      logger,
      clusters,
    });
    const provider = providers.find(
      p => p.getProviderName() === `launchpad-provider:${clusterName}`,
    )!;
    const capture = capturingConnection();
    return { providers, provider, counter, logger, capture };
  }

  const entitiesOf = (capture: ReturnType<typeof capturingConnection>) =>
    capture.last().map(d => d.entity);
  const refs = (entities: Entity[]) => entities.map(e => stringifyEntityRef(e));

  it('creates one provider per configured cluster', () => {
    const { providers } = setup();
    expect(providers.map(p => p.getProviderName()).sort()).toEqual(
      sandbox.clusters.map(c => `launchpad-provider:${c.name}`).sort(),
    );
  });

  it.each(['staging', 'production'])(
    'emits the %s cluster, its instances and their resources with relations',
    async clusterName => {
      const { provider, capture } = setup(clusterName);
      await provider.connect(capture.connection);
      const result = await provider.refresh();
      expect(result.outcome).toBe('updated');

      const deferred = capture.last();
      expect(new Set(deferred.map(d => d.locationKey))).toEqual(
        new Set([`launchpad-provider:${clusterName}`]),
      );
      const entities = entitiesOf(capture);
      for (const entity of entities) {
        await expect(
          new SchemaValidEntityPolicy().enforce(entity),
        ).resolves.toBeDefined();
        await expect(
          new FieldFormatEntityPolicy().enforce(entity),
        ).resolves.toBeDefined();
        expect(entity.metadata.namespace).toBe(clusterName);
      }
      const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));

      const cluster = sandbox.clusters.find(c => c.name === clusterName)!;
      const clusterEntity = byRef.get(
        `resource:${clusterName}/${clusterName}`,
      )!;
      expect(clusterEntity.spec?.type).toBe('kubernetes-cluster');
      expect(clusterEntity.metadata.annotations).toMatchObject({
        'kubernetes.io/api-server': cluster.kubernetesUrl,
        [ANNOTATIONS.clusterRepository]: cluster.repository,
        [ANNOTATIONS.environment]: cluster.environment,
        [ANNOTATIONS.domain]: cluster.domain,
      });

      const { slugs, configs } = await repositoryInstances(clusterName);
      expect(slugs.length).toBeGreaterThan(0);
      const instances = entities.filter(
        e => e.spec?.type === 'openedx-instance',
      );
      expect(instances.map(e => e.metadata.name).sort()).toEqual(slugs);

      for (const instance of instances) {
        const slug = instance.metadata.name;
        const ref = `component:${clusterName}/${slug}`;
        expect(instance.metadata.annotations).toMatchObject({
          [ANNOTATIONS.cluster]: clusterName,
          [ANNOTATIONS.instance]: slug,
          [ANNOTATIONS.sourcePath]: `instances/${slug}`,
          'github.com/project-slug': cluster.repository,
        });
        expect(
          instance.metadata.annotations?.['backstage.io/managed-by-location'],
        ).toMatch(
          new RegExp(
            `^url:.+/${cluster.repository}/tree/${cluster.branch}/instances/${slug}$`,
          ),
        );
        const dependsOn = instance.spec?.dependsOn as string[];
        expect(dependsOn[0]).toBe(`resource:${clusterName}/${clusterName}`);
        // Every resource the instance depends on is emitted and points back at it.
        for (const dep of dependsOn.slice(1)) {
          expect(byRef.get(dep)?.spec?.dependencyOf).toEqual([ref]);
        }
      }

      // Well-formed instances carry config.yml's values (compared as one summary per instance).
      const wellFormed = instances.filter(
        i => !i.metadata.annotations?.[ANNOTATIONS.configError],
      );
      expect(wellFormed.length).toBeGreaterThan(0);
      const actual = wellFormed.map(instance => {
        const slug = instance.metadata.name;
        const mysql = byRef.get(`resource:${clusterName}/${slug}-mysql`);
        const bucket = byRef.get(`resource:${clusterName}/${slug}-bucket`);
        return {
          slug,
          title: instance.metadata.title,
          owner: instance.spec?.owner,
          lifecycle: instance.spec?.lifecycle,
          lms: instance.metadata.links?.find(l => l.type === 'lms')?.url,
          mysql: mysql?.metadata.annotations?.[ANNOTATIONS.databaseName],
          mysqlType: mysql?.spec?.type,
          bucket: bucket?.metadata.annotations?.[ANNOTATIONS.bucketName],
        };
      });
      const expected = wellFormed.map(instance => {
        const slug = instance.metadata.name;
        const parsed = (parseYaml(configs[slug] ?? '') ?? {}) as Record<
          string,
          string
        >;
        return {
          slug,
          title: parsed.PLATFORM_NAME ?? slug,
          owner: parsed.PORTAL_OWNER ?? 'group:default/platform-team',
          lifecycle:
            cluster.environment === 'production'
              ? 'production'
              : 'experimental',
          lms: `https://${parsed.LMS_HOST}`,
          mysql: parsed.MYSQL_DATABASE,
          mysqlType: parsed.MYSQL_DATABASE ? 'mysql-database' : undefined,
          bucket: parsed.STORAGE_BUCKET_NAME,
        };
      });
      expect(actual).toEqual(expected);
    },
  );

  it('never lets a seeded secret value reach an entity', async () => {
    for (const clusterName of ['staging', 'production']) {
      const { provider, capture } = setup(clusterName);
      await provider.connect(capture.connection);
      await provider.refresh();
      const serialized = JSON.stringify(capture.last());
      const { configs } = await repositoryInstances(clusterName);
      const secrets: string[] = [];
      for (const text of Object.values(configs)) {
        let parsed: unknown;
        try {
          parsed = parseYaml(text ?? '');
        } catch {
          // Malformed: scan its raw lines for secret-looking assignments instead.
          for (const match of (text ?? '').matchAll(
            /^\s*([A-Za-z0-9_]+)\s*:\s*"?([^"\n]+)"?/gm,
          )) {
            if (isSecretConfigKey(match[1])) secrets.push(match[2].trim());
          }
          continue;
        }
        for (const [key, value] of Object.entries(
          (parsed ?? {}) as Record<string, unknown>,
        )) {
          if (
            isSecretConfigKey(key) &&
            typeof value === 'string' &&
            value.length >= 6
          ) {
            secrets.push(value);
          }
        }
      }
      expect(secrets.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(serialized).not.toContain(secret);
      expect(serialized).not.toContain(sandbox.github.token);
    }
  });

  it('reports a malformed instance and still emits the others', async () => {
    const mutations: Array<{
      cluster: string;
      entities: Entity[];
      warnings: string[];
    }> = [];
    for (const clusterName of ['staging', 'production']) {
      const { provider, capture, logger } = setup(clusterName);
      await provider.connect(capture.connection);
      await provider.refresh();
      mutations.push({
        cluster: clusterName,
        entities: entitiesOf(capture),
        warnings: logger.warn.mock.calls.map(c => String(c[0])),
      });
    }
    const flagged = mutations.flatMap(m =>
      m.entities
        .filter(e => e.metadata.annotations?.[ANNOTATIONS.configError])
        .map(e => ({ ...m, entity: e })),
    );
    expect(flagged.length).toBeGreaterThan(0);
    for (const { entity, warnings, cluster, entities } of flagged) {
      const slug = entity.metadata.name;
      const reason = entity.metadata.annotations![ANNOTATIONS.configError];
      expect(entity.metadata.description).toContain(reason);
      expect(warnings).toContainEqual(
        expect.stringContaining(`instances/${slug}: ${reason}`),
      );
      // The malformed one hides nothing: every folder of its cluster is an instance entity.
      const { slugs } = await repositoryInstances(cluster);
      const instances = entities.filter(
        e => e.spec?.type === 'openedx-instance',
      );
      expect(instances).toHaveLength(slugs.length);
      expect(
        instances.filter(
          e => !e.metadata.annotations?.[ANNOTATIONS.configError],
        ).length,
      ).toBeGreaterThan(0);
    }
  });

  it('answers an unchanged repository with exactly one 304 and emits nothing', async () => {
    const { provider, capture, counter } = setup();
    await provider.connect(capture.connection);
    await provider.refresh();
    counter.take();
    const mutationsBefore = capture.mutations.length;

    const result = await provider.refresh();
    expect(result).toEqual({ outcome: 'unchanged', requests: 1 });
    const requests = counter.take();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'GET', status: 304 });
    expect(capture.mutations).toHaveLength(mutationsBefore);
  });

  it('re-reads only a changed instance folder, shows added folders and drops removed ones', async () => {
    const { provider, capture, counter, logger } = setup();
    await provider.connect(capture.connection);
    await provider.refresh();
    const before = entitiesOf(capture);
    const { owner, name, slugs, configs } = await repositoryInstances(
      'staging',
    );
    const target = slugs.find(s => {
      try {
        return Boolean(parseYaml(configs[s] ?? '')?.LMS_HOST);
      } catch {
        return false;
      }
    })!;
    counter.take();

    await sandbox.git.commitFiles(owner, name, {
      message: `Rename ${target}`,
      changes: {
        [`instances/${target}/config.yml`]:
          `${configs[target]}\nPLATFORM_NAME: Renamed by test\n`.replace(
            /^PLATFORM_NAME:.*\n/m,
            '',
          ),
      },
    });
    const changed = await provider.refresh();
    expect(changed).toMatchObject({ outcome: 'updated', reread: [target] });
    const requests = counter.take();
    // ref, tree, and the one changed blob in one GraphQL query.
    expect(requests).toHaveLength(3);
    expect(requests[2]).toMatchObject({ method: 'POST', path: '/graphql' });
    expect(requests.filter(r => r.path.includes('/git/blobs/'))).toHaveLength(
      0,
    );
    expect(changed).toMatchObject({ requests: 3 });
    const renamed = entitiesOf(capture).find(
      e => e.metadata.name === target && e.kind === 'Component',
    )!;
    expect(renamed.metadata.title).toBe('Renamed by test');
    // The unchanged malformed folder is not re-parsed, so its warning is not repeated.
    expect(
      logger.warn.mock.calls.filter(c =>
        String(c[0]).includes('Malformed instance'),
      ),
    ).toHaveLength(1);
    expect(entitiesOf(capture)).toHaveLength(before.length);

    // Add a new instance folder: it appears on the next refresh.
    const newSlug = 'added-by-test';
    await sandbox.git.commitFiles(owner, name, {
      message: 'Add instance',
      changes: {
        [`instances/${newSlug}/config.yml`]: [
          `LMS_HOST: ${newSlug}.staging.learn.acme.test`,
          `CMS_HOST: studio.${newSlug}.staging.learn.acme.test`,
          'PLATFORM_NAME: Added',
          `MYSQL_DATABASE: launchpad-${newSlug}-openedx`,
          `MYSQL_PASSWORD: added-secret-0001`,
        ].join('\n'),
      },
    });
    await provider.refresh();
    const afterAdd = refs(entitiesOf(capture));
    expect(afterAdd).toEqual(
      expect.arrayContaining([
        `component:staging/${newSlug}`,
        `resource:staging/${newSlug}-mysql`,
      ]),
    );
    expect(JSON.stringify(capture.last())).not.toContain('added-secret-0001');

    // Remove it: the next full mutation no longer has it.
    await sandbox.git.commitFiles(owner, name, {
      message: 'Remove instance',
      changes: { [`instances/${newSlug}/`]: null },
    });
    await provider.refresh();
    const afterRemove = refs(entitiesOf(capture));
    expect(afterRemove).not.toContain(`component:staging/${newSlug}`);
    expect(afterRemove).not.toContain(`resource:staging/${newSlug}-mysql`);
    expect(afterRemove).toHaveLength(before.length);
  });

  it('logs a GitHub 5xx during refresh and keeps the catalog (no empty mutation)', async () => {
    const { provider, capture, logger } = setup('production');
    await provider.connect(capture.connection);
    await provider.refresh();
    const emitted = capture.mutations.length;
    const { owner, name } = await repositoryInstances('production');
    await sandbox.git.commitFiles(owner, name, {
      message: 'Touch README',
      changes: { 'README.md': `touched ${Date.now()}\n` },
    });
    const fault = sandbox.faults.add({
      kind: 'http-error',
      service: 'github',
      status: 502,
      pathPrefix: `/repos/${owner}/${name}/git/trees/`,
    });
    let result;
    try {
      result = await provider.refresh();
    } finally {
      sandbox.faults.remove(fault.id);
    }
    expect(result.outcome).toBe('failed');
    // Typed, naming the cluster, the repository and GitHub's answer.
    expect(result).toEqual({
      outcome: 'failed',
      error: expect.objectContaining({
        name: 'ServiceUnavailableError',
        message: expect.stringMatching(
          new RegExp(
            `^Could not read the cluster repository \\(cluster production, repository ${owner}/${name}\\): GitHub answered 502\\b`,
          ),
        ),
      }),
    });
    expect(capture.mutations).toHaveLength(emitted);
    expect(logger.error.mock.calls).toEqual([
      [
        expect.stringMatching(
          new RegExp(
            `^Failed to read cluster repository ${owner}/${name}; the catalog keeps the previous entities: .*502`,
          ),
        ),
      ],
    ]);
    // Once GitHub recovers, the next refresh emits again.
    expect((await provider.refresh()).outcome).toBe('updated');
    expect(capture.mutations).toHaveLength(emitted + 1);
  });

  it('logs GitHub being unreachable and keeps the catalog', async () => {
    const { provider, capture, logger } = setup('staging');
    await provider.connect(capture.connection);
    await provider.refresh();
    const emitted = capture.mutations.length;
    const fault = sandbox.faults.add({ kind: 'down', service: 'github' });
    let result;
    try {
      result = await provider.refresh();
    } finally {
      sandbox.faults.remove(fault.id);
    }
    expect(result.outcome).toBe('failed');
    expect(result).toEqual({
      outcome: 'failed',
      error: expect.objectContaining({
        name: 'ServiceUnavailableError',
        message: expect.stringMatching(
          /^Could not read the cluster repository \(cluster staging, repository acme-edu\/launchpad-cluster-staging\): GitHub .*did not answer/,
        ),
      }),
    });
    expect(capture.mutations).toHaveLength(emitted);
    expect(logger.error.mock.calls).toEqual([
      [
        expect.stringMatching(
          /^Failed to read cluster repository acme-edu\/launchpad-cluster-staging; the catalog keeps the previous entities: GitHub did not answer: fetch failed: other side closed \(UND_ERR_SOCKET\)$/,
        ),
      ],
    ]);
    // Once GitHub is back, the next refresh succeeds.
    expect((await provider.refresh()).outcome).not.toBe('failed');
  });

  it('emits again after the catalog failed to take a mutation', async () => {
    const { provider, logger } = setup('production');
    const taken: number[] = [];
    let fail = true;
    await provider.connect({
      async applyMutation(mutation) {
        if (fail) {
          fail = false;
          throw new Error('database is locked');
        }
        if (mutation.type === 'full') taken.push(mutation.entities.length);
      },
      async refresh() {},
    });
    expect((await provider.refresh()).outcome).toBe('failed');
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/database is locked/),
    );
    // The repository did not change, but the catalog has nothing yet: not "unchanged".
    expect((await provider.refresh()).outcome).toBe('updated');
    expect(taken).toHaveLength(1);
    expect(taken[0]).toBeGreaterThan(1);
  });

  it('joins a refresh already running instead of reading twice', async () => {
    const { provider, capture, counter } = setup('production');
    await provider.connect(capture.connection);
    const [a, b] = await Promise.all([provider.refresh(), provider.refresh()]);
    expect(b).toBe(a);
    expect(capture.mutations).toHaveLength(1);
    expect(
      counter.requests.filter(r => r.path.includes('/git/ref/')),
    ).toHaveLength(1);
  });

  it('schedules its refresh with the configured schedule', async () => {
    const scheduler = mockServices.scheduler.mock();
    const config = sandboxConfig(sandbox, {
      schedule: { frequency: { minutes: 7 }, timeout: { minutes: 2 } },
    });
    const logger = mockServices.logger.mock();
    const [provider] = LaunchpadEntityProvider.fromConfig(config, {
      logger,
      scheduler,
      clusters: sandboxClusters(config, { logger }),
    });
    await provider.connect(capturingConnection().connection);
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({
        id: `${provider.getProviderName()}:refresh`,
        frequency: { minutes: 7 },
        timeout: { minutes: 2 },
        fn: expect.any(Function),
      }),
    );
  });
});
