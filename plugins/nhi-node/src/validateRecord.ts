import {
  explainNonHumanIdentityError,
  NHI_API_VERSION,
  NHI_KIND,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from './source';

/**
 * Checks a record against the NonHumanIdentity model and returns the first
 * problem as a sentence (e.g. `credentials[0].createdAt has an invalid
 * format (expected an ISO 8601 date)`), or undefined when it is valid. The
 * pipeline drops invalid records and reports them as errors of the read.
 *
 * @public
 */
export function validateNhiRecord(
  record: NhiIdentityRecord,
): string | undefined {
  if (!record || typeof record !== 'object') {
    return 'record must be an object';
  }
  if (typeof record.name !== 'string' || !record.name.trim()) {
    return 'name must be a non-empty string';
  }
  if (record.links !== undefined) {
    if (
      !Array.isArray(record.links) ||
      record.links.some(l => typeof l?.url !== 'string' || !l.url)
    ) {
      return 'links must be a list of { url, title }';
    }
  }
  const { externalId, type, category, provider, account, usedBy } = record;
  const problem = explainNonHumanIdentityError({
    apiVersion: NHI_API_VERSION,
    kind: NHI_KIND,
    metadata: { name: 'record' },
    spec: stripUndefined({
      type,
      category,
      provider,
      account,
      externalId,
      usedBy,
      environments: record.environments,
      createdBy: record.createdBy,
      agent: record.agent,
      expiresAt: record.expiresAt,
      lastUsed: record.lastUsed,
      interactiveLogin: record.interactiveLogin,
      mfa: record.mfa,
      credentials: record.credentials,
      permissions: record.permissions,
      federation: record.federation,
    }),
  });
  return problem?.replace(/^spec\./, '').replace(/^spec /, 'record ');
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  ) as T;
}
