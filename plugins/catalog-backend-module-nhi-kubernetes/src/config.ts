import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config, ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * How the source authenticates to a cluster's API server.
 *
 * - `token`: a bearer token (a service account's token);
 * - `tokenFile`: a bearer token read from a file at every read (the
 *   projected token of the pod Backstage runs in, which rotates);
 * - `clientCertificate`: a client certificate and its key (base64 of PEM,
 *   as in a kubeconfig, or PEM);
 * - `unsupported`: a cluster of Backstage's Kubernetes plugin whose
 *   `authProvider` this source cannot use (`aws`, `google`, `oidc`…); it is
 *   reported as an error of that cluster at every read.
 *
 * @public
 */
export type KubernetesClusterAuth =
  | { type: 'token'; token: string }
  | { type: 'tokenFile'; path: string }
  | { type: 'clientCertificate'; certificateData: string; keyData: string }
  | { type: 'unsupported'; authProvider: string };

/**
 * One cluster to read.
 *
 * @public
 */
export interface KubernetesClusterConfig {
  /** The cluster's name: the identities' account and the scope a read completes. */
  name: string;
  /** The API server's URL. */
  url: string;
  auth: KubernetesClusterAuth;
  /** Certificate authority of the API server (base64 of PEM, or PEM). */
  caData?: string;
  /** Path of the certificate authority's PEM file. */
  caFile?: string;
  /** Do not verify the API server's certificate (and allow plain HTTP): tests and demos only. */
  skipTLSVerify: boolean;
  /** The environment the cluster serves, e.g. `production`. */
  environment?: string;
  /** Where the cluster is configured: this source's config or Backstage's Kubernetes plugin's. */
  origin: 'nhi' | 'kubernetes-plugin';
}

/**
 * Annotation keys that carry the provenance of a service account an AI
 * agent created (the seed's tagging policy).
 *
 * @public
 */
export interface KubernetesAgentKeys {
  agentId: string;
  onBehalfOf: string;
  reason: string;
  expiresAt: string;
}

/**
 * One Kubernetes source (`nhi.sources.kubernetes.<id>`), with defaults
 * applied and the clusters of Backstage's Kubernetes plugin merged in.
 *
 * @public
 */
export interface KubernetesSourceConfig {
  /** The source id, the `<id>` in `nhi.sources.kubernetes.<id>`. */
  id: string;
  clusters: KubernetesClusterConfig[];
  /** Label or annotation keys naming an owner, first present wins. */
  ownerKeys: string[];
  /** Label or annotation keys of a workload naming the catalog component it is, first present wins. */
  componentKeys: string[];
  /** Annotation naming the person who created a service account. */
  createdByKey: string;
  agentKeys: KubernetesAgentKeys;
  /** Clusters read at the same time. */
  concurrency: number;
  /** `limit` of every list request. */
  pageSize: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** How long one request may take. */
  requestTimeoutMs: number;
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/** Defaults of the tunables. @public */
export const KUBERNETES_SOURCE_DEFAULTS = {
  ownerKeys: ['owner', 'team'],
  componentKeys: [
    'backstage.io/kubernetes-id',
    'app.kubernetes.io/name',
    'app.kubernetes.io/part-of',
  ],
  createdByKey: 'created-by',
  agentKeys: {
    agentId: 'agent-id',
    onBehalfOf: 'on-behalf-of',
    reason: 'reason',
    expiresAt: 'expires-at',
  },
  concurrency: 4,
  pageSize: 500,
  maxAttempts: 5,
  requestTimeoutMs: 60_000,
} as const;

/** The source id of the source made from the Kubernetes plugin's clusters alone. @public */
export const KUBERNETES_PLUGIN_SOURCE_ID = 'default';

/** Where a pod's projected token and the cluster's CA are mounted. */
const IN_CLUSTER = {
  tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
};

const SOURCE_ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** A label or annotation key: optional DNS prefix, then a name. */
const LABEL_KEY =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function wholeNumber(
  c: Config,
  key: string,
  where: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = c.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(
      `${where}.${key} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

function labelKeys(
  c: Config,
  key: string,
  where: string,
  fallback: readonly string[],
): string[] {
  const keys = c.getOptionalStringArray(key) ?? [...fallback];
  keys.forEach((k, i) => {
    if (!LABEL_KEY.test(k)) {
      throw new InputError(
        `${where}.${key}[${i}] is not a Kubernetes label or annotation key: ${JSON.stringify(
          k,
        )}`,
      );
    }
  });
  return keys;
}

function labelKey(c: Config, key: string, where: string, fallback: string) {
  const value = c.getOptionalString(key) ?? fallback;
  if (!LABEL_KEY.test(value)) {
    throw new InputError(
      `${where}.${key} is not a Kubernetes annotation key: ${JSON.stringify(
        value,
      )}`,
    );
  }
  return value;
}

function clusterName(c: Config, where: string): string {
  const name = c.getString('name').trim();
  if (!CLUSTER_NAME.test(name)) {
    throw new InputError(
      `${where}.name must be letters, digits, dots, dashes or underscores (it is part of every identity's id), got ${JSON.stringify(
        name,
      )}`,
    );
  }
  return name;
}

function clusterUrl(c: Config, where: string, skipTLSVerify: boolean): string {
  const raw = c.getString('url').trim();
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new InputError(
      `${where}.url must be the API server's http(s) URL, got ${JSON.stringify(
        raw,
      )}`,
    );
  }
  if (url.protocol === 'http:' && !skipTLSVerify) {
    throw new InputError(
      `${where}.url is plain HTTP: the Kubernetes client allows it only with skipTLSVerify: true (tests and demos; use https for real clusters)`,
    );
  }
  return raw.replace(/\/+$/, '');
}

/** A cluster of `nhi.sources.kubernetes.<id>.clusters[]`. */
function readCluster(c: Config, where: string): KubernetesClusterConfig {
  const name = clusterName(c, where);
  const skipTLSVerify = c.getOptionalBoolean('skipTLSVerify') ?? false;
  const url = clusterUrl(c, where, skipTLSVerify);
  const a = c.getOptionalConfig('auth');
  const token = a?.getOptionalString('serviceAccountToken')?.trim();
  const tokenFile = a?.getOptionalString('serviceAccountTokenFile')?.trim();
  const cert = a?.getOptionalString('clientCertificateData')?.trim();
  const key = a?.getOptionalString('clientKeyData')?.trim();
  const given = [token, tokenFile, cert || key].filter(Boolean).length;
  if (given !== 1) {
    throw new InputError(
      `${where}.auth needs exactly one of serviceAccountToken, serviceAccountTokenFile, or clientCertificateData with clientKeyData`,
    );
  }
  let auth: KubernetesClusterAuth;
  if (token) auth = { type: 'token', token };
  else if (tokenFile) auth = { type: 'tokenFile', path: tokenFile };
  else {
    if (!cert || !key) {
      throw new InputError(
        `${where}.auth: a client certificate needs both clientCertificateData and clientKeyData`,
      );
    }
    auth = { type: 'clientCertificate', certificateData: cert, keyData: key };
  }
  const environment = c.getOptionalString('environment')?.trim();
  return {
    name,
    url,
    auth,
    caData: c.getOptionalString('caData')?.trim() || undefined,
    caFile: c.getOptionalString('caFile')?.trim() || undefined,
    skipTLSVerify,
    ...(environment ? { environment } : {}),
    origin: 'nhi',
  };
}

/**
 * The clusters of Backstage's Kubernetes plugin
 * (`kubernetes.clusterLocatorMethods`, `type: config`), as this source can
 * read them: `authProvider: serviceAccount` with its `serviceAccountToken`
 * (or, without one, the token of the pod Backstage runs in); clusters with
 * another `authProvider` come back with auth `unsupported`. `ignored` names
 * the locator methods of other types (`catalog`, `gke`, …), which are not
 * read.
 *
 * @public
 */
export function readKubernetesPluginClusters(config: Config): {
  clusters: KubernetesClusterConfig[];
  ignored: string[];
} {
  const methods = config.getOptionalConfigArray(
    'kubernetes.clusterLocatorMethods',
  );
  const clusters: KubernetesClusterConfig[] = [];
  const ignored: string[] = [];
  (methods ?? []).forEach((m, i) => {
    const where = `kubernetes.clusterLocatorMethods[${i}]`;
    const type = m.getOptionalString('type');
    if (type !== 'config') {
      ignored.push(`${where} (type ${type ?? 'unknown'})`);
      return;
    }
    (m.getOptionalConfigArray('clusters') ?? []).forEach((c, j) => {
      const at = `${where}.clusters[${j}]`;
      const name = clusterName(c, at);
      const skipTLSVerify = c.getOptionalBoolean('skipTLSVerify') ?? false;
      const url = clusterUrl(c, at, skipTLSVerify);
      const metadata = c.getOptionalConfig('authMetadata');
      const provider =
        c.getOptionalString('authProvider') ??
        metadata?.getOptionalString('kubernetes.io/auth-provider') ??
        'serviceAccount';
      const token =
        c.getOptionalString('serviceAccountToken')?.trim() ||
        metadata?.getOptionalString('serviceAccountToken')?.trim();
      let auth: KubernetesClusterAuth;
      let caFile = c.getOptionalString('caFile')?.trim() || undefined;
      const caData = c.getOptionalString('caData')?.trim() || undefined;
      if (provider !== 'serviceAccount') {
        auth = { type: 'unsupported', authProvider: provider };
      } else if (token) {
        auth = { type: 'token', token };
      } else {
        // As the Kubernetes plugin does: Backstage runs in the cluster.
        auth = { type: 'tokenFile', path: IN_CLUSTER.tokenFile };
        if (!caData && !caFile) caFile = IN_CLUSTER.caFile;
      }
      clusters.push({
        name,
        url,
        auth,
        ...(caData ? { caData } : {}),
        ...(caFile ? { caFile } : {}),
        skipTLSVerify,
        origin: 'kubernetes-plugin',
      });
    });
  });
  return { clusters, ignored };
}

/**
 * Reads one Kubernetes source's config block (the value of
 * `nhi.sources.kubernetes.<id>`), validating every key and applying
 * defaults; `pluginClusters` (see {@link readKubernetesPluginClusters}) are
 * added unless `kubernetesPluginClusters: false`, the source's own entry
 * winning for a cluster of the same name. Throws an `InputError` that names
 * the bad key.
 *
 * @public
 */
export function readKubernetesSourceConfig(
  c: Config,
  id: string,
  pluginClusters: KubernetesClusterConfig[] = [],
): KubernetesSourceConfig {
  const where = `nhi.sources.kubernetes.${id}`;
  if (!SOURCE_ID.test(id)) {
    throw new InputError(
      `${where}: a source id must be lower-case letters, digits and single dashes`,
    );
  }
  const own = (c.getOptionalConfigArray('clusters') ?? []).map((x, i) =>
    readCluster(x, `${where}.clusters[${i}]`),
  );
  const names = new Set<string>();
  own.forEach((x, i) => {
    if (names.has(x.name)) {
      throw new InputError(
        `${where}.clusters[${i}]: cluster ${x.name} is listed twice`,
      );
    }
    names.add(x.name);
  });
  const exclude = new Set(c.getOptionalStringArray('excludeClusters') ?? []);
  const usePlugin = c.getOptionalBoolean('kubernetesPluginClusters') ?? true;
  const clusters = [
    ...own,
    ...(usePlugin ? pluginClusters.filter(p => !names.has(p.name)) : []),
  ].filter(x => !exclude.has(x.name));
  if (!clusters.length) {
    throw new InputError(
      `${where} has no cluster to read: give clusters, or configure Backstage's Kubernetes plugin (kubernetes.clusterLocatorMethods, type config)`,
    );
  }
  const d = KUBERNETES_SOURCE_DEFAULTS;
  const agent = c.getOptionalConfig('agentKeys');
  const agentKey = (key: keyof KubernetesAgentKeys) =>
    agent
      ? labelKey(agent, key, `${where}.agentKeys`, d.agentKeys[key])
      : d.agentKeys[key];
  return {
    id,
    clusters,
    ownerKeys: labelKeys(c, 'ownerKeys', where, d.ownerKeys),
    componentKeys: labelKeys(c, 'componentKeys', where, d.componentKeys),
    createdByKey: labelKey(c, 'createdByKey', where, d.createdByKey),
    agentKeys: {
      agentId: agentKey('agentId'),
      onBehalfOf: agentKey('onBehalfOf'),
      reason: agentKey('reason'),
      expiresAt: agentKey('expiresAt'),
    },
    concurrency: wholeNumber(c, 'concurrency', where, 1, 32, d.concurrency),
    pageSize: wholeNumber(c, 'pageSize', where, 1, 10_000, d.pageSize),
    maxAttempts: wholeNumber(c, 'maxAttempts', where, 1, 20, d.maxAttempts),
    requestTimeoutMs:
      wholeNumber(
        c,
        'requestTimeoutSeconds',
        where,
        1,
        600,
        d.requestTimeoutMs / 1000,
      ) * 1000,
    schedule: c.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          c.getConfig('schedule'),
        )
      : undefined,
  };
}

