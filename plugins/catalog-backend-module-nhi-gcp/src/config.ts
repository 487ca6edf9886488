import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * How the source authenticates (`nhi.sources.gcp.<id>.credentials`). Without
 * any key, Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
 * workload identity, the metadata server) — as Backstage's GKE cluster
 * locator does.
 *
 * @public
 */
export interface GcpCredentialsConfig {
  /** Path of a service-account key file (JSON) or an external-account configuration. */
  keyFile?: string;
  /** A fixed OAuth 2.0 access token (development, emulators and demos: tokens expire within an hour). */
  accessToken?: string;
}

/**
 * One Google Cloud source (`nhi.sources.gcp.<id>`), with defaults applied.
 *
 * @public
 */
export interface GcpSourceConfig {
  /** The source id, the `<id>` in `nhi.sources.gcp.<id>`. */
  id: string;
  /** Numeric id of the organization whose projects are read (Resource Manager search). */
  organizationId?: string;
  /** Project ids read in any case (with or without `organizationId`). */
  projects: string[];
  /** Project ids not to read. */
  excludeProjects: string[];
  credentials: GcpCredentialsConfig;
  /** One root URL for every Google API the source calls (emulators, tests, demos). */
  rootUrl?: string;
  /** Also ingest Google-managed service agents (`service-…@gcp-sa-….iam.gserviceaccount.com` and the like). */
  includeGoogleManaged: boolean;
  /** Project label keys naming the owner, first present wins. */
  ownerLabelKeys: string[];
  /** Project label keys naming the environment, first present wins. */
  environmentLabelKeys: string[];
  /** Owners by project id; wins over labels. */
  projectOwners: Record<string, string>;
  /** Read last authentication from Policy Analyzer (required then: a project whose activity cannot be read fails). */
  lastAuthentication: boolean;
  /** Days the source claims "no authentication recorded" for; at most Policy Analyzer's tracking period. */
  activityWindowDays: number;
  /** Read keys and service-account IAM policies in bulk from Cloud Asset Inventory (else one call per account). */
  assetInventory: boolean;
  /** Projects read at the same time. */
  concurrency: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Longest wait before a retry (Retry-After included), in ms. */
  maxRetryDelayMs: number;
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/** Defaults of the tunables. @public */
export const GCP_SOURCE_DEFAULTS = {
  ownerLabelKeys: ['team', 'owner'],
  environmentLabelKeys: ['environment', 'env'],
  lastAuthentication: true,
  activityWindowDays: 90,
  assetInventory: true,
  includeGoogleManaged: false,
  concurrency: 4,
  maxAttempts: 6,
  maxRetryDelayMs: 60_000,
} as const;

const SOURCE_ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const ORGANIZATION_ID = /^\d{1,25}$/;
/** Project ids: 6–30 characters, lower-case letters, digits and hyphens, a letter first (older ones may have a domain prefix). */
const PROJECT_ID =
  /^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Label keys: lower-case letters, digits, `_` and `-`, a letter first, up to 63. */
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;

function stringList(
  c: Config,
  key: string,
  where: string,
  pattern: RegExp,
  what: string,
  fallback: readonly string[] = [],
): string[] {
  const raw = c.getOptional<unknown>(key);
  if (raw === undefined) return [...fallback];
  if (!Array.isArray(raw)) {
    throw new InputError(`${where}.${key} must be a list of ${what}s`);
  }
  return raw.map((v, i) => {
    if (typeof v !== 'string' || !pattern.test(v.trim())) {
      throw new InputError(
        `${where}.${key}[${i}] must be a ${what}, got ${JSON.stringify(v)}`,
      );
    }
    return v.trim();
  });
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

function readCredentials(c: Config | undefined, where: string) {
  if (!c) return {};
  const keyFile = c.getOptionalString('keyFile')?.trim();
  const accessToken = c.getOptionalString('accessToken')?.trim();
  if (keyFile !== undefined && !keyFile) {
    throw new InputError(`${where}.credentials.keyFile must not be empty`);
  }
  if (accessToken !== undefined && !accessToken) {
    throw new InputError(`${where}.credentials.accessToken must not be empty`);
  }
  if (keyFile && accessToken) {
    throw new InputError(
      `${where}.credentials: give keyFile or accessToken, not both`,
    );
  }
  return {
    ...(keyFile ? { keyFile } : {}),
    ...(accessToken ? { accessToken } : {}),
  };
}

/**
 * Reads one GCP source's config block (the value of `nhi.sources.gcp.<id>`),
 * validating every key and applying defaults. Throws an `InputError` that
 * names the bad key.
 *
 * @public
 */
export function readGcpSourceConfig(c: Config, id: string): GcpSourceConfig {
  const where = `nhi.sources.gcp.${id}`;
  if (!SOURCE_ID.test(id)) {
    throw new InputError(
      `${where}: a source id must be lower-case letters, digits and single dashes`,
    );
  }
  const rawOrg = c.getOptional<unknown>('organizationId');
  let organizationId: string | undefined;
  if (rawOrg !== undefined) {
    organizationId = String(rawOrg)
      .trim()
      .replace(/^organizations\//, '');
    if (
      (typeof rawOrg !== 'string' && typeof rawOrg !== 'number') ||
      !ORGANIZATION_ID.test(organizationId)
    ) {
      throw new InputError(
        `${where}.organizationId must be a numeric organization id (quote it in YAML), got ${JSON.stringify(
          rawOrg,
        )}`,
      );
    }
  }
  const projects = stringList(c, 'projects', where, PROJECT_ID, 'project id');
  const duplicate = projects.find((p, i) => projects.indexOf(p) !== i);
  if (duplicate) {
    throw new InputError(
      `${where}.projects: project ${duplicate} is listed twice`,
    );
  }
  if (!organizationId && !projects.length) {
    throw new InputError(
      `${where} needs an organizationId, projects, or both: nothing to read`,
    );
  }
  const rootUrl = c.getOptionalString('rootUrl')?.trim();
  if (rootUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(rootUrl);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw new InputError(
        `${where}.rootUrl must be an http(s) URL, got ${JSON.stringify(
          rootUrl,
        )}`,
      );
    }
  }
  const projectOwners: Record<string, string> = {};
  const owners = c.getOptionalConfig('projectOwners');
  for (const project of owners?.keys() ?? []) {
    if (!PROJECT_ID.test(project)) {
      throw new InputError(
        `${where}.projectOwners: ${JSON.stringify(
          project,
        )} is not a project id`,
      );
    }
    const owner = owners!.getOptionalString(project)?.trim();
    if (!owner) {
      throw new InputError(
        `${where}.projectOwners.${project} must name a group or user`,
      );
    }
    projectOwners[project] = owner;
  }
  const d = GCP_SOURCE_DEFAULTS;
  return {
    id,
    ...(organizationId ? { organizationId } : {}),
    projects,
    excludeProjects: stringList(
      c,
      'excludeProjects',
      where,
      PROJECT_ID,
      'project id',
    ),
    credentials: readCredentials(c.getOptionalConfig('credentials'), where),
    ...(rootUrl ? { rootUrl: rootUrl.replace(/\/+$/, '') } : {}),
    includeGoogleManaged:
      c.getOptionalBoolean('includeGoogleManaged') ?? d.includeGoogleManaged,
    ownerLabelKeys: stringList(
      c,
      'ownerLabelKeys',
      where,
      LABEL_KEY,
      'label key',
      d.ownerLabelKeys,
    ),
    environmentLabelKeys: stringList(
      c,
      'environmentLabelKeys',
      where,
      LABEL_KEY,
      'label key',
      d.environmentLabelKeys,
    ),
    projectOwners,
    lastAuthentication:
      c.getOptionalBoolean('lastAuthentication') ?? d.lastAuthentication,
    activityWindowDays: wholeNumber(
      c,
      'activityWindowDays',
      where,
      1,
      3650,
      d.activityWindowDays,
    ),
    assetInventory: c.getOptionalBoolean('assetInventory') ?? d.assetInventory,
    concurrency: wholeNumber(c, 'concurrency', where, 1, 64, d.concurrency),
    maxAttempts: wholeNumber(c, 'maxAttempts', where, 1, 20, d.maxAttempts),
    maxRetryDelayMs:
      wholeNumber(
        c,
        'maxRetryDelaySeconds',
        where,
        0,
        600,
        d.maxRetryDelayMs / 1000,
      ) * 1000,
    schedule: c.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          c.getConfig('schedule'),
        )
      : undefined,
  };
}

/**
 * Reads `nhi.sources.gcp`: one source per id. Throws an `InputError` naming
 * the key when the config is wrong.
 *
 * @example
 * ```yaml
 * nhi:
 *   sources:
 *     gcp:
 *       company:
 *         organizationId: '123456789012'
 *         projectOwners: { legacy-billing: group:default/payments }
 * ```
 *
 * @public
 */
export function readGcpSourceConfigs(config: Config): GcpSourceConfig[] {
  const sources = config.getOptionalConfig('nhi.sources.gcp');
  if (!sources) return [];
  return sources
    .keys()
    .map(id => readGcpSourceConfig(sources.getConfig(id), id));
}
