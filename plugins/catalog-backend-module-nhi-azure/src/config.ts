import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * How the source authenticates to Microsoft Graph: an application's client
 * credentials (a secret or a certificate), or, without a client id, the
 * Azure SDK's default chain (workload identity, managed identity, the
 * environment, the Azure CLI).
 *
 * @public
 */
export type AzureCredentialConfig =
  | {
      type: 'client-secret';
      clientId: string;
      clientSecret: string;
    }
  | {
      type: 'client-certificate';
      clientId: string;
      /** Path of a PEM file holding the certificate and its private key. */
      certificatePath: string;
    }
  | { type: 'default' };

/**
 * Tag keys that carry the provenance of an identity an AI agent created (the
 * seed's tagging policy), read from `key:value` tags.
 *
 * @public
 */
export interface AzureAgentTagKeys {
  agentId: string;
  onBehalfOf: string;
  reason: string;
  expiresAt: string;
}

/**
 * One Microsoft Entra ID source (`nhi.sources.azure.<id>`), with defaults
 * applied.
 *
 * @public
 */
export interface AzureSourceConfig {
  /** The source id, the `<id>` in `nhi.sources.azure.<id>`. */
  id: string;
  /** The tenant (directory) id, a GUID. */
  tenantId: string;
  /** A name for the tenant, shown as the identities' account; the tenant id by default. */
  tenantName?: string;
  credential: AzureCredentialConfig;
  /** Microsoft Graph's root, without the version: `https://graph.microsoft.com` or a national cloud's. */
  graphBaseUrl: string;
  /** The Microsoft Entra authority host the credential signs in at. */
  authorityHost: string;
  /** The Entra admin center's root, for links. */
  portalUrl: string;
  /** Also ingest Microsoft's own (first-party) service principals. */
  includeMicrosoftApplications: boolean;
  /** Ingest service principals of applications registered in other tenants (vendors' apps). */
  includeThirdPartyApplications: boolean;
  /** Read the sign-in activity reports (needs AuditLog.Read.All and Entra ID P1 or P2). */
  signInActivity: boolean;
  /** Name a system-assigned managed identity's resource and a GitHub repository trusted by a federated credential in `usedBy`. */
  inferUsedBy: boolean;
  /** Tag keys naming the owner (`key:value` tags), first present wins. */
  ownerTagKeys: string[];
  /**
   * Names the owner of a managed identity from its Azure resource id: a
   * case-insensitive pattern with a named group `owner`, e.g.
   * `/resourceGroups/rg-(?<owner>[a-z0-9]+)-` for resource groups named
   * after teams.
   */
  managedIdentityOwnerPattern?: RegExp;
  /** Tag keys naming the environments, first present wins. */
  environmentTagKeys: string[];
  /** Tag key naming the person who created the identity. */
  createdByTagKey: string;
  agentTagKeys: AzureAgentTagKeys;
  /** `$top` of list requests (at most 999; Graph caps pages with `$expand` at 100). */
  pageSize: number;
  /** Retries of a throttled (429) or unavailable (503, 504) request. */
  maxRetries: number;
  /** The longest wait before a retry, whatever `Retry-After` asks, in ms. */
  maxRetryDelayMs: number;
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

const SOURCE_ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAG_KEY = /^[\w.\-/@+=]{1,64}$/;

/** Defaults of the tunables. @public */
export const AZURE_SOURCE_DEFAULTS = {
  graphBaseUrl: 'https://graph.microsoft.com',
  authorityHost: 'https://login.microsoftonline.com',
  portalUrl: 'https://entra.microsoft.com',
  ownerTagKeys: ['owner', 'team'],
  environmentTagKeys: ['environment', 'env'],
  createdByTagKey: 'created-by',
  agentTagKeys: {
    agentId: 'agent-id',
    onBehalfOf: 'on-behalf-of',
    reason: 'reason',
    expiresAt: 'expires-at',
  },
  pageSize: 999,
  maxRetries: 6,
  maxRetryDelaySeconds: 120,
} as const;

function url(
  c: Config,
  key: string,
  where: string,
  fallback?: string,
): string | undefined {
  const value = c.getOptionalString(key)?.trim();
  if (value === undefined) return fallback;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new InputError(
      `${where}.${key} must be an http(s) URL, got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, '');
}

/** Graph's root without a trailing version (`…/v1.0` as the msgraph provider's `target` has it). */
function graphRoot(value: string): string {
  return value.replace(/\/(v1\.0|beta)$/i, '');
}

function guid(value: unknown, key: string): string {
  if (typeof value !== 'string' || !GUID.test(value.trim())) {
    throw new InputError(
      `${key} must be a tenant or client id (a GUID), got ${JSON.stringify(
        value,
      )}`,
    );
  }
  return value.trim().toLowerCase();
}

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

function tagKey(c: Config, key: string, where: string, fallback: string) {
  const value = c.getOptionalString(key) ?? fallback;
  if (!TAG_KEY.test(value)) {
    throw new InputError(
      `${where}.${key} is not a usable tag key: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function tagKeys(
  c: Config,
  key: string,
  where: string,
  fallback: readonly string[],
): string[] {
  const keys = c.getOptionalStringArray(key) ?? [...fallback];
  keys.forEach((k, i) => {
    if (!TAG_KEY.test(k)) {
      throw new InputError(
        `${where}.${key}[${i}] is not a usable tag key: ${JSON.stringify(k)}`,
      );
    }
  });
  return keys;
}

/**
 * The connection settings of `catalog.providers.microsoftGraphOrg.<id>`
 * (Backstage's Microsoft Graph org provider), so that a tenant already
 * configured there is not configured twice.
 */
function microsoftGraphOrgProvider(
  root: Config | undefined,
  providerId: string,
  where: string,
) {
  const key = `catalog.providers.microsoftGraphOrg.${providerId}`;
  const provider = root?.getOptionalConfig(key);
  if (!provider) {
    throw new InputError(
      `${where}.microsoftGraphOrgProvider names ${JSON.stringify(
        providerId,
      )}, but ${key} is not configured`,
    );
  }
  return {
    tenantId: provider.getOptionalString('tenantId'),
    clientId: provider.getOptionalString('clientId'),
    clientSecret: provider.getOptionalString('clientSecret'),
    target: provider.getOptionalString('target'),
    authority: provider.getOptionalString('authority'),
  };
}

/**
 * Reads one Azure source's config block (the value of
 * `nhi.sources.azure.<id>`), validating every key and applying defaults.
 * `root` is the whole config, for `microsoftGraphOrgProvider`. Throws an
 * `InputError` that names the bad key.
 *
 * @public
 */
export function readAzureSourceConfig(
  c: Config,
  id: string,
  root?: Config,
): AzureSourceConfig {
  const where = `nhi.sources.azure.${id}`;
  if (!SOURCE_ID.test(id)) {
    throw new InputError(
      `${where}: a source id must be lower-case letters, digits and single dashes`,
    );
  }
  const providerId = c.getOptionalString('microsoftGraphOrgProvider');
  const shared = providerId
    ? microsoftGraphOrgProvider(root, providerId, where)
    : undefined;

  const tenantValue = c.getOptionalString('tenantId') ?? shared?.tenantId;
  if (tenantValue === undefined) {
    throw new InputError(
      `${where}.tenantId is required (or microsoftGraphOrgProvider naming a provider that has one)`,
    );
  }
  const tenantId = guid(tenantValue, `${where}.tenantId`);

  const clientIdValue = c.getOptionalString('clientId') ?? shared?.clientId;
  const certificatePath = c.getOptionalString('clientCertificatePath');
  // The provider's secret goes with the provider's client id only.
  const clientSecret =
    c.getOptionalString('clientSecret') ??
    (c.has('clientId') || certificatePath !== undefined
      ? undefined
      : shared?.clientSecret);
  let credential: AzureCredentialConfig;
  if (clientIdValue === undefined) {
    if (clientSecret !== undefined || certificatePath !== undefined) {
      throw new InputError(
        `${where}.clientId is required with a client secret or certificate`,
      );
    }
    credential = { type: 'default' };
  } else {
    const clientId = guid(clientIdValue, `${where}.clientId`);
    if (clientSecret !== undefined && certificatePath !== undefined) {
      throw new InputError(
        `${where}: give clientSecret or clientCertificatePath, not both`,
      );
    }
    if (certificatePath !== undefined) {
      credential = { type: 'client-certificate', clientId, certificatePath };
    } else if (clientSecret !== undefined && clientSecret.trim()) {
      credential = { type: 'client-secret', clientId, clientSecret };
    } else {
      throw new InputError(
        `${where}: clientId ${clientId} needs clientSecret or clientCertificatePath`,
      );
    }
  }

  const d = AZURE_SOURCE_DEFAULTS;
  const graphBaseUrl = graphRoot(
    url(c, 'target', where) ??
      (shared?.target ? graphRoot(shared.target) : d.graphBaseUrl),
  );
  const authorityHost =
    url(c, 'authority', where) ?? shared?.authority ?? d.authorityHost;
  const agent = c.getOptionalConfig('agentTagKeys');
  const agentKey = (key: keyof AzureAgentTagKeys) =>
    agent
      ? tagKey(agent, key, `${where}.agentTagKeys`, d.agentTagKeys[key])
      : d.agentTagKeys[key];
  const tenantName = c.getOptionalString('tenantName')?.trim();
  const ownerPattern = c.getOptionalString('managedIdentityOwnerPattern');
  let managedIdentityOwnerPattern: RegExp | undefined;
  if (ownerPattern !== undefined) {
    try {
      managedIdentityOwnerPattern = new RegExp(ownerPattern, 'i');
    } catch (e) {
      throw new InputError(
        `${where}.managedIdentityOwnerPattern is not a regular expression: ${
          (e as Error).message
        }`,
      );
    }
    if (!ownerPattern.includes('(?<owner>')) {
      throw new InputError(
        `${where}.managedIdentityOwnerPattern needs a named group (?<owner>…) for the owner`,
      );
    }
  }
  return {
    id,
    tenantId,
    ...(tenantName ? { tenantName } : {}),
    credential,
    graphBaseUrl,
    authorityHost: authorityHost.replace(/\/+$/, ''),
    portalUrl: url(c, 'portalUrl', where, d.portalUrl)!,
    includeMicrosoftApplications:
      c.getOptionalBoolean('includeMicrosoftApplications') ?? false,
    includeThirdPartyApplications:
      c.getOptionalBoolean('includeThirdPartyApplications') ?? true,
    signInActivity: c.getOptionalBoolean('signInActivity') ?? true,
    inferUsedBy: c.getOptionalBoolean('inferUsedBy') ?? false,
    ownerTagKeys: tagKeys(c, 'ownerTagKeys', where, d.ownerTagKeys),
    ...(managedIdentityOwnerPattern ? { managedIdentityOwnerPattern } : {}),
    environmentTagKeys: tagKeys(
      c,
      'environmentTagKeys',
      where,
      d.environmentTagKeys,
    ),
    createdByTagKey: tagKey(c, 'createdByTagKey', where, d.createdByTagKey),
    agentTagKeys: {
      agentId: agentKey('agentId'),
      onBehalfOf: agentKey('onBehalfOf'),
      reason: agentKey('reason'),
      expiresAt: agentKey('expiresAt'),
    },
    pageSize: wholeNumber(c, 'pageSize', where, 1, 999, d.pageSize),
    maxRetries: wholeNumber(c, 'maxRetries', where, 0, 10, d.maxRetries),
    maxRetryDelayMs:
      wholeNumber(
        c,
        'maxRetryDelaySeconds',
        where,
        0,
        180,
        d.maxRetryDelaySeconds,
      ) * 1000,
    schedule: c.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          c.getConfig('schedule'),
        )
      : undefined,
  };
}

/**
 * Reads `nhi.sources.azure`: one source per id. Throws an `InputError`
 * naming the key when the config is wrong.
 *
 * @example
 * ```yaml
 * nhi:
 *   sources:
 *     azure:
 *       corp:
 *         tenantId: 6f1c2b9e-4a8d-4c3e-9b7a-2d5e8f0a1c34
 *         clientId: ${AZURE_CLIENT_ID}
 *         clientSecret: ${AZURE_CLIENT_SECRET}
 * ```
 *
 * @public
 */
export function readAzureSourceConfigs(config: Config): AzureSourceConfig[] {
  const sources = config.getOptionalConfig('nhi.sources.azure');
  if (!sources) return [];
  return sources
    .keys()
    .map(id => readAzureSourceConfig(sources.getConfig(id), id, config));
}
