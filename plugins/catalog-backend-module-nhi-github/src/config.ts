import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * One GitHub source (`nhi.sources.github.<id>`), with defaults applied.
 *
 * @public
 */
export interface GithubSourceConfig {
  /** The source id, the `<id>` in `nhi.sources.github.<id>`. */
  id: string;
  /** The GitHub host, matched against `integrations.github[].host`. */
  host: string;
  /** Organization logins to read. */
  organizations: string[];
  /** Repository custom properties that name an owner, first present wins. */
  ownerProperties: string[];
  /** Whether a repository's CODEOWNERS catch-all rule names its owner when no property does. */
  codeowners: boolean;
  /** Path of the catalog file in each repository whose Components use the repository's identities. */
  catalogPath: string;
  /** Whether a repository without a catalog file stands for the component of its name. */
  repositoryNameAsComponent: boolean;
  /** Whether the Actions secrets of archived repositories are read (workflows do not run there). */
  includeArchived: boolean;
  /** Repositories whose REST data is read at the same time. */
  concurrency: number;
  /** Share (0–100) of each rate-limit budget a run leaves for the rest of Backstage. */
  reservePercent: number;
  /** Times a request refused by a secondary rate limit is retried. */
  maxRetries: number;
  /** Longest `retry-after` waited out, in seconds. */
  maxWaitSeconds: number;
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/** Defaults of the tunables. @public */
export const GITHUB_SOURCE_DEFAULTS = {
  host: 'github.com',
  ownerProperties: ['owner', 'team'],
  codeowners: true,
  catalogPath: 'catalog-info.yaml',
  repositoryNameAsComponent: true,
  includeArchived: false,
  concurrency: 4,
  reservePercent: 10,
  maxRetries: 3,
  maxWaitSeconds: 120,
} as const;

const SOURCE_ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
/** GitHub logins: letters, digits and single inner hyphens, at most 39. */
const LOGIN = /^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/i;
const HOST = /^[a-z0-9.-]+(?::\d+)?$/i;
const PROPERTY = /^[\w.-]{1,75}$/;

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

/**
 * Reads one GitHub source's config block (the value of
 * `nhi.sources.github.<id>`), validating every key and applying defaults.
 * Throws an `InputError` that names the bad key.
 *
 * @public
 */
export function readGithubSourceConfig(
  c: Config,
  id: string,
): GithubSourceConfig {
  const where = `nhi.sources.github.${id}`;
  if (!SOURCE_ID.test(id)) {
    throw new InputError(
      `${where}: a source id must be lower-case letters, digits and single dashes`,
    );
  }
  const d = GITHUB_SOURCE_DEFAULTS;
  const host = c.getOptionalString('host')?.trim() ?? d.host;
  if (!HOST.test(host) || host.includes('/')) {
    throw new InputError(
      `${where}.host must be a host name such as github.com (no scheme or path), got ${JSON.stringify(
        host,
      )}`,
    );
  }
  const organizations = c.getOptionalStringArray('organizations') ?? [];
  if (!organizations.length) {
    throw new InputError(
      `${where}.organizations must list at least one organization login`,
    );
  }
  const seen = new Set<string>();
  organizations.forEach((org, i) => {
    if (!LOGIN.test(org)) {
      throw new InputError(
        `${where}.organizations[${i}] is not a GitHub organization login: ${JSON.stringify(
          org,
        )}`,
      );
    }
    if (seen.has(org.toLowerCase())) {
      throw new InputError(
        `${where}.organizations[${i}]: ${org} is listed twice`,
      );
    }
    seen.add(org.toLowerCase());
  });
  const ownerProperties = c.getOptionalStringArray('ownerProperties') ?? [
    ...d.ownerProperties,
  ];
  ownerProperties.forEach((p, i) => {
    if (!PROPERTY.test(p)) {
      throw new InputError(
        `${where}.ownerProperties[${i}] is not a custom property name: ${JSON.stringify(
          p,
        )}`,
      );
    }
  });
  const catalogPath = (
    c.getOptionalString('catalogPath') ?? d.catalogPath
  ).replace(/^\/+/, '');
  if (!/^[\w.\-/]+\.ya?ml$/.test(catalogPath) || catalogPath.includes('..')) {
    throw new InputError(
      `${where}.catalogPath must be the path of a YAML file in the repository, got ${JSON.stringify(
        catalogPath,
      )}`,
    );
  }
  return {
    id,
    host: host.toLowerCase(),
    organizations,
    ownerProperties,
    codeowners: c.getOptionalBoolean('codeowners') ?? d.codeowners,
    catalogPath,
    repositoryNameAsComponent:
      c.getOptionalBoolean('repositoryNameAsComponent') ??
      d.repositoryNameAsComponent,
    includeArchived:
      c.getOptionalBoolean('includeArchived') ?? d.includeArchived,
    concurrency: wholeNumber(c, 'concurrency', where, 1, 16, d.concurrency),
    reservePercent: wholeNumber(
      c,
      'rateLimit.reservePercent',
      where,
      0,
      90,
      d.reservePercent,
    ),
    maxRetries: wholeNumber(
      c,
      'rateLimit.maxRetries',
      where,
      0,
      10,
      d.maxRetries,
    ),
    maxWaitSeconds: wholeNumber(
      c,
      'rateLimit.maxWaitSeconds',
      where,
      1,
      3600,
      d.maxWaitSeconds,
    ),
    schedule: c.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          c.getConfig('schedule'),
        )
      : undefined,
  };
}

/**
 * Reads `nhi.sources.github`: one source per id. Throws an `InputError`
 * naming the key when the config is wrong. Credentials are not here: they
 * come from the `integrations.github` entry of the same host.
 *
 * @example
 * ```yaml
 * integrations:
 *   github:
 *     - host: github.com
 *       apps:
 *         - $include: github-app-credentials.yaml
 * nhi:
 *   sources:
 *     github:
 *       production:
 *         organizations: [acme]
 * ```
 *
 * @public
 */
export function readGithubSourceConfigs(config: Config): GithubSourceConfig[] {
  const sources = config.getOptionalConfig('nhi.sources.github');
  if (!sources) return [];
  return sources
    .keys()
    .map(id => readGithubSourceConfig(sources.getConfig(id), id));
}
