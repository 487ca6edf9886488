/*
 * Test fixtures for the NHI frontend plugin: realistic NonHumanIdentity
 * entities, claims and a mocked NhiApi. Only for tests (this folder is not
 * part of the package's public API).
 */
import { Entity } from '@backstage/catalog-model';
import { QueryEntitiesResponse } from '@backstage/catalog-client';
import { CheckResult } from '@backstage-community/plugin-tech-insights-common';
import {
  ANNOTATION_NHI_SOURCE,
  NhiIdentityDetail,
  DAY,
  NHI_API_VERSION,
  NhiApi,
  NhiAuditEntry,
  NhiClaim,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';

/** ISO date-time `days` days before now. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY).toISOString();
}

/** ISO date-time `days` days from now. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString();
}

/**
 * An AWS IAM user ingested by the `aws:production` source, owned by the
 * payments team through its source tag, with one overdue access key.
 * `spec` overrides are merged shallowly into the spec.
 */
export function nhiEntity(
  options: {
    name?: string;
    title?: string;
    description?: string;
    annotations?: Record<string, string>;
    spec?: Partial<NonHumanIdentitySpec>;
  } = {},
): NonHumanIdentityEntity {
  const name = options.name ?? 'ci-deployer';
  return {
    apiVersion: NHI_API_VERSION,
    kind: 'NonHumanIdentity',
    metadata: {
      name,
      namespace: 'default',
      ...(options.title ? { title: options.title } : {}),
      ...(options.description ? { description: options.description } : {}),
      annotations: options.annotations ?? {
        [ANNOTATION_NHI_SOURCE]: 'aws:production',
      },
    },
    spec: {
      type: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      account: '123456789012',
      externalId: `arn:aws:iam::123456789012:user/${name}`,
      owner: 'group:default/payments',
      ownership: {
        status: 'owned',
        provenance: 'tagged',
        taggedBy: 'tag:team',
      },
      usedBy: ['component:default/billing-worker'],
      environments: ['production'],
      lastUsed: { at: daysAgo(3), service: 's3', region: 'eu-west-1' },
      credentials: [
        {
          id: 'AKIAIOSFODNN7EXAMPLE',
          kind: 'access-key',
          status: 'active',
          createdAt: daysAgo(400),
          lastUsed: { at: daysAgo(3), service: 's3' },
          rotation: {
            status: 'overdue',
            policy: 'access-key:90d',
            dueAt: daysAgo(310).slice(0, 10),
          },
        },
      ],
      risk: { score: 0, level: 'none', findings: [] },
      rotation: { status: 'overdue' },
      ...options.spec,
    },
  };
}

/** An unowned identity from a source: nobody owns it, claims are possible. */
export function unownedEntity(
  spec: Partial<NonHumanIdentitySpec> = {},
): NonHumanIdentityEntity {
  const { owner: _owner, ...base } = nhiEntity({
    name: 'legacy-exporter',
  }).spec;
  return {
    ...nhiEntity({ name: 'legacy-exporter' }),
    spec: {
      ...base,
      ownership: {
        status: 'unowned',
        provenance: 'none',
        suggestedOwners: ['group:default/data'],
      },
      ...spec,
    },
  };
}

/** A Component entity (a service). */
export const serviceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'billing-worker', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'payments' },
};

/** A Group entity (a team). */
export const teamEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

/** An open ownership claim. */
export function claim(overrides: Partial<NhiClaim> = {}): NhiClaim {
  return {
    id: 'claim-1',
    entityRef: 'nonhumanidentity:default/legacy-exporter',
    group: 'group:default/data',
    kind: 'claim',
    status: 'open',
    justification: 'Our nightly export job reads S3 with it',
    createdBy: 'user:default/alice',
    createdAt: daysAgo(2),
    review: { allowed: true },
    ...overrides,
  };
}

/** A page of items. */
export function page<T>(items: T[], nextCursor?: string) {
  return {
    items,
    totalCount: items.length,
    ...(nextCursor ? { nextCursor } : {}),
  };
}

/**
 * An NhiApi whose methods are jest mocks; lists are empty unless overridden.
 */
