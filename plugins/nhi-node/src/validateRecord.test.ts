import { mockNhiRecord } from './testUtils';
import { validateNhiRecord } from './validateRecord';

describe('validateNhiRecord', () => {
  it('accepts a valid record', () => {
    expect(validateNhiRecord(mockNhiRecord())).toBeUndefined();
  });

  it('names the field of an invalid record', () => {
    expect(validateNhiRecord(mockNhiRecord({ name: ' ' }))).toBe(
      'name must be a non-empty string',
    );
    expect(
      validateNhiRecord(mockNhiRecord({ category: 'gadget' as any })),
    ).toMatch(/^category must be one of: service-account/);
    expect(
      validateNhiRecord(
        mockNhiRecord({
          credentials: [
            {
              id: 'k',
              kind: 'access-key',
              status: 'active',
              createdAt: 'soon',
            },
          ],
        }),
      ),
    ).toBe(
      'credentials[0].createdAt has an invalid format (expected an ISO 8601 date)',
    );
    expect(
      validateNhiRecord(mockNhiRecord({ externalId: undefined as any })),
    ).toBe('record is missing the required field "externalId"');
  });

  it('checks federation like the rest of the model', () => {
    expect(
      validateNhiRecord(
        mockNhiRecord({
          federation: [
            {
              kind: 'workload-identity',
              target: 'arn:aws:iam::111111111111:role/payments-api',
            },
          ],
        }),
      ),
    ).toBeUndefined();
    expect(
      validateNhiRecord(
        mockNhiRecord({ federation: [{ kind: 'magic' as any }] }),
      ),
    ).toMatch(/^federation\[0\]\.kind must be one of: workload-identity/);
  });
});
