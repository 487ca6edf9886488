/**
 * The Backstage NHI frontend plugin.
 *
 * @packageDocumentation
 */

export { nhiPlugin, EntityNhiOwnedIdentitiesCard } from './plugin';
