import {
  NhiRedactedSecret,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiSourceError,
} from '@backstage-nhi/plugin-nhi-node';
import { NhiEvaluator } from '../buildEntity';
import { NhiSecretScanner } from './SecretScanner';

/** A record after the secret scan: redacted, or refused. */
export interface ScreenedRecord {
  /** The record with every secret replaced by `[redacted]`. */
  record: NhiIdentityRecord;
  /** What was redacted, by field; empty when the record was clean. */
  redactedSecrets: NhiRedactedSecret[];
  /**
   * Why the record cannot be ingested: its `externalId`, which names the
   * identity and cannot be redacted, holds a secret.
   */
  refused?: string;
}

type Leaf = { record: number; path: Array<string | number> };

function collectLeaves(
  value: unknown,
  path: Array<string | number>,
  record: number,
  leaves: Leaf[],
  texts: string[],
) {
  if (typeof value === 'string') {
    leaves.push({ record, path });
    texts.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) =>
      collectLeaves(v, [...path, i], record, leaves, texts),
    );
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      collectLeaves(v, [...path, key], record, leaves, texts);
    }
  }
}

/** `links[0].url` → `links.url`: the field as an inventory names it. */
function fieldName(path: Array<string | number>): string {
  return path.filter(p => typeof p === 'string').join('.');
}

function setAt(target: any, path: Array<string | number>, value: string) {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
}

/**
 * The normalize step's secret scan, for every source alike: every string a
 * record carries (description, name, tags, owner, links, creator and agent
 * notes, …) is scanned in one pass per batch, and each secret found is
 * replaced by `[redacted]` before the record is validated, built, stored or
 * logged. A record whose `externalId` holds a secret is refused: the id
 * names the identity and cannot be redacted.
 */
export async function screenRecords(
  records: readonly NhiIdentityRecord[],
  scanner: NhiSecretScanner,
): Promise<ScreenedRecord[]> {
  const leaves: Leaf[] = [];
  const texts: string[] = [];
  records.forEach((r, i) => collectLeaves(r, [], i, leaves, texts));
  const results = await scanner.redact(texts);

  const out: ScreenedRecord[] = records.map(record => ({
    record,
    redactedSecrets: [],
  }));
  results.forEach((result, i) => {
    if (!result.kinds.length) return;
    const leaf = leaves[i];
    const screened = out[leaf.record];
    const field = fieldName(leaf.path);
    if (field === 'externalId') {
      screened.refused = `an identity was not ingested: its externalId holds secret material (${result.kinds.join(
        ', ',
      )}); an externalId must be an id, never a secret`;
      return;
    }
    if (screened.record === records[leaf.record]) {
      screened.record = structuredClone(records[leaf.record]);
    }
    setAt(screened.record, leaf.path, result.text);
    for (const kind of result.kinds) {
      if (
        !screened.redactedSecrets.some(
          r => r.field === field && r.kind === kind,
        )
      ) {
        screened.redactedSecrets.push({ field, kind });
      }
    }
  });
  return out;
}

/**
 * The evaluate step for one screened record: the entity records what was
 * redacted (`spec.redactedSecrets`), so that the rule
 * `NHI-SECRET-IN-METADATA` fires on it.
 */
export function evaluateWithRedactions(
  evaluate: NhiEvaluator,
  redactedSecrets: NhiRedactedSecret[],
): NhiEvaluator {
  if (!redactedSecrets.length) return evaluate;
  return (entity: NonHumanIdentityEntity) =>
    evaluate({ ...entity, spec: { ...entity.spec, redactedSecrets } });
}

/**
 * A run's problems with any secret in their text redacted: messages may
 * quote what a source read (a parser's excerpt of a bad line, a value).
 */
export async function redactErrors(
  errors: NhiSourceError[],
  scanner: NhiSecretScanner,
): Promise<NhiSourceError[]> {
  const texts = errors.flatMap(e => [
    e.message,
    e.scope ?? '',
    e.location ?? '',
  ]);
  const redacted = await scanner.redact(texts);
  return errors.map((e, i) => {
    const [message, scope, location] = redacted
      .slice(i * 3, i * 3 + 3)
      .map(r => r.text);
    return {
      ...e,
      message,
      ...(e.scope !== undefined ? { scope } : {}),
      ...(e.location !== undefined ? { location } : {}),
    };
  });
}
