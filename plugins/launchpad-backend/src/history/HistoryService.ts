import type {
  InstanceHistoryEntry,
  InstanceHistoryResponse,
} from '@internal/plugin-launchpad-common';
import type { InstanceTarget } from '../status/StatusService';
import type { HistoryStore } from './HistoryStore';

/** An instance's recorded history, newest first: workflow runs and ArgoCD transitions in one order. */
export class HistoryService {
  constructor(private readonly store: HistoryStore | undefined) {}

  async instanceHistory(
    target: InstanceTarget,
    limit = 100,
  ): Promise<InstanceHistoryResponse> {
    if (!this.store) {
      return { entityRef: target.entityRef, items: [], enabled: false };
    }
    const [runs, transitions] = await Promise.all([
      this.store.workflowRuns(target.cluster, target.namespace, limit),
      target.application
        ? this.store.transitions(target.cluster, target.application, limit)
        : Promise.resolve([]),
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
