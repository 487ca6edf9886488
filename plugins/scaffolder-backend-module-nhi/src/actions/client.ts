import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import { NhiClient } from '@backstage-nhi/plugin-nhi-common';
import { nhiBackendClientOptions } from '@backstage-nhi/plugin-nhi-node';

/**
 * What the actions need to reach the catalog's NHI action routes.
 *
 * @public
 */
export interface NhiScaffolderActionsOptions {
  /** Finds the catalog's base URL. */
  discovery: DiscoveryService;
  /** Issues the catalog tokens on behalf of the template's user. */
  auth: AuthService;
  /**
   * Hours an agent identity lives when the template gives no expiry:
   * `nhi.actions.agentIdentity.defaultExpiryHours`, the catalog module's
   * setting (24 when absent). The catalog refuses more than its
   * `maxExpiryHours`.
   */
  defaultExpiryHours?: number;
  /** Now, for expiries computed from hours (tests). */
  now?: () => Date;
}

/**
 * A client of the catalog's NHI routes that calls them on behalf of
 * `credentials` (the user who runs the template): every permission check,
 * the audit event and the action log name that user, not the scaffolder.
 */
export function nhiClientFor(
  options: NhiScaffolderActionsOptions,
  credentials: BackstageCredentials,
): NhiClient {
  return new NhiClient(
    nhiBackendClientOptions({
      discovery: options.discovery,
      auth: options.auth,
      targetPluginId: 'catalog',
      onBehalfOf: credentials,
    }),
  );
}

/**
 * Calls the catalog and turns its refusals into the typed errors the
 * scaffolder shows as the step's failure, saying what to do about them.
 */
export async function callCatalog<T>(
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ResponseError)) throw e;
    const message = e.message;
    switch (e.statusCode) {
      case 400:
        throw new InputError(`${what}: ${message}`);
      case 403:
        throw new NotAllowedError(
          `${what}: you are not allowed to (${message}); ask the security team for the permission, or to run it for you`,
        );
      case 404:
        throw new NotFoundError(`${what}: ${message}`);
      case 409:
        throw new ConflictError(`${what}: ${message}`);
      default:
        throw new Error(`${what}: ${message}`);
    }
  }
}
