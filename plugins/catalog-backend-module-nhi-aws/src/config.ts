import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * One AWS account read directly (`nhi.sources.aws.<id>.accounts[]`).
 *
 * @public
 */
export interface AwsAccountConfig {
  /** The 12-digit account id. */
  accountId: string;
  /** Role to assume in the account; without it the base credentials are used as they are. */
  roleArn?: string;
  /** External id to pass when assuming `roleArn`. */
  externalId?: string;
  /** Region of the IAM/STS endpoints for this account; defaults to the source's region. */
  region?: string;
}

/**
 * Discovery of every account of an AWS Organization
 * (`nhi.sources.aws.<id>.organization`).
 *
 * @public
 */
export interface AwsOrganizationConfig {
  /** Role in the management (or delegated administrator) account used to list the accounts. */
  roleArn?: string;
  /** Name of the read-only role assumed in every member account, e.g. `NhiReadOnly`. */
  accountRoleName: string;
  /** External id passed when assuming roles (the management role and the member roles). */
  externalId?: string;
  /** Account ids not to read. */
  exclude: string[];
}

/**
 * Tag keys that carry the provenance of an identity an AI agent created (the
 * seed's tagging policy).
 *
 * @public
 */
export interface AwsAgentTagKeys {
  agentId: string;
  onBehalfOf: string;
  reason: string;
  expiresAt: string;
}

/**
 * The remediation actions of a source (`nhi.sources.aws.<id>.actions`):
 * they write with their own role, separate from the read-only one.
 *
 * @public
 */
export interface AwsActionsConfig {
  /**
   * Name of the role assumed in an identity's account for actions, e.g.
   * `NhiActions` (its least-privilege policy is in the README).
   */
  roleName: string;
  /** External id passed when assuming it. */
  externalId?: string;
  /** AI-agent identities created through the portal. */
  agentIdentity?: {
    /**
     * Who may assume an agent's role: the agent runtime's principal, an IAM
     * ARN (`arn:aws:iam::…:role/agent-runtime`) or an AWS service
     * (`bedrock.amazonaws.com`); the form may give another.
     */
    trustPrincipal?: string;
    /** Account the roles are created in when the form names none. */
    defaultAccount?: string;
    /** IAM path of the roles. Default `/nhi-agents/`. */
    path: string;
    /** Managed policy ARN set as every agent role's permissions boundary. */
    permissionsBoundary?: string;
  };
}

/**
 * One AWS IAM source (`nhi.sources.aws.<id>`), with defaults applied.
 *
 * @public
 */
export interface AwsSourceConfig {
  /** The source id, the `<id>` in `nhi.sources.aws.<id>`. */
  id: string;
  accounts: AwsAccountConfig[];
  organization?: AwsOrganizationConfig;
  /**
   * The id (`o-…`) of the AWS Organization the accounts belong to, when it
   * is not read from `organization` (DescribeOrganization): trust in
   * principals of this organization is not third-party trust.
   */
  organizationId?: string;
  /**
   * More accounts of the same organization (not read by this source): trust
   * in them is not third-party trust. The accounts read, and with
   * `organization` every account the organization lists, count already.
   */
  organizationAccounts: string[];
  /** Default region of the IAM, STS and Organizations endpoints, e.g. `us-east-1`, `us-gov-west-1`, `cn-north-1`. */
  region: string;
  /** One endpoint URL for IAM, STS and Organizations (tests, demos, IAM-compatible emulators). */
  endpoint?: string;
  includeServiceLinkedRoles: boolean;
  /** Tag keys naming the owner, first present wins. */
  ownerTagKeys: string[];
  /** Tag keys naming the environments the identity is used in, first present wins. */
  environmentTagKeys: string[];
  /** Tag key naming the person who created the identity. */
  createdByTagKey: string;
  agentTagKeys: AwsAgentTagKeys;
  /** Accounts read at the same time. */
  concurrency: number;
  /** Attempts per AWS call, including the first, with adaptive retry. */
  maxAttempts: number;
  /** `MaxItems` of each GetAccountAuthorizationDetails page. */
  pageSize: number;
  /** How long to wait between credential-report status checks. */
  reportPollIntervalMs: number;
  /** How long to wait for the credential report before the account fails. */
  reportTimeoutMs: number;
  schedule?: SchedulerServiceTaskScheduleDefinition;
  /** Remediation actions; none unless configured. */
  actions?: AwsActionsConfig;
}

