import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import YAML from 'yaml';
import { expectDeclaredInputs } from './__testUtils__/templates';
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
});
