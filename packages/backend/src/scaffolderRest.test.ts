/*
 * Automation creates an Open edX instance with one REST call: the real
 * backend (spawned, production configuration on the loopback PostgreSQL)
 * runs templates/new-openedx-instance against the sandbox, called with the
 * static automation token as a CI job would (a provision step failing once,
 * then `POST /v2/tasks/:id/retry`). The sandbox runs at speed 0 and
 * the test moves its clock, so workflows and builds advance only when the
 * test lets them (and stand still while the backend is down). Day two in the
 * same backend: what a user (the guest provider signed in as the catalog's
 * visitor) or the token may not run is refused, and a rebuild runs.
 */
import { randomBytes } from 'crypto';
import fs from 'fs';
import { startSandbox, type Sandbox } from '@internal/sandbox';
import YAML from 'yaml';
import { join } from 'path';
import {
  dropDatabases,
  freePort,
  ROOT,
  makeOverlayDir,
  type ProductionBackend,
  sandboxOverlay,
  startProductionBackend,
  waitFor,
} from './__testUtils__/productionBackend';
import { LAUNCHPAD_ACTIONS } from './permissions/policy';

const OWNER = 'acme-edu';
const REPO = 'launchpad-cluster-staging';
const TEMPLATE = 'template:default/new-openedx-instance';

interface TaskEvent {
  id: number;
  type: 'log' | 'completion' | 'cancelled' | 'recovered';
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    output?: { links?: Array<{ title?: string; url?: string }> };
    error?: { name?: string; message?: string };
  };
}

interface Task {
  id: string;
  status: string;
}

