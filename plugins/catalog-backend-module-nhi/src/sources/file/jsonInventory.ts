import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import {
  NhiIdentityRecord,
  NhiSourceError,
} from '@backstage-nhi/plugin-nhi-node';
import { checkDocument, Defaults, itemRecord } from './inventoryItems';

/*
 * A JSON inventory read as a stream, so that an inventory of hundreds of
 * thousands of identities never sits in memory whole (neither its text nor
 * its parsed document): @streamparser/json tokenizes the bytes chunk by
 * chunk and builds one item of the `identities` list at a time.
 *
 * It takes two passes over the bytes. The first checks the whole document
 * (syntax, shape, defaults) and counts its items without keeping them; only
 * then does the second hand the items out, so a broken or truncated file
 * changes nothing, and `defaults` may stand anywhere in the document.
 */

type TokenInfo = { token: TokenType; value: unknown; offset: number };

/** The line of a byte offset, for chunks fed in order and offsets asked in order. */
class LineCounter {
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  private scanned = 0;
  private line = 1;

  next(chunk: Uint8Array) {
    this.advance(this.chunkStart + this.chunk.length);
    this.chunkStart += this.chunk.length;
    this.chunk = chunk;
  }

  at(offset: number): number {
    this.advance(offset);
    return this.line;
  }

  /** The line of a position in the current chunk. */
  atChunkPosition(position: number): number {
    return this.at(this.chunkStart + position);
  }

  private advance(to: number) {
    const end = Math.min(to, this.chunkStart + this.chunk.length);
    let i = this.scanned - this.chunkStart;
    const stop = end - this.chunkStart;
    while (i < stop) {
      const nl = this.chunk.indexOf(10, i);
      if (nl < 0 || nl >= stop) break;
      this.line++;
      i = nl + 1;
    }
    if (end > this.scanned) this.scanned = end;
  }
}

/** A document that cannot be used, with the line where that shows. */
class JsonInventoryError extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

// Read once: the package's CommonJS build re-exports TokenType through a
// getter, too slow to go through for each of millions of tokens.
const LEFT_BRACE = TokenType.LEFT_BRACE;
const RIGHT_BRACE = TokenType.RIGHT_BRACE;
const LEFT_BRACKET = TokenType.LEFT_BRACKET;
const RIGHT_BRACKET = TokenType.RIGHT_BRACKET;
const COMMA = TokenType.COMMA;
const STRING = TokenType.STRING;

function describeToken(info: TokenInfo): string {
  switch (info.token) {
    case TokenType.STRING:
      return `string ${JSON.stringify(info.value)}`;
    case TokenType.NUMBER:
      return `number ${info.value}`;
    default:
      return `"${String(info.value)}"`;
  }
}

/**
 * One pass over a JSON inventory. Every item of `identities` is built by a
 * token parser that drops it once handed to `onItem`; with `shell`, a second
 * parser gets the document without the items (its `identities` is `[]`).
 */
class JsonInventoryPass {
  // strings gathered in a byte buffer: a third faster than as JS strings
  private readonly tokenizer = new Tokenizer({ stringBufferSize: 64 * 1024 });
  private readonly items = new TokenParser({
    paths: ['$.identities.*'],
    keepStack: false,
  });
  private readonly shellParser?: TokenParser;
  private readonly lines = new LineCounter();
  private depth = 0;
  private started = false;
  private closed = false;
  private key: string | undefined;
  private expectKey = false;
  private inIdentities = false;
  private itemLine = 0;
  private lastOffset = 0;
  private error?: JsonInventoryError;
  shell: unknown;
  count = 0;
  bytes = 0;

  constructor(
    private readonly onItem: (value: unknown, line: number) => void,
    options: { shell?: boolean } = {},
  ) {
    this.tokenizer.onToken = info => this.token(info as TokenInfo);
    this.tokenizer.onError = e => this.fail(e);
    this.items.onValue = ({ value }) => {
      this.count++;
      this.onItem(value, this.itemLine);
    };
    if (options.shell) {
      const shell = new TokenParser();
      shell.onValue = ({ value, stack }) => {
        if (stack.length === 0) this.shell = value;
      };
      this.shellParser = shell;
    }
  }

