import { test, expect } from '@playwright/test';
import {
  NHI_RISK_LEVELS,
  NHI_ROTATION_STATUSES,
  nhiFindings,
} from '@backstage-nhi/plugin-nhi-common';
import { api, eventually } from './harness/fixtures';

const total = async (filter: string) =>
  (
    await api<{ totalItems: number }>(
      `/api/catalog/entities/by-query?limit=0&filter=${encodeURIComponent(
        filter,
      )}`,
    )
  ).totalItems;

/** The rule ids of an identity's open findings. */
const rulesOf = (e: any): string[] =>
  e.spec.risk.findings.map((f: any) => f.ruleId);

/**
 * Identities' whole specs (the catalog holds a lean entity; credentials and
 * evidence are the detail), a few requests at a time.
 */
async function details(names: string[]): Promise<any[]> {
  const out: any[] = [];
  for (let i = 0; i < names.length; i += 20) {
    out.push(
      ...(await Promise.all(
        names
          .slice(i, i + 20)
          .map(
            async name =>
              (
                await api(
                  `/api/catalog/nhi/identities/detail?entityRef=nonhumanidentity:default/${name}`,
                )
              ).spec,
          ),
      )),
    );
  }
  return out;
}

/** Every identity's evaluation, fetched page by page. */
async function allRisk() {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<{ items: any[]; pageInfo: { nextCursor?: string } }>(
      cursor
        ? `/api/catalog/entities/by-query?cursor=${cursor}&limit=500`
        : `/api/catalog/entities/by-query?filter=kind=nonhumanidentity&limit=500&fields=metadata.name,spec.risk,spec.rotation`,
    );
    items.push(...page.items);
    cursor = page.pageInfo.nextCursor;
  } while (cursor);
  return items;
}

test.describe('risk findings and rotation status', () => {
  test.beforeAll(async () => {
    await eventually(
      () => total('kind=nonhumanidentity'),
      n => n >= 2000,
      240_000,
    );
  });

  test('the demo shows findings in all ten OWASP NHI categories and every rotation status', async () => {
    const items = await allRisk();
    expect(items.length).toBeGreaterThanOrEqual(2000);
    // the catalog keeps rule ids; the OWASP risk is the rule's
    const owasp = new Set(
      items.flatMap(e => nhiFindings(e.spec.risk).map(f => f.owasp)),
    );
    expect([...owasp].sort()).toEqual([
      'NHI1',
      'NHI10',
      'NHI2',
      'NHI3',
      'NHI4',
      'NHI5',
      'NHI6',
      'NHI7',
      'NHI8',
      'NHI9',
    ]);
    // credentials are detail: every rotation status, over every identity
    const whole = await details(items.map(e => e.metadata.name));
    const statuses = new Set(
      whole.flatMap(spec =>
        (spec.credentials ?? []).map((c: any) => c.rotation.status),
      ),
    );
    for (const status of NHI_ROTATION_STATUSES) {
      expect(statuses).toContain(status);
    }
    // the catalog's copy holds no credentials, and findings by rule id only
    expect(items.some(e => e.spec.credentials)).toBe(false);
    const leaked = whole.filter(spec =>
      rulesOf({ spec }).includes('NHI-LEAKED-CREDENTIAL'),
    );
    expect(leaked.length).toBeGreaterThan(0);
    for (const spec of leaked) {
      const f = spec.risk.findings.find(
        (x: any) => x.ruleId === 'NHI-LEAKED-CREDENTIAL',
      );
      expect(f.evidence).toMatch(/found by gitleaks in .* commit [0-9a-f]{12}/);
      // the rule's own severity and OWASP risk are not repeated per identity
      expect(f).toEqual({
        ruleId: 'NHI-LEAKED-CREDENTIAL',
        evidence: f.evidence,
      });
    }

    // filter= by level and by rule counts what the entities say
    for (const level of NHI_RISK_LEVELS) {
      const expected = items.filter(e => e.spec.risk.level === level).length;
      expect(
        await total(`kind=nonhumanidentity,spec.risk.level=${level}`),
      ).toBe(expected);
    }
    for (const rule of [
      'NHI-LEAKED-CREDENTIAL',
      'NHI-NO-OWNER',
      'NHI-ADMIN',
      'NHI-CREDENTIAL-NOT-ROTATED',
    ]) {
      const expected = items.filter(e => rulesOf(e).includes(rule)).length;
      expect(expected).toBeGreaterThan(0);
      expect(
        await total(`kind=nonhumanidentity,spec.risk.findings.ruleId=${rule}`),
      ).toBe(expected);
    }
    const overdue = items.filter(
      e => e.spec.rotation.status === 'overdue',
    ).length;
    expect(
      await total('kind=nonhumanidentity,spec.rotation.status=overdue'),
    ).toBe(overdue);
  });
});
