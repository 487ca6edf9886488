import { ConfigReader } from '@backstage/config';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readAwsSourceConfig } from '../config';
import { PolicyAnalyzer } from '../policy/PolicyAnalyzer';
import {
  generateIamCompany,
  IamCompanyModel,
  IamEndpoint,
  IamEndpointOptions,
  startIamEndpoint,
} from '../testUtils';
import { AwsIamSource } from './AwsIamSource';

jest.setTimeout(120_000);

// One analyzer for the file: its cache makes repeated reads fast, and the
// policy verdicts do not depend on it.
const analyzer = new PolicyAnalyzer();
const NOW = new Date('2026-11-28T00:00:00Z');
const endpoints: IamEndpoint[] = [];

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.stop()));
});

async function serve(options: IamEndpointOptions) {
  const endpoint = await startIamEndpoint(options);
  endpoints.push(endpoint);
  return endpoint;
}

function source(
  endpoint: IamEndpoint,
  config: Record<string, unknown>,
): AwsIamSource {
  return AwsIamSource.fromConfig(
    readAwsSourceConfig(
      new ConfigReader({
        endpoint: endpoint.url,
        credentialReport: { pollIntervalSeconds: 0 },
        ...config,
      }),
      'test',
    ),
    {
      credentials: async () => endpoint.credentials,
      retryBaseDelayMs: 2,
      analyzer,
      now: () => NOW,
    },
  );
}

/** What the source should emit for an account of the model, by external id. */
function expectedIds(
  model: IamCompanyModel,
  accountIds: string[],
  options: { serviceLinked?: boolean } = {},
): string[] {
  const ids: string[] = [];
  for (const a of model.accounts.filter(x => accountIds.includes(x.id))) {
    for (const u of a.users) {
      ids.push(`arn:aws:iam::${a.id}:user${u.path ?? '/'}${u.name}`);
    }
    for (const r of a.roles) {
      const path = r.path ?? '/';
      if (!options.serviceLinked && path.startsWith('/aws-service-role/')) {
        continue;
      }
      ids.push(`arn:aws:iam::${a.id}:role${path}${r.name}`);
    }
    if (a.root?.accessKeys?.some(k => k.active)) {
      ids.push(`arn:aws:iam::${a.id}:root`);
    }
  }
  return ids.sort();
}

const ids = (records: NhiIdentityRecord[]) =>
  records.map(r => r.externalId).sort();
const credentialIds = (records: NhiIdentityRecord[]) =>
  records
    .flatMap(r => (r.credentials ?? []).map(c => `${r.externalId}#${c.id}`))
    .sort();
const byId = (records: NhiIdentityRecord[]) =>
  [...records].sort((a, b) => a.externalId.localeCompare(b.externalId));

