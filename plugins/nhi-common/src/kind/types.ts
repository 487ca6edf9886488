import { Entity } from '@backstage/catalog-model';
import { NhiCategory, NhiCredentialKind } from '../taxonomy';

/**
 * Where an identity's owner comes from, in order of precedence:
 *
 * - `claimed`: an approved ownership claim (the claims backend);
 * - `tagged`: the source named the owner (an `owner`/`team` tag, an owner
 *   field in an inventory file);
 * - `inferred`: a component that declares the identity (annotation
 *   `backstage-nhi.io/identities`) has this owner;
 * - `declared`: the entity was written by hand with `spec.owner`;
 * - `agent-sponsor`: an AI agent created the identity (or is it) acting for
 *   this person, who answers for it until a team claims it;
 * - `none`: nobody owns it.
 *
 * @public
 */
export type NhiOwnershipProvenance =
  | 'claimed'
  | 'tagged'
  | 'inferred'
  | 'declared'
  | 'agent-sponsor'
  | 'none';

/**
 * Ownership of an identity, always present so that unowned identities are
 * explicit and filterable (`filter=spec.ownership.status=unowned`).
 *
 * @public
 */
export type NhiOwnership = {
  /** `owned` when `spec.owner` is set, `unowned` otherwise. */
  status: 'owned' | 'unowned';
  /** Where the owner came from. */
  provenance: NhiOwnershipProvenance;
  /** For `claimed`: who claimed it, who approved, when. */
  claim?: {
    claimedBy: string;
    approvedBy: string;
    approvedAt: string;
    claimId?: string;
  };
  /** For `tagged`: the source field or tag that named the owner, e.g. `tag:team`. */
  taggedBy?: string;
  /** For `inferred`: the components whose declaration matched. */
  inferredFrom?: string[];
  /**
   * Owner candidates for an unowned identity (from declaring components that
   * disagree, or the creator's teams), or teams for one a person owns (the
   * agent sponsor's teams), best first.
   */
  suggestedOwners?: string[];
  /** An owner the source named that is not a Group or User in the catalog. */
  unresolvedOwner?: string;
};

/**
 * Who or what created an identity.
 *
 * @public
 */
export type NhiCreation = {
  /** A person, a pipeline, an AI agent, or not known. */
  type: 'person' | 'pipeline' | 'agent' | 'unknown';
  /**
   * Entity ref of the creator when it is in the catalog: a User, a Component
   * (pipeline) or a NonHumanIdentity (agent).
   */
  ref?: string;
  /** The creator's name as the source reported it. */
  name?: string;
  /** When the identity was created. */
  at?: string;
  /**
   * For identities an AI agent created: the agent's id, the human it acted
   * for, the reason and the expiry it gave (the seed's tagging policy).
   */
  agent?: {
    id: string;
    ref?: string;
    onBehalfOf?: string;
    reason?: string;
    expiresAt?: string;
  };
};

/**
 * For identities of category `ai-agent`: the human accountable for the agent,
 * why it exists and when it must stop.
 *
 * @public
 */
export type NhiAgentDelegation = {
  /** User entity ref of the accountable human. */
  onBehalfOf?: string;
  /** What the agent is for. */
  reason?: string;
  /** When the agent's identity must expire. */
  expiresAt?: string;
};

/**
 * Last use of an identity or credential: when, and where if known. `never`
 * records a source that knows it was never used (distinct from unknown,
 * which is an absent field).
 *
 * @public
 */
export type NhiLastUse = {
  at?: string;
  never?: boolean;
  /**
   * No use recorded within this many days before the source read it (the
   * source's tracking window, e.g. 400 for an AWS role): set when there is
   * no `at` and the identity is older than the window.
   */
  notWithinDays?: number;
  service?: string;
  region?: string;
};

/**
 * Rotation status of one credential against the policy for its kind.
 *
 * @public
 */
export type NhiRotationStatus =
  | 'ok'
  | 'due-soon'
  | 'overdue'
  | 'expired'
  | 'never-rotated'
  | 'no-expiry'
  | 'inactive';

/**
 * One credential of an identity: metadata only, never a secret value.
 *
 * @public
 */
