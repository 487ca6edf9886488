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
});
