import { nonHumanIdentityEntityV1alpha1Schema } from '@backstage-nhi/plugin-nhi-common';

type JsonSchema = Record<string, any>;

function kindSpecSchema(): JsonSchema {
  const schema = nonHumanIdentityEntityV1alpha1Schema as JsonSchema;
  return schema.allOf[1].properties.spec;
}

/** Fields of the kind's spec that an inventory does not set: the pipeline does. */
const COMPUTED = ['owner', 'ownership', 'redactedSecrets', 'risk', 'rotation'];

/**
 * The JSON schema of an identity inventory file, derived from the
 * NonHumanIdentity kind schema so the two cannot drift: each item carries the
 * kind's spec fields (minus those the pipeline computes) plus a name, an
 * owner as the inventory names it, tags, links and a scope.
 * `inventory.schema.json` in this package is this schema, checked by a test.
 */
export function buildInventorySchema(): JsonSchema {
  const spec = structuredClone(kindSpecSchema());
  const itemProperties: JsonSchema = {};
  for (const [key, value] of Object.entries<JsonSchema>(spec.properties)) {
    if (!COMPUTED.includes(key)) itemProperties[key] = value;
  }
  const credentialProps = itemProperties.credentials.items.properties;
  delete credentialProps.rotation;

  const item: JsonSchema = {
    type: 'object',
    description:
      'One identity. Metadata only: an item must never hold a secret value.',
    required: ['externalId', 'name'],
    additionalProperties: false,
    properties: {
      name: {
        type: 'string',
        minLength: 1,
        description: 'Display name, e.g. the key or account name.',
      },
      description: { type: 'string', description: 'What it is for.' },
      owner: {
        type: 'string',
        minLength: 1,
        description:
          'The owning team or person as the inventory names it: a group or user name, an e-mail or an entity ref. Resolved against the catalog.',
      },
      tags: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Catalog tags.',
      },
      links: {
        type: 'array',
        description: 'Links shown on the identity page.',
        items: {
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', minLength: 1 },
            title: { type: 'string' },
          },
        },
      },
      scope: {
        type: 'string',
        description:
          'The unit this identity is read with; defaults to account.',
      },
      ...itemProperties,
      category: {
        ...itemProperties.category,
        description: `${itemProperties.category.description} Optional for well-known types.`,
      },
    },
  };
  const defaults: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    description:
      'Values every item gets unless it sets its own: handy for a file of one system.',
    properties: {
      provider: itemProperties.provider,
      account: itemProperties.account,
      type: itemProperties.type,
      category: itemProperties.category,
      owner: item.properties.owner,
      environments: itemProperties.environments,
      tags: item.properties.tags,
    },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema',
    $id: 'https://backstage-nhi.io/schemas/identity-inventory.v1alpha1.json',
    title: 'Backstage NHI identity inventory',
    description:
      'A list of non-human identities of any system, for the file/URL source of Backstage NHI.',
    type: 'object',
    required: ['identities'],
    additionalProperties: false,
    properties: {
      apiVersion: { enum: ['backstage-nhi.io/v1alpha1'] },
      kind: { enum: ['IdentityInventory'] },
      defaults,
      identities: { type: 'array', items: item },
    },
  };
}
