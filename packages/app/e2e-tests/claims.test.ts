import { test, expect } from '@playwright/test';
import { api, eventually } from './harness/fixtures';

test('a developer claims an unowned identity, a reviewer approves, the catalog shows the owner within 10 s', async () => {
  await eventually(
    async () =>
      (
        await api<{ totalItems: number }>(
          '/api/catalog/entities/by-query?limit=0&filter=kind=nonhumanidentity',
        )
      ).totalItems,
    n => n >= 2000,
    240_000,
  );
  // an unowned identity from the demo source
  const { items } = await api<{ items: any[] }>(
    '/api/catalog/entities/by-query?limit=1&filter=kind=nonhumanidentity,spec.ownership.status=unowned,metadata.annotations.backstage-nhi.io/source=file:demo,spec.category=bot',
  );
  const identity = items[0];
  const entityRef = `nonhumanidentity:default/${identity.metadata.name}`;

  const claim = await api('/api/nhi/claims', {
    as: 'priya.raman',
    method: 'POST',
    body: JSON.stringify({
      entityRef,
      group: 'group:default/shipping',
      justification: 'The label printers in the depots use this bot.',
    }),
  });
  expect(claim).toMatchObject({
    status: 'open',
    createdBy: 'user:default/priya.raman',
  });

  // a teammate who is not a lead cannot approve; the team's lead can
  await expect(
    api(`/api/nhi/claims/${claim.id}/approve`, {
      as: 'rosa.delgado',
      method: 'POST',
      body: '{}',
    }),
  ).rejects.toThrow(/403/);
  const started = Date.now();
  const approved = await api(`/api/nhi/claims/${claim.id}/approve`, {
    as: 'omar.farouk',
    method: 'POST',
    body: JSON.stringify({ comment: 'Yes, depot printers.' }),
  });
  expect(approved.status).toBe('approved');

  const entity = await eventually(
    () =>
      api(
        `/api/catalog/entities/by-name/nonhumanidentity/default/${identity.metadata.name}`,
      ),
    e => e.spec.owner === 'group:default/shipping',
    10_000,
  );
  const seconds = (Date.now() - started) / 1000;
  expect(entity.spec.owner).toBe('group:default/shipping');
  expect(entity.spec.ownership).toMatchObject({
    provenance: 'claimed',
    claim: {
      claimedBy: 'user:default/priya.raman',
      approvedBy: 'user:default/omar.farouk',
    },
  });
  expect(seconds).toBeLessThan(10);
  test.info().annotations.push({
    type: 'claim-to-catalog',
    description: `${seconds.toFixed(1)} s`,
  });

  const audit = await api(`/api/nhi/audit?entityRef=${entityRef}`, {
    as: 'priya.raman',
  });
  expect(audit.items.map((a: any) => a.action)).toEqual([
    'claim.approved',
    'claim.created',
  ]);
});
