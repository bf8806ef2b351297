import fs from 'node:fs';
import path from 'node:path';
import { parseEntityRef } from '@backstage/catalog-model';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { createTemplateRenderer, type TemplateValue } from 'nunjitsu';
import YAML from 'yaml';
import { createLaunchpadActions } from '../actions';
import { mockDeps } from './index';

export type TemplateStep = {
  id: string;
  name?: string;
  if?: string;
  action: string;
  input: Record<string, unknown>;
};

export type TemplateFile = {
  metadata: { name: string };
  spec: {
    parameters: Array<{
      required?: string[];
      properties: Record<string, Record<string, unknown>>;
    }>;
    steps: TemplateStep[];
    output: {
      links: Array<{ title: string; url?: string; entityRef?: string }>;
      text: Array<{ title: string; content: string }>;
    };
  };
};

const root = path.resolve(__dirname, '../../../..');

/** templates/<name>/template.yaml, parsed. */
export function loadTemplate(name: string): TemplateFile {
  return YAML.parse(
    fs.readFileSync(
      path.join(root, 'templates', name, 'template.yaml'),
      'utf8',
    ),
  ) as TemplateFile;
}

/** The repository's app-config.yaml text (catalog.locations registers the templates). */
export function appConfigText(): string {
  return fs.readFileSync(path.join(root, 'app-config.yaml'), 'utf8');
}

/** Every action by id, built for their schemas only (never called). */
export function actionsById() {
  return new Map(
    createLaunchpadActions({
      clusters: {} as LaunchpadClustersService,
      ...mockDeps(),
    } as Parameters<typeof createLaunchpadActions>[0]).map(a => [a.id, a]),
  );
}

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

/** Renders every string in `value` with `context` ({ parameters, steps, ... }), as the runner renders inputs and outputs. */
export function renderTemplateValue(
  value: unknown,
  context: Record<string, TemplateValue>,
): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v) =>
    typeof v === 'string' ? renderer.renderValue(v, context) : v,
  );
}

/** The instance field of the single-instance templates: an EntityPicker limited to Open edX instances. */
export const instancePickerField = {
  'ui:field': 'EntityPicker',
  'ui:options': {
    catalogFilter: [{ kind: 'Component', 'spec.type': 'openedx-instance' }],
  },
};

/** Asserts `step` passes only inputs `schema` (its action's input schema) declares, and every required one. */
export function expectDeclaredInputs(
  step: { input: Record<string, unknown> },
  schema: unknown,
) {
  const { properties, required } = schema as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  expect(Object.keys(properties)).toEqual(
    expect.arrayContaining(Object.keys(step.input)),
  );
  expect(Object.keys(step.input)).toEqual(
    expect.arrayContaining(required ?? []),
  );
}
