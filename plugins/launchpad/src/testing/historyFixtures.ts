import type { InstanceHistoryResponse } from '@internal/plugin-launchpad-common';
import type { TimelineEntry } from '../components/HistoryCard/timeline';
import { NOW, REVISION } from './statusFixtures';

/*
 * History answers as the `launchpad` backend builds them
 * (plugins/launchpad-backend/src/history/HistoryService.ts): workflow runs
 * named `<template without -template>-<slug>` with the sandbox templates'
 * steps (packages/sandbox/src/argo/templates.ts), Picasso builds of
 * `build.yml` with GitHub's run fields, and ArgoCD transitions, newest first,
 * on the same clock as the status fixtures (NOW).
 */

const NOW_MS = Date.parse(NOW);
/** `NOW` minus that many minutes, as the backend writes times. */
export const minutesAgo = (minutes: number) =>
  new Date(NOW_MS - minutes * 60_000).toISOString();

const PREVIOUS_REVISION = '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c';

function workflowRun(
  slug: string,
  template: string,
  startedMinutesAgo: number,
  phase: 'Succeeded' | 'Failed' | 'Running',
  failed?: { step: string; message: string },
): TimelineEntry {
  const startedAt = minutesAgo(startedMinutesAgo);
  const finishedAt =
    phase === 'Running' ? undefined : minutesAgo(startedMinutesAgo - 2);
  return {
    type: 'workflow',
    at: startedAt,
    name: `${template.replace(/-template$/, '')}-${slug}`,
    template,
    phase,
    startedAt,
    ...(finishedAt ? { finishedAt, durationSeconds: 120 } : {}),
    ...(failed ? { failedStep: failed.step, message: failed.message } : {}),
  };
}

/**
 * A new instance's story, oldest last: its application appears (resources
 * Missing), the three provision runs, the openedx build, the first sync,
 * Healthy, then Degraded 58 minutes before NOW (08:02 UTC).
 */
export function newInstanceHistory(slug = 'demo', cluster = 'staging') {
  const application = `${slug}-${cluster}`;
  const entries: TimelineEntry[] = [
    {
      type: 'argocd',
      at: minutesAgo(58),
      application,
      from: { sync: 'Synced', health: 'Healthy' },
      to: { sync: 'Synced', health: 'Degraded' },
      revision: REVISION,
      message: 'Deployment "lms" exceeded its progress deadline',
    },
    {
      type: 'argocd',
      at: minutesAgo(75),
      application,
      from: { sync: 'Synced', health: 'Progressing' },
      to: { sync: 'Synced', health: 'Healthy' },
      revision: REVISION,
    },
    {
      type: 'argocd',
      at: minutesAgo(80),
      application,
      from: { sync: 'OutOfSync', health: 'Missing' },
      to: { sync: 'Synced', health: 'Progressing' },
      revision: REVISION,
    },
    {
      type: 'build',
      at: minutesAgo(95),
      runId: 4242,
      service: 'openedx',
      status: 'completed',
      conclusion: 'success',
      durationSeconds: 540,
      image: `ghcr.io/acme-edu/${slug}-openedx:teak-4f2a9c1`,
      url: `https://github.com/acme-edu/launchpad-cluster-${cluster}/actions/runs/4242`,
    },
    workflowRun(slug, 'storage-provision-template', 100, 'Succeeded'),
    workflowRun(slug, 'mongodb-provision-template', 102, 'Succeeded'),
    workflowRun(slug, 'mysql-provision-template', 104, 'Succeeded'),
    {
      type: 'argocd',
      at: minutesAgo(105),
      application,
      to: { sync: 'OutOfSync', health: 'Missing' },
      revision: PREVIOUS_REVISION,
    },
  ];
  return entries;
}

/** A MySQL provision that failed at its `create-user` step, and a build that failed. */
export function failedProvisionHistory(slug = 'demo'): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    {
      type: 'build',
      at: minutesAgo(5),
      runId: 4243,
      service: 'mfe',
      status: 'completed',
      conclusion: 'failure',
      durationSeconds: 75,
      url: 'https://github.com/acme-edu/launchpad-cluster-staging/actions/runs/4243',
    },
    workflowRun(slug, 'mysql-provision-template', 12, 'Failed', {
      step: 'create-user',
      message: "ERROR 1044 (42000): Access denied for user 'launchpad'",
    }),
    workflowRun(slug, 'storage-deprovision-template', 3, 'Running'),
  ];
  return entries.sort((a, b) => b.at.localeCompare(a.at));
}

/** What `GET /instances/:namespace/:name/history` answers. */
export function historyResponse(
  items: TimelineEntry[],
  options: { cluster?: string; slug?: string; enabled?: boolean } = {},
): InstanceHistoryResponse {
  return {
    entityRef: `component:${options.cluster ?? 'staging'}/${
      options.slug ?? 'demo'
    }`,
    items,
    enabled: options.enabled ?? true,
  };
}
