import { seededRandom } from '@backstage-nhi/plugin-nhi-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  IamCompanyModel,
  IamModelAccount,
  IamModelGroup,
  IamModelInlinePolicy,
  IamModelManagedPolicy,
  IamModelRole,
  IamModelUser,
  IamPolicyDocument,
} from './model';

/**
 * Faults the endpoint injects.
 *
 * @public
 */
export interface IamEndpointFaults {
  /** Fraction (0–1) of requests answered with a `Throttling` error. */
  throttleRate?: number;
  /** Seed of the throttling draws; the same seed gives the same sequence. */
  seed?: number;
  /** Accounts whose roles cannot be assumed (STS answers AccessDenied). */
  denyAssumeRole?: string[];
  /** Accounts whose IAM requests fail as if the endpoint were down. */
  downAccounts?: string[];
  /** How a down account fails: connection reset (default) or HTTP 503. */
  downMode?: 'reset' | 'unavailable';
  /** Accounts whose credential report stays in progress for ever. */
  reportNeverCompletes?: string[];
  /**
   * Roles (by name) whose sessions may only read: every IAM write call
   * signed with their credentials is refused with AccessDenied, as the
   * read-only role's policy would. E.g. `['NhiReadOnly']`.
   */
  readOnlyRoles?: string[];
  /**
   * Write calls that fail, in order of arrival: the first matching entry
   * answers its error (once, or `times` times), e.g. to check that an
   * action leaves nothing half-done.
   */
  failWrites?: Array<{
    action: string;
    /** Only when this parameter has this value, e.g. `{ AccessKeyId: 'AKIA…' }`. */
    when?: Record<string, string>;
    code?: string;
    status?: number;
    message?: string;
    times?: number;
  }>;
}

/**
 * IAM quotas the endpoint enforces on write calls (AWS's defaults).
 *
 * @public
 */
export interface IamEndpointLimits {
  /** Roles per account. Default 1000. */
  rolesPerAccount?: number;
  /** Tags per user or role. Default 50. */
  tagsPerResource?: number;
}

/**
 * Options of {@link startIamEndpoint}.
 *
 * @public
 */
export interface IamEndpointOptions {
  model: IamCompanyModel;
  /** Port on 127.0.0.1; a free one by default. */
  port?: number;
  faults?: IamEndpointFaults;
  /** Largest GetAccountAuthorizationDetails page, whatever MaxItems asks. Default 1000. */
  pageSize?: number;
  /** GenerateCredentialReport calls that answer STARTED/INPROGRESS before COMPLETE. Default 1. */
  reportPolls?: number;
  /** `GeneratedTime` of credential reports; the clock by default. */
  now?: () => Date;
  /** Quotas of write calls. */
  limits?: IamEndpointLimits;
}

/**
 * A running endpoint.
 *
 * @public
 */
export interface IamEndpoint {
  /** `http://127.0.0.1:<port>`: the `endpoint` of IAM, STS and Organizations clients. */
  url: string;
  /** The static credentials that stand for the management account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Requests received by action (`GetAccountAuthorizationDetails`, `AssumeRole`, `ListAccounts`…), retries and throttled ones included. */
  calls: Record<string, number>;
  /** Requests answered with a Throttling error. */
  throttled: number;
  /** Sum of {@link IamEndpoint.calls}. */
  totalCalls(): number;
  /**
   * Write calls that changed the model, in order: `{ action, account,
   * role, params }` (`role` is the assumed role that signed it).
   */
  writes: Array<{
    action: string;
    account: string;
    role?: string;
    params: Record<string, string>;
  }>;
  stop(): Promise<void>;
}

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
/** IAM regenerates a credential report only when the last is older than this. */
const REPORT_MAX_AGE_MS = 4 * 3600_000;
const WRITE_ACTIONS = new Set([
  'UpdateAccessKey',
  'DeleteAccessKey',
  'DeleteLoginProfile',
  'TagUser',
  'TagRole',
  'UntagUser',
  'UntagRole',
  'CreateRole',
  'DeleteRole',
  'PutRolePolicy',
  'DeleteRolePolicy',
]);
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_ACCESS_KEY = 'AKIANHITESTENDPOINT1';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const el = (name: string, value: string | number | boolean | undefined) =>
  value === undefined ? '' : `<${name}>${esc(String(value))}</${name}>`;
const members = (name: string, items: string[]) =>
  `<${name}>${items.map(i => `<member>${i}</member>`).join('')}</${name}>`;

