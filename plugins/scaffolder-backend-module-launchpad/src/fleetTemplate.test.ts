import fs from 'node:fs';
import path from 'node:path';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { createTemplateRenderer, type TemplateValue } from 'nunjitsu';
import YAML from 'yaml';
import { mockDeps } from './__testUtils__';
import { createLaunchpadActions } from './actions';

type Step = { id: string; action: string; input: Record<string, unknown> };
type JsonSchema = {
  properties: Record<string, JsonSchema & Record<string, unknown>>;
  required?: string[];
};

/** templates/fleet-upgrade: its fields, the step's inputs as the scaffolder renders them (nunjitsu, as deprovisionTemplate.test.ts), its output. */
describe('templates/fleet-upgrade', () => {
  const root = path.resolve(__dirname, '../../..');
  const template = YAML.parse(
    fs.readFileSync(
      path.join(root, 'templates/fleet-upgrade/template.yaml'),
      'utf8',
    ),
  ) as {
    metadata: { name: string };
    spec: {
      parameters: Array<JsonSchema>;
      steps: Step[];
      output: { text: Array<{ title: string; content: string }> };
    };
  };
  const action = createLaunchpadActions({
    clusters: {} as LaunchpadClustersService,
    ...mockDeps(),
  }).find(a => a.id === 'launchpad:fleet:upgrade')!;
  const renderer = createTemplateRenderer({});
  const render = (value: unknown, context: Record<string, TemplateValue>) =>
    JSON.parse(JSON.stringify(value), (_key, v) =>
      typeof v === 'string' ? renderer.renderValue(v, context) : v,
    );
  const fields = Object.assign(
    {},
    ...template.spec.parameters.map(p => p.properties),
  ) as JsonSchema['properties'];

  it('is registered in app-config.yaml under the name the policy hides from non-platform users', () => {
    expect(
      fs.readFileSync(path.join(root, 'app-config.yaml'), 'utf8'),
    ).toContain('target: ../../templates/fleet-upgrade/template.yaml');
    expect(template.metadata.name).toBe('fleet-upgrade');
  });

  it("asks for the cluster, the filter, the target with Launchpad's pickers and the wave settings", () => {
    expect(fields.cluster['ui:field']).toBe('LaunchpadClusterPicker');
    expect(fields.release['ui:field']).toBe('LaunchpadReleasePicker');
    expect(fields.filterOwner['ui:field']).toBe('OwnerPicker');
    expect(fields.slugs).toMatchObject({
      type: 'array',
      items: { type: 'string' },
    });
    expect(fields.canaries).toMatchObject({
      type: 'integer',
      default: 1,
      minimum: 0,
    });
    expect(fields.waveSize).toMatchObject({ type: 'integer', default: 5 });
    // No default: the portal's launchpad.fleet.buildConcurrency applies.
    expect(fields.buildConcurrency.default).toBeUndefined();
    expect(fields.dryRun).toMatchObject({ type: 'boolean', default: false });
    expect(template.spec.parameters.flatMap(p => p.required ?? [])).toEqual([
      'cluster',
      'release',
      'tutorVersion',
    ]);
  });

  it('runs launchpad:fleet:upgrade with declared inputs only; unset fields are left out', () => {
    expect(template.spec.steps.map(s => [s.id, s.action])).toEqual([
      ['fleet', 'launchpad:fleet:upgrade'],
    ]);
    expect(action.supportsDryRun).toBe(true);
    const schema = action.schema?.input as unknown as JsonSchema;
    const [step] = template.spec.steps;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(Object.keys(step.input)),
    );
    expect(Object.keys(schema.properties.filter.properties)).toEqual(
      expect.arrayContaining(Object.keys(step.input.filter as object)),
    );

    // What automation sends at least: the rest are defaults or absent.
    expect(
      render(step.input, {
        parameters: {
          cluster: 'staging',
          release: 'release/teak.4',
          tutorVersion: 'v20.0.6',
          canaries: 1,
          waveSize: 5,
          healthyTimeoutMinutes: 15,
          dryRun: false,
        },
      }),
    ).toEqual({
      cluster: 'staging',
      filter: {},
      release: 'release/teak.4',
      tutorVersion: 'v20.0.6',
      canaries: 1,
      waveSize: 5,
      healthyTimeoutMinutes: 15,
      dryRun: false,
    });
    expect(
      render(step.input.filter, {
        parameters: {
          filterRelease: 'teak',
          filterOwner: 'group:default/physics-dept',
          slugs: ['physics-101', 'demo'],
          exclude: ['summer-school'],
        },
      }),
    ).toEqual({
      release: 'teak',
      owner: 'group:default/physics-dept',
      slugs: ['physics-101', 'demo'],
      exclude: ['summer-school'],
    });
  });

  it('outputs the report as text', () => {
    const [report] = render(template.spec.output.text, {
      steps: {
        fleet: {
          output: {
            upgraded: ['demo', 'physics-101'],
            alreadyAtTarget: [],
            untouched: ['summer-school'],
            report: 'instance  wave\n--------  ----',
          },
        },
      },
    }) as Array<{ title: string; content: string }>;
    expect(report.title).toBe('Fleet report');
    expect(report.content).toBe(
      'Upgraded: demo, physics-101\n\nAlready at the target: none\n\nUntouched: summer-school\n\n```\ninstance  wave\n--------  ----\n```\n',
    );
  });
});
