import { parseCredentialReport } from './credentialReport';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

describe('parseCredentialReport', () => {
  it('reads rows in the AWS format, without its placeholders', () => {
    const rows = parseCredentialReport(
      [
        HEADER,
        '<root_account>,arn:aws:iam::111111111111:root,2019-01-01T00:00:00+00:00,not_supported,2026-11-01T08:00:00+00:00,not_supported,not_supported,false,true,2021-03-04T05:06:07+00:00,2026-11-20T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
        'ci-deployer,arn:aws:iam::111111111111:user/ci-deployer,2023-04-02T09:12:00+00:00,true,no_information,2023-04-02T09:12:00+00:00,N/A,false,true,2023-04-02T09:12:00+00:00,2026-11-20T08:00:00+00:00,eu-west-1,s3,false,2026-10-01T10:00:00+00:00,N/A,N/A,N/A,true,2022-01-01T00:00:00+00:00,false,N/A',
        'quiet,arn:aws:iam::111111111111:user/quiet,2023-04-02T09:12:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ].join('\n'),
    );
    expect(rows).toEqual([
      {
        user: '<root_account>',
        arn: 'arn:aws:iam::111111111111:root',
        userCreationTime: '2019-01-01T00:00:00.000Z',
        passwordEnabled: undefined,
        passwordLastUsed: '2026-11-01T08:00:00.000Z',
        passwordNeverUsed: false,
        passwordLastChanged: undefined,
        mfaActive: false,
        keys: [
          {
            slot: 1,
            active: true,
            lastRotated: '2021-03-04T05:06:07.000Z',
            lastUsed: {
              at: '2026-11-20T10:00:00.000Z',
              region: 'us-east-1',
              service: 's3',
            },
          },
        ],
        certificates: [],
      },
      {
        user: 'ci-deployer',
        arn: 'arn:aws:iam::111111111111:user/ci-deployer',
        userCreationTime: '2023-04-02T09:12:00.000Z',
        passwordEnabled: true,
        passwordLastUsed: undefined,
        passwordNeverUsed: true,
        passwordLastChanged: '2023-04-02T09:12:00.000Z',
        mfaActive: false,
        keys: [
          {
            slot: 1,
            active: true,
            lastRotated: '2023-04-02T09:12:00.000Z',
            lastUsed: {
              at: '2026-11-20T08:00:00.000Z',
              region: 'eu-west-1',
              service: 's3',
            },
          },
          {
            slot: 2,
            active: false,
            lastRotated: '2026-10-01T10:00:00.000Z',
            lastUsed: undefined,
          },
        ],
        certificates: [
          { slot: 1, active: true, lastRotated: '2022-01-01T00:00:00.000Z' },
        ],
      },
      expect.objectContaining({
        user: 'quiet',
        passwordEnabled: false,
        passwordNeverUsed: false,
        keys: [],
        certificates: [],
      }),
    ]);
  });

  it('fails loudly when AWS changes the columns', () => {
    expect(() =>
      parseCredentialReport(
        'user,arn,mfa_active\nx,arn:aws:iam::1:user/x,true\n',
      ),
    ).toThrow(
      /the credential report lacks the column\(s\) user_creation_time, password_enabled/,
    );
  });
});
