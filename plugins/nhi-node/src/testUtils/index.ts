/**
 * Test utilities for identity sources.
 *
 * @packageDocumentation
 */

export * from './readSource';
export * from './mockRecord';
