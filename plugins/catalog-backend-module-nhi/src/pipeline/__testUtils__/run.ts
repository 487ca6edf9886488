import { mockServices } from '@backstage/backend-test-utils';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { buildEntity, BuiltIdentity } from '../../lib/buildEntity';
import { DeclarationIndex } from '../../lib/declarations';
import { CatalogDirectory } from '../../lib/directory';
import { NhiSecretScanner } from '../../lib/secrets/SecretScanner';
import { NhiRunRecord } from '../runRecord';

/** A run record over a store that keeps what it is given. */
export function testRun(sourceKey = 'test:unit') {
  const store = { startRun: jest.fn(), finishRun: jest.fn() };
  const logger = mockServices.logger.mock();
  const run = new NhiRunRecord({
    sourceKey,
    store,
    logger,
    scanner: new NhiSecretScanner(),
  });
  return { run, store, logger };
}

/** An enrichment context that knows no one. */
export const emptyContext = () => ({
  directory: new CatalogDirectory([], []),
  declarations: new DeclarationIndex([]),
  claims: new Map(),
});

/** The identity the pipeline builds from a mock record. */
export function builtIdentity(
  overrides: Partial<NhiIdentityRecord> = {},
): BuiltIdentity {
  return buildEntity(
    mockNhiRecord(overrides),
    'test:unit',
    emptyContext(),
    e => e,
  );
}
