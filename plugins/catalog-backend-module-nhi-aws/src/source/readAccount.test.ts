import {
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsCallCounter } from './clients';
import {
  readAuthorizationDetails,
  readCredentialReport,
  readIamAccount,
} from './readAccount';
import { matchKeysToReport } from './normalize';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const row = (user: string, key1?: string, key2?: string) =>
  [
    user,
    `arn:aws:iam::111111111111:user/${user}`,
    '2020-01-01T00:00:00+00:00',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'false',
    key1 ? 'true' : 'false',
    key1 ?? 'N/A',
    key1 ? '2026-11-01T00:00:00+00:00' : 'N/A',
    key1 ? 'eu-west-1' : 'N/A',
    key1 ? 's3' : 'N/A',
    key2 ? 'true' : 'false',
    key2 ?? 'N/A',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
const report = (...rows: string[]) => ({
  Content: Buffer.from([HEADER, ...rows].join('\n')),
  ReportFormat: 'text/csv' as const,
});
const user = (name: string) => ({
  UserName: name,
  Arn: `arn:aws:iam::111111111111:user/${name}`,
  CreateDate: new Date('2020-01-01T00:00:00Z'),
});
const noSleep = jest.fn(async () => {});

beforeEach(() => {
  iamMock.reset();
  noSleep.mockClear();
});

describe('readAuthorizationDetails', () => {
  it('follows Marker while IsTruncated, asking for every entity type', async () => {
    iamMock
      .on(GetAccountAuthorizationDetailsCommand, { Marker: undefined })
      .resolves({
        UserDetailList: [user('a')],
        IsTruncated: true,
        Marker: 'm1',
      })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm1' })
      .resolves({
        UserDetailList: [user('b')],
        RoleDetailList: [{ RoleName: 'r' }],
        IsTruncated: true,
        Marker: 'm2',
      })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm2' })
      .resolves({
        Policies: [{ PolicyName: 'p' }],
        GroupDetailList: [{ GroupName: 'g' }],
        IsTruncated: false,
      });
    const counter = new AwsCallCounter();
    const out = await readAuthorizationDetails(iam, { counter, pageSize: 2 });
    expect(out.users.map(u => u.UserName)).toEqual(['a', 'b']);
    expect(out.roles).toHaveLength(1);
    expect(out.groups).toHaveLength(1);
    expect(out.policies).toHaveLength(1);
    const calls = iamMock.commandCalls(GetAccountAuthorizationDetailsCommand);
    expect(calls.map(c => c.args[0].input.Marker)).toEqual([
      undefined,
      'm1',
      'm2',
    ]);
    expect(calls[0].args[0].input).toMatchObject({
      MaxItems: 2,
      Filter: [
        'User',
        'Role',
        'Group',
        'LocalManagedPolicy',
        'AWSManagedPolicy',
      ],
    });
    expect(counter.total('iam')).toBe(3);
  });

  it('stops on a Marker that repeats instead of looping for ever', async () => {
    iamMock
      .on(GetAccountAuthorizationDetailsCommand)
      .resolves({ IsTruncated: true, Marker: 'same' });
    await expect(
      readAuthorizationDetails(iam, {
        counter: new AwsCallCounter(),
        pageSize: 100,
      }),
    ).rejects.toThrow('the Marker same… came twice');
  });
});

describe('readCredentialReport', () => {
  it('polls GenerateCredentialReport until COMPLETE, then downloads it', async () => {
    iamMock
      .on(GenerateCredentialReportCommand)
      .resolvesOnce({ State: 'STARTED' })
      .resolvesOnce({ State: 'INPROGRESS' })
      .resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).resolves(report(row('a')));
    const counter = new AwsCallCounter();
    const rows = await readCredentialReport(iam, {
      counter,
      reportPollIntervalMs: 1000,
      reportTimeoutMs: 60_000,
      sleep: noSleep,
    });
    expect(rows.map(r => r.user)).toEqual(['a']);
    expect(noSleep).toHaveBeenCalledTimes(2);
    expect(noSleep).toHaveBeenCalledWith(1000, undefined);
    expect(Object.fromEntries(counter.operations)).toEqual({
      'iam:GenerateCredentialReport': 3,
      'iam:GetCredentialReport': 1,
    });
  });

  it('generates again when the report is not ready after all', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock
      .on(GetCredentialReportCommand)
      .rejectsOnce(
        new CredentialReportNotReadyException({
          message: 'in progress',
          $metadata: {},
        }),
      )
      .resolves(report(row('a')));
    const rows = await readCredentialReport(iam, {
      counter: new AwsCallCounter(),
      reportPollIntervalMs: 0,
      reportTimeoutMs: 60_000,
      sleep: noSleep,
    });
    expect(rows).toHaveLength(1);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(
      2,
    );
  });

  it('gives up after the timeout', async () => {
    iamMock
      .on(GenerateCredentialReportCommand)
      .resolves({ State: 'INPROGRESS' });
    await expect(
      readCredentialReport(iam, {
        counter: new AwsCallCounter(),
        reportPollIntervalMs: 0,
        reportTimeoutMs: 1,
        sleep: () => new Promise(r => setTimeout(r, 5)),
      }),
    ).rejects.toThrow('the credential report was not ready after 0 s');
  });
});

