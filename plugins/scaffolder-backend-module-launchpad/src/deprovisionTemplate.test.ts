import type { TemplateValue } from 'nunjitsu';
import {
  actionsById,
  appConfigText,
  expectDeclaredInputs,
  loadTemplate,
  renderTemplateValue,
} from './__testUtils__/templates';

/** templates/deprovision-instance: registered action, declared inputs, and the expressions as the scaffolder renders them. */
describe('templates/deprovision-instance', () => {
  const template = loadTemplate('deprovision-instance');
  const actions = actionsById();
  const render = (value: unknown, context: Record<string, TemplateValue>) =>
    renderTemplateValue(value, context) as never;

  it('is registered in app-config.yaml', () => {
    const config = appConfigText();
    expect(config).toContain(
      'target: ../../templates/deprovision-instance/template.yaml',
    );
  });

  it('asks for an instance from an EntityPicker limited to Open edX instances, the typed slug, and an acknowledgement off by default', () => {
    const [page, ...more] = template.spec.parameters;
    expect(more).toEqual([]);
    expect(page.required).toEqual(['instance', 'confirm']);
    expect(page.properties.instance).toMatchObject({
      'ui:field': 'EntityPicker',
      'ui:options': {
        catalogFilter: [{ kind: 'Component', 'spec.type': 'openedx-instance' }],
        allowArbitraryValues: false,
      },
    });
    expect(page.properties.confirm).toMatchObject({ type: 'string' });
    expect(page.properties.confirm.default).toBeUndefined();
    expect(page.properties.acknowledgeNoRecentDump).toMatchObject({
      type: 'boolean',
      default: false,
    });
  });

  it('runs launchpad:instance:delete with only declared inputs, every required one, and supports dry run', () => {
    expect(template.spec.steps.map(s => [s.id, s.action])).toEqual([
      ['deprovision', 'launchpad:instance:delete'],
    ]);
    const action = actions.get('launchpad:instance:delete');
    expect(action?.supportsDryRun).toBe(true);
    expectDeclaredInputs(template.spec.steps[0], action?.schema?.input);
  });

  it('derives cluster and slug from the entity ref and passes the confirmation as typed', () => {
    const parameters = {
      instance: 'component:staging/physics-101',
      confirm: 'physics-10',
      acknowledgeNoRecentDump: true,
    };
    expect(render(template.spec.steps[0].input, { parameters })).toEqual({
      cluster: 'staging',
      slug: 'physics-101',
      confirm: 'physics-10',
      acknowledgeNoRecentDump: true,
    });
  });

  it("renders the run's and the dry run's outputs", () => {
    const parameters = { instance: 'component:staging/demo', confirm: 'demo' };
    const run = {
      deleted: [
        'workflow demo/mysql-deprovision-demo',
        'folder instances/demo',
      ],
      commitUrl: 'https://github.com/acme/c/commit/abc',
      refusals: [],
      plan: {
        velero: { lastCompletedBackup: 'hourly-20261201100000' },
        missingDumps: ['MySQL', 'MongoDB'],
      },
    };
    const [deleted, backedUp, refusals] = render(template.spec.output.text, {
      parameters,
      steps: { deprovision: { output: run } },
    }) as Array<{ content: string }>;
    expect(deleted.content).toBe(
      'workflow demo/mysql-deprovision-demo\n\nfolder instances/demo\n',
    );
    expect(backedUp.content).toBe(
      'Last completed Velero backup: hourly-20261201100000\n\nDatabases without a recent dump: MySQL, MongoDB\n',
    );
    expect(refusals.content).toBe('nothing: it would run\n');
    expect(
      render(template.spec.output.links, {
        parameters,
        steps: { deprovision: { output: run } },
      }),
    ).toEqual([{ title: 'Folder removal commit', url: run.commitUrl }]);

    const dryRun = {
      deleted: [],
      refusals: ['confirm: "dem" is not the slug demo'],
      plan: { velero: { lastCompletedBackup: null }, missingDumps: [] },
    };
    const [none, noBackup, refused] = render(template.spec.output.text, {
      parameters,
      steps: { deprovision: { output: dryRun } },
    }) as Array<{ content: string }>;
    expect(none.content).toBe('Nothing (dry run)\n');
    expect(noBackup.content).toBe(
      'Last completed Velero backup: none\n\nDatabases without a recent dump: none\n',
    );
    expect(refused.content).toBe('confirm: "dem" is not the slug demo\n');
  });
});
