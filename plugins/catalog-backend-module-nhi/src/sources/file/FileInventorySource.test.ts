import { mockServices } from '@backstage/backend-test-utils';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileInventorySource } from './FileInventorySource';

const example = path.resolve(__dirname, '../../../examples/inventory.yaml');

describe('FileInventorySource', () => {
  const urlReader = mockServices.urlReader.mock();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-file-source-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads an inventory file completely, with valid records', async () => {
    const source = FileInventorySource.fromConfig(
      { id: 'demo', target: example },
      { urlReader },
    );
    expect(source.type).toBe('file');
    const { records, summary, invalid } = await readSource(source);
    expect(invalid).toEqual([]);
    expect(records).toHaveLength(4);
    expect(summary).toMatchObject({ complete: true, errors: [] });
  });

  it('reads a URL through the UrlReader, as JSON by extension', async () => {
    urlReader.readUrl.mockResolvedValue({
      buffer: async () =>
        Buffer.from(
          JSON.stringify({
            identities: [
              {
                externalId: 'x',
                name: 'x',
                type: 'api-key',
                provider: 'datadog',
              },
            ],
          }),
        ),
    } as any);
    const source = FileInventorySource.fromConfig(
      { id: 'remote', target: 'https://inventory.example.com/nhi.json' },
      { urlReader },
    );
    const { records, summary } = await readSource(source);
    expect(urlReader.readUrl).toHaveBeenCalledWith(
      'https://inventory.example.com/nhi.json',
      expect.anything(),
    );
    expect(records.map(r => r.externalId)).toEqual(['x']);
    expect(summary.complete).toBe(true);
  });

  it('reports a missing file as a failed read that emits nothing', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const source = FileInventorySource.fromConfig(
      { id: 'x', target: missing },
      { urlReader },
    );
    const { records, summary } = await readSource(source);
    expect(records).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([]);
    expect(summary.errors[0]).toMatchObject({ location: missing });
    expect(summary.errors[0].message).toMatch(/^could not be read: ENOENT/);
  });

  it('reports a folder given as a JSON file as a failed read', async () => {
    const folder = path.join(dir, 'inventory.json');
    fs.mkdirSync(folder);
    const source = FileInventorySource.fromConfig(
      { id: 'x', target: folder },
      { urlReader },
    );
    const { records, summary } = await readSource(source);
    expect(records).toEqual([]);
    expect(summary).toMatchObject({ complete: false, completeScopes: [] });
    expect(summary.errors[0].message).toMatch(/^could not be read: EISDIR/);
  });

  it('passes on a failure of the pipeline to take a batch', async () => {
    const file = path.join(dir, 'inv.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        identities: [
          { externalId: 'a', name: 'a', type: 'api-key', provider: 'x' },
        ],
      }),
    );
    const source = FileInventorySource.fromConfig(
      { id: 'x', target: file },
      { urlReader },
    );
    await expect(
      source.read({
        logger: mockServices.logger.mock(),
        signal: new AbortController().signal,
        emit: async () => {
          throw new Error('the catalog is gone');
        },
      }),
    ).rejects.toThrow('the catalog is gone');
  });

  it('emits the good items of a file with bad ones, as a partial read', async () => {
    const file = path.join(dir, 'inv.yaml');
    fs.writeFileSync(
      file,
      [
        'identities:',
        '  - { externalId: a, name: a, type: api-key, provider: x }',
        '  - { externalId: b, name: b, type: api-key }',
      ].join('\n'),
    );
    const source = FileInventorySource.fromConfig(
      { id: 'x', target: file },
      { urlReader },
    );
    const { records, summary } = await readSource(source);
    expect(records.map(r => r.externalId)).toEqual(['a']);
    expect(summary).toMatchObject({
      complete: false,
      completeScopes: [],
      errors: [
        {
          location: 'inv.yaml:3',
          message:
            'identities[1] is missing the required field "provider" (set it on the item or in defaults)',
        },
      ],
    });
  });

  it('streams a large JSON file in batches of 1,000, with bad items located', async () => {
    const file = path.join(dir, 'big.json');
    const identities = Array.from({ length: 2500 }, (_, i) => ({
      externalId: `k${i}`,
      name: `key ${i}`,
      type: 'api-key',
      ...(i === 1234 ? {} : { provider: 'datadog' }),
    }));
    const text = JSON.stringify({ identities }, null, 1);
    fs.writeFileSync(file, text);
    const source = FileInventorySource.fromConfig(
      { id: 'big', target: file },
      { urlReader },
    );
    const batches: number[] = [];
    const summary = await source.read({
      logger: mockServices.logger.mock(),
      signal: new AbortController().signal,
      emit: async records => {
        batches.push(records.length);
      },
    });
    expect(batches).toEqual([1000, 1000, 499]);
    expect(summary.stats).toEqual({
      items: 2500,
      bytes: Buffer.byteLength(text),
    });
    expect(summary.errors).toHaveLength(1);
    const line = Number(summary.errors[0].location!.split(':')[1]);
    // the item opens on that line; its id is on the next
    expect(text.split('\n')[line]).toContain('"k1234"');
  });

  it('changes nothing when a JSON file breaks after many good items', async () => {
    const file = path.join(dir, 'cut.json');
    const identities = Array.from({ length: 3000 }, (_, i) => ({
      externalId: `k${i}`,
      name: `key ${i}`,
      type: 'api-key',
      provider: 'datadog',
    }));
    const text = JSON.stringify({ identities }, null, 1);
    fs.writeFileSync(file, text.slice(0, text.length - 100));
    const source = FileInventorySource.fromConfig(
      { id: 'cut', target: file },
      { urlReader },
    );
    const { records, summary } = await readSource(source);
    expect(records).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([]);
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0].message).toMatch(/^not valid JSON: .*cut short/);
  });
});