describe('readIamAccount', () => {
  it('lists access keys only for users the report says have keys, and for users it does not list', async () => {
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({
      UserDetailList: [
        user('with-key'),
        user('without-key'),
        user('created-after-report'),
        user('deleted-meanwhile'),
      ],
      IsTruncated: false,
    });
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock
      .on(GetCredentialReportCommand)
      .resolves(
        report(
          row('with-key', '2024-05-01T10:00:00+00:00'),
          row('without-key'),
          row('deleted-meanwhile', '2024-05-01T10:00:00+00:00'),
        ),
      );
    iamMock
      .on(ListAccessKeysCommand, { UserName: 'with-key' })
      .resolves({
        AccessKeyMetadata: [
          {
            UserName: 'with-key',
            AccessKeyId: 'AKIAWITHKEY000000001',
            Status: 'Active',
            CreateDate: new Date('2024-05-01T10:00:00Z'),
          },
        ],
      })
      .on(ListAccessKeysCommand, { UserName: 'created-after-report' })
      .resolves({ AccessKeyMetadata: [] })
      .on(ListAccessKeysCommand, { UserName: 'deleted-meanwhile' })
      .rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    const counter = new AwsCallCounter();
    const snapshot = await readIamAccount(iam, {
      counter,
      pageSize: 1000,
      reportPollIntervalMs: 0,
      reportTimeoutMs: 1000,
      sleep: noSleep,
    });
    expect(
      iamMock
        .commandCalls(ListAccessKeysCommand)
        .map(c => c.args[0].input.UserName)
        .sort(),
    ).toEqual(['created-after-report', 'deleted-meanwhile', 'with-key']);
    expect([...snapshot.accessKeys.keys()]).toEqual(['with-key']);
    expect(snapshot.report.get('with-key')?.keys).toHaveLength(1);
    // 1 page + generate + get + 3 key listings, for 4 users.
    expect(counter.total('iam')).toBe(6);
  });

  it('names the step that failed', async () => {
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejects(
      Object.assign(new Error('User is not authorized'), {
        name: 'AccessDenied',
      }),
    );
    await expect(
      readIamAccount(iam, {
        counter: new AwsCallCounter(),
        pageSize: 1000,
        reportPollIntervalMs: 0,
        reportTimeoutMs: 1000,
      }),
    ).rejects.toThrow(
      'GetAccountAuthorizationDetails: AccessDenied: User is not authorized',
    );
  });
});

describe('matchKeysToReport', () => {
  const key = (id: string, created: string) => ({
    AccessKeyId: id,
    Status: 'Active' as const,
    CreateDate: new Date(created),
  });
  const slot = (s: 1 | 2, lastRotated: string, at?: string) => ({
    slot: s,
    active: true,
    lastRotated,
    lastUsed: at ? { at } : undefined,
  });

  it('pairs keys with report slots by creation date, whatever the order', () => {
    const matched = matchKeysToReport(
      [
        key('AKIANEWER00000000000', '2025-06-01T00:00:00Z'),
        key('AKIAOLDER00000000000', '2023-01-01T00:00:00Z'),
      ],
      [
        slot(2, '2025-06-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
        slot(1, '2023-01-01T00:00:00.000Z'),
      ],
    );
    expect(
      matched.map(m => [m.key.AccessKeyId, m.slot?.slot, m.slot?.lastUsed?.at]),
    ).toEqual([
      ['AKIAOLDER00000000000', 1, undefined],
      ['AKIANEWER00000000000', 2, '2026-01-01T00:00:00.000Z'],
    ]);
  });

  it('leaves a key created after the report unmatched (last use unknown)', () => {
    const matched = matchKeysToReport(
      [key('AKIAFRESH00000000000', '2026-11-27T00:00:00Z')],
      [slot(1, '2023-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')],
    );
    expect(matched[0].slot).toBeUndefined();
  });
});
