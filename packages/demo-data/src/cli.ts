/*
 * Writes a generated inventory:
 *   yarn workspace @backstage-nhi/demo-data generate --identities 450000 --out /tmp/nhi.json
 */
import { writeDemoInventory } from './writeInventory';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const out = arg('out');
if (!out) {
  process.stderr.write(
    'usage: generate --out FILE [--identities N] [--seed S]\n',
  );
  process.exit(2);
}
const identities = Number(arg('identities', '2000'));
const seed = Number(arg('seed', '42'));
if (
  !Number.isInteger(identities) ||
  identities < 1 ||
  !Number.isInteger(seed)
) {
  process.stderr.write('--identities and --seed must be whole numbers\n');
  process.exit(2);
}
const started = Date.now();
const result = writeDemoInventory(out, { identities, seed });
process.stdout.write(
  `${result.identities} identities written to ${out} in ${
    Date.now() - started
  } ms\n`,
);