const SOURCE_ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const POLICY_ARN =
  /^arn:aws(?:-[a-z]+)*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/;
const IAM_PATH = /^\/(?:[\x21-\x7e]{0,510}\/)?$/;
const TRUST_PRINCIPAL =
  /^(?:arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?)$/;

/**
 * Whether `value` names a principal an agent's role may trust: an IAM role,
 * user or account root ARN, or an AWS service (`bedrock.amazonaws.com`).
 *
 * @public
 */
export function isAwsTrustPrincipal(value: string): boolean {
  return TRUST_PRINCIPAL.test(value);
}

function readActions(c: Config, where: string): AwsActionsConfig {
  const roleName = c.getString('roleName').trim();
  if (!ROLE_NAME.test(roleName)) {
    throw new InputError(
      `${where}.roleName must be an IAM role name (not an ARN), got ${JSON.stringify(
        roleName,
      )}`,
    );
  }
  const agent = c.getOptionalConfig('agentIdentity');
  const aw = `${where}.agentIdentity`;
  return {
    roleName,
    externalId: optionalString(
      c,
      'externalId',
      where,
      EXTERNAL_ID,
      'an external id (2 to 1224 characters of letters, digits and +=,.@:/-)',
    ),
    ...(agent
      ? {
          agentIdentity: {
            trustPrincipal: optionalString(
              agent,
              'trustPrincipal',
              aw,
              TRUST_PRINCIPAL,
              'an IAM role, user or account ARN, or an AWS service such as bedrock.amazonaws.com',
            ),
            defaultAccount: agent.has('defaultAccount')
              ? accountIdOf(agent, 'defaultAccount', aw)
              : undefined,
            path:
              optionalString(
                agent,
                'path',
                aw,
                IAM_PATH,
                'an IAM path that starts and ends with /',
              ) ?? '/nhi-agents/',
            permissionsBoundary: optionalString(
              agent,
              'permissionsBoundary',
              aw,
              POLICY_ARN,
              'a managed policy ARN',
            ),
          },
        }
      : {}),
  };
}

/** Defaults of the tunables. @public */
export const AWS_SOURCE_DEFAULTS = {
  region: 'us-east-1',
  ownerTagKeys: ['owner', 'team'],
  environmentTagKeys: ['environment', 'env'],
  createdByTagKey: 'created-by',
  agentTagKeys: {
    agentId: 'agent-id',
    onBehalfOf: 'on-behalf-of',
    reason: 'reason',
    expiresAt: 'expires-at',
  },
  concurrency: 4,
  maxAttempts: 8,
  pageSize: 1000,
  reportPollIntervalMs: 2000,
  reportTimeoutMs: 300_000,
} as const;

function accountIdOf(c: Config, key: string, where: string): string {
  const raw = c.getOptional(key);
  // YAML reads an unquoted 123456789012 as a number; accept it when it is
  // still 12 digits (a leading zero would have been lost).
  const value =
    typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
  if (typeof value !== 'string' || !ACCOUNT_ID.test(value)) {
    throw new InputError(
      `${where}.${key} must be a 12-digit AWS account id (quote it in YAML), got ${JSON.stringify(
        raw,
      )}`,
    );
  }
  return value;
}

