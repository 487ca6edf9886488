/**
 * Common types and functions of Backstage NHI: the `NonHumanIdentity` kind
 * (types, JSON schema, validator), its annotations and relations, and the
 * taxonomy of non-human identities.
 *
 * @packageDocumentation
 */

export * from './constants';
export * from './taxonomy';
export * from './names';
export * from './kind/types';
export * from './kind/validator';
export * from './events';
export * from './permissions';
export * from './risk';
export * from './api/types';
export * from './api/client';
export * from './api/inventory';
