import { DAY } from '@backstage-nhi/plugin-nhi-common';
import { parseInventory } from '@backstage-nhi/plugin-catalog-backend-module-nhi';
import { loadCompany } from './company';
import { generateInventory } from './generateInventory';

const company = loadCompany();
const now = new Date('2026-11-28T12:00:00Z');

describe('generateInventory', () => {
  const inventory = generateInventory(company, { identities: 2000, now });
  const items = inventory.identities;

  it('reads the demo company from examples/', () => {
    expect(company.teams.length).toBeGreaterThanOrEqual(5);
    expect(company.components.length).toBeGreaterThanOrEqual(20);
    expect(
      company.components.filter(c => c.declares.length).length,
    ).toBeGreaterThan(5);
  });

  it('is deterministic for a seed and a day', () => {
    expect(generateInventory(company, { identities: 2000, now })).toEqual(
      inventory,
    );
    expect(
      generateInventory(company, { identities: 2000, now, seed: 7 }),
    ).not.toEqual(inventory);
    const later = new Date('2026-11-28T23:59:00Z');
    expect(
      generateInventory(company, { identities: 2000, now: later }),
    ).toEqual(inventory);
  });

  it('is a valid inventory the file source reads without errors', () => {
    const parsed = parseInventory(JSON.stringify(inventory), {
      format: 'json',
      location: 'demo.json',
    });
    expect(parsed.fatal).toBeUndefined();
    expect(parsed.errors).toEqual([]);
    expect(parsed.records).toHaveLength(2000);
    expect(new Set(items.map(i => i.externalId)).size).toBe(2000);
  });

  it('covers every category, ownership situation and credential age', () => {
    const categories = new Set(items.map(i => i.category));
    expect([...categories].sort()).toEqual([
      'ai-agent',
      'api-key',
      'bot',
      'machine-certificate',
      'service-account',
    ]);
    const unowned = items.filter(
      i =>
        !i.owner &&
        !company.components.some(c =>
          c.declares.some(p => matches(p, i.externalId)),
        ),
    );
    const ambiguous = items.filter(i =>
      i.externalId.startsWith('datadog:api-key:shared-'),
    );
    const share = (unowned.length + ambiguous.length) / items.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.22);
    expect(
      items.filter(i => i.createdBy?.type === 'agent').length,
    ).toBeGreaterThan(50);
    const creds = items.flatMap(i => i.credentials ?? []);
    expect(creds.some(c => c.lastUsed?.never)).toBe(true);
    expect(creds.some(c => c.status === 'expired')).toBe(true);
    expect(
      creds.some(c => Date.parse(c.createdAt) < now.getTime() - 1000 * DAY),
    ).toBe(true);
    expect(
      creds.some(c => Date.parse(c.createdAt) > now.getTime() - 30 * DAY),
    ).toBe(true);
    // nothing was used before it was created, nor after today
    const used = creds.filter(c => c.lastUsed?.at && c.createdAt);
    expect(used.length).toBeGreaterThan(1000);
    for (const c of used) {
      expect(Date.parse(c.lastUsed!.at!)).toBeGreaterThanOrEqual(
        Date.parse(c.createdAt!),
      );
      expect(Date.parse(c.lastUsed!.at!)).toBeLessThanOrEqual(now.getTime());
    }
  });

  it('scales to benchmark sizes', () => {
    const big = generateInventory(company, { identities: 50_000, now });
    expect(big.identities).toHaveLength(50_000);
    expect(new Set(big.identities.map(i => i.externalId)).size).toBe(50_000);
  });
});

function matches(pattern: string, id: string) {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
    'i',
  );
  return re.test(id);
}
