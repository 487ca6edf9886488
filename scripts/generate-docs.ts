/*
 * Regenerates the documents derived from code: the risk rules reference and
 * the inventory JSON schema. Run `yarn docs:generate`; tests fail when they
 * are stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderNhiRulesReference } from '@backstage-nhi/plugin-nhi-common';
import { buildInventorySchema } from '@backstage-nhi/plugin-catalog-backend-module-nhi';

const root = path.resolve(__dirname, '..');
const write = (file: string, text: string) => {
  fs.writeFileSync(path.join(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
};
write('docs/rules.md', renderNhiRulesReference());
write(
  'plugins/catalog-backend-module-nhi/inventory.schema.json',
  `${JSON.stringify(buildInventorySchema(), null, 2)}\n`,
);
