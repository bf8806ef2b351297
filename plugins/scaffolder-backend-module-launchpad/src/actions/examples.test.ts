import type { JsonObject } from '@backstage/types';
import { exampleInputs, mockDeps } from '../__testUtils__';
import type { LaunchpadClustersService } from '@internal/plugin-launchpad-node';
import { createLaunchpadActions } from '.';

/** The JSON schema createTemplateAction makes of a zod input (what the scaffolder validates). */
interface InputSchema {
  type: 'object';
  properties: Record<string, { type?: string; enum?: unknown[] }>;
  required?: string[];
  additionalProperties?: boolean;
}

/**
 * Every example shown under /create/actions must pass the check the
 * scaffolder makes before a step runs (NunjucksWorkflowRunner validates the
 * rendered input with `jsonschema` against the action's input schema, whose
 * `additionalProperties` is false): known keys only, the required ones
 * present, each value of its declared type or enum. The per-action tests run
 * the examples through the handlers; this checks what the handlers do not.
 */
describe('every action example passes its input schema', () => {
  const actions = createLaunchpadActions({
    clusters: {} as LaunchpadClustersService,
    ...mockDeps(),
  });

  /** A value's JSON schema type (an array is not an object there). */
  const typeOf = (value: unknown) =>
    Array.isArray(value) ? 'array' : typeof value;

  const problems = (schema: InputSchema, input: JsonObject): string[] => {
    const found: string[] = [];
    for (const key of schema.required ?? []) {
      if (!(key in input)) found.push(`missing required ${key}`);
    }
    for (const [key, value] of Object.entries(input)) {
      const property = schema.properties[key];
      if (!property) {
        found.push(`unknown input ${key}`);
        continue;
      }
      if (property.enum && !property.enum.includes(value)) {
        found.push(`${key}: ${JSON.stringify(value)} not in the enum`);
      } else if (property.type && typeOf(value) !== property.type) {
        found.push(`${key}: ${typeOf(value)}, not ${property.type}`);
      }
    }
    return found;
  };

  it.each(actions.map(a => [a.id, a] as const))('%s', (id, action) => {
    const schema = action.schema?.input as unknown as InputSchema;
    expect(schema.additionalProperties).toBe(false);
    const inputs = exampleInputs(action.examples ?? [], id);
    expect(inputs.length).toBeGreaterThan(0);
    for (const { description, input } of inputs) {
      expect({ description, problems: problems(schema, input) }).toEqual({
        description,
        problems: [],
      });
    }
    // Output fields have descriptions: /create/actions shows them.
    const output = action.schema?.output as unknown as InputSchema;
    for (const [key, property] of Object.entries(output.properties)) {
      expect({
        key,
        description: (property as { description?: string }).description,
      }).toEqual({ key, description: expect.any(String) });
    }
  });

  it('catches a misspelt input (the check can fail)', () => {
    const create = actions.find(a => a.id === 'launchpad:instance:create')!;
    expect(
      problems(create.schema?.input as unknown as InputSchema, {
        cluster: 'staging',
        slug: 'x1',
        platformName: 'X',
        ownr: 'group:default/platform-team',
        publishAs: 'merge',
      }),
    ).toEqual([
      'missing required owner',
      'unknown input ownr',
      'publishAs: "merge" not in the enum',
    ]);
  });
});
