import type { WorkflowInfo, WorkflowRun } from '../actions';
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

  async function runJson(
    req: RouteRequest,
    info: RepositoryInfo,
    run: WorkflowRun,
  ) {
    const full = `${info.owner}/${info.name}`;
    const u = `${req.urls.api}/repos/${full}/actions/runs/${run.id}`;
    const repo = minimalRepository(req.urls, info, deps.ownerType(info.owner));
    const c = await git.readCommit(info.owner, info.name, run.headSha);
    return {
      id: run.id,
      name: run.workflowName,
      node_id: nodeId('WFR_', run.id),
      check_suite_id: run.id + 1,
      check_suite_node_id: nodeId('CS_', run.id + 1),
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
      pull_requests: [],
      created_at: iso(run.createdAt),
      updated_at: iso(run.updatedAt),
      actor: simpleUser(req.urls, run.actor, 'User'),
      triggering_actor: simpleUser(req.urls, run.actor, 'User'),
      run_attempt: 1,
      referenced_workflows: [],
      run_started_at: iso(run.runStartedAt),
      jobs_url: `${u}/jobs`,
      logs_url: `${u}/logs`,
      check_suite_url: `${req.urls.api}/repos/${full}/check-suites/${
        run.id + 1
      }`,
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
      head_repository: repo,
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

  function filterRuns(
    runs: WorkflowRun[],
    query: Record<string, unknown>,
  ): WorkflowRun[] {
    const status = queryString(query, 'status');
    const branch = queryString(query, 'branch');
    const event = queryString(query, 'event');
    const actor = queryString(query, 'actor');
    const headSha = queryString(query, 'head_sha');
    return runs.filter(
      r =>
        (!status || r.status === status || r.conclusion === status) &&
        (!branch || r.headBranch === branch) &&
        (!event || r.event === event) &&
        (!actor || r.actor === actor) &&
        (!headSha || r.headSha === headSha),
    );
  }

  async function runsPage(
    req: RouteRequest,
    info: RepositoryInfo,
    runs: WorkflowRun[],
  ) {
    const filtered = filterRuns(runs, req.query);
    const { items, pagination } = paginate(filtered, req.query);
    return {
      pagination,
      body: {
        total_count: filtered.length,
        workflow_runs: await Promise.all(items.map(r => runJson(req, info, r))),
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
