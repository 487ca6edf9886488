import { ActionResources } from './actions';
import { evaluateConditions, KnownContext } from './conditions';
import { parsePolicy, ParsedPolicy, PolicyStatement } from './document';
import { actionMatches, PolicyVariables, resourceMatches } from './patterns';

/**
 * How an action fares: allowed outright, allowed only when a condition the
 * analysis cannot know holds (an Allow with a condition, or a Deny a
 * condition may escape), or not allowed.
 */
export type Verdict = 'allowed' | 'conditional' | 'denied';

/** A policy document parsed once, with its statements indexed by action. */
export interface PreparedPolicy {
  /** Content id (a hash of the normalized document, or a managed policy version). */
  id: string;
  name: string;
  parsed: ParsedPolicy;
  /** Per lower-cased action: the statements whose Action/NotAction match it. */
  byAction: Map<string, PolicyStatement[]>;
}

/** Parses an identity policy or a permissions boundary for evaluation. */
export function preparePolicy(
  id: string,
  name: string,
  document: unknown,
): PreparedPolicy {
  return {
    id,
    name,
    parsed: parsePolicy(document, 'identity'),
    byAction: new Map(),
  };
}

function statementMatchesAction(s: PolicyStatement, action: string) {
  if (s.notActions) return !s.notActions.some(p => actionMatches(action, p));
  return (s.actions ?? []).some(p => actionMatches(action, p));
}

/** The statements of a policy whose Action or NotAction match an action. */
export function statementsFor(
  p: PreparedPolicy,
  action: string,
): PolicyStatement[] {
  const key = action.toLowerCase();
  let list = p.byAction.get(key);
  if (!list) {
    list = p.parsed.statements.filter(s => statementMatchesAction(s, action));
    p.byAction.set(key, list);
  }
  return list;
}

function statementCoversResource(
  s: PolicyStatement,
  resource: string,
  variables: PolicyVariables | undefined,
): boolean {
  if (s.notResources) {
    return !s.notResources.some(p => resourceMatches(resource, p, variables));
  }
  return (s.resources ?? []).some(p => resourceMatches(resource, p, variables));
}

/** One request: an action on a resource, with what is known of its context. */
export interface EvaluationRequest {
  action: string;
  /** The resource's ARN, or `*` for an action that takes no resource. */
  resource: string;
  known: KnownContext;
  variables?: PolicyVariables;
}

/**
 * The decision of one group of policies (the identity policies together,
 * or the permissions boundary) for a request, by AWS's evaluation logic: an
 * explicit Deny wins, then any Allow; no Allow is an implicit deny.
 */
export function decide(
  policies: readonly PreparedPolicy[],
  request: EvaluationRequest,
): Verdict {
  let allow: Verdict = 'denied';
  let denyMaybe = false;
  for (const p of policies) {
    const variables = p.parsed.variables ? request.variables : undefined;
    for (const s of statementsFor(p, request.action)) {
      if (!statementCoversResource(s, request.resource, variables)) continue;
      const c = evaluateConditions(s.conditions, request.known);
      if (c === 'false') continue;
      if (s.effect === 'Deny') {
        if (c === 'true') return 'denied';
        denyMaybe = true;
      } else if (c === 'true') {
        allow = 'allowed';
      } else if (allow === 'denied') {
        allow = 'conditional';
      }
    }
  }
  if (allow === 'denied') return 'denied';
  return denyMaybe ? 'conditional' : allow;
}

/** The policies of an Allow statement that allow a request (for summaries). */
export function grantingPolicies(
  policies: readonly PreparedPolicy[],
  request: EvaluationRequest,
): string[] {
  const names = new Set<string>();
  for (const p of policies) {
    const variables = p.parsed.variables ? request.variables : undefined;
    for (const s of statementsFor(p, request.action)) {
      if (
        s.effect === 'Allow' &&
        statementCoversResource(s, request.resource, variables) &&
        evaluateConditions(s.conditions, request.known) !== 'false'
      ) {
        names.add(p.name);
      }
    }
  }
  return [...names];
}

/** The weaker of two verdicts (both must allow). */
export function weaker(a: Verdict, b: Verdict): Verdict {
  if (a === 'denied' || b === 'denied') return 'denied';
  if (a === 'conditional' || b === 'conditional') return 'conditional';
  return 'allowed';
}

/** The stronger of two verdicts (either may allow). */
export function stronger(a: Verdict, b: Verdict): Verdict {
  if (a === 'allowed' || b === 'allowed') return 'allowed';
  if (a === 'conditional' || b === 'conditional') return 'conditional';
  return 'denied';
}

/** Where an identity lives, for probe ARNs. */
export interface ProbeScope {
  partition: string;
  region: string;
  accountId: string;
}

/** The name probe resources get: no policy names it, so a grant on it is a grant on any resource. */
export const PROBE_NAME = 'nhi-probe';

/** An ARN of a resource type's template with every name filled by the probe name. */
export function probeArn(template: string, scope: ProbeScope): string {
  return template.replace(/\$\{(\w+)\}/g, (_, v: string) => {
    if (v === 'Partition') return scope.partition;
    if (v === 'Region') return scope.region;
    if (v === 'Account') return scope.accountId;
    return PROBE_NAME;
  });
}

/**
 * An action's verdict on any resource: AWS authorizes every required
 * resource type of a request (all must be allowed); with optional types
 * only, any one of them is a way to act; an action without resource types
 * is authorized on `*`.
 */
export function verdictOnAnyResource(
  evaluate: (resource: string) => Verdict,
  resources: ActionResources,
  scope: ProbeScope,
): Verdict {
  if (resources.wildcardOnly) return evaluate('*');
  if (resources.required.length) {
    let v: Verdict = 'allowed';
    for (const t of resources.required) {
      v = weaker(v, evaluate(probeArn(t, scope)));
      if (v === 'denied') break;
    }
    return v;
  }
  let v: Verdict = 'denied';
  for (const t of resources.optional) {
    v = stronger(v, evaluate(probeArn(t, scope)));
    if (v === 'allowed') break;
  }
  return v;
}
