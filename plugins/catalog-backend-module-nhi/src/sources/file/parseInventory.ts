import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import { parse as parseJsonc, ParseError, visit } from 'jsonc-parser';
import { NHI_TYPES, NhiCategory } from '@backstage-nhi/nhi-common';
import { NhiIdentityRecord, NhiSourceError } from '@backstage-nhi/nhi-node';
import { buildInventorySchema } from './inventorySchema';

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

let compiled:
  | {
      document: ValidateFunction<any>;
      item: ValidateFunction<any>;
      defaults: ValidateFunction<any>;
    }
  | undefined;

function validators() {
  if (!compiled) {
    const schema = buildInventorySchema();
    const ajv = new Ajv({ allErrors: false, coerceTypes: true, strict: false });
    const shape = {
      ...schema,
      properties: {
        ...schema.properties,
        defaults: { type: 'object' },
        identities: { type: 'array' },
      },
    };
    compiled = {
      document: ajv.compile(shape),
      item: ajv.compile(schema.properties.identities.items),
      defaults: ajv.compile(schema.properties.defaults),
    };
  }
  return compiled;
}

const SECRET_FIELD =
  /secret|password|passwd|private.?key|token.?value|^value$|^key$|credential.?value/i;

function pointerToPath(prefix: string, pointer: string): string {
  return (
    prefix +
    pointer
      .split('/')
      .filter(Boolean)
      .map(p => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
      .join('')
  );
}

/** A sentence for an ajv error, naming the field. */
export function describeSchemaError(
  prefix: string,
  error: ErrorObject,
): string {
  const path = pointerToPath(prefix, error.instancePath);
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'required':
      return `${path} is missing the required field "${params.missingProperty}"`;
    case 'additionalProperties': {
      const field = params.additionalProperty;
      if (SECRET_FIELD.test(field)) {
        return `${path}.${field} is not allowed: secret values are never ingested, list only metadata (ids, dates, status)`;
      }
      return `${path} has an unknown field "${field}"`;
    }
    case 'enum':
      return `${path} must be one of: ${params.allowedValues.join(', ')}`;
    case 'pattern':
      return `${path} has an invalid format${
        /(At|\.at)$/.test(path) ? ' (expected an ISO 8601 date)' : ''
      }`;
    case 'type':
      return `${path} must be ${
        params.type === 'array' ? 'a list' : `a ${params.type}`
      }`;
    case 'minLength':
      return `${path} must not be empty`;
    default:
      return `${path} ${error.message}`;
  }
}

const CATEGORY_OF_TYPE = new Map<string, NhiCategory>(
  NHI_TYPES.map(t => [t.id, t.category]),
);

type Defaults = {
  provider?: string;
  account?: string;
  type?: string;
  category?: NhiCategory;
  owner?: string;
  environments?: string[];
  tags?: string[];
};

function toRecord(item: any, defaults: Defaults): NhiIdentityRecord | string {
  const merged = { ...item };
  for (const key of [
    'provider',
    'account',
    'type',
    'category',
    'owner',
  ] as const) {
    if (merged[key] === undefined && defaults[key] !== undefined) {
      merged[key] = defaults[key];
    }
  }
  if (merged.environments === undefined && defaults.environments) {
    merged.environments = defaults.environments;
  }
  const tags = [...(defaults.tags ?? []), ...(merged.tags ?? [])];
  if (!merged.type) {
    return 'is missing the required field "type" (set it on the item or in defaults)';
  }
  if (!merged.provider) {
    return 'is missing the required field "provider" (set it on the item or in defaults)';
  }
  const category = merged.category ?? CATEGORY_OF_TYPE.get(merged.type);
  if (!category) {
    return `needs a category: "${merged.type}" is not a well-known type`;
  }
  const { owner, links, ...rest } = merged;
  return {
    ...rest,
    category,
    tags: tags.length ? tags : undefined,
    owner: owner ? { value: owner, via: 'inventory:owner' } : undefined,
    links: links?.map((l: { url: string; title?: string }) => ({
      url: l.url,
      title: l.title ?? l.url,
    })),
  };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) line++;
  }
  return line;
}

