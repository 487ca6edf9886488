import fs from 'node:fs';
import path from 'node:path';
import { loadCompany } from './company';
import { generateInventory, GenerateOptions } from './generateInventory';

/**
 * Generates the demo inventory and writes it as JSON to `file` (creating its
 * folder). Leaves the file untouched when the content is the same, so an
 * unchanged day gives an unchanged pipeline run.
 */
export function writeDemoInventory(
  file: string,
  options: GenerateOptions & { examplesDir?: string } = {},
): { identities: number; changed: boolean } {
  const inventory = generateInventory(
    loadCompany(options.examplesDir),
    options,
  );
  const text = `${JSON.stringify(inventory, null, 1)}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const changed =
    !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
  if (changed) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return { identities: inventory.identities.length, changed };
}
