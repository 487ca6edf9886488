/**
 * Scaffolder actions of Backstage NHI: remediation actions on non-human
 * identities and governed AI-agent identities, run through the catalog's
 * NHI action routes on behalf of the user who runs the template.
 *
 * @packageDocumentation
 */

export { scaffolderModuleNhi as default } from './module';
export { createNhiIdentityActions } from './actions/identityActions';
export { createNhiAgentIdentityAction } from './actions/agentIdentity';
export type { NhiScaffolderActionsOptions } from './actions/client';
