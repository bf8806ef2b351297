export interface Config {
  /**
   * Launchpad Portal: the clusters every Launchpad plugin uses. GitHub
   * credentials are not here: they come from `integrations.github` (a token,
   * or a GitHub App), shared with Backstage's own GitHub modules.
   */
  launchpad?: {
    clusters: Array<{
      /** Cluster name: a DNS-1123 label, also the catalog namespace of its entities. */
      name: string;
      /** Display title. */
      title?: string;
      /** Environment, e.g. staging or production; part of ArgoCD application names. */
      environment: string;
      /** Base domain of the instances' hosts. */
      domain: string;
      /** Cluster repository as owner/name. */
      repository: string;
      /** Branch of the cluster repository (default main). */
      branch?: string;
      /**
       * GitHub host of the repository (default github.com): the `host` of an
       * `integrations.github` entry, with its port if it has one.
       */
      githubHost?: string;
      /**
       * Groups (entity refs such as `group:default/physics-dept`) whose
       * members may create instances on this cluster, besides the platform
       * team (`launchpad.permissions.platformTeams`). Read by the permission
       * policy in packages/backend.
       */
      createGroups?: string[];
      kubernetes: {
        /** Kubernetes API server URL. */
        url: string;
        /**
         * Service account bearer token.
         * @visibility secret
         */
        token?: string;
        skipTLSVerify?: boolean;
        /** Base64 PEM of the API server's CA. */
        caData?: string;
        /**
         * Auth provider the Backstage Kubernetes plugin uses when it finds
         * this cluster through the catalog (e.g. oidc, google, aws); the
         * catalog cluster locator does not support static service account
         * tokens.
         */
        authProvider?: string;
        /** With authProvider oidc: the Backstage auth provider issuing the token. */
        oidcTokenProvider?: string;
        /** Kubernetes dashboard URL shown in the Kubernetes plugin. */
        dashboardUrl?: string;
      };
      argocd?: {
        /** ArgoCD base URL (API under /api/v1). */
        url: string;
        /** ArgoCD UI base URL, when different from url. */
        uiUrl?: string;
        /**
         * ArgoCD API token.
         * @visibility secret
         */
        token?: string;
      };
      argoWorkflows?: {
        /** Argo Server base URL (API under /api/v1). */
        url: string;
        /**
         * Argo Server token.
         * @visibility secret
         */
        token?: string;
        /** Namespace of the Argo Server's workflows (default argo). */
        namespace?: string;
      };
    }>;
    /** Fleet upgrades (`launchpad:fleet:upgrade`, templates/fleet-upgrade). */
    fleet?: {
      /**
       * Picasso builds a fleet upgrade runs at once across a wave, when the
       * task does not say (default 2): keep it within the build runners'
       * capacity.
       */
      buildConcurrency?: number;
    };
    /** The scaffolder actions (`launchpad:*`). */
    scaffolder?: {
      /**
       * Seconds between reads while an action waits for a workflow, build,
       * backup or sync, unless the step's input sets its own. Unset, each
       * action keeps its default (5 s; Picasso runs and fleet upgrades 10 s,
       * to spare the GitHub budget). The sandbox's dev config uses 1.
       */
      pollIntervalSeconds?: number;
    };
  };
}
