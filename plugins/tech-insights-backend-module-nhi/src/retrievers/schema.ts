import { FactSchema } from '@backstage-community/plugin-tech-insights-common';
import {
  NHI_PAST_ROTATION_STATUSES,
  NHI_RISK_LEVELS,
} from '@backstage-nhi/plugin-nhi-common';

/** `a, b or c` */
const either = (values: readonly string[]) =>
  `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

/** The statuses the `overdueRotation` facts count. */
const PAST_ROTATION = `rotation status ${either(NHI_PAST_ROTATION_STATUSES)}`;

/**
 * Id of the fact retriever for Components (and of its config key under
 * `techInsights.factRetrievers`).
 *
 * @public
 */
export const NHI_COMPONENT_FACT_RETRIEVER_ID = 'nhiComponentFactRetriever';

/**
 * Id of the fact retriever for Groups (and of its config key under
 * `techInsights.factRetrievers`).
 *
 * @public
 */
export const NHI_GROUP_FACT_RETRIEVER_ID = 'nhiGroupFactRetriever';

/**
 * Id of the fact retriever for NonHumanIdentity entities (and of its config
 * key under `techInsights.factRetrievers`).
 *
 * @public
 */
export const NHI_IDENTITY_FACT_RETRIEVER_ID = 'nhiIdentityFactRetriever';

function aggregateSchema(subject: string): FactSchema {
  return {
    identities: {
      type: 'integer',
      description: `Non-human identities ${subject}`,
    },
    critical: {
      type: 'integer',
      description: `Identities ${subject} at risk level critical`,
    },
    high: {
      type: 'integer',
      description: `Identities ${subject} at risk level high`,
    },
    unowned: {
      type: 'integer',
      description: `Identities ${subject} that nobody owns`,
    },
    dormant: {
      type: 'integer',
      description: `Identities ${subject} that are dormant or have a dormant credential (NHI-DORMANT-IDENTITY, NHI-DORMANT-CREDENTIAL)`,
    },
    overdueRotation: {
      type: 'integer',
      description: `Identities ${subject} with a credential past its rotation policy (${PAST_ROTATION})`,
    },
    leaked: {
      type: 'integer',
      description: `Identities ${subject} with a credential a secret scanner found (NHI-LEAKED-CREDENTIAL)`,
    },
    admin: {
      type: 'integer',
      description: `Identities ${subject} with administrator access (NHI-ADMIN)`,
    },
    agentsWithoutExpiry: {
      type: 'integer',
      description: `AI-agent identities ${subject} without an expiry (NHI-AGENT-NO-EXPIRY)`,
    },
    ownershipCoverage: {
      type: 'float',
      description: `Percentage of the identities ${subject} that have an owner, 0–100 rounded down to two decimals; 100 when there are none`,
    },
    oldestCredentialAgeDays: {
      type: 'integer',
      description: `Days since the oldest active credential of the identities ${subject} was last rotated (or created, if never rotated); 0 when there is none`,
    },
    credentials: {
      type: 'integer',
      description: `Active credentials of the identities ${subject}`,
    },
    credentialsPastPolicy: {
      type: 'integer',
      description: `Active credentials of the identities ${subject} past their rotation policy (${PAST_ROTATION})`,
    },
    credentialsWithinPolicy: {
      type: 'float',
      description: `Percentage of the active credentials of the identities ${subject} within their rotation policy, 0–100 rounded down to two decimals; 100 when there are none`,
    },
    dormantShare: {
      type: 'float',
      description: `Percentage of the identities ${subject} that are dormant or have a dormant credential, 0–100 rounded up to two decimals; 0 when there are none`,
    },
    criticalPer100: {
      type: 'float',
      description: `Identities ${subject} at risk level critical per 100 identities, rounded up to two decimals; 0 when there are none`,
    },
  };
}

/**
 * Facts the Component retriever writes for every Component: about the
 * identities it uses (`spec.usedBy` of the identities).
 *
 * @public
 */
export const nhiComponentFactSchema: FactSchema =
  aggregateSchema('the component uses');

const { unowned: _unowned, ...groupSchema } = aggregateSchema('the group owns');

/**
 * Facts the Group retriever writes for every Group: about the identities it
 * owns directly, plus `unownedUsed`: the unowned identities its components
 * use (a team answers for those too), and `ownershipCoverage` of the
 * identities it answers for. Without `unowned`, 0 by definition for the
 * identities a group owns. A group with no identities and none unowned used
 * by its components has only `identities` and `unownedUsed` (both 0).
 *
 * @public
 */
export const nhiGroupFactSchema: FactSchema = {
  ...groupSchema,
  ownershipCoverage: {
    type: 'float',
    description:
      'Percentage of the identities the group answers for — those it owns and the unowned ones its components use — that it owns, 0–100 rounded down to two decimals',
  },
  unownedUsed: {
    type: 'integer',
    description:
      'Unowned non-human identities used by the components the group owns (each counted once)',
  },
};

/**
 * Facts the identity retriever writes for every NonHumanIdentity.
 *
 * @public
 */
export const nhiIdentityFactSchema: FactSchema = {
  riskLevel: {
    type: 'string',
    description: `Risk level: ${either(
      NHI_RISK_LEVELS,
    )} (its worst open finding)`,
  },
  riskScore: {
    type: 'integer',
    description: 'Risk score 0–100 of its open findings',
  },
  overdueRotation: {
    type: 'boolean',
    description: `A credential is past its rotation policy (${PAST_ROTATION})`,
  },
  dormant: {
    type: 'boolean',
    description:
      'It or one of its credentials is dormant (NHI-DORMANT-IDENTITY, NHI-DORMANT-CREDENTIAL)',
  },
  leaked: {
    type: 'boolean',
    description:
      'A secret scanner found one of its credentials (NHI-LEAKED-CREDENTIAL)',
  },
  admin: {
    type: 'boolean',
    description: 'It has administrator access (NHI-ADMIN)',
  },
  agentWithoutExpiry: {
    type: 'boolean',
    description:
      'It is an AI-agent identity without expiry (NHI-AGENT-NO-EXPIRY)',
  },
  unowned: {
    type: 'boolean',
    description: 'Nobody owns it',
  },
  oldestCredentialAgeDays: {
    type: 'integer',
    description:
      'Days since its oldest active credential was last rotated (or created, if never rotated); 0 when it has none',
  },
  credentials: {
    type: 'integer',
    description: 'Its active credentials',
  },
  credentialsPastPolicy: {
    type: 'integer',
    description: `Its active credentials past their rotation policy (${PAST_ROTATION})`,
  },
};
