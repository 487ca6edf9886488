/**
 * Reading IAM policy documents (the JSON grammar of AWS's "IAM JSON policy
 * element reference") into a small statement model. Identity policies,
 * permissions boundaries and trust policies share the grammar; what differs
 * is which elements a statement must have.
 */

/** One condition of a statement: `"<operator>": { "<key>": values }`. */
export interface ConditionClause {
  /** As written, e.g. `StringEquals`, `ForAnyValue:StringLike`, `ArnLikeIfExists`. */
  operator: string;
  /** Lower-cased: condition keys are case-insensitive. */
  key: string;
  /** Every value as text (booleans and numbers as JSON writes them). */
  values: string[];
}

/** A principal of a trust or resource policy. */
export type Principal =
  | { type: 'wildcard' }
  | { type: 'AWS'; value: string }
  | { type: 'Service'; value: string }
  | { type: 'Federated'; value: string }
  | { type: 'CanonicalUser'; value: string };

/** One statement, normalized: single values became lists. */
export interface PolicyStatement {
  /** Position in the document, from 0. */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** `Action`, or undefined when the statement uses `NotAction`. */
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: Principal[];
  notPrincipals?: Principal[];
  conditions: ConditionClause[];
}

/** A parsed document: its statements, or why it is not a valid policy. */
export interface ParsedPolicy {
  statements: PolicyStatement[];
  /** Problems that make the document invalid; empty when valid. */
  errors: string[];
  /** Policy variables (`${aws:username}`) are substituted: `Version` 2012-10-17. */
  variables: boolean;
}

/** Which elements a statement must have. */
export type PolicyKind = 'identity' | 'trust';

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const PRINCIPAL_TYPES = new Set([
  'AWS',
  'Service',
  'Federated',
  'CanonicalUser',
]);
const ACTION = /^(\*|[a-z0-9*?-]+:[a-z0-9*?_-]*)$/i;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or a non-empty list of strings, as a list. */
function stringList(
  value: unknown,
  element: string,
  errors: string[],
): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  if (!list.length) {
    errors.push(`${element} is empty`);
    return undefined;
  }
  if (!list.every(v => typeof v === 'string' && v.length > 0)) {
    errors.push(`${element} must be text or a list of text`);
    return undefined;
  }
  return list as string[];
}

function principals(
  value: unknown,
  element: string,
  errors: string[],
): Principal[] | undefined {
  if (value === '*') return [{ type: 'wildcard' }];
  if (!isObject(value)) {
    errors.push(`${element} must be "*" or an object`);
    return undefined;
  }
  const out: Principal[] = [];
  for (const [type, raw] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.has(type)) {
      errors.push(`${element} has an unknown principal type ${type}`);
      return undefined;
    }
    const values = stringList(raw, `${element}.${type}`, errors);
    if (!values) return undefined;
    for (const v of values) {
      out.push(
        type === 'AWS' && v === '*'
          ? { type: 'wildcard' }
          : { type: type as Exclude<Principal['type'], 'wildcard'>, value: v },
      );
    }
  }
  return out;
}

function conditions(
  value: unknown,
  errors: string[],
): ConditionClause[] | undefined {
  if (value === undefined) return [];
  if (!isObject(value)) {
    errors.push('Condition must be an object');
    return undefined;
  }
  const out: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!isObject(block)) {
      errors.push(`Condition ${operator} must be an object of keys`);
      return undefined;
    }
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      if (
        !list.every(
          v =>
            typeof v === 'string' ||
            typeof v === 'boolean' ||
            typeof v === 'number',
        )
      ) {
        errors.push(`Condition ${operator} ${key} must be text values`);
        return undefined;
      }
      out.push({
        operator,
        key: key.toLowerCase(),
        values: list.map(v => String(v)),
      });
    }
  }
  return out;
}

function statement(
  raw: unknown,
  index: number,
  kind: PolicyKind,
  errors: string[],
): PolicyStatement | undefined {
  const where = `statement ${index + 1}`;
  const before = errors.length;
  const fail = (message: string) => {
    errors.push(`${where}: ${message}`);
    return undefined;
  };
  if (!isObject(raw)) return fail('must be an object');
  const unknown = Object.keys(raw).filter(k => !STATEMENT_KEYS.has(k));
  if (unknown.length) return fail(`unknown element ${unknown.join(', ')}`);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') {
    return fail('Effect must be "Allow" or "Deny"');
  }
  const local: string[] = [];
  const s: PolicyStatement = {
    index,
    effect: raw.Effect,
    conditions: [],
  };
  if (typeof raw.Sid === 'string') s.sid = raw.Sid;

  if ((raw.Action === undefined) === (raw.NotAction === undefined)) {
    return fail('needs exactly one of Action and NotAction');
  }
  if (raw.Action !== undefined) {
    s.actions = stringList(raw.Action, 'Action', local);
  } else {
    s.notActions = stringList(raw.NotAction, 'NotAction', local);
  }
  const bad = (s.actions ?? s.notActions ?? []).find(a => !ACTION.test(a));
  if (bad) local.push(`"${bad}" is not an action`);

  const hasResource =
    raw.Resource !== undefined || raw.NotResource !== undefined;
  if (raw.Resource !== undefined && raw.NotResource !== undefined) {
    local.push('has both Resource and NotResource');
  } else if (raw.Resource !== undefined) {
    s.resources = stringList(raw.Resource, 'Resource', local);
  } else if (raw.NotResource !== undefined) {
    s.notResources = stringList(raw.NotResource, 'NotResource', local);
  }
  const hasPrincipal =
    raw.Principal !== undefined || raw.NotPrincipal !== undefined;
  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined) {
    local.push('has both Principal and NotPrincipal');
  } else if (raw.Principal !== undefined) {
    s.principals = principals(raw.Principal, 'Principal', local);
  } else if (raw.NotPrincipal !== undefined) {
    s.notPrincipals = principals(raw.NotPrincipal, 'NotPrincipal', local);
  }
  if (kind === 'identity') {
    if (!hasResource) local.push('needs Resource or NotResource');
    if (hasPrincipal) local.push('an identity policy names no Principal');
  } else if (!hasPrincipal) {
    local.push('needs Principal or NotPrincipal');
  }
  const c = conditions(raw.Condition, local);
  if (c) s.conditions = c;
  for (const m of local) errors.push(`${where}: ${m}`);
  return errors.length === before ? s : undefined;
}

/**
 * Parses a policy document. A document AWS would refuse (no statements of
 * the right shape, an unknown element, an Effect other than Allow or Deny)
 * comes back with `errors` and is not analysed: the caller reports it
 * rather than guessing what it grants.
 */
export function parsePolicy(document: unknown, kind: PolicyKind): ParsedPolicy {
  const errors: string[] = [];
  if (!isObject(document)) {
    return {
      statements: [],
      errors: ['the document is not a JSON object'],
      variables: false,
    };
  }
  if (
    document.Version !== undefined &&
    document.Version !== '2012-10-17' &&
    document.Version !== '2008-10-17'
  ) {
    errors.push(`unknown Version ${JSON.stringify(document.Version)}`);
  }
  const variables = document.Version === '2012-10-17';
  const raw = document.Statement;
  if (raw === undefined) {
    return {
      statements: [],
      errors: ['the document has no Statement'],
      variables,
    };
  }
  const list = Array.isArray(raw) ? raw : [raw];
  const statements: PolicyStatement[] = [];
  list.forEach((r, i) => {
    const s = statement(r, i, kind, errors);
    if (s) statements.push(s);
  });
  return { statements: errors.length ? [] : statements, errors, variables };
}
