import type { TemplateValue } from 'nunjitsu';
import {
  actionsById,
  appConfigText,
  instancePickerField,
  expectDeclaredInputs,
  loadTemplate,
  renderTemplateValue,
} from './__testUtils__/templates';

/** templates/upgrade-instance: registered action, declared inputs, and the expressions as the scaffolder renders them. */
describe('templates/upgrade-instance', () => {
  const template = loadTemplate('upgrade-instance');
  const actions = actionsById();

  it('is registered in app-config.yaml', () => {
    expect(appConfigText()).toContain(
      'target: ../../templates/upgrade-instance/template.yaml',
    );
  });

  it('asks for an Open edX instance, a release from the release picker, a Tutor version and the healthy timeout', () => {
    const [page, ...more] = template.spec.parameters;
    expect(more).toEqual([]);
    expect(page.required).toEqual(['instance', 'release', 'tutorVersion']);
    expect(page.properties.instance).toMatchObject(instancePickerField);
    expect(page.properties.release).toMatchObject({
      'ui:field': 'LaunchpadReleasePicker',
    });
    const tutor = new RegExp(String(page.properties.tutorVersion.pattern));
    expect(tutor.test('v20.0.5')).toBe(true);
    expect(tutor.test('20.0')).toBe(false);
    expect(page.properties.healthyTimeoutMinutes).toMatchObject({
      type: 'number',
      default: 15,
    });
  });

  it('shows the diff in a dry-run step, then upgrades', () => {
    expect(template.spec.steps.map(s => [s.id, s.action])).toEqual([
      ['plan', 'launchpad:instance:upgrade'],
      ['upgrade', 'launchpad:instance:upgrade'],
    ]);
  });

  // eslint-disable-next-line jest/expect-expect -- expectDeclaredInputs asserts
  it.each(template.spec.steps.map(s => [s.id, s] as const))(
    'step %s passes only inputs its action declares, and every required one',
    (_id, step) =>
      expectDeclaredInputs(step, actions.get(step.action)?.schema?.input),
  );

  it('derives cluster and slug from the entity ref; only the plan step is a dry run', () => {
    const parameters = {
      instance: 'component:staging/demo',
      release: 'release/teak.4',
      tutorVersion: 'v20.0.6',
      healthyTimeoutMinutes: 20,
    };
    const [plan, upgrade] = template.spec.steps;
    expect(renderTemplateValue(plan.input, { parameters })).toEqual({
      cluster: 'staging',
      slug: 'demo',
      release: 'release/teak.4',
      tutorVersion: 'v20.0.6',
      dryRun: true,
    });
    expect(renderTemplateValue(upgrade.input, { parameters })).toEqual({
      cluster: 'staging',
      slug: 'demo',
      release: 'release/teak.4',
      tutorVersion: 'v20.0.6',
      healthyTimeoutMinutes: 20,
    });
  });

  it('outputs the result, rolled back or not, the backup, builds, commits and the diff', () => {
    const steps: Record<string, TemplateValue> = {
      plan: { output: { diff: '+EDX_PLATFORM_VERSION: release/teak.4' } },
      upgrade: {
        output: {
          message: 'demo on staging was rolled back: demo-staging was Degraded',
          rolledBack: true,
          syncStatus: 'Synced',
          healthStatus: 'Healthy',
          backup: 'demo-portal-1a2b3c4d',
          applicationUrl: 'https://argocd.example/applications/argocd/demo',
          builds: [
            {
              service: 'openedx',
              conclusion: 'success',
              image: 'acme-edu/openedx-demo:teak.4-1',
              runUrl: 'https://github.com/runs/1',
            },
          ],
          commits: [
            { kind: 'upgrade', url: 'https://github.com/commit/a' },
            { kind: 'rollback', url: 'https://github.com/commit/b' },
          ],
        },
      },
    };
    const output = renderTemplateValue(template.spec.output, {
      parameters: { instance: 'component:staging/demo' },
      steps,
    }) as typeof template.spec.output;
    const text = Object.fromEntries(output.text.map(t => [t.title, t.content]));
    expect(text.Result).toContain('was rolled back');
    expect(text.Result).toContain('Rolled back: yes');
    expect(text.Result).toContain('Synced, Healthy');
    expect(text.Result).toContain('Backup: demo-portal-1a2b3c4d');
    expect(text['Builds and commits']).toContain(
      '- openedx: acme-edu/openedx-demo:teak.4-1 (https://github.com/runs/1)',
    );
    expect(text['Builds and commits']).toContain(
      '- rollback commit: https://github.com/commit/b',
    );
    expect(text['config.yml diff']).toContain(
      '+EDX_PLATFORM_VERSION: release/teak.4',
    );
    expect(output.links[0].url).toBe(
      'https://argocd.example/applications/argocd/demo',
    );
  });
});
