/**
 * Test utilities for the Microsoft Entra ID identity source: a deterministic
 * tenant generator, a Microsoft Graph–compatible HTTP endpoint the real
 * Graph client talks to, and a credential with a fixed token for it.
 *
 * @packageDocumentation
 */

export * from './model';
export * from './generateEntraTenant';
export * from './graphEndpoint';