describe('AwsIamSource over HTTP with the real AWS SDK', () => {
  const model = generateIamCompany({ accounts: 3, identities: 300, seed: 3 });
  const [management, second, third] = model.accounts.map(a => a.id);

  it('reads an organization; an account whose role cannot be assumed is an error and the others are complete', async () => {
    const endpoint = await serve({
      model,
      faults: { denyAssumeRole: [third] },
    });
    const { records, summary, invalid, batchSizes } = await readSource(
      source(endpoint, { organization: { accountRoleName: 'NhiReadOnly' } }),
    );
    expect(invalid).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([management, second].sort());
    expect(summary.errors).toEqual([
      {
        scope: third,
        message: expect.stringContaining(
          `account ${third} could not be read: could not assume arn:aws:iam::${third}:role/NhiReadOnly: AccessDenied: User is not authorized`,
        ),
      },
    ]);
    expect(ids(records)).toEqual(expectedIds(model, [management, second]));
    expect(new Set(records.map(r => r.scope))).toEqual(
      new Set([management, second]),
    );
    expect(batchSizes.every(n => n > 0 && n <= 1000)).toBe(true);
    expect(endpoint.calls.ListAccounts).toBe(1);
    expect(endpoint.calls.AssumeRole).toBe(3);
  });

  it('gives exactly the same records when 20% of requests are throttled', async () => {
    const calm = await serve({ model });
    const stormy = await serve({
      model,
      faults: { throttleRate: 0.2, seed: 42 },
    });
    const org = { organization: { accountRoleName: 'NhiReadOnly' } };
    const a = await readSource(source(calm, org));
    const b = await readSource(source(stormy, { ...org, maxAttempts: 10 }));
    expect(stormy.throttled).toBeGreaterThan(10);
    expect(b.summary.errors).toEqual([]);
    expect(b.summary.complete).toBe(true);
    expect(b.summary.stats!.httpAttempts).toBeGreaterThan(
      b.summary.stats!.apiCalls,
    );
    expect(ids(b.records)).toEqual(ids(a.records));
    expect(credentialIds(b.records)).toEqual(credentialIds(a.records));
    expect(byId(b.records)).toEqual(byId(a.records));
  });

  it('pages through GetAccountAuthorizationDetails with Marker', async () => {
    const small = generateIamCompany({ accounts: 1, identities: 40, seed: 5 });
    const endpoint = await serve({ model: small, pageSize: 7 });
    const acct = small.accounts[0];
    const { records, summary, invalid } = await readSource(
      source(endpoint, { accounts: [{ accountId: acct.id }] }),
    );
    expect(invalid).toEqual([]);
    expect(summary.complete).toBe(true);
    const items =
      acct.users.length +
      acct.roles.length +
      acct.groups.length +
      acct.policies.length +
      // AWS managed policies attached in the account.
      new Set(
        [...acct.users, ...acct.roles, ...acct.groups]
          .flatMap(x => x.attachedPolicies ?? [])
          .filter(arn => arn.startsWith('arn:aws:iam::aws:')),
      ).size;
    expect(endpoint.calls.GetAccountAuthorizationDetails).toBe(
      Math.ceil(items / 7),
    );
    expect(ids(records)).toEqual(expectedIds(small, [acct.id]));
  });

  it('reads the configured account with the base credentials when no role is given', async () => {
    const endpoint = await serve({ model });
    const { records, summary } = await readSource(
      source(endpoint, { accounts: [{ accountId: management }] }),
    );
    expect(summary).toMatchObject({
      complete: true,
      completeScopes: [management],
      errors: [],
    });
    expect(endpoint.calls.AssumeRole).toBeUndefined();
    expect(ids(records)).toEqual(expectedIds(model, [management]));
  });

  it('uses the partition of a GovCloud region for roles, ARNs and links', async () => {
    const gov: IamCompanyModel = { ...model, partition: 'aws-us-gov' };
    const endpoint = await serve({ model: gov });
    const { records, summary, invalid } = await readSource(
      source(endpoint, {
        region: 'us-gov-west-1',
        organization: { accountRoleName: 'NhiReadOnly' },
      }),
    );
    expect(invalid).toEqual([]);
    expect(summary.complete).toBe(true);
    expect(
      records.every(r => r.externalId.startsWith('arn:aws-us-gov:iam::')),
    ).toBe(true);
    expect(records.find(r => r.name === 'root')?.externalId).toBe(
      `arn:aws-us-gov:iam::${second}:root`,
    );
    expect(records[0].links?.[0].url).toMatch(
      /^https:\/\/console\.amazonaws-us-gov\.com\/iam\/home#/,
    );
  });

  it('skips service-linked roles unless includeServiceLinkedRoles', async () => {
    const endpoint = await serve({ model });
    const account = { accounts: [{ accountId: management }] };
    const skipped = await readSource(source(endpoint, account));
    const kept = await readSource(
      source(endpoint, { ...account, includeServiceLinkedRoles: true }),
    );
    const linked = (rs: NhiIdentityRecord[]) =>
      rs.filter(r => r.externalId.includes(':role/aws-service-role/'));
    expect(linked(skipped.records)).toEqual([]);
    expect(
      linked(kept.records)
        .map(r => r.name)
        .sort(),
    ).toEqual(['AWSServiceRoleForSupport', 'AWSServiceRoleForTrustedAdvisor']);
    expect(ids(kept.records)).toEqual(
      expectedIds(model, [management], { serviceLinked: true }),
    );
  });

  it("emits the root user's access key, tagged root", async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(
      source(endpoint, { organization: { accountRoleName: 'NhiReadOnly' } }),
    );
    const roots = records.filter(r => r.externalId.endsWith(':root'));
    expect(roots).toEqual([
      expect.objectContaining({
        externalId: `arn:aws:iam::${second}:root`,
        name: 'root',
        type: 'iam-user',
        tags: ['aws', 'root'],
        credentials: [
          expect.objectContaining({
            id: 'root-access-key-1',
            kind: 'access-key',
            status: 'active',
          }),
        ],
      }),
    ]);
  });

  it('finds the risky permissions and trusts the generated company has', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(
      source(endpoint, { organization: { accountRoleName: 'NhiReadOnly' } }),
    );
    const some = (f: (r: NhiIdentityRecord) => unknown) =>
      records.filter(f).length;
    expect(
      some(r => r.permissions?.admin && r.type === 'iam-user'),
    ).toBeGreaterThan(0);
    expect(
      some(r =>
        r.permissions?.escalation?.includes(
          'iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction',
        ),
      ),
    ).toBeGreaterThan(0);
    expect(
      some(r => r.permissions?.serviceWildcards?.includes('s3:*')),
    ).toBeGreaterThan(0);
    expect(
      some(r => r.permissions?.serviceWildcards?.includes('* except iam:*')),
    ).toBeGreaterThan(0);
    expect(some(r => r.permissions?.trust?.public)).toBeGreaterThan(0);
    expect(
      some(r => r.permissions?.trust?.oidc?.some(o => !o.subjectRestricted)),
    ).toBeGreaterThan(0);
    expect(
      some(r => r.permissions?.trust?.oidc?.some(o => o.subjectRestricted)),
    ).toBeGreaterThan(0);
    expect(
      some(
        r =>
          r.permissions?.trust?.externalAccountsWithoutExternalId?.includes(
            '999988887777',
          ) ||
          r.permissions?.trust?.externalAccountsWithoutExternalId?.includes(
            '444455556666',
          ),
      ),
    ).toBeGreaterThan(0);
    expect(some(r => r.owner?.via === 'tag:team')).toBeGreaterThan(0);
    expect(some(r => r.interactiveLogin && r.mfa === false)).toBeGreaterThan(0);
  });

  it('reports an account whose endpoint is down and one whose credential report never completes', async () => {
    const endpoint = await serve({
      model,
      faults: { downAccounts: [second], reportNeverCompletes: [third] },
    });
    const { records, summary } = await readSource(
      source(endpoint, {
        organization: { accountRoleName: 'NhiReadOnly' },
        maxAttempts: 2,
        credentialReport: { pollIntervalSeconds: 0, timeoutSeconds: 1 },
      }),
    );
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([management]);
    const messages = Object.fromEntries(
      summary.errors.map(e => [e.scope, e.message]),
    );
    expect(messages[second]).toMatch(
      new RegExp(
        `^account ${second} could not be read: GetAccountAuthorizationDetails: .*(socket|ECONNRESET|hang up)`,
        'i',
      ),
    );
    expect(messages[third]).toBe(
      `account ${third} could not be read: credential report: the credential report was not ready after 1 s`,
    );
    expect(ids(records)).toEqual(expectedIds(model, [management]));
  });

  it('retries a 503 and then reports the account as unavailable', async () => {
    const endpoint = await serve({
      model,
      faults: { downAccounts: [second], downMode: 'unavailable' },
    });
    const { summary } = await readSource(
      source(endpoint, {
        organization: { accountRoleName: 'NhiReadOnly' },
        maxAttempts: 3,
      }),
    );
    expect(summary.completeScopes).toEqual([management, third].sort());
    expect(summary.errors).toEqual([
      {
        scope: second,
        message: `account ${second} could not be read: GetAccountAuthorizationDetails: ServiceUnavailable: Service is unavailable`,
      },
    ]);
    // Three attempts of the first call, then the account was given up.
    expect(endpoint.calls.GetAccountAuthorizationDetails).toBe(2 + 3);
  });

  it('reports an organization it may not list, and still reads the configured accounts', async () => {
    const endpoint = await serve({ model });
    const { summary, records } = await readSource(
      source(endpoint, {
        accounts: [{ accountId: management }],
        organization: {
          roleArn: `arn:aws:iam::${second}:role/NotTheManagementAccount`,
          accountRoleName: 'NhiReadOnly',
        },
      }),
    );
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([management]);
    expect(summary.errors).toEqual([
      {
        scope: 'organization',
        message: expect.stringMatching(
          /^could not list the organization's accounts: AccessDeniedException/,
        ),
      },
    ]);
    expect(ids(records)).toEqual(expectedIds(model, [management]));
  });

  it('stops, and starts no other account, when the pipeline refuses a batch', async () => {
    const endpoint = await serve({ model });
    const s = source(endpoint, {
      organization: { accountRoleName: 'NhiReadOnly' },
      concurrency: 1,
    });
    await expect(
      s.read({
        logger: {
          error() {},
          warn() {},
          info() {},
          debug() {},
          child() {
            return this;
          },
        },
        signal: new AbortController().signal,
        async emit() {
          throw new Error('the catalog is read-only');
        },
      }),
    ).rejects.toThrow('the catalog is read-only');
    await new Promise(r => setTimeout(r, 500));
    expect(endpoint.calls.AssumeRole).toBe(1);
  });

  it('stops when the read is aborted', async () => {
    const endpoint = await serve({ model, reportPolls: 3 });
    const controller = new AbortController();
    const s = source(endpoint, {
      organization: { accountRoleName: 'NhiReadOnly' },
      concurrency: 1,
    });
    let emitted = 0;
    const summary = await s.read({
      logger: {
        error() {},
        warn() {},
        info() {},
        debug() {},
        child() {
          return this;
        },
      },
      signal: controller.signal,
      async emit(batch) {
        emitted += batch.length;
        controller.abort();
      },
    });
    expect(summary.complete).toBe(false);
    expect(summary.errors.map(e => e.message)).toContain(
      'the read was aborted',
    );
    expect(summary.completeScopes!.length).toBeLessThan(3);
    expect(emitted).toBeLessThan(
      expectedIds(model, [management, second, third]).length,
    );
  });
});

