import { ConfigReader } from '@backstage/config';
import {
  describeNhiFactRetrieverConfig,
  readNhiFactRetrieverConfig,
} from './config';

describe('readNhiFactRetrieverConfig', () => {
  it('reads which NHI retrievers tech-insights will schedule', () => {
    const config = new ConfigReader({
      techInsights: {
        factRetrievers: {
          nhiComponentFactRetriever: {
            cadence: '0 */6 * * *',
            lifecycle: { maxItems: 2 },
          },
          nhiGroupFactRetriever: { cadence: '20 */6 * * *' },
          entityOwnershipFactRetriever: { cadence: '* * * * *' },
        },
      },
    });
    expect(readNhiFactRetrieverConfig(config)).toEqual([
      {
        id: 'nhiComponentFactRetriever',
        scheduled: true,
        cadence: '0 */6 * * *',
        hasLifecycle: true,
      },
      {
        id: 'nhiGroupFactRetriever',
        scheduled: true,
        cadence: '20 */6 * * *',
        hasLifecycle: false,
      },
      {
        id: 'nhiIdentityFactRetriever',
        scheduled: false,
        cadence: undefined,
        hasLifecycle: false,
      },
    ]);
  });

  it('reads nothing scheduled from empty config', () => {
    expect(
      readNhiFactRetrieverConfig(new ConfigReader({})).map(s => s.scheduled),
    ).toEqual([false, false, false]);
  });
});

describe('describeNhiFactRetrieverConfig', () => {
  it('warns about a default retriever that will not run, with the values to set', () => {
    const messages = describeNhiFactRetrieverConfig(
      readNhiFactRetrieverConfig(new ConfigReader({})),
    );
    expect(messages).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          /^nhiComponentFactRetriever will not run: .*techInsights\.factRetrievers\.nhiComponentFactRetriever.*cadence: '0 \*\/6 \* \* \*', lifecycle: \{ maxItems: 2 \}/,
        ),
      },
      {
        level: 'warn',
        message: expect.stringContaining('nhiGroupFactRetriever will not run'),
      },
      {
        level: 'info',
        message: expect.stringContaining('nhiIdentityFactRetriever is off'),
      },
    ]);
  });

  it('warns about a scheduled retriever whose facts are never deleted', () => {
    const messages = describeNhiFactRetrieverConfig([
      {
        id: 'nhiIdentityFactRetriever',
        scheduled: true,
        cadence: '0 2 * * *',
        hasLifecycle: false,
      },
      {
        id: 'nhiComponentFactRetriever',
        scheduled: true,
        cadence: '0 2 * * *',
        hasLifecycle: true,
      },
    ]);
    expect(messages).toEqual([
      {
        level: 'warn',
        message: expect.stringContaining(
          'nhiIdentityFactRetriever has no lifecycle',
        ),
      },
    ]);
  });
});
