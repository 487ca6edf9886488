import { NhiSeverity } from '../kind/types';
import { NHI_SEVERITIES } from './levels';

/**
 * How one kind of credential must be rotated. The first policy whose `match`
 * fits a credential applies.
 *
 * @public
 */
export type NhiRotationPolicy = {
  /** Which credentials this applies to; absent fields match anything. */
  match: { kind?: string; category?: string; type?: string };
  /**
   * Maximum age since creation or last rotation, in days (fractions allowed:
   * 1 = 24 hours). A credential whose expiry comes within this lifetime is
   * compliant by its expiry.
   */
  maxAgeDays?: number;
  /** Rotation is judged by expiry only (certificates): no expiry is a finding. */
  byExpiry?: boolean;
  /** Days before the due date or expiry at which a credential is due soon. */
  dueSoonDays: number;
  /** Short name shown with the status, e.g. `api-key:90d`. */
  name: string;
};

/**
 * Per-rule settings from configuration.
 *
 * @public
 */
export type NhiRuleSettings = {
  enabled?: boolean;
  severity?: NhiSeverity;
};

/**
 * Everything evaluation depends on besides the identity: thresholds, rotation
 * policies and rule settings. The same policy gives the same result in the
 * backend, the frontend and the scorecards.
 *
 * @public
 */
export type NhiEvaluationPolicy = {
  /** No use for this many days makes an identity or credential dormant. Default 90. */
  dormantDays: number;
  /** A never-used credential older than this is a finding. Default 30. */
  neverUsedGraceDays: number;
  /**
   * An identity unowned for longer than this many days is a critical
   * finding and listed for deactivation. Default 30.
   */
  unownedGraceDays: number;
  /** More services than this sharing one identity is a finding. Default 1. */
  maxServicesPerIdentity: number;
  /** Environment names that count as production. */
  productionEnvironments: string[];
  /** Words that mark a component or identity as CI/CD (for static CI keys). */
  ciPatterns: string[];
  /** Rotation policies, most specific first. */
  rotation: NhiRotationPolicy[];
  /** Per-rule overrides by rule id. */
  rules: Record<string, NhiRuleSettings>;
};

/**
 * The defaults, from the article the product grew from: 90 days of disuse
 * is dormant; API keys live 90 days, service-account passwords 60 days,
 * AI-agent tokens 24 hours; certificates are judged by expiry, due soon 30
 * days before.
 *
 * @public
 */
export const DEFAULT_NHI_EVALUATION_POLICY: NhiEvaluationPolicy = {
  dormantDays: 90,
  neverUsedGraceDays: 30,
  unownedGraceDays: 30,
  maxServicesPerIdentity: 1,
  productionEnvironments: ['production', 'prod', 'prd'],
  ciPatterns: [
    'ci',
    'cicd',
    'ci-cd',
    'pipeline',
    'runner',
    'github-actions',
    'jenkins',
    'deploy',
  ],
  rotation: [
    {
      match: { category: 'ai-agent', kind: 'token' },
      maxAgeDays: 1,
      dueSoonDays: 0,
      name: 'ai-agent-token:24h',
    },
    {
      match: { kind: 'certificate' },
      byExpiry: true,
      dueSoonDays: 30,
      name: 'certificate:expiry',
    },
    {
      match: { kind: 'password' },
      maxAgeDays: 60,
      dueSoonDays: 7,
      name: 'password:60d',
    },
    {
      match: { kind: 'api-key' },
      maxAgeDays: 90,
      dueSoonDays: 14,
      name: 'api-key:90d',
    },
    {
      match: { kind: 'access-key' },
      maxAgeDays: 90,
      dueSoonDays: 14,
      name: 'access-key:90d',
    },
    {
      match: { kind: 'token' },
      maxAgeDays: 90,
      dueSoonDays: 14,
      name: 'token:90d',
    },
    {
      match: { kind: 'client-secret' },
      maxAgeDays: 90,
      dueSoonDays: 14,
      name: 'client-secret:90d',
    },
    {
      match: { kind: 'webhook-secret' },
      maxAgeDays: 180,
      dueSoonDays: 14,
      name: 'webhook-secret:180d',
    },
    {
      match: { kind: 'signing-certificate' },
      maxAgeDays: 365,
      dueSoonDays: 30,
      name: 'signing-certificate:365d',
    },
    {
      match: { kind: 'ssh-key' },
      maxAgeDays: 365,
      dueSoonDays: 30,
      name: 'ssh-key:365d',
    },
  ],
  rules: {},
};

/**
 * The subset of Backstage's `Config` that reading the policy needs.
 *
 * @public
 */
