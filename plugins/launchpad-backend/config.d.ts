export interface Config {
  launchpad?: {
    /** Who the permission policy (packages/backend) treats as the platform team. */
    permissions?: {
      /** Group refs whose members may do everything (default `group:default/platform-team`). */
      platformTeams?: string[];
    };
    /** How the status caches watch the clusters (all optional). */
    status?: {
      /** Server-side timeout asked for each watch, in seconds (default 300); the watch then resumes from its resourceVersion. */
      watchTimeoutSeconds?: number;
      /** A watch silent for its timeout plus this many seconds is taken as dead and restarted (default 60). */
      silenceGraceSeconds?: number;
      /** First retry delay after a failed list or watch, doubled up to retryMaxSeconds (defaults 1 and 60). */
      retryInitialSeconds?: number;
      retryMaxSeconds?: number;
      /** Page size of the initial lists (default 500). */
      pageSize?: number;
    };
    /** The history tables: workflow runs and ArgoCD transitions (all optional). */
    history?: {
      /** Set false to keep no history (default true). */
      enabled?: boolean;
      /** Rows older than this are pruned once a day (default 90). */
      retentionDays?: number;
      /** How often each cluster repository's Picasso build.yml runs are listed, in seconds (default 60; a listing with nothing new is a 304, free of rate limit). */
      buildPollSeconds?: number;
    };
    /** Backstage notifications to an instance's owner group: Degraded, backups overdue or failing, a failed Picasso build (all optional). */
    notifications?: {
      /** Set false to send none (default true). */
      enabled?: boolean;
      /** How often one replica re-evaluates every instance, in seconds (default 60): a backup becomes overdue with time passing, not with a change. */
      checkSeconds?: number;
    };
  };
}
