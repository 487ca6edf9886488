import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { NHI_TYPES, NhiCategory } from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiSourceError,
} from '@backstage-nhi/plugin-nhi-node';
import { buildInventorySchema } from './inventorySchema';

/**
 * What an inventory's items go through whatever the format: the document's
 * shape and defaults are checked, then each item is validated and turned
 * into a record.
 */

let compiled:
  | {
      document: ValidateFunction<any>;
      item: ValidateFunction<any>;
      defaults: ValidateFunction<any>;
    }
  | undefined;

export function validators() {
  if (!compiled) {
    const schema = buildInventorySchema();
    const ajv = new Ajv({ allErrors: false, coerceTypes: true, strict: false });
    const shape = {
      ...schema,
      properties: {
        ...schema.properties,
        defaults: { type: 'object' },
        identities: { type: 'array' },
      },
    };
    compiled = {
      document: ajv.compile(shape),
      item: ajv.compile(schema.properties.identities.items),
      defaults: ajv.compile(schema.properties.defaults),
    };
  }
  return compiled;
}

const SECRET_FIELD =
  /secret|password|passwd|private.?key|token.?value|^value$|^key$|credential.?value/i;

function pointerToPath(prefix: string, pointer: string): string {
  return (
    prefix +
    pointer
      .split('/')
      .filter(Boolean)
      .map(p => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
      .join('')
  );
}

/** A sentence for an ajv error, naming the field. */
export function describeSchemaError(
  prefix: string,
  error: ErrorObject,
): string {
  const path = pointerToPath(prefix, error.instancePath);
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'required':
      return `${path} is missing the required field "${params.missingProperty}"`;
    case 'additionalProperties': {
      const field = params.additionalProperty;
      if (SECRET_FIELD.test(field)) {
        return `${path}.${field} is not allowed: secret values are never ingested, list only metadata (ids, dates, status)`;
      }
      return `${path} has an unknown field "${field}"`;
    }
    case 'enum':
      return `${path} must be one of: ${params.allowedValues.join(', ')}`;
    case 'pattern':
      return `${path} has an invalid format${
        /(At|\.at)$/.test(path) ? ' (expected an ISO 8601 date)' : ''
      }`;
    case 'type':
      return `${path} must be ${
        params.type === 'array' ? 'a list' : `a ${params.type}`
      }`;
    case 'minLength':
      return `${path} must not be empty`;
    default:
      return `${path} ${error.message}`;
  }
}

const CATEGORY_OF_TYPE = new Map<string, NhiCategory>(
  NHI_TYPES.map(t => [t.id, t.category]),
);

export type Defaults = {
  provider?: string;
  account?: string;
  type?: string;
  category?: NhiCategory;
  owner?: string;
  environments?: string[];
  tags?: string[];
};

function toRecord(item: any, defaults: Defaults): NhiIdentityRecord | string {
  const merged = { ...item };
  for (const key of [
    'provider',
    'account',
    'type',
    'category',
    'owner',
  ] as const) {
    if (merged[key] === undefined && defaults[key] !== undefined) {
      merged[key] = defaults[key];
    }
  }
  if (merged.environments === undefined && defaults.environments) {
    merged.environments = defaults.environments;
  }
  const tags = [...(defaults.tags ?? []), ...(merged.tags ?? [])];
  if (!merged.type) {
    return 'is missing the required field "type" (set it on the item or in defaults)';
  }
  if (!merged.provider) {
    return 'is missing the required field "provider" (set it on the item or in defaults)';
  }
  const category = merged.category ?? CATEGORY_OF_TYPE.get(merged.type);
  if (!category) {
    return `needs a category: "${merged.type}" is not a well-known type`;
  }
  const { owner, links, ...rest } = merged;
  return {
    ...rest,
    category,
    tags: tags.length ? tags : undefined,
    owner: owner ? { value: owner, via: 'inventory:owner' } : undefined,
    links: links?.map((l: { url: string; title?: string }) => ({
      url: l.url,
      title: l.title ?? l.url,
    })),
  };
}

/**
 * Checks an inventory document apart from its items (for a streamed JSON
 * inventory, `identities` is an empty list here): its shape and its
 * defaults. A failure makes the whole document unusable.
 */
export function checkDocument(
  doc: unknown,
  location: string,
): { fatal: NhiSourceError } | { defaults: Defaults } {
  const v = validators();
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return {
      fatal: {
        location,
        message:
          'an inventory must be a document with an `identities` list (see the inventory format in the README)',
      },
    };
  }
  if (!v.document(doc)) {
    return {
      fatal: {
        location,
        message: describeSchemaError('inventory', v.document.errors![0]),
      },
    };
  }
  const defaults: Defaults = (doc as { defaults?: Defaults }).defaults ?? {};
  if ((doc as { defaults?: Defaults }).defaults && !v.defaults(defaults)) {
    return {
      fatal: {
        location,
        message: describeSchemaError('defaults', v.defaults.errors![0]),
      },
    };
  }
  return { defaults };
}

/** One item of the `identities` list as a record, or what is wrong with it. */
export function itemRecord(
  item: unknown,
  index: number,
  defaults: Defaults,
): NhiIdentityRecord | { message: string } {
  const v = validators();
  const prefix = `identities[${index}]`;
  if (!v.item(item)) {
    return { message: describeSchemaError(prefix, v.item.errors![0]) };
  }
  const record = toRecord(item, defaults);
  return typeof record === 'string'
    ? { message: `${prefix} ${record}` }
    : record;
}
