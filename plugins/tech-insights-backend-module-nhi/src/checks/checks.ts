import {
  JSON_RULE_ENGINE_CHECK_TYPE,
  TechInsightJsonRuleCheck,
} from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
import {
  NHI_COMPONENT_FACT_RETRIEVER_ID,
  NHI_GROUP_FACT_RETRIEVER_ID,
  NHI_IDENTITY_FACT_RETRIEVER_ID,
} from '../retrievers/schema';

type Condition = { fact: string; operator: string; value: unknown };

type CheckSpec = {
  slug: string;
  name: string;
  description: string;
  condition: Condition;
};

/**
 * One check on one fact of one retriever. The condition names its retriever
 * (`params.factRetrieverId`) so that a fact of the same name from another
 * retriever (a vulnerability scanner's `critical`, say) is never read
 * instead, and so that the check is skipped, not failed, for entities that
 * retriever writes no facts for.
 */
function check(
  prefix: string,
  factRetrieverId: string,
  spec: CheckSpec,
): TechInsightJsonRuleCheck {
  return {
    id: `${prefix}-${spec.slug}`,
    type: JSON_RULE_ENGINE_CHECK_TYPE,
    name: spec.name,
    description: spec.description,
    factIds: [factRetrieverId],
    rule: {
      conditions: {
        all: [
          {
            fact: spec.condition.fact,
            params: { factRetrieverId },
            operator: spec.condition.operator,
            value: spec.condition.value,
          },
        ],
      },
    },
  };
}

const zero = (fact: string): Condition => ({
  fact,
  operator: 'equal',
  value: 0,
});

function aggregateSpecs(subject: string): Record<string, CheckSpec> {
  return {
    critical: {
      slug: 'no-critical-identities',
      name: 'No critical non-human identities',
      description: `None of the non-human identities ${subject} is at risk level critical. The risk card of each critical identity lists its findings and their fixes.`,
      condition: zero('critical'),
    },
    rotation: {
      slug: 'rotation-within-policy',
      name: 'No credential past its rotation policy',
      description: `None of the non-human identities ${subject} has a credential that is overdue, never rotated or expired. To rotate one: create a new credential, switch the workload, delete the old one.`,
      condition: zero('overdueRotation'),
    },
    dormant: {
      slug: 'no-dormant-credentials',
      name: 'No dormant identity or credential',
      description: `None of the non-human identities ${subject}, nor any of their credentials, has gone unused past the dormancy threshold. Confirm with the owner that it is no longer needed, then disable and delete it.`,
      condition: zero('dormant'),
    },
    unowned: {
      slug: 'identities-owned',
      name: 'Every identity it uses has an owner',
      description: `Every non-human identity ${subject} has an owning team. Claim the unowned ones from the identities card of the component.`,
      condition: zero('unowned'),
    },
    leaked: {
      slug: 'no-leaked-credentials',
      name: 'No leaked credential',
      description: `No secret scanner found a credential of the non-human identities ${subject}. Rotate a leaked credential now and purge it from the history.`,
      condition: zero('leaked'),
    },
    agents: {
      slug: 'agents-expire',
      name: 'No AI-agent identity without expiry',
      description: `Every AI-agent identity ${subject} has an expiry, so it does not outlive the task it was made for.`,
      condition: zero('agentsWithoutExpiry'),
    },
    coverage: {
      slug: 'ownership-coverage',
      name: 'Ownership coverage at least 90%',
      description: `At least 90% of the non-human identities ${subject} have an owning team (100% when there are none). Uses the atLeastPercent operator.`,
      condition: {
        fact: 'ownershipCoverage',
        operator: 'atLeastPercent',
        value: 90,
      },
    },
  };
}

const component = aggregateSpecs('the component uses');
const group = aggregateSpecs('the group owns');

/**
 * Checks for Components, on the facts of `nhiComponentFactRetriever`. All
 * but `nhi-component-ownership-coverage` use built-in operators; that one
 * needs the `atLeastPercent` operator ({@link nhiOperators}).
 *
 * @public
 */
