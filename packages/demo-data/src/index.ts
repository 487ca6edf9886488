/**
 * Deterministic generator of the demo company's non-human identities.
 *
 * @packageDocumentation
 */

export * from './company';
export * from './generateInventory';
export * from './random';
export * from './writeInventory';