export type NhiCredential = {
  /** The credential's id: access key id, token id, certificate serial or fingerprint. */
  id: string;
  kind: NhiCredentialKind;
  status: 'active' | 'inactive' | 'expired' | 'revoked';
  createdAt?: string;
  lastRotatedAt?: string;
  lastUsed?: NhiLastUse;
  expiresAt?: string;
  /** Filled by evaluation: status against the rotation policy. */
  rotation?: {
    status: NhiRotationStatus;
    /** The policy applied, e.g. `api-key:90d`. */
    policy?: string;
    /** When rotation is or was due. */
    dueAt?: string;
  };
};

/**
 * One federated (short-lived, secretless) way an identity is used.
 *
 * @public
 */
export type NhiFederation = {
  /**
   * `workload-identity`: a workload's identity is exchanged for another
   * (a Kubernetes service account for an AWS role, a GCP service account,
   * an Azure managed identity); `oidc`: an OIDC issuer's tokens are accepted
   * (GitHub Actions, a CI system); `federated-credential`: an application
   * trusts an external issuer's subject (Azure federated identity
   * credentials, GCP workload identity pools).
   */
  kind: 'workload-identity' | 'oidc' | 'federated-credential';
  /** The identity on the other side, as its provider names it: an AWS role ARN, a GCP service-account e-mail, an Azure client id. */
  target?: string;
  /** The token issuer, e.g. `https://token.actions.githubusercontent.com`. */
  issuer?: string;
  /** The subject the trust is restricted to, e.g. `repo:acme/api:ref:refs/heads/main`; absent when any subject is accepted. */
  subject?: string;
};

/**
 * Trust of a role-like identity: who can assume or impersonate it.
 *
 * @public
 */
export type NhiTrust = {
  /** Anyone (`Principal: "*"` without a restricting condition). */
  public?: boolean;
  /** AWS services (or equivalent) that can assume it. */
  services?: string[];
  /** Other accounts of the same organization that can assume it: not third parties. */
  organizationAccounts?: string[];
  /**
   * Organizations (or organization paths, `o-…/r-…/ou-…`) any of whose
   * principals can assume it (`Principal: "*"` restricted by the
   * organization): the identity's own organization, or one not known to be
   * another.
   */
  organizations?: string[];
  /** Accounts outside the organization that can assume it (third parties). */
  externalAccounts?: string[];
  /** Those of `externalAccounts` trusted without an external id condition. */
  externalAccountsWithoutExternalId?: string[];
  /** Other organizations any of whose principals can assume it. */
  externalOrganizations?: string[];
  /** Web-identity / OIDC providers, and whether the subject is restricted. */
  oidc?: Array<{ provider: string; subjectRestricted: boolean }>;
};

/**
 * What an identity can do, summarised for people and rules.
 *
 * @public
 */
export type NhiPermissionSummary = {
  /** Full administrative access (e.g. `*:*`). */
  admin?: boolean;
  /** Named privilege-escalation paths, e.g. `iam:PassRole+lambda:CreateFunction`. */
  escalation?: string[];
  /** Service-wide wildcards granted, e.g. `s3:*`. */
  serviceWildcards?: string[];
  /** Data-exfiltration capable actions, e.g. `s3:GetObject on *`. */
  dataExfiltration?: string[];
  /** Scopes of a token (e.g. `repo`, `admin:org`). */
  scopes?: string[];
  /** Who can assume it. */
  trust?: NhiTrust;
  /** One-line human summary. */
  summary?: string;
};

/**
 * Severity / level scale of risks.
 *
 * @public
 */
export type NhiRiskLevel = 'critical' | 'high' | 'medium' | 'low' | 'none';

/**
 * Severity of a finding: a risk level other than `none`.
 *
 * @public
 */
export type NhiSeverity = Exclude<NhiRiskLevel, 'none'>;

/**
 * One risk finding: a rule that fired, with its evidence, as evaluation
 * returns it and the risk card shows it (see `nhiFindings`).
 *
 * @public
 */
export type NhiFinding = {
  /** Rule id from the rule catalog, e.g. `NHI-DORMANT`. */
  ruleId: string;
  severity: NhiSeverity;
  /** OWASP Non-Human Identities Top 10 (2025) risk, e.g. `NHI1`. */
  owasp: string;
  /** What was found: which key, which policy, which date. */
  evidence: string;
  /** Set when an approved exception accepts the finding until `until`. */
  accepted?: { until: string; by: string };
};

