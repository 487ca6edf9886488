import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import {
  AWS_KEY_ID,
  GITHUB_TOKEN,
  LEAKY_DESCRIPTION,
  SECRET_VALUES,
  SLACK_TOKEN,
} from './__fixtures__/secrets';
import { NhiSecretScanner, REDACTED } from './SecretScanner';
import {
  evaluateWithRedactions,
  redactErrors,
  screenRecords,
} from './screenRecords';

const scanner = new NhiSecretScanner();

describe('screenRecords', () => {
  it('redacts secrets in every free-text field and tag, and says where', async () => {
    const leaky = mockNhiRecord({
      name: 'billing-export',
      description: LEAKY_DESCRIPTION,
      tags: ['team:billing', `token:${SLACK_TOKEN}`],
      links: [{ url: `https://ci.example/?t=${GITHUB_TOKEN}`, title: 'CI' }],
      createdBy: {
        type: 'agent',
        agent: { id: 'agent-7', reason: `uses ${GITHUB_TOKEN}` },
      },
    });
    const clean = mockNhiRecord({ name: 'clean' });
    const [screened, untouched] = await screenRecords([leaky, clean], scanner);

    const stored = JSON.stringify(screened.record);
    for (const secret of SECRET_VALUES) {
      expect(stored).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    expect(screened.record.description).toContain(`Key pair: ${AWS_KEY_ID}`);
    expect(screened.record.tags).toEqual(['team:billing', `token:${REDACTED}`]);
    expect(screened.record.links).toEqual([
      { url: `https://ci.example/?t=${REDACTED}`, title: 'CI' },
    ]);
    expect(screened.record.createdBy?.agent?.reason).toBe(`uses ${REDACTED}`);
    expect(screened.redactedSecrets).toEqual(
      expect.arrayContaining([
        { field: 'description', kind: 'AWS secret access key' },
        { field: 'description', kind: 'GitHub token' },
        { field: 'description', kind: 'Slack token' },
        { field: 'description', kind: 'private key' },
        { field: 'tags', kind: 'Slack token' },
        { field: 'links.url', kind: 'GitHub token' },
        { field: 'createdBy.agent.reason', kind: 'GitHub token' },
      ]),
    );
    expect(screened.redactedSecrets).toHaveLength(7);
    expect(screened.refused).toBeUndefined();
    // the source's own record is not changed under it
    expect(leaky.description).toBe(LEAKY_DESCRIPTION);

    expect(untouched).toEqual({ record: clean, redactedSecrets: [] });
    expect(untouched.record).toBe(clean);
  });

  it('refuses a record whose externalId is a secret, without repeating it', async () => {
    const [screened] = await screenRecords(
      [mockNhiRecord({ externalId: GITHUB_TOKEN })],
      scanner,
    );
    expect(screened.refused).toBe(
      'an identity was not ingested: its externalId holds secret material (GitHub token); an externalId must be an id, never a secret',
    );
  });

  it('passes records that are not objects on to validation as they are', async () => {
    const odd = [null, 'text'] as any[];
    const screened = await screenRecords(odd, scanner);
    expect(screened.map(s => s.record)).toEqual(odd);
  });
});

describe('evaluateWithRedactions', () => {
  it('hands the redactions to the evaluate step in the spec', () => {
    const evaluate = jest.fn((e: any) => e);
    const entity = { spec: { type: 'api-key' } } as any;
    const redacted = [{ field: 'description', kind: 'GitHub token' }];
    expect(evaluateWithRedactions(evaluate, redacted)(entity).spec).toEqual({
      type: 'api-key',
      redactedSecrets: redacted,
    });
    expect(evaluateWithRedactions(evaluate, [])).toBe(evaluate);
  });
});

describe('redactErrors', () => {
  it('redacts secrets a run problem quotes', async () => {
    const errors = await redactErrors(
      [
        {
          message: `bad line: "token: ${GITHUB_TOKEN}"`,
          location: 'inv.yaml:4',
        },
        { message: 'fine', scope: 'a' },
      ],
      scanner,
    );
    expect(errors).toEqual([
      { message: `bad line: "token: ${REDACTED}"`, location: 'inv.yaml:4' },
      { message: 'fine', scope: 'a' },
    ]);
  });
});
