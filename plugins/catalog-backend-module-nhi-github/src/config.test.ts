import { ConfigReader } from '@backstage/config';
import { readGithubSourceConfig, readGithubSourceConfigs } from './config';

const read = (data: object) =>
  readGithubSourceConfig(new ConfigReader(data as any), 'company');

describe('readGithubSourceConfig', () => {
  it('applies the defaults', () => {
    expect(read({ organizations: ['Lumen-Freight'] })).toEqual({
      id: 'company',
      host: 'github.com',
      organizations: ['Lumen-Freight'],
      ownerProperties: ['owner', 'team'],
      codeowners: true,
      catalogPath: 'catalog-info.yaml',
      repositoryNameAsComponent: true,
      includeArchived: false,
      concurrency: 4,
      reservePercent: 10,
      maxRetries: 3,
      maxWaitSeconds: 120,
      schedule: undefined,
    });
  });

  it('reads every key', () => {
    expect(
      read({
        host: 'GHE.example.com',
        organizations: ['a', 'b-2'],
        ownerProperties: ['service-owner'],
        codeowners: false,
        includeArchived: true,
        concurrency: 8,
        rateLimit: { reservePercent: 25, maxRetries: 1, maxWaitSeconds: 30 },
        schedule: { frequency: { minutes: 30 }, timeout: { minutes: 10 } },
      }),
    ).toMatchObject({
      host: 'ghe.example.com',
      organizations: ['a', 'b-2'],
      ownerProperties: ['service-owner'],
      codeowners: false,
      includeArchived: true,
      concurrency: 8,
      reservePercent: 25,
      maxRetries: 1,
      maxWaitSeconds: 30,
      schedule: { frequency: { minutes: 30 } },
    });
  });

  it.each([
    [{}, /nhi.sources.github.company.organizations must list at least one/],
    [
      { organizations: ['-bad'] },
      /organizations\[0\] is not a GitHub organization login/,
    ],
    [{ organizations: ['a', 'A'] }, /organizations\[1\]: A is listed twice/],
    [
      { organizations: ['a'], host: 'https://github.com' },
      /\.host must be a host name/,
    ],
    [
      { organizations: ['a'], concurrency: 0 },
      /\.concurrency must be a whole number from 1 to 16, got 0/,
    ],
    [
      { organizations: ['a'], rateLimit: { reservePercent: 95 } },
      /rateLimit.reservePercent must be a whole number from 0 to 90/,
    ],
    [
      { organizations: ['a'], catalogPath: '../x.yaml' },
      /\.catalogPath must be the path of a YAML file/,
    ],
    [
      { organizations: ['a'], ownerProperties: ['no spaces'] },
      /ownerProperties\[0\] is not a custom property name/,
    ],
  ])('names the bad key in %j', (data, message) => {
    expect(() => read(data)).toThrow(message);
  });

  it('refuses a bad source id', () => {
    expect(() =>
      readGithubSourceConfigs(
        new ConfigReader({
          nhi: { sources: { github: { Prod: { organizations: ['a'] } } } },
        }),
      ),
    ).toThrow(/nhi.sources.github.Prod: a source id must be lower-case/);
    expect(readGithubSourceConfigs(new ConfigReader({}))).toEqual([]);
  });
});