  write(chunk: Uint8Array) {
    if (this.error) throw this.error;
    this.lines.next(chunk);
    this.bytes += chunk.length;
    this.tokenizer.write(chunk);
    if (this.error) throw this.error;
  }

  end() {
    if (this.error) throw this.error;
    if (!this.closed) this.tokenizer.end();
    if (this.error) throw this.error;
    if (!this.started) {
      throw new JsonInventoryError('not valid JSON: the document is empty', 1);
    }
    if (!this.closed) {
      throw new JsonInventoryError(
        'not valid JSON: the document ends before it is complete (is the file cut short?)',
        this.lines.at(this.lastOffset),
      );
    }
  }

  private fail(e: unknown) {
    if (this.error) return;
    if (e instanceof JsonInventoryError) {
      this.error = e;
      return;
    }
    // The tokenizer names the byte it stopped at within the current chunk.
    const message = (e as Error).message ?? String(e);
    const at = /chunk position "(\d+)"/.exec(message);
    const char = /^Unexpected "(.*)" at/s.exec(message);
    const line = at
      ? this.lines.atChunkPosition(Number(at[1]))
      : this.lines.at(this.lastOffset);
    let what: string;
    if (char) {
      what = this.closed
        ? 'there is more after the end of the document'
        : `unexpected character ${JSON.stringify(char[1])}`;
    } else if (/ended in the middle of a token/.test(message)) {
      what =
        'the document ends in the middle of a value (is the file cut short?)';
    } else {
      what = message;
    }
    this.error = new JsonInventoryError(`not valid JSON: ${what}`, line);
  }

  private token(info: TokenInfo) {
    if (this.error) return;
    const { token } = info;
    this.lastOffset = info.offset;
    if (this.closed) {
      throw new JsonInventoryError(
        'not valid JSON: there is more after the end of the document',
        this.lines.at(info.offset),
      );
    }
    if (!this.started) {
      this.started = true;
      if (token !== LEFT_BRACE) {
        throw new JsonInventoryError(
          'an inventory must be a document with an `identities` list (see the inventory format in the README)',
        );
      }
    }
    const depth = this.depth;
    const insideItems =
      this.inIdentities && !(depth === 2 && token === RIGHT_BRACKET);
    if (insideItems && depth === 2 && token !== COMMA) {
      // an item starts (anything else at this depth would be a syntax error)
      this.itemLine = this.lines.at(info.offset);
    }
    try {
      this.items.write(info as any);
      if (this.shellParser && !insideItems) this.shellParser.write(info as any);
    } catch (e) {
      throw new JsonInventoryError(
        `not valid JSON: unexpected ${describeToken(info)}`,
        this.lines.at(info.offset),
      );
    }
    if (token === LEFT_BRACE || token === LEFT_BRACKET) {
      if (depth === 1 && token === LEFT_BRACKET && this.key === 'identities') {
        this.inIdentities = true;
      }
      this.depth = depth + 1;
      if (depth === 0) this.expectKey = true;
    } else if (token === RIGHT_BRACE || token === RIGHT_BRACKET) {
      this.depth = depth - 1;
      if (depth === 2) this.inIdentities = false;
      else if (depth === 1) this.closed = true;
    } else if (depth === 1) {
      if (token === COMMA) this.expectKey = true;
      else if (token === STRING && this.expectKey) {
        this.key = info.value as string;
        this.expectKey = false;
      }
    }
  }
}

/** How reading a JSON inventory ended. */
export interface JsonInventoryOutcome {
  /** Set when the document is unusable; then no record was handed out. */
  fatal?: NhiSourceError;
  /** One error per bad item, located by line. */
  errors: NhiSourceError[];
  /** Number of items in the document. */
  items: number;
  bytes: number;
}

function located(location: string, e: unknown): NhiSourceError {
  if (e instanceof JsonInventoryError) {
    return {
      location: e.line ? `${location}:${e.line}` : location,
      message: e.message,
    };
  }
  throw e;
}