/**
 * A finding as the entity stores it in `spec.risk`: the rule id and the
 * evidence, and the severity and OWASP risk only where they are not the
 * rule's own (a severity set by policy, a rule outside the catalog). Each
 * leaf of a spec is a row of the catalog's search table for every identity,
 * so what the rule catalog already says is not repeated.
 *
 * @public
 */
export type NhiStoredFinding = {
  ruleId: string;
  /**
   * What was found. The catalog's copy of an identity from a source keeps
   * the rule ids only; the evidence is in its detail
   * (`GET /api/catalog/nhi/identities/detail`).
   */
  evidence?: string;
  severity?: NhiSeverity;
  owasp?: string;
};

/**
 * The risk of an identity: score, level and the findings behind it.
 *
 * @public
 */
export type NhiRisk = {
  /** 0–100, of the open findings. */
  score: number;
  level: NhiRiskLevel;
  /**
   * The open findings, worst first: `filter=spec.risk.findings.ruleId=…`
   * finds the identities with an open finding of a rule.
   */
  findings: NhiStoredFinding[];
  /** Findings accepted by an approved exception until a date; not counted. */
  accepted?: Array<NhiStoredFinding & { until: string; by: string }>;
};

/**
 * The identity-level rotation summary: the worst status among its active
 * credentials, for filtering and counting.
 *
 * @public
 */
export type NhiRotationSummary = {
  status: NhiRotationStatus | 'not-applicable';
  /**
   * When the oldest active credential was last rotated or created: set on
   * the catalog's copy of an identity from a source, which does not hold
   * the credentials themselves.
   */
  oldestActiveSince?: string;
};

/**
 * One secret found in an identity's metadata at ingest and redacted.
 *
 * @public
 */
export type NhiRedactedSecret = {
  /** The field as the source named it, e.g. `description`, `tags`, `links.url`. */
  field: string;
  /** What was found, e.g. `GitHub token`, `private key`. */
  kind: string;
};

/**
 * `spec` of a NonHumanIdentity entity.
 *
 * @public
 */
export type NonHumanIdentitySpec = {
  /** Kind of identity, e.g. `iam-user`, `iam-role`, `api-key`, `tls-certificate`. */
  type: string;
  category: NhiCategory;
  /** System it lives in, e.g. `aws`, `github`, `vault`, `datadog`, `kubernetes`. */
  provider: string;
  /** Account or scope within the provider: AWS account id, GitHub org, cluster/namespace. */
  account?: string;
  /** Stable id in the provider: an ARN, a key id, a certificate fingerprint. */
  externalId: string;
  /** Entity ref of the owning Group or User; absent when unowned. */
  owner?: string;
  ownership: NhiOwnership;
  /** Components and Resources that use the identity. */
  usedBy?: string[];
  /** Environments it is used in, e.g. `production`, `staging`. */
  environments?: string[];
  createdBy?: NhiCreation;
  /** For `ai-agent` identities: accountable human, reason, expiry. */
  agent?: NhiAgentDelegation;
  /** When the identity itself expires, if it does. */
  expiresAt?: string;
  lastUsed?: NhiLastUse;
  /** Console or interactive access (a password, a login profile). */
  interactiveLogin?: boolean;
  /** Multi-factor authentication on interactive access. */
  mfa?: boolean;
  credentials?: NhiCredential[];
  permissions?: NhiPermissionSummary;
  /**
   * Short-lived, federated ways the identity is used instead of long-lived
   * secrets: a Kubernetes service account bound to a cloud role through
   * workload identity, a GitHub organization's Actions on OIDC, an Azure
   * application with federated credentials. Counted in the identity's
   * favour; each `target` that is an identity in the catalog is related to
   * it.
   */
  federation?: NhiFederation[];
  /**
   * Secret material the pipeline found in the identity's metadata as the
   * source gave it (a description, a tag, …) and replaced by `[redacted]`
   * before storing anything: where and what kind, never the secret. Set by
   * the pipeline.
   */
  redactedSecrets?: NhiRedactedSecret[];
  /** Filled by evaluation. */
  risk?: NhiRisk;
  /** Filled by evaluation. */
  rotation?: NhiRotationSummary;
};

/**
 * A NonHumanIdentity catalog entity.
 *
 * @public
 */
export interface NonHumanIdentityEntity extends Entity {
  apiVersion: 'backstage-nhi.io/v1alpha1';
  kind: 'NonHumanIdentity';
  spec: NonHumanIdentitySpec;
}
