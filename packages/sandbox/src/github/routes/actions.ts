import type { WorkflowInfo, WorkflowRun } from '../actions';
import { inSpan, parseDateQuery } from '../dateQuery';
import { notFound, paginate, queryString } from '../http';
import type { RouteDef, RouteRequest } from '../http';
import type { RepositoryInfo } from '../gitStore';
import { iso, minimalRepository, nodeId, simpleUser } from '../representations';
import { requireRepo } from './deps';
import type { ApiDeps } from './deps';

/** Steps before a failed one succeeded, the failed one failed, later ones were skipped. */
function stepConclusion(
  index: number,
  failedAt: number,
): 'success' | 'failure' | 'skipped' {
  if (failedAt < 0 || index < failedAt) return 'success';
  return index === failedAt ? 'failure' : 'skipped';
}

/** Each run has its own check suite (one attempt per run here). */
function checkSuiteId(run: WorkflowRun): number {
  return run.id + 1;
}

export function actionRoutes(deps: ApiDeps): RouteDef[] {
  const { actions, git } = deps;

  function workflowJson(
    req: RouteRequest,
    info: RepositoryInfo,
    w: WorkflowInfo,
  ) {
    const full = `${info.owner}/${info.name}`;
    const file = w.path.split('/').pop();
    return {
      id: w.id,
      node_id: nodeId('W_', w.id),
      name: w.name,
      path: w.path,
      state: 'active',
      created_at: iso(w.createdAt),
      updated_at: iso(w.createdAt),
      url: `${req.urls.api}/repos/${full}/actions/workflows/${w.id}`,
      html_url: `${req.urls.html}/${full}/blob/${info.defaultBranch}/${w.path}`,
      badge_url: `${req.urls.html}/${full}/workflows/${file}/badge.svg`,
    };
  }

  /**
   * GitHub's `pull_requests` of a run: "Pull requests that are open with a
   * `head_sha` or `head_branch` that matches the workflow run" (the
   * workflow-run schema's description), as `pull-request-minimal`.
   */
  async function runPullRequests(
    req: RouteRequest,
    info: RepositoryInfo,
    run: WorkflowRun,
  ) {
    const full = `${info.owner}/${info.name}`;
    const repo = {
      id: info.id,
      url: `${req.urls.api}/repos/${full}`,
      name: info.name,
    };
    const out = [];
    for (const pr of deps.pulls.list(info)) {
      if (pr.state !== 'open') continue;
      const shas = await deps.pulls.shas(info, pr);
      if (pr.head !== run.headBranch && shas.head !== run.headSha) continue;
      out.push({
        id: pr.id,
        number: pr.number,
        url: `${req.urls.api}/repos/${full}/pulls/${pr.number}`,
        head: { ref: pr.head, sha: shas.head ?? '', repo },
        base: { ref: pr.base, sha: shas.base ?? '', repo },
      });
    }
    return out;
  }

  async function runJson(
    req: RouteRequest,
    info: RepositoryInfo,
    run: WorkflowRun,
    options: { excludePullRequests?: boolean } = {},
  ) {
    const full = `${info.owner}/${info.name}`;
    const u = `${req.urls.api}/repos/${full}/actions/runs/${run.id}`;
    const repo = minimalRepository(req.urls, info, deps.ownerType(info.owner));
    const c = await git.readCommit(info.owner, info.name, run.headSha);
    return {
      id: run.id,
      name: run.workflowName,
      node_id: nodeId('WFR_', run.id),
      check_suite_id: checkSuiteId(run),
      check_suite_node_id: nodeId('CS_', checkSuiteId(run)),
      head_branch: run.headBranch,
      head_sha: run.headSha,
      path: run.workflowPath,
      display_title: run.displayTitle,
      run_number: run.runNumber,
      event: run.event,
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: run.workflowId,
      url: u,
      html_url: `${req.urls.html}/${full}/actions/runs/${run.id}`,
      pull_requests: options.excludePullRequests
        ? []
        : await runPullRequests(req, info, run),
      created_at: iso(run.createdAt),
      updated_at: iso(run.updatedAt),
      actor: simpleUser(req.urls, run.actor, 'User'),
      triggering_actor: simpleUser(req.urls, run.actor, 'User'),
      run_attempt: 1,
      referenced_workflows: [],
      run_started_at: iso(run.runStartedAt),
      jobs_url: `${u}/jobs`,
      logs_url: `${u}/logs`,
      check_suite_url: `${
        req.urls.api
      }/repos/${full}/check-suites/${checkSuiteId(run)}`,
      artifacts_url: `${u}/artifacts`,
      cancel_url: `${u}/cancel`,
      rerun_url: `${u}/rerun`,
      previous_attempt_url: null,
      workflow_url: `${req.urls.api}/repos/${full}/actions/workflows/${run.workflowId}`,
      head_commit: {
        id: c.sha,
        tree_id: c.tree,
        message: c.message.replace(/\n$/, ''),
        timestamp: iso(c.committer.date),
        author: { name: c.author.name, email: c.author.email },
        committer: { name: c.committer.name, email: c.committer.email },
      },
      repository: repo,
      // Dispatched runs build the repository's own branch: the head
      // repository is the repository (forks only differ for pull_request runs).
      head_repository: repo,
      head_repository_id: info.id,
    };
  }

  /** One job whose steps follow the run: each step completes in turn. */
  function jobJson(req: RouteRequest, info: RepositoryInfo, run: WorkflowRun) {
    const full = `${info.owner}/${info.name}`;
    const jobId = run.id * 10 + 1;
    const service = run.inputs.SERVICE;
    const name = service ? `Build ${service} image` : 'build';
    const started = run.startedAt ?? null;
    const names = [
      'Set up job',
      'Check out strain',
      'Build image',
      'Push image',
      'Commit image tag and manifests',
      'Complete job',
    ];
    const failedAt = run.conclusion === 'failure' ? 2 : -1;
    const steps = names.map((stepName, i) => {
      let status: 'queued' | 'in_progress' | 'completed' = 'queued';
      let conclusion: string | null = null;
      if (run.status === 'completed') {
        status = 'completed';
        conclusion = stepConclusion(i, failedAt);
      } else if (run.status === 'in_progress' && i === 0) {
        status = 'completed';
        conclusion = 'success';
      } else if (run.status === 'in_progress' && i === 1) {
        status = 'in_progress';
      }
      return {
        name: stepName,
        status,
        conclusion,
        number: i + 1,
        started_at: status !== 'queued' && started ? iso(started) : null,
        completed_at:
          status === 'completed' && run.completedAt
            ? iso(run.completedAt)
            : null,
      };
    });
    return {
      id: jobId,
      run_id: run.id,
      run_url: `${req.urls.api}/repos/${full}/actions/runs/${run.id}`,
      run_attempt: 1,
      node_id: nodeId('CR_', jobId),
      head_sha: run.headSha,
      head_branch: run.headBranch,
      url: `${req.urls.api}/repos/${full}/actions/jobs/${jobId}`,
      html_url: `${req.urls.html}/${full}/actions/runs/${run.id}/job/${jobId}`,
      status: run.status,
      conclusion: run.conclusion,
      created_at: iso(run.createdAt),
      started_at: iso(started ?? run.createdAt),
      completed_at: run.completedAt ? iso(run.completedAt) : null,
      name,
      steps,
      check_run_url: `${req.urls.api}/repos/${full}/check-runs/${jobId}`,
      labels: ['ubuntu-latest'],
      runner_id: run.status === 'queued' ? null : 1,
      runner_name: run.status === 'queued' ? null : 'GitHub Actions 1',
      runner_group_id: run.status === 'queued' ? null : 1,
      runner_group_name: run.status === 'queued' ? null : 'GitHub Actions',
      workflow_name: run.workflowName,
    };
  }

  /**
   * The listing filters GitHub documents for both run listings
   * (https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository):
   * `status` matches a run's status or its conclusion, `created` takes the
   * search syntax for dates, `actor` is a login (case-insensitive, as logins are).
   */
  function filterRuns(
    runs: WorkflowRun[],
    query: Record<string, unknown>,
  ): WorkflowRun[] {
    const status = queryString(query, 'status');
    const branch = queryString(query, 'branch');
    const event = queryString(query, 'event');
    const actor = queryString(query, 'actor')?.toLowerCase();
    const headSha = queryString(query, 'head_sha');
    const checkSuite = queryString(query, 'check_suite_id');
    const createdQuery = queryString(query, 'created');
    const created =
      createdQuery === undefined ? undefined : parseDateQuery(createdQuery);
    // A value GitHub cannot read matches no run: `created=2023-05-11T00:00:00+08:00..*`
    // with the `+` unencoded (a space once decoded) answers total_count 0
    // (github/rest-api-description#2542), not an error.
    if (createdQuery !== undefined && !created) return [];
    return runs.filter(
      r =>
        (!status || r.status === status || r.conclusion === status) &&
        (!branch || r.headBranch === branch) &&
        (!event || r.event === event) &&
        (!actor || r.actor.toLowerCase() === actor) &&
        (!headSha || r.headSha === headSha) &&
        (!checkSuite || checkSuiteId(r) === Number(checkSuite)) &&
        (!created || inSpan(created, r.createdAt)),
    );
  }

  async function runsPage(
    req: RouteRequest,
    info: RepositoryInfo,
    runs: WorkflowRun[],
  ) {
    const filtered = filterRuns(runs, req.query);
    const { items, pagination } = paginate(filtered, req.query);
    const excludePullRequests =
      queryString(req.query, 'exclude_pull_requests') === 'true';
    return {
      pagination,
      body: {
        total_count: filtered.length,
        workflow_runs: await Promise.all(
          items.map(r => runJson(req, info, r, { excludePullRequests })),
        ),
      },
    };
  }

  function requireRun(
    info: RepositoryInfo,
    params: Record<string, string>,
  ): WorkflowRun {
    const run = actions.getRun(info, Number(params.run_id));
    if (!run) throw notFound();
    return run;
  }

  return [
    {
      operationId: 'actions/list-repo-workflows',
      handler: async req => {
        const info = requireRepo(deps, req);
        const workflows = await actions.listWorkflows(info);
        const { items, pagination } = paginate(workflows, req.query);
        return {
          pagination,
          body: {
            total_count: workflows.length,
            workflows: items.map(w => workflowJson(req, info, w)),
          },
        };
      },
    },
    {
      operationId: 'actions/get-workflow',
      handler: async req => {
        const info = requireRepo(deps, req);
        return {
          body: workflowJson(
            req,
            info,
            await actions.getWorkflow(info, req.params.workflow_id),
          ),
        };
      },
    },
    {
      operationId: 'actions/create-workflow-dispatch',
      handler: async req => {
        const info = requireRepo(deps, req);
        const body = req.body as {
          ref: string;
          inputs?: Record<string, unknown>;
          return_run_details?: boolean;
        };
        const run = await actions.dispatch(
          info,
          req.params.workflow_id,
          body.ref,
          body.inputs ?? {},
          req.login,
        );
        if (!body.return_run_details) return { status: 204 };
        const full = `${info.owner}/${info.name}`;
        return {
          status: 200,
          body: {
            workflow_run_id: run.id,
            run_url: `${req.urls.api}/repos/${full}/actions/runs/${run.id}`,
            html_url: `${req.urls.html}/${full}/actions/runs/${run.id}`,
          },
        };
      },
    },
    {
      operationId: 'actions/list-workflow-runs',
      handler: async req => {
        const info = requireRepo(deps, req);
        const workflow = await actions.getWorkflow(
          info,
          req.params.workflow_id,
        );
        return runsPage(req, info, actions.listRuns(info, workflow.id));
      },
    },
    {
      operationId: 'actions/list-workflow-runs-for-repo',
      handler: async req => {
        const info = requireRepo(deps, req);
        return runsPage(req, info, actions.listRuns(info));
      },
    },
    {
      operationId: 'actions/get-workflow-run',
      handler: async req => {
        const info = requireRepo(deps, req);
        return { body: await runJson(req, info, requireRun(info, req.params)) };
      },
    },
    {
      operationId: 'actions/list-jobs-for-workflow-run',
      handler: async req => {
        const info = requireRepo(deps, req);
        const run = requireRun(info, req.params);
        return { body: { total_count: 1, jobs: [jobJson(req, info, run)] } };
      },
    },
  ];
}
