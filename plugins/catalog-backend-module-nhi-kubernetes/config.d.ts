import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage NHI: non-human identities in the catalog. */
  nhi?: {
    /** Identity sources by type, then by id. */
    sources?: {
      /**
       * Kubernetes sources: the service accounts of clusters, with their
       * legacy token Secrets, RBAC permissions, workloads and federation.
       * Keyed by source id (lower case, digits and dashes). Every source also
       * reads the clusters of Backstage's Kubernetes plugin
       * (`kubernetes.clusterLocatorMethods`, type `config`) unless
       * `kubernetesPluginClusters` is false.
       */
      kubernetes?: {
        [id: string]: {
          /** Clusters this source reads besides the Kubernetes plugin's; an entry here wins over the plugin's cluster of the same name. */
          clusters?: Array<{
            /** The cluster's name: the identities' account, the scope a read completes, part of every external id (`k8s:<name>:<namespace>:<account>`). */
            name: string;
            /** The API server's URL, e.g. `https://prod.k8s.example.com`. Plain `http` only with `skipTLSVerify` (tests and demos). */
            url: string;
            /** How the source authenticates: exactly one of a token, a token file, or a client certificate with its key. */
            auth: {
              /**
               * A service account's bearer token.
               * @visibility secret
               */
              serviceAccountToken?: string;
              /** A file holding the bearer token, read at every read (e.g. a projected token that rotates). */
              serviceAccountTokenFile?: string;
              /** Client certificate, base64 of PEM as in a kubeconfig (or PEM). */
              clientCertificateData?: string;
              /**
               * The client certificate's private key, base64 of PEM (or PEM).
               * @visibility secret
               */
              clientKeyData?: string;
            };
            /** The API server's certificate authority, base64 of PEM (or PEM). */
            caData?: string;
            /** Path of the API server's certificate authority (PEM). */
            caFile?: string;
            /** Do not verify the API server's certificate: tests and demos only. Default false. */
            skipTLSVerify?: boolean;
            /** The environment the cluster serves, e.g. `production`: set on its identities. */
            environment?: string;
          }>;
          /** Also read the clusters of Backstage's Kubernetes plugin (`kubernetes.clusterLocatorMethods`, type `config`, `authProvider: serviceAccount`). Default true. */
          kubernetesPluginClusters?: boolean;
          /** Names of clusters not to read, from either list. */
          excludeClusters?: string[];
          /** Label or annotation keys naming the owner of a service account, its workloads or its namespace, first present wins. Default `[owner, team]`. */
          ownerKeys?: string[];
          /** Label or annotation keys of a workload naming the catalog component it is, first present wins. Default `[backstage.io/kubernetes-id, app.kubernetes.io/name, app.kubernetes.io/part-of]`. */
          componentKeys?: string[];
          /** Annotation naming the person who created a service account. Default `created-by`. */
          createdByKey?: string;
          /** Annotation keys of the provenance of service accounts AI agents create. */
          agentKeys?: {
            /** The agent's id; its presence marks the account as agent-created. Default `agent-id`. */
            agentId?: string;
            /** The human the agent acted for. Default `on-behalf-of`. */
            onBehalfOf?: string;
            /** Why the agent created it. Default `reason`. */
            reason?: string;
            /** When it must expire (ISO 8601). Default `expires-at`. */
            expiresAt?: string;
          };
          /** Clusters read at the same time. Default 4. */
          concurrency?: number;
          /** `limit` of every list request, 1 to 10000. Default 500. */
          pageSize?: number;
          /** Attempts per request, the first included, on throttling (429), server and network errors. Default 5. */
          maxAttempts?: number;
          /** Seconds one request may take. Default 60. */
          requestTimeoutSeconds?: number;
          /** When to read; defaults to `nhi.pipeline.schedule`. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
