import { ConfigReader } from '@backstage/config';
import {
  readFileSourceConfigs,
  readNhiPipelineConfig,
  DEFAULT_NHI_SCHEDULE,
} from './config';

describe('readNhiPipelineConfig', () => {
  it('has defaults', () => {
    expect(readNhiPipelineConfig(new ConfigReader({}))).toEqual({
      schedule: DEFAULT_NHI_SCHEDULE,
      batchSize: 1000,
      declaringKinds: ['Component', 'Resource'],
      maxRemovalPercent: 20,
    });
  });

  it('reads a schedule and batch size', () => {
    const c = readNhiPipelineConfig(
      new ConfigReader({
        nhi: {
          pipeline: {
            schedule: { frequency: { minutes: 5 }, timeout: { minutes: 2 } },
            batchSize: 200,
          },
        },
      }),
    );
    expect(c.schedule).toEqual({
      frequency: { minutes: 5 },
      timeout: { minutes: 2 },
    });
    expect(c.batchSize).toBe(200);
  });

  it('rejects a bad batch size', () => {
    expect(() =>
      readNhiPipelineConfig(
        new ConfigReader({ nhi: { pipeline: { batchSize: 0 } } }),
      ),
    ).toThrow(
      'nhi.pipeline.batchSize must be a whole number from 1 to 10000, got 0',
    );
  });
});

describe('nhi.pipeline.maxRemovalPercent', () => {
  const read = (value: unknown) =>
    readNhiPipelineConfig(
      new ConfigReader({
        nhi: { pipeline: { maxRemovalPercent: value } },
      } as any),
    ).maxRemovalPercent;

  it('reads a percentage', () => {
    expect(read(5)).toBe(5);
    expect(read(0)).toBe(0);
    expect(read(100)).toBe(100);
  });

  it('refuses anything else with the key named', () => {
    expect(() => read(0.2 * 1000)).toThrow(
      'nhi.pipeline.maxRemovalPercent must be a percentage from 0 to 100, got 200',
    );
    expect(() => read(-1)).toThrow(
      'nhi.pipeline.maxRemovalPercent must be a percentage from 0 to 100, got -1',
    );
    expect(() => read('lots')).toThrow(/maxRemovalPercent/);
  });
});

describe('readFileSourceConfigs', () => {
  it('reads every file source', () => {
    expect(
      readFileSourceConfigs(
        new ConfigReader({
          nhi: {
            sources: {
              file: {
                demo: { target: 'a.yaml' },
                remote: { target: 'https://x/y.json', format: 'json' },
              },
            },
          },
        }),
      ),
    ).toEqual([
      { id: 'demo', target: 'a.yaml', format: undefined, schedule: undefined },
      {
        id: 'remote',
        target: 'https://x/y.json',
        format: 'json',
        schedule: undefined,
      },
    ]);
  });

  it.each([
    [
      { 'Bad Id': { target: 'a' } },
      'nhi.sources.file.Bad Id: a source id must be lower-case letters, digits and single dashes',
    ],
    [{ a: { target: ' ' } }, 'nhi.sources.file.a.target must not be empty'],
    [
      { a: { target: 'x', format: 'xml' } },
      'nhi.sources.file.a.format must be yaml or json, got xml',
    ],
  ])('rejects %p', (file, message) => {
    expect(() =>
      readFileSourceConfigs(new ConfigReader({ nhi: { sources: { file } } })),
    ).toThrow(message);
  });
});