describe('new-openedx-instance over the scaffolder REST API (PostgreSQL, real backend)', () => {
  const prefix = `lp_rest_${randomBytes(4).toString('hex')}_`;
  const token = randomBytes(24).toString('hex');
  const fleetToken = randomBytes(24).toString('hex');
  let sandbox: Sandbox;
  let backend: ProductionBackend | undefined;
  let overlayDir: string;
  let port: number;

  const auth = () => ({ Authorization: `Bearer ${token}` });
  const api = (path: string) => `${backend!.baseUrl}/api/scaffolder${path}`;

  // The sandbox clock, moved by the test: 1 s of simulated time every 100 ms.
  let driving = false;
  let clockDriver: Promise<void> = Promise.resolve();
  const driveClock = () => {
    if (driving) return;
    driving = true;
    clockDriver = (async () => {
      while (driving) {
        await sandbox.settle(1000);
        await new Promise(r => setTimeout(r, 100));
      }
    })();
  };
  const stopClock = async () => {
    driving = false;
    await clockDriver;
  };

  const startBackend = async () => {
    backend = startProductionBackend({
      port,
      automationToken: token,
      githubToken: sandbox.github.token,
      overlayDir,
      overlay: {
        backend: {
          database: { prefix },
          // Production's automation token and a fleet token scoped as the
          // README's fleet example. Config merges replace arrays, so
          // production's entry is read from its file and kept as it is.
          auth: {
            externalAccess: [
              ...(
                YAML.parse(
                  fs.readFileSync(
                    join(ROOT, 'app-config.production.yaml'),
                    'utf8',
                  ),
                ) as { backend: { auth: { externalAccess: unknown[] } } }
              ).backend.auth.externalAccess,
              {
                type: 'static',
                options: {
                  token: fleetToken,
                  subject: 'launchpad-fleet-automation',
                },
                accessRestrictions: [
                  {
                    plugin: 'scaffolder',
                    permission: [
                      'scaffolder.task.create',
                      'scaffolder.task.read',
                      'scaffolder.template.parameter.read',
                      'scaffolder.template.step.read',
                      'scaffolder.action.execute',
                      'launchpad.fleet.upgrade',
                      'launchpad.instance.update',
                      'launchpad.build.dispatch',
                      'launchpad.argocd.sync',
                    ],
                  },
                  { plugin: 'catalog' },
                ],
              },
            ],
          },
        },
        ...sandboxOverlay(sandbox),
        // A signed-in user who is neither platform team nor owner, for the
        // day-two refusals: the guest provider signs in as the catalog's
        // user:default/visitor (catalog/org.yaml, no groups). Production
        // would use a real provider; the policy sees the same user.
        auth: {
          providers: {
            guest: {
              dangerouslyAllowOutsideDevelopment: true,
              userEntityRef: 'user:default/visitor',
              ownershipEntityRefs: ['user:default/visitor'],
            },
          },
        },
        // Short, so the restarted backend's recovery loop (every 10 s) takes
        // the task up in its first rounds; a few seconds more than the
        // heartbeat (every second) so a loaded machine never makes a live
        // task look stale. `minutes: 0` because config files merge objects
        // key by key: app-config.production.yaml's { minutes: 1 } plus
        // { seconds: 15 } alone made 75 s, and the test waited 60 s longer.
        scaffolder: {
          taskRecovery: { staleTimeout: { minutes: 0, seconds: 15 } },
        },
        catalog: {
          providers: {
            launchpad: {
              schedule: {
                frequency: { seconds: 10 },
                timeout: { minutes: 1 },
                initialDelay: { seconds: 1 },
              },
            },
          },
        },
      },
    });
    // Ready when the template and its owner group are in the catalog (the
    // scaffolder reads the template from there, the create action the owner).
    const started = backend;
    await waitFor(
      'the template and the platform team in the catalog',
      async () => {
        const [template, group] = await Promise.all(
          [
            'template/default/new-openedx-instance',
            'group/default/platform-team',
          ].map(ref =>
            fetch(`${started.baseUrl}/api/catalog/entities/by-name/${ref}`, {
              headers: auth(),
              signal: AbortSignal.timeout(10_000),
            }),
          ),
        );
        return template.ok && group.ok ? true : undefined;
      },
      180_000,
      started,
    );
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 0 });
    port = await freePort();
    overlayDir = makeOverlayDir();
    await startBackend();
  }, 200_000);

  afterAll(async () => {
    driving = false;
    await clockDriver;
    await backend?.stop();
    await sandbox?.stop();
    if (overlayDir) fs.rmSync(overlayDir, { recursive: true, force: true });
    await dropDatabases(prefix);
  }, 60_000);

  /** POST /v2/tasks as `bearer` (the automation token unless told). */
  const postTask = (
    templateRef: string,
    values: Record<string, unknown>,
    bearer = token,
  ) =>
    fetch(api('/v2/tasks'), {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ templateRef, values }),
      signal: AbortSignal.timeout(30_000),
    });
  const startTask = async (
    templateRef: string,
    values: Record<string, unknown>,
    bearer = token,
  ) => {
    const res = await postTask(templateRef, values, bearer);
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const createTask = (slug: string) =>
    startTask(TEMPLATE, {
      cluster: 'staging',
      slug,
      platformName: `Course ${slug}`,
      owner: 'group:default/platform-team',
    });

  const getTask = async (id: string): Promise<Task> => {
    const res = await fetch(api(`/v2/tasks/${id}`), {
      headers: auth(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Task;
  };

  /**
   * All the task's events so far. `GET /v2/tasks/:id/events?after=<id>` is a
   * long poll (it answers once there are newer events, or [] after 30 s;
   * the completion event is always included): here it is asked from the
   * start, so it answers at once.
   */
  const getEvents = async (id: string): Promise<TaskEvent[]> => {
    const res = await fetch(api(`/v2/tasks/${id}/events`), {
      headers: auth(),
      signal: AbortSignal.timeout(40_000),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as TaskEvent[];
  };
  /** The log lines, without the level prefix (`info: `, coloured) an action's logger adds. */
  const messages = (events: TaskEvent[]) =>
    events.flatMap(e =>
      e.body.message
        ? [
            e.body.message
              // eslint-disable-next-line no-control-regex -- ANSI colour codes
              .replace(/\u001b\[[0-9;]*m/g, '')
              .replace(/^(?:info|warn|error|debug): /, ''),
          ]
        : [],
    );

  /** Polls the task (and its events) until `done` says so; bounded. */
  const pollTask = async (
    id: string,
    what: string,
    done: (task: Task, events: TaskEvent[]) => boolean,
    timeoutMs: number,
  ) =>
    waitFor(
      what,
      async () => {
        const task = await getTask(id);
        const events = await getEvents(id);
        return done(task, events) ? { task, events } : undefined;
      },
      timeoutMs,
      backend!,
      500,
    );
  const finished = (task: Task) =>
    ['completed', 'failed', 'cancelled'].includes(task.status);

  const configPath = (slug: string) => `instances/${slug}/config.yml`;
  /** The commits on the branch after `base`, newest first. */
  const commitsSince = async (base: string) => {
    const commits: Array<{ sha: string; message: string }> = [];
    let sha = await sandbox.git.headSha(OWNER, REPO);
    while (sha !== base && commits.length < 100) {
      const commit = await sandbox.git.readCommit(OWNER, REPO, sha);
      commits.push({ sha, message: commit.message });
      sha = commit.parents[0];
    }
    return commits;
  };

  /** Requests the sandbox received by route since it started (GET /_sandbox/requests). */
  const requestCounts = async () => {
    const res = await fetch(`${sandbox.adminUrl}/requests`);
    const counts = (await res.json()) as {
      services: Record<string, { routes: Record<string, number> }>;
    };
    const sum = (service: string, match: RegExp) =>
      Object.entries(counts.services[service]?.routes ?? {})
        .filter(([route]) => match.test(route))
        .reduce((n, [, count]) => n + count, 0);
    return {
      // Workflow objects created, through the Kubernetes API or the Argo Server.
      workflowCreates:
        sum(
          'kubernetes',
          /^POST \/apis\/argoproj\.io\/v1alpha1\/namespaces\/\{namespace\}\/workflows$/,
        ) + sum('argo', /^POST \/argo\/api\/v1\/workflows\//),
      dispatches: sum(
        'github',
        /^POST \/repos\/\{owner\}\/\{repo\}\/actions\/workflows\/\{workflow_id\}\/dispatches$/,
      ),
    };
  };

  /** The generated passwords as committed to config.yml (writeSecrets: the default). */
  const passwordsOf = async (slug: string) => {
    const config = YAML.parse(
      (await sandbox.git.readFile(OWNER, REPO, configPath(slug))) ?? '{}',
    ) as Record<string, unknown>;
    return Object.entries(config)
      .filter(
        ([key, value]) => /PASSWORD/.test(key) && typeof value === 'string',
      )
      .map(([, value]) => String(value));
  };

  const readApplication = async (name: string) => {
    const cluster = sandbox.clusters[0];
    const res = await fetch(
      `${cluster.kubernetesUrl}/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/${name}`,
      { headers: { Authorization: `Bearer ${cluster.token}` } },
    );
    expect(res.status).toBe(200);
    return (await res.json()) as {
      status?: { sync?: { status?: string }; health?: { status?: string } };
    };
  };

  it('creates an instance from one POST (a provision step failing once, then the retry), then refuses the same slug again', async () => {
    // The actions as /create/actions lists them for the token: every
    // Launchpad action, with a description and examples (GET /v2/actions,
    // @backstage/plugin-scaffolder-backend's router).
    const actionsRes = await fetch(api('/v2/actions'), {
      headers: auth(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(actionsRes.status).toBe(200);
    const listed = (
      (await actionsRes.json()) as Array<{
        id: string;
        description?: string;
        examples?: Array<{ description?: string; example?: string }>;
      }>
    ).filter(a => a.id.startsWith('launchpad:'));
    expect(listed.map(a => a.id).sort()).toEqual(
      Object.keys(LAUNCHPAD_ACTIONS).sort(),
    );
    for (const action of listed) {
      expect({
        id: action.id,
        description: !!action.description?.trim(),
        examples: (action.examples ?? []).length > 0,
      }).toEqual({ id: action.id, description: true, examples: true });
    }

    const slug = 'rest-one';
    const base = await sandbox.git.headSha(OWNER, REPO);
    const before = await requestCounts();

    // MongoDB's first step fails until the fault is switched off: the task
    // stops mid-way, after the commit and the MySQL workflow.
    const faultRes = await fetch(`${sandbox.adminUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'workflow-step-fails',
        template: 'mongodb-provision-template',
        step: 'create-databases',
        message: 'Authentication failed',
      }),
    });
    expect(faultRes.status).toBe(201);
    const fault = (await faultRes.json()) as { id: string };

    const id = await createTask(slug);
    driveClock();
    const failedRun = await pollTask(
      id,
      'the task to fail at MongoDB',
      t => finished(t),
      240_000,
    );
    await stopClock();
    expect(
      (
        await fetch(`${sandbox.adminUrl}/faults/${fault.id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(204);
    const failure = new RegExp(
      `^Workflow ${slug}/mongodb-provision-${slug} Failed: step create-databases failed: Authentication failed`,
    );
    expect({
      status: failedRun.task.status,
      error: failedRun.events.find(e => e.type === 'completion')?.body.error
        ?.message,
    }).toEqual({ status: 'failed', error: expect.stringMatching(failure) });
    expect(
      failedRun.events.some(
        e => e.body.stepId === 'mongodb' && e.body.status === 'failed',
      ),
    ).toBe(true);
    // Stopped there: the commit and the first two workflows, no build.
    expect(await commitsSince(base)).toHaveLength(1);
    const atFailure = await requestCounts();
    expect(atFailure.workflowCreates - before.workflowCreates).toBe(2);
    expect(atFailure.dispatches - before.dispatches).toBe(0);

    // The retry, with the same token (scaffolder.task.create and
    // scaffolder.task.read on the task, as the router checks).
    const retry = await fetch(api(`/v2/tasks/${id}/retry`), {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({}),
      signal: AbortSignal.timeout(30_000),
    });
    expect(retry.status).toBe(201);
    driveClock();
    const { task, events } = await pollTask(
      id,
      'the retried task to finish',
      t => finished(t),
      240_000,
    );
    await stopClock();
    const log = messages(events);
    expect({
      status: task.status,
      log: task.status === 'completed' ? [] : log,
    }).toEqual({
      status: 'completed',
      log: [],
    });

    // The files, in the cluster repository's branch.
    const config = YAML.parse(
      (await sandbox.git.readFile(OWNER, REPO, configPath(slug)))!,
    ) as Record<string, unknown>;
    expect(config).toMatchObject({
      K8S_NAMESPACE: slug,
      PLATFORM_NAME: `Course ${slug}`,
      LMS_HOST: `${slug}.${sandbox.clusters[0].domain}`,
      MYSQL_DATABASE: `launchpad-${slug}-openedx`,
      PORTAL_OWNER: 'group:default/platform-team',
    });
    const application = YAML.parse(
      (await sandbox.git.readFile(
        OWNER,
        REPO,
        `instances/${slug}/application.yml`,
      ))!,
    ) as { metadata: { name: string } };
    expect(application.metadata.name).toBe(`${slug}-staging`);

    // The three provision workflows Succeeded, each named in the task log.
    for (const kind of ['mysql', 'mongodb', 'storage']) {
      expect(log).toContain(
        `Workflow ${slug}/${kind}-provision-${slug} Succeeded`,
      );
    }
    // The Application is Synced and Healthy.
    const app = await readApplication(`${slug}-staging`);
    expect(app.status?.sync?.status).toBe('Synced');
    expect(app.status?.health?.status).toBe('Healthy');

    // The output: LMS, Studio, the commit, the build run and the entity.
    const completion = events.find(e => e.type === 'completion');
    const links = completion?.body.output?.links ?? [];
    const link = (title: string | RegExp) =>
      links.find(l =>
        typeof title === 'string'
          ? l.title === title
          : title.test(l.title ?? ''),
      )?.url;
    expect(link('LMS')).toBe(`https://${slug}.${sandbox.clusters[0].domain}`);
    expect(link(/^Commit/)).toMatch(/\/commit\/[0-9a-f]{40}$/);
    const runUrl = link('Open edX image build');
    expect(runUrl).toMatch(/\/actions\/runs\/\d+$/);
    // That run completed successfully (GitHub's REST API, as a user would check).
    const runId = /\/actions\/runs\/(\d+)$/.exec(runUrl!)![1];
    const run = (await (
      await fetch(
        `${sandbox.github.url}/repos/${OWNER}/${REPO}/actions/runs/${runId}`,
        { headers: { Authorization: `Bearer ${sandbox.github.token}` } },
      )
    ).json()) as { status: string; conclusion: string };
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success' });

    // The retry ran the steps after the ones that completed (task
    // recovery is on: NunjucksWorkflowRunner skips them) and replaced the
    // failed Workflow (its checkpoint failed, so it ran again).
    for (const step of ['create', 'prepare', 'mysql']) {
      expect(log).toContain(
        `Skipping step ${step} because it was already completed in a previous run`,
      );
    }
    expect(log).toContain(
      `Workflow ${slug}/mongodb-provision-${slug} failed earlier; deleting it and submitting again`,
    );
    const submitted = (kind: string) =>
      log.filter(m =>
        m.startsWith(`Submitted workflow ${slug}/${kind}-provision-${slug} `),
      ).length;
    expect({
      mysql: submitted('mysql'),
      mongodb: submitted('mongodb'),
      storage: submitted('storage'),
    }).toEqual({ mysql: 1, mongodb: 2, storage: 1 });

    // One commit of the files and one per build (the first renders env/).
    const commits = await commitsSince(base);
    expect(commits).toHaveLength(3);
    expect(
      commits.filter(c =>
        c.message.startsWith(`Add Open edX instance ${slug}\n`),
      ),
    ).toHaveLength(1);
    const after = await requestCounts();
    expect(after.workflowCreates - before.workflowCreates).toBe(4);
    expect(after.dispatches - before.dispatches).toBe(2);

    // No generated password in any event or output.
    const passwords = await passwordsOf(slug);
    expect(passwords.length).toBeGreaterThan(0);
    const everything = JSON.stringify([task, events]);
    for (const password of passwords) {
      expect(everything).not.toContain(password);
    }

    // The same slug again fails before any side effect, naming the slug.
    const head = await sandbox.git.headSha(OWNER, REPO);
    const again = await createTask(slug);
    const second = await pollTask(
      again,
      'the second task to fail',
      t => finished(t),
      60_000,
    );
    expect(second.task.status).toBe('failed');
    expect(messages(second.events).join('\n')).toContain(
      `slug "${slug}" is taken in staging`,
    );
    expect(await sandbox.git.headSha(OWNER, REPO)).toBe(head);
  }, 400_000);

  it('day two over REST: the templates a user or token may not run are refused, a rebuild runs', async () => {
    // The visitor's token, as the app gets it after signing in.
    const signIn = await fetch(`${backend!.baseUrl}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
      signal: AbortSignal.timeout(10_000),
    });
    expect(signIn.status).toBe(200);
    const visitor = (
      (await signIn.json()) as { backstageIdentity: { token: string } }
    ).backstageIdentity.token;

    // The Create page's list: the templates the catalog returns to the
    // caller. The visitor (no group) is offered Launchpad's per-instance
    // templates only; the token reads the catalog unrestricted.
    const templates = async (bearer: string) => {
      const res = await fetch(
        `${
          backend!.baseUrl
        }/api/catalog/entities/by-query?filter=kind=template&fields=metadata.name`,
        {
          headers: { Authorization: `Bearer ${bearer}` },
          signal: AbortSignal.timeout(10_000),
        },
      );
      expect(res.status).toBe(200);
      return (
        (await res.json()) as { items: Array<{ metadata: { name: string } }> }
      ).items.map(e => e.metadata.name);
    };
    const offered = await templates(visitor);
    expect(offered).toEqual(
      expect.arrayContaining(['rebuild-images', 'upgrade-instance']),
    );
    for (const hidden of [
      'deprovision-instance',
      'fleet-upgrade',
      'new-openedx-instance',
    ]) {
      expect(offered).not.toContain(hidden);
    }
    expect(await templates(token)).toEqual(
      expect.arrayContaining([
        'deprovision-instance',
        'fleet-upgrade',
        'rebuild-images',
      ]),
    );

    const head = await sandbox.git.headSha(OWNER, REPO);
    const before = await requestCounts();
    const deprovision = {
      instance: 'component:staging/physics-101',
      confirm: 'physics-101',
      acknowledgeNoRecentDump: true,
    };
    // A template hidden from the visitor does not exist for it: no task.
    const hidden = await postTask(
      'template:default/deprovision-instance',
      deprovision,
      visitor,
    );
    expect(hidden.status).toBe(404);

    // The token may start the task (scaffolder.task.create) but not its
    // step: launchpad.instance.delete is not in its accessRestrictions, so
    // the scaffolder refuses the action before it runs
    // (NunjucksWorkflowRunner: NotAllowedError "Unauthorized action").
    const refused = await startTask(
      'template:default/deprovision-instance',
      deprovision,
    );
    // The visitor may start rebuild-images (whether it may build is per
    // instance): the action's own check refuses physics-101, which
    // physics-dept owns.
    const notOwner = await startTask(
      'template:default/rebuild-images',
      { instance: 'component:staging/physics-101', services: ['openedx'] },
      visitor,
    );
    for (const [id, reason] of [
      [refused, 'Unauthorized action: launchpad:instance:delete'],
      [
        notOwner,
        'user:default/visitor may not launchpad.build.dispatch on component:staging/physics-101',
      ],
    ]) {
      const { task, events } = await pollTask(
        id,
        `the refused task ${id}`,
        t => finished(t),
        30_000,
      );
      expect(task.status).toBe('failed');
      expect(JSON.stringify(events)).toContain(reason);
    }
    // Refused before any side effect: no commit, no workflow, no build.
    expect(await sandbox.git.headSha(OWNER, REPO)).toBe(head);
    expect(await requestCounts()).toEqual(before);

    // What the token holds (launchpad.build.dispatch, launchpad.argocd.sync):
    // a rebuild of staging's demo runs, one build and a sync to Healthy.
    const rebuild = await startTask('template:default/rebuild-images', {
      instance: 'component:staging/demo',
      services: ['openedx'],
    });
    driveClock();
    const { task, events } = await pollTask(
      rebuild,
      'the rebuild to finish',
      t => finished(t),
      60_000,
    );
    await stopClock();
    expect({
      status: task.status,
      log: task.status === 'completed' ? [] : messages(events),
    }).toEqual({ status: 'completed', log: [] });
    expect((await requestCounts()).dispatches - before.dispatches).toBe(1);
    const app = await readApplication('demo-staging');
    expect(app.status?.health?.status).toBe('Healthy');
  }, 120_000);

  it('from automation with a fleet token: the fleet plan, then one instance upgraded', async () => {
    const head = await sandbox.git.headSha(OWNER, REPO);
    const before = await requestCounts();
    const target = { release: 'release/teak.4', tutorVersion: 'v20.0.6' };
    // The plan only (the README's first curl): nothing changes.
    const plan = await startTask(
      'template:default/fleet-upgrade',
      { cluster: 'staging', slugs: ['demo'], ...target, dryRun: true },
      fleetToken,
    );
    const planned = await pollTask(
      plan,
      'the fleet plan',
      t => finished(t),
      30_000,
    );
    expect(planned.task.status).toBe('completed');
    expect(messages(planned.events).join('\n')).toContain(
      'Fleet upgrade of staging to release/teak.4 (Tutor v20.0.6): 1 to upgrade (canaries: demo;',
    );
    expect(await sandbox.git.headSha(OWNER, REPO)).toBe(head);
    expect(await requestCounts()).toEqual(before);

    // upgrade-instance with the same token: backup, one commit, both builds,
    // a sync waited Healthy.
    const upgrade = await startTask(
      'template:default/upgrade-instance',
      { instance: 'component:staging/demo', ...target },
      fleetToken,
    );
    driveClock();
    const { task, events } = await pollTask(
      upgrade,
      'the upgrade to finish',
      t => finished(t),
      120_000,
    );
    await stopClock();
    expect({
      status: task.status,
      log: task.status === 'completed' ? [] : messages(events),
    }).toEqual({ status: 'completed', log: [] });
    expect(messages(events).join('\n')).not.toContain('rolled back');
    const config = YAML.parse(
      (await sandbox.git.readFile(OWNER, REPO, configPath('demo')))!,
    ) as Record<string, unknown>;
    expect(config).toMatchObject({
      EDX_PLATFORM_VERSION: 'release/teak.4',
      TUTOR_VERSION: 'v20.0.6',
    });
    expect((await requestCounts()).dispatches - before.dispatches).toBe(2);
    const app = await readApplication('demo-staging');
    expect(app.status?.health?.status).toBe('Healthy');
  }, 180_000);

  it('a task whose backend dies while it waits for a workflow completes after the restart, with nothing twice', async () => {
    const slug = 'rest-restart';
    const base = await sandbox.git.headSha(OWNER, REPO);
    const before = await requestCounts();

    const id = await createTask(slug);
    driveClock();
    // Waiting for the MySQL workflow: submitted, not finished.
    await pollTask(
      id,
      'the MySQL workflow submitted',
      (task, events) =>
        finished(task) ||
        messages(events).some(m =>
          m.startsWith(`Submitted workflow ${slug}/mysql-provision-${slug}`),
        ),
      120_000,
    );
    await stopClock();
    expect((await getTask(id)).status).toBe('processing');
    const workflow = `${slug}/mysql-provision-${slug}`;

    // A crash, not a graceful stop: SIGKILL to the process group, awaited.
    await backend!.stop('SIGKILL');
    await startBackend();

    // The clock stands still until the task is recovered: a Workflow that
    // finished and was garbage-collected (ttlStrategy) while no backend ran
    // cannot be found again, and would be submitted a second time.
    await pollTask(
      id,
      'the task recovered',
      (_task, events) => events.some(e => e.type === 'recovered'),
      180_000,
    );
    driveClock();
    const { task, events } = await pollTask(
      id,
      'the recovered task to finish',
      t => finished(t),
      300_000,
    );
    await stopClock();
    const log = messages(events);
    expect({
      status: task.status,
      log: task.status === 'completed' ? [] : log,
    }).toEqual({
      status: 'completed',
      log: [],
    });
    expect(events.some(e => e.type === 'recovered')).toBe(true);
    expect(log).toContain(
      'Skipping step create because it was already completed in a previous run',
    );
    // The recovered step found the Workflow it had submitted and waited for it.
    expect({
      log: log.filter(m => m.includes('mysql-provision')),
    }).toEqual({
      log: expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^Workflow ${workflow} already exists`),
        ),
      ]),
    });
    for (const kind of ['mysql', 'mongodb', 'storage']) {
      expect(log).toContain(
        `Workflow ${slug}/${kind}-provision-${slug} Succeeded`,
      );
    }

    // No duplicate commit, workflow or build.
    expect(await commitsSince(base)).toHaveLength(3);
    const after = await requestCounts();
    expect(after.workflowCreates - before.workflowCreates).toBe(3);
    expect(after.dispatches - before.dispatches).toBe(2);
  }, 600_000);
});
