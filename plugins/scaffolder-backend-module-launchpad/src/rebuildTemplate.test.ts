import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { parseEntityRef } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { createTemplateRenderer, type TemplateValue } from 'nunjitsu';
import YAML from 'yaml';
import { createLaunchpadActions } from './actions';

type Step = {
  id: string;
  if?: string;
  action: string;
  input: Record<string, unknown>;
};

/** templates/rebuild-images: registered actions, declared inputs, and the expressions as the scaffolder renders them. */
describe('templates/rebuild-images', () => {
  const file = path.resolve(
    __dirname,
    '../../../templates/rebuild-images/template.yaml',
  );
  const template = YAML.parse(fs.readFileSync(file, 'utf8')) as {
    metadata: { name: string };
    spec: {
      parameters: Array<{
        required?: string[];
        properties: Record<string, Record<string, unknown>>;
      }>;
      steps: Step[];
    };
  };
  // Not called: the actions are built for their schemas only.
  const deps = {
    clusters: {} as LaunchpadClustersService,
    auditor: mockServices.auditor.mock(),
    permissions: mockServices.permissions(),
    auth: mockServices.auth(),
    catalog: catalogServiceMock(),
    events: mockServices.events.mock(),
  };
  const actions = new Map(createLaunchpadActions(deps).map(a => [a.id, a]));
  // The scaffolder's renderer (NunjucksWorkflowRunner, scaffolder-backend
  // 4.2) is nunjitsu's with its default filters; parseEntityRef is
  // catalog-model's parseEntityRef and pick is lodash's get
  // (plugins/scaffolder-backend/src/lib/templating/filters).
  const renderer = createTemplateRenderer({
    allowRegexExecution: true,
    filters: {
      parseEntityRef: ref => ({ ...parseEntityRef(String(ref)) }),
      pick: (value, key) =>
        (value as Readonly<Record<string, TemplateValue>>)[String(key)],
    },
  });
  const render = (value: unknown, parameters: TemplateValue): unknown =>
    JSON.parse(JSON.stringify(value), (_key, v) =>
      typeof v === 'string' ? renderer.renderValue(v, { parameters }) : v,
    );

  it('is registered in app-config.yaml next to new-openedx-instance', () => {
    const config = fs.readFileSync(
      path.resolve(__dirname, '../../../app-config.yaml'),
      'utf8',
    );
    expect(config).toContain(
      'target: ../../templates/rebuild-images/template.yaml',
    );
  });

  it('asks for an instance with an EntityPicker limited to Open edX instances; only the instance is required', () => {
    const [page, ...more] = template.spec.parameters;
    expect(more).toEqual([]);
    expect(page.required).toEqual(['instance']);
    expect(page.properties.instance).toMatchObject({
      'ui:field': 'EntityPicker',
      'ui:options': {
        catalogFilter: [{ kind: 'Component', 'spec.type': 'openedx-instance' }],
      },
    });
    expect(page.properties.services).toMatchObject({
      items: { enum: ['openedx', 'mfe'] },
      default: ['openedx', 'mfe'],
    });
    expect(page.properties.ifRunning).toMatchObject({ default: 'wait' });
  });

  it('builds, then syncs', () => {
    expect(template.spec.steps.map(s => [s.id, s.action])).toEqual([
      ['build-openedx', 'launchpad:picasso:build'],
      ['build-mfe', 'launchpad:picasso:build'],
      ['sync', 'launchpad:argocd:sync'],
    ]);
  });

  it.each(template.spec.steps.map(s => [s.id, s] as const))(
    'step %s passes only inputs its action declares, and every required one',
    (_id, step) => {
      const schema = actions.get(step.action)?.schema?.input as {
        properties: Record<string, unknown>;
        required?: string[];
      };
      expect(Object.keys(schema.properties)).toEqual(
        expect.arrayContaining(Object.keys(step.input)),
      );
      expect(Object.keys(step.input)).toEqual(
        expect.arrayContaining(schema.required ?? []),
      );
    },
  );

  it('derives cluster and slug from the entity ref and runs the chosen builds only', () => {
    const parameters = {
      instance: 'component:production/legacy-campus',
      services: ['mfe'],
      ifRunning: 'wait',
    };
    const [openedx, mfe, sync] = template.spec.steps;
    expect(render(mfe.input, parameters)).toEqual({
      cluster: 'production',
      slug: 'legacy-campus',
      service: 'mfe',
      ifRunning: 'wait',
    });
    expect(render(sync.input, parameters)).toEqual({
      cluster: 'production',
      slug: 'legacy-campus',
    });
    // The runner skips a step whose rendered `if` is falsy.
    expect(render(openedx.if, parameters)).toBe(false);
    expect(render(mfe.if, parameters)).toBe(true);
    expect(
      render(openedx.if, { ...parameters, services: ['openedx', 'mfe'] }),
    ).toBe(true);
  });
});