function optionalString(
  c: Config,
  key: string,
  where: string,
  pattern: RegExp,
  what: string,
): string | undefined {
  const value = c.getOptionalString(key)?.trim();
  if (value === undefined) return undefined;
  if (!pattern.test(value)) {
    throw new InputError(
      `${where}.${key} must be ${what}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
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
        `${where}.${key}[${i}] is not a valid AWS tag key: ${JSON.stringify(
          k,
        )}`,
      );
    }
  });
  return keys;
}

function tagKey(c: Config, key: string, where: string, fallback: string) {
  const value = c.getOptionalString(key) ?? fallback;
  if (!TAG_KEY.test(value)) {
    throw new InputError(
      `${where}.${key} is not a valid AWS tag key: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function readAccount(c: Config, where: string): AwsAccountConfig {
  const accountId = accountIdOf(c, 'accountId', where);
  const roleArn = optionalString(
    c,
    'roleArn',
    where,
    ROLE_ARN,
    'an IAM role ARN (arn:aws:iam::<account id>:role/<name>)',
  );
  if (roleArn && ROLE_ARN.exec(roleArn)![1] !== accountId) {
    throw new InputError(
      `${where}.roleArn is a role of account ${
        ROLE_ARN.exec(roleArn)![1]
      }, not of ${accountId}`,
    );
  }
  return {
    accountId,
    roleArn,
    externalId: optionalString(
      c,
      'externalId',
      where,
      EXTERNAL_ID,
      'an external id (2 to 1224 characters of letters, digits and +=,.@:/-)',
    ),
    region: optionalString(c, 'region', where, REGION, 'an AWS region'),
  };
}

/** A list of 12-digit account ids (YAML numbers accepted when still 12 digits). */
function accountIdList(c: Config, key: string, where: string): string[] {
  const raw = c.getOptional<unknown>(key) ?? [];
  if (!Array.isArray(raw)) {
    throw new InputError(`${where}.${key} must be a list of AWS account ids`);
  }
  return raw.map((v, i) => {
    const value = typeof v === 'number' ? String(v) : v;
    if (typeof value !== 'string' || !ACCOUNT_ID.test(value)) {
      throw new InputError(
        `${where}.${key}[${i}] must be a 12-digit AWS account id, got ${JSON.stringify(
          v,
        )}`,
      );
    }
    return value;
  });
}

function readOrganization(c: Config, where: string): AwsOrganizationConfig {
  const accountRoleName = c.getString('accountRoleName').trim();
  if (!ROLE_NAME.test(accountRoleName)) {
    throw new InputError(
      `${where}.accountRoleName must be an IAM role name (not an ARN), got ${JSON.stringify(
        accountRoleName,
      )}`,
    );
  }
  const exclude = accountIdList(c, 'exclude', where);
  return {
    roleArn: optionalString(
      c,
      'roleArn',
      where,
      ROLE_ARN,
      'an IAM role ARN (arn:aws:iam::<account id>:role/<name>)',
    ),
    accountRoleName,
    externalId: optionalString(
      c,
      'externalId',
      where,
      EXTERNAL_ID,
      'an external id (2 to 1224 characters of letters, digits and +=,.@:/-)',
    ),
    exclude,
  };
}

/**
 * Reads one AWS source's config block (the value of `nhi.sources.aws.<id>`),
 * validating every key and applying defaults. Throws an `InputError` that
 * names the bad key.
 *
 * @public
 */
export function readAwsSourceConfig(c: Config, id: string): AwsSourceConfig {
  const where = `nhi.sources.aws.${id}`;
  if (!SOURCE_ID.test(id)) {
    throw new InputError(
      `${where}: a source id must be lower-case letters, digits and single dashes`,
    );
  }
  const accounts = (c.getOptionalConfigArray('accounts') ?? []).map((a, i) =>
    readAccount(a, `${where}.accounts[${i}]`),
  );
  const seen = new Set<string>();
  for (const [i, a] of accounts.entries()) {
    if (seen.has(a.accountId)) {
      throw new InputError(
        `${where}.accounts[${i}]: account ${a.accountId} is listed twice`,
      );
    }
    seen.add(a.accountId);
  }
  const organization = c.has('organization')
    ? readOrganization(c.getConfig('organization'), `${where}.organization`)
    : undefined;
  if (!accounts.length && !organization) {
    throw new InputError(
      `${where} needs accounts, an organization, or both: nothing to read`,
    );
  }
  const endpoint = c.getOptionalString('endpoint')?.trim();
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw new InputError(
        `${where}.endpoint must be an http(s) URL, got ${JSON.stringify(
          endpoint,
        )}`,
      );
    }
  }
  const agent = c.getOptionalConfig('agentTagKeys');
  const d = AWS_SOURCE_DEFAULTS;
  return {
    id,
    accounts,
    organization,
    organizationId: optionalString(
      c,
      'organizationId',
      where,
      ORGANIZATION_ID,
      'an AWS Organizations id (o- and 10 to 32 lower-case letters or digits)',
    ),
    organizationAccounts: accountIdList(c, 'organizationAccounts', where),
    region:
      optionalString(c, 'region', where, REGION, 'an AWS region') ?? d.region,
    endpoint,
    includeServiceLinkedRoles:
      c.getOptionalBoolean('includeServiceLinkedRoles') ?? false,
    ownerTagKeys: tagKeys(c, 'ownerTagKeys', where, d.ownerTagKeys),
    environmentTagKeys: tagKeys(
      c,
      'environmentTagKeys',
      where,
      d.environmentTagKeys,
    ),
    createdByTagKey: tagKey(c, 'createdByTagKey', where, d.createdByTagKey),
    agentTagKeys: {
      agentId: agent
        ? tagKey(
            agent,
            'agentId',
            `${where}.agentTagKeys`,
            d.agentTagKeys.agentId,
          )
        : d.agentTagKeys.agentId,
      onBehalfOf: agent
        ? tagKey(
            agent,
            'onBehalfOf',
            `${where}.agentTagKeys`,
            d.agentTagKeys.onBehalfOf,
          )
        : d.agentTagKeys.onBehalfOf,
      reason: agent
        ? tagKey(
            agent,
            'reason',
            `${where}.agentTagKeys`,
            d.agentTagKeys.reason,
          )
        : d.agentTagKeys.reason,
      expiresAt: agent
        ? tagKey(
            agent,
            'expiresAt',
            `${where}.agentTagKeys`,
            d.agentTagKeys.expiresAt,
          )
        : d.agentTagKeys.expiresAt,
    },
    concurrency: wholeNumber(c, 'concurrency', where, 1, 64, d.concurrency),
    maxAttempts: wholeNumber(c, 'maxAttempts', where, 1, 20, d.maxAttempts),
    pageSize: wholeNumber(c, 'pageSize', where, 1, 1000, d.pageSize),
    reportPollIntervalMs:
      wholeNumber(
        c,
        'credentialReport.pollIntervalSeconds',
        where,
        0,
        60,
        d.reportPollIntervalMs / 1000,
      ) * 1000,
    reportTimeoutMs:
      wholeNumber(
        c,
        'credentialReport.timeoutSeconds',
        where,
        1,
        3600,
        d.reportTimeoutMs / 1000,
      ) * 1000,
    schedule: c.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          c.getConfig('schedule'),
        )
      : undefined,
    ...(c.has('actions')
      ? { actions: readActions(c.getConfig('actions'), `${where}.actions`) }
      : {}),
  };
}

/**
 * Reads `nhi.sources.aws`: one source per id. Throws an `InputError` naming
 * the key when the config is wrong.
 *
 * @example
 * ```yaml
 * nhi:
 *   sources:
 *     aws:
 *       production:
 *         organization:
 *           roleArn: arn:aws:iam::111111111111:role/NhiOrganizationReader
 *           accountRoleName: NhiReadOnly
 * ```
 *
 * @public
 */
export function readAwsSourceConfigs(config: Config): AwsSourceConfig[] {
  const sources = config.getOptionalConfig('nhi.sources.aws');
  if (!sources) return [];
  return sources.keys().map(id => {
    if (!SOURCE_ID.test(id)) {
      throw new InputError(
        `nhi.sources.aws.${id}: a source id must be lower-case letters, digits and single dashes`,
      );
    }
    return readAwsSourceConfig(sources.getConfig(id), id);
  });
}
