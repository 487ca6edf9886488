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