export const nhiComponentChecks: TechInsightJsonRuleCheck[] = [
  component.critical,
  component.rotation,
  component.dormant,
  component.unowned,
  component.leaked,
  component.agents,
  component.coverage,
].map(spec => check('nhi-component', NHI_COMPONENT_FACT_RETRIEVER_ID, spec));

/**
 * Thresholds of the graded team checks (`nhi.scorecards.groups`).
 *
 * @public
 */
export type NhiGroupThresholds = {
  /** Ownership coverage of the identities a team answers for, at least, in %. */
  ownershipCoverage: number;
  /** Share of its active credentials within their rotation policy, at least, in %. */
  credentialsWithinPolicy: number;
  /** Share of its identities that are dormant, at most, in %. */
  dormantShare: number;
  /** Critical identities per 100 identities, at most. */
  criticalPer100: number;
};

/**
 * The default thresholds of the graded team checks: the bar of a team that
 * keeps its house in order (the article's numbers are the opposite: 15 %
 * unowned, 40 % dormant).
 *
 * @public
 */
export const NHI_GROUP_THRESHOLDS: NhiGroupThresholds = {
  ownershipCoverage: 90,
  credentialsWithinPolicy: 90,
  dormantShare: 10,
  criticalPer100: 1,
};

/**
 * The graded checks of a team, on measures rather than on "none at all":
 * ownership coverage, credentials within their rotation policy, dormant
 * share and criticals per 100 identities, each against its threshold. A
 * group with no identities (and no unowned ones used by its components) has
 * none of these facts, so the checks are left out of its results: "no
 * identities", not passed. They use the `atLeastPercent` and
 * `atMostPercent` operators ({@link nhiOperators}).
 *
 * @public
 */
export function nhiGroupGradedChecks(
  thresholds: NhiGroupThresholds = NHI_GROUP_THRESHOLDS,
): TechInsightJsonRuleCheck[] {
  const t = thresholds;
  return [
    {
      slug: 'ownership-coverage',
      name: `Ownership coverage at least ${t.ownershipCoverage}%`,
      description: `At least ${t.ownershipCoverage}% of the non-human identities the team answers for — those it owns and the unowned ones its components use — are owned. Claim the unowned ones its services use from the NHI page's Unowned tab.`,
      condition: {
        fact: 'ownershipCoverage',
        operator: 'atLeastPercent',
        value: t.ownershipCoverage,
      },
    },
    {
      slug: 'credentials-within-policy',
      name: `Credentials within rotation policy: at least ${t.credentialsWithinPolicy}%`,
      description: `At least ${t.credentialsWithinPolicy}% of the active credentials of the identities the team owns are within their rotation policy (not overdue, never rotated or expired). To rotate one: create a new credential, switch the workload, delete the old one.`,
      condition: {
        fact: 'credentialsWithinPolicy',
        operator: 'atLeastPercent',
        value: t.credentialsWithinPolicy,
      },
    },
    {
      slug: 'dormant-share',
      name: `Dormant identities at most ${t.dormantShare}%`,
      description: `At most ${t.dormantShare}% of the identities the team owns are dormant or have a dormant credential. Confirm they are no longer needed, then disable and delete them.`,
      condition: {
        fact: 'dormantShare',
        operator: 'atMostPercent',
        value: t.dormantShare,
      },
    },
    {
      slug: 'critical-per-100',
      name: `At most ${t.criticalPer100} critical per 100 identities`,
      description: `At most ${t.criticalPer100} of every 100 identities the team owns are at risk level critical. The risk card of each critical identity lists its findings and their fixes.`,
      condition: {
        fact: 'criticalPer100',
        operator: 'atMostPercent',
        value: t.criticalPer100,
      },
    },
  ].map(spec => check('nhi-group', NHI_GROUP_FACT_RETRIEVER_ID, spec));
}

/**
 * The "none at all" checks of a team: no critical identity, no credential
 * past its rotation policy, nothing dormant, no unowned identity used by its
 * components. The defaults before the graded checks; over hundreds of
 * identities nearly every team fails them, so they no longer tell teams
 * apart. Add them for a team that must meet them.
 *
 * @public
 */
