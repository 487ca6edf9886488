import yaml from 'js-yaml';
import {
  NhiIdentityRecord,
  NhiSourceError,
} from '@backstage-nhi/plugin-nhi-node';
import { checkDocument, itemRecord } from './inventoryItems';
import { parseJsonInventory } from './jsonInventory';

/** The result of parsing an inventory: good records, and errors for the rest. */
export interface ParsedInventory {
  /** Set when the whole document is unusable (syntax error, wrong shape). */
  fatal?: NhiSourceError;
  records: NhiIdentityRecord[];
  /** One error per bad item, located by line. */
  errors: NhiSourceError[];
  /** Number of items in the document. */
  items: number;
}

interface Loaded {
  doc: unknown;
  itemLines: () => number[] | undefined;
}

function loadYaml(text: string, location: string): Loaded | NhiSourceError {
  let depth = 0;
  let current: number[] = [];
  const groups: Array<{ value: unknown; starts: number[] }> = [];
  try {
    const doc = yaml.load(text, {
      schema: yaml.CORE_SCHEMA,
      filename: location,
      listener(event, state) {
        if (event === 'open') {
          depth++;
          if (depth === 2) current = [];
          else if (depth === 3) current.push(state.line + 1);
        } else {
          if (depth === 2)
            groups.push({ value: state.result, starts: current });
          depth--;
        }
      },
    });
    return {
      doc,
      itemLines: () =>
        groups.find(g => g.value === (doc as any)?.identities)?.starts,
    };
  } catch (e) {
    const mark = (e as { mark?: { line: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? (e as Error).message;
    return {
      location: mark ? `${location}:${mark.line + 1}` : location,
      message: `not valid YAML: ${reason}`,
    };
  }
}

/**
 * Parses an inventory (YAML or JSON) held in memory into records. A syntax
 * error or a wrong document shape makes the whole document unusable
 * (`fatal`); a bad item is reported with its line and skipped, and the rest
 * of the file is read.
 *
 * YAML goes through js-yaml with a listener that notes where each item
 * starts (no per-node document model); JSON through the same token stream
 * the file source reads large inventories with (see `readJsonInventory`).
 */
export function parseInventory(
  text: string,
  options: { format: 'yaml' | 'json'; location: string },
): ParsedInventory {
  const { location } = options;
  if (options.format === 'json') {
    const { fatal, records, errors, items } = parseJsonInventory(
      Buffer.from(text, 'utf8'),
      location,
    );
    return { fatal, records, errors, items };
  }
  const loaded = loadYaml(text, location);
  if ('message' in loaded) {
    return { fatal: loaded, records: [], errors: [], items: 0 };
  }
  const doc = loaded.doc as any;
  const checked = checkDocument(doc, location);
  if ('fatal' in checked) {
    return { fatal: checked.fatal, records: [], errors: [], items: 0 };
  }
  const items: unknown[] = doc.identities;
  const records: NhiIdentityRecord[] = [];
  const bad: Array<{ index: number; message: string }> = [];
  for (let i = 0; i < items.length; i++) {
    const record = itemRecord(items[i], i, checked.defaults);
    // the parsed item is not needed again: let it be collected
    items[i] = undefined;
    if ('message' in record) bad.push({ index: i, message: record.message });
    else records.push(record);
  }

  let errors: NhiSourceError[] = [];
  if (bad.length) {
    const lines = loaded.itemLines();
    const at = lines && lines.length === items.length ? lines : undefined;
    errors = bad.map(b => ({
      location: at ? `${location}:${at[b.index]}` : location,
      message: b.message,
    }));
  }
  return { records, errors, items: items.length };
}
