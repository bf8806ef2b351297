import type { TemplateValue } from 'nunjitsu';
import {
  actionsById,
  appConfigText,
  instancePickerField,
  expectDeclaredInputs,
  loadTemplate,
  renderTemplateValue,
} from './__testUtils__/templates';

/** templates/rebuild-images: registered actions, declared inputs, and the expressions as the scaffolder renders them. */
describe('templates/rebuild-images', () => {
  const template = loadTemplate('rebuild-images');
  const actions = actionsById();
  const render = (value: unknown, parameters: TemplateValue): unknown =>
    renderTemplateValue(value, { parameters });

  it('is registered in app-config.yaml next to new-openedx-instance', () => {
    const config = appConfigText();
    expect(config).toContain(
      'target: ../../templates/rebuild-images/template.yaml',
    );
  });

  it('asks for an instance with an EntityPicker limited to Open edX instances; only the instance is required', () => {
    const [page, ...more] = template.spec.parameters;
    expect(more).toEqual([]);
    expect(page.required).toEqual(['instance']);
    expect(page.properties.instance).toMatchObject(instancePickerField);
    expect(page.properties.services).toMatchObject({
      items: { enum: ['openedx', 'mfe'] },
      default: ['openedx', 'mfe'],
    });
    expect(page.properties.ifRunning).toMatchObject({ default: 'wait' });
  });

  it('builds, applies the Application (created when missing), then syncs', () => {
    expect(template.spec.steps.map(s => [s.id, s.action])).toEqual([
      ['build-openedx', 'launchpad:picasso:build'],
      ['build-mfe', 'launchpad:picasso:build'],
      ['apply', 'launchpad:argocd:apply'],
      ['sync', 'launchpad:argocd:sync'],
    ]);
    // Every run applies: no `if`, as after a merged pull request the
    // Application does not exist yet.
    expect(template.spec.steps[2].if).toBeUndefined();
  });

  // eslint-disable-next-line jest/expect-expect -- expectDeclaredInputs asserts
  it.each(template.spec.steps.map(s => [s.id, s] as const))(
    'step %s passes only inputs its action declares, and every required one',
    (_id, step) =>
      expectDeclaredInputs(step, actions.get(step.action)?.schema?.input),
  );

  it('derives cluster and slug from the entity ref and runs the chosen builds only', () => {
    const parameters = {
      instance: 'component:production/legacy-campus',
      services: ['mfe'],
      ifRunning: 'wait',
    };
    const [openedx, mfe, apply, sync] = template.spec.steps;
    expect(render(mfe.input, parameters)).toEqual({
      cluster: 'production',
      slug: 'legacy-campus',
      service: 'mfe',
      ifRunning: 'wait',
    });
    for (const step of [apply, sync]) {
      expect(render(step.input, parameters)).toEqual({
        cluster: 'production',
        slug: 'legacy-campus',
      });
    }
    // The runner skips a step whose rendered `if` is falsy.
    expect(render(openedx.if, parameters)).toBe(false);
    expect(render(mfe.if, parameters)).toBe(true);
    expect(
      render(openedx.if, { ...parameters, services: ['openedx', 'mfe'] }),
    ).toBe(true);
  });
});
