import { NhiIdentitySource } from '@backstage-nhi/plugin-nhi-node';
import { collectSources } from './sources';

const source = (type: string, id: string): NhiIdentitySource => ({
  type,
  id,
  read: async () => ({ complete: true, errors: [] }),
});

describe('collectSources', () => {
  it('keeps sources whose type and id differ, and refuses two with the same key', () => {
    const sources = [source('aws', 'prod'), source('file', 'prod')];
    expect(collectSources(sources)).toBe(sources);
    expect(() => collectSources([...sources, source('aws', 'prod')])).toThrow(
      'NHI source aws:prod is configured twice; source ids must be unique per type',
    );
  });
});
