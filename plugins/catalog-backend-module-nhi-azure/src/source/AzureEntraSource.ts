import type { TokenCredential } from '@azure/core-auth';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
} from '@azure/identity';
import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceError,
  NhiSourceReadContext,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import { AzureSourceConfig } from '../config';
import {
  GraphCallCounter,
  GraphReader,
  GraphRequestError,
  Sleep,
} from './graph';
import { toIdentityRecords } from './normalize';
import { readEntraTenant, TenantPartFailure } from './readTenant';

const BATCH = 1000;

/**
 * Options of {@link AzureEntraSource.fromConfig}.
 *
 * @public
 */
export interface AzureEntraSourceOptions {
  /**
   * The credential to call Microsoft Graph with, instead of the one the
   * config describes (from `nhiAzureCredentialsExtensionPoint`, tests,
   * benchmarks).
   */
  credential?: TokenCredential;
  /** How retries wait; the clock by default (tests record the waits instead). */
  sleep?: Sleep;
  /** "Now", for credential expiry; the clock by default. */
  now?: () => Date;
}

/** What to say about a part that could not be read. */
export function describePartFailure(f: TenantPartFailure): string {
  const e = f.error;
  let why: string;
  if (e.isLicenceMissing) {
    why = `the tenant has no Microsoft Entra ID P1 or P2 licence, which the sign-in activity reports need (${e.message})`;
  } else if (e.isPermissionDenied) {
    why = `permission missing: grant the application permission ${f.permission} (Microsoft Graph) to the source's application (${e.message})`;
  } else {
    why = e.message;
  }
  return `${f.part} could not be read, ${f.consequence}: ${why}`;
}

/**
 * The Microsoft Entra ID identity source: every service principal of an
 * application or a managed identity in one tenant, with the client secrets
 * and certificates of its application, owners, last sign-in, directory
 * roles, Microsoft Graph application permissions and federated identity
 * credentials, read in bulk from Microsoft Graph with its JavaScript client
 * library. A part of the tenant that cannot be read (for want of a
 * permission, say) is reported with the permission it needs, and the
 * identities are ingested without it.
 *
 * @public
 */
export class AzureEntraSource implements NhiIdentitySource {
  readonly type = 'azure';
  private credentialInstance?: TokenCredential;

  /** Builds a source from its config (see `readAzureSourceConfigs`). */
  static fromConfig(
    config: AzureSourceConfig,
    options: AzureEntraSourceOptions = {},
  ): AzureEntraSource {
    return new AzureEntraSource(config, options);
  }

  private constructor(
    private readonly config: AzureSourceConfig,
    private readonly options: AzureEntraSourceOptions,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get schedule(): SchedulerServiceTaskScheduleDefinition | undefined {
    return this.config.schedule;
  }

  /** The credential, made once: the Azure SDK caches its tokens. */
  private credential(): TokenCredential {
    if (this.options.credential) return this.options.credential;
    if (!this.credentialInstance) {
      const { tenantId, authorityHost, credential } = this.config;
      switch (credential.type) {
        case 'client-secret':
          this.credentialInstance = new ClientSecretCredential(
            tenantId,
            credential.clientId,
            credential.clientSecret,
            { authorityHost },
          );
          break;
        case 'client-certificate':
          this.credentialInstance = new ClientCertificateCredential(
            tenantId,
            credential.clientId,
            { certificatePath: credential.certificatePath },
            { authorityHost },
          );
          break;
        default:
          this.credentialInstance = new DefaultAzureCredential({
            tenantId,
            authorityHost,
          });
      }
    }
    return this.credentialInstance;
  }

  async read(context: NhiSourceReadContext): Promise<NhiSourceReadSummary> {
    const started = Date.now();
    const { logger, signal } = context;
    const { tenantId } = this.config;
    const counter = new GraphCallCounter();
    const errors: NhiSourceError[] = [];
    const stats = (more: Record<string, number> = {}) => ({
      apiCalls: counter.total(),
      httpAttempts: counter.attempts,
      throttled: counter.throttled,
      batchedRequests: counter.batched,
      durationMs: Date.now() - started,
      ...more,
    });

    let credential: TokenCredential;
    try {
      credential = this.credential();
    } catch (e) {
      return {
        complete: false,
        completeScopes: [],
        errors: [
          {
            scope: tenantId,
            message: `no credential for Microsoft Graph: ${
              (e as Error)?.message ?? e
            }`,
          },
        ],
        stats: stats(),
      };
    }
    const graph = new GraphReader({
      credential,
      baseUrl: this.config.graphBaseUrl,
      counter,
      retry: {
        maxRetries: this.config.maxRetries,
        maxDelayMs: this.config.maxRetryDelayMs,
        sleep: this.options.sleep,
      },
      signal,
    });

    let snapshot;
    try {
      snapshot = await readEntraTenant(graph, {
        pageSize: this.config.pageSize,
        signInActivity: this.config.signInActivity,
      });
    } catch (e) {
      if (signal.aborted) {
        return {
          complete: false,
          completeScopes: [],
          errors: [{ message: 'the read was aborted' }],
          stats: stats(),
        };
      }
      const error =
        e instanceof GraphRequestError
          ? e
          : new GraphRequestError(0, undefined, String(e), '');
      const message = `the service principals of tenant ${tenantId} could not be read: ${
        error.isPermissionDenied
          ? `permission missing: grant the application permission Application.Read.All (Microsoft Graph) to the source's application (${error.message})`
          : error.message
      }`;
      logger.warn(`Azure source ${this.config.id}: ${message}`);
      return {
        complete: false,
        completeScopes: [],
        errors: [{ scope: tenantId, message }],
        stats: stats(),
      };
    }

    for (const f of snapshot.failures) {
      const message = describePartFailure(f);
      errors.push({ scope: tenantId, message });
      logger.warn(`Azure source ${this.config.id}: ${message}`);
    }

    let identities = 0;
    let batch: NhiIdentityRecord[] = [];
    const records = toIdentityRecords(snapshot, {
      tenantId,
      account: this.config.tenantName ?? tenantId,
      portalUrl: this.config.portalUrl,
      includeMicrosoftApplications: this.config.includeMicrosoftApplications,
      includeThirdPartyApplications: this.config.includeThirdPartyApplications,
      inferUsedBy: this.config.inferUsedBy,
      ownerTagKeys: this.config.ownerTagKeys,
      managedIdentityOwnerPattern: this.config.managedIdentityOwnerPattern,
      environmentTagKeys: this.config.environmentTagKeys,
      createdByTagKey: this.config.createdByTagKey,
      agentTagKeys: this.config.agentTagKeys,
      now: this.options.now?.() ?? new Date(),
    });
    for (const record of records) {
      if (signal.aborted) break;
      batch.push(record);
      if (batch.length >= BATCH) {
        await context.emit(batch);
        identities += batch.length;
        batch = [];
      }
    }
    if (batch.length && !signal.aborted) {
      await context.emit(batch);
      identities += batch.length;
    }
    if (signal.aborted) {
      errors.push({ message: 'the read was aborted' });
    }
    logger.info(
      `Azure tenant ${tenantId}: ${identities} identities from ${
        snapshot.servicePrincipals.length
      } service principals in ${counter.total()} Graph requests`,
    );
    return {
      complete: !signal.aborted,
      completeScopes: signal.aborted ? [] : [tenantId],
      errors,
      stats: stats({
        identities,
        servicePrincipals: snapshot.servicePrincipals.length,
        partsFailed: snapshot.failures.length,
      }),
    };
  }
}
