import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import type { TemplateValue } from 'nunjitsu';
import YAML from 'yaml';
import {
  actionContext,
  memoryCheckpoint,
  mockDeps,
  startLaunchpadSandbox,
  whileAdvancing,
} from './__testUtils__';
import {
  expectDeclaredInputs,
  loadTemplate,
  renderTemplateValue,
} from './__testUtils__/templates';
import { createLaunchpadActions } from './actions';

/** templates/new-openedx-instance only calls these actions with inputs they declare. */
describe('templates/new-openedx-instance', () => {
  const template = YAML.parse(
    fs.readFileSync(
      path.resolve(
        __dirname,
        '../../../templates/new-openedx-instance/template.yaml',
      ),
      'utf8',
    ),
  ) as {
    spec: {
      steps: Array<{
        id: string;
        action: string;
        input: Record<string, unknown>;
      }>;
    };
  };
  const actions = new Map(
    createLaunchpadActions({
      clusters: {} as LaunchpadClustersService,
      auditor: mockServices.auditor.mock(),
      permissions: mockServices.permissions(),
      auth: mockServices.auth(),
      catalog: catalogServiceMock(),
      events: mockServices.events.mock(),
    }).map(a => [a.id, a]),
  );

  it('needs only { cluster, slug, platformName, owner } from automation and uses the Launchpad form fields', () => {
    const pages = (
      template.spec as unknown as {
        parameters: Array<{
          required?: string[];
          properties: Record<
            string,
            { default?: unknown; 'ui:field'?: string }
          >;
        }>;
      }
    ).parameters;
    const properties: (typeof pages)[number]['properties'] = Object.assign(
      {},
      ...pages.map(p => p.properties),
    );
    expect(pages.flatMap(p => p.required ?? []).sort()).toEqual([
      'cluster',
      'owner',
      'platformName',
      'slug',
    ]);
    const automation = ['cluster', 'slug', 'platformName', 'owner'];
    const withoutDefault = Object.entries(properties)
      .filter(
        ([name, p]) => !automation.includes(name) && p.default === undefined,
      )
      .map(([name]) => name);
    expect(withoutDefault).toEqual([]);
    expect(
      Object.fromEntries(
        Object.entries(properties).map(([k, v]) => [k, v['ui:field']]),
      ),
    ).toMatchObject({
      cluster: 'LaunchpadClusterPicker',
      slug: 'LaunchpadSlugPicker',
      release: 'LaunchpadReleasePicker',
      owner: 'OwnerPicker',
    });
  });

  it('runs the steps in the CLI order', () => {
    expect(template.spec.steps.map(s => s.action)).toEqual([
      'launchpad:instance:create',
      'launchpad:instance:prepare',
      'launchpad:workflow:submit',
      'launchpad:workflow:submit',
      'launchpad:workflow:submit',
      'launchpad:argocd:apply',
      'launchpad:picasso:build',
      'launchpad:picasso:build',
      'launchpad:argocd:sync',
      'launchpad:catalog:refresh',
    ]);
  });

  // eslint-disable-next-line jest/expect-expect -- expectDeclaredInputs asserts
  it.each(template.spec.steps.map(s => [s.id, s] as const))(
    'step %s passes only inputs its action declares, and every required one',
    (_id, step) =>
      expectDeclaredInputs(step, actions.get(step.action)?.schema?.input),
  );

  /** The output as the runner gives it: rendered, items whose `if` is falsy dropped (filterConditionalItems). */
  const renderOutput = (context: Record<string, TemplateValue>) => {
    const output = renderTemplateValue(
      loadTemplate('new-openedx-instance').spec.output,
      context,
    ) as {
      links: Array<Record<string, unknown>>;
      text?: Array<Record<string, unknown>>;
    };
    const shown = (items: Array<Record<string, unknown>> = []) =>
      items.filter(item => !('if' in item) || Boolean(item.if));
    return { links: shown(output.links), text: shown(output.text) };
  };

  it('a REST call without publishAs runs every step and links the commit', () => {
    const { steps } = loadTemplate('new-openedx-instance').spec;
    const parameters = {
      cluster: 'staging',
      slug: 'chem-201',
      platformName: 'Chemistry',
      owner: 'group:default/platform-team',
    };
    const conditions = steps
      .filter(step => step.if !== undefined)
      .map(step => renderTemplateValue(step.if, { parameters }));
    expect(conditions.length).toBeGreaterThan(0);
    expect(conditions).toEqual(conditions.map(() => true));
    const create = steps.find(s => s.id === 'create')!;
    // Unset values render to nothing: the action's defaults apply.
    expect(renderTemplateValue(create.input, { parameters })).toEqual(
      parameters,
    );
    const mysql = steps.find(s => s.id === 'mysql')!;
    expect(
      renderTemplateValue(mysql.input, {
        parameters,
        steps: { create: { output: {} } },
      }),
    ).toEqual({
      cluster: 'staging',
      slug: 'chem-201',
      template: 'mysql-provision-template',
    });
    const output = renderOutput({
      parameters,
      steps: {
        create: { output: { commitUrl: 'https://github.test/commit/abc' } },
        'build-openedx': { output: { runUrl: 'https://github.test/runs/1' } },
        'build-mfe': { output: { runUrl: 'https://github.test/runs/2' } },
      },
    });
    expect(output.links.map(l => l.title)).toEqual([
      'LMS',
      'Studio',
      'Commit in the cluster repository',
      'Open edX image build',
      'MFE image build',
      'Open in the catalog',
    ]);
    expect(output.text).toEqual([]);
  });

  describe('publishAs pull-request (against the sandbox)', () => {
    let started: Awaited<ReturnType<typeof startLaunchpadSandbox>>;
    beforeAll(async () => {
      started = await startLaunchpadSandbox();
    }, 60_000);
    afterAll(async () => {
      await started?.sandbox.stop();
    }, 30_000);

    it('opens the pull request, provisions from its branch, skips what needs the merge and says what to do after it', async () => {
      const { sandbox, clusters } = started;
      const owner = 'acme-edu';
      const repo = 'launchpad-cluster-staging';
      const slug = 'pr-one';
      const deps = mockDeps();
      const byId = new Map(
        createLaunchpadActions({ clusters, ...deps }).map(
          a => [a.id, a] as const,
        ),
      );
      const { spec } = loadTemplate('new-openedx-instance');
      // Passwords kept in git (the default): the workflows read them from
      // config.yml on the pull request's branch.
      const parameters = {
        cluster: 'staging',
        slug,
        platformName: 'Pull request',
        owner: 'group:default/platform-team',
        release: 'release/teak.3',
        tutorVersion: 'v20.0.5',
        writeSecrets: true,
        publishAs: 'pull-request',
      };
      const before = await sandbox.git.headSha(owner, repo);
      const { checkpoint } = memoryCheckpoint();
      const steps: Record<string, { output: Record<string, unknown> }> = {};
      const ran: string[] = [];
      const log: string[] = [];
      for (const step of spec.steps) {
        const context = { parameters, steps } as Record<string, TemplateValue>;
        if (step.if !== undefined && !renderTemplateValue(step.if, context)) {
          continue;
        }
        const action = byId.get(step.action) as TemplateAction<
          JsonObject,
          JsonObject,
          'v2'
        >;
        const input = renderTemplateValue(step.input, context) as JsonObject;
        // The workflows poll often (launchpad.scaffolder.pollIntervalSeconds in a deployment).
        if (step.action === 'launchpad:workflow:submit') {
          input.pollIntervalSeconds = 0.02;
        }
        const { ctx, outputs, lines } = actionContext(action, input, {
          checkpoint,
        });
        await whileAdvancing(sandbox, action.handler(ctx), { maxSteps: 400 });
        steps[step.id] = { output: outputs };
        ran.push(step.id);
        log.push(...lines());
      }
      expect(ran).toEqual(['create', 'prepare', 'mysql', 'mongodb', 'storage']);

      // The pull request exists, from launchpad/create-<slug>; the branch did not move.
      const created = steps.create.output;
      expect(created.pullRequestBranch).toBe(`launchpad/create-${slug}`);
      const number = Number(
        /\/pull\/(\d+)$/.exec(String(created.pullRequestUrl))![1],
      );
      const octokit = await clusters.get('staging').repository.octokit();
      const { data: pull } = await octokit.rest.pulls.get({
        owner,
        repo,
        pull_number: number,
      });
      expect(pull).toMatchObject({
        state: 'open',
        head: { ref: `launchpad/create-${slug}` },
      });
      expect(await sandbox.git.headSha(owner, repo)).toBe(before);

      // The three workflows ran with the branch's names and passwords.
      for (const kind of ['mysql', 'mongodb', 'storage']) {
        expect(steps[kind].output.phase).toBe('Succeeded');
        expect(log).toContain(
          `Workflow ${slug}/${kind}-provision-${slug} Succeeded`,
        );
      }

      // The skipped steps did nothing: no Application, no build, no refresh.
      await expect(
        clusters.get('staging').kubernetes.custom.getNamespacedCustomObject({
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'applications',
          namespace: 'argocd',
          name: `${slug}-staging`,
        }),
      ).rejects.toMatchObject({ code: 404 });
      const { data: runs } = await octokit.rest.actions.listWorkflowRunsForRepo(
        { owner, repo, per_page: 100 },
      );
      expect(
        runs.workflow_runs.filter(r => r.display_title?.includes(slug)),
      ).toEqual([]);
      expect(deps.events.publish).not.toHaveBeenCalled();

      // The output: the pull request and what to do after merging it.
      const output = renderOutput({
        parameters,
        steps,
      } as Record<string, TemplateValue>);
      expect(output.links.map(l => [l.title, l.url])).toEqual([
        ['LMS', `https://${slug}.staging.learn.acme.test`],
        ['Studio', `https://studio.${slug}.staging.learn.acme.test`],
        ['Pull request in the cluster repository', created.pullRequestUrl],
      ]);
      expect(output.text).toHaveLength(1);
      const after = String(output.text[0].content);
      expect(after).toContain(String(created.pullRequestUrl));
      // Rebuild instance images applies the Application (its apply step):
      // nothing to run by hand.
      expect(after).not.toContain('kubectl');
      expect(after).toContain('Rebuild instance images');
      expect(after).toContain('applies the ArgoCD Application');
      expect(after).toContain(`component:staging/${slug}`);
    }, 120_000);
  });
});
