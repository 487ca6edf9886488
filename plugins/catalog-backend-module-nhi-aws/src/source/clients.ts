import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialProvider } from '@backstage/integration-aws-node';
import { AdaptiveRetryStrategy } from '@smithy/util-retry';

/**
 * A provider of AWS credentials, as the AWS SDK takes them.
 *
 * @public
 */
export type AwsCredentialIdentityProvider =
  AwsCredentialProvider['sdkCredentialProvider'];

/** Credentials, as a provider returns them. */
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/**
 * Counts the AWS operations a read issues (by `<service>:<Operation>`) and
 * the HTTP attempts they took, retries included.
 *
 * @public
 */
export class AwsCallCounter {
  /** Operations by `<service>:<Operation>`, e.g. `iam:ListAccessKeys`. */
  readonly operations = new Map<string, number>();
  /** HTTP attempts, including retries (only for real clients, not mocks). */
  attempts = 0;

  /** Records one operation. */
  add(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.operations.set(key, (this.operations.get(key) ?? 0) + 1);
  }

  /** Operations of one service (`iam`, `sts`, `organizations`), or of all. */
  total(service?: string): number {
    let n = 0;
    for (const [key, count] of this.operations) {
      if (!service || key.startsWith(`${service}:`)) n += count;
    }
    return n;
  }
}

/** A client whose operations are counted; mocks (aws-sdk-client-mock) stub `send`. */
interface SendingClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): unknown;
}

/**
 * Sends a command, counting it. The operation name is the command's class
 * name without `Command`.
 */
export async function sendCounted<T>(
  counter: AwsCallCounter,
  service: string,
  client: SendingClient,
  command: object,
  signal?: AbortSignal,
): Promise<T> {
  counter.add(service, command.constructor.name.replace(/Command$/, ''));
  return (await client.send(command, { abortSignal: signal })) as T;
}

/**
 * How the source's AWS clients are made.
 *
 * @public
 */
export interface AwsClientSettings {
  region: string;
  endpoint?: string;
  maxAttempts: number;
  /**
   * Base of the exponential retry backoff in milliseconds. By default the
   * SDK's own (longer for throttling); tests and benchmarks shorten it.
   */
  retryBaseDelayMs?: number;
}

function retryStrategy(settings: AwsClientSettings) {
  if (settings.retryBaseDelayMs === undefined) {
    return new AdaptiveRetryStrategy(settings.maxAttempts);
  }
  const base = settings.retryBaseDelayMs;
  return new AdaptiveRetryStrategy(settings.maxAttempts, {
    maxAttempts: settings.maxAttempts,
    backoff: {
      computeNextBackoffDelay: (attempt: number) =>
        Math.floor(Math.random() * Math.min(base * 2 ** attempt, 20_000)),
      setDelayBase: () => {},
    },
  });
}

/** A middleware counting HTTP attempts: at the deserialize step it runs once per attempt, inside the retry loop. */
function attemptCounting(counter: AwsCallCounter) {
  return <A, R>(next: (args: A) => Promise<R>) =>
    async (args: A): Promise<R> => {
      counter.attempts++;
      return next(args);
    };
}

const COUNT_ATTEMPTS = {
  step: 'deserialize',
  name: 'nhiCountAttempts',
} as const;

/**
 * STS refused to give credentials of a role.
 *
 * @public
 */
export class AssumeRoleError extends Error {
  constructor(readonly roleArn: string, readonly cause: unknown) {
    const e = cause as { name?: string; message?: string };
    super(
      `could not assume ${roleArn}: ${
        e?.name && e.name !== 'Error' ? `${e.name}: ` : ''
      }${e?.message ?? String(cause)}`,
    );
    this.name = 'AssumeRoleError';
  }
}

/**
 * Makes the IAM, STS and Organizations clients of a read, all with adaptive
 * retry, the configured endpoint and attempt counting.
 *
 * @public
 */
export class AwsClients {
  private readonly created: Array<{ destroy(): void }> = [];

  constructor(
    private readonly settings: AwsClientSettings,
    private readonly counter: AwsCallCounter,
  ) {}

  private config(
    credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity,
    region?: string,
  ) {
    return {
      region: region ?? this.settings.region,
      endpoint: this.settings.endpoint,
      credentials,
      maxAttempts: this.settings.maxAttempts,
      retryMode: 'adaptive',
      retryStrategy: retryStrategy(this.settings),
    };
  }

  iam(credentials: AwsCredentialIdentityProvider, region?: string): IAMClient {
    const client = new IAMClient(this.config(credentials, region));
    client.middlewareStack.add(attemptCounting(this.counter), COUNT_ATTEMPTS);
    this.created.push(client);
    return client;
  }

  sts(credentials: AwsCredentialIdentityProvider, region?: string): STSClient {
    const client = new STSClient(this.config(credentials, region));
    client.middlewareStack.add(attemptCounting(this.counter), COUNT_ATTEMPTS);
    this.created.push(client);
    return client;
  }

  organizations(
    credentials: AwsCredentialIdentityProvider,
    region?: string,
  ): OrganizationsClient {
    const client = new OrganizationsClient(this.config(credentials, region));
    client.middlewareStack.add(attemptCounting(this.counter), COUNT_ATTEMPTS);
    this.created.push(client);
    return client;
  }

  /** Closes the connections of every client made. */
  destroy(): void {
    for (const c of this.created.splice(0)) c.destroy();
  }

  /**
   * Credentials of a role, assumed with STS from `base` on first use and
   * again shortly before they expire.
   */
  assumeRole(options: {
    base: AwsCredentialIdentityProvider;
    roleArn: string;
    externalId?: string;
    region?: string;
    signal?: AbortSignal;
  }): AwsCredentialIdentityProvider {
    let current: Promise<AwsCredentialIdentity> | undefined;
    let expiresAt = 0;
    const sts = this.sts(options.base, options.region);
    const assume = async (): Promise<AwsCredentialIdentity> => {
      let out: {
        Credentials?: {
          AccessKeyId?: string;
          SecretAccessKey?: string;
          SessionToken?: string;
          Expiration?: Date;
        };
      };
      try {
        out = await sendCounted<{
          Credentials?: {
            AccessKeyId?: string;
            SecretAccessKey?: string;
            SessionToken?: string;
            Expiration?: Date;
          };
        }>(
          this.counter,
          'sts',
          sts,
          new AssumeRoleCommand({
            RoleArn: options.roleArn,
            RoleSessionName: 'backstage-nhi',
            ExternalId: options.externalId,
            DurationSeconds: 3600,
          }),
          options.signal,
        );
      } catch (e) {
        throw new AssumeRoleError(options.roleArn, e);
      }
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) {
        throw new Error(
          `AssumeRole ${options.roleArn} returned no credentials`,
        );
      }
      expiresAt = c.Expiration?.getTime() ?? Date.now() + 3_600_000;
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    };
    return async () => {
      if (!current || Date.now() > expiresAt - 5 * 60_000) {
        current = assume();
        current.catch(() => {
          current = undefined;
        });
      }
      return current;
    };
  }
}
