import {
  Entity,
  entityKindSchemaValidator,
  KindValidator,
} from '@backstage/catalog-model';
import schema from './NonHumanIdentity.v1alpha1.schema.json';
import { NonHumanIdentityEntity } from './types';
import { NHI_API_VERSION, NHI_KIND } from '../constants';

/**
 * The JSON schema of the NonHumanIdentity kind (draft-07, in the catalog's
 * kind-schema format: `allOf` the base `Entity` schema and the kind's own).
 *
 * @public
 */
export const nonHumanIdentityEntityV1alpha1Schema: object = schema;

const validator = entityKindSchemaValidator(schema);

/**
 * Validates NonHumanIdentity entities, for the catalog's kind validation.
 * Returns false for entities of other kinds, true for valid ones, and throws
 * a `TypeError` naming the offending field for invalid ones.
 *
 * @public
 */
export const nonHumanIdentityEntityV1alpha1Validator: KindValidator = {
  async check(data: Entity) {
    return validator(data) === data;
  },
};

/**
 * Whether an entity is a NonHumanIdentity (by apiVersion and kind, without
 * validating it).
 *
 * @public
 */
export function isNonHumanIdentityEntity(
  entity: Entity | undefined,
): entity is NonHumanIdentityEntity {
  return (
    !!entity &&
    entity.apiVersion === NHI_API_VERSION &&
    entity.kind === NHI_KIND
  );
}

/**
 * Validates an entity against the NonHumanIdentity schema and returns the
 * first problem as a readable sentence, or undefined when it is valid.
 *
 * @public
 */
export function explainNonHumanIdentityError(
  data: unknown,
): string | undefined {
  try {
    if (validator(data) === false) {
      return `not a ${NHI_KIND} entity (apiVersion must be ${NHI_API_VERSION})`;
    }
    return undefined;
  } catch (e) {
    return readableSchemaError((e as Error).message);
  }
}

/**
 * Rewrites the catalog's ajv message ("/spec/category must be equal to one
 * of the allowed values - allowedValues: a,b") into "spec.category must be
 * one of: a, b".
 */
function readableSchemaError(message: string): string {
  const m = message.match(/^(\S+) (.*?)(?: - (.*))?$/);
  if (!m) return message;
  const [, pointer, text, params] = m;
  const path =
    pointer === '<root>'
      ? 'entity'
      : pointer
          .split('/')
          .filter(Boolean)
          .map(p => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
          .join('')
          .replace(/^\./, '');
  if (params?.startsWith('allowedValues: ')) {
    return `${path} must be one of: ${params
      .slice('allowedValues: '.length)
      .split(',')
      .join(', ')}`;
  }
  if (params?.startsWith('additionalProperty: ')) {
    return `${path} has an unknown field "${params.slice(
      'additionalProperty: '.length,
    )}"`;
  }
  if (params?.startsWith('missingProperty: ')) {
    return `${path} is missing the required field "${params.slice(
      'missingProperty: '.length,
    )}"`;
  }
  if (params?.startsWith('pattern: ')) {
    return `${path} ${text.replace(
      /must match pattern.*/,
      'has an invalid format',
    )}${/Date|At$|\.at$/i.test(path) ? ' (expected an ISO 8601 date)' : ''}`;
  }
  return `${path} ${text}`;
}
