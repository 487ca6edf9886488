import fs from 'node:fs';
import path from 'node:path';
import { loadCompany } from './company';
import {
  generateInventory,
  generateLeakReport,
  GenerateOptions,
} from './generateInventory';

/**
 * Generates the demo inventory and writes it as JSON to `file` (creating its
 * folder), and optionally a gitleaks report naming a few of its credentials.
 * Leaves files untouched when their content is the same, so an unchanged day
 * gives an unchanged pipeline run.
 */
export function writeDemoInventory(
  file: string,
  options: GenerateOptions & { examplesDir?: string; leakReport?: string } = {},
): { identities: number; changed: boolean } {
  const inventory = generateInventory(
    loadCompany(options.examplesDir),
    options,
  );
  const changed = writeIfChanged(
    file,
    `${JSON.stringify(inventory, null, 1)}\n`,
  );
  if (options.leakReport) {
    writeIfChanged(
      options.leakReport,
      `${JSON.stringify(generateLeakReport(inventory, options), null, 1)}\n`,
    );
  }
  return { identities: inventory.identities.length, changed };
}

function writeIfChanged(file: string, text: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const changed =
    !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
  if (changed) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return changed;
}
