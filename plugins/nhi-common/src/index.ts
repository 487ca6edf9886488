/**
 * Common types and functions of Backstage NHI: the `NonHumanIdentity` kind
 * (types, JSON schema, validator), its annotations and relations, the
 * taxonomy of non-human identities, the evaluation of risk and rotation, the
 * API, and the few constants and helpers every package shares.
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
export * from './api/trends';
export * from './api/campaigns';
export * from './api/feeds';
export * from './api/actions';
export * from './api/limits';
export * from './time';
export * from './text';
export * from './random';