/**
 * Reads `nhi.sources.kubernetes` (one source per id) together with the
 * clusters of Backstage's Kubernetes plugin, so that no cluster is
 * configured twice: every source reads the plugin's clusters too unless it
 * says `kubernetesPluginClusters: false`, and with no
 * `nhi.sources.kubernetes` at all the plugin's clusters make one source,
 * `default`. A cluster read by two sources is refused. Throws an
 * `InputError` naming the key when the config is wrong.
 *
 * @example
 * ```yaml
 * nhi:
 *   sources:
 *     kubernetes:
 *       production:
 *         clusters:
 *           - name: prod-eu
 *             url: https://prod-eu.k8s.example.com
 *             caData: ${PROD_EU_CA}
 *             auth:
 *               serviceAccountToken: ${PROD_EU_NHI_TOKEN}
 * ```
 *
 * @public
 */
export function readKubernetesSourceConfigs(config: Config): {
  sources: KubernetesSourceConfig[];
  /** Cluster locator methods of the Kubernetes plugin this source does not read. */
  ignored: string[];
} {
  const plugin = readKubernetesPluginClusters(config);
  const block = config.getOptionalConfig('nhi.sources.kubernetes');
  let sources: KubernetesSourceConfig[];
  if (!block || !block.keys().length) {
    sources = plugin.clusters.length
      ? [
          readKubernetesSourceConfig(
            new ConfigReader({}),
            KUBERNETES_PLUGIN_SOURCE_ID,
            plugin.clusters,
          ),
        ]
      : [];
  } else {
    sources = block.keys().map(id => {
      if (!SOURCE_ID.test(id)) {
        throw new InputError(
          `nhi.sources.kubernetes.${id}: a source id must be lower-case letters, digits and single dashes`,
        );
      }
      return readKubernetesSourceConfig(
        block.getConfig(id),
        id,
        plugin.clusters,
      );
    });
  }
  const readBy = new Map<string, string>();
  for (const s of sources) {
    for (const c of s.clusters) {
      const other = readBy.get(c.name);
      if (other) {
        throw new InputError(
          `cluster ${c.name} is read by nhi.sources.kubernetes.${other} and nhi.sources.kubernetes.${s.id}: each cluster must belong to one source (set kubernetesPluginClusters: false or excludeClusters on one of them)`,
        );
      }
      readBy.set(c.name, s.id);
    }
  }
  return { sources, ignored: plugin.ignored };
}