/**
 * The verdict of the first pass, once it was fed every byte (or failed on
 * one): the defaults to read the items with, or why the document is unusable.
 */
function checked(
  check: JsonInventoryPass,
  location: string,
  failure?: unknown,
): { defaults: Defaults } | { fatal: NhiSourceError } {
  try {
    if (failure) throw failure;
    check.end();
  } catch (e) {
    return { fatal: located(location, e) };
  }
  return checkDocument(check.shell, location);
}

/** The second pass: each item to a record or a located error. */
function itemPass(
  location: string,
  defaults: Defaults,
  onRecord: (record: NhiIdentityRecord) => void,
) {
  const errors: NhiSourceError[] = [];
  let index = 0;
  const pass = new JsonInventoryPass((value, line) => {
    const record = itemRecord(value, index++, defaults);
    if ('message' in record) {
      errors.push({ location: `${location}:${line}`, message: record.message });
    } else {
      onRecord(record);
    }
  });
  return { pass, errors };
}

/**
 * Reads a JSON inventory from `open()` (called once per pass; each call must
 * yield the same bytes) and hands its good records to `emit` in batches of
 * `batchSize`, awaiting each. Bad items are reported with their line and
 * skipped. Memory stays bounded by a chunk and a batch, whatever the size of
 * the inventory.
 */
export async function readJsonInventory(
  open: () => AsyncIterable<Uint8Array>,
  options: {
    location: string;
    batchSize: number;
    emit(records: NhiIdentityRecord[]): Promise<void>;
  },
): Promise<JsonInventoryOutcome> {
  const { location, batchSize } = options;

  // 1: the whole document, without keeping its items.
  const check = new JsonInventoryPass(() => {}, { shell: true });
  let failure: unknown;
  try {
    for await (const chunk of open()) check.write(chunk);
  } catch (e) {
    if (!(e instanceof JsonInventoryError)) throw e;
    failure = e;
  }
  const verdict = checked(check, location, failure);
  if ('fatal' in verdict) {
    return { fatal: verdict.fatal, errors: [], items: 0, bytes: check.bytes };
  }

  // 2: the items, a batch at a time.
  let pending: NhiIdentityRecord[] = [];
  const { pass, errors } = itemPass(location, verdict.defaults, record =>
    pending.push(record),
  );
  let same = true;
  try {
    for await (const chunk of open()) {
      pass.write(chunk);
      while (pending.length >= batchSize) {
        const batch = pending.slice(0, batchSize);
        pending = pending.slice(batchSize);
        await options.emit(batch);
      }
    }
    pass.end();
  } catch (e) {
    if (!(e instanceof JsonInventoryError)) throw e;
    same = false;
  }
  if (!same || pass.count !== check.count || pass.bytes !== check.bytes) {
    return {
      fatal: {
        location,
        message:
          'the inventory changed while it was being read; it is read again on the next run',
      },
      errors: [],
      items: 0,
      bytes: check.bytes,
    };
  }
  if (pending.length) await options.emit(pending);
  return { errors, items: pass.count, bytes: pass.bytes };
}

/**
 * The same as {@link readJsonInventory} for a document already in memory,
 * synchronously: all good records at once.
 */
export function parseJsonInventory(
  bytes: Uint8Array,
  location: string,
): JsonInventoryOutcome & { records: NhiIdentityRecord[] } {
  const check = new JsonInventoryPass(() => {}, { shell: true });
  let failure: unknown;
  try {
    check.write(bytes);
  } catch (e) {
    failure = e;
  }
  const verdict = checked(check, location, failure);
  if ('fatal' in verdict) {
    const { fatal } = verdict;
    return { fatal, errors: [], items: 0, bytes: check.bytes, records: [] };
  }
  const records: NhiIdentityRecord[] = [];
  const { pass, errors } = itemPass(location, verdict.defaults, record =>
    records.push(record),
  );
  pass.write(bytes);
  pass.end();
  return { errors, items: pass.count, bytes: pass.bytes, records };
}
