import {
  NhiFinding,
  NhiRisk,
  NhiStoredFinding,
  NhiSeverity,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '../kind/types';
import { NHI_SEVERITIES } from './levels';
import { DEFAULT_NHI_EVALUATION_POLICY, NhiEvaluationPolicy } from './policy';
import { credentialRotation, worstRotation } from './rotation';
import { parseTime } from './time';
import { NHI_RULES, NhiLeak, NhiRule } from './rules';

/**
 * An accepted risk: one rule's finding on one identity is accepted until a
 * date, by someone, for a reason (recorded in the claims backend).
 *
 * @public
 */
export type NhiAcceptedRisk = {
  ruleId: string;
  until: string;
  by: string;
};

/**
 * What evaluation needs besides the identity.
 *
 * @public
 */
export interface NhiEvaluationOptions {
  policy?: NhiEvaluationPolicy;
  /** Evaluation time; default now. */
  now?: number | Date;
  /** Leaks found by secret scanners, by credential id. */
  leaksOf?: (credentialId: string) => NhiLeak[] | undefined;
  /** Accepted risks of this identity. */
  accepted?: NhiAcceptedRisk[];
  /**
   * Since when the identity has been unowned (ISO time), as the claims
   * backend's unowned-identity policy first saw it; absent when not known.
   */
  unownedSince?: string;
  /** The rule catalog; default {@link NHI_RULES}. */
  rules?: readonly NhiRule[];
}

// looked up twice per finding of every identity the pipeline evaluates
const RULES_BY_ID = new Map(NHI_RULES.map(r => [r.id, r]));

/** Weight of one finding of each severity in the score. */
const WEIGHT: Record<NhiSeverity, number> = {
  critical: 0.6,
  high: 0.35,
  medium: 0.15,
  low: 0.05,
};

/**
 * The score of a set of open findings: 100 × (1 − Π(1 − weight)), so one
 * critical finding scores 60, a critical and a high 74, and more findings
 * always score higher without ever passing 100.
 *
 * @public
 */
export function nhiRiskScore(severities: NhiSeverity[]): number {
  const remaining = severities.reduce((p, s) => p * (1 - WEIGHT[s]), 1);
  return Math.round(100 * (1 - remaining));
}

/**
 * Evaluates one identity: the rotation status of each credential and of the
 * identity, and its risk (score 0–100, level = its worst open finding, the
 * findings with rule id, severity, OWASP NHI risk and evidence). Accepted
 * risks stay listed, marked accepted, but do not count. Pure.
 *
 * @public
 */
export function evaluateNonHumanIdentity(
  spec: NonHumanIdentitySpec,
  options: NhiEvaluationOptions = {},
): Pick<NonHumanIdentitySpec, 'credentials' | 'rotation'> & {
  risk: NhiRisk;
  /** Every rule that fired, worst first; accepted ones marked. */
  findings: NhiFinding[];
} {
  const policy = options.policy ?? DEFAULT_NHI_EVALUATION_POLICY;
  let now = Date.now();
  if (typeof options.now === 'number') now = options.now;
  else if (options.now) now = options.now.getTime();
  const credentials = spec.credentials?.map(c => {
    const { rotation: _old, ...rest } = c;
    return { ...rest, rotation: credentialRotation(rest, spec, policy, now) };
  });
  const evaluated: NonHumanIdentitySpec = { ...spec, credentials };
  const leaksOf = options.leaksOf ?? (() => undefined);

  const findings: NhiFinding[] = [];
  for (const rule of options.rules ?? NHI_RULES) {
    const settings = policy.rules[rule.id];
    if (settings?.enabled === false) continue;
    const evidence = rule.check(evaluated, {
      policy,
      now,
      leaksOf,
      unownedSince: parseTime(options.unownedSince),
    });
    if (evidence === undefined) continue;
    const finding: NhiFinding = {
      ruleId: rule.id,
      severity: settings?.severity ?? rule.severity,
      owasp: rule.owasp,
      evidence,
    };
    const acceptance = options.accepted?.find(
      a => a.ruleId === rule.id && (parseTime(a.until) ?? 0) > now,
    );
    if (acceptance) {
      finding.accepted = { until: acceptance.until, by: acceptance.by };
    }
    findings.push(finding);
  }
  findings.sort(
    (a, b) =>
      NHI_SEVERITIES.indexOf(a.severity) - NHI_SEVERITIES.indexOf(b.severity) ||
      a.ruleId.localeCompare(b.ruleId),
  );
  const open = findings.filter(f => !f.accepted);
  const accepted = findings.filter(f => f.accepted);
  const risk: NhiRisk = {
    score: nhiRiskScore(open.map(f => f.severity)),
    level: open.length ? open[0].severity : 'none',
    findings: open.map(storedFinding),
  };
  if (accepted.length) {
    risk.accepted = accepted.map(f => ({
      ...storedFinding(f),
      until: f.accepted!.until,
      by: f.accepted!.by,
    }));
  }
  return {
    credentials,
    rotation: { status: worstRotation(credentials ?? []) },
    risk,
    findings,
  };
}

/** A finding as the spec keeps it: what the rule catalog says is left out. */
function storedFinding(f: NhiFinding): NhiStoredFinding {
  const rule = nhiRuleById(f.ruleId);
  const stored: NhiStoredFinding = { ruleId: f.ruleId, evidence: f.evidence };
  if (f.severity !== rule?.severity) stored.severity = f.severity;
  if (f.owasp !== rule?.owasp) stored.owasp = f.owasp;
  return stored;
}

function fullFinding(f: NhiStoredFinding): NhiFinding {
  const rule = nhiRuleById(f.ruleId);
  return {
    ruleId: f.ruleId,
    severity: f.severity ?? rule?.severity ?? 'low',
    owasp: f.owasp ?? rule?.owasp ?? '',
    evidence: f.evidence ?? '',
  };
}

/**
 * The ids of the rules with an open finding on an identity, worst first
 * (what `filter=spec.risk.findings.ruleId=…` matches).
 *
 * @public
 */
export function nhiRuleIds(
  risk: NonHumanIdentitySpec['risk'] | undefined,
): string[] {
  return (risk?.findings ?? []).map(f => f.ruleId);
}

/**
 * The risk findings of an evaluated identity with their severity and OWASP
 * risk filled in from the rule catalog: the open ones worst first, then the
 * accepted ones (with `accepted`). Empty when it has not been evaluated.
 *
 * @public
 */
export function nhiFindings(
  risk: NonHumanIdentitySpec['risk'] | undefined,
): NhiFinding[] {
  return [
    ...(risk?.findings ?? []).map(fullFinding),
    ...(risk?.accepted ?? []).map(a => ({
      ...fullFinding(a),
      accepted: { until: a.until, by: a.by },
    })),
  ];
}

/**
 * Returns the entity with its evaluation filled in (`spec.risk`,
 * `spec.rotation`, each credential's `rotation`).
 *
 * @public
 */
export function applyNhiEvaluation(
  entity: NonHumanIdentityEntity,
  options: NhiEvaluationOptions = {},
): NonHumanIdentityEntity {
  const { findings: _all, ...result } = evaluateNonHumanIdentity(
    entity.spec,
    options,
  );
  const spec: NonHumanIdentitySpec = { ...entity.spec, ...result };
  if (!spec.credentials) delete spec.credentials;
  return { ...entity, spec };
}

/**
 * A rule of the catalog by id.
 *
 * @public
 */
export function nhiRuleById(id: string): NhiRule | undefined {
  return RULES_BY_ID.get(id);
}
