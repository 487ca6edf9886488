import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { parseJsonInventory, readJsonInventory } from './jsonInventory';

const item = (id: string, extra: Record<string, unknown> = {}) => ({
  externalId: id,
  name: id,
  type: 'api-key',
  provider: 'datadog',
  ...extra,
});

/** The bytes of `text` in chunks of `size` bytes, read again on every call. */
function chunked(text: string, size: number) {
  const bytes = Buffer.from(text, 'utf8');
  return async function* open() {
    for (let i = 0; i < bytes.length; i += size) {
      yield bytes.subarray(i, i + size);
    }
  };
}

async function read(
  open: () => AsyncIterable<Uint8Array>,
  batchSize = 2,
): Promise<{
  batches: NhiIdentityRecord[][];
  outcome: Awaited<ReturnType<typeof readJsonInventory>>;
}> {
  const batches: NhiIdentityRecord[][] = [];
  const outcome = await readJsonInventory(open, {
    location: 'inv.json',
    batchSize,
    emit: async records => {
      batches.push(records);
    },
  });
  return { batches, outcome };
}

describe('readJsonInventory', () => {
  const doc = {
    identities: [
      item('a'),
      item('b', { type: 'gizmo' }),
      item('c', { owner: 'team-c' }),
      item('d', { tags: ['ci'] }),
      item('ü-é', { description: 'multi-byte characters across chunks' }),
    ],
    defaults: { owner: 'platform', tags: ['from-file'] },
  };
  const text = JSON.stringify(doc, null, 2);

  it.each([1, 3, 7, 64, 1 << 20])(
    'reads the same records and lines in chunks of %i bytes',
    async size => {
      const { batches, outcome } = await read(chunked(text, size));
      expect(batches.map(b => b.length)).toEqual([2, 2]);
      const records = batches.flat();
      expect(records.map(r => r.externalId)).toEqual(['a', 'c', 'd', 'ü-é']);
      // defaults apply though they come after the identities
      expect(records[0].owner).toEqual({
        value: 'platform',
        via: 'inventory:owner',
      });
      expect(records[1].owner?.value).toBe('team-c');
      expect(records[2].tags).toEqual(['from-file', 'ci']);
      const lineOfB = text.split('\n').findIndex(l => l.includes('"b"'));
      expect(outcome).toEqual({
        errors: [
          {
            // the line where item b's object opens, 1-based
            location: `inv.json:${lineOfB}`,
            message:
              'identities[1] needs a category: "gizmo" is not a well-known type',
          },
        ],
        items: 5,
        bytes: Buffer.byteLength(text),
      });
      expect(text.split('\n')[lineOfB - 1].trim()).toBe('{');
    },
  );

  it('hands out nothing when the document breaks after many items', async () => {
    const many = JSON.stringify(
      { identities: Array.from({ length: 50 }, (_, i) => item(`k${i}`)) },
      null,
      1,
    );
    const broken = `${many.slice(
      0,
      many.lastIndexOf(']'),
    )}, {"externalId" "x"}]}`;
    const { batches, outcome } = await read(chunked(broken, 100));
    expect(batches).toEqual([]);
    expect(outcome.fatal).toEqual({
      location: `inv.json:${broken.split('\n').length}`,
      message: 'not valid JSON: unexpected string "x"',
    });
  });

  it.each([
    ['', 'inv.json:1', 'not valid JSON: the document is empty'],
    [
      '{"identities": [{"externalId": "a", "na',
      'inv.json:1',
      'not valid JSON: the document ends in the middle of a value (is the file cut short?)',
    ],
    [
      '{"identities": [{"externalId": "a"}\n',
      'inv.json:1',
      'not valid JSON: the document ends before it is complete (is the file cut short?)',
    ],
    [
      '{"identities": []}\n{}',
      'inv.json:2',
      'not valid JSON: there is more after the end of the document',
    ],
    [
      '{"identities": [\n  nope]}',
      'inv.json:2',
      // "n" could start null; "o" cannot follow it
      'not valid JSON: unexpected character "o"',
    ],
    [
      '[{"externalId": "a"}]',
      'inv.json',
      'an inventory must be a document with an `identities` list (see the inventory format in the README)',
    ],
    [
      '{"identities": {"a": 1}}',
      'inv.json',
      'inventory.identities must be a list',
    ],
    [
      '{"identities": [], "defaults": {"tags": {"a": 1}}}',
      'inv.json',
      'defaults.tags must be a list',
    ],
    [
      '{"identitites": []}',
      'inv.json',
      'inventory is missing the required field "identities"',
    ],
  ])('fails %j as a whole: %s %s', async (input, location, message) => {
    const { batches, outcome } = await read(chunked(input, 5));
    expect(batches).toEqual([]);
    expect(outcome.fatal).toEqual({ location, message });
  });

  it('reports an inventory that changed between its two passes', async () => {
    let calls = 0;
    const first = JSON.stringify({ identities: [item('a'), item('b')] });
    const second = JSON.stringify({ identities: [item('a')] });
    const { outcome } = await read(async function* open() {
      calls++;
      yield Buffer.from(calls === 1 ? first : second);
    });
    expect(outcome.fatal?.message).toBe(
      'the inventory changed while it was being read; it is read again on the next run',
    );
  });

  it('waits for each batch to be taken before reading on', async () => {
    const many = JSON.stringify({
      identities: Array.from({ length: 10 }, (_, i) => item(`k${i}`)),
    });
    let reads = 0;
    const seenAtEmit: number[] = [];
    await readJsonInventory(
      async function* open() {
        for (let i = 0; i < many.length; i += 50) {
          reads++;
          yield Buffer.from(many.slice(i, i + 50));
        }
      },
      {
        location: 'inv.json',
        batchSize: 3,
        emit: async () => {
          seenAtEmit.push(reads);
        },
      },
    );
    const firstPassReads = Math.ceil(many.length / 50);
    // the second pass emits as it goes, not after reading everything
    expect(seenAtEmit[0]).toBeLessThan(2 * firstPassReads);
    expect(seenAtEmit).toHaveLength(4);
  });
});

describe('parseJsonInventory', () => {
  it('parses a document in memory the same way', () => {
    const parsed = parseJsonInventory(
      Buffer.from(JSON.stringify({ identities: [item('a'), item('b')] })),
      'inv.json',
    );
    expect(parsed.records.map(r => r.externalId)).toEqual(['a', 'b']);
    expect(parsed.items).toBe(2);
    expect(parsed.errors).toEqual([]);
  });
});
