import { ExternalIdRegistry } from './duplicates';

describe('ExternalIdRegistry', () => {
  it('keeps the first record of an externalId and names both in the error', () => {
    const ids = new ExternalIdRegistry();
    expect(
      ids.register({ provider: 'vault', externalId: 'tok-1', name: 'a' }),
    ).toBeUndefined();
    expect(
      ids.register({ provider: 'vault', externalId: 'tok-1', name: 'b' }),
    ).toBe('tok-1: listed twice, as "a" and as "b"; the first ("a") was kept');
    expect(
      ids.register({ provider: 'vault', externalId: 'tok-1', name: 'a' }),
    ).toBe('tok-1: listed twice as "a"; the first one was kept');
  });

  it('tells apart the same id in two providers', () => {
    const ids = new ExternalIdRegistry();
    ids.register({ provider: 'vault', externalId: '42', name: 'a' });
    expect(
      ids.register({ provider: 'datadog', externalId: '42', name: 'a' }),
    ).toBeUndefined();
  });
});
