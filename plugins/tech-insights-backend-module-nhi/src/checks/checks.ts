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
 * Checks for Groups, on the facts of `nhiGroupFactRetriever` (identities the
 * group owns directly). No ownership checks: a group owns its identities.
 *
 * @public
 */
export const nhiGroupChecks: TechInsightJsonRuleCheck[] = [
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
  group.leaked,
  group.agents,
].map(spec => check('nhi-group', NHI_GROUP_FACT_RETRIEVER_ID, spec));

/**
 * The default NHI scorecard checks: {@link nhiComponentChecks} and
 * {@link nhiGroupChecks}. The README has them as the
 * `techInsights.factChecker.checks` YAML to copy and tune.
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
