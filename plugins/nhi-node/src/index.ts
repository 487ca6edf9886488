/**
 * Node library of Backstage NHI: the identity-source contract and the
 * extension point through which source modules register.
 *
 * @packageDocumentation
 */

export * from './source';
export * from './actions';
export * from './extensions';
export * from './validateRecord';
export * from './clients';
