import {
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { generateIamCompany } from './generateIamCompany';
import { IamEndpoint, startIamEndpoint } from './iamEndpoint';

describe('startIamEndpoint', () => {
  const model = generateIamCompany({ accounts: 2, identities: 20, seed: 1 });
  let endpoint: IamEndpoint;
  beforeEach(async () => {
    endpoint = await startIamEndpoint({ model, faults: { throttleRate: 0 } });
  });
  afterEach(() => endpoint.stop());

  const client = <T>(
    Client: new (c: object) => T,
    credentials: {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
    },
  ) =>
    new Client({
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials,
      maxAttempts: 1,
    });

  it('answers for the account whose role was assumed', async () => {
    const member = model.accounts[1];
    const sts = client(STSClient, endpoint.credentials);
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${member.id}:role/NhiReadOnly`,
        RoleSessionName: 'test',
      }),
    );
    const iam = client(IAMClient, {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    });
    const page = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }),
    );
    expect(page.UserDetailList?.map(u => u.Arn)).toEqual(
      member.users.map(u => `arn:aws:iam::${member.id}:user/${u.name}`),
    );
    expect(page.RoleDetailList).toBeUndefined();
    expect(endpoint.calls).toEqual({
      AssumeRole: 1,
      GetAccountAuthorizationDetails: 1,
    });
  });

  it('refuses unknown credentials and answers in the AWS error shapes', async () => {
    const stranger = client(IAMClient, {
      accessKeyId: 'AKIASTRANGER00000000',
      secretAccessKey: 'x',
    });
    await expect(
      stranger.send(new GetAccountAuthorizationDetailsCommand({})),
    ).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
    const iam = client(IAMClient, endpoint.credentials);
    await expect(
      iam.send(new GetCredentialReportCommand({})),
    ).rejects.toMatchObject({ name: 'CredentialReportNotPresentException' });
  });

  it('lists the organization only for the management account', async () => {
    const orgs = client(OrganizationsClient, endpoint.credentials);
    const { Accounts } = await orgs.send(new ListAccountsCommand({}));
    expect(Accounts?.map(a => a.Id)).toEqual(model.accounts.map(a => a.id));
  });
});
