export interface Config {
  /** Launchpad Portal: the GitHub account and the clusters every Launchpad plugin uses. */
  launchpad?: {
    github: {
      /** GitHub REST API base URL; omit for github.com (GitHub Enterprise: https://host/api/v3). */
      baseUrl?: string;
      /**
       * Token with contents read/write and actions write on the cluster repositories.
       * @visibility secret
       */
      token: string;
    };
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
  };
}
