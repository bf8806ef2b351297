/*
 * Status derivation: pure functions from raw Kubernetes objects (ArgoCD
 * Applications, HPAs, Argo Workflows, CronJobs, Velero Backups and Schedules)
 * to what the cards and the fleet table show. Browser and Node; they take
 * `unknown` and never throw.
 */
export * from './problems';
export * from './argocd';
export * from './autoscaler';
export * from './workflow';
export * from './cronjob';
export * from './backup';
export * from './workloads';
export * from './api';
export * from './instance';
export * from './drift';
export { cronPeriodMs } from './cron';
