import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/**
 * Normalizes an entity ref to `kind:namespace/name` (the kind defaulting to
 * `defaultKind`, the namespace to `default`), or throws a 400 naming where
 * it came from: a body field, a query parameter, a configuration key or an
 * annotation. Every ref this backend reads goes through here.
 */
export function normalizeRef(
  value: string,
  defaultKind: string,
  field: string,
): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(value.trim(), {
        defaultKind,
        defaultNamespace: 'default',
      }),
    );
  } catch {
    throw new InputError(`${field} is not an entity ref: ${value}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a value can be the id of a claim or an exception (a uuid): the
 * store answers "no such row" for anything else without asking the
 * database, and the ownership feed refuses it as a cursor.
 */
export function isRowId(value: string): boolean {
  return UUID.test(value);
}
