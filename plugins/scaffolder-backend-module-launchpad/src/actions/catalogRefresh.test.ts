import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  actionContext,
  exampleInputs,
  useActionSandbox,
} from '../__testUtils__';
import { createCatalogRefreshAction } from './catalogRefresh';
import { examples } from './catalogRefresh.examples';

const TOPIC = 'launchpad.repository.changed';

describe('launchpad:catalog:refresh', () => {
  const { build } = useActionSandbox(createCatalogRefreshAction);
  const [waitExample, noWaitExample, ...others] = exampleInputs(
    examples,
    'launchpad:catalog:refresh',
  );

  /**
   * The action under test with a catalog in which `ref` appears `delayMs`
   * after the refresh event is published, as the provider's refresh would
   * add it (it never appears when no event is published).
   */
  const withProvider = (ref: string, delayMs: number) => {
    const { action, deps } = build();
    let appeared = false;
    deps.events.publish.mockImplementation(async () => {
      setTimeout(() => {
        appeared = true;
      }, delayMs);
    });
    const original = deps.catalog.getEntityByRef.bind(deps.catalog);
    jest
      .spyOn(deps.catalog, 'getEntityByRef')
      .mockImplementation(async (wanted, options) =>
        appeared && wanted === ref
          ? ({ kind: 'Component', metadata: { name: 'x' } } as Entity)
          : original(wanted, options),
      );
    return { action, deps };
  };

  it('has the two examples this file runs', () => {
    expect(others).toEqual([]);
    expect(waitExample.input.slug).toBe('chem-201');
    expect(noWaitExample.input.slug).toBeUndefined();
  });

  it(`example: ${waitExample.description}`, async () => {
    const { action, deps } = withProvider('component:staging/chem-201', 100);
    const { ctx, outputs, lines } = actionContext(action, {
      ...waitExample.input,
      pollIntervalSeconds: 0.05,
    });
    await action.handler(ctx);
    expect(deps.events.publish).toHaveBeenCalledTimes(1);
    expect(deps.events.publish).toHaveBeenCalledWith({
      topic: TOPIC,
      eventPayload: { cluster: 'staging' },
    });
    expect(outputs).toEqual({
      entityRef: 'component:staging/chem-201',
      inCatalog: true,
    });
    expect(lines()).toEqual([
      'Asked the catalog to read acme-edu/launchpad-cluster-staging again (launchpad.repository.changed)',
      'component:staging/chem-201 is in the catalog',
    ]);
  }, 30_000);

  it(`example: ${noWaitExample.description}`, async () => {
    const { action, deps } = build();
    const { ctx, outputs } = actionContext(action, noWaitExample.input);
    await action.handler(ctx);
    expect(deps.events.publish).toHaveBeenCalledWith({
      topic: TOPIC,
      eventPayload: { cluster: 'production' },
    });
    expect(outputs).toEqual({ inCatalog: false });
  }, 30_000);

  it('warns, without failing, when the entity does not appear in time', async () => {
    // The provider never adds it: the event reaches nobody.
    const { action } = withProvider('component:staging/other', 0);
    const { ctx, outputs, logger } = actionContext(action, {
      cluster: 'staging',
      slug: 'never-there',
      timeoutSeconds: 0.2,
      pollIntervalSeconds: 0.05,
    });
    const started = Date.now();
    await action.handler(ctx);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outputs).toEqual({
      entityRef: 'component:staging/never-there',
      inCatalog: false,
    });
    expect(String(logger.warn.mock.calls[0]?.[0])).toContain(
      'component:staging/never-there is not in the catalog after 0.2 s',
    );
  }, 30_000);

  it('finds an entity already in the catalog at once, and a dry run publishes nothing', async () => {
    const { action, deps } = build();
    const dry = actionContext(
      action,
      { cluster: 'staging', slug: 'in-catalog' },
      { isDryRun: true },
    );
    await action.handler(dry.ctx);
    expect(dry.outputs).toEqual({
      entityRef: 'component:staging/in-catalog',
      inCatalog: true,
    });
    expect(deps.events.publish).not.toHaveBeenCalled();
  }, 30_000);

  it('refuses an unknown cluster and an invalid slug, naming them, before publishing', async () => {
    const { action, deps } = build();
    for (const [input, message] of [
      [{ cluster: 'nowhere' }, 'cluster "nowhere" is not a Launchpad cluster'],
      [{ cluster: 'staging', slug: 'Bad_Slug' }, 'slug "Bad_Slug" is invalid'],
    ] as const) {
      const { ctx } = actionContext(action, input);
      const error = await action.handler(ctx).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toContain(message);
    }
    expect(deps.events.publish).not.toHaveBeenCalled();
  }, 30_000);

  it('stops waiting when the task is cancelled', async () => {
    const { action } = withProvider('component:staging/other', 0);
    const controller = new AbortController();
    const { ctx } = actionContext(
      action,
      { cluster: 'staging', slug: 'cancelled', pollIntervalSeconds: 10 },
      { signal: controller.signal },
    );
    const running = action.handler(ctx);
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toThrow();
  }, 30_000);
});
