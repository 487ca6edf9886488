import {
  AWS_KEY_ID,
  AWS_SECRET,
  EC_PRIVATE_KEY,
  GITHUB_TOKEN,
  LEAKY_DESCRIPTION,
  PRIVATE_KEY,
  SECRET_VALUES,
  SLACK_TOKEN,
} from './__fixtures__/secrets';
import { NhiSecretScanner, REDACTED } from './SecretScanner';

describe('NhiSecretScanner', () => {
  const scanner = new NhiSecretScanner();

  it('redacts an AWS key pair, a GitHub token, a Slack token and a private key', async () => {
    const [result] = await scanner.redact([LEAKY_DESCRIPTION]);
    for (const secret of SECRET_VALUES) {
      expect(result.text).not.toContain(secret);
    }
    expect(result.text).toBe(
      [
        'Billing export job.',
        `Key pair: ${AWS_KEY_ID} ${REDACTED}`,
        `CI token ${REDACTED}, alerts via ${REDACTED}`,
        REDACTED,
      ].join('\n'),
    );
    expect(result.kinds.sort()).toEqual([
      'AWS secret access key',
      'GitHub token',
      'Slack token',
      'private key',
    ]);
  });

  it('redacts a labelled AWS secret without its label being taken for it', async () => {
    const [result] = await scanner.redact([
      `aws_secret_access_key = ${AWS_SECRET} (rotate me)`,
    ]);
    expect(result.text).not.toContain(AWS_SECRET.slice(10));
    expect(result.text).toMatch(/\(rotate me\)$/);
  });

  it('redacts a short EC key and a key cut off before its END line', async () => {
    const cut = PRIVATE_KEY.split('\n').slice(0, 4).join('\n');
    const [ec, truncated] = await scanner.redact([
      `key: ${EC_PRIVATE_KEY} end`,
      `pasted ${cut}`,
    ]);
    expect(ec).toEqual({
      text: `key: ${REDACTED} end`,
      kinds: ['private key'],
    });
    expect(truncated).toEqual({
      text: `pasted ${REDACTED}`,
      kinds: ['private key'],
    });
  });

  it('keeps texts apart: a batch answers per text, clean texts unchanged', async () => {
    const texts = [
      'payments deploy role',
      `token ${GITHUB_TOKEN}`,
      `AKIA-style ids alone are identifiers: ${AWS_KEY_ID}`,
      `again ${GITHUB_TOKEN} and ${SLACK_TOKEN}`,
      '',
    ];
    const results = await scanner.redact(texts);
    expect(results).toEqual([
      { text: 'payments deploy role', kinds: [] },
      { text: `token ${REDACTED}`, kinds: ['GitHub token'] },
      { text: texts[2], kinds: [] },
      {
        text: `again ${REDACTED} and ${REDACTED}`,
        kinds: expect.arrayContaining(['GitHub token', 'Slack token']),
      },
      { text: '', kinds: [] },
    ]);
  });

  it('is not switched off by a secretlint-disable comment in the text', async () => {
    const [result] = await scanner.redact([
      `// secretlint-disable\n${GITHUB_TOKEN}`,
    ]);
    expect(result.text).not.toContain(GITHUB_TOKEN);
  });

  it('scans batches larger than one pass', async () => {
    const filler = 'x'.repeat(400_000);
    const results = await scanner.redact([
      filler,
      filler,
      `${GITHUB_TOKEN}`,
      filler,
    ]);
    expect(results.map(r => r.kinds)).toEqual([[], [], ['GitHub token'], []]);
    expect(results[2].text).toBe(REDACTED);
  });
});
