export interface Config {
  /**
   * The Kubernetes backend's cluster list (its own schema lives in
   * `@backstage/plugin-kubernetes-backend`, which the app does not depend on,
   * so without this the frontend would not receive it). The app reads the
   * names of `type: config` clusters to show the Kubernetes tab only on
   * instances whose cluster is configured; nothing secret is made visible.
   */
  kubernetes?: {
    clusterLocatorMethods?: Array<{
      /** @visibility frontend */
      type: string;
      clusters?: Array<{
        /** @visibility frontend */
        name: string;
      }>;
    }>;
  };
}
