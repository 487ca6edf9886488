import { NhiIdentityRecord } from '../source';

/**
 * A valid identity record for tests: an AWS IAM user with one active access
 * key. Overrides replace top-level fields.
 *
 * @public
 */
export function mockNhiRecord(
  overrides: Partial<NhiIdentityRecord> = {},
): NhiIdentityRecord {
  const name = overrides.name ?? 'ci-deployer';
  const account = overrides.account ?? '123456789012';
  return {
    externalId: `arn:aws:iam::${account}:user/${name}`,
    name,
    type: 'iam-user',
    category: 'service-account',
    provider: 'aws',
    account,
    credentials: [
      {
        id: 'AKIAIOSFODNN7EXAMPLE',
        kind: 'access-key',
        status: 'active',
        createdAt: '2026-01-01T00:00:00Z',
      },
    ],
    ...overrides,
  };
}