describe('API calls', () => {
  it('stays at or under 1.2 IAM calls per identity on a few thousand identities', async () => {
    const model = generateIamCompany({
      accounts: 3,
      identities: 3000,
      seed: 9,
    });
    const endpoint = await serve({ model });
    const { records, summary, invalid } = await readSource(
      source(endpoint, { organization: { accountRoleName: 'NhiReadOnly' } }),
    );
    expect(invalid).toEqual([]);
    expect(records.length).toBeGreaterThanOrEqual(3000);
    const stats = summary.stats!;
    expect(stats.identities).toBe(records.length);
    // What the source counts is what the endpoint received.
    expect(stats.apiCalls).toBe(endpoint.totalCalls());
    expect(stats.iamApiCalls / records.length).toBeLessThanOrEqual(1.2);
    // Bulk reads: no per-user policy or tag calls, ListAccessKeys only for key holders.
    expect(Object.keys(endpoint.calls).sort()).toEqual([
      'AssumeRole',
      'DescribeOrganization',
      'GenerateCredentialReport',
      'GetAccountAuthorizationDetails',
      'GetCredentialReport',
      'ListAccessKeys',
      'ListAccounts',
    ]);
    const keyHolders = model.accounts
      .flatMap(a => a.users)
      .filter(u => u.accessKeys?.length).length;
    expect(endpoint.calls.ListAccessKeys).toBe(keyHolders);
  });
});
