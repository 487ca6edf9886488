import {
  AccessKeyMetadata,
  AttachedPolicy,
  PolicyDetail,
  RoleDetail,
  Tag,
} from '@aws-sdk/client-iam';
import {
  DAY,
  NhiCreation,
  NhiCredential,
  NhiLastUse,
  NhiPermissionSummary,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import {
  AnalyzablePolicy,
  PolicyAnalysis,
  PolicyAnalyzer,
} from '../policy/PolicyAnalyzer';
import { analyzeTrustPolicy, AwsOrganizationContext } from '../policy/trust';
import { AwsAgentTagKeys } from '../config';
import {
  CredentialReportRow,
  ReportKeySlot,
  ROOT_ACCOUNT_ROW,
} from './credentialReport';
import { AwsPartition } from './partition';
import { IamAccountSnapshot } from './readAccount';

/**
 * How identities of one account are normalized.
 *
 * @public
 */
export interface NormalizeOptions {
  accountId: string;
  partition: AwsPartition;
  region: string;
  includeServiceLinkedRoles: boolean;
  ownerTagKeys: string[];
  environmentTagKeys: string[];
  createdByTagKey: string;
  agentTagKeys: AwsAgentTagKeys;
  /** The organization's id and accounts: trust in them is not third-party trust. */
  organization?: AwsOrganizationContext;
  /** "Now", for the 400-day window of role last-use tracking. */
  now?: Date;
}

type Credential = Omit<NhiCredential, 'rotation'>;

/** Roles' last use is tracked for 400 days; older roles without one may have been used before. */
const ROLE_TRACKING_DAYS = 400;
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a policy document as IAM returns it: URL-encoded JSON in
 * GetAccountAuthorizationDetails, plain JSON elsewhere.
 */
export function parsePolicyDocument(raw: string | undefined): unknown {
  if (!raw) return undefined;
  const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
  return JSON.parse(text);
}

/** Tags by lower-cased key: AWS keys are case-sensitive, people are not. */
function tagsOf(tags: Tag[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of tags ?? []) {
    const value = t.Value?.trim();
    if (t.Key && value && !m.has(t.Key.toLowerCase())) {
      m.set(t.Key.toLowerCase(), value);
    }
  }
  return m;
}

function latestUse(credentials: Credential[]): NhiLastUse | undefined {
  let latest: NhiLastUse | undefined;
  for (const c of credentials) {
    if (c.lastUsed?.at && (!latest?.at || c.lastUsed.at > latest.at)) {
      latest = c.lastUsed;
    }
  }
  if (latest) return { ...latest };
  if (credentials.length && credentials.every(c => c.lastUsed?.never)) {
    return { never: true };
  }
  return undefined;
}

/**
 * Pairs ListAccessKeys keys with the report's key slots by creation date
 * (the report's `last_rotated` is the key's creation time, to the second).
 */
export function matchKeysToReport(
  keys: AccessKeyMetadata[],
  slots: ReportKeySlot[],
): Array<{ key: AccessKeyMetadata; slot?: ReportKeySlot }> {
  const free = [...slots];
  return [...keys]
    .sort(
      (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0),
    )
    .map(key => {
      const created = key.CreateDate?.getTime();
      if (created === undefined) return { key };
      let best = -1;
      let bestDiff = Infinity;
      free.forEach((s, i) => {
        const diff = Math.abs(Date.parse(s.lastRotated) - created);
        if (diff < bestDiff) {
          best = i;
          bestDiff = diff;
        }
      });
      // Same second; a wider gap is another key (e.g. one created after the report).
      if (best < 0 || bestDiff >= 2000) return { key };
      const [slot] = free.splice(best, 1);
      return { key, slot };
    });
}

function keyCredential(
  key: AccessKeyMetadata,
  slot: ReportKeySlot | undefined,
): Credential {
  const createdAt = toIsoTime(key.CreateDate);
  let lastUsed: NhiLastUse | undefined;
  if (slot?.lastUsed) {
    lastUsed = { at: slot.lastUsed.at };
    if (slot.lastUsed.service) lastUsed.service = slot.lastUsed.service;
    if (slot.lastUsed.region) lastUsed.region = slot.lastUsed.region;
  } else if (slot) {
    // The report lists the key with no use: never used.
    lastUsed = { never: true };
  }
  return {
    id: key.AccessKeyId!,
    kind: 'access-key',
    status: key.Status === 'Active' ? 'active' : 'inactive',
    ...(createdAt ? { createdAt, lastRotatedAt: createdAt } : {}),
    ...(lastUsed ? { lastUsed } : {}),
  };
}

function reportCredentials(row: CredentialReportRow | undefined): Credential[] {
  if (!row) return [];
  const out: Credential[] = [];
  if (row.passwordEnabled) {
    let lastUsed: NhiLastUse | undefined;
    if (row.passwordLastUsed) lastUsed = { at: row.passwordLastUsed };
    else if (row.passwordNeverUsed) lastUsed = { never: true };
    out.push({
      id: 'console-password',
      kind: 'password',
      status: 'active',
      ...(row.passwordLastChanged
        ? {
            createdAt: row.passwordLastChanged,
            lastRotatedAt: row.passwordLastChanged,
          }
        : {}),
      ...(lastUsed ? { lastUsed } : {}),
    });
  }
  for (const cert of row.certificates) {
    out.push({
      id: `signing-certificate-${cert.slot}`,
      kind: 'signing-certificate',
      status: cert.active ? 'active' : 'inactive',
      createdAt: cert.lastRotated,
      lastRotatedAt: cert.lastRotated,
    });
  }
  return out;
}

function isServiceLinked(role: RoleDetail): boolean {
  return (
    (role.Path ?? '').startsWith('/aws-service-role/') ||
    (role.RoleName ?? '').startsWith('AWSServiceRoleFor')
  );
}

/**
 * Turns one account's snapshot into identity records: every IAM user and
 * role (service-linked roles only when configured), and the root user when
 * it has access keys. Permissions are analysed per distinct policy set.
 *
 * @public
 */
export async function* toIdentityRecords(
  snapshot: IamAccountSnapshot,
  options: NormalizeOptions,
  analyzer: PolicyAnalyzer,
): AsyncGenerator<NhiIdentityRecord> {
  const { accountId, partition, region } = options;
  const now = options.now ?? new Date();
  const managed = new Map<string, AnalyzablePolicy>();
  for (const p of snapshot.policies) {
    const version =
      p.PolicyVersionList?.find(v => v.IsDefaultVersion) ??
      p.PolicyVersionList?.find(v => v.VersionId === p.DefaultVersionId);
    if (!p.Arn || !version?.Document) continue;
    try {
      managed.set(p.Arn, {
        id: `${p.Arn}@${version.VersionId ?? ''}`,
        name: p.PolicyName ?? p.Arn,
        document: parsePolicyDocument(version.Document),
      });
    } catch {
      // Unparseable document: the policy counts as unreadable below.
    }
  }
  const groups = new Map(snapshot.groups.map(g => [g.GroupName!, g]));

  const inline = (
    list: PolicyDetail[] | undefined,
    suffix: string,
    unreadable: string[],
  ): AnalyzablePolicy[] =>
    (list ?? []).flatMap(p => {
      const name = `${p.PolicyName} (inline${suffix})`;
      try {
        return [
          {
            id: PolicyAnalyzer.inlineId(name, p.PolicyDocument ?? ''),
            name,
            document: parsePolicyDocument(p.PolicyDocument),
          },
        ];
      } catch {
        unreadable.push(name);
        return [];
      }
    });
  const attached = (
    list: AttachedPolicy[] | undefined,
    suffix: string,
    unreadable: string[],
  ): AnalyzablePolicy[] =>
    (list ?? []).flatMap(a => {
      const p = a.PolicyArn ? managed.get(a.PolicyArn) : undefined;
      if (!p) {
        unreadable.push(`${a.PolicyName ?? a.PolicyArn}${suffix}`);
        return [];
      }
      return [suffix ? { ...p, name: `${p.name}${suffix}` } : p];
    });
  /** Customer-managed policies attached (their ARNs): those an identity may rewrite to grant itself. */
  const customerManaged = (list: AttachedPolicy[] | undefined): string[] =>
    (list ?? [])
      .map(a => a.PolicyArn)
      .filter(
        (arn): arn is string =>
          !!arn && !/^arn:[\w-]+:iam::aws:policy\//.test(arn),
      );
  const boundaryOf = (
    arn: string | undefined,
    unreadable: string[],
  ): AnalyzablePolicy | undefined => {
    if (!arn) return undefined;
    const p = managed.get(arn);
    if (!p) unreadable.push(`permissions boundary ${arn}`);
    return p;
  };

  const common = (
    name: string,
    tagList: Tag[] | undefined,
    createDate: Date | undefined,
  ) => {
    const tags = tagsOf(tagList);
    const record: Pick<
      NhiIdentityRecord,
      'owner' | 'environments' | 'createdBy'
    > = {};
    for (const key of options.ownerTagKeys) {
      const value = tags.get(key.toLowerCase());
      if (value) {
        record.owner = { value, via: `tag:${key}` };
        break;
      }
    }
    for (const key of options.environmentTagKeys) {
      const value = tags.get(key.toLowerCase());
      if (value) {
        record.environments = value
          .split(/[\s,;/]+/)
          .map(v => v.trim())
          .filter(Boolean);
        break;
      }
    }
    const at = toIsoTime(createDate);
    const k = options.agentTagKeys;
    const agentId = tags.get(k.agentId.toLowerCase());
    const createdByName = tags.get(options.createdByTagKey.toLowerCase());
    let createdBy: NhiCreation;
    if (agentId) {
      const expiresAt = tags.get(k.expiresAt.toLowerCase());
      createdBy = {
        type: 'agent',
        agent: {
          id: agentId,
          ...(tags.get(k.onBehalfOf.toLowerCase())
            ? { onBehalfOf: tags.get(k.onBehalfOf.toLowerCase()) }
            : {}),
          ...(tags.get(k.reason.toLowerCase())
            ? { reason: tags.get(k.reason.toLowerCase()) }
            : {}),
          ...(expiresAt && ISO_DATE.test(expiresAt) ? { expiresAt } : {}),
        },
      };
    } else if (createdByName) {
      createdBy = { type: 'person', name: createdByName };
    } else {
      createdBy = { type: 'unknown' };
    }
    if (at) createdBy.at = at;
    record.createdBy = createdBy;
    return { ...record, name };
  };

  const permissions = (
    analysis: PolicyAnalysis,
    trust?: NhiPermissionSummary['trust'],
  ): NhiPermissionSummary => {
    const p: NhiPermissionSummary = { admin: analysis.admin };
    if (analysis.escalation.length) p.escalation = analysis.escalation;
    if (analysis.serviceWildcards.length) {
      p.serviceWildcards = analysis.serviceWildcards;
    }
    if (analysis.dataExfiltration.length) {
      p.dataExfiltration = analysis.dataExfiltration;
    }
    if (trust && Object.keys(trust).length) p.trust = trust;
    p.summary = analysis.summary;
    return p;
  };

  const base = {
    category: 'service-account' as const,
    provider: 'aws',
    account: accountId,
    scope: accountId,
  };
  const consoleUrl = `https://${partition.consoleHost}/iam/home`;

  for (const user of snapshot.users) {
    const name = user.UserName!;
    const row = snapshot.report.get(name);
    const slots = row?.keys ?? [];
    const keys = matchKeysToReport(snapshot.accessKeys.get(name) ?? [], slots);
    const credentials: Credential[] = [
      ...keys.map(k => keyCredential(k.key, k.slot)),
      ...reportCredentials(row),
    ];
    const unreadable: string[] = [];
    const policies: AnalyzablePolicy[] = [
      ...inline(user.UserPolicyList, '', unreadable),
      ...attached(user.AttachedManagedPolicies, '', unreadable),
    ];
    const groupArns: string[] = [];
    const managedPolicyArns = customerManaged(user.AttachedManagedPolicies);
    for (const groupName of user.GroupList ?? []) {
      const g = groups.get(groupName);
      if (!g) {
        unreadable.push(`group ${groupName}`);
        continue;
      }
      if (g.Arn) groupArns.push(g.Arn);
      managedPolicyArns.push(...customerManaged(g.AttachedManagedPolicies));
      policies.push(
        ...inline(g.GroupPolicyList, `, group ${groupName}`, unreadable),
        ...attached(
          g.AttachedManagedPolicies,
          ` (group ${groupName})`,
          unreadable,
        ),
      );
    }
    const analysis = await analyzer.analyze({
      accountId,
      partition: partition.id,
      region,
      principalType: 'user',
      policies,
      boundary: boundaryOf(
        user.PermissionsBoundary?.PermissionsBoundaryArn,
        unreadable,
      ),
      unreadable,
      principal: { arn: user.Arn!, groupArns, managedPolicyArns },
    });
    const lastUsed = latestUse(credentials);
    const record: NhiIdentityRecord = {
      externalId: user.Arn!,
      type: 'iam-user',
      ...base,
      tags: ['aws', 'iam-user'],
      ...common(name, user.Tags, user.CreateDate),
      ...(lastUsed ? { lastUsed } : {}),
      ...(row
        ? { interactiveLogin: row.passwordEnabled === true, mfa: row.mfaActive }
        : {}),
      credentials,
      permissions: permissions(analysis),
      links: [
        {
          url: `${consoleUrl}#/users/${encodeURIComponent(name)}`,
          title: 'AWS console',
        },
      ],
    };
    yield record;
  }

  const trackedSince = now.getTime() - ROLE_TRACKING_DAYS * DAY;
  for (const role of snapshot.roles) {
    if (!options.includeServiceLinkedRoles && isServiceLinked(role)) continue;
    const name = role.RoleName!;
    const unreadable: string[] = [];
    const analysis = await analyzer.analyze({
      accountId,
      partition: partition.id,
      region,
      principalType: 'role',
      policies: [
        ...inline(role.RolePolicyList, '', unreadable),
        ...attached(role.AttachedManagedPolicies, '', unreadable),
      ],
      boundary: boundaryOf(
        role.PermissionsBoundary?.PermissionsBoundaryArn,
        unreadable,
      ),
      unreadable,
      principal: {
        arn: role.Arn!,
        managedPolicyArns: customerManaged(role.AttachedManagedPolicies),
      },
    });
    let trustDocument: unknown;
    try {
      trustDocument = parsePolicyDocument(role.AssumeRolePolicyDocument);
    } catch {
      trustDocument = undefined;
    }
    const trust = trustDocument
      ? analyzeTrustPolicy(trustDocument, accountId, options.organization)
      : undefined;
    const usedAt = toIsoTime(role.RoleLastUsed?.LastUsedDate);
    let lastUsed: NhiLastUse | undefined;
    if (usedAt) {
      lastUsed = { at: usedAt };
      if (role.RoleLastUsed?.Region) lastUsed.region = role.RoleLastUsed.Region;
    } else if (role.CreateDate && role.CreateDate.getTime() >= trackedSince) {
      lastUsed = { never: true };
    } else if (role.CreateDate) {
      // Older than the window AWS records role use in, with no use in it:
      // unused for at least that long.
      lastUsed = { notWithinDays: ROLE_TRACKING_DAYS };
    }
    yield {
      externalId: role.Arn!,
      type: 'iam-role',
      ...base,
      tags: ['aws', 'iam-role'],
      ...common(name, role.Tags, role.CreateDate),
      ...(lastUsed ? { lastUsed } : {}),
      permissions: permissions(
        trustDocument
          ? analysis
          : {
              ...analysis,
              summary: `${analysis.summary}; trust policy not readable`,
            },
        trust,
      ),
      links: [
        {
          url: `${consoleUrl}#/roles/${encodeURIComponent(name)}`,
          title: 'AWS console',
        },
      ],
    };
  }

  const root = snapshot.report.get(ROOT_ACCOUNT_ROW);
  if (root?.keys.some(k => k.active)) {
    const credentials: Credential[] = root.keys.map(k => ({
      id: `root-access-key-${k.slot}`,
      kind: 'access-key',
      status: k.active ? 'active' : 'inactive',
      createdAt: k.lastRotated,
      lastRotatedAt: k.lastRotated,
      lastUsed: k.lastUsed
        ? {
            at: k.lastUsed.at,
            ...(k.lastUsed.service ? { service: k.lastUsed.service } : {}),
            ...(k.lastUsed.region ? { region: k.lastUsed.region } : {}),
          }
        : { never: true },
    }));
    const lastUsed = latestUse(credentials);
    yield {
      externalId: `arn:${partition.id}:iam::${accountId}:root`,
      name: 'root',
      description: `Root user of AWS account ${accountId}`,
      type: 'iam-user',
      ...base,
      tags: ['aws', 'root'],
      createdBy: {
        type: 'unknown',
        ...(root.userCreationTime ? { at: root.userCreationTime } : {}),
      },
      ...(lastUsed ? { lastUsed } : {}),
      mfa: root.mfaActive,
      credentials,
      permissions: {
        admin: true,
        serviceWildcards: ['*'],
        summary:
          'Root user: unrestricted access to the account, cannot be limited by IAM policies',
      },
      links: [
        {
          url: `${consoleUrl}#/security_credentials`,
          title: 'AWS console',
        },
      ],
    };
  }
}