/** Start lines of the items of the top-level `identities` array of a JSON text. */
function jsonItemLines(text: string): number[] {
  const lines: number[] = [];
  const onBegin = (
    _offset: number,
    _length: number,
    startLine: number,
    _startCharacter: number,
    pathSupplier: () => Array<string | number>,
  ) => {
    const path = pathSupplier();
    if (path.length === 2 && path[0] === 'identities')
      lines.push(startLine + 1);
  };
  visit(text, {
    onObjectBegin: onBegin,
    onArrayBegin: onBegin,
    onLiteralValue: (_v, o, l, line, c, pathSupplier) =>
      onBegin(o, l, line, c, pathSupplier),
  });
  return lines;
}

interface Loaded {
  doc: unknown;
  itemLines?: () => number[] | undefined;
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

function loadJson(text: string, location: string): Loaded | NhiSourceError {
  try {
    return { doc: JSON.parse(text), itemLines: () => jsonItemLines(text) };
  } catch (e) {
    const errors: ParseError[] = [];
    parseJsonc(text, errors, {
      allowTrailingComma: false,
      disallowComments: true,
    });
    const first = errors[0];
    return {
      location: first ? `${location}:${lineOf(text, first.offset)}` : location,
      message: `not valid JSON: ${(e as Error).message}`,
    };
  }
}

/**
 * Parses an inventory (YAML or JSON) into records. A syntax error or a wrong
 * document shape makes the whole document unusable (`fatal`); a bad item is
 * reported with its line and skipped, and the rest of the file is read.
 *
 * Built for large files: JSON goes through `JSON.parse` (line numbers are
 * only worked out when an item is bad), YAML through js-yaml with a listener
 * that notes where each item starts (no per-node document model).
 */
export function parseInventory(
  text: string,
  options: { format: 'yaml' | 'json'; location: string },
): ParsedInventory {
  const { location } = options;
  const loaded =
    options.format === 'json'
      ? loadJson(text, location)
      : loadYaml(text, location);
  if ('message' in loaded) {
    return { fatal: loaded, records: [], errors: [], items: 0 };
  }
  const doc = loaded.doc as any;
  const v = validators();
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return {
      fatal: {
        location,
        message:
          'an inventory must be a document with an `identities` list (see the inventory format in the README)',
      },
      records: [],
      errors: [],
      items: 0,
    };
  }
  if (!v.document(doc)) {
    return {
      fatal: {
        location,
        message: describeSchemaError('inventory', v.document.errors![0]),
      },
      records: [],
      errors: [],
      items: 0,
    };
  }
  const defaults: Defaults = doc.defaults ?? {};
  if (doc.defaults && !v.defaults(defaults)) {
    return {
      fatal: {
        location,
        message: describeSchemaError('defaults', v.defaults.errors![0]),
      },
      records: [],
      errors: [],
      items: 0,
    };
  }

  const items: unknown[] = doc.identities;
  const records: NhiIdentityRecord[] = [];
  const bad: Array<{ index: number; message: string; scope?: string }> = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const prefix = `identities[${i}]`;
    if (!v.item(item)) {
      bad.push({
        index: i,
        message: describeSchemaError(prefix, v.item.errors![0]),
      });
      continue;
    }
    const record = toRecord(item, defaults);
    // the parsed item is not needed again: let it be collected
    items[i] = undefined;
    if (typeof record === 'string') {
      bad.push({ index: i, message: `${prefix} ${record}` });
      continue;
    }
    records.push(record);
  }

  let errors: NhiSourceError[] = [];
  if (bad.length) {
    const lines = loaded.itemLines?.();
    const located = lines && lines.length === items.length ? lines : undefined;
    errors = bad.map(b => ({
      location: located ? `${location}:${located[b.index]}` : location,
      message: b.message,
    }));
  }
  return { records, errors, items: items.length };
}
