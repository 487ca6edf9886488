import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { validateNhiRecord } from '@backstage-nhi/plugin-nhi-node';
import { buildInventorySchema } from './inventorySchema';
import { parseInventory } from './parseInventory';

const example = fs.readFileSync(
  path.resolve(__dirname, '../../../examples/inventory.yaml'),
  'utf8',
);

describe('parseInventory', () => {
  it('reads the documented example', () => {
    const parsed = parseInventory(example, {
      format: 'yaml',
      location: 'inventory.yaml',
    });
    expect(parsed.fatal).toBeUndefined();
    expect(parsed.errors).toEqual([]);
    expect(parsed.records).toHaveLength(4);
    const [vault, datadog, cert, mcp] = parsed.records;
    expect(vault).toMatchObject({
      externalId: 'vault:token:accessor:8f3c2a',
      category: 'api-key',
      account: 'lumen-freight',
      owner: { value: 'payments', via: 'inventory:owner' },
      usedBy: ['payments-api'],
    });
    expect(vault.credentials![0].createdAt).toBe('2026-06-01T00:00:00Z');
    expect(datadog.owner).toBeUndefined();
    expect(cert.category).toBe('machine-certificate');
    expect(cert.credentials![0].id).toBe('0c:4f:9e:2b');
    expect(mcp).toMatchObject({
      category: 'ai-agent',
      agent: { onBehalfOf: 'amir.karimi@lumenfreight.example' },
      createdBy: { type: 'agent', agent: { id: 'ops-agent' } },
    });
    for (const record of parsed.records) {
      expect(validateNhiRecord(record)).toBeUndefined();
    }
  });

  it('reads the same inventory as JSON', () => {
    const json = JSON.stringify(
      yaml.load(example, { schema: yaml.CORE_SCHEMA }),
    );
    const parsed = parseInventory(json, {
      format: 'json',
      location: 'inv.json',
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.records.map(r => r.externalId)).toEqual(
      parseInventory(example, { format: 'yaml', location: 'x' }).records.map(
        r => r.externalId,
      ),
    );
  });

  it('reports a bad item with its line and keeps the others (YAML)', () => {
    const text = [
      'identities:', //                          1
      '  - externalId: a', //                    2
      '    name: a', //                          3
      '    type: api-key', //                    4
      '    provider: datadog', //                5
      '  - externalId: b', //                    6
      '    name: b', //                          7
      '    type: api-key', //                    8
      '    provider: datadog', //                9
      '    credentials:', //                     10
      '      - id: k', //                        11
      '        kind: api-key', //                12
      '        status: active', //               13
      '        createdAt: yesterday', //         14
      '  - externalId: c', //                    15
      '    name: c', //                          16
      '    type: api-key', //                    17
      '    provider: datadog', //                18
    ].join('\n');
    const parsed = parseInventory(text, {
      format: 'yaml',
      location: 'inv.yaml',
    });
    expect(parsed.records.map(r => r.externalId)).toEqual(['a', 'c']);
    expect(parsed.errors).toEqual([
      {
        location: 'inv.yaml:6',
        message:
          'identities[1].credentials[0].createdAt has an invalid format (expected an ISO 8601 date)',
      },
    ]);
  });

  it('reports a bad item with its line (JSON)', () => {
    const text = JSON.stringify(
      {
        identities: [
          { externalId: 'a', name: 'a', type: 'api-key', provider: 'x' },
          { externalId: 'b', name: 'b', type: 'gizmo', provider: 'x' },
        ],
      },
      null,
      2,
    );
    const parsed = parseInventory(text, {
      format: 'json',
      location: 'inv.json',
    });
    expect(parsed.records).toHaveLength(1);
    expect(parsed.errors).toEqual([
      {
        location: 'inv.json:9',
        message:
          'identities[1] needs a category: "gizmo" is not a well-known type',
      },
    ]);
  });

  it('refuses secret values with a clear message', () => {
    const parsed = parseInventory(
      [
        'identities:',
        '  - externalId: a',
        '    name: a',
        '    type: api-key',
        '    provider: x',
        '    credentials:',
        '      - id: k1',
        '        kind: api-key',
        '        status: active',
        '        secret: hunter2',
      ].join('\n'),
      { format: 'yaml', location: 'inv.yaml' },
    );
    expect(parsed.records).toEqual([]);
    expect(parsed.errors[0].message).toBe(
      'identities[0].credentials[0].secret is not allowed: secret values are never ingested, list only metadata (ids, dates, status)',
    );
  });

  it('fails the whole document on a syntax error, naming the line', () => {
    const yamlParsed = parseInventory('identities:\n  - name: a\n   bad: [', {
      format: 'yaml',
      location: 'inv.yaml',
    });
    expect(yamlParsed.fatal?.location).toBe('inv.yaml:3');
    expect(yamlParsed.fatal?.message).toMatch(/^not valid YAML: /);
    expect(yamlParsed.records).toEqual([]);

    const jsonParsed = parseInventory('{\n "identities": [\n  {,\n ]\n}', {
      format: 'json',
      location: 'inv.json',
    });
    expect(jsonParsed.fatal?.location).toBe('inv.json:3');
    expect(jsonParsed.fatal?.message).toMatch(/^not valid JSON: /);
  });

  it('fails a document of the wrong shape', () => {
    expect(
      parseInventory('- a\n- b\n', { format: 'yaml', location: 'x' }).fatal
        ?.message,
    ).toMatch(/must be a document with an `identities` list/);
    expect(
      parseInventory('identities: 3\n', { format: 'yaml', location: 'x' }).fatal
        ?.message,
    ).toBe('inventory.identities must be a list');
    expect(
      parseInventory('identities: []\nowners: x\n', {
        format: 'yaml',
        location: 'x',
      }).fatal?.message,
    ).toBe('inventory has an unknown field "owners"');
  });

  it('applies defaults and lets items override them', () => {
    const parsed = parseInventory(
      [
        'defaults:',
        '  provider: datadog',
        '  type: api-key',
        '  owner: payments',
        '  tags: [monitoring]',
        'identities:',
        '  - { externalId: a, name: a }',
        '  - { externalId: b, name: b, owner: data, tags: [etl] }',
      ].join('\n'),
      { format: 'yaml', location: 'x' },
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.records[0]).toMatchObject({
      provider: 'datadog',
      category: 'api-key',
      owner: { value: 'payments' },
      tags: ['monitoring'],
    });
    expect(parsed.records[1]).toMatchObject({
      owner: { value: 'data' },
      tags: ['monitoring', 'etl'],
    });
  });

  it('reads a huge inventory and still locates a bad row', () => {
    const count = 100_000;
    const items = Array.from({ length: count }, (_, i) => ({
      externalId: `datadog:api-key:${i}`,
      name: `key-${i}`,
      type: 'api-key',
      provider: 'datadog',
      owner: 'payments',
      credentials: [
        {
          id: `k${i}`,
          kind: 'api-key',
          status: 'active',
          createdAt: '2026-01-01T00:00:00Z',
        },
      ],
    }));
    (items[77_777].credentials[0] as any).status = 'sort-of';
    // Written by hand: js-yaml's dump takes longer than the parse under test.
    const asYaml = `identities:\n${items
      .map(
        i =>
          `  - externalId: ${i.externalId}\n    name: ${i.name}\n    type: ${
            i.type
          }\n    provider: ${i.provider}\n    owner: ${
            i.owner
          }\n    credentials:\n${i.credentials
            .map(
              c =>
                `      - id: ${c.id}\n        kind: ${c.kind}\n        status: ${c.status}\n        createdAt: ${c.createdAt}\n`,
            )
            .join('')}`,
      )
      .join('')}`;
    const fromYaml = parseInventory(asYaml, {
      format: 'yaml',
      location: 'big.yaml',
    });
    expect(fromYaml.items).toBe(count);
    expect(fromYaml.records).toHaveLength(count - 1);
    expect(fromYaml.errors).toHaveLength(1);
    const yamlLine = Number(fromYaml.errors[0].location!.split(':')[1]);
    expect(asYaml.split('\n')[yamlLine - 1]).toBe(
      '  - externalId: datadog:api-key:77777',
    );

    const asJson = JSON.stringify({ identities: items }, null, 1);
    const fromJson = parseInventory(asJson, {
      format: 'json',
      location: 'big.json',
    });
    expect(fromJson.records).toHaveLength(count - 1);
    const jsonLine = Number(fromJson.errors[0].location!.split(':')[1]);
    expect(asJson.split('\n')[jsonLine]).toContain('"datadog:api-key:77777"');
    expect(fromJson.errors[0].message).toBe(
      'identities[77777].credentials[0].status must be one of: active, inactive, expired, revoked',
    );
  });
});

describe('inventory.schema.json', () => {
  it('is the schema the parser uses (regenerate it when the kind changes)', () => {
    const committed = JSON.parse(
      fs.readFileSync(
        path.resolve(__dirname, '../../../inventory.schema.json'),
        'utf8',
      ),
    );
    expect(committed).toEqual(buildInventorySchema());
  });
});
