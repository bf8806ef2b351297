import type {
  InstanceHistoryEntry,
  InstanceHistoryResponse,
} from '@internal/plugin-launchpad-common';
import { parseEntityRef } from '@backstage/catalog-model';
import type { InstanceTarget } from '../status/StatusService';
import type { BuildRunsStore } from './BuildRunsStore';
import type { HistoryStore } from './HistoryStore';

/** An instance's recorded history, newest first: workflow runs, Picasso builds and ArgoCD transitions in one order. */
export class HistoryService {
  constructor(
    private readonly store: HistoryStore | undefined,
    private readonly builds?: BuildRunsStore,
  ) {}

  async instanceHistory(
    target: InstanceTarget,
    limit = 100,
  ): Promise<InstanceHistoryResponse> {
    if (!this.store) {
      return { entityRef: target.entityRef, items: [], enabled: false };
    }
    // Builds name the instance by slug: the entity's name (component:<cluster>/<slug>).
    const slug = parseEntityRef(target.entityRef).name;
    const [runs, transitions, builds] = await Promise.all([
      this.store.workflowRuns(target.cluster, target.namespace, limit),
      target.application
        ? this.store.transitions(target.cluster, target.application, limit)
        : Promise.resolve([]),
      this.builds?.runs(target.cluster, slug, limit) ?? Promise.resolve([]),
    ]);
    const items: InstanceHistoryEntry[] = [
      ...runs.map(
        (r): InstanceHistoryEntry => ({
          type: 'workflow',
          at: r.startedAt ?? r.finishedAt ?? '',
          name: r.name,
          template: r.template,
          phase: r.phase,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          durationSeconds: duration(r.startedAt, r.finishedAt),
          failedStep: r.failedStep,
          message: r.message,
          // Only when set, as the type says.
          ...(r.suspended && { suspended: true }),
          ...(r.nodesOffloaded && { nodesOffloaded: true }),
        }),
      ),
      ...transitions.map(
        (t): InstanceHistoryEntry => ({
          type: 'argocd',
          at: new Date(t.at).toISOString(),
          application: t.application,
          from: t.from,
          to: { sync: t.to.sync, health: t.to.health },
          revision: t.to.revision,
          message: t.message,
        }),
      ),
      ...builds.map(
        (b): InstanceHistoryEntry => ({
          type: 'build',
          at: b.startedAt,
          runId: b.runId,
          service: b.service,
          status: b.status,
          conclusion: b.conclusion,
          durationSeconds: b.durationSeconds,
          image: b.image,
          url: b.url,
        }),
      ),
    ];
    items.sort((a, b) => b.at.localeCompare(a.at));
    return {
      entityRef: target.entityRef,
      items: items.slice(0, limit),
      enabled: true,
    };
  }
}

function duration(start?: string, end?: string): number | undefined {
  if (!start || !end) return undefined;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 1000) : undefined;
}
