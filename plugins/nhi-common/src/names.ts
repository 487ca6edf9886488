/**
 * 32-bit FNV-1a as 8 hex characters: short, stable and dependency-free, the
 * same in browsers and Node.
 */
function fnv1a(input: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h = Math.imul(h ^ input.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const MAX_NAME = 63;

/**
 * The catalog name of an identity: readable (provider and local name) and
 * unique (a short hash of provider and external id), within the catalog's
 * 63-character limit. The same inputs always give the same name, so an
 * identity keeps its entity (and its claims) across runs.
 *
 * @example
 * nhiEntityName('aws', 'ci-deployer', 'arn:aws:iam::123456789012:user/ci-deployer')
 * // => 'aws-ci-deployer-1f0c2a9b'
 *
 * @public
 */
export function nhiEntityName(
  provider: string,
  localName: string,
  externalId: string,
): string {
  const hash = fnv1a(`${provider}\n${externalId}`);
  const slug = `${provider}-${localName}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const room = MAX_NAME - 9;
  const head = slug.slice(0, room).replace(/-+$/g, '') || 'nhi';
  return `${head}-${hash}`;
}
