import { ConfigReader } from '@backstage/config';
import {
  GCP_SOURCE_DEFAULTS,
  readGcpSourceConfig,
  readGcpSourceConfigs,
} from './config';

type ConfigData = ConstructorParameters<typeof ConfigReader>[0];

const read = (data: ConfigData) =>
  readGcpSourceConfig(new ConfigReader(data), 'company');

describe('readGcpSourceConfig', () => {
  it('applies the defaults', () => {
    expect(read({ organizationId: '123456789012' })).toEqual({
      id: 'company',
      organizationId: '123456789012',
      projects: [],
      excludeProjects: [],
      credentials: {},
      projectOwners: {},
      ...GCP_SOURCE_DEFAULTS,
      ownerLabelKeys: ['team', 'owner'],
      environmentLabelKeys: ['environment', 'env'],
      schedule: undefined,
    });
  });

  it('reads every key', () => {
    const c = read({
      organizationId: 'organizations/42',
      projects: ['acme-legacy'],
      excludeProjects: ['acme-sandbox'],
      credentials: { keyFile: '/secrets/reader.json' },
      rootUrl: 'http://127.0.0.1:4603/',
      includeGoogleManaged: true,
      ownerLabelKeys: ['squad'],
      environmentLabelKeys: ['stage'],
      projectOwners: { 'acme-legacy': 'group:default/payments' },
      lastAuthentication: false,
      activityWindowDays: 180,
      assetInventory: false,
      concurrency: 8,
      maxAttempts: 3,
      maxRetryDelaySeconds: 5,
      schedule: { frequency: { hours: 1 }, timeout: { minutes: 30 } },
    });
    expect(c).toMatchObject({
      organizationId: '42',
      projects: ['acme-legacy'],
      excludeProjects: ['acme-sandbox'],
      credentials: { keyFile: '/secrets/reader.json' },
      rootUrl: 'http://127.0.0.1:4603',
      includeGoogleManaged: true,
      ownerLabelKeys: ['squad'],
      environmentLabelKeys: ['stage'],
      projectOwners: { 'acme-legacy': 'group:default/payments' },
      lastAuthentication: false,
      activityWindowDays: 180,
      assetInventory: false,
      concurrency: 8,
      maxAttempts: 3,
      maxRetryDelayMs: 5000,
      schedule: { frequency: { hours: 1 }, timeout: { minutes: 30 } },
    });
  });

  it.each([
    [{}, 'nhi.sources.gcp.company needs an organizationId, projects, or both'],
    [
      { organizationId: 'acme' },
      'nhi.sources.gcp.company.organizationId must be a numeric organization id',
    ],
    [
      { projects: ['Acme_Prod'] },
      'nhi.sources.gcp.company.projects[0] must be a project id, got "Acme_Prod"',
    ],
    [
      { projects: ['acme-prod', 'acme-prod'] },
      'nhi.sources.gcp.company.projects: project acme-prod is listed twice',
    ],
    [
      { projects: ['acme-prod'], rootUrl: 'ftp://x' },
      'nhi.sources.gcp.company.rootUrl must be an http(s) URL',
    ],
    [
      { projects: ['acme-prod'], ownerLabelKeys: ['Team!'] },
      'nhi.sources.gcp.company.ownerLabelKeys[0] must be a label key',
    ],
    [
      { projects: ['acme-prod'], projectOwners: { 'acme-prod': ' ' } },
      'nhi.sources.gcp.company.projectOwners.acme-prod must name a group or user',
    ],
    [
      {
        projects: ['acme-prod'],
        credentials: { keyFile: 'a', accessToken: 'b' },
      },
      'nhi.sources.gcp.company.credentials: give keyFile or accessToken, not both',
    ],
    [
      { projects: ['acme-prod'], concurrency: 0 },
      'nhi.sources.gcp.company.concurrency must be a whole number from 1 to 64, got 0',
    ],
    [
      { projects: ['acme-prod'], activityWindowDays: 1.5 },
      'nhi.sources.gcp.company.activityWindowDays must be a whole number',
    ],
  ])('refuses %j naming the key', (data, message) => {
    expect(() => read(data)).toThrow(message);
  });

  it('refuses a bad source id', () => {
    expect(() =>
      readGcpSourceConfigs(
        new ConfigReader({
          nhi: { sources: { gcp: { Company: { projects: ['acme-prod'] } } } },
        }),
      ),
    ).toThrow('nhi.sources.gcp.Company: a source id must be');
  });

  it('reads nothing without nhi.sources.gcp', () => {
    expect(readGcpSourceConfigs(new ConfigReader({}))).toEqual([]);
  });
});