/** ISO 8601 as IAM's XML writes it (seconds, Z). */
function xmlDate(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The credential report's date format: `2024-01-15T10:20:30+00:00`. */
function csvDate(iso: string | undefined): string {
  return iso
    ? new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00')
    : 'N/A';
}

/** IAM's documents in GetAccountAuthorizationDetails are URL-encoded JSON. */
const encodedDocument = (d: IamPolicyDocument) =>
  encodeURIComponent(JSON.stringify(d));

/** The report's `password_last_used`: a date, `no_information` (never), or `N/A` (no password). */
function passwordLastUsed(u: IamModelUser): string {
  if (!u.password) return 'N/A';
  return u.password.lastUsed ? csvDate(u.password.lastUsed) : 'no_information';
}

class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

interface AccountState {
  account: IamModelAccount;
  usersByName: Map<string, IamModelUser>;
  /** AWS managed policies attached to something in the account. */
  awsPolicies?: IamModelManagedPolicy[];
  report?: { polls: number; csv?: string; generatedAt?: string };
}

function inlineXml(list: IamModelInlinePolicy[] | undefined): string {
  return (list ?? [])
    .map(
      p =>
        `<member>${el('PolicyName', p.name)}${el(
          'PolicyDocument',
          encodedDocument(p.document),
        )}</member>`,
    )
    .join('');
}

/**
 * Starts an HTTP endpoint on 127.0.0.1 that answers, from an in-memory
 * model, what the AWS SDK v3 IAM, STS and Organizations clients send when
 * configured with `endpoint: url`:
 *
 * - IAM (Query protocol, XML): GetAccountAuthorizationDetails with
 *   `Filter`, `MaxItems` and `Marker`/`IsTruncated` paging,
 *   GenerateCredentialReport / GetCredentialReport (base64 CSV in AWS's
 *   column format, generated anew when older than four hours),
 *   ListAccessKeys, and AWS's XML error shape;
 * - IAM writes, which change the model so the next read sees them:
 *   UpdateAccessKey, DeleteAccessKey, DeleteLoginProfile, TagUser, TagRole,
 *   UntagUser, UntagRole, CreateRole (tags, permissions boundary),
 *   DeleteRole, PutRolePolicy, DeleteRolePolicy — and the reads actions plan
 *   with (GetUser, GetRole, GetLoginProfile, GetRolePolicy,
 *   ListRolePolicies) — with AWS's errors: NoSuchEntity,
 *   EntityAlreadyExists, LimitExceeded (roles per account, tags per
 *   resource), MalformedPolicyDocument, ValidationError, DeleteConflict,
 *   and AccessDenied for sessions of a read-only role;
 * - STS AssumeRole (Query, XML): the temporary access key id encodes the
 *   target account, so later IAM calls signed with it answer for that
 *   account; the static {@link IamEndpoint.credentials} stand for the
 *   management account, and unknown keys are refused;
 * - Organizations ListAccounts (JSON 1.1, `X-Amz-Target`), NextToken paging,
 *   and DescribeOrganization (any member account may call it).
 *
 * Faults: deterministic throttling, AccessDenied on AssumeRole, accounts
 * that are down, reports that never complete.
 *
 * @public
 */
export async function startIamEndpoint(
  options: IamEndpointOptions,
): Promise<IamEndpoint> {
  const { model } = options;
  const faults = options.faults ?? {};
  const partition = model.partition ?? 'aws';
  const pageSize = options.pageSize ?? 1000;
  const reportPolls = options.reportPolls ?? 1;
  const now = options.now ?? (() => new Date());
  const random = seededRandom(faults.seed ?? 1);
  const calls: Record<string, number> = {};
  /** Temporary key id → the role it is a session of. */
  const issuedKeys = new Map<string, string>();
  const writes: IamEndpoint['writes'] = [];
  const failWrites = (faults.failWrites ?? []).map(f => ({
    ...f,
    left: f.times ?? 1,
  }));
  const rolesPerAccount = options.limits?.rolesPerAccount ?? 1000;
  const tagsPerResource = options.limits?.tagsPerResource ?? 50;
  let throttled = 0;
  let keyCounter = 0;
  let requestCounter = 0;

  const accounts = new Map<string, AccountState>(
    model.accounts.map(a => [
      a.id,
      { account: a, usersByName: new Map(a.users.map(u => [u.name, u])) },
    ]),
  );
  const awsPolicyByArn = new Map(model.awsManagedPolicies.map(p => [p.arn, p]));

  const accountOfKey = (accessKeyId: string | undefined): string => {
    if (accessKeyId === DEFAULT_ACCESS_KEY) return model.managementAccountId;
    if (accessKeyId && issuedKeys.has(accessKeyId)) {
      return accessKeyId.slice(4, 16);
    }
    throw new QueryError(
      403,
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    );
  };

  const stateOf = (accountId: string): AccountState => {
    const s = accounts.get(accountId);
    if (!s) {
      throw new QueryError(403, 'AccessDenied', `unknown account ${accountId}`);
    }
    return s;
  };

  const awsPoliciesOf = (s: AccountState): IamModelManagedPolicy[] => {
    if (!s.awsPolicies) {
      const arns = new Set<string>();
      const add = (list?: string[]) =>
        list?.forEach(arn => awsPolicyByArn.has(arn) && arns.add(arn));
      for (const u of s.account.users) {
        add(u.attachedPolicies);
        add(u.permissionsBoundary ? [u.permissionsBoundary] : []);
      }
      for (const r of s.account.roles) {
        add(r.attachedPolicies);
        add(r.permissionsBoundary ? [r.permissionsBoundary] : []);
      }
      for (const g of s.account.groups) add(g.attachedPolicies);
      s.awsPolicies = [...arns].sort().map(arn => awsPolicyByArn.get(arn)!);
    }
    return s.awsPolicies;
  };

  const attachedXml = (s: AccountState, arns: string[] | undefined) =>
    (arns ?? [])
      .map(arn => {
        const p =
          awsPolicyByArn.get(arn) ??
          s.account.policies.find(x => x.arn === arn);
        return `<member>${el(
          'PolicyName',
          p?.name ?? arn.split('/').pop(),
        )}${el('PolicyArn', arn)}</member>`;
      })
      .join('');

  const boundaryXml = (arn: string | undefined) =>
    arn
      ? `<PermissionsBoundary>${el(
          'PermissionsBoundaryType',
          'PermissionsBoundaryPolicy',
        )}${el('PermissionsBoundaryArn', arn)}</PermissionsBoundary>`
      : '';
  const tagsXml = (tags: Record<string, string> | undefined) =>
    tags && Object.keys(tags).length
      ? members(
          'Tags',
          Object.entries(tags).map(([k, v]) => el('Key', k) + el('Value', v)),
        )
      : '';

  const arnOf = (accountId: string, kind: string, path: string, name: string) =>
    `arn:${partition}:iam::${accountId}:${kind}${path}${name}`;

  const userXml = (s: AccountState, u: IamModelUser) => {
    const id = s.account.id;
    const path = u.path ?? '/';
    return `<member>${el('Path', path)}${el('UserName', u.name)}${el(
      'UserId',
      u.id,
    )}${el('Arn', arnOf(id, 'user', path, u.name))}${el(
      'CreateDate',
      xmlDate(u.createdAt),
    )}<UserPolicyList>${inlineXml(u.inlinePolicies)}</UserPolicyList>${members(
      'GroupList',
      (u.groups ?? []).map(esc),
    )}<AttachedManagedPolicies>${attachedXml(
      s,
      u.attachedPolicies,
    )}</AttachedManagedPolicies>${boundaryXml(u.permissionsBoundary)}${tagsXml(
      u.tags,
    )}</member>`;
  };

  const groupXml = (s: AccountState, g: IamModelGroup) => {
    const path = g.path ?? '/';
    return `<member>${el('Path', path)}${el('GroupName', g.name)}${el(
      'GroupId',
      g.id,
    )}${el('Arn', arnOf(s.account.id, 'group', path, g.name))}${el(
      'CreateDate',
      xmlDate(g.createdAt),
    )}<GroupPolicyList>${inlineXml(
      g.inlinePolicies,
    )}</GroupPolicyList><AttachedManagedPolicies>${attachedXml(
      s,
      g.attachedPolicies,
    )}</AttachedManagedPolicies></member>`;
  };

  const roleXml = (s: AccountState, r: IamModelRole) => {
    const path = r.path ?? '/';
    return `<member>${el('Path', path)}${el('RoleName', r.name)}${el(
      'RoleId',
      r.id,
    )}${el('Arn', arnOf(s.account.id, 'role', path, r.name))}${el(
      'CreateDate',
      xmlDate(r.createdAt),
    )}${el(
      'AssumeRolePolicyDocument',
      encodedDocument(r.trustPolicy),
    )}<InstanceProfileList/><RolePolicyList>${inlineXml(
      r.inlinePolicies,
    )}</RolePolicyList><AttachedManagedPolicies>${attachedXml(
      s,
      r.attachedPolicies,
    )}</AttachedManagedPolicies>${boundaryXml(r.permissionsBoundary)}${tagsXml(
      r.tags,
    )}<RoleLastUsed>${
      r.lastUsed
        ? el('LastUsedDate', xmlDate(r.lastUsed.at)) +
          el('Region', r.lastUsed.region)
        : ''
    }</RoleLastUsed></member>`;
  };

  const policyXml = (p: IamModelManagedPolicy) => {
    const version = p.versionId ?? 'v1';
    const date = xmlDate(p.createdAt);
    return `<member>${el('PolicyName', p.name)}${el('PolicyId', p.id)}${el(
      'Arn',
      p.arn,
    )}${el('Path', p.path ?? '/')}${el('DefaultVersionId', version)}${el(
      'AttachmentCount',
      1,
    )}${el('PermissionsBoundaryUsageCount', 0)}${el('IsAttachable', true)}${el(
      'CreateDate',
      date,
    )}${el('UpdateDate', date)}<PolicyVersionList><member>${el(
      'Document',
      encodedDocument(p.document),
    )}${el('VersionId', version)}${el('IsDefaultVersion', true)}${el(
      'CreateDate',
      date,
    )}</member></PolicyVersionList></member>`;
  };

  const getAccountAuthorizationDetails = (
    s: AccountState,
    params: URLSearchParams,
  ) => {
    const filters = new Set<string>();
    for (const [k, v] of params)
      if (/^Filter\.member\.\d+$/.test(k)) filters.add(v);
    const want = (f: string) => filters.size === 0 || filters.has(f);
    const a = s.account;
    const sections: Array<{
      tag: string;
      count: number;
      xml: (i: number) => string;
    }> = [];
    if (want('User')) {
      sections.push({
        tag: 'UserDetailList',
        count: a.users.length,
        xml: i => userXml(s, a.users[i]),
      });
    }
    if (want('Group')) {
      sections.push({
        tag: 'GroupDetailList',
        count: a.groups.length,
        xml: i => groupXml(s, a.groups[i]),
      });
    }
    if (want('Role')) {
      sections.push({
        tag: 'RoleDetailList',
        count: a.roles.length,
        xml: i => roleXml(s, a.roles[i]),
      });
    }
    const policies = [
      ...(want('LocalManagedPolicy') ? a.policies : []),
      ...(want('AWSManagedPolicy') ? awsPoliciesOf(s) : []),
    ];
    sections.push({
      tag: 'Policies',
      count: policies.length,
      xml: i => policyXml(policies[i]),
    });

    const maxItems = Number(params.get('MaxItems') ?? 100);
    const size = Math.max(
      1,
      Math.min(Number.isFinite(maxItems) ? maxItems : 100, pageSize),
    );
    let offset = 0;
    const marker = params.get('Marker');
    if (marker) {
      const m = /^nhi:(\d+)$/.exec(
        Buffer.from(marker, 'base64').toString('utf8'),
      );
      if (!m) throw new QueryError(400, 'InvalidInput', 'Invalid Marker');
      offset = Number(m[1]);
    }
    const total = sections.reduce((n, x) => n + x.count, 0);
    const end = Math.min(total, offset + size);
    const parts: Record<string, string[]> = {};
    let base = 0;
    for (const section of sections) {
      const from = Math.max(offset, base);
      const to = Math.min(end, base + section.count);
      const out: string[] = (parts[section.tag] = []);
      for (let i = from; i < to; i++) out.push(section.xml(i - base));
      base += section.count;
    }
    const truncated = end < total;
    return `${Object.entries(parts)
      .map(([tag, items]) => `<${tag}>${items.join('')}</${tag}>`)
      .join('')}${el('IsTruncated', truncated)}${
      truncated
        ? el('Marker', Buffer.from(`nhi:${end}`).toString('base64'))
        : ''
    }`;
  };

  const credentialReport = (s: AccountState): string => {
    const rows: string[] = [
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
    ];
    type Key = {
      active: boolean;
      createdAt: string;
      lastUsed?: { at: string; region: string; service: string };
    };
    const keyCols = (k: Key | undefined) =>
      k
        ? [
            String(k.active),
            csvDate(k.createdAt),
            csvDate(k.lastUsed?.at),
            k.lastUsed?.region ?? 'N/A',
            k.lastUsed?.service ?? 'N/A',
          ]
        : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    const certCols = (c: { active: boolean; createdAt: string } | undefined) =>
      c ? [String(c.active), csvDate(c.createdAt)] : ['false', 'N/A'];
    const root = s.account.root;
    if (root) {
      const keys = [...(root.accessKeys ?? [])].sort((x, y) =>
        x.createdAt.localeCompare(y.createdAt),
      );
      rows.push(
        [
          '<root_account>',
          `arn:${partition}:iam::${s.account.id}:root`,
          csvDate(root.createdAt),
          'not_supported',
          'no_information',
          'not_supported',
          'not_supported',
          String(root.mfa),
          ...keyCols(keys[0]),
          ...keyCols(keys[1]),
          'false',
          'N/A',
          'false',
          'N/A',
        ].join(','),
      );
    }
    for (const u of s.account.users) {
      const keys = [...(u.accessKeys ?? [])]
        .sort((x, y) => x.createdAt.localeCompare(y.createdAt))
        .map(k => ({
          active: k.status === 'Active',
          createdAt: k.createdAt,
          lastUsed: k.lastUsed,
        }));
      const certs = u.signingCertificates ?? [];
      rows.push(
        [
          u.name,
          arnOf(s.account.id, 'user', u.path ?? '/', u.name),
          csvDate(u.createdAt),
          String(!!u.password),
          passwordLastUsed(u),
          u.password ? csvDate(u.password.lastChanged) : 'N/A',
          'N/A',
          String(!!u.mfa),
          ...keyCols(keys[0]),
          ...keyCols(keys[1]),
          ...certCols(certs[0]),
          ...certCols(certs[1]),
        ].join(','),
      );
    }
    return `${rows.join('\n')}\n`;
  };

  const noSuchUser = (name: string) =>
    new QueryError(
      404,
      'NoSuchEntity',
      `The user with name ${name} cannot be found.`,
    );
  const userOf = (s: AccountState, params: URLSearchParams) => {
    const name = params.get('UserName') ?? '';
    const u = s.usersByName.get(name);
    if (!u) throw noSuchUser(name);
    return u;
  };
  const roleOf = (s: AccountState, params: URLSearchParams) => {
    const name = params.get('RoleName') ?? '';
    const r = s.account.roles.find(x => x.name === name);
    if (!r) {
      throw new QueryError(
        404,
        'NoSuchEntity',
        `The role with name ${name} cannot be found.`,
      );
    }
    return r;
  };
  const keyOf = (u: IamModelUser, params: URLSearchParams) => {
    const id = params.get('AccessKeyId') ?? '';
    const k = u.accessKeys?.find(x => x.id === id);
    if (!k) {
      throw new QueryError(
        404,
        'NoSuchEntity',
        `The Access Key with id ${id} cannot be found.`,
      );
    }
    return k;
  };
  /** `Tags.member.N.Key/Value` (or `TagKeys.member.N`) of a request. */
  const tagsParam = (params: URLSearchParams): Record<string, string> => {
    const tags: Record<string, string> = {};
    for (let i = 1; params.has(`Tags.member.${i}.Key`); i++) {
      const key = params.get(`Tags.member.${i}.Key`)!;
      const value = params.get(`Tags.member.${i}.Value`) ?? '';
      if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(key)) {
        throw new QueryError(
          400,
          'InvalidInput',
          `1 validation error detected: Value '${key}' at 'tags.${i}.member.key' failed to satisfy constraint`,
        );
      }
      if (value.length > 256) {
        throw new QueryError(
          400,
          'InvalidInput',
          `1 validation error detected: Value at 'tags.${i}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
        );
      }
      tags[key] = value;
    }
    return tags;
  };
  const tagKeysParam = (params: URLSearchParams): string[] => {
    const keys: string[] = [];
    for (let i = 1; params.has(`TagKeys.member.${i}`); i++) {
      keys.push(params.get(`TagKeys.member.${i}`)!);
    }
    return keys;
  };
  /** IAM tag keys are case-insensitive: a key differing only in case replaces. */
  const mergeTags = (
    current: Record<string, string> | undefined,
    added: Record<string, string>,
  ) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(current ?? {})) {
      if (!Object.keys(added).some(a => a.toLowerCase() === k.toLowerCase())) {
        out[k] = v;
      }
    }
    Object.assign(out, added);
    if (Object.keys(out).length > tagsPerResource) {
      throw new QueryError(
        409,
        'LimitExceeded',
        `Cannot exceed quota for TagsPerResource: ${tagsPerResource}`,
      );
    }
    return out;
  };
  const parseDocument = (raw: string | null, what: string) => {
    let doc: IamPolicyDocument | undefined;
    try {
      doc = JSON.parse(raw ?? '');
    } catch {
      doc = undefined;
    }
    if (!doc || typeof doc !== 'object' || !doc.Statement) {
      throw new QueryError(
        400,
        'MalformedPolicyDocument',
        `${what} is not a valid policy document: Syntax errors in policy.`,
      );
    }
    return doc;
  };
  const tagListXml = (tags: Record<string, string> | undefined) =>
    members(
      'Tags',
      Object.entries(tags ?? {}).map(([k, v]) => el('Key', k) + el('Value', v)),
    );
  const roleBodyXml = (s: AccountState, r: IamModelRole) =>
    `${el('Path', r.path ?? '/')}${el('RoleName', r.name)}${el(
      'RoleId',
      r.id,
    )}${el('Arn', arnOf(s.account.id, 'role', r.path ?? '/', r.name))}${el(
      'CreateDate',
      xmlDate(r.createdAt),
    )}${el(
      'AssumeRolePolicyDocument',
      encodedDocument(r.trustPolicy),
    )}${boundaryXml(r.permissionsBoundary)}${tagListXml(r.tags)}`;

  /** IAM write calls: they change the model, so the next read sees them. */
  const iamWrite = (
    s: AccountState,
    action: string,
    params: URLSearchParams,
  ): string => {
    switch (action) {
      case 'UpdateAccessKey': {
        const k = keyOf(userOf(s, params), params);
        const status = params.get('Status');
        if (status !== 'Active' && status !== 'Inactive') {
          throw new QueryError(
            400,
            'ValidationError',
            `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
          );
        }
        k.status = status;
        return '';
      }
      case 'DeleteAccessKey': {
        const u = userOf(s, params);
        const k = keyOf(u, params);
        u.accessKeys = u.accessKeys!.filter(x => x !== k);
        return '';
      }
      case 'DeleteLoginProfile': {
        const u = userOf(s, params);
        if (!u.password) {
          throw new QueryError(
            404,
            'NoSuchEntity',
            `Login Profile for User ${u.name} cannot be found.`,
          );
        }
        delete u.password;
        return '';
      }
      case 'TagUser': {
        const u = userOf(s, params);
        u.tags = mergeTags(u.tags, tagsParam(params));
        return '';
      }
      case 'TagRole': {
        const r = roleOf(s, params);
        r.tags = mergeTags(r.tags, tagsParam(params));
        return '';
      }
      case 'UntagUser':
      case 'UntagRole': {
        const target =
          action === 'UntagUser' ? userOf(s, params) : roleOf(s, params);
        const drop = tagKeysParam(params).map(k => k.toLowerCase());
        target.tags = Object.fromEntries(
          Object.entries(target.tags ?? {}).filter(
            ([k]) => !drop.includes(k.toLowerCase()),
          ),
        );
        return '';
      }
      case 'CreateRole': {
        const name = params.get('RoleName') ?? '';
        if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
          throw new QueryError(
            400,
            'ValidationError',
            `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
          );
        }
        if (
          s.account.roles.some(r => r.name.toLowerCase() === name.toLowerCase())
        ) {
          throw new QueryError(
            409,
            'EntityAlreadyExists',
            `Role with name ${name} already exists.`,
          );
        }
        if (s.account.roles.length >= rolesPerAccount) {
          throw new QueryError(
            409,
            'LimitExceeded',
            `Cannot exceed quota for RolesPerAccount: ${rolesPerAccount}`,
          );
        }
        const trustPolicy = parseDocument(
          params.get('AssumeRolePolicyDocument'),
          'AssumeRolePolicyDocument',
        );
        const tags = mergeTags(undefined, tagsParam(params));
        const role: IamModelRole = {
          name,
          id: `AROA${s.account.id}${(++keyCounter)
            .toString(36)
            .toUpperCase()
            .padStart(5, '0')}`,
          path: params.get('Path') ?? '/',
          createdAt: now().toISOString(),
          trustPolicy,
          ...(Object.keys(tags).length ? { tags } : {}),
          ...(params.get('PermissionsBoundary')
            ? { permissionsBoundary: params.get('PermissionsBoundary')! }
            : {}),
        };
        s.account.roles.push(role);
        s.awsPolicies = undefined;
        return `<Role>${roleBodyXml(s, role)}</Role>`;
      }
      case 'DeleteRole': {
        const r = roleOf(s, params);
        if (r.inlinePolicies?.length || r.attachedPolicies?.length) {
          throw new QueryError(
            409,
            'DeleteConflict',
            'Cannot delete entity, must delete policies first.',
          );
        }
        s.account.roles = s.account.roles.filter(x => x !== r);
        s.awsPolicies = undefined;
        return '';
      }
      case 'PutRolePolicy': {
        const r = roleOf(s, params);
        const name = params.get('PolicyName') ?? '';
        const document = parseDocument(
          params.get('PolicyDocument'),
          'PolicyDocument',
        );
        r.inlinePolicies = [
          ...(r.inlinePolicies ?? []).filter(p => p.name !== name),
          { name, document },
        ];
        return '';
      }
      case 'DeleteRolePolicy': {
        const r = roleOf(s, params);
        const name = params.get('PolicyName') ?? '';
        if (!r.inlinePolicies?.some(p => p.name === name)) {
          throw new QueryError(
            404,
            'NoSuchEntity',
            `The role policy with name ${name} cannot be found.`,
          );
        }
        r.inlinePolicies = r.inlinePolicies.filter(p => p.name !== name);
        return '';
      }
      default:
        throw new QueryError(400, 'InvalidAction', `Unknown action ${action}`);
    }
  };

  const iam = (
    accountId: string,
    action: string,
    params: URLSearchParams,
    role?: string,
  ): string => {
    const s = stateOf(accountId);
    if (WRITE_ACTIONS.has(action)) {
      if (role && faults.readOnlyRoles?.includes(role)) {
        throw new QueryError(
          403,
          'AccessDenied',
          `User: arn:${partition}:sts::${accountId}:assumed-role/${role}/backstage-nhi is not authorized to perform: iam:${action} because no identity-based policy allows the iam:${action} action`,
        );
      }
      const flat = Object.fromEntries(params);
      const fault = failWrites.find(
        f =>
          f.left > 0 &&
          f.action === action &&
          Object.entries(f.when ?? {}).every(([k, v]) => flat[k] === v),
      );
      if (fault) {
        fault.left--;
        throw new QueryError(
          fault.status ?? 500,
          fault.code ?? 'ServiceFailure',
          fault.message ?? `injected failure of ${action}`,
          (fault.status ?? 500) >= 500 ? 'Receiver' : 'Sender',
        );
      }
      const out = iamWrite(s, action, params);
      delete flat.Action;
      delete flat.Version;
      writes.push({ action, account: accountId, role, params: flat });
      return out;
    }
    switch (action) {
      case 'GetUser': {
        const u = userOf(s, params);
        const path = u.path ?? '/';
        return `<User>${el('Path', path)}${el('UserName', u.name)}${el(
          'UserId',
          u.id,
        )}${el('Arn', arnOf(s.account.id, 'user', path, u.name))}${el(
          'CreateDate',
          xmlDate(u.createdAt),
        )}${tagListXml(u.tags)}</User>`;
      }
      case 'GetRole':
        return `<Role>${roleBodyXml(s, roleOf(s, params))}</Role>`;
      case 'GetLoginProfile': {
        const u = userOf(s, params);
        if (!u.password) {
          throw new QueryError(
            404,
            'NoSuchEntity',
            `Login Profile for User ${u.name} cannot be found.`,
          );
        }
        return `<LoginProfile>${el('UserName', u.name)}${el(
          'CreateDate',
          xmlDate(u.password.lastChanged),
        )}${el('PasswordResetRequired', false)}</LoginProfile>`;
      }
      case 'GetRolePolicy': {
        const r = roleOf(s, params);
        const name = params.get('PolicyName') ?? '';
        const p = r.inlinePolicies?.find(x => x.name === name);
        if (!p) {
          throw new QueryError(
            404,
            'NoSuchEntity',
            `The role policy with name ${name} cannot be found.`,
          );
        }
        return `${el('RoleName', r.name)}${el('PolicyName', p.name)}${el(
          'PolicyDocument',
          encodedDocument(p.document),
        )}`;
      }
      case 'ListRolePolicies': {
        const r = roleOf(s, params);
        return `${members(
          'PolicyNames',
          (r.inlinePolicies ?? []).map(p => esc(p.name)),
        )}${el('IsTruncated', false)}`;
      }
      default:
        break;
    }
    switch (action) {
      case 'GetAccountAuthorizationDetails':
        return getAccountAuthorizationDetails(s, params);
      case 'GenerateCredentialReport': {
        if (
          s.report?.generatedAt &&
          now().getTime() - Date.parse(s.report.generatedAt) > REPORT_MAX_AGE_MS
        ) {
          // as IAM: a report older than four hours is generated anew
          s.report = undefined;
        }
        const r = (s.report ??= { polls: 0 });
        if (!r.csv) {
          r.polls++;
          if (
            r.polls > reportPolls &&
            !faults.reportNeverCompletes?.includes(accountId)
          ) {
            r.csv = credentialReport(s);
            r.generatedAt = now().toISOString();
          }
        }
        let state = 'INPROGRESS';
        if (r.csv) state = 'COMPLETE';
        else if (r.polls === 1) state = 'STARTED';
        return (
          el('State', state) +
          el('Description', `Report generation ${state.toLowerCase()}`)
        );
      }
      case 'GetCredentialReport': {
        if (!s.report)
          throw new QueryError(
            410,
            'ReportNotPresent',
            'Credential report not present',
          );
        if (!s.report.csv)
          throw new QueryError(
            404,
            'ReportInProgress',
            'Credential report in progress',
          );
        return (
          el('Content', Buffer.from(s.report.csv).toString('base64')) +
          el('ReportFormat', 'text/csv') +
          el('GeneratedTime', xmlDate(s.report.generatedAt!))
        );
      }
      case 'ListAccessKeys': {
        const name = params.get('UserName') ?? '';
        const u = s.usersByName.get(name);
        if (!u)
          throw new QueryError(
            404,
            'NoSuchEntity',
            `The user with name ${name} cannot be found.`,
          );
        return (
          members(
            'AccessKeyMetadata',
            (u.accessKeys ?? []).map(
              k =>
                el('UserName', u.name) +
                el('AccessKeyId', k.id) +
                el('Status', k.status) +
                el('CreateDate', xmlDate(k.createdAt)),
            ),
          ) + el('IsTruncated', false)
        );
      }
      default:
        throw new QueryError(
          400,
          'InvalidAction',
          `Could not find operation ${action} for version 2010-05-08`,
        );
    }
  };

  const assumeRole = (params: URLSearchParams): string => {
    const roleArn = params.get('RoleArn') ?? '';
    const m = /^arn:([\w-]+):iam::(\d{12}):role\/(.+)$/.exec(roleArn);
    if (!m || m[1] !== partition) {
      throw new QueryError(
        400,
        'ValidationError',
        `${roleArn} is not a valid role ARN in partition ${partition}`,
      );
    }
    const target = m[2];
    if (!accounts.has(target) || faults.denyAssumeRole?.includes(target)) {
      throw new QueryError(
        403,
        'AccessDenied',
        `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const accessKeyId = `ASIA${target}${(++keyCounter)
      .toString(36)
      .toUpperCase()
      .padStart(4, '0')}`;
    issuedKeys.set(accessKeyId, m[3].split('/').pop()!);
    const session = params.get('RoleSessionName') ?? 'session';
    const expiration = new Date(
      Date.now() + Number(params.get('DurationSeconds') ?? 3600) * 1000,
    );
    return `<Credentials>${el('AccessKeyId', accessKeyId)}${el(
      'SecretAccessKey',
      'nhi-test-secret',
    )}${el('SessionToken', `nhi-test-session-${keyCounter}`)}${el(
      'Expiration',
      xmlDate(expiration.toISOString()),
    )}</Credentials><AssumedRoleUser>${el(
      'AssumedRoleId',
      `AROANHITEST:${session}`,
    )}${el(
      'Arn',
      `arn:${partition}:sts::${target}:assumed-role/${m[3]}/${session}`,
    )}</AssumedRoleUser>`;
  };

  /** Any account of the organization may describe it; others may not. */
  const describeOrganization = (callerAccount: string) => {
    if (!model.accounts.some(a => a.id === callerAccount)) {
      return {
        status: 400,
        body: {
          __type: 'AWSOrganizationsNotInUseException',
          message: 'Your account is not a member of an organization.',
        },
      };
    }
    return {
      status: 200,
      body: {
        Organization: {
          Id: model.organizationId,
          Arn: `arn:${partition}:organizations::${model.managementAccountId}:organization/${model.organizationId}`,
          FeatureSet: 'ALL',
          MasterAccountId: model.managementAccountId,
          MasterAccountArn: `arn:${partition}:organizations::${model.managementAccountId}:account/${model.organizationId}/${model.managementAccountId}`,
          MasterAccountEmail:
            model.accounts.find(a => a.id === model.managementAccountId)
              ?.email ?? `aws+${model.managementAccountId}@example.com`,
        },
      },
    };
  };

  const listAccounts = (
    callerAccount: string,
    body: { NextToken?: string; MaxResults?: number },
  ) => {
    if (callerAccount !== model.managementAccountId) {
      return {
        status: 400,
        body: {
          __type: 'AccessDeniedException',
          message: 'You don\u2019t have permissions to access this resource.',
        },
      };
    }
    const size = Math.min(body.MaxResults ?? 20, 20);
    const offset = body.NextToken
      ? Number(Buffer.from(body.NextToken, 'base64').toString('utf8'))
      : 0;
    const slice = model.accounts.slice(offset, offset + size);
    const next =
      offset + size < model.accounts.length
        ? Buffer.from(String(offset + size)).toString('base64')
        : undefined;
    return {
      status: 200,
      body: {
        Accounts: slice.map(a => ({
          Id: a.id,
          Arn: `arn:${partition}:organizations::${model.managementAccountId}:account/${model.organizationId}/${a.id}`,
          Email: a.email ?? `aws+${a.id}@example.com`,
          Name: a.name,
          Status: a.status ?? 'ACTIVE',
          JoinedMethod:
            a.id === model.managementAccountId ? 'CREATED' : 'INVITED',
          JoinedTimestamp: 1700000000,
        })),
        ...(next ? { NextToken: next } : {}),
      },
    };
  };

  const xmlResponse = (ns: string, action: string, result: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>nhi-${requestCounter}</RequestId></ResponseMetadata></${action}Response>`;
  const xmlError = (ns: string, e: QueryError) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>${
      e.type
    }</Type><Code>${esc(e.code)}</Code><Message>${esc(
      e.message,
    )}</Message></Error><RequestId>nhi-${requestCounter}</RequestId></ErrorResponse>`;

  const handle = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
  ) => {
    requestCounter++;
    const auth = req.headers.authorization ?? '';
    const scope =
      /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
    const accessKeyId = scope?.[1];
    const service = scope?.[2];
    const target = req.headers['x-amz-target'];
    if (
      typeof target === 'string' &&
      target.startsWith('AWSOrganizationsV20161128.')
    ) {
      const action = target.split('.')[1];
      calls[action] = (calls[action] ?? 0) + 1;
      const json = (status: number, body: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `nhi-${requestCounter}`,
        });
        res.end(JSON.stringify(body));
      };
      if (faults.throttleRate && random() < faults.throttleRate) {
        throttled++;
        json(400, {
          __type: 'TooManyRequestsException',
          message: 'Rate exceeded',
        });
        return;
      }
      let caller: string;
      try {
        caller = accountOfKey(accessKeyId);
      } catch (e) {
        json(400, {
          __type: 'UnrecognizedClientException',
          message: (e as Error).message,
        });
        return;
      }
      if (action === 'DescribeOrganization') {
        const out = describeOrganization(caller);
        json(out.status, out.body);
        return;
      }
      if (action !== 'ListAccounts') {
        json(400, {
          __type: 'UnknownOperationException',
          message: `${action} is not supported`,
        });
        return;
      }
      const out = listAccounts(caller, raw ? JSON.parse(raw) : {});
      json(out.status, out.body);
      return;
    }
    const params = new URLSearchParams(raw);
    const action = params.get('Action') ?? '';
    calls[action] = (calls[action] ?? 0) + 1;
    const ns = service === 'sts' ? STS_NS : IAM_NS;
    const xml = (status: number, body: string) => {
      res.writeHead(status, {
        'content-type': 'text/xml',
        'x-amzn-requestid': `nhi-${requestCounter}`,
      });
      res.end(body);
    };
    try {
      if (faults.throttleRate && random() < faults.throttleRate) {
        throttled++;
        throw new QueryError(400, 'Throttling', 'Rate exceeded');
      }
      const caller = accountOfKey(accessKeyId);
      if (service === 'sts') {
        if (action !== 'AssumeRole') {
          throw new QueryError(
            400,
            'InvalidAction',
            `Could not find operation ${action} for version 2011-06-15`,
          );
        }
        xml(200, xmlResponse(ns, action, assumeRole(params)));
        return;
      }
      if (faults.downAccounts?.includes(caller)) {
        if (faults.downMode === 'unavailable') {
          throw new QueryError(
            503,
            'ServiceUnavailable',
            'Service is unavailable',
            'Receiver',
          );
        }
        req.socket.destroy();
        return;
      }
      xml(
        200,
        xmlResponse(
          ns,
          action,
          iam(caller, action, params, issuedKeys.get(accessKeyId ?? '')),
        ),
      );
    } catch (e) {
      if (e instanceof QueryError) {
        xml(e.status, xmlError(ns, e));
      } else {
        xml(
          500,
          xmlError(
            ns,
            new QueryError(500, 'ServiceFailure', String(e), 'Receiver'),
          ),
        );
      }
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () =>
      handle(req, res, Buffer.concat(chunks).toString('utf8')),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    credentials: {
      accessKeyId: DEFAULT_ACCESS_KEY,
      secretAccessKey: 'nhi-test-secret',
    },
    calls,
    writes,
    get throttled() {
      return throttled;
    },
    totalCalls: () => Object.values(calls).reduce((a, b) => a + b, 0),
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