export const nhiGroupStrictChecks: TechInsightJsonRuleCheck[] = [
  group.critical,
  group.rotation,
  group.dormant,
  {
    slug: 'identities-owned',
    name: 'Every identity its services use has an owner',
    description:
      'No non-human identity used by the components the group owns is unowned. Claim them from the Unowned tab of the NHI page or from each component’s identities card.',
    condition: zero('unownedUsed'),
  },
].map(spec => check('nhi-group', NHI_GROUP_FACT_RETRIEVER_ID, spec));

/**
 * Checks for Groups to configure, on the facts of `nhiGroupFactRetriever`
 * (identities the group owns directly): no leaked credential and no AI-agent
 * identity without expiry, which stay "none at all" however many identities
 * a team has. The graded team checks ({@link nhiGroupGradedChecks}) are not
 * among them: `techInsightsModuleNhiFactChecker` adds those itself, with the
 * thresholds of `nhi.scorecards.groups`, so that the thresholds live in one
 * place.
 *
 * @public
 */
export const nhiGroupChecks: TechInsightJsonRuleCheck[] = [
  group.leaked,
  group.agents,
].map(spec => check('nhi-group', NHI_GROUP_FACT_RETRIEVER_ID, spec));

/**
 * The default NHI scorecard checks to configure: {@link nhiComponentChecks}
 * and {@link nhiGroupChecks}. The README has them as the
 * `techInsights.factChecker.checks` YAML to copy and tune; with
 * `techInsightsModuleNhiFactChecker` the graded team checks come on top.
 *
 * @public
 */
export const nhiDefaultChecks: TechInsightJsonRuleCheck[] = [
  ...nhiComponentChecks,
  ...nhiGroupChecks,
];

/**
 * Checks for NonHumanIdentity entities, on the facts of
 * `nhiIdentityFactRetriever`. Configure them only together with that
 * retriever: tech-insights fails every check run that includes a check whose
 * facts no registered retriever declares.
 *
 * @public
 */
export const nhiIdentityChecks: TechInsightJsonRuleCheck[] = [
  {
    slug: 'not-critical',
    name: 'Not at critical risk',
    description:
      'The identity has no open critical finding. Its risk card lists the findings and their fixes.',
    condition: { fact: 'riskLevel', operator: 'notEqual', value: 'critical' },
  },
  {
    slug: 'rotation-within-policy',
    name: 'Credentials within their rotation policy',
    description:
      'No credential of the identity is overdue, never rotated or expired.',
    condition: { fact: 'overdueRotation', operator: 'equal', value: false },
  },
  {
    slug: 'not-dormant',
    name: 'In use',
    description:
      'Neither the identity nor any of its credentials has gone unused past the dormancy threshold.',
    condition: { fact: 'dormant', operator: 'equal', value: false },
  },
  {
    slug: 'has-owner',
    name: 'Has an owner',
    description: 'A team or person owns the identity.',
    condition: { fact: 'unowned', operator: 'equal', value: false },
  },
  {
    slug: 'not-leaked',
    name: 'No leaked credential',
    description: 'No secret scanner found a credential of the identity.',
    condition: { fact: 'leaked', operator: 'equal', value: false },
  },
  {
    slug: 'agent-expires',
    name: 'AI agent expires',
    description: 'If it is an AI-agent identity, it has an expiry.',
    condition: { fact: 'agentWithoutExpiry', operator: 'equal', value: false },
  },
].map(spec => check('nhi-identity', NHI_IDENTITY_FACT_RETRIEVER_ID, spec));

/**
 * Checks in the shape of `techInsights.factChecker.checks`: keyed by id,
 * without the id. For building config in code, e.g. in tests.
 *
 * @public
 */
export function nhiChecksConfig(
  checks: TechInsightJsonRuleCheck[],
): Record<string, Omit<TechInsightJsonRuleCheck, 'id'>> {
  return Object.fromEntries(checks.map(({ id, ...rest }) => [id, rest]));
}
