/*
 * The credential classes of @azure/identity the source makes from config,
 * with the arguments config gives them. They are stood in for: a real one
 * would sign in at Microsoft Entra (MSAL refuses an http authority, so not
 * even a local fake can stand in for Entra).
 */
import { ConfigReader, JsonObject } from '@backstage/config';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readAzureSourceConfig } from '../config';
import {
  FAKE_GRAPH_TOKEN,
  generateEntraTenant,
  startGraphEndpoint,
} from '../testUtils';
import { AzureEntraSource } from './AzureEntraSource';

const made: Array<{ kind: string; args: unknown[] }> = [];

jest.mock('@azure/identity', () => {
  const credential = (kind: string) =>
    class {
      constructor(...args: unknown[]) {
        made.push({ kind, args });
      }
      async getToken() {
        return {
          token: 'nhi-fake-graph-token',
          expiresOnTimestamp: Date.now() + 3_600_000,
        };
      }
    };
  return {
    ClientSecretCredential: credential('ClientSecretCredential'),
    ClientCertificateCredential: credential('ClientCertificateCredential'),
    DefaultAzureCredential: credential('DefaultAzureCredential'),
  };
});

const TENANT = '5a0b7c3e-2f61-4d8a-9b1c-7e4f2a6d8c10';
const CLIENT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const model = generateEntraTenant({ identities: 10, tenantId: TENANT });

async function readWith(config: JsonObject) {
  const endpoint = await startGraphEndpoint({ model });
  try {
    const source = AzureEntraSource.fromConfig(
      readAzureSourceConfig(
        new ConfigReader({ tenantId: TENANT, target: endpoint.url, ...config }),
        'corp',
      ),
    );
    const first = await readSource(source);
    // A second read reuses the credential (and its token cache).
    await readSource(source);
    return first;
  } finally {
    await endpoint.stop();
  }
}

beforeEach(() => {
  made.length = 0;
});

describe('the credential the source signs in with', () => {
  it('is a ClientSecretCredential for a client secret, at the configured authority, made once', async () => {
    const { summary, records } = await readWith({
      clientId: CLIENT,
      clientSecret: 'not-a-real-secret',
      authority: 'https://login.microsoftonline.us',
    });
    expect(FAKE_GRAPH_TOKEN).toBe('nhi-fake-graph-token');
    expect(summary.errors).toEqual([]);
    expect(records.length).toBeGreaterThan(10);
    expect(made).toEqual([
      {
        kind: 'ClientSecretCredential',
        args: [
          TENANT,
          CLIENT,
          'not-a-real-secret',
          { authorityHost: 'https://login.microsoftonline.us' },
        ],
      },
    ]);
  });

  it('is a ClientCertificateCredential for a certificate', async () => {
    await readWith({ clientId: CLIENT, clientCertificatePath: '/etc/nhi.pem' });
    expect(made).toEqual([
      {
        kind: 'ClientCertificateCredential',
        args: [
          TENANT,
          CLIENT,
          { certificatePath: '/etc/nhi.pem' },
          { authorityHost: 'https://login.microsoftonline.com' },
        ],
      },
    ]);
  });

  it('is the DefaultAzureCredential chain without a client id', async () => {
    await readWith({});
    expect(made).toEqual([
      {
        kind: 'DefaultAzureCredential',
        args: [
          {
            tenantId: TENANT,
            authorityHost: 'https://login.microsoftonline.com',
          },
        ],
      },
    ]);
  });
});