export function mockNhiApi(
  overrides: Partial<NhiApi> = {},
): jest.Mocked<NhiApi> {
  // renderNhi answers with the rendered entity's spec, as the backend
  // answers with the whole spec of what the catalog holds a lean part of
  const getIdentityDetail = Object.assign(
    jest.fn(async (entityRef: string): Promise<NhiIdentityDetail> => {
      throw new Error(`no detail of ${entityRef} in this test`);
    }),
    { isDefault: true },
  );
  return {
    getIdentityDetail,
    createClaim: jest.fn(async req => claim({ ...req, id: 'claim-new' })),
    listClaims: jest.fn(async () => page<NhiClaim>([])),
    approveClaim: jest.fn(async id => claim({ id, status: 'approved' })),
    rejectClaim: jest.fn(async id => claim({ id, status: 'rejected' })),
    withdrawClaim: jest.fn(async id => claim({ id, status: 'withdrawn' })),
    releaseOwnership: jest.fn(async () => claim({ status: 'released' })),
    createException: jest.fn(async req => ({
      id: 'exc-new',
      ...req,
      status: 'active' as const,
      createdBy: 'user:default/alice',
      createdAt: new Date().toISOString(),
    })),
    listExceptions: jest.fn(async () => page([])),
    approveException: jest.fn(async id => ({
      id,
      entityRef: 'nonhumanidentity:default/ci-deployer',
      ruleId: 'NHI-ADMIN',
      justification: 'x',
      until: daysFromNow(10),
      status: 'active' as const,
      createdBy: 'user:default/alice',
      createdAt: daysAgo(1),
    })),
    rejectException: jest.fn(async (id, comment) => ({
      id,
      entityRef: 'nonhumanidentity:default/ci-deployer',
      ruleId: 'NHI-ADMIN',
      justification: 'x',
      until: daysFromNow(10),
      status: 'rejected' as const,
      createdBy: 'user:default/alice',
      createdAt: daysAgo(1),
      reviewComment: comment,
    })),
    // as the backend is configured by default, for a user who is not a reviewer
    getExceptionPolicy: jest.fn(async () => ({
      maxDays: { critical: 90, high: 90, medium: 365, low: 365 },
      reviewRequired: ['critical' as const, 'high' as const],
      notAcceptable: ['NHI-LEAKED-CREDENTIAL'],
      reviewer: false,
    })),
    revokeException: jest.fn(async id => ({
      id,
      entityRef: 'nonhumanidentity:default/ci-deployer',
      ruleId: 'NHI-ADMIN',
      justification: 'x',
      until: daysFromNow(10),
      status: 'revoked' as const,
      createdBy: 'user:default/alice',
      createdAt: daysAgo(1),
    })),
    listAudit: jest.fn(async () => page([])),
    listSources: jest.fn(async () => ({ items: [] })),
    runSource: jest.fn(async () => undefined),
    // The summary is not ready unless a test says so: the page asks the catalog.
    queryInventory: jest.fn(async () => ({
      ready: false as const,
      reason: 'not ready in this test',
    })),
    getInventoryFacets: jest.fn(async () => ({
      ready: false as const,
      reason: 'not ready in this test',
    })),
    getTrends: jest.fn(async () => ({
      ready: false as const,
      reason: 'no trends in this test',
    })),
    // no remediation actions unless a test offers some
    listActions: jest.fn(async () => ({ items: [] })),
    listActionRequests: jest.fn(async () => ({ items: [] })),
    dryRunAction: jest.fn(async () => ({ plan: { changes: [] } })),
    runAction: jest.fn(async () => ({
      status: 'unchanged' as const,
      plan: { changes: [] },
    })),
    confirmActionRequest: jest.fn(async () => ({
      status: 'succeeded' as const,
      plan: { changes: [] },
    })),
    rejectActionRequest: jest.fn(),
    ...Object.fromEntries(
      Object.entries(overrides).map(([key, fn]) => [
        key,
        jest.isMockFunction(fn) ? fn : jest.fn(fn as (...a: any[]) => any),
      ]),
    ),
  } as unknown as jest.Mocked<NhiApi>;
}

/** An entry of ci-deployer's audit trail: a claim approved by bob. */
export function auditEntry(
  overrides: Partial<NhiAuditEntry> = {},
): NhiAuditEntry {
  return {
    id: 1,
    entityRef: 'nonhumanidentity:default/ci-deployer',
    at: '2026-02-03T10:15:42.000Z',
    actor: 'user:default/bob',
    action: 'claim.approved',
    claimId: 'claim-1',
    details: { group: 'group:default/data' },
    ...overrides,
  };
}

/** A page of catalog entities as `CatalogApi.queryEntities` returns it. */
export function entityPage(
  items: Entity[],
  pageInfo: { nextCursor?: string; prevCursor?: string } = {},
  totalItems = items.length,
): QueryEntitiesResponse {
  return { items, totalItems, pageInfo };
}

/**
 * The result of one Tech Insights check. `facts` are the numbers behind it,
 * by fact name.
 */
export function checkResult(options: {
  id: string;
  name: string;
  passed: boolean;
  description?: string;
  facts?: Record<string, { description: string; value: number }>;
}): CheckResult {
  return {
    check: {
      id: options.id,
      type: 'json-rules-engine',
      name: options.name,
      description: options.description ?? `${options.name}.`,
      factIds: ['nhiComponentFactRetriever'],
    },
    facts: Object.fromEntries(
      Object.entries(options.facts ?? {}).map(([name, fact]) => [
        name,
        { id: 'nhiComponentFactRetriever', type: 'integer' as const, ...fact },
      ]),
    ),
    result: options.passed,
  };
}

/** A promise the test settles when it wants: for observing loading states. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