export interface NhiPolicyConfigReader {
  getOptionalConfig(key: string): NhiPolicyConfigReader | undefined;
  getOptionalConfigArray(key: string): NhiPolicyConfigReader[] | undefined;
  getOptionalNumber(key: string): number | undefined;
  getOptionalBoolean(key: string): boolean | undefined;
  getOptionalString(key: string): string | undefined;
  getOptionalStringArray(key: string): string[] | undefined;
  keys(): string[];
}

function positive(value: number | undefined, key: string, allowZero = false) {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(
      `${key} must be a ${
        allowZero ? 'non-negative' : 'positive'
      } number, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `nhi.evaluation` into a policy, on top of the defaults. Configured
 * rotation policies come before the default ones, so they win.
 *
 * @example
 * ```yaml
 * nhi:
 *   evaluation:
 *     dormantDays: 60
 *     rotation:
 *       - match: { kind: access-key }
 *         maxAgeDays: 30
 *     rules:
 *       NHI-SHARED-IDENTITY: { enabled: false }
 *       NHI-NO-OWNER: { severity: critical }
 * ```
 *
 * @public
 */
export function readNhiEvaluationPolicy(
  config: NhiPolicyConfigReader | undefined,
  knownRuleIds?: string[],
): NhiEvaluationPolicy {
  const c = config?.getOptionalConfig('nhi.evaluation');
  const d = DEFAULT_NHI_EVALUATION_POLICY;
  if (!c) return d;
  const rules: Record<string, NhiRuleSettings> = {};
  const rulesConfig = c.getOptionalConfig('rules');
  for (const id of rulesConfig?.keys() ?? []) {
    if (knownRuleIds && !knownRuleIds.includes(id)) {
      throw new Error(
        `nhi.evaluation.rules.${id}: there is no rule ${id}; known rules are ${knownRuleIds.join(
          ', ',
        )}`,
      );
    }
    const r = rulesConfig!.getOptionalConfig(id)!;
    const severity = r.getOptionalString('severity');
    if (
      severity !== undefined &&
      !(NHI_SEVERITIES as readonly string[]).includes(severity)
    ) {
      throw new Error(
        `nhi.evaluation.rules.${id}.severity must be one of ${NHI_SEVERITIES.join(
          ', ',
        )}, got ${severity}`,
      );
    }
    rules[id] = {
      enabled: r.getOptionalBoolean('enabled'),
      severity: severity as NhiRuleSettings['severity'],
    };
  }
  const rotation = (c.getOptionalConfigArray('rotation') ?? []).map(
    (r, i): NhiRotationPolicy => {
      const key = `nhi.evaluation.rotation[${i}]`;
      const match = r.getOptionalConfig('match');
      const maxAgeDays = positive(
        r.getOptionalNumber('maxAgeDays'),
        `${key}.maxAgeDays`,
      );
      const byExpiry = r.getOptionalBoolean('byExpiry') ?? false;
      if (maxAgeDays === undefined && !byExpiry) {
        throw new Error(`${key} needs maxAgeDays or byExpiry: true`);
      }
      const kind = match?.getOptionalString('kind');
      const category = match?.getOptionalString('category');
      const type = match?.getOptionalString('type');
      return {
        match: { kind, category, type },
        maxAgeDays,
        byExpiry,
        dueSoonDays:
          positive(
            r.getOptionalNumber('dueSoonDays'),
            `${key}.dueSoonDays`,
            true,
          ) ?? 14,
        name:
          r.getOptionalString('name') ??
          `${[type, category, kind].filter(Boolean).join('/') || 'any'}:${
            byExpiry ? 'expiry' : `${maxAgeDays}d`
          }`,
      };
    },
  );
  return {
    dormantDays:
      positive(
        c.getOptionalNumber('dormantDays'),
        'nhi.evaluation.dormantDays',
      ) ?? d.dormantDays,
    neverUsedGraceDays:
      positive(
        c.getOptionalNumber('neverUsedGraceDays'),
        'nhi.evaluation.neverUsedGraceDays',
        true,
      ) ?? d.neverUsedGraceDays,
    unownedGraceDays:
      positive(
        c.getOptionalNumber('unownedGraceDays'),
        'nhi.evaluation.unownedGraceDays',
        true,
      ) ?? d.unownedGraceDays,
    maxServicesPerIdentity:
      positive(
        c.getOptionalNumber('maxServicesPerIdentity'),
        'nhi.evaluation.maxServicesPerIdentity',
      ) ?? d.maxServicesPerIdentity,
    productionEnvironments:
      c.getOptionalStringArray('productionEnvironments') ??
      d.productionEnvironments,
    ciPatterns: c.getOptionalStringArray('ciPatterns') ?? d.ciPatterns,
    rotation: [...rotation, ...d.rotation],
    rules,
  };
}
