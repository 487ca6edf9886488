import { generateKeyPairSync } from 'node:crypto';

/*
 * Secret-shaped values for tests, assembled at run time so that this file
 * itself holds nothing a secret scanner would report.
 */

const join = (...parts: string[]) => parts.join('');

/** An AWS access key id and secret access key, as AWS hands a pair out. */
export const AWS_KEY_ID = join('AKIA', 'QX7MZK2PL4NW3TRB');
/** The secret of {@link AWS_KEY_ID}. */
export const AWS_SECRET = join(
  'u8Kq2vN4',
  'rT6yW9zB1xC3dF5gH7jL',
  '0mP2sQ4v',
  'Xe1Q',
);
/** A GitHub personal access token. */
export const GITHUB_TOKEN = join(
  'ghp',
  '_',
  'wWPw5k4aXcaT4fNP0Ucn',
  'ZwJUVFk6LO0pINUx',
);
/** A Slack bot token. */
export const SLACK_TOKEN = join(
  'xox',
  'b-',
  '1234567890123-',
  '1234567890123-',
  'AbCdEfGhIjKlMnOpQrStUvWx',
);
/** A PEM private key (a fresh RSA key). */
export const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString()
  .trim();

/**
 * A PEM EC private key (P-256, SEC1): short enough that secretlint's
 * private-key rule does not recognise its encoding.
 */
export const EC_PRIVATE_KEY = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
})
  .privateKey.export({ type: 'sec1', format: 'pem' })
  .toString()
  .trim();

/** A description holding all of them, as the portal probe's item did. */
export const LEAKY_DESCRIPTION = [
  'Billing export job.',
  `Key pair: ${AWS_KEY_ID} ${AWS_SECRET}`,
  `CI token ${GITHUB_TOKEN}, alerts via ${SLACK_TOKEN}`,
  PRIVATE_KEY,
].join('\n');

/** The secret values of {@link LEAKY_DESCRIPTION}. */
export const SECRET_VALUES = [
  AWS_SECRET,
  GITHUB_TOKEN,
  SLACK_TOKEN,
  PRIVATE_KEY,
];
